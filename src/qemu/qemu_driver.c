/* The driver API (qemu_driver.h): argument checks, locking and libvirt's
 * semantics of define/undefine/start/stop; the work is in qemu_domain.c,
 * qemu_process.c and qemu_status.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_cgroup.h"
#include "qemu_domain.h"
#include "qemu_postparse.h"
#include "qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"
#include "util/vk_name.h"

#define COMMAND_TIMEOUT_MS 30000
enum { RUNNING_UNPAUSED = 5, PAUSED_USER = 1 };

void vk_dom_ref_clear(struct vk_dom_ref *ref)
{
    if (!ref)
        return;
    VK_FREE(ref->name);
}

void vk_dom_refs_free(struct vk_dom_ref *refs, size_t n)
{
    if (!refs)
        return;
    for (size_t i = 0; i < n; i++)
        free(refs[i].name);
    free(refs);
}

/* ---- driver ---- */

struct vk_qemu_driver *vk_qemu_driver_open(const struct vk_paths *paths, struct vk_loop *loop)
{
    struct vk_qemu_driver *drv = vk_calloc(1, sizeof(*drv));
    drv->refs = 1;
    drv->loop = loop;
    drv->config_dir = vk_asprintf("%s/qemu", paths->config_dir);
    drv->autostart_dir = vk_asprintf("%s/qemu/autostart", paths->config_dir);
    drv->run_dir = vk_asprintf("%s/qemu", paths->run_dir);
    drv->log_dir = vk_asprintf("%s/qemu", paths->log_dir);
    drv->save_dir = vk_asprintf("%s/qemu/save", paths->state_dir);
    drv->dump_dir = vk_asprintf("%s/qemu/dump", paths->state_dir);
    drv->next_id = 1;
    pthread_mutex_init(&drv->lock, NULL);
    pthread_mutex_init(&drv->version_lock, NULL);
    pthread_mutex_init(&drv->event_lock, NULL);
    if (vk_mkdir_p(drv->config_dir, 0700) < 0 || vk_mkdir_p(drv->run_dir, 0755) < 0 ||
        vk_mkdir_p(drv->log_dir, 0755) < 0) {
        vk_qemu_driver_unref(drv);
        return NULL;
    }
    vk_qemu_config_load_all(drv);
    vk_qemu_status_load_all(drv);
    return drv;
}

