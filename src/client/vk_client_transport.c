/* The client side of one socket: packets out, packets in, replies matched
 * by serial. Blocking from the caller's point of view, but the socket is
 * non-blocking underneath so that writing many pipelined calls never
 * deadlocks against a server that is writing replies back, and so that
 * keepalive PINGs are answered while a long call (a domain start) runs. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "vk_client_priv.h"

/* libvirt clients probe a quiet server every 5 s and give up after 6
 * unanswered probes; the same numbers here. */
#define KEEPALIVE_INTERVAL_MS 5000
#define KEEPALIVE_COUNT 6
#define READ_CHUNK 65536
#define MAX_KEPT_EVENTS 100000

int vk_client_open(struct vk_client *c, const char *path)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_RPC, "socket path '%s' is too long", path);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vk_error_system(errno, "cannot create a socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;
        close(fd);
        /* libvirt's wording, so users recognise it. */
        return vk_error_system(err, "Failed to connect socket to '%s'", path);
    }
    if (vk_fd_set_nonblock(fd) < 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    return 0;
}

void vk_client_close(struct vk_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    vk_buf_free(&c->out);
    free(c->in);
    c->in = NULL;
    for (size_t i = 0; i < c->nstash; i++)
        free(c->stash[i].data);
    free(c->stash);
    c->stash = NULL;
    c->nstash = 0;
    vk_client_streams_free(c);
    for (size_t i = 0; i < c->nevents; i++)
        free(c->events[i].data);
    free(c->events);
    c->events = NULL;
    c->nevents = 0;
    free(c->regs);
    c->regs = NULL;
    c->nregs = 0;
}

static int fail(struct vk_client *c, const char *fmt, const char *detail)
{
    c->dead = true;
    return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, fmt, detail);
}

static int queue(struct vk_client *c, const struct vk_rpc_header *h, xdrproc_t fn, const void *data)
{
    uint8_t *pkt;
    size_t len;
    if (vk_rpc_encode(h, fn, data, &pkt, &len) < 0)
        return -1;
    /* Reclaim written bytes before appending so the buffer does not grow
     * without bound over a long pipelined batch. */
    if (c->out_off && c->out_off == c->out.len) {
        vk_buf_reset(&c->out);
        c->out_off = 0;
    }
    vk_buf_add(&c->out, pkt, len);
    free(pkt);
    return 0;
}

static int queue_keepalive(struct vk_client *c, int proc)
{
    struct vk_rpc_header h = {.prog = KEEPALIVE_PROGRAM,
                              .vers = KEEPALIVE_PROTOCOL_VERSION,
                              .proc = proc,
                              .type = VK_RPC_MESSAGE,
                              .serial = 0,
                              .status = VK_RPC_OK};
    return queue(c, &h, NULL, NULL);
}

int vk_client_send(struct vk_client *c, int proc, xdrproc_t args_fn, const void *args,
                   uint32_t *serial)
{
    if (c->dead)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "the connection to the server is broken");
    struct vk_rpc_header h = {.prog = REMOTE_PROGRAM,
                              .vers = REMOTE_PROTOCOL_VERSION,
                              .proc = proc,
                              .type = VK_RPC_CALL,
                              .serial = c->next_serial,
                              .status = VK_RPC_OK};
    if (queue(c, &h, args_fn, args) < 0)
        return -1;
    *serial = c->next_serial++;
    return 0;
}

static int flush_some(struct vk_client *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            c->dead = true;
            if (errno == EPIPE || errno == ECONNRESET)
                return fail(c, "%s", "the server closed the connection");
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "cannot write to the server: %s",
                                strerror(errno));
        }
        c->out_off += (size_t)n;
    }
    vk_buf_reset(&c->out);
    c->out_off = 0;
    return 0;
}

/* One whole packet from the server. */
static int handle_packet(struct vk_client *c, const uint8_t *pkt, size_t len)
{
    struct vk_rpc_header h;
    if (vk_rpc_header_decode(pkt, len, &h) < 0) {
        c->dead = true;
        return -1;
    }
    if (h.prog == KEEPALIVE_PROGRAM) {
        if (h.proc == KEEPALIVE_PROC_PING)
            return queue_keepalive(c, KEEPALIVE_PROC_PONG);
        return 0; /* PONG: receiving it already reset the countdown */
    }
    if (h.prog == REMOTE_PROGRAM && h.type == VK_RPC_MESSAGE) {
        /* Kept for the event callbacks; bounded, so an application that
         * registers and never runs the events cannot grow us forever. */
        if (!c->nregs || c->nevents >= MAX_KEPT_EVENTS)
            return 0;
        struct vk_client_packet *e = VK_APPEND(c->events, c->nevents);
        e->hdr = h;
        e->data = vk_malloc(len);
        memcpy(e->data, pkt, len);
        e->len = len;
        return 0;
    }
    if (h.prog == REMOTE_PROGRAM && h.type == VK_RPC_STREAM)
        return vk_client_stream_keep(c, &h, pkt, len); /* feature "console" */
    if (h.prog != REMOTE_PROGRAM || h.type != VK_RPC_REPLY)
        return 0; /* streams: nothing registered for them */
    if (h.serial >= c->next_serial)
        return 0; /* a reply to no call of ours: keeping it would only grow */
    struct vk_client_packet *p = VK_APPEND(c->stash, c->nstash);
    p->hdr = h;
    p->data = vk_malloc(len);
    memcpy(p->data, pkt, len);
    p->len = len;
    return 0;
}

/* Reads what is available and handles every whole packet. Returns the
 * number of bytes read (0 when nothing was ready), or -1. */
