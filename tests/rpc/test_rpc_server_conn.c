/* The server connection on a real event loop over a socketpair: packets
 * arriving a byte at a time, several in one write, keepalive PING -> PONG,
 * queued writes, and framing errors closing the connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc/rpc_message.h"
#include "rpc/rpc_server_conn.h"
#include "unit/vk_test.h"
#include "util/vk_loop.h"

struct seen {
    int packets;
    uint32_t last_serial;
    int closed;
    int freed;
};

static void on_packet(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len, void *opaque)
{
    struct seen *s = opaque;
    struct vk_rpc_header h;
    if (vk_rpc_header_decode(pkt, len, &h) == 0) {
        s->packets++;
        s->last_serial = h.serial;
        /* echo a reply, like a dispatcher would */
        uint8_t *out;
        size_t outlen;
        if (vk_rpc_encode_reply(&h, NULL, NULL, &out, &outlen) == 0)
            vk_rpc_conn_send(conn, out, outlen);
    }
    free(pkt);
}

static void on_closed(struct vk_rpc_conn *conn, void *opaque)
{
    ((struct seen *)opaque)->closed++;
}

static void on_free(void *opaque)
{
    ((struct seen *)opaque)->freed++;
}

static const struct vk_rpc_conn_ops ops = {on_packet, on_closed, on_free};

static void spin(struct vk_loop *loop, int n)
{
    for (int i = 0; i < n; i++)
        vk_loop_iterate(loop, 20);
}

static size_t make_call(uint8_t *buf, uint32_t serial)
{
    struct vk_rpc_header h = {REMOTE_PROGRAM, 1, 3, VK_RPC_CALL, serial, VK_RPC_OK};
    vk_rpc_header_encode(buf, VK_RPC_MIN_PACKET, &h);
    return VK_RPC_MIN_PACKET;
}

/* Reads whole packets from fd (non-blocking) into a count by type. */
static int read_replies(int fd, int *pongs)
{
    uint8_t buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    int replies = 0;
    for (ssize_t off = 0; n > 0 && off + 28 <= n;) {
        struct vk_rpc_header h;
        uint32_t len = vk_rpc_get_u32(buf + off);
        if (len < 28 || off + (ssize_t)len > n || vk_rpc_header_decode(buf + off, len, &h) < 0)
            break;
        if (h.prog == KEEPALIVE_PROGRAM && h.proc == KEEPALIVE_PROC_PONG)
            (*pongs)++;
        else if (h.type == VK_RPC_REPLY)
            replies++;
        off += len;
    }
    return replies;
}

static void test_byte_at_a_time(void)
{
    struct vk_loop *loop = vk_loop_new();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    struct seen s = {0};
    struct vk_rpc_conn *conn = vk_rpc_conn_new(loop, sv[0], &ops, &s);
    CHECK(conn != NULL);
    vk_rpc_conn_unref(conn);

    uint8_t pkt[VK_RPC_MIN_PACKET];
    size_t len = make_call(pkt, 7);
    for (size_t i = 0; i < len; i++) {
        CHECK(write(sv[1], pkt + i, 1) == 1);
        spin(loop, 1);
        if (i + 1 < len)
            CHECK(s.packets == 0);
    }
    CHECK(s.packets == 1 && s.last_serial == 7);

    /* three packets and a PING in one write */
    uint8_t many[4 * VK_RPC_MIN_PACKET];
    make_call(many, 8);
    make_call(many + 28, 9);
    struct vk_rpc_header ping = {KEEPALIVE_PROGRAM, 1, KEEPALIVE_PROC_PING, VK_RPC_MESSAGE, 0, 0};
    vk_rpc_header_encode(many + 56, VK_RPC_MIN_PACKET, &ping);
    make_call(many + 84, 10);
    CHECK(write(sv[1], many, sizeof(many)) == (ssize_t)sizeof(many));
    spin(loop, 5);
    CHECK(s.packets == 4 && s.last_serial == 10); /* PING not delivered up */
    int pongs = 0;
    int replies = read_replies(sv[1], &pongs);
    CHECK(replies == 4);
    CHECK(pongs == 1);
    CHECK(s.closed == 0);

    close(sv[1]);
    spin(loop, 5);
    CHECK(s.closed == 1);
    CHECK(s.freed == 1);
    vk_loop_free(loop);
}

static void test_bad_length(uint32_t word, const char *what)
{
    struct vk_loop *loop = vk_loop_new();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    struct seen s = {0};
    struct vk_rpc_conn *conn = vk_rpc_conn_new(loop, sv[0], &ops, &s);
    vk_rpc_conn_unref(conn);
    uint8_t w[4];
    vk_rpc_put_u32(w, word);
    CHECK(write(sv[1], w, 4) == 4);
    spin(loop, 5);
    if (s.closed != 1 || s.packets != 0)
        fprintf(stderr, "length word %u (%s) did not close the connection\n", word, what);
    CHECK(s.closed == 1 && s.packets == 0);
    /* the peer sees EOF */
    char c;
    CHECK(read(sv[1], &c, 1) == 0);
    close(sv[1]);
    vk_loop_free(loop);
    CHECK(s.freed == 1);
}

static void test_truncated(void)
{
    struct vk_loop *loop = vk_loop_new();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    struct seen s = {0};
    vk_rpc_conn_unref(vk_rpc_conn_new(loop, sv[0], &ops, &s));
    uint8_t pkt[VK_RPC_MIN_PACKET];
    make_call(pkt, 1);
    CHECK(write(sv[1], pkt, 20) == 20);
    shutdown(sv[1], SHUT_WR);
    spin(loop, 5);
    CHECK(s.closed == 1 && s.packets == 0);
    close(sv[1]);
    vk_loop_free(loop);
}

static void test_large_reply_partial_writes(void)
{
    struct vk_loop *loop = vk_loop_new();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    struct seen s = {0};
    struct vk_rpc_conn *conn = vk_rpc_conn_new(loop, sv[0], &ops, &s);
    /* 2 MiB packet: far more than the socket buffer, so writes are partial */
    size_t big = 2u << 20;
    uint8_t *pkt = calloc(1, big);
    struct vk_rpc_header h = {REMOTE_PROGRAM, 1, 14, VK_RPC_REPLY, 5, 0};
    vk_rpc_header_encode(pkt, (uint32_t)big, &h);
    for (size_t i = 28; i < big; i++)
        pkt[i] = (uint8_t)i;
    vk_rpc_conn_send(conn, pkt, big);
    uint8_t *got = malloc(big);
    size_t have = 0;
    for (int i = 0; i < 10000 && have < big; i++) {
        vk_loop_iterate(loop, 10);
        ssize_t n = read(sv[1], got + have, big - have);
        if (n > 0)
            have += n;
    }
    CHECK(have == big);
    CHECK(have == big && got[big - 1] == (uint8_t)(big - 1) && got[28] == 28);
    free(got);
    vk_rpc_conn_close(conn);
    spin(loop, 2);
    CHECK(s.closed == 1);
    vk_rpc_conn_unref(conn);
    CHECK(s.freed == 1);
    close(sv[1]);
    vk_loop_free(loop);
}

int main(void)
{
    test_byte_at_a_time();
    test_bad_length(0, "zero");
    test_bad_length(27, "below header");
    test_bad_length(16777216 + 5, "above limit");
    test_bad_length(0xffffffffu, "huge");
    test_truncated();
    test_large_reply_partial_writes();
    TEST_MAIN_END();
}
