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
