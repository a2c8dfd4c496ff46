/* Domain objects, the domain list and persistent configs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "util/vk_alloc.h"
#include "util/vk_cgroup.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_name.h"

/* Config files larger than this are refused rather than read. */
#define MAX_CONFIG_BYTES (16u << 20)

struct vk_qemu_dom *vk_qemu_dom_new(struct vk_qemu_driver *drv, struct vk_domain_def *def)
{
    struct vk_qemu_dom *dom = vk_calloc(1, sizeof(*dom));
    dom->refs = 1;
    dom->drv = drv;
    __atomic_add_fetch(&drv->refs, 1, __ATOMIC_SEQ_CST);
    dom->name = vk_strdup(def->name);
    memcpy(dom->uuid, def->uuid, VK_UUID_LEN);
    pthread_mutex_init(&dom->job, NULL);
    pthread_mutex_init(&dom->lock, NULL);
    pthread_cond_init(&dom->cond, NULL);
    dom->def = def;
    dom->state = VK_DOM_SHUTOFF;
    dom->reason = 0;
    dom->id = -1;
    dom->pidfd = -1;
    return dom;
}

void vk_qemu_dom_ref(struct vk_qemu_dom *dom)
{
    __atomic_add_fetch(&dom->refs, 1, __ATOMIC_SEQ_CST);
}

