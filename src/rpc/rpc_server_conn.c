#include "rpc/rpc_server_conn.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpc/rpc_message.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

/* Body buffers start small and grow with the data actually received, so a
 * peer announcing 16 MiB and sending nothing costs us nothing. */
#define INITIAL_BODY 4096
/* A peer that sends calls but does not read the replies would make the
 * queue grow without bound; above this many queued bytes we stop reading
 * its calls until it drains what it has. */
#define OUT_HIGH_WATER (4u << 20)

/* An open data stream (see rpc_server_conn.h). */
struct conn_stream {
    int32_t proc;
    uint32_t serial;
    vk_rpc_stream_cb cb;
    void (*release)(void *opaque);
    void *opaque;
};

struct out_pkt {
    uint8_t *data;
    size_t len;
    struct out_pkt *next;
};

struct vk_rpc_conn {
    atomic_int refs;
    struct vk_loop *loop;
    int fd;
    const struct vk_rpc_conn_ops *ops;
    void *opaque;

    /* Loop thread only. */
    uint8_t lenbuf[4];
    size_t lenfill;
    uint8_t *body;   /* whole packet, including the length word */
    size_t body_len; /* expected total */
    size_t body_fill;
    size_t body_cap;

    /* Under lock. */
    pthread_mutex_t lock;
    bool closed;
    bool reading;
    int watch;
    int ka_timer;
    int ka_interval_s;
    int ka_count;
    int ka_left;
    long long last_rx_ms;
    struct out_pkt *out_head, *out_tail;
    size_t out_off;   /* bytes of out_head already written */
    size_t out_bytes; /* queued, not yet written */
    struct conn_stream *streams;
    size_t nstreams;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vk_rpc_conn_ref(struct vk_rpc_conn *conn)
{
    atomic_fetch_add(&conn->refs, 1);
}

static void free_queue(struct vk_rpc_conn *conn)
{
    struct out_pkt *p = conn->out_head;
    while (p) {
        struct out_pkt *n = p->next;
        free(p->data);
        free(p);
        p = n;
    }
    conn->out_head = conn->out_tail = NULL;
    conn->out_off = 0;
    conn->out_bytes = 0;
}

/* Releases every stream (the connection is gone). */
static void release_streams(struct vk_rpc_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    struct conn_stream *st = conn->streams;
    size_t n = conn->nstreams;
    conn->streams = NULL;
    conn->nstreams = 0;
    pthread_mutex_unlock(&conn->lock);
    for (size_t i = 0; i < n; i++)
        if (st[i].release)
            st[i].release(st[i].opaque);
    free(st);
}

void vk_rpc_conn_unref(struct vk_rpc_conn *conn)
{
    if (!conn || atomic_fetch_sub(&conn->refs, 1) != 1)
        return;
    release_streams(conn);
    free_queue(conn);
    free(conn->body);
    if (conn->fd >= 0)
        close(conn->fd);
    if (conn->ops->free_opaque)
        conn->ops->free_opaque(conn->opaque);
    pthread_mutex_destroy(&conn->lock);
    free(conn);
}

void *vk_rpc_conn_opaque(struct vk_rpc_conn *conn)
{
    return conn->opaque;
}

int vk_rpc_conn_fd(struct vk_rpc_conn *conn)
{
    return conn->fd;
}

bool vk_rpc_conn_is_closed(struct vk_rpc_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    bool c = conn->closed;
    pthread_mutex_unlock(&conn->lock);
    return c;
}

/* Caller holds the lock. */
static void update_events_locked(struct vk_rpc_conn *conn)
{
    if (conn->closed || conn->watch <= 0)
        return;
    bool in = conn->reading && conn->out_bytes < OUT_HIGH_WATER;
    int ev = (in ? POLLIN : 0) | (conn->out_head ? POLLOUT : 0);
    vk_loop_update_fd(conn->loop, conn->watch, ev);
}

/* Marks the connection closed and removes its watches; the watch's free
 * callback (in the loop thread) tells the owner and drops the loop's
 * reference. Caller holds the lock. */
static void close_locked(struct vk_rpc_conn *conn, const char *why)
{
    if (conn->closed)
        return;
    conn->closed = true;
    if (why)
        VK_DEBUG("rpc: closing connection fd %d: %s", conn->fd, why);
    free_queue(conn);
    if (conn->ka_timer > 0)
        vk_loop_remove_timer(conn->loop, conn->ka_timer);
    conn->ka_timer = 0;
    if (conn->watch > 0)
        vk_loop_remove_fd(conn->loop, conn->watch);
}

void vk_rpc_conn_close(struct vk_rpc_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    close_locked(conn, "closed by the server");
    pthread_mutex_unlock(&conn->lock);
}

static void close_with(struct vk_rpc_conn *conn, const char *why)
{
    pthread_mutex_lock(&conn->lock);
    close_locked(conn, why);
    pthread_mutex_unlock(&conn->lock);
}

void vk_rpc_conn_send(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len)
{
    pthread_mutex_lock(&conn->lock);
    if (conn->closed) {
        pthread_mutex_unlock(&conn->lock);
        free(pkt);
        return;
    }
    size_t off = 0;
    if (!conn->out_head && conn->watch > 0 && vk_loop_in_thread(conn->loop)) {
        /* Nothing queued and we are the loop: write now instead of polling
         * for POLLOUT first. Workers still queue and wake the loop: their
         * reply then goes out after whatever loop callback is running
         * finishes, e.g. the QEMU-exit handling that removes a destroyed
         * domain's cgroup, which a client may check right after the reply. */
        while (off < len) {
            ssize_t n = write(conn->fd, pkt + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    close_locked(conn, "write error");
                    pthread_mutex_unlock(&conn->lock);
                    free(pkt);
                    return;
                }
                break;
            }
            off += (size_t)n;
        }
        if (off == len) {
            pthread_mutex_unlock(&conn->lock);
            free(pkt);
            return;
        }
    }
    struct out_pkt *p = vk_calloc(1, sizeof(*p));
    p->data = pkt;
    p->len = len;
    if (!conn->out_head)
        conn->out_off = off;
    if (conn->out_tail)
        conn->out_tail->next = p;
    else
        conn->out_head = p;
    conn->out_tail = p;
    conn->out_bytes += len - off;
    update_events_locked(conn);
    pthread_mutex_unlock(&conn->lock);
}

