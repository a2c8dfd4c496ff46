/* Builds valid packets of the kind stock virsh exchanges with libvirtd (see
 * protocol-traces.md) and checks they match the fuzz seeds committed in
 * fuzz/seeds/rpc_packet/, so seeds stay valid as the protocol code moves.
 *   rpc_seeds --write DIR   writes the seed files
 *   rpc_seeds DIR           checks DIR holds exactly these bytes */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc_message.h"
#include "rpc/rpc_procs.h"

struct seed {
    const char *name;
    uint8_t *data;
    size_t len;
};

static struct seed seeds[32];
static size_t nseeds;

static void add(const char *name, int proc, int type, int status, uint32_t serial, xdrproc_t xdr,
                const void *data)
{
    struct vk_rpc_header h = {REMOTE_PROGRAM, 1, proc, type, serial, status};
    struct seed *s = &seeds[nseeds++];
    s->name = name;
    if (vk_rpc_encode(&h, xdr, data, &s->data, &s->len) < 0) {
        fprintf(stderr, "cannot encode seed %s\n", name);
        exit(1);
    }
}

static void build(void)
{
    static char uri[] = "qemu:///system", name[] = "lab-proc";
    char *urip = uri;
    remote_connect_open_args open_args = {&urip, 0};
    add("call_auth_list", REMOTE_PROC_AUTH_LIST, VK_RPC_CALL, 0, 0, NULL, NULL);
    add("call_connect_open", REMOTE_PROC_CONNECT_OPEN, VK_RPC_CALL, 0, 2,
        (xdrproc_t)xdr_remote_connect_open_args, &open_args);
    remote_connect_supports_feature_args feat = {10};
    add("call_supports_feature", REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, VK_RPC_CALL, 0, 1,
        (xdrproc_t)xdr_remote_connect_supports_feature_args, &feat);
    remote_connect_list_all_domains_args la = {1, 3};
    add("call_list_all_domains", REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, VK_RPC_CALL, 0, 6,
        (xdrproc_t)xdr_remote_connect_list_all_domains_args, &la);
    remote_domain_lookup_by_name_args lbn = {name};
    add("call_lookup_by_name", REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, VK_RPC_CALL, 0, 6,
        (xdrproc_t)xdr_remote_domain_lookup_by_name_args, &lbn);
    remote_nonnull_domain dom = {name, {0}, -1};
    for (int i = 0; i < 16; i++)
        dom.uuid[i] = (char)(0xd2 + i * 7);
    remote_domain_flags_args gs = {dom, 0};
    add("call_get_state", REMOTE_PROC_DOMAIN_GET_STATE, VK_RPC_CALL, 0, 7,
        (xdrproc_t)xdr_remote_domain_get_state_args, &gs);
    static char xml[] = "<domain type='qemu'><name>lab-proc</name><memory unit='MiB'>64"
                        "</memory><os><type arch='x86_64'>hvm</type></os></domain>";
    remote_domain_define_xml_args def = {xml};
    add("call_define_xml", REMOTE_PROC_DOMAIN_DEFINE_XML, VK_RPC_CALL, 0, 6,
        (xdrproc_t)xdr_remote_domain_define_xml_args, &def);
    remote_connect_list_all_domains_ret lr = {{1, &dom}, 1};
    add("reply_list_all_domains", REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, VK_RPC_REPLY, 0, 6,
        (xdrproc_t)xdr_remote_connect_list_all_domains_ret, &lr);
    remote_domain_get_info_ret gi = {5, 262144, 262144, 1, 0};
    add("reply_get_info", REMOTE_PROC_DOMAIN_GET_INFO, VK_RPC_REPLY, 0, 8,
        (xdrproc_t)xdr_remote_domain_get_info_ret, &gi);
    remote_domain_flags_args ud = {dom, 0};
    add("call_undefine_flags", REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, VK_RPC_CALL, 0, 10,
        (xdrproc_t)xdr_remote_domain_undefine_flags_args, &ud);
    struct vk_rpc_header eh = {REMOTE_PROGRAM, 1, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                               VK_RPC_CALL,    6, 0};
    struct seed *s = &seeds[nseeds++];
    s->name = "reply_error_no_domain";
    vk_rpc_encode_error_msg(&eh, VK_ERR_NO_DOMAIN, VK_FROM_QEMU,
                            "Domain not found: no domain with matching name 'lab-proc'", &s->data,
                            &s->len);
    /* keepalive PING */
    struct vk_rpc_header kh = {KEEPALIVE_PROGRAM, 1, KEEPALIVE_PROC_PING, VK_RPC_MESSAGE, 0, 0};
    s = &seeds[nseeds++];
    s->name = "keepalive_ping";
    vk_rpc_encode(&kh, NULL, NULL, &s->data, &s->len);
    /* A whole session start as one stream: AUTH_LIST, feature, OPEN. */
    s = &seeds[nseeds++];
    s->name = "stream_session_start";
    s->len = seeds[0].len + seeds[2].len + seeds[1].len;
    s->data = malloc(s->len);
    memcpy(s->data, seeds[0].data, seeds[0].len);
    memcpy(s->data + seeds[0].len, seeds[2].data, seeds[2].len);
    memcpy(s->data + seeds[0].len + seeds[2].len, seeds[1].data, seeds[1].len);
}

int main(int argc, char **argv)
{
    bool write = argc == 3 && strcmp(argv[1], "--write") == 0;
    if (argc != 2 && !write) {
        fprintf(stderr, "usage: rpc_seeds [--write] DIR\n");
        return 2;
    }
    const char *dir = argv[argc - 1];
    build();
    int bad = 0;
    for (size_t i = 0; i < nseeds; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.bin", dir, seeds[i].name);
        if (write) {
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(seeds[i].data, 1, seeds[i].len, f) != seeds[i].len) {
                fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
                bad++;
            }
            if (f)
                fclose(f);
        } else {
            FILE *f = fopen(path, "rb");
            uint8_t *buf = malloc(seeds[i].len + 1);
            size_t n = f ? fread(buf, 1, seeds[i].len + 1, f) : 0;
            if (!f || n != seeds[i].len || memcmp(buf, seeds[i].data, n) != 0) {
                fprintf(stderr, "seed %s is missing or differs from the packet built now\n", path);
                bad++;
            }
            if (f)
                fclose(f);
            free(buf);
        }
        free(seeds[i].data);
    }
    printf("%zu seeds %s\n", nseeds, write ? "written" : "checked");
    return bad ? 1 : 0;
}