void vk_qemu_driver_unref(struct vk_qemu_driver *drv)
{
    if (!drv || __atomic_sub_fetch(&drv->refs, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    free(drv->doms);
    free(drv->config_dir);
    free(drv->autostart_dir);
    free(drv->run_dir);
    free(drv->log_dir);
    free(drv->save_dir);
    free(drv->dump_dir);
    for (size_t i = 0; i < drv->nversions; i++)
        free(drv->versions[i].path);
    free(drv->versions);
    pthread_mutex_destroy(&drv->lock);
    pthread_mutex_destroy(&drv->version_lock);
    pthread_mutex_destroy(&drv->event_lock);
    free(drv);
}

void vk_qemu_driver_close(struct vk_qemu_driver *drv)
{
    if (!drv)
        return;
    __atomic_store_n(&drv->closed, true, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom **doms = drv->doms;
    size_t n = drv->ndoms;
    drv->doms = NULL;
    drv->ndoms = 0;
    pthread_mutex_unlock(&drv->lock);
    for (size_t i = 0; i < n; i++) {
        struct vk_qemu_dom *dom = doms[i];
        /* Wait for a running job, then detach: QEMU keeps running. */
        pthread_mutex_lock(&dom->job);
        pthread_mutex_lock(&dom->lock);
        struct vk_qemu_monitor *mon = dom->mon;
        int watch = dom->pid_watch;
        dom->mon = NULL;
        dom->pid_watch = 0;
        dom->removed = true;
        pthread_mutex_unlock(&dom->lock);
        pthread_mutex_unlock(&dom->job);
        vk_qmp_close(mon);
        if (watch > 0)
            vk_loop_remove_fd(drv->loop, watch);
        vk_qemu_dom_unref(dom);
    }
    free(doms);
    vk_qemu_cgroup_sweep(drv); /* feature "tune": groups a stop could not remove */
    vk_qemu_driver_unref(drv);
}

void vk_qemu_driver_set_event_cb(struct vk_qemu_driver *drv, vk_qemu_event_cb cb, void *opaque)
{
    pthread_mutex_lock(&drv->event_lock);
    drv->event_cb = cb;
    drv->event_opaque = opaque;
    pthread_mutex_unlock(&drv->event_lock);
}

int vk_qemu_get_version(struct vk_qemu_driver *drv, unsigned long long *version)
{
    return vk_qemu_emulator_version(drv, vk_qemu_emulator_of(NULL), version);
}

/* ---- lookups ---- */

static void fill_ref(struct vk_qemu_dom *dom, struct vk_dom_ref *out)
{
    if (!out)
        return;
    out->name = vk_strdup(dom->name);
    memcpy(out->uuid, dom->uuid, VK_UUID_LEN);
    pthread_mutex_lock(&dom->lock);
    out->id = dom->id;
    pthread_mutex_unlock(&dom->lock);
}

static int no_domain_uuid(const uint8_t *uuid)
{
    char s[VK_UUID_STRLEN];
    vk_uuid_format(uuid, s);
    return vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU, "no domain with matching uuid '%s'", s);
}

/* Returns a referenced domain or NULL (VK_ERR_NO_DOMAIN). */
struct vk_qemu_dom *vk_qemu_dom_get(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = vk_qemu_list_find_uuid(drv, uuid);
    if (dom)
        vk_qemu_dom_ref(dom);
    pthread_mutex_unlock(&drv->lock);
    if (!dom)
        no_domain_uuid(uuid);
    return dom;
}

/* vk_qemu_dom_get + the job lock; NULL when the domain left the list meanwhile. */
struct vk_qemu_dom *vk_qemu_job_begin(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return NULL;
    pthread_mutex_lock(&dom->job);
    pthread_mutex_lock(&dom->lock);
    bool removed = dom->removed;
    pthread_mutex_unlock(&dom->lock);
    if (removed) {
        pthread_mutex_unlock(&dom->job);
        vk_qemu_dom_unref(dom);
        no_domain_uuid(uuid);
        return NULL;
    }
    return dom;
}

void vk_qemu_job_end(struct vk_qemu_dom *dom)
{
    pthread_mutex_unlock(&dom->job);
    vk_qemu_dom_unref(dom);
}

int vk_qemu_domain_lookup_by_name(struct vk_qemu_driver *drv, const char *name,
                                  struct vk_dom_ref *out)
{
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = name ? vk_qemu_list_find_name(drv, name) : NULL;
    if (dom)
        fill_ref(dom, out);
    pthread_mutex_unlock(&drv->lock);
    if (!dom)
        return vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU, "no domain with matching name '%s'",
                            name ? name : "");
    return 0;
}

int vk_qemu_domain_lookup_by_uuid(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                  struct vk_dom_ref *out)
{
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = vk_qemu_list_find_uuid(drv, uuid);
    if (dom)
        fill_ref(dom, out);
    pthread_mutex_unlock(&drv->lock);
    return dom ? 0 : no_domain_uuid(uuid);
}

int vk_qemu_domain_lookup_by_id(struct vk_qemu_driver *drv, int id, struct vk_dom_ref *out)
{
    struct vk_qemu_dom *found = NULL;
    pthread_mutex_lock(&drv->lock);
    for (size_t i = 0; i < drv->ndoms && !found && id >= 0; i++) {
        struct vk_qemu_dom *dom = drv->doms[i];
        pthread_mutex_lock(&dom->lock);
        if (dom->id == id)
            found = dom;
        pthread_mutex_unlock(&dom->lock);
    }
    if (found)
        fill_ref(found, out);
    pthread_mutex_unlock(&drv->lock);
    if (!found)
        return vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU, "no domain with matching id %d", id);
    return 0;
}