void vk_rpc_conn_set_reading(struct vk_rpc_conn *conn, bool reading)
{
    pthread_mutex_lock(&conn->lock);
    if (conn->reading != reading) {
        conn->reading = reading;
        update_events_locked(conn);
    }
    pthread_mutex_unlock(&conn->lock);
}

static void send_keepalive(struct vk_rpc_conn *conn, int proc)
{
    struct vk_rpc_header h = {
        KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, proc, VK_RPC_MESSAGE, 0, VK_RPC_OK};
    uint8_t *pkt = vk_malloc(VK_RPC_MIN_PACKET);
    vk_rpc_header_encode(pkt, VK_RPC_MIN_PACKET, &h);
    vk_rpc_conn_send(conn, pkt, VK_RPC_MIN_PACKET);
}

static void keepalive_timer(int timer, void *opaque)
{
    struct vk_rpc_conn *conn = opaque;
    pthread_mutex_lock(&conn->lock);
    if (conn->closed || now_ms() - conn->last_rx_ms < conn->ka_interval_s * 1000LL) {
        pthread_mutex_unlock(&conn->lock);
        return;
    }
    if (conn->ka_left <= 0) {
        VK_INFO("rpc: connection closed due to keepalive timeout (fd %d)", conn->fd);
        close_locked(conn, "keepalive timeout");
        pthread_mutex_unlock(&conn->lock);
        return;
    }
    conn->ka_left--;
    /* Wait a full interval for the answer before the next PING. */
    conn->last_rx_ms = now_ms();
    pthread_mutex_unlock(&conn->lock);
    send_keepalive(conn, KEEPALIVE_PROC_PING);
}

static void unref_cb(void *opaque)
{
    vk_rpc_conn_unref(opaque);
}

void vk_rpc_conn_start_keepalive(struct vk_rpc_conn *conn, int interval_s, int count)
{
    if (interval_s <= 0)
        return;
    pthread_mutex_lock(&conn->lock);
    if (!conn->closed && conn->ka_timer == 0) {
        conn->ka_interval_s = interval_s;
        conn->ka_count = conn->ka_left = count;
        conn->last_rx_ms = now_ms();
        vk_rpc_conn_ref(conn);
        conn->ka_timer =
            vk_loop_add_timer(conn->loop, interval_s * 1000, keepalive_timer, conn, unref_cb);
    }
    pthread_mutex_unlock(&conn->lock);
}

/* ---- streams ---- */

int vk_rpc_conn_add_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial,
                           vk_rpc_stream_cb cb, void (*release)(void *opaque), void *opaque)
{
    pthread_mutex_lock(&conn->lock);
    int rc = -1;
    if (conn->closed) {
        vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "the client connection is closed");
        goto out;
    }
    for (size_t i = 0; i < conn->nstreams; i++)
        if (conn->streams[i].proc == proc && conn->streams[i].serial == serial) {
            vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "stream %d/%u is already open", proc, serial);
            goto out;
        }
    struct conn_stream *st = VK_APPEND(conn->streams, conn->nstreams);
    *st = (struct conn_stream){proc, serial, cb, release, opaque};
    rc = 0;
