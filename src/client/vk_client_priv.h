/* libvirtkit internals: the socket transport and the object structs. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc_message.h"
#include "util/vk_buf.h"
#include "virtkit/virtkit.h"

/* A reply (or error) that arrived for a serial nobody is waiting on yet:
 * calls may be pipelined, so replies are kept until asked for. */
struct vk_client_packet {
    struct vk_rpc_header hdr;
    uint8_t *data; /* the whole packet, length word first */
    size_t len;
};

/* One blocking connection to a server. Not locked: vk_connect's lock
 * serialises its users. */
struct vk_client {
    int fd;
    uint32_t next_serial;
    bool keepalive;    /* server answers PINGs: we probe it when it is quiet */
    bool dead;         /* I/O failed: every later call fails at once */
    struct vk_buf out; /* whole packets waiting to be written */
    size_t out_off;    /* bytes of out already written */
    uint8_t *in;       /* bytes read, not yet a whole packet */
    size_t in_len, in_cap;
    struct vk_client_packet *stash;
    size_t nstash;
    /* Feature "events" (vk_client_events.c): the connection's event
     * callbacks, and MESSAGE packets kept (only while one is registered)
     * until vk_connect_domain_event_run delivers them. */
    struct vk_client_event_reg *regs;
    size_t nregs;
    struct vk_client_packet *events;
    size_t nevents;
    /* Feature "console" (vk_client_console.c): serials of open streams and
     * the STREAM packets received for them, oldest first. */
    uint32_t *stream_serials;
    size_t nstream_serials;
    struct vk_client_packet *spkts;
    size_t nspkts;
};

struct vk_client_event_reg {
    int callback_id; /* the server's */
    int event_id;
    vk_domain_event_cb cb;
    void *opaque;
};

/* Connects to a UNIX socket. Returns 0 or -1 (error names the path). */
int vk_client_open(struct vk_client *c, const char *path);
void vk_client_close(struct vk_client *c);

/* Queues a CALL of the REMOTE program; *serial identifies its reply. */
int vk_client_send(struct vk_client *c, int proc, xdrproc_t args_fn, const void *args,
                   uint32_t *serial);
/* Waits for the reply to serial (writing queued calls, answering PINGs),
 * decodes it into ret (zeroed by the caller; release with vk_rpc_free) or
 * sets the server's error. Returns 0 or -1. */
int vk_client_wait(struct vk_client *c, uint32_t serial, int proc, xdrproc_t ret_fn, void *ret);
/* One non-blocking pass over the socket while no call runs: answers the
 * server's keepalive PINGs so an idle connection stays open. */
int vk_client_service(struct vk_client *c);
/* Waits up to timeout_ms (-1: forever) for an event packet, answering
 * PINGs meanwhile. Returns 1 when events are kept, 0 on timeout, -1. */
int vk_client_wait_event(struct vk_client *c, int timeout_ms);
/* Feature "console": keeps a STREAM packet for an open stream (dropped
 * otherwise); frees the stream bookkeeping (vk_client_console.c). */
int vk_client_stream_keep(struct vk_client *c, const struct vk_rpc_header *h, const uint8_t *pkt,
                          size_t len);
void vk_client_streams_free(struct vk_client *c);
/* One pass over the socket: writes what is queued, waits up to timeout_ms
 * (-1 forever) for input and handles what arrived. Returns 0 or -1. */
int vk_client_pump_once(struct vk_client *c, int timeout_ms);
/* send + wait */
int vk_client_call(struct vk_client *c, int proc, xdrproc_t args_fn, const void *args,
                   xdrproc_t ret_fn, void *ret);

struct vk_connect {
    pthread_mutex_t lock; /* one caller on the socket at a time */
    /* The idle thread answers PINGs between calls (the server closes a
     * connection whose PINGs go unanswered for ~30 s). */
    pthread_t idle_thread;
    bool idle_running;
    bool idle_stop; /* under idle_lock */
    pthread_mutex_t idle_lock;
    pthread_cond_t idle_cond;
    int refs; /* the opener's plus one per vk_domain */
    unsigned int flags;
    struct vk_uri uri;
    struct vk_client client;
};

struct vk_domain {
    vk_connect *conn;
    char *name;
    unsigned char uuid[VK_UUID_BUFLEN];
    int id;
};

/* Locked call on a connection. */
int vk_connect_call(vk_connect *conn, int proc, xdrproc_t args_fn, const void *args,
                    xdrproc_t ret_fn, void *ret);
void vk_connect_ref(vk_connect *conn);
/* A vk_domain from its wire form (takes a connection reference). */
vk_domain *vk_domain_from_wire(vk_connect *conn, const remote_nonnull_domain *wire);
/* The wire form of dom; points into dom (do not free). */
void vk_domain_to_wire(const vk_domain *dom, remote_nonnull_domain *wire);
/* Start of every public call: clears the thread's last error, then refuses a
 * NULL connection or domain (VK_ERR_INVALID_CONN / VK_ERR_INVALID_DOMAIN). */
int vk_client_check_conn(const vk_connect *conn);
int vk_client_check_dom(const vk_domain *dom);

/* Typed parameters off the wire (vk_client_stats.c; free with
 * vk_typed_params_free) and onto it (vk_client_tune.c; free with
 * xdr_free of the enclosing args). */
struct vk_typed_param *vk_client_params_from_wire(const remote_typed_param *w, u_int n);
remote_typed_param *vk_client_params_to_wire(const struct vk_typed_param *p, int n);
