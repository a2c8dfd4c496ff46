/* virtkitd internals shared by its files: the daemon, one client per
 * connection, a call being run by a worker, and the dispatch table. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "qemu/qemu_driver.h"
#include "rpc/rpc_message.h"
#include "rpc/rpc_procs.h"
#include "rpc/rpc_server_conn.h"
#include "util/vk_paths.h"

/* What we report as the libvirt library version (CONNECT_GET_LIB_VERSION).
 * Clients gate features on it (e.g. virsh's "Using library"); virtkit
 * speaks the protocol of libvirt 9.0, the version of the stock Debian 12
 * clients it is tested with, so we claim exactly that. */
#define VK_DAEMON_LIB_VERSION 9000000ULL

/* libvirtd's defaults: PING after 5 s of silence, give up after 5 more. */
#define VK_KEEPALIVE_INTERVAL_S 5
#define VK_KEEPALIVE_COUNT 5

/* A client may have this many calls queued or running before we stop
 * reading from it (libvirtd's max_client_requests is 5). */
#define VK_CLIENT_MAX_INFLIGHT 16

struct vk_workers;
struct vk_reaper;

struct vk_daemon {
    struct vk_paths paths;
    struct vk_loop *loop;
    struct vk_qemu_driver *drv;
    struct vk_workers *workers;      /* calls that change domains (may block long) */
    struct vk_workers *prio_workers; /* everything else: list/lookup stay fast while
                                      * every job worker waits on a QEMU */
    int listen_rw, listen_ro;
    int watch_rw, watch_ro;   /* their loop watches */
    struct vk_reaper *reaper; /* owned by the loop */

    pthread_mutex_t caps_lock;
    char *caps_xml; /* built on first CONNECT_GET_CAPABILITIES */
};

struct vk_srv_client {
    struct vk_daemon *daemon;
    struct vk_rpc_conn *conn; /* not a reference: the client lives in conn */
    bool ro_socket;

    pthread_mutex_t lock;
    bool authenticated; /* AUTH_LIST answered (auth type none) */
    bool opened;        /* CONNECT_OPEN succeeded */
    bool readonly;      /* read-only socket or VIR_CONNECT_RO */
    char *uri;          /* canonical URI of the open connection */
    int inflight;
};

/* One call handed to a worker. */
struct vk_call {
    struct vk_srv_client *client;
    struct vk_rpc_conn *conn; /* a reference */
    struct vk_rpc_header hdr;
    uint8_t *pkt;
    size_t len;
};

/* A handler fills ret from args (both zeroed structs of the procedure's
 * types; ret's pointers must be malloc'd: xdr_free releases them). Returns
 * 0, or -1 with the thread's vk_error set (sent as the error reply). */
typedef int (*vk_handler_fn)(struct vk_call *call, void *args, void *ret);

enum {
    VK_PROC_PRE_AUTH = 1 << 0, /* allowed before authentication */
    VK_PROC_PRE_OPEN = 1 << 1, /* allowed before CONNECT_OPEN */
    VK_PROC_MUTATING = 1 << 2, /* refused on read-only connections */
};

struct vk_dispatch {
    int proc;
    vk_handler_fn fn;
    unsigned flags;
};

/* NULL for procedures virtkitd does not implement. */
const struct vk_dispatch *vk_dispatch_find(int proc);

/* Runs one call (worker thread): checks program, version, type, auth,
 * open and read-only state, decodes args, runs the handler, queues the
 * reply or error on the connection. */
void vk_dispatch_call(struct vk_call *call);

/* Worker pool. */
struct vk_workers *vk_workers_new(int n);
/* Queues call; a worker runs vk_dispatch_call and frees the call. */
void vk_workers_submit(struct vk_workers *w, struct vk_call *call);
/* Finishes queued calls and joins the threads; calls submitted later are
 * dropped (the loop may still deliver packets until it stops). */
void vk_workers_stop(struct vk_workers *w);
/* Stops if needed and frees; only after the loop stopped delivering. */
void vk_workers_free(struct vk_workers *w);

/* Listeners and clients (daemon_server.c). */
int vk_daemon_listen(struct vk_daemon *d);
/* Removes the listening sockets from the loop (shutdown, loop running). */
void vk_daemon_stop_accepting(struct vk_daemon *d);
/* Closes and unlinks the listening sockets (after the loop stopped). */
void vk_daemon_unlisten(struct vk_daemon *d);

/* Capabilities XML (daemon_caps.c); caller frees. */
char *vk_daemon_capabilities(struct vk_daemon *d);

/* Feature "events" (daemon_handlers_events.c): handlers, and the event
 * registry (init after the driver opens, fini after it closes; closed is
 * the client connections' closed callback). */
int vk_h_dom_set_autostart(struct vk_call *call, void *args, void *ret);
int vk_h_dom_reset(struct vk_call *call, void *args, void *ret);
int vk_h_event_register_any(struct vk_call *call, void *args, void *ret);
int vk_h_event_deregister_any(struct vk_call *call, void *args, void *ret);
void vk_daemon_events_init(struct vk_daemon *d);
void vk_daemon_events_fini(struct vk_daemon *d);
void vk_daemon_events_conn_closed(struct vk_rpc_conn *conn, void *opaque);

