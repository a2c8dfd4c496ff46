/* Feature "events": autostart and reset calls, and libvirt's domain event
 * callbacks. A client registers (eventID, optional domain) and gets a
 * callbackID; every driver event matching a registration goes to that
 * client as a MESSAGE packet (serial 0, status OK) carrying the callbackID.
 *
 * The driver's event callback may run with driver locks held (qemu_driver.h):
 * it only encodes and queues packets on connections (vk_rpc_conn_send is
 * thread-safe and wakes the loop). The registry lock is a leaf lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

/* virDomainEventID values of libvirt 9.0 (the version we speak): clients
 * may register any of them; only LIFECYCLE and REBOOT ever fire here. */
enum { EVENT_ID_LIFECYCLE = 0, EVENT_ID_REBOOT = 1, EVENT_ID_LAST = 27 };
/* Feature "net": device events after hotplug. */
enum { EVENT_ID_DEVICE_REMOVED = 15, EVENT_ID_DEVICE_ADDED = 19 };
/* Feature "lifecycle": VIR_DOMAIN_EVENT_ID_JOB_COMPLETED. */
enum { EVENT_ID_JOB_COMPLETED = 21 };

struct event_reg {
    struct vk_rpc_conn *conn; /* a reference */
    int callback_id;
    int event_id;
    bool has_dom;
    uint8_t uuid[VK_UUID_LEN];
};

static pthread_mutex_t regs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct event_reg *regs;
static size_t nregs;
static int next_callback_id = 1;

#define DRV(call) ((call)->client->daemon->drv)

/* ---- autostart, reset ---- */

int vk_h_dom_set_autostart(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_autostart_args *args = a;
    return vk_qemu_domain_set_autostart(DRV(call), (const uint8_t *)args->dom.uuid,
                                        args->autostart != 0);
}

int vk_h_dom_reset(struct vk_call *call, void *a, void *r)
{
    remote_domain_reset_args *args = a;
    return vk_qemu_domain_reset(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

/* ---- event registrations ---- */

/* Under regs_lock: removes entry i (order of the rest does not matter). */
static struct vk_rpc_conn *remove_at(size_t i)
{
    struct vk_rpc_conn *conn = regs[i].conn;
    regs[i] = regs[--nregs];
    return conn;
}

int vk_h_event_register_any(struct vk_call *call, void *a, void *r)
{
    remote_connect_domain_event_callback_register_any_args *args = a;
    remote_connect_domain_event_callback_register_any_ret *ret = r;
    if (args->eventID < 0 || args->eventID >= EVENT_ID_LAST)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_RPC, "unsupported event ID %d",
                            args->eventID);
    pthread_mutex_lock(&regs_lock);
    struct event_reg *reg = VK_APPEND(regs, nregs);
    vk_rpc_conn_ref(call->conn);
    reg->conn = call->conn;
    reg->event_id = args->eventID;
    reg->has_dom = args->dom != NULL;
    if (args->dom)
        memcpy(reg->uuid, args->dom->uuid, VK_UUID_LEN);
    reg->callback_id = next_callback_id++;
    ret->callbackID = reg->callback_id;
    pthread_mutex_unlock(&regs_lock);
    return 0;
}

int vk_h_event_deregister_any(struct vk_call *call, void *a, void *r)
{
    remote_connect_domain_event_callback_deregister_any_args *args = a;
    struct vk_rpc_conn *gone = NULL;
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs; i++) {
        /* Only the connection that registered it may remove it. */
        if (regs[i].callback_id == args->callbackID && regs[i].conn == call->conn) {
            gone = remove_at(i);
            break;
        }
    }
    pthread_mutex_unlock(&regs_lock);
    if (!gone)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_RPC,
                            "callback %d is not registered on this connection",
                            args->callbackID);
    vk_rpc_conn_unref(gone);
    return 0;
}

void vk_daemon_events_conn_closed(struct vk_rpc_conn *conn, void *opaque)
{
    (void)opaque;
    struct vk_rpc_conn **gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs;) {
        if (regs[i].conn == conn)
            *VK_APPEND(gone, ngone) = remove_at(i);
        else
            i++;
    }
    pthread_mutex_unlock(&regs_lock);
    for (size_t i = 0; i < ngone; i++)
        vk_rpc_conn_unref(gone[i]);
    free(gone);
}

/* ---- delivery ---- */

static void send_message(struct vk_rpc_conn *conn, int proc, xdrproc_t fn, const void *msg)
{
    struct vk_rpc_header h = {.prog = REMOTE_PROGRAM,
                              .vers = REMOTE_PROTOCOL_VERSION,
                              .proc = proc,
                              .type = VK_RPC_MESSAGE,
                              .serial = 0,
                              .status = VK_RPC_OK};
    uint8_t *pkt;
    size_t len;
    if (vk_rpc_encode(&h, fn, msg, &pkt, &len) < 0) {
        VK_WARN("cannot encode event %d: %s", proc, vk_error_last()->message);
        return;
    }
    vk_rpc_conn_send(conn, pkt, len);
}

