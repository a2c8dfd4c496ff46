/* Feature "net" (hotplug): removing a device from a running guest, and the
 * device-added / device-removed events.
 *
 * device_del only asks: the guest has to release the device (ACPI hotplug),
 * and QEMU says DEVICE_DELETED when it has. A detach waits for that (the
 * loop thread marks the request done and wakes it through dom->cond), then
 * finishes the removal: the disk's block nodes or the interface's netdev
 * and tap, the live def, the device-removed event. A guest slower than the
 * wait gets libvirt's behaviour: the detach returns success and the device
 * stays in the live XML until QEMU reports it gone; then a thread of our own
 * takes the domain's job and finishes the removal the same way. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_domain.h"
#include "qemu/qemu_driver_hotplug_priv.h"
#include "qemu/qemu_interface.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

/* libvirt waits 5 s; a guest under TCG on a busy host needs longer. */
#define UNPLUG_WAIT_MS 20000

struct unplug {
    char *id;
    char *node; /* disk: its format node; NULL for others */
    bool done;  /* QEMU said DEVICE_DELETED */
    bool late;  /* nobody waits any more: a thread finishes it */
};

struct vk_qemu_unplugs {
    struct unplug *v;
    size_t n;
};

/* ---- events ---- */

void vk_qemu_driver_set_device_event_cb(struct vk_qemu_driver *drv, vk_qemu_device_event_cb cb,
                                        void *opaque)
{
    pthread_mutex_lock(&drv->event_lock);
    drv->device_event_cb = cb;
    drv->device_event_opaque = opaque;
    pthread_mutex_unlock(&drv->event_lock);
}

static void emit_device(struct vk_qemu_dom *dom, bool added, const char *alias)
{
    struct vk_qemu_driver *drv = dom->drv;
    pthread_mutex_lock(&drv->event_lock);
    vk_qemu_device_event_cb cb = drv->device_event_cb;
    void *opaque = drv->device_event_opaque;
    pthread_mutex_unlock(&drv->event_lock);
    if (!cb || __atomic_load_n(&drv->closed, __ATOMIC_SEQ_CST))
        return;
    struct vk_dom_ref ref = {.name = dom->name};
    memcpy(ref.uuid, dom->uuid, VK_UUID_LEN);
    pthread_mutex_lock(&dom->lock);
    ref.id = dom->id;
    pthread_mutex_unlock(&dom->lock);
    cb(&ref, added, alias, opaque);
}

void vk_hp_emit_added(struct vk_qemu_dom *dom, const char *id)
{
    emit_device(dom, true, id);
}

/* ---- the pending list (under dom->lock) ---- */

static struct unplug *find(struct vk_qemu_dom *dom, const char *id)
{
    struct vk_qemu_unplugs *u = dom->unplugs;
    for (size_t i = 0; u && i < u->n; i++)
        if (!strcmp(u->v[i].id, id))
            return &u->v[i];
    return NULL;
}

/* Takes the entry out; the caller owns *out's strings. */
static bool take(struct vk_qemu_dom *dom, const char *id, struct unplug *out)
{
    struct unplug *e = find(dom, id);
    if (!e)
        return false;
    *out = *e;
    struct vk_qemu_unplugs *u = dom->unplugs;
    *e = u->v[--u->n];
    return true;
}

void vk_qemu_unplugs_clear(struct vk_qemu_dom *dom)
{
    struct vk_qemu_unplugs *u = dom->unplugs;
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++) {
        free(u->v[i].id);
        free(u->v[i].node);
    }
    free(u->v);
    free(u);
    dom->unplugs = NULL;
}

/* ---- finishing a removal ---- */

/* QEMU dropped device id: free what backed it and take it out of the live
 * def. Job held. */
static void finish(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon, const char *id,
                   const char *node)
{
    char args[256];
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *live = vk_qemu_dom_is_active(dom) ? vk_domain_def_copy(dom->def) : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!live) {
        vk_error_reset();
        return;
    }
    struct vk_domain_def *n = NULL;
    ssize_t i;
    for (i = 0; i < (ssize_t)live->ndisks; i++) {
        char did[128];
        if (vk_hp_disk_qdev_id(&live->disks[i], did, sizeof(did)) == 0 && !strcmp(did, id))
            break;
        vk_error_reset();
    }
    if (i < (ssize_t)live->ndisks) {
        if (node) {
            snprintf(args, sizeof(args), "{\"node-name\":\"%s\"}", node);
            vk_qmp_command(mon, "blockdev-del", args, NULL, HP_QMP_TIMEOUT_MS);
            size_t len = strlen(node);
            if (len > 7 && !strcmp(node + len - 7, "-format")) {
                snprintf(args, sizeof(args), "{\"node-name\":\"%.*s-storage\"}", (int)(len - 7),
                         node);
                vk_qmp_command(mon, "blockdev-del", args, NULL, HP_QMP_TIMEOUT_MS);
            }
        }
        n = vk_hp_def_without_disk(live, live->disks[i].target_dev);
    } else if ((i = vk_hp_find_net_id(live, id)) >= 0) {
        snprintf(args, sizeof(args), "{\"id\":\"host%s\"}", id);
        vk_qmp_command(mon, "netdev_del", args, NULL, HP_QMP_TIMEOUT_MS);
        vk_qemu_interface_release(&live->nets[i]);
        n = vk_hp_live_without_net(live, (size_t)i);
    }
    /* The device is gone: a stale backend is not the caller's failure. */
    vk_error_reset();
    vk_domain_def_free(live);
    if (n)
        vk_hp_live_swap(dom, n);
    emit_device(dom, false, id);
}