/* Feature "stats" (daemon_handlers_stats.c). */
int vk_h_get_domain_capabilities(struct vk_call *call, void *args, void *ret);
int vk_h_node_get_cpu_map(struct vk_call *call, void *args, void *ret);
int vk_h_get_all_domain_stats(struct vk_call *call, void *args, void *ret);
int vk_h_memory_stats(struct vk_call *call, void *args, void *ret);
int vk_h_block_stats(struct vk_call *call, void *args, void *ret);
int vk_h_block_stats_flags(struct vk_call *call, void *args, void *ret);
int vk_h_interface_stats(struct vk_call *call, void *args, void *ret);
int vk_h_get_cpu_stats(struct vk_call *call, void *args, void *ret);
int vk_h_get_vcpus(struct vk_call *call, void *args, void *ret);
int vk_h_get_vcpus_flags(struct vk_call *call, void *args, void *ret);
int vk_h_dom_get_max_vcpus(struct vk_call *call, void *args, void *ret);
int vk_h_get_max_memory(struct vk_call *call, void *args, void *ret);
int vk_h_set_max_memory(struct vk_call *call, void *args, void *ret);
int vk_h_set_memory(struct vk_call *call, void *args, void *ret);
int vk_h_set_memory_flags(struct vk_call *call, void *args, void *ret);
int vk_h_set_vcpus(struct vk_call *call, void *args, void *ret);
int vk_h_set_vcpus_flags(struct vk_call *call, void *args, void *ret);
int vk_h_set_memory_stats_period(struct vk_call *call, void *args, void *ret);

/* Feature "console" (daemon_handlers_console.c): DOMAIN_OPEN_CONSOLE and
 * its stream. */
int vk_h_dom_open_console(struct vk_call *call, void *args, void *ret);

/* Feature "save" (daemon_handlers_save.c). */
/* A job's stats as libvirt's typed params (caller frees with the message). */
void vk_daemon_job_params(const struct vk_job_info *ji, remote_typed_param **out, u_int *n);
int vk_h_dom_save(struct vk_call *call, void *args, void *ret);
int vk_h_dom_save_flags(struct vk_call *call, void *args, void *ret);
int vk_h_dom_restore(struct vk_call *call, void *args, void *ret);
int vk_h_dom_restore_flags(struct vk_call *call, void *args, void *ret);
int vk_h_save_image_get_xml(struct vk_call *call, void *args, void *ret);
int vk_h_save_image_define_xml(struct vk_call *call, void *args, void *ret);
int vk_h_managed_save_get_xml(struct vk_call *call, void *args, void *ret);
int vk_h_managed_save_define_xml(struct vk_call *call, void *args, void *ret);
int vk_h_dom_managed_save(struct vk_call *call, void *args, void *ret);
int vk_h_dom_managed_save_remove(struct vk_call *call, void *args, void *ret);
int vk_h_dom_get_job_info(struct vk_call *call, void *args, void *ret);
int vk_h_dom_get_job_stats(struct vk_call *call, void *args, void *ret);
int vk_h_dom_abort_job(struct vk_call *call, void *args, void *ret);

/* Feature "hotplug" (daemon_handlers_hotplug.c). */
int vk_h_attach_device(struct vk_call *call, void *args, void *ret);
int vk_h_detach_device(struct vk_call *call, void *args, void *ret);
int vk_h_attach_device_flags(struct vk_call *call, void *args, void *ret);
int vk_h_detach_device_flags(struct vk_call *call, void *args, void *ret);
int vk_h_update_device_flags(struct vk_call *call, void *args, void *ret);

/* Feature "tune" (daemon_handlers_tune.c): memtune, schedinfo. */
int vk_h_get_scheduler_type(struct vk_call *call, void *args, void *ret);
int vk_h_get_scheduler_params(struct vk_call *call, void *args, void *ret);
int vk_h_get_scheduler_params_flags(struct vk_call *call, void *args, void *ret);
int vk_h_set_scheduler_params(struct vk_call *call, void *args, void *ret);
int vk_h_set_scheduler_params_flags(struct vk_call *call, void *args, void *ret);
int vk_h_get_memory_params(struct vk_call *call, void *args, void *ret);
int vk_h_set_memory_params(struct vk_call *call, void *args, void *ret);
/* Wire <-> driver typed parameters (daemon_handlers_stats.c): to_wire
 * takes the strings and empties tp; from_wire copies (free with
 * vk_tparams_clear). */
void vk_tparams_to_wire(struct vk_tparams *tp, size_t max, u_int *len, remote_typed_param **val);
void vk_tparams_from_wire(const remote_typed_param *val, u_int len, struct vk_tparams *tp);

/* Helpers for handlers. */
void vk_ref_to_wire(const struct vk_dom_ref *ref, remote_nonnull_domain *out);