static ssize_t read_some(struct vk_client *c)
{
    ssize_t total = 0;
    for (;;) {
        if (c->in_cap - c->in_len < READ_CHUNK) {
            c->in_cap = c->in_len + READ_CHUNK;
            c->in = vk_realloc(c->in, c->in_cap);
        }
        ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            c->dead = true;
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "cannot read from the server: %s",
                                strerror(errno));
        }
        if (n == 0)
            return fail(c, "%s", "the server closed the connection");
        c->in_len += (size_t)n;
        total += n;

        size_t off = 0;
        while (c->in_len - off >= VK_RPC_LEN_SIZE) {
            uint32_t plen = vk_rpc_get_u32(c->in + off);
            /* Judge the length word before waiting for (or allocating) the
             * body, so a bad server cannot make us buffer 4 GiB. */
            if (vk_rpc_check_length(plen) < 0) {
                c->dead = true;
                return -1;
            }
            if (c->in_len - off < plen)
                break;
            if (handle_packet(c, c->in + off, plen) < 0)
                return -1;
            off += plen;
        }
        if (off) {
            memmove(c->in, c->in + off, c->in_len - off);
            c->in_len -= off;
        }
    }
    return total;
}

static ssize_t find_stash(struct vk_client *c, uint32_t serial)
{
    for (size_t i = 0; i < c->nstash; i++)
        if (c->stash[i].hdr.serial == serial)
            return (ssize_t)i;
    return -1;
}

/* Runs the socket until serial's reply is stashed; returns its index. */
static ssize_t pump(struct vk_client *c, uint32_t serial)
{
    int unanswered = 0;
    for (;;) {
        ssize_t idx = find_stash(c, serial);
        if (idx >= 0)
            return idx;
        if (c->dead)
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "the connection to the server is broken");
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (c->out_off < c->out.len)
            p.events |= POLLOUT;
        int r = poll(&p, 1, c->keepalive ? KEEPALIVE_INTERVAL_MS : -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return vk_error_system(errno, "poll on the server connection");
        }
        if (r == 0) {
            if (++unanswered >= KEEPALIVE_COUNT)
                return fail(c, "%s", "connection closed due to keepalive timeout");
            if (queue_keepalive(c, KEEPALIVE_PROC_PING) < 0)
                return -1;
            continue;
        }
        if ((p.revents & POLLOUT) && flush_some(c) < 0)
            return -1;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read_some(c);
            if (n < 0)
                return -1;
            if (n > 0)
                unanswered = 0;
        }
    }
}

int vk_client_service(struct vk_client *c)
{
    if (c->dead)
        return -1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->out_off < c->out.len)
        p.events |= POLLOUT;
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if ((p.revents & POLLOUT) && flush_some(c) < 0)
        return -1;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && read_some(c) < 0)
        return -1;
    /* A PONG queued just now goes out at once. */
    if (c->out_off < c->out.len && flush_some(c) < 0)
        return -1;
    return 0;
}

int vk_client_wait_event(struct vk_client *c, int timeout_ms)
{
    if (c->nevents)
        return 1;
    if (c->dead)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "the connection to the server is broken");
    if (c->out_off < c->out.len && flush_some(c) < 0)
        return -1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->out_off < c->out.len)
        p.events |= POLLOUT;
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : vk_error_system(errno, "poll on the server connection");
    if (r == 0)
        return 0;
    if ((p.revents & POLLOUT) && flush_some(c) < 0)
        return -1;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && read_some(c) < 0)
        return -1;
    if (c->out_off < c->out.len && flush_some(c) < 0) /* a PONG */
        return -1;
    return c->nevents ? 1 : 0;
}

int vk_client_pump_once(struct vk_client *c, int timeout_ms)
{
    if (c->dead)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "the connection to the server is broken");
    if (c->out_off < c->out.len && flush_some(c) < 0)
        return -1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->out_off < c->out.len)
        p.events |= POLLOUT;
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : vk_error_system(errno, "poll on the server connection");
    if (r == 0)
        return 0;
    if ((p.revents & POLLOUT) && flush_some(c) < 0)
        return -1;
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && read_some(c) < 0)
        return -1;
    if (c->out_off < c->out.len && flush_some(c) < 0) /* a PONG */
        return -1;
    return 0;
}

int vk_client_wait(struct vk_client *c, uint32_t serial, int proc, xdrproc_t ret_fn, void *ret)
{
    ssize_t idx = pump(c, serial);
    if (idx < 0)
        return -1;
    /* Send a PONG queued while reading now, not at the next call. */
    if (c->out_off < c->out.len && flush_some(c) < 0)
        return -1;
    struct vk_client_packet p = c->stash[idx];
    c->stash[idx] = c->stash[--c->nstash];
    int rc;
    if (p.hdr.proc != proc) {
        rc = vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                          "reply to serial %u is for procedure %d, expected %d", serial, p.hdr.proc,
                          proc);
    } else if (p.hdr.status == VK_RPC_ERROR) {
        struct vk_error err;
        memset(&err, 0, sizeof(err));
        rc = vk_rpc_decode_error(p.data, p.len, &err);
        if (rc == 0)
            rc = vk_error_set(err.code ? err.code : VK_ERR_INTERNAL_ERROR, err.domain, "%s",
                              err.message);
    } else if (p.hdr.status != VK_RPC_OK) {
        rc = vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "reply to procedure %d has unknown status %d",
                          proc, p.hdr.status);
    } else {
        rc = vk_rpc_decode_payload(p.data, p.len, ret_fn, ret);
    }
    free(p.data);
    return rc;
}

int vk_client_call(struct vk_client *c, int proc, xdrproc_t args_fn, const void *args,
                   xdrproc_t ret_fn, void *ret)
{
    uint32_t serial;
    if (vk_client_send(c, proc, args_fn, args, &serial) < 0)
        return -1;
    return vk_client_wait(c, serial, proc, ret_fn, ret);
}
