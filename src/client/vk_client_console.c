/* Feature "console": libvirt's data streams on the client side and
 * virDomainOpenConsole.
 *
 * A stream is named by the serial of the call that opened it. The serial
 * is registered before the call goes out, so STREAM packets that overtake
 * the reply are kept too; the transport hands every STREAM packet of a
 * registered serial to vk_client_stream_keep (whoever reads the socket:
 * a call, the idle thread, or vk_stream_recv). Packets of other serials
 * are dropped. */
#include <stdlib.h>
#include <string.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "vk_client_priv.h"

/* Larger sends are split; libvirt's clients send at most 256 KiB too. */
#define SEND_CHUNK (256u << 10)
/* Bytes kept for a stream nobody reads: a console is interactive, this
 * much backlog means the application stopped reading. */
#define KEEP_MAX (16u << 20)

struct vk_stream {
    vk_connect *conn; /* a reference */
    int proc;
    uint32_t serial;
    bool done;  /* finished or aborted by us */
    bool eof;   /* the server ended the stream */
    bool error; /* the server sent an error (in err) */
    struct vk_error err;
    uint8_t *pkt; /* a data packet being consumed */
    size_t pkt_len, pkt_off;
};

/* ---- transport side (conn->lock held by whoever reads the socket) ---- */

static bool registered(const struct vk_client *c, uint32_t serial)
{
    for (size_t i = 0; i < c->nstream_serials; i++)
        if (c->stream_serials[i] == serial)
            return true;
    return false;
}

int vk_client_stream_keep(struct vk_client *c, const struct vk_rpc_header *h, const uint8_t *pkt,
                          size_t len)
{
    if (!registered(c, h->serial))
        return 0; /* a stream we no longer have: in flight when it ended */
    size_t kept = 0;
    for (size_t i = 0; i < c->nspkts; i++)
        kept += c->spkts[i].len;
    if (kept + len > KEEP_MAX)
        return 0; /* nobody reads: drop rather than grow without bound */
    struct vk_client_packet *p = VK_APPEND(c->spkts, c->nspkts);
    p->hdr = *h;
    p->data = vk_malloc(len);
    memcpy(p->data, pkt, len);
    p->len = len;
    return 0;
}

/* Drops the serial and the packets kept for it. */
static void unregister(struct vk_client *c, uint32_t serial)
{
    for (size_t i = 0; i < c->nstream_serials; i++)
        if (c->stream_serials[i] == serial) {
            c->stream_serials[i] = c->stream_serials[--c->nstream_serials];
            break;
        }
    size_t j = 0;
    for (size_t i = 0; i < c->nspkts; i++) {
        if (c->spkts[i].hdr.serial == serial)
            free(c->spkts[i].data);
        else
            c->spkts[j++] = c->spkts[i];
    }
    c->nspkts = j;
}

void vk_client_streams_free(struct vk_client *c)
{
    for (size_t i = 0; i < c->nspkts; i++)
        free(c->spkts[i].data);
    free(c->spkts);
    c->spkts = NULL;
    c->nspkts = 0;
    free(c->stream_serials);
    c->stream_serials = NULL;
    c->nstream_serials = 0;
}

/* The oldest packet kept for serial (removed from the queue), or false. */
static bool take(struct vk_client *c, uint32_t serial, struct vk_client_packet *out)
{
    for (size_t i = 0; i < c->nspkts; i++)
        if (c->spkts[i].hdr.serial == serial) {
            *out = c->spkts[i];
            memmove(&c->spkts[i], &c->spkts[i + 1], (c->nspkts - i - 1) * sizeof(c->spkts[0]));
            c->nspkts--;
            return true;
        }
    return false;
}

/* Queues a STREAM packet (raw payload). */
static void queue_stream(struct vk_client *c, int proc, uint32_t serial, int status,
                         const void *data, size_t len)
{
    struct vk_rpc_header h = {REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, VK_RPC_STREAM, serial,
                              status};
    uint8_t head[VK_RPC_MIN_PACKET];
    vk_rpc_header_encode(head, (uint32_t)(VK_RPC_MIN_PACKET + len), &h);
    if (c->out_off && c->out_off == c->out.len) {
        vk_buf_reset(&c->out);
        c->out_off = 0;
    }
    vk_buf_add(&c->out, head, sizeof(head));
    if (len)
        vk_buf_add(&c->out, data, len);
}

/* ---- the public API ---- */

vk_stream *vk_domain_open_console(vk_domain *dom, const char *dev_name, unsigned int flags)
{
    if (!dom) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_RPC, "no domain given");
        return NULL;
    }
    vk_connect *conn = dom->conn;
    remote_domain_open_console_args args;
    memset(&args, 0, sizeof(args));
    vk_domain_to_wire(dom, &args.dom);
    char *dev = (char *)dev_name;
    args.dev_name = dev_name ? &dev : NULL;
    args.flags = flags;

    pthread_mutex_lock(&conn->lock);
    struct vk_client *c = &conn->client;
    /* Registered first: data may overtake the reply. */
    uint32_t serial = c->next_serial;
    *VK_APPEND(c->stream_serials, c->nstream_serials) = serial;
    uint32_t sent;
    int rc = vk_client_send(c, REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
                            (xdrproc_t)xdr_remote_domain_open_console_args, &args, &sent);
    if (rc == 0)
        rc = vk_client_wait(c, sent, REMOTE_PROC_DOMAIN_OPEN_CONSOLE, NULL, NULL);
    if (rc < 0)
        unregister(c, serial);
    pthread_mutex_unlock(&conn->lock);
    if (rc < 0)
        return NULL;
    vk_stream *st = vk_calloc(1, sizeof(*st));
    vk_connect_ref(conn);
    st->conn = conn;
    st->proc = REMOTE_PROC_DOMAIN_OPEN_CONSOLE;
    st->serial = serial;
    return st;
}

