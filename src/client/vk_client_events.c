/* Feature "events" of libvirtkit: autostart, reset, and domain event
 * callbacks. The server sends each event as a MESSAGE packet naming the
 * callback id it gave at registration; the transport keeps those packets
 * and vk_connect_domain_event_run hands them to the callbacks. */
#include <stdlib.h>
#include <string.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "vk_client_priv.h"

/* How long one wait holds the connection lock: other threads' calls get a
 * turn between slices. */
#define SLICE_MS 500

int vk_domain_set_autostart(vk_domain *dom, int autostart)
{
    vk_error_reset();
    if (!dom)
        return vk_error_set(VK_ERR_INVALID_DOMAIN, VK_FROM_NONE, "no domain");
    remote_domain_set_autostart_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.autostart = autostart ? 1 : 0;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_AUTOSTART,
                           (xdrproc_t)xdr_remote_domain_set_autostart_args, &a, NULL, NULL);
}

int vk_domain_reset(vk_domain *dom, unsigned int flags)
{
    vk_error_reset();
    if (!dom)
        return vk_error_set(VK_ERR_INVALID_DOMAIN, VK_FROM_NONE, "no domain");
    remote_domain_reset_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_RESET,
                           (xdrproc_t)xdr_remote_domain_reset_args, &a, NULL, NULL);
}

/* Under conn->lock. */
static struct vk_client_event_reg *find_reg(struct vk_client *c, int callback_id)
{
    for (size_t i = 0; i < c->nregs; i++)
        if (c->regs[i].callback_id == callback_id)
            return &c->regs[i];
    return NULL;
}

int vk_connect_domain_event_register_any(vk_connect *conn, vk_domain *dom, int event_id,
                                         vk_domain_event_cb cb, void *opaque)
{
    vk_error_reset();
    if (!conn)
        return vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
    if (!cb)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no event callback");
    if (event_id < 0 || event_id >= VK_DOMAIN_EVENT_ID_LAST)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "unknown event id %d", event_id);
    remote_connect_domain_event_callback_register_any_args a = {.eventID = event_id};
    remote_nonnull_domain wire;
    if (dom) {
        vk_domain_to_wire(dom, &wire);
        a.dom = &wire;
    }
    remote_connect_domain_event_callback_register_any_ret r = {0};
    pthread_mutex_lock(&conn->lock);
    struct vk_client *c = &conn->client;
    /* A placeholder first: events that race the reply are kept, not
     * dropped, and delivered once the id is known. */
    struct vk_client_event_reg *reg = VK_APPEND(c->regs, c->nregs);
    reg->callback_id = -1;
    int rc = vk_client_call(c, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                            (xdrproc_t)xdr_remote_connect_domain_event_callback_register_any_args,
                            &a,
                            (xdrproc_t)xdr_remote_connect_domain_event_callback_register_any_ret,
                            &r);
    reg = find_reg(c, -1);
    if (rc < 0) {
        *reg = c->regs[--c->nregs];
    } else {
        reg->callback_id = r.callbackID;
        reg->event_id = event_id;
        reg->cb = cb;
        reg->opaque = opaque;
        rc = r.callbackID;
    }
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

int vk_connect_domain_event_deregister_any(vk_connect *conn, int callback_id)
{
    vk_error_reset();
    if (!conn)
        return vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
    pthread_mutex_lock(&conn->lock);
    struct vk_client *c = &conn->client;
    struct vk_client_event_reg *reg = callback_id >= 0 ? find_reg(c, callback_id) : NULL;
    int rc;
    if (!reg) {
        rc = vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                          "event callback id %d is not registered", callback_id);
    } else {
        *reg = c->regs[--c->nregs];
        remote_connect_domain_event_callback_deregister_any_args a = {.callbackID = callback_id};
        rc = vk_client_call(
            c, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
            (xdrproc_t)xdr_remote_connect_domain_event_callback_deregister_any_args, &a, NULL,
            NULL);
    }
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

/* One kept packet, decoded. cb NULL when no callback wants it. */
struct pending {
    vk_domain_event_cb cb;
    void *opaque;
    struct vk_domain_event ev;
};

/* Feature "net": device-added / device-removed (the alias is copied; freed
 * after the callback). Under conn->lock. */