/* ---- define / undefine ---- */

static struct vk_domain_def *parse_def(const char *xml)
{
    if (!xml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "domain XML is missing"), NULL;
    struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
    if (!def)
        return NULL;
    /* Feature "postparse": libvirt's defaults and addresses, stored with the def. */
    if (vk_name_check("domain", def->name) < 0 || vk_qemu_postparse(NULL, def) < 0) {
        vk_domain_def_free(def);
        return NULL;
    }
    return def;
}

/* Under the list lock: libvirt's rules for a def meeting the list. Returns
 * the existing domain with this uuid (borrowed), NULL when new, or sets the
 * error and returns NULL with *err = true. */
static struct vk_qemu_dom *check_conflicts(struct vk_qemu_driver *drv,
                                           const struct vk_domain_def *def, bool *err)
{
    char uuid[VK_UUID_STRLEN];
    *err = false;
    struct vk_qemu_dom *dom = vk_qemu_list_find_uuid(drv, def->uuid);
    if (dom) {
        if (strcmp(dom->name, def->name)) {
            vk_uuid_format(def->uuid, uuid);
            *err = true;
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "domain '%s' is already defined with uuid %s", dom->name, uuid);
            return NULL;
        }
        return dom;
    }
    dom = vk_qemu_list_find_name(drv, def->name);
    if (dom) {
        vk_uuid_format(dom->uuid, uuid);
        *err = true;
        vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                     "domain '%s' already exists with uuid %s", def->name, uuid);
    }
    return NULL;
}

int vk_qemu_domain_define(struct vk_qemu_driver *drv, const char *xml, unsigned flags,
                          struct vk_dom_ref *out)
{
    struct vk_domain_def *def = parse_def(xml);
    if (!def)
        return -1;
    bool err;
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = check_conflicts(drv, def, &err);
    if (err) {
        pthread_mutex_unlock(&drv->lock);
        vk_domain_def_free(def);
        return -1;
    }
    if (!dom) {
        /* New: the file first, so a failed write leaves no half-defined domain. */
        if (vk_qemu_config_save(drv, def) < 0) {
            pthread_mutex_unlock(&drv->lock);
            vk_domain_def_free(def);
            return -1;
        }
        dom = vk_qemu_dom_new(drv, def);
        dom->persistent = true;
        vk_qemu_list_insert(drv, dom);
        pthread_mutex_unlock(&drv->lock);
        fill_ref(dom, out);
        vk_qemu_emit(dom, -1, VK_EVENT_DEFINED, 0);
        vk_qemu_dom_unref(dom);
        return 0;
    }
    vk_qemu_dom_ref(dom);
    pthread_mutex_unlock(&drv->lock);

    pthread_mutex_lock(&dom->job);
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    bool removed = dom->removed;
    pthread_mutex_unlock(&dom->lock);
    if (removed) {
        /* Undefined while we waited: start over as a new domain. */
        vk_qemu_job_end(dom);
        char *again = vk_domain_def_format(def, 0, -1);
        vk_domain_def_free(def);
        ret = again ? vk_qemu_domain_define(drv, again, flags, out) : -1;
        free(again);
        return ret;
    }
    if (vk_qemu_config_save(drv, def) < 0) {
        vk_domain_def_free(def);
        goto out;
    }
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom)) {
        /* A running domain keeps its live def; the config waits for the next start. */
        vk_domain_def_free(dom->newdef);
        dom->newdef = def;
    } else {
        vk_domain_def_free(dom->def);
        dom->def = def;
    }
    dom->persistent = true;
    int id = dom->id;
    pthread_mutex_unlock(&dom->lock);
    fill_ref(dom, out);
    vk_qemu_emit(dom, id, VK_EVENT_DEFINED, 1);
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_undefine(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    bool persistent = dom->persistent, active = vk_qemu_dom_is_active(dom);
    pthread_mutex_unlock(&dom->lock);
    if (!persistent) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "cannot undefine transient domain '%s'", dom->name);
        goto out;
    }
    /* Feature "save": libvirt's rule for a managed save image (flag 1,
     * VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, removes it). */
    bool msave = vk_qemu_managed_save_exists(drv, dom->name);
    if (msave && !(flags & 1u)) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "Refusing to undefine while domain managed save image exists");
        goto out;
    }
    if (vk_qemu_config_delete(drv, dom->name) < 0)
        goto out;
    if (msave) {
        vk_autofree char *mpath = vk_qemu_managed_save_path(drv, dom->name);
        unlink(mpath);
    }
    if (active) {
        /* It keeps running as a transient domain and goes when it stops. */
        pthread_mutex_lock(&dom->lock);
        dom->persistent = false;
        vk_domain_def_free(dom->newdef);
        dom->newdef = NULL;
        bool still = vk_qemu_dom_is_active(dom);
        pthread_mutex_unlock(&dom->lock);
        if (!still) /* it stopped meanwhile, as a persistent domain */
            vk_qemu_list_remove(drv, dom);
    } else {
        vk_qemu_list_remove(drv, dom);
    }
    vk_qemu_emit(dom, -1, VK_EVENT_UNDEFINED, 0);
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