struct late {
    struct vk_qemu_dom *dom; /* a reference */
    char *id;
};

static void *late_main(void *opaque)
{
    struct late *e = opaque;
    struct vk_qemu_dom *dom = e->dom;
    char *node = NULL;
    pthread_mutex_lock(&dom->job);
    pthread_mutex_lock(&dom->lock);
    struct unplug got;
    bool have = take(dom, e->id, &got);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (have) {
        node = got.node;
        free(got.id);
        if (mon && !__atomic_load_n(&dom->drv->closed, __ATOMIC_SEQ_CST)) {
            VK_INFO("domain '%s': the guest released device '%s' late; removing it", dom->name,
                    e->id);
            finish(dom, mon, e->id, node);
        }
    }
    pthread_mutex_unlock(&dom->job);
    free(node);
    free(e->id);
    free(e);
    vk_qemu_dom_unref(dom);
    return NULL;
}

/* Under dom->lock, loop thread: a thread finishes the late removal of id
 * (it needs the job and QMP, which the loop thread must never wait for). */
static void start_late(struct vk_qemu_dom *dom, const char *id)
{
    struct late *e = vk_calloc(1, sizeof(*e));
    e->id = vk_strdup(id);
    e->dom = dom;
    vk_qemu_dom_ref(dom);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, late_main, e) != 0) {
        VK_ERROR("domain '%s': cannot start a thread to finish removing '%s'", dom->name, id);
        free(e->id);
        free(e);
        vk_qemu_dom_unref(dom);
    }
    pthread_attr_destroy(&attr);
}

void vk_qemu_unplug_deleted_event(struct vk_qemu_dom *dom, struct json_object *data)
{
    struct json_object *v;
    /* Backend objects (no "device") come with their device's own event. */
    if (!data || !json_object_object_get_ex(data, "device", &v))
        return;
    const char *id = json_object_get_string(v);
    struct unplug *e = id ? find(dom, id) : NULL;
    if (!e)
        return;
    e->done = true;
    if (e->late)
        start_late(dom, id);
    pthread_cond_broadcast(&dom->cond);
}

int vk_hp_unplug(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon, const char *id,
                 const char *node)
{
    pthread_mutex_lock(&dom->lock);
    if (find(dom, id)) {
        pthread_mutex_unlock(&dom->lock);
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "device '%s' is already being removed (the guest has not released "
                            "it yet)",
                            id);
    }
    if (!dom->unplugs)
        dom->unplugs = vk_calloc(1, sizeof(*dom->unplugs));
    *VK_APPEND(dom->unplugs->v, dom->unplugs->n) =
        (struct unplug){.id = vk_strdup(id), .node = node ? vk_strdup(node) : NULL};
    pthread_mutex_unlock(&dom->lock);

    char args[256];
    snprintf(args, sizeof(args), "{\"id\":\"%s\"}", id);
    if (vk_qmp_command(mon, "device_del", args, NULL, HP_QMP_TIMEOUT_MS) < 0) {
        struct unplug gone;
        pthread_mutex_lock(&dom->lock);
        if (take(dom, id, &gone)) {
            free(gone.id);
            free(gone.node);
        }
        pthread_mutex_unlock(&dom->lock);
        return -1;
    }

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += UNPLUG_WAIT_MS / 1000;
    pthread_mutex_lock(&dom->lock);
    struct unplug *e;
    while ((e = find(dom, id)) && !e->done && vk_qemu_dom_is_active(dom)) {
        if (pthread_cond_timedwait(&dom->cond, &dom->lock, &deadline) == ETIMEDOUT)
            break;
    }
    e = find(dom, id);
    bool done = e && e->done;
    struct unplug got = {0};
    if (done)
        take(dom, id, &got);
    else if (e)
        e->late = true;
    pthread_mutex_unlock(&dom->lock);
    if (!done) {
        VK_INFO("domain '%s': device '%s' not released by the guest yet; its removal finishes "
                "when QEMU reports it",
                dom->name, id);
        return 0;
    }
    finish(dom, mon, id, got.node);
    free(got.id);
    free(got.node);
    return 1;
}