static void on_driver_event(const struct vk_dom_ref *dom, int event, int detail, void *opaque)
{
    (void)opaque;
    remote_nonnull_domain wire = {.name = dom->name ? dom->name : (char *)"", .id = dom->id};
    memcpy(wire.uuid, dom->uuid, VK_UUID_LEN);
    bool reboot = event == VK_EVENT_X_REBOOT;
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs; i++) {
        struct event_reg *reg = &regs[i];
        if (reg->has_dom && memcmp(reg->uuid, dom->uuid, VK_UUID_LEN) != 0)
            continue;
        if (reboot && reg->event_id == EVENT_ID_REBOOT) {
            remote_domain_event_callback_reboot_msg m = {.callbackID = reg->callback_id,
                                                         .msg = {.dom = wire}};
            send_message(reg->conn, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
                         (xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, &m);
        } else if (!reboot && reg->event_id == EVENT_ID_LIFECYCLE) {
            remote_domain_event_callback_lifecycle_msg m = {
                .callbackID = reg->callback_id,
                .msg = {.dom = wire, .event = event, .detail = detail}};
            send_message(reg->conn, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                         (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, &m);
        }
    }
    pthread_mutex_unlock(&regs_lock);
}

/* Feature "net": device-added / device-removed, same rules as above. */
static void on_device_event(const struct vk_dom_ref *dom, bool added, const char *alias,
                            void *opaque)
{
    (void)opaque;
    remote_nonnull_domain wire = {.name = dom->name ? dom->name : (char *)"", .id = dom->id};
    memcpy(wire.uuid, dom->uuid, VK_UUID_LEN);
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs; i++) {
        struct event_reg *reg = &regs[i];
        if (reg->has_dom && memcmp(reg->uuid, dom->uuid, VK_UUID_LEN) != 0)
            continue;
        if (added && reg->event_id == EVENT_ID_DEVICE_ADDED) {
            remote_domain_event_callback_device_added_msg m = {
                .callbackID = reg->callback_id, .dom = wire, .devAlias = (char *)alias};
            send_message(reg->conn, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
                         (xdrproc_t)xdr_remote_domain_event_callback_device_added_msg, &m);
        } else if (!added && reg->event_id == EVENT_ID_DEVICE_REMOVED) {
            remote_domain_event_callback_device_removed_msg m = {
                .callbackID = reg->callback_id, .msg = {.dom = wire, .devAlias = (char *)alias}};
            send_message(reg->conn, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
                         (xdrproc_t)xdr_remote_domain_event_callback_device_removed_msg, &m);
        }
    }
    pthread_mutex_unlock(&regs_lock);
}

/* Feature "lifecycle": JOB_COMPLETED with the job's stats. */
static void on_job_event(const struct vk_dom_ref *dom, const struct vk_job_info *ji, void *opaque)
{
    (void)opaque;
    remote_domain_event_callback_job_completed_msg m = {
        .dom = {.name = dom->name ? dom->name : (char *)"", .id = dom->id}};
    memcpy(m.dom.uuid, dom->uuid, VK_UUID_LEN);
    vk_daemon_job_params(ji, &m.params.params_val, &m.params.params_len);
    pthread_mutex_lock(&regs_lock);
    for (size_t i = 0; i < nregs; i++) {
        struct event_reg *reg = &regs[i];
        if (reg->event_id != EVENT_ID_JOB_COMPLETED ||
            (reg->has_dom && memcmp(reg->uuid, dom->uuid, VK_UUID_LEN) != 0))
            continue;
        m.callbackID = reg->callback_id;
        send_message(reg->conn, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
                     (xdrproc_t)xdr_remote_domain_event_callback_job_completed_msg, &m);
    }
    pthread_mutex_unlock(&regs_lock);
    for (u_int i = 0; i < m.params.params_len; i++)
        free(m.params.params_val[i].field);
    free(m.params.params_val);
}

void vk_daemon_events_init(struct vk_daemon *d)
{
    vk_qemu_driver_set_event_cb(d->drv, on_driver_event, NULL);
    vk_qemu_driver_set_device_event_cb(d->drv, on_device_event, NULL); /* feature "net" */
    vk_qemu_driver_set_job_event_cb(d->drv, on_job_event, NULL);
}

void vk_daemon_events_fini(struct vk_daemon *d)
{
    if (d->drv) {
        vk_qemu_driver_set_event_cb(d->drv, NULL, NULL);
        vk_qemu_driver_set_device_event_cb(d->drv, NULL, NULL);
        vk_qemu_driver_set_job_event_cb(d->drv, NULL, NULL);
    }
    pthread_mutex_lock(&regs_lock);
    struct event_reg *all = regs;
    size_t n = nregs;
    regs = NULL;
    nregs = 0;
    pthread_mutex_unlock(&regs_lock);
    for (size_t i = 0; i < n; i++)
        vk_rpc_conn_unref(all[i].conn);
    free(all);
}
