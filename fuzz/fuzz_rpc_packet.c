/* Fuzz target: arbitrary bytes through the packet decoder and the argument
 * decoding the daemon does for every procedure (and the error decoding the
 * client does), as a stream of packets like a socket delivers them. No
 * daemon needed. Must never crash, leak or trip a sanitizer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc_message.h"
#include "rpc/rpc_procs.h"

static void decode_as(const uint8_t *pkt, size_t len, xdrproc_t proc, size_t size)
{
    if (!proc || !size)
        return;
    void *data = calloc(1, size);
    if (!data)
        return;
    if (vk_rpc_decode_payload(pkt, len, proc, data) == 0) {
        /* Round trip: what decoded must encode again. */
        struct vk_rpc_header h = {REMOTE_PROGRAM, 1, 0, VK_RPC_REPLY, 0, VK_RPC_OK};
        uint8_t *out = NULL;
        size_t outlen = 0;
        if (vk_rpc_encode(&h, proc, data, &out, &outlen) == 0)
            free(out);
        vk_rpc_free(proc, data);
    }
    free(data);
}

static void one_packet(const uint8_t *pkt, size_t len)
{
    struct vk_rpc_header h;
    if (vk_rpc_header_decode(pkt, len, &h) < 0)
        return;
    if (h.status == VK_RPC_ERROR) {
        struct vk_error err;
        vk_rpc_decode_error(pkt, len, &err);
        return;
    }
    const struct vk_rpc_proc_info *info = vk_rpc_proc_info(h.proc);
    if (!info)
        return;
    /* Calls carry args (server side), replies carry ret (client side). */
    if (h.type == VK_RPC_CALL)
        decode_as(pkt, len, info->args_xdr, info->args_size);
    else
        decode_as(pkt, len, info->ret_xdr, info->ret_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (size - off >= 4) {
        uint32_t len = vk_rpc_get_u32(data + off);
        if (vk_rpc_check_length(len) < 0)
            return 0; /* the server closes the connection here */
        if (len > size - off) {
            /* Truncated last packet: the header decoder must refuse it. */
            struct vk_rpc_header h;
            vk_rpc_header_decode(data + off, size - off, &h);
            return 0;
        }
        /* A private copy, so reads past the packet are caught by ASan. */
        uint8_t *pkt = malloc(len);
        if (!pkt)
            return 0;
        memcpy(pkt, data + off, len);
        one_packet(pkt, len);
        free(pkt);
        off += len;
    }
    return 0;
}