/* ---- lifecycle ---- */

static int check_active(struct vk_qemu_dom *dom, bool want_active)
{
    pthread_mutex_lock(&dom->lock);
    bool active = vk_qemu_dom_is_active(dom);
    pthread_mutex_unlock(&dom->lock);
    if (active == want_active)
        return 0;
    return vk_error_set(
        VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
        want_active ? "domain '%s' is not running" : "domain '%s' is already running", dom->name);
}

int vk_qemu_domain_create(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags,
                          struct vk_dom_ref *out)
{
    if (flags & ~(unsigned)VK_START_PAUSED)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported start flags 0x%x",
                            flags & ~(unsigned)VK_START_PAUSED);
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    if (check_active(dom, false) < 0)
        goto out;
    /* Feature "save": a managed save image is resumed (and removed). */
    if (vk_qemu_managed_save_exists(drv, dom->name) ? vk_qemu_managed_save_start(dom, flags) < 0
                                                    : vk_qemu_process_start(dom, flags) < 0)
        goto out;
    fill_ref(dom, out);
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_create_xml(struct vk_qemu_driver *drv, const char *xml, unsigned flags,
                              struct vk_dom_ref *out)
{
    if (flags & ~(unsigned)VK_START_PAUSED)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported create flags 0x%x",
                            flags & ~(unsigned)VK_START_PAUSED);
    struct vk_domain_def *def = parse_def(xml);
    if (!def)
        return -1;
    bool err;
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = check_conflicts(drv, def, &err);
    if (err) {
        pthread_mutex_unlock(&drv->lock);
        vk_domain_def_free(def);
        return -1;
    }
    bool fresh = !dom;
    if (fresh) {
        dom = vk_qemu_dom_new(drv, def);
        vk_qemu_list_insert(drv, dom);
        def = NULL;
    } else {
        vk_qemu_dom_ref(dom);
    }
    pthread_mutex_unlock(&drv->lock);

    pthread_mutex_lock(&dom->job);
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    bool removed = dom->removed;
    pthread_mutex_unlock(&dom->lock);
    if (removed) {
        no_domain_uuid(dom->uuid);
        goto out;
    }
    if (!fresh) {
        /* An inactive persistent domain started with a one-off def: the
         * config waits in newdef and returns when it stops. */
        if (check_active(dom, false) < 0) {
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is already active",
                         dom->name);
            goto out;
        }
        pthread_mutex_lock(&dom->lock);
        dom->newdef = dom->def;
        dom->def = def;
        def = NULL;
        pthread_mutex_unlock(&dom->lock);
    }
    if (vk_qemu_process_start(dom, flags) < 0) {
        if (fresh) {
            vk_qemu_list_remove(drv, dom);
        } else {
            pthread_mutex_lock(&dom->lock);
            vk_domain_def_free(dom->def);
            dom->def = dom->newdef;
            dom->newdef = NULL;
            pthread_mutex_unlock(&dom->lock);
        }
        goto out;
    }
    fill_ref(dom, out);
    ret = 0;
