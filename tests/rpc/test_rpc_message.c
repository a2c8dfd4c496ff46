/* Packet framing: header encode/decode against libvirt's published test
 * vectors (virnetmessagetest), limits, error payloads, payload decoding. */
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc_message.h"
#include "rpc/rpc_procs.h"
#include "unit/vk_test.h"

static const uint8_t header_only_call[] = {
    0x00, 0x00, 0x00, 0x1c, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x06, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00,
};

/* Error MESSAGE, status ERROR: code=1 domain=7 "Hello World" level=2
 * dom=NULL str1..3 "One" "Two" "Three" int1=1 int2=2 net=NULL. */
static const uint8_t error_message[] = {
    0x00, 0x00, 0x00, 0x74, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06,
    0x66, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0b, 'H',
    'e',  'l',  'l',  'o',  ' ',  'W',  'o',  'r',  'l',  'd',  0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 'O',  'n',  'e',
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 'T',  'w',  'o',  0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 'T',  'h',  'r',  'e',  'e',  0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
};

static void test_header_vector(void)
{
    struct vk_rpc_header h;
    CHECK(vk_rpc_header_decode(header_only_call, sizeof(header_only_call), &h) == 0);
    CHECK(h.prog == 0x11223344);
    CHECK(h.vers == 1);
    CHECK(h.proc == 0x666);
    CHECK(h.type == VK_RPC_CALL);
    CHECK(h.serial == 0x99);
    CHECK(h.status == VK_RPC_OK);

    uint8_t out[VK_RPC_MIN_PACKET];
    vk_rpc_header_encode(out, VK_RPC_MIN_PACKET, &h);
    CHECK(memcmp(out, header_only_call, sizeof(out)) == 0);

    uint8_t *pkt = NULL;
    size_t len = 0;
    CHECK(vk_rpc_encode(&h, NULL, NULL, &pkt, &len) == 0);
    CHECK(len == sizeof(header_only_call));
    CHECK(pkt && memcmp(pkt, header_only_call, len) == 0);
    free(pkt);
}

static void test_error_vector(void)
{
    char *hello = "Hello World", *one = "One", *two = "Two", *three = "Three";
    remote_error e;
    memset(&e, 0, sizeof(e));
    e.code = 1;
    e.domain = 7;
    e.message = &hello;
    e.level = 2;
    e.str1 = &one;
    e.str2 = &two;
    e.str3 = &three;
    e.int1 = 1;
    e.int2 = 2;
    struct vk_rpc_header h = {0x11223344, 1, 0x666, VK_RPC_MESSAGE, 0x99, VK_RPC_ERROR};
    uint8_t *pkt = NULL;
    size_t len = 0;
    CHECK(vk_rpc_encode(&h, (xdrproc_t)xdr_remote_error, &e, &pkt, &len) == 0);
    CHECK(len == sizeof(error_message));
    CHECK(pkt && len == sizeof(error_message) && memcmp(pkt, error_message, len) == 0);
    free(pkt);

    struct vk_rpc_header d;
    CHECK(vk_rpc_header_decode(error_message, sizeof(error_message), &d) == 0);
    CHECK(d.type == VK_RPC_MESSAGE && d.status == VK_RPC_ERROR);
    struct vk_error err;
    CHECK(vk_rpc_decode_error(error_message, sizeof(error_message), &err) == 0);
    CHECK(err.code == 1 && err.domain == 7);
    CHECK_STREQ(err.message, "Hello World");
}

static void test_limits(void)
{
    CHECK(vk_rpc_check_length(28) == 0);
    CHECK(vk_rpc_check_length(27) == -1);
    CHECK(vk_error_last()->code == VK_ERR_RPC);
    CHECK(strstr(vk_error_last()->message, "below the minimum") != NULL);
    CHECK(vk_rpc_check_length(0) == -1);
    CHECK(vk_rpc_check_length(16777216 + 4) == 0);
    CHECK(vk_rpc_check_length(16777216 + 5) == -1);
    CHECK(strstr(vk_error_last()->message, "exceeds the maximum") != NULL);
    CHECK(vk_rpc_check_length(0xffffffffu) == -1);

    struct vk_rpc_header h;
    /* truncated: fewer bytes than a header */
    CHECK(vk_rpc_header_decode(header_only_call, 20, &h) == -1);
    /* length word disagrees with the bytes given */
    uint8_t bad[32];
    memcpy(bad, header_only_call, 28);
    memset(bad + 28, 0, 4);
    CHECK(vk_rpc_header_decode(bad, 32, &h) == -1);
    vk_rpc_put_u32(bad, 16);
    CHECK(vk_rpc_header_decode(bad, 28, &h) == -1);
}

