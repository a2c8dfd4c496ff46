/* libvirtkit's transport against a scripted server on a socketpair: what
 * it does with PINGs, events, out-of-order replies, error replies, and
 * every kind of bad packet a server could send (each rejected with an
 * error naming it, never a crash, a hang or a huge allocation). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/vk_client_priv.h"
#include "util/vk_error.h"
#include "vk_test.h"

static int srv = -1; /* the scripted server's end */

static void open_pair(struct vk_client *c)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        abort();
    memset(c, 0, sizeof(*c));
    c->fd = sv[0];
    fcntl(c->fd, F_SETFL, O_NONBLOCK);
    srv = sv[1];
}

static void close_pair(struct vk_client *c)
{
    vk_client_close(c);
    if (srv >= 0)
        close(srv);
    srv = -1;
}

/* The server writes one packet. */
static void server_send(uint32_t prog, int proc, int type, uint32_t serial, int status,
                        xdrproc_t fn, const void *data)
{
    struct vk_rpc_header h = {prog, 1, proc, type, serial, status};
    uint8_t *pkt;
    size_t len;
    if (vk_rpc_encode(&h, fn, data, &pkt, &len) < 0)
        abort();
    if (write(srv, pkt, len) != (ssize_t)len)
        abort();
    free(pkt);
}

static void server_raw(const void *bytes, size_t len)
{
    if (write(srv, bytes, len) != (ssize_t)len)
        abort();
}

static void reply_type(uint32_t serial, const char *type)
{
    remote_connect_get_type_ret r = {.type = (char *)type};
    server_send(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_TYPE, VK_RPC_REPLY, serial, VK_RPC_OK,
                (xdrproc_t)xdr_remote_connect_get_type_ret, &r);
}

static int call_type(struct vk_client *c, uint32_t serial, char **out)
{
    remote_connect_get_type_ret r = {0};
    int rc = vk_client_wait(c, serial, REMOTE_PROC_CONNECT_GET_TYPE,
                            (xdrproc_t)xdr_remote_connect_get_type_ret, &r);
    *out = r.type;
    return rc;
}

/* Reads one whole packet the client wrote; returns its header. */
static struct vk_rpc_header server_read(void)
{
    uint8_t buf[4096];
    struct vk_rpc_header h = {0};
    if (read(srv, buf, 4) != 4)
        abort();
    uint32_t len = vk_rpc_get_u32(buf);
    if (len < 28 || len > sizeof(buf) || read(srv, buf + 4, len - 4) != (ssize_t)(len - 4))
        abort();
    if (vk_rpc_header_decode(buf, len, &h) < 0)
        abort();
    return h;
}

static void test_ping_event_and_reply(void)
{
    struct vk_client c;
    open_pair(&c);
    uint32_t serial;
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &serial) == 0);
    /* A PING and an event arrive before the reply. */
    server_send(KEEPALIVE_PROGRAM, KEEPALIVE_PROC_PING, VK_RPC_MESSAGE, 0, VK_RPC_OK, NULL, NULL);
    server_send(REMOTE_PROGRAM, 318, VK_RPC_MESSAGE, 0, VK_RPC_OK, NULL, NULL);
    reply_type(serial, "QEMU");
    char *type = NULL;
    CHECK(call_type(&c, serial, &type) == 0);
    CHECK_STREQ(type, "QEMU");
    free(type);
    /* On the wire: our CALL, then the PONG answering the PING. */
    struct vk_rpc_header h = server_read();
    CHECK(h.prog == REMOTE_PROGRAM && h.proc == REMOTE_PROC_CONNECT_GET_TYPE &&
          h.type == VK_RPC_CALL && h.serial == serial);
    /* The PONG may still be queued: one service pass flushes it. */
    vk_client_service(&c);
    h = server_read();
    CHECK(h.prog == KEEPALIVE_PROGRAM && h.proc == KEEPALIVE_PROC_PONG &&
          h.type == VK_RPC_MESSAGE && h.serial == 0);
    close_pair(&c);
}

static void test_out_of_order(void)
{
    struct vk_client c;
    open_pair(&c);
    uint32_t s1, s2;
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s1) == 0);
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s2) == 0);
    CHECK(s1 != s2);
    reply_type(s2, "second");
    reply_type(s1, "first");
    char *a = NULL, *b = NULL;
    CHECK(call_type(&c, s1, &a) == 0);
    CHECK(call_type(&c, s2, &b) == 0);
    CHECK_STREQ(a, "first");
    CHECK_STREQ(b, "second");
    free(a);
    free(b);
    close_pair(&c);
}