out:
    vk_domain_def_free(def);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_destroy(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = vk_qemu_process_destroy(dom, flags & VK_DESTROY_GRACEFUL);
    vk_qemu_job_end(dom);
    return ret;
}

/* Runs one QMP command on a running domain, with the job held. */
static int simple_command(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *cmd,
                          int new_state, int new_reason)
{
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    /* dom->mon only changes under the job or when the process is gone, and
     * vk_qmp_close on a gone process makes the command fail cleanly. */
    if (!mon) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
        goto out;
    }
    if (vk_qmp_command(mon, cmd, NULL, NULL, COMMAND_TIMEOUT_MS) < 0)
        goto out;
    if (new_state) {
        pthread_mutex_lock(&dom->lock);
        if (vk_qemu_dom_is_active(dom))
            vk_qemu_dom_set_state(dom, new_state, new_reason);
        pthread_mutex_unlock(&dom->lock);
    }
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

/* libvirt's VIR_DOMAIN_SHUTDOWN_* / VIR_DOMAIN_REBOOT_* modes: only the ACPI
 * power button (1) exists without a guest agent. */
static int check_mode(unsigned flags, const char *what)
{
    if (flags & ~1u)
        return vk_error_set(VK_ERR_ARGUMENT_UNSUPPORTED, VK_FROM_QEMU,
                            "%s mode 0x%x is not supported (only the ACPI power button)", what,
                            flags);
    return 0;
}

int vk_qemu_domain_shutdown(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (check_mode(flags, "shutdown") < 0)
        return -1;
    /* ACPI power button: the guest decides; its poweroff arrives as SHUTDOWN. */
    return simple_command(drv, uuid, "system_powerdown", 0, 0);
}

/* libvirt's VIR_DOMAIN_REBOOT_*: the ones its QEMU driver takes. */
enum { REBOOT_ACPI_POWER_BTN = 1, REBOOT_GUEST_AGENT = 2 };

int vk_qemu_domain_reboot(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (flags & ~(unsigned)(REBOOT_ACPI_POWER_BTN | REBOOT_GUEST_AGENT))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags (0x%x) in function vk_qemu_domain_reboot",
                            flags & ~(unsigned)(REBOOT_ACPI_POWER_BTN | REBOOT_GUEST_AGENT));
    if (flags & REBOOT_GUEST_AGENT)
        return vk_error_set(VK_ERR_ARGUMENT_UNSUPPORTED, VK_FROM_QEMU,
                            "QEMU guest agent is not configured (virtkit has no guest agent "
                            "support); reboot with the ACPI power button instead");
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    /* As libvirt: the guest's power-off that follows becomes a reset
     * (qemu_driver_events.c); a guest ignoring ACPI simply stays up. */
    if (mon)
        dom->fake_reboot = true;
    pthread_mutex_unlock(&dom->lock);
    if (!mon) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
        goto out;
    }
    if (vk_qmp_command(mon, "system_powerdown", NULL, NULL, COMMAND_TIMEOUT_MS) < 0) {
        pthread_mutex_lock(&dom->lock);
        dom->fake_reboot = false;
        pthread_mutex_unlock(&dom->lock);
        goto out;
    }
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_reset(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "reset flags 0x%x are not supported (must be 0)", flags);
    return simple_command(drv, uuid, "system_reset", 0, 0);
}

int vk_qemu_domain_suspend(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    return simple_command(drv, uuid, "stop", VK_DOM_PAUSED, PAUSED_USER);
}

int vk_qemu_domain_resume(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    return simple_command(drv, uuid, "cont", VK_DOM_RUNNING, RUNNING_UNPAUSED);
}

/* ---- queries ---- */