out:
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

void vk_rpc_conn_remove_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial)
{
    struct conn_stream gone = {0};
    pthread_mutex_lock(&conn->lock);
    for (size_t i = 0; i < conn->nstreams; i++)
        if (conn->streams[i].proc == proc && conn->streams[i].serial == serial) {
            gone = conn->streams[i];
            conn->streams[i] = conn->streams[--conn->nstreams];
            break;
        }
    pthread_mutex_unlock(&conn->lock);
    if (gone.release)
        gone.release(gone.opaque);
}

void vk_rpc_conn_send_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial, int status,
                             const void *data, size_t len)
{
    if (len > VK_RPC_MAX_PAYLOAD)
        len = VK_RPC_MAX_PAYLOAD; /* callers send small chunks; never an oversized packet */
    struct vk_rpc_header h = {REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, VK_RPC_STREAM, serial,
                              status};
    size_t total = VK_RPC_MIN_PACKET + len;
    uint8_t *pkt = vk_malloc(total);
    vk_rpc_header_encode(pkt, (uint32_t)total, &h);
    if (len)
        memcpy(pkt + VK_RPC_MIN_PACKET, data, len); /* raw bytes: no XDR, no padding */
    vk_rpc_conn_send(conn, pkt, total);
}

void vk_rpc_conn_send_stream_error(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial,
                                   int code, int domain, const char *message)
{
    struct vk_rpc_header h = {REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, VK_RPC_STREAM, serial,
                              VK_RPC_ERROR};
    uint8_t *pkt;
    size_t len;
    if (vk_rpc_encode_error_msg(&h, code, domain, message, &pkt, &len) < 0)
        return; /* keeps type STREAM */
    vk_rpc_conn_send(conn, pkt, len);
}

size_t vk_rpc_conn_queued_bytes(struct vk_rpc_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    size_t n = conn->out_bytes;
    pthread_mutex_unlock(&conn->lock);
    return n;
}

/* A STREAM packet from the peer: to its stream, or answered here. */
static void deliver_stream(struct vk_rpc_conn *conn, const struct vk_rpc_header *h,
                           const uint8_t *pkt, size_t len)
{
    struct conn_stream st = {0};
    pthread_mutex_lock(&conn->lock);
    for (size_t i = 0; i < conn->nstreams; i++)
        if (conn->streams[i].proc == h->proc && conn->streams[i].serial == h->serial)
            st = conn->streams[i]; /* a copy: the array may grow meanwhile */
    pthread_mutex_unlock(&conn->lock);
    if (st.cb) {
        st.cb(conn, h, pkt + VK_RPC_MIN_PACKET, len - VK_RPC_MIN_PACKET, st.opaque);
        return;
    }
    if (h->status == VK_RPC_OK) {
        vk_rpc_conn_send_stream(conn, h->proc, h->serial, VK_RPC_OK, NULL, 0);
    } else if (h->status == VK_RPC_ERROR) {
        /* libvirtd answers an abort with an error REPLY. */
        struct vk_rpc_header rh = *h;
        rh.type = VK_RPC_REPLY;
        uint8_t *out;
        size_t olen;
        if (vk_rpc_encode_error_msg(&rh, VK_ERR_RPC, VK_FROM_RPC,
                                    "stream aborted at client request", &out, &olen) == 0)
            vk_rpc_conn_send(conn, out, olen);
    }
    /* CONTINUE for no stream: dropped. */
}

/* A packet arrived whole: keepalive is handled here, the rest goes up. */
static void deliver(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len)
{
    pthread_mutex_lock(&conn->lock);
    conn->last_rx_ms = now_ms();
    conn->ka_left = conn->ka_count;
    pthread_mutex_unlock(&conn->lock);

    struct vk_rpc_header h;
    if (vk_rpc_header_decode(pkt, len, &h) == 0 && h.prog == KEEPALIVE_PROGRAM &&
        h.type == VK_RPC_MESSAGE) {
        if (h.proc == KEEPALIVE_PROC_PING)
            send_keepalive(conn, KEEPALIVE_PROC_PONG);
        /* PONG (or an unknown keepalive message): nothing to answer. */
        free(pkt);
        return;
    }
    if (h.prog == REMOTE_PROGRAM && h.type == VK_RPC_STREAM) {
        deliver_stream(conn, &h, pkt, len);
        free(pkt);
        return;
    }
    conn->ops->packet(conn, pkt, len, conn->opaque);
}

