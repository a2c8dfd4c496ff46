/* One client connection of the RPC server, driven by the event loop.
 *
 * The loop thread reads: first the 4-byte length word, which is checked
 * against the protocol limits before any body byte is read (and before a
 * body buffer is sized); then the body, into a buffer grown as data comes.
 * A bad length (zero, below 28, above 16 MiB + 4), EOF in the middle of a
 * packet, or a read error closes this connection only.
 *
 * Keepalive packets (program KEEPALIVE, type MESSAGE) are answered here:
 * PING gets a PONG; PONG is swallowed. Every other complete packet goes to
 * the owner's packet callback (in the loop thread), which typically hands
 * it to a worker.
 *
 * Any thread may queue an outgoing packet (vk_rpc_conn_send); the loop
 * writes queued packets in order, coping with partial writes.
 *
 * Lifetime: reference counted. The loop holds a reference while the
 * connection is open; callers holding a pointer across threads take one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vk_loop;
struct vk_rpc_conn;

struct vk_rpc_conn_ops {
    /* A complete, length-checked packet (pkt starts at the length word).
     * Runs in the loop thread and takes ownership of pkt (free()). */
    void (*packet)(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len, void *opaque);
    /* The connection closed (EOF, error, bad packet, keepalive timeout or
     * vk_rpc_conn_close). Runs once, in the loop thread. May be NULL. */
    void (*closed)(struct vk_rpc_conn *conn, void *opaque);
    /* Releases opaque when the last reference goes. May be NULL. */
    void (*free_opaque)(void *opaque);
};

/* Takes ownership of fd (made non-blocking here). Returns the connection
 * with one reference for the caller (drop it with vk_rpc_conn_unref when not
 * needed), or NULL (error set; fd closed). */
struct vk_rpc_conn *vk_rpc_conn_new(struct vk_loop *loop, int fd, const struct vk_rpc_conn_ops *ops,
                                    void *opaque);
void vk_rpc_conn_ref(struct vk_rpc_conn *conn);
void vk_rpc_conn_unref(struct vk_rpc_conn *conn);

void *vk_rpc_conn_opaque(struct vk_rpc_conn *conn);
int vk_rpc_conn_fd(struct vk_rpc_conn *conn);
bool vk_rpc_conn_is_closed(struct vk_rpc_conn *conn);

/* Queues a whole packet for sending; takes ownership of pkt (free()).
 * Thread-safe. After close the packet is dropped. */
void vk_rpc_conn_send(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len);

/* Closes the connection (queued output is dropped). Thread-safe. */
void vk_rpc_conn_close(struct vk_rpc_conn *conn);

/* Stops or resumes reading new packets (flow control: the owner pauses a
 * client that has too many calls in flight). Thread-safe. */
void vk_rpc_conn_set_reading(struct vk_rpc_conn *conn, bool reading);

/* Starts sending keepalive PINGs: after interval_s seconds without any
 * packet from the peer a PING goes out; after count unanswered PINGs the
 * connection is closed ("connection closed due to keepalive timeout").
 * libvirtd starts this when the client asks for the keepalive feature.
 * Thread-safe; a second call changes nothing. */
void vk_rpc_conn_start_keepalive(struct vk_rpc_conn *conn, int interval_s, int count);

/* ---- Streams (libvirt's data streams: DOMAIN_OPEN_CONSOLE, ...) ----
 * A stream is named by the procedure and serial of the call that opened
 * it; every STREAM packet of it, both ways, carries those two. Packets of
 * type STREAM from the peer go to the stream's callback (loop thread)
 * instead of ops->packet. For no open stream: data (status CONTINUE) is
 * dropped (it may still be in flight when a stream ended), a finish
 * (status OK) gets its empty confirmation and an abort (status ERROR) an
 * error reply, so a client waiting on either never hangs. Flow control is
 * the owner's: it reads its source only while vk_rpc_conn_queued_bytes()
 * is low, i.e. as fast as the client reads. */
struct vk_rpc_header;
/* hdr is the packet's header; data/len its raw payload (no XDR). */
typedef void (*vk_rpc_stream_cb)(struct vk_rpc_conn *conn, const struct vk_rpc_header *hdr,
                                 const uint8_t *data, size_t len, void *opaque);
/* Any thread. release(opaque) runs (loop thread, or the last unref) when
 * the stream is removed or the connection closes. Returns 0, or -1 when the
 * connection is closed or the stream exists (release is then not called). */
int vk_rpc_conn_add_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial,
                           vk_rpc_stream_cb cb, void (*release)(void *opaque), void *opaque);
/* Loop thread only (so a callback never runs on a released opaque). */
void vk_rpc_conn_remove_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial);
/* Queues a STREAM packet of the REMOTE program: status CONTINUE with data
 * (len 0 is end of file, as libvirtd sends it), or OK with no data (the
 * confirmation of the peer's finish). Thread-safe. */
void vk_rpc_conn_send_stream(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial, int status,
                             const void *data, size_t len);
/* Queues a STREAM packet with status ERROR carrying code/message. */
void vk_rpc_conn_send_stream_error(struct vk_rpc_conn *conn, int32_t proc, uint32_t serial,
                                   int code, int domain, const char *message);
/* Bytes queued for the peer, not yet written. Thread-safe. */
size_t vk_rpc_conn_queued_bytes(struct vk_rpc_conn *conn);