static void test_error_replies(void)
{
    struct vk_client c;
    open_pair(&c);
    uint32_t s;
    char *msg = "Domain not found: no domain with matching name 'x'";
    remote_error e = {.code = 42, .domain = 10, .message = &msg, .level = 2};
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    server_send(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_TYPE, VK_RPC_REPLY, s, VK_RPC_ERROR,
                (xdrproc_t)xdr_remote_error, &e);
    char *t = NULL;
    CHECK(call_type(&c, s, &t) == -1 && t == NULL);
    CHECK(vk_error_last()->code == 42 && vk_error_last()->domain == 10);
    CHECK_STREQ(vk_error_last()->message, msg);

    /* No message and code 0: still an error, with a code. */
    remote_error bare = {0};
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    server_send(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_TYPE, VK_RPC_REPLY, s, VK_RPC_ERROR,
                (xdrproc_t)xdr_remote_error, &bare);
    CHECK(call_type(&c, s, &t) == -1);
    CHECK(vk_error_last()->code == VK_ERR_INTERNAL_ERROR);
    CHECK_STREQ(vk_error_last()->message, "unknown error");

    /* A reply for another procedure, an unknown status. */
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    server_send(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_HOSTNAME, VK_RPC_REPLY, s, VK_RPC_OK, NULL,
                NULL);
    CHECK(call_type(&c, s, &t) == -1);
    CHECK(vk_error_last()->code == VK_ERR_RPC &&
          strstr(vk_error_last()->message, "is for procedure 59, expected 3"));
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    server_send(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_TYPE, VK_RPC_REPLY, s, 7, NULL, NULL);
    CHECK(call_type(&c, s, &t) == -1);
    CHECK(strstr(vk_error_last()->message, "unknown status 7") != NULL);

    /* A payload that does not decode: that call fails, the next works. */
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    uint8_t bad[36];
    struct vk_rpc_header h = {REMOTE_PROGRAM, 1, REMOTE_PROC_CONNECT_GET_TYPE,
                              VK_RPC_REPLY,   s, VK_RPC_OK};
    vk_rpc_header_encode(bad, sizeof(bad), &h);
    vk_rpc_put_u32(bad + 28, 1000); /* a string of 1000 bytes, 4 present */
    memcpy(bad + 32, "QEMU", 4);
    server_raw(bad, sizeof(bad));
    CHECK(call_type(&c, s, &t) == -1);
    CHECK(vk_error_last()->code == VK_ERR_RPC);
    CHECK(!c.dead);
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    reply_type(s, "QEMU");
    CHECK(call_type(&c, s, &t) == 0);
    CHECK_STREQ(t, "QEMU");
    free(t);
    close_pair(&c);
}

/* Framing faults kill the connection at once; later calls fail fast. */
static void framing_fault(const uint8_t *bytes, size_t len, bool close_after, const char *needle)
{
    struct vk_client c;
    open_pair(&c);
    uint32_t s;
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == 0);
    server_raw(bytes, len);
    if (close_after) {
        close(srv);
        srv = -1;
    }
    char *t = NULL;
    CHECK(call_type(&c, s, &t) == -1);
    if (!strstr(vk_error_last()->message, needle)) {
        fprintf(stderr, "expected '%s' in '%s'\n", needle, vk_error_last()->message);
        vk_test_failures++;
    }
    CHECK(c.dead);
    CHECK(vk_client_send(&c, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, &s) == -1);
    CHECK(strstr(vk_error_last()->message, "broken") != NULL);
    close_pair(&c);
}

static void test_framing_faults(void)
{
    uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    framing_fault(huge, sizeof(huge), false, "exceeds the maximum");
    uint8_t tiny[4] = {0, 0, 0, 8};
    framing_fault(tiny, sizeof(tiny), false, "below the minimum");
    uint8_t partial[10] = {0, 0, 0, 40, 0x20, 0, 0x80, 0x86, 0, 0};
    framing_fault(partial, sizeof(partial), true, "closed the connection");
    framing_fault(NULL, 0, true, "closed the connection");
}

int main(void)
{
    test_ping_event_and_reply();
    test_out_of_order();
    test_error_replies();
    test_framing_faults();
    TEST_MAIN_END();
}