static void test_reply_and_args(void)
{
    /* CONNECT_OPEN call with name "qemu:///system", flags 0 */
    char *uri = "qemu:///system";
    remote_connect_open_args a = {&uri, 0};
    struct vk_rpc_header h = {REMOTE_PROGRAM, 1, REMOTE_PROC_CONNECT_OPEN, VK_RPC_CALL, 2, 0};
    uint8_t *pkt = NULL;
    size_t len = 0;
    CHECK(vk_rpc_encode(&h, (xdrproc_t)xdr_remote_connect_open_args, &a, &pkt, &len) == 0);
    /* 28 + ptr(4) + len(4) + 14 bytes padded to 16 + flags(4) */
    CHECK(len == 28 + 4 + 4 + 16 + 4);
    remote_connect_open_args d;
    memset(&d, 0, sizeof(d));
    CHECK(vk_rpc_decode_payload(pkt, len, (xdrproc_t)xdr_remote_connect_open_args, &d) == 0);
    CHECK(d.name && *d.name && strcmp(*d.name, "qemu:///system") == 0);
    vk_rpc_free((xdrproc_t)xdr_remote_connect_open_args, &d);

    /* trailing garbage is refused */
    uint8_t *longer = malloc(len + 4);
    memcpy(longer, pkt, len);
    memset(longer + len, 0, 4);
    vk_rpc_put_u32(longer, len + 4);
    memset(&d, 0, sizeof(d));
    CHECK(vk_rpc_decode_payload(longer, len + 4, (xdrproc_t)xdr_remote_connect_open_args, &d) ==
          -1);
    /* truncated payload is refused */
    memset(&d, 0, sizeof(d));
    CHECK(vk_rpc_decode_payload(pkt, len - 6, (xdrproc_t)xdr_remote_connect_open_args, &d) == -1);
    CHECK(vk_error_last()->code == VK_ERR_RPC);
    free(longer);
    free(pkt);

    /* void call with a payload is refused */
    CHECK(vk_rpc_decode_payload(error_message, sizeof(error_message), NULL, NULL) == -1);

    /* an error reply echoes the call and carries code/domain/message */
    CHECK(vk_rpc_encode_error_msg(&h, VK_ERR_NO_SUPPORT, VK_FROM_RPC, "unknown procedure: 9999",
                                  &pkt, &len) == 0);
    struct vk_rpc_header r;
    CHECK(vk_rpc_header_decode(pkt, len, &r) == 0);
    CHECK(r.prog == REMOTE_PROGRAM && r.proc == 1 && r.serial == 2);
    CHECK(r.type == VK_RPC_REPLY && r.status == VK_RPC_ERROR);
    struct vk_error err;
    CHECK(vk_rpc_decode_error(pkt, len, &err) == 0);
    CHECK(err.code == VK_ERR_NO_SUPPORT && err.domain == VK_FROM_RPC);
    CHECK_STREQ(err.message, "unknown procedure: 9999");
    free(pkt);

    /* GET_INFO ret: u_char and u_short are 4 bytes each on the wire */
    remote_domain_get_info_ret gi = {5, 262144, 262144, 1, 0};
    struct vk_rpc_header rh = {REMOTE_PROGRAM, 1, 16, VK_RPC_REPLY, 8, 0};
    CHECK(vk_rpc_encode(&rh, (xdrproc_t)xdr_remote_domain_get_info_ret, &gi, &pkt, &len) == 0);
    CHECK(len == 28 + 4 + 8 + 8 + 4 + 8);
    CHECK(len > 31 && pkt[31] == 5);
    free(pkt);
}

static void test_proc_table(void)
{
    size_t n;
    const struct vk_rpc_proc_info *t = vk_rpc_proc_table(&n);
    CHECK(n >= 40);
    for (size_t i = 1; i < n; i++)
        CHECK(t[i - 1].proc < t[i].proc); /* bsearch needs it sorted */
    for (size_t i = 0; i < n; i++) {
        CHECK(vk_rpc_proc_info(t[i].proc) == &t[i]);
        CHECK((t[i].args_xdr == NULL) == (t[i].args_size == 0));
        CHECK((t[i].ret_xdr == NULL) == (t[i].ret_size == 0));
    }
    /* numbers are libvirt's */
    CHECK_STREQ(vk_rpc_proc_info(273)->name, "CONNECT_LIST_ALL_DOMAINS");
    CHECK_STREQ(vk_rpc_proc_info(22)->name, "DOMAIN_LOOKUP_BY_ID");
    CHECK_STREQ(vk_rpc_proc_info(426)->api, "virDomainGetMessages");
    CHECK(vk_rpc_proc_info(9999) == NULL);
    CHECK(vk_rpc_proc_info(0) == NULL);
}

int main(void)
{
    test_proc_table();
    test_header_vector();
    test_error_vector();
    test_limits();
    test_reply_and_args();
    TEST_MAIN_END();
}