char *vk_qemu_domain_get_xml(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return NULL;
    pthread_mutex_lock(&dom->lock);
    bool active = vk_qemu_dom_is_active(dom);
    const struct vk_domain_def *def = dom->def;
    if ((flags & VK_XML_INACTIVE) && dom->newdef)
        def = dom->newdef;
    unsigned fmt = 0;
    if (active && !(flags & VK_XML_INACTIVE))
        fmt |= VK_FORMAT_LIVE;
    if (!(flags & VK_XML_SECURE))
        fmt |= VK_FORMAT_NO_SECURE;
    char *xml = vk_domain_def_format(def, fmt, dom->id);
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return xml;
}

int vk_qemu_domain_get_info(struct vk_qemu_driver *drv, const uint8_t *uuid,
                            struct vk_dom_info *info)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    memset(info, 0, sizeof(*info));
    pthread_mutex_lock(&dom->lock);
    const struct vk_domain_def *def = dom->def;
    pid_t pid = dom->pid;
    info->state = dom->state;
    info->max_mem_kib = def->memory_kib;
    info->memory_kib = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
    info->nr_vcpus = (unsigned)(def->vcpus_current > 0 ? def->vcpus_current : def->vcpus);
    pthread_mutex_unlock(&dom->lock);
    if (pid > 0)
        info->cpu_time_ns = vk_qemu_proc_cpu_time(pid);
    vk_qemu_dom_unref(dom);
    return 0;
}

int vk_qemu_domain_get_state(struct vk_qemu_driver *drv, const uint8_t *uuid, int *state,
                             int *reason)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    if (state)
        *state = dom->state;
    if (reason)
        *reason = dom->reason;
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return 0;
}

int vk_qemu_domain_is_active(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_qemu_dom_is_active(dom);
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return r;
}

int vk_qemu_domain_is_persistent(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    int r = dom->persistent;
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return r;
}

static bool autostart_of(struct vk_qemu_driver *drv, const char *name)
{
    vk_autofree char *link = vk_asprintf("%s/%s.xml", drv->autostart_dir, name);
    return access(link, F_OK) == 0;
}

int vk_qemu_domain_get_autostart(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    int r = autostart_of(drv, dom->name);
    vk_qemu_dom_unref(dom);
    return r;
}

int vk_qemu_domain_set_autostart(struct vk_qemu_driver *drv, const uint8_t *uuid, int autostart)
{
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    bool persistent = dom->persistent;
    pthread_mutex_unlock(&dom->lock);
    vk_autofree char *link = vk_asprintf("%s/%s.xml", drv->autostart_dir, dom->name);
    vk_autofree char *target = vk_asprintf("../%s.xml", dom->name);
    if (!persistent) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "cannot set autostart for transient domain '%s'", dom->name);
        goto out;
    }
    if (autostart) {
        if (vk_mkdir_p(drv->autostart_dir, 0700) < 0)
            goto out;
        if (symlink(target, link) < 0 && errno != EEXIST) {
            vk_error_system(errno, "domain '%s': cannot create autostart link '%s'", dom->name,
                            link);
            goto out;
        }
    } else if (unlink(link) < 0 && errno != ENOENT) {
        vk_error_system(errno, "domain '%s': cannot remove autostart link '%s'", dom->name, link);
        goto out;
    }
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