void vk_qemu_dom_unref(struct vk_qemu_dom *dom)
{
    if (!dom || __atomic_sub_fetch(&dom->refs, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    struct vk_qemu_driver *drv = dom->drv;
    vk_domain_def_free(dom->def);
    vk_domain_def_free(dom->newdef);
    vk_qemu_unplugs_clear(dom); /* feature "net" */
    free(dom->mon_path);
    vk_cgroup_free(dom->cgroup);
    free(dom->name);
    pthread_cond_destroy(&dom->cond);
    pthread_mutex_destroy(&dom->lock);
    pthread_mutex_destroy(&dom->job);
    free(dom);
    vk_qemu_driver_unref(drv);
}

bool vk_qemu_dom_is_active(const struct vk_qemu_dom *dom)
{
    return dom->pid > 0;
}

void vk_qemu_emit(struct vk_qemu_dom *dom, int id, int event, int detail)
{
    struct vk_qemu_driver *drv = dom->drv;
    pthread_mutex_lock(&drv->event_lock);
    vk_qemu_event_cb cb = drv->event_cb;
    void *opaque = drv->event_opaque;
    pthread_mutex_unlock(&drv->event_lock);
    if (!cb || __atomic_load_n(&drv->closed, __ATOMIC_SEQ_CST))
        return;
    struct vk_dom_ref ref = {.name = dom->name, .id = id};
    memcpy(ref.uuid, dom->uuid, VK_UUID_LEN);
    cb(&ref, event, detail, opaque);
}

struct vk_qemu_dom *vk_qemu_list_find_uuid(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    for (size_t i = 0; i < drv->ndoms; i++)
        if (!memcmp(drv->doms[i]->uuid, uuid, VK_UUID_LEN))
            return drv->doms[i];
    return NULL;
}

struct vk_qemu_dom *vk_qemu_list_find_name(struct vk_qemu_driver *drv, const char *name)
{
    for (size_t i = 0; i < drv->ndoms; i++)
        if (!strcmp(drv->doms[i]->name, name))
            return drv->doms[i];
    return NULL;
}

void vk_qemu_list_insert(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom)
{
    vk_qemu_dom_ref(dom);
    *VK_APPEND(drv->doms, drv->ndoms) = dom;
}

bool vk_qemu_list_remove_locked(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom)
{
    for (size_t i = 0; i < drv->ndoms; i++) {
        if (drv->doms[i] == dom) {
            memmove(&drv->doms[i], &drv->doms[i + 1], (drv->ndoms - i - 1) * sizeof(drv->doms[0]));
            drv->ndoms--;
            return true;
        }
    }
    return false;
}

void vk_qemu_list_remove(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&drv->lock);
    bool found = vk_qemu_list_remove_locked(drv, dom);
    pthread_mutex_lock(&dom->lock);
    dom->removed = true;
    pthread_mutex_unlock(&dom->lock);
    pthread_mutex_unlock(&drv->lock);
    if (found)
        vk_qemu_dom_unref(dom);
}

void vk_qemu_error_name_domain(const char *name)
{
    char head[VK_NAME_MAX + 16];
    snprintf(head, sizeof(head), "domain '%s'", name);
    if (strncmp(vk_error_last()->message, head, strlen(head)))
        vk_error_prefix("%s", head);
}

static char *config_path(struct vk_qemu_driver *drv, const char *name)
{
    return vk_asprintf("%s/%s.xml", drv->config_dir, name);
}

int vk_qemu_config_save(struct vk_qemu_driver *drv, const struct vk_domain_def *def)
{
    vk_autofree char *xml = vk_domain_def_format(def, 0, -1);
    if (!xml)
        return -1;
    /* Created at driver open; recreated if someone removed it since (one
     * access() per define instead of a mkdir per path component). */
    if (access(drv->config_dir, F_OK) < 0 && vk_mkdir_p(drv->config_dir, 0700) < 0)
        return -1;
    vk_autofree char *path = config_path(drv, def->name);
    if (vk_file_write_atomic(path, xml, strlen(xml), 0600) < 0) {
        vk_qemu_error_name_domain(def->name);
        return -1;
    }
    return 0;
}

int vk_qemu_config_delete(struct vk_qemu_driver *drv, const char *name)
{
    vk_autofree char *path = config_path(drv, name);
    vk_autofree char *link = vk_asprintf("%s/%s.xml", drv->autostart_dir, name);
    if (unlink(link) < 0 && errno != ENOENT)
        return vk_error_system(errno, "domain '%s': cannot remove autostart link '%s'", name, link);
    if (vk_file_unlink_durable(path) < 0) {
        vk_qemu_error_name_domain(name);
        return -1;
    }
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && !strcmp(s + n - m, suffix);
}

static void load_one_config(struct vk_qemu_driver *drv, const char *file)
{
    vk_autofree char *path = vk_asprintf("%s/%s", drv->config_dir, file);
    vk_autofree char *xml = NULL;
    size_t len;
    if (vk_file_read(path, MAX_CONFIG_BYTES, &xml, &len) < 0) {
        VK_WARN("skipping domain config '%s': %s", path, vk_error_last()->message);
        return;
    }
    struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
    if (!def) {
        VK_WARN("skipping domain config '%s': %s", path, vk_error_last()->message);
        return;
    }
    vk_autofree char *expect = vk_asprintf("%s.xml", def->name);
    if (vk_name_check("domain", def->name) < 0 || strcmp(expect, file)) {
        VK_WARN("skipping domain config '%s': it defines domain '%s', the file must be '%s'", path,
                def->name, expect);
        vk_domain_def_free(def);
        return;
    }
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *other = vk_qemu_list_find_uuid(drv, def->uuid);
    if (other) {
        char uuid[VK_UUID_STRLEN];
        vk_uuid_format(def->uuid, uuid);
        VK_WARN("skipping domain config '%s': uuid %s is already used by domain '%s'", path, uuid,
                other->name);
        pthread_mutex_unlock(&drv->lock);
        vk_domain_def_free(def);
        return;
    }
    struct vk_qemu_dom *dom = vk_qemu_dom_new(drv, def);
    dom->persistent = true;
    vk_qemu_list_insert(drv, dom);
    pthread_mutex_unlock(&drv->lock);
    vk_qemu_dom_unref(dom);
}

void vk_qemu_config_load_all(struct vk_qemu_driver *drv)
{
    DIR *d = opendir(drv->config_dir);
    if (!d) {
        if (errno != ENOENT)
            VK_WARN("cannot read domain configs in '%s': %s", drv->config_dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".xml"))
            continue;
        load_one_config(drv, e->d_name);
    }
    closedir(d);
}