/* Reads what is available. Returns false when the connection was closed. */
static bool do_read(struct vk_rpc_conn *conn)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        if (vk_rpc_conn_is_closed(conn))
            return false;
        ssize_t n;
        if (conn->lenfill < 4) {
            n = read(conn->fd, conn->lenbuf + conn->lenfill, 4 - conn->lenfill);
        } else {
            if (conn->body_fill == conn->body_cap) {
                size_t cap = conn->body_cap * 2;
                if (cap > conn->body_len)
                    cap = conn->body_len;
                conn->body = vk_realloc(conn->body, cap);
                conn->body_cap = cap;
            }
            n = read(conn->fd, conn->body + conn->body_fill, conn->body_cap - conn->body_fill);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            close_with(conn, "read error");
            return false;
        }
        if (n == 0) {
            close_with(conn, conn->lenfill || conn->body_fill ? "EOF inside a packet (truncated)"
                                                              : "EOF");
            return false;
        }
        if (conn->lenfill < 4) {
            conn->lenfill += n;
            if (conn->lenfill < 4)
                continue;
            uint32_t len = vk_rpc_get_u32(conn->lenbuf);
            if (vk_rpc_check_length(len) < 0) {
                VK_WARN("rpc: dropping client fd %d: %s", conn->fd, vk_error_last()->message);
                close_with(conn, "bad length word");
                return false;
            }
            conn->body_len = len;
            conn->body_cap = len < INITIAL_BODY ? len : INITIAL_BODY;
            conn->body = vk_malloc(conn->body_cap);
            memcpy(conn->body, conn->lenbuf, 4);
            conn->body_fill = 4;
        } else {
            conn->body_fill += n;
        }
        if (conn->body_fill == conn->body_len) {
            uint8_t *pkt = conn->body;
            size_t len = conn->body_len;
            conn->body = NULL;
            conn->body_len = conn->body_fill = conn->body_cap = 0;
            conn->lenfill = 0;
            deliver(conn, pkt, len);
        }
    }
    return true; /* let other fds have a turn */
}

static void do_write(struct vk_rpc_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    while (!conn->closed && conn->out_head) {
        struct out_pkt *p = conn->out_head;
        ssize_t n = write(conn->fd, p->data + conn->out_off, p->len - conn->out_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                close_locked(conn, "write error");
            break;
        }
        conn->out_off += n;
        conn->out_bytes -= n;
        if (conn->out_off == p->len) {
            conn->out_head = p->next;
            if (!conn->out_head)
                conn->out_tail = NULL;
            conn->out_off = 0;
            free(p->data);
            free(p);
        }
    }
    update_events_locked(conn);
    pthread_mutex_unlock(&conn->lock);
}

static void conn_io(int watch, int fd, int revents, void *opaque)
{
    struct vk_rpc_conn *conn = opaque;
    if (revents & POLLOUT)
        do_write(conn);
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!do_read(conn))
            return;
    }
    if ((revents & (POLLERR | POLLNVAL)) && !(revents & POLLIN))
        close_with(conn, "socket error");
}

/* The loop removed the watch: tell the owner, drop the loop's reference. */
static void conn_watch_gone(void *opaque)
{
    struct vk_rpc_conn *conn = opaque;
    pthread_mutex_lock(&conn->lock);
    conn->closed = true;
    conn->watch = 0;
    free_queue(conn);
    if (conn->ka_timer > 0)
        vk_loop_remove_timer(conn->loop, conn->ka_timer);
    conn->ka_timer = 0;
    pthread_mutex_unlock(&conn->lock);
    release_streams(conn);
    if (conn->ops->closed)
        conn->ops->closed(conn, conn->opaque);
    vk_rpc_conn_unref(conn);
}

struct vk_rpc_conn *vk_rpc_conn_new(struct vk_loop *loop, int fd, const struct vk_rpc_conn_ops *ops,
                                    void *opaque)
{
    if (vk_fd_set_nonblock(fd) < 0 || vk_fd_set_cloexec(fd) < 0) {
        close(fd);
        return NULL;
    }
    struct vk_rpc_conn *conn = vk_calloc(1, sizeof(*conn));
    atomic_init(&conn->refs, 2); /* the caller's and the loop's */
    conn->loop = loop;
    conn->fd = fd;
    conn->ops = ops;
    conn->opaque = opaque;
    conn->reading = true;
    pthread_mutex_init(&conn->lock, NULL);
    pthread_mutex_lock(&conn->lock);
    conn->watch = vk_loop_add_fd(loop, fd, POLLIN, conn_io, conn, conn_watch_gone);
    pthread_mutex_unlock(&conn->lock);
    if (conn->watch < 0) {
        conn->watch = 0;
        atomic_store(&conn->refs, 1);
        conn->ops = &(const struct vk_rpc_conn_ops){0};
        vk_rpc_conn_unref(conn);
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_RPC, "cannot watch client socket");
        return NULL;
    }
    return conn;
}
