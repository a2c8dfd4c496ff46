/* Feature "console": DOMAIN_OPEN_CONSOLE and the stream that carries a
 * console's bytes, shuttled on the event loop between the domain's pty
 * (vk_qemu_domain_open_console) and the client's RPC stream.
 *
 * Both directions run in the loop thread:
 *   client -> pty: STREAM CONTINUE packets (stream_packet), written to the
 *                  pty, buffered while the pty is full;
 *   pty -> client: read when the pty is readable, sent as STREAM CONTINUE.
 * Flow control follows the client's reads: while more than FLOW_HIGH bytes
 * wait on the connection, the pty is not read (a timer looks again), so a
 * chatty guest cannot grow the daemon's memory.
 *
 * The end: the client's finish (status OK) is confirmed with an empty OK
 * packet, its abort (status ERROR) answered with an error reply, as
 * libvirtd does; the pty's end (the domain stopped) is sent as EOF (empty
 * CONTINUE); a forced takeover sends a stream error. After the pty side
 * ended the stream stays registered until the client finishes or aborts
 * (or the connection closes). */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

#define READ_CHUNK 16384       /* bytes per STREAM packet to the client */
#define FLOW_HIGH (256u << 10) /* stop reading the pty above this backlog */
#define FLOW_RECHECK_MS 20
#define TX_MAX (1u << 20) /* client bytes the pty has not taken yet */
#define FROM_STREAMS 38   /* VIR_FROM_STREAMS */

struct console_stream {
    atomic_int refs;
    struct vk_loop *loop;
    struct vk_rpc_conn *conn; /* a reference */
    int32_t proc;
    uint32_t serial;

    pthread_mutex_t lock;
    bool ended; /* pty side done; waiting for the client's finish/abort */
    int fd;     /* the pty; owned by the watch once it exists */
    int watch;
    int flow_timer;
    int revoke_timer;
    struct vk_qemu_console *session;
    bool paused; /* not reading the pty: the client is behind */
    uint8_t *tx; /* client bytes for the pty */
    size_t tx_len;
};

static void st_ref(struct console_stream *st)
{
    atomic_fetch_add(&st->refs, 1);
}