static bool decode_device_event(vk_connect *conn, const struct vk_client_packet *p,
                                struct pending *out)
{
    struct vk_client *c = &conn->client;
    bool added = p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED;
    remote_domain_event_callback_device_added_msg am;
    remote_domain_event_callback_device_removed_msg rm;
    memset(&am, 0, sizeof(am));
    memset(&rm, 0, sizeof(rm));
    xdrproc_t fn = added ? (xdrproc_t)xdr_remote_domain_event_callback_device_added_msg
                         : (xdrproc_t)xdr_remote_domain_event_callback_device_removed_msg;
    void *m = added ? (void *)&am : (void *)&rm;
    if (vk_rpc_decode_payload(p->data, p->len, fn, m) < 0)
        return false;
    int cbid = added ? am.callbackID : rm.callbackID;
    remote_nonnull_domain *wire = added ? &am.dom : &rm.msg.dom;
    const char *alias = added ? am.devAlias : rm.msg.devAlias;
    int want = added ? VK_DOMAIN_EVENT_ID_DEVICE_ADDED : VK_DOMAIN_EVENT_ID_DEVICE_REMOVED;
    struct vk_client_event_reg *reg = find_reg(c, cbid);
    bool ok = false;
    if (reg && reg->event_id == want) {
        *out = (struct pending){.cb = reg->cb,
                                .opaque = reg->opaque,
                                .ev = {.callback_id = cbid,
                                       .event_id = want,
                                       .dom = vk_domain_from_wire(conn, wire),
                                       .dev_alias = vk_strdup(alias ? alias : "")}};
        ok = true;
    }
    vk_rpc_free(fn, m);
    return ok;
}