int vk_stream_send(vk_stream *st, const char *data, size_t nbytes)
{
    if (!st || st->done || st->eof || st->error)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_RPC,
                            st && st->error ? "the stream failed: %s" : "the stream is closed%s",
                            st && st->error ? st->err.message : "");
    pthread_mutex_lock(&st->conn->lock);
    struct vk_client *c = &st->conn->client;
    for (size_t off = 0; off < nbytes; off += SEND_CHUNK) {
        size_t n = nbytes - off < SEND_CHUNK ? nbytes - off : SEND_CHUNK;
        queue_stream(c, st->proc, st->serial, VK_RPC_CONTINUE, data + off, n);
    }
    int rc = vk_client_pump_once(c, 0); /* writes what the socket takes now */
    pthread_mutex_unlock(&st->conn->lock);
    return rc < 0 ? -1 : (int)nbytes;
}

int vk_stream_recv(vk_stream *st, char *buf, size_t nbytes, int timeout_ms)
{
    if (!st || st->done)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_RPC, "the stream is closed");
    for (int waited = 0;; waited = 1) {
        if (st->pkt) {
            size_t n = st->pkt_len - st->pkt_off;
            if (n > nbytes)
                n = nbytes;
            memcpy(buf, st->pkt + st->pkt_off, n);
            st->pkt_off += n;
            if (st->pkt_off == st->pkt_len)
                VK_FREE(st->pkt);
            return (int)n;
        }
        if (st->error)
            return vk_error_set(st->err.code, st->err.domain, "%s", st->err.message);
        if (st->eof)
            return 0;
        pthread_mutex_lock(&st->conn->lock);
        struct vk_client *c = &st->conn->client;
        struct vk_client_packet p;
        bool got = take(c, st->serial, &p);
        int rc = 0;
        if (!got && !waited && timeout_ms != 0) {
            rc = vk_client_pump_once(c, timeout_ms);
            if (rc == 0)
                got = take(c, st->serial, &p);
        }
        pthread_mutex_unlock(&st->conn->lock);
        if (rc < 0)
            return -1;
        if (!got) {
            if (waited || timeout_ms == 0)
                return -2; /* nothing yet */
            continue;
        }
        if (p.hdr.status == VK_RPC_CONTINUE && p.len > VK_RPC_MIN_PACKET) {
            st->pkt = p.data;
            st->pkt_len = p.len;
            st->pkt_off = VK_RPC_MIN_PACKET; /* raw bytes after the header */
            continue;
        }
        if (p.hdr.status == VK_RPC_ERROR) {
            if (vk_rpc_decode_error(p.data, p.len, &st->err) < 0)
                st->err = *vk_error_last();
            st->error = true;
        } else {
            st->eof = true; /* empty CONTINUE: end of file */
        }
        free(p.data);
    }
}

/* Waits (conn->lock held) for the server's answer to our finish: a STREAM
 * OK or ERROR on the serial, data before it discarded. */
static int wait_finish(vk_stream *st)
{
    struct vk_client *c = &st->conn->client;
    for (;;) {
        struct vk_client_packet p;
        while (take(c, st->serial, &p)) {
            int status = p.hdr.status;
            struct vk_error err;
            memset(&err, 0, sizeof(err));
            if (status == VK_RPC_ERROR && vk_rpc_decode_error(p.data, p.len, &err) == 0)
                vk_error_set(err.code, err.domain, "%s", err.message);
            free(p.data);
            if (status == VK_RPC_OK)
                return 0;
            if (status == VK_RPC_ERROR)
                return -1;
        }
        if (vk_client_pump_once(c, 1000) < 0)
            return -1;
    }
}

int vk_stream_finish(vk_stream *st)
{
    if (!st || st->done)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_RPC, "the stream is closed");
    st->done = true;
    pthread_mutex_lock(&st->conn->lock);
    struct vk_client *c = &st->conn->client;
    queue_stream(c, st->proc, st->serial, VK_RPC_OK, NULL, 0);
    int rc = wait_finish(st);
    unregister(c, st->serial);
    pthread_mutex_unlock(&st->conn->lock);
    return rc;
}

int vk_stream_abort(vk_stream *st)
{
    if (!st || st->done)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_RPC, "the stream is closed");
    st->done = true;
    pthread_mutex_lock(&st->conn->lock);
    struct vk_client *c = &st->conn->client;
    unregister(c, st->serial); /* data still coming is of no interest */
    queue_stream(c, st->proc, st->serial, VK_RPC_ERROR, NULL, 0);
    /* libvirtd answers an abort with an error reply on the serial. */
    int rc = vk_client_wait(c, st->serial, st->proc, NULL, NULL);
    pthread_mutex_unlock(&st->conn->lock);
    if (rc < 0 && vk_error_last()->code != VK_ERR_RPC)
        return -1; /* a real failure (connection), not the expected answer */
    vk_error_reset();
    return 0;
}

void vk_stream_free(vk_stream *st)
{
    if (!st)
        return;
    if (!st->done) {
        struct vk_error saved = *vk_error_last(); /* keep the caller's error */
        vk_stream_abort(st);
        if (saved.code)
            vk_error_set(saved.code, saved.domain, "%s", saved.message);
    }
    free(st->pkt);
    vk_connect_close(st->conn);
    free(st);
}

int vk_stream_poll_fd(const vk_stream *st)
{
    return st ? st->conn->client.fd : -1;
}