void vk_qemu_driver_autostart(struct vk_qemu_driver *drv)
{
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    if (vk_qemu_list_domains(drv, VK_LIST_INACTIVE | VK_LIST_PERSISTENT | VK_LIST_AUTOSTART, &refs,
                             NULL, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (vk_qemu_domain_create(drv, refs[i].uuid, 0, NULL) < 0)
            VK_ERROR("autostart of domain '%s' failed: %s", refs[i].name, vk_error_last()->message);
        else
            VK_INFO("domain '%s' autostarted", refs[i].name);
    }
    vk_dom_refs_free(refs, n);
}

int vk_qemu_domain_has_managed_save(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    int has = vk_qemu_managed_save_exists(drv, dom->name);
    vk_qemu_dom_unref(dom);
    return has;
}

struct listed {
    struct vk_dom_ref ref;
    int state;
};

static int cmp_listed(const void *a, const void *b)
{
    const struct listed *x = a, *y = b;
    bool ax = x->ref.id >= 0, ay = y->ref.id >= 0;
    if (ax != ay)
        return ax ? -1 : 1;
    if (ax)
        return x->ref.id - y->ref.id;
    return strcmp(x->ref.name, y->ref.name);
}

static bool matches(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom, unsigned flags, int state,
                    bool active, bool persistent)
{
    if ((flags & (VK_LIST_ACTIVE | VK_LIST_INACTIVE)) &&
        !((flags & VK_LIST_ACTIVE && active) || (flags & VK_LIST_INACTIVE && !active)))
        return false;
    if ((flags & (VK_LIST_PERSISTENT | VK_LIST_TRANSIENT)) &&
        !((flags & VK_LIST_PERSISTENT && persistent) || (flags & VK_LIST_TRANSIENT && !persistent)))
        return false;
    unsigned sflags = VK_LIST_RUNNING | VK_LIST_PAUSED | VK_LIST_SHUTOFF | VK_LIST_OTHER;
    if (flags & sflags) {
        bool ok = (flags & VK_LIST_RUNNING && state == VK_DOM_RUNNING) ||
                  (flags & VK_LIST_PAUSED && state == VK_DOM_PAUSED) ||
                  (flags & VK_LIST_SHUTOFF && state == VK_DOM_SHUTOFF) ||
                  (flags & VK_LIST_OTHER && state != VK_DOM_RUNNING && state != VK_DOM_PAUSED &&
                   state != VK_DOM_SHUTOFF);
        if (!ok)
            return false;
    }
    if (flags & (VK_LIST_MANAGEDSAVE | VK_LIST_NO_MANAGEDSAVE)) {
        bool m = vk_qemu_managed_save_exists(drv, dom->name);
        if (!((flags & VK_LIST_MANAGEDSAVE && m) || (flags & VK_LIST_NO_MANAGEDSAVE && !m)))
            return false;
    }
    /* No snapshots exist yet. */
    if ((flags & (VK_LIST_HAS_SNAPSHOT | VK_LIST_NO_SNAPSHOT)) && !(flags & VK_LIST_NO_SNAPSHOT))
        return false;
    if (flags & (VK_LIST_AUTOSTART | VK_LIST_NO_AUTOSTART)) {
        bool a = autostart_of(drv, dom->name);
        if (!((flags & VK_LIST_AUTOSTART && a) || (flags & VK_LIST_NO_AUTOSTART && !a)))
            return false;
    }
    return true;
}

int vk_qemu_list_domains(struct vk_qemu_driver *drv, unsigned flags, struct vk_dom_ref **out,
                         int **states, size_t *n)
{
    struct listed *l = NULL;
    size_t nl = 0;
    pthread_mutex_lock(&drv->lock);
    for (size_t i = 0; i < drv->ndoms; i++) {
        struct vk_qemu_dom *dom = drv->doms[i];
        pthread_mutex_lock(&dom->lock);
        int state = dom->state, id = dom->id;
        bool active = vk_qemu_dom_is_active(dom), persistent = dom->persistent;
        pthread_mutex_unlock(&dom->lock);
        if (!matches(drv, dom, flags, state, active, persistent))
            continue;
        struct listed *e = VK_APPEND(l, nl);
        e->ref.name = vk_strdup(dom->name);
        memcpy(e->ref.uuid, dom->uuid, VK_UUID_LEN);
        e->ref.id = active ? id : -1;
        e->state = state;
    }
    pthread_mutex_unlock(&drv->lock);
    if (nl)
        qsort(l, nl, sizeof(*l), cmp_listed);
    *out = vk_calloc(nl ? nl : 1, sizeof(**out));
    if (states)
        *states = vk_calloc(nl ? nl : 1, sizeof(**states));
    for (size_t i = 0; i < nl; i++) {
        (*out)[i] = l[i].ref;
        if (states)
            (*states)[i] = l[i].state;
    }
    *n = nl;
    free(l);
    return 0;
}