static void st_unref(void *opaque)
{
    struct console_stream *st = opaque;
    if (!st || atomic_fetch_sub(&st->refs, 1) != 1)
        return;
    if (st->fd >= 0)
        close(st->fd); /* never watched */
    vk_qemu_console_close(st->session);
    free(st->tx);
    vk_rpc_conn_unref(st->conn);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Under st->lock: what the pty watch waits for. */
static void update_watch_locked(struct console_stream *st)
{
    if (st->watch > 0)
        vk_loop_update_fd(st->loop, st->watch,
                          (st->paused ? 0 : POLLIN) | (st->tx_len ? POLLOUT : 0));
}

/* Ends the pty side once (any thread): stops the watch (which closes the
 * fd), ends the console session, and tells the client: EOF when err is
 * NULL, else a stream error; nothing when notify is false. */
static void end_pty(struct console_stream *st, bool notify, int code, const char *err)
{
    pthread_mutex_lock(&st->lock);
    if (st->ended) {
        pthread_mutex_unlock(&st->lock);
        return;
    }
    st->ended = true;
    int watch = st->watch, flow = st->flow_timer, rev = st->revoke_timer;
    st->watch = st->flow_timer = st->revoke_timer = 0;
    struct vk_qemu_console *session = st->session;
    st->session = NULL;
    VK_FREE(st->tx);
    st->tx_len = 0;
    pthread_mutex_unlock(&st->lock);
    if (watch > 0)
        vk_loop_remove_fd(st->loop, watch);
    if (flow > 0)
        vk_loop_remove_timer(st->loop, flow);
    if (rev > 0)
        vk_loop_remove_timer(st->loop, rev);
    /* After close the driver never calls revoke for this session again. */
    vk_qemu_console_close(session);
    if (!notify)
        return;
    if (err)
        vk_rpc_conn_send_stream_error(st->conn, st->proc, st->serial, code, FROM_STREAMS, err);
    else
        vk_rpc_conn_send_stream(st->conn, st->proc, st->serial, VK_RPC_CONTINUE, "", 0);
}

/* The loop removed the pty watch: the fd is no longer polled, close it. */
static void watch_gone(void *opaque)
{
    struct console_stream *st = opaque;
    pthread_mutex_lock(&st->lock);
    int fd = st->fd;
    st->fd = -1;
    pthread_mutex_unlock(&st->lock);
    if (fd >= 0)
        close(fd);
    st_unref(st);
}

static void flow_check(int timer, void *opaque);

static void pty_io(int watch, int fd, int revents, void *opaque)
{
    struct console_stream *st = opaque;
    pthread_mutex_lock(&st->lock);
    bool ended = st->ended; /* the watch goes a moment after the end */
    pthread_mutex_unlock(&st->lock);
    if (ended)
        return;
    if (revents & POLLOUT) {
        pthread_mutex_lock(&st->lock);
        while (st->tx_len) {
            ssize_t n = write(fd, st->tx, st->tx_len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            memmove(st->tx, st->tx + n, st->tx_len - (size_t)n);
            st->tx_len -= (size_t)n;
        }
        update_watch_locked(st);
        pthread_mutex_unlock(&st->lock);
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    uint8_t buf[READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        /* EIO on a pty slave: QEMU closed the master (the domain stopped). */
        VK_DEBUG("console stream %u: pty closed (%s)", st->serial, n < 0 ? strerror(errno) : "EOF");
        end_pty(st, true, 0, NULL);
        return;
    }
    vk_rpc_conn_send_stream(st->conn, st->proc, st->serial, VK_RPC_CONTINUE, buf, (size_t)n);
    if (vk_rpc_conn_queued_bytes(st->conn) > FLOW_HIGH) {
        pthread_mutex_lock(&st->lock);
        if (!st->paused && !st->ended) {
            st->paused = true;
            update_watch_locked(st);
            st_ref(st);
            st->flow_timer = vk_loop_add_timer(st->loop, FLOW_RECHECK_MS, flow_check, st, st_unref);
        }
        pthread_mutex_unlock(&st->lock);
    }
}

static void flow_check(int timer, void *opaque)
{
    struct console_stream *st = opaque;
    if (vk_rpc_conn_queued_bytes(st->conn) > FLOW_HIGH / 2)
        return;
    pthread_mutex_lock(&st->lock);
    st->paused = false;
    update_watch_locked(st);
    if (st->flow_timer == timer)
        st->flow_timer = 0;
    pthread_mutex_unlock(&st->lock);
    vk_loop_remove_timer(st->loop, timer);
}

static void revoke_fire(int timer, void *opaque)
{
    struct console_stream *st = opaque;
    vk_loop_remove_timer(st->loop, timer);
    pthread_mutex_lock(&st->lock);
    if (st->revoke_timer == timer)
        st->revoke_timer = 0;
    pthread_mutex_unlock(&st->lock);
    end_pty(st, true, VK_ERR_OPERATION_ABORTED,
            "operation aborted: the console was taken over by another session "
            "(console --force)");
}

/* The driver's revoke callback (a forced open elsewhere): only schedules. */
static void st_revoke(void *opaque)
{
    struct console_stream *st = opaque;
    pthread_mutex_lock(&st->lock);
    if (!st->ended && !st->revoke_timer) {
        st_ref(st);
        st->revoke_timer = vk_loop_add_timer(st->loop, 0, revoke_fire, st, st_unref);
    }
    pthread_mutex_unlock(&st->lock);
}

/* STREAM packets from the client (loop thread). */
static void stream_packet(struct vk_rpc_conn *conn, const struct vk_rpc_header *hdr,
                          const uint8_t *data, size_t len, void *opaque)
{
    struct console_stream *st = opaque;
    st_ref(st); /* removing the stream below drops the registry's reference */
    switch (hdr->status) {
    case VK_RPC_CONTINUE:
        pthread_mutex_lock(&st->lock);
        if (!st->ended && len) {
            if (st->tx_len + len > TX_MAX) {
                pthread_mutex_unlock(&st->lock);
                end_pty(st, true, VK_ERR_OPERATION_FAILED,
                        "console input overflow: the guest does not read its console");
                break;
            }
            st->tx = vk_realloc(st->tx, st->tx_len + len);
            memcpy(st->tx + st->tx_len, data, len);
            st->tx_len += len;
            update_watch_locked(st); /* the write happens when the pty is writable */
        }
        pthread_mutex_unlock(&st->lock);
        break;
    case VK_RPC_OK: /* finish: confirm with an empty OK */
        end_pty(st, false, 0, NULL);
        vk_rpc_conn_send_stream(conn, st->proc, st->serial, VK_RPC_OK, NULL, 0);
        vk_rpc_conn_remove_stream(conn, st->proc, st->serial);
        break;
    default: { /* abort (ERROR): libvirtd answers with an error reply */
        end_pty(st, false, 0, NULL);
        struct vk_rpc_header rh = *hdr;
        rh.type = VK_RPC_REPLY;
        uint8_t *pkt;
        size_t plen;
        if (vk_rpc_encode_error_msg(&rh, VK_ERR_RPC, VK_FROM_RPC,
                                    "stream aborted at client request", &pkt, &plen) == 0)
            vk_rpc_conn_send(conn, pkt, plen);
        vk_rpc_conn_remove_stream(conn, st->proc, st->serial);
        break;
    }
    }
    st_unref(st);
}

/* The stream left the connection (removed, or the connection closed). */
static void stream_release(void *opaque)
{
    struct console_stream *st = opaque;
    end_pty(st, false, 0, NULL);
    st_unref(st);
}

int vk_h_dom_open_console(struct vk_call *call, void *a, void *r)
{
    remote_domain_open_console_args *args = a;
    struct vk_daemon *d = call->client->daemon;
    struct console_stream *st = vk_calloc(1, sizeof(*st));
    atomic_init(&st->refs, 1); /* ours, until the end of this function */
    st->loop = d->loop;
    st->conn = call->conn;
    vk_rpc_conn_ref(call->conn);
    st->proc = call->hdr.proc;
    st->serial = call->hdr.serial;
    st->fd = -1;
    pthread_mutex_init(&st->lock, NULL);

    const char *dev = args->dev_name ? *args->dev_name : NULL;
    int fd = -1;
    struct vk_qemu_console *session = NULL;
    if (vk_qemu_domain_open_console(d->drv, (const uint8_t *)args->dom.uuid, dev, args->flags,
                                    st_revoke, st, &fd, &session) < 0) {
        st_unref(st);
        return -1;
    }
    pthread_mutex_lock(&st->lock);
    st->fd = fd;
    st->session = session;
    pthread_mutex_unlock(&st->lock);

    /* Registered before the reply goes out: the client may send at once. */
    st_ref(st);
    if (vk_rpc_conn_add_stream(call->conn, st->proc, st->serial, stream_packet, stream_release,
                               st) < 0) {
        st_unref(st);
        st_unref(st); /* closes the fd and the session */
        return -1;
    }
    pthread_mutex_lock(&st->lock);
    if (!st->ended) {
        st_ref(st);
        /* The watch owns the fd from now: watch_gone closes it. */
        int w = vk_loop_add_fd(st->loop, st->fd, POLLIN, pty_io, st, watch_gone);
        if (w > 0) {
            st->watch = w;
            update_watch_locked(st); /* input may have come already */
        } else {
            st_unref(st);
        }
    }
    pthread_mutex_unlock(&st->lock);
    VK_DEBUG("console stream %u opened for %s", st->serial, args->dom.name);
    st_unref(st);
    return 0;
}