/* Under conn->lock: decodes packet p into out; false to skip it. */
static bool decode_event(vk_connect *conn, const struct vk_client_packet *p, struct pending *out)
{
    struct vk_client *c = &conn->client;
    int cbid;
    remote_nonnull_domain *wire;
    bool ok = false;
    if (p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) {
        remote_domain_event_callback_lifecycle_msg m;
        memset(&m, 0, sizeof(m));
        if (vk_rpc_decode_payload(p->data, p->len,
                                  (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg,
                                  &m) < 0)
            return false;
        cbid = m.callbackID;
        wire = &m.msg.dom;
        struct vk_client_event_reg *reg = find_reg(c, cbid);
        if (reg && reg->event_id == VK_DOMAIN_EVENT_ID_LIFECYCLE) {
            *out = (struct pending){.cb = reg->cb,
                                    .opaque = reg->opaque,
                                    .ev = {.callback_id = cbid,
                                           .event_id = reg->event_id,
                                           .dom = vk_domain_from_wire(conn, wire),
                                           .event = m.msg.event,
                                           .detail = m.msg.detail}};
            ok = true;
        }
        vk_rpc_free((xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, &m);
    } else if (p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT) {
        remote_domain_event_callback_reboot_msg m;
        memset(&m, 0, sizeof(m));
        if (vk_rpc_decode_payload(p->data, p->len,
                                  (xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, &m) < 0)
            return false;
        cbid = m.callbackID;
        wire = &m.msg.dom;
        struct vk_client_event_reg *reg = find_reg(c, cbid);
        if (reg && reg->event_id == VK_DOMAIN_EVENT_ID_REBOOT) {
            *out = (struct pending){
                .cb = reg->cb,
                .opaque = reg->opaque,
                .ev = {.callback_id = cbid,
                       .event_id = reg->event_id,
                       .dom = vk_domain_from_wire(conn, wire)}};
            ok = true;
        }
        vk_rpc_free((xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, &m);
    } else if (p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED ||
               p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED) {
        ok = decode_device_event(conn, p, out); /* feature "net" */
    } else if (p->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED) { /* feature "lifecycle" */
        remote_domain_event_callback_job_completed_msg m;
        memset(&m, 0, sizeof(m));
        if (vk_rpc_decode_payload(p->data, p->len,
                                  (xdrproc_t)xdr_remote_domain_event_callback_job_completed_msg,
                                  &m) < 0)
            return false;
        cbid = m.callbackID;
        struct vk_client_event_reg *reg = find_reg(c, cbid);
        if (reg && reg->event_id == VK_DOMAIN_EVENT_ID_JOB_COMPLETED) {
            *out = (struct pending){
                .cb = reg->cb,
                .opaque = reg->opaque,
                .ev = {.callback_id = cbid,
                       .event_id = reg->event_id,
                       .dom = vk_domain_from_wire(conn, &m.dom),
                       .params = vk_client_params_from_wire(m.params.params_val,
                                                            m.params.params_len),
                       .nparams = (int)m.params.params_len}};
            ok = true;
        }
        vk_rpc_free((xdrproc_t)xdr_remote_domain_event_callback_job_completed_msg, &m);
    }
    if (ok && !out->ev.dom) {
        free((char *)out->ev.dev_alias);
        vk_typed_params_free(out->ev.params, out->ev.nparams);
        ok = false;
    }
    return ok;
}

int vk_connect_domain_event_run(vk_connect *conn, int timeout_ms)
{
    vk_error_reset();
    if (!conn)
        return vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
    int left = timeout_ms;
    for (;;) {
        int slice = left < 0 || left > SLICE_MS ? SLICE_MS : left;
        pthread_mutex_lock(&conn->lock);
        struct vk_client *c = &conn->client;
        int r = vk_client_wait_event(c, slice);
        if (r < 0) {
            pthread_mutex_unlock(&conn->lock);
            return -1;
        }
        /* Take what is ready (ids still unknown stay for the next pass),
         * then run the callbacks without the lock: they may call us. */
        struct pending *ready = NULL;
        size_t nready = 0;
        size_t keep = 0;
        for (size_t i = 0; i < c->nevents; i++) {
            struct vk_client_packet *p = &c->events[i];
            int cbid = p->len >= VK_RPC_MIN_PACKET + 4
                           ? (int)vk_rpc_get_u32(p->data + VK_RPC_MIN_PACKET)
                           : -1;
            if (cbid >= 0 && !find_reg(c, cbid) && find_reg(c, -1)) {
                c->events[keep++] = *p; /* its registration is in flight */
                continue;
            }
            struct pending pe;
            if (decode_event(conn, p, &pe))
                *VK_APPEND(ready, nready) = pe;
            free(p->data);
        }
        c->nevents = keep;
        pthread_mutex_unlock(&conn->lock);
        for (size_t i = 0; i < nready; i++) {
            ready[i].cb(conn, &ready[i].ev, ready[i].opaque);
            vk_domain_free(ready[i].ev.dom);
            free((char *)ready[i].ev.dev_alias);
            vk_typed_params_free(ready[i].ev.params, ready[i].ev.nparams);
        }
        free(ready);
        vk_error_reset();
        if (nready)
            return (int)nready;
        if (left >= 0) {
            left -= slice;
            if (left <= 0)
                return 0;
        }
    }
}

const char *vk_domain_event_id_to_string(int event_id)
{
    /* virsh's names for virDomainEventID. */
    static const char *const names[] = {
        "lifecycle",          "reboot",        "rtc-change",          "watchdog",
        "io-error",           "graphics",      "io-error-reason",     "control-error",
        "block-job",          "disk-change",   "tray-change",         "pm-wakeup",
        "pm-suspend",         "balloon-change", "pm-suspend-disk",    "device-removed",
        "block-job-2",        "tunable",       "agent-lifecycle",     "device-added",
        "migration-iteration", "job-completed", "device-removal-failed", "metadata-change",
        "block-threshold",    "memory-failure", "memory-device-size-change"};
    if (event_id < 0 || event_id >= (int)(sizeof(names) / sizeof(names[0])))
        return "unknown";
    return names[event_id];
}

const char *vk_domain_event_type_to_string(int event)
{
    static const char *const names[] = {"Defined",  "Undefined", "Started",
                                        "Suspended", "Resumed",  "Stopped",
                                        "Shutdown", "PMSuspended", "Crashed"};
    if (event < 0 || event >= (int)(sizeof(names) / sizeof(names[0])))
        return "unknown";
    return names[event];
}

const char *vk_domain_event_detail_to_string(int event, int detail)
{
    /* virsh's words for each type's details (libvirt's numbering). */
    static const char *const defined[] = {"Added", "Updated", "Renamed", "Snapshot"};
    static const char *const undefined[] = {"Removed", "Renamed"};
    static const char *const started[] = {"Booted", "Migrated", "Restored", "Snapshot",
                                          "Event wakeup", "Recovered"};
    static const char *const suspended[] = {"Paused",   "Migrated",  "I/O Error",
                                            "Watchdog", "Restored",  "Snapshot",
                                            "API error", "Post-copy", "Post-copy Error"};
    static const char *const resumed[] = {"Unpaused", "Migrated", "Snapshot", "Post-copy",
                                          "Post-copy Error"};
    static const char *const stopped[] = {"Shutdown", "Destroyed", "Crashed", "Migrated",
                                          "Saved",    "Failed",    "Snapshot", "Recovered"};
    static const char *const shutdown[] = {"Finished", "Finished after guest request",
                                           "Finished after host request"};
    static const char *const pmsuspended[] = {"Memory", "Disk"};
    static const char *const crashed[] = {"Panicked", "Crashloaded"};
#define PICK(arr)                                                                                  \
    return detail >= 0 && detail < (int)(sizeof(arr) / sizeof(arr[0])) ? arr[detail] : "unknown"
    switch (event) {
    case VK_DOMAIN_EVENT_DEFINED: PICK(defined);
    case VK_DOMAIN_EVENT_UNDEFINED: PICK(undefined);
    case VK_DOMAIN_EVENT_STARTED: PICK(started);
    case VK_DOMAIN_EVENT_SUSPENDED: PICK(suspended);
    case VK_DOMAIN_EVENT_RESUMED: PICK(resumed);
    case VK_DOMAIN_EVENT_STOPPED: PICK(stopped);
    case VK_DOMAIN_EVENT_SHUTDOWN: PICK(shutdown);
    case VK_DOMAIN_EVENT_PMSUSPENDED: PICK(pmsuspended);
    case VK_DOMAIN_EVENT_CRASHED: PICK(crashed);
    default: return "unknown";
    }
#undef PICK
}
