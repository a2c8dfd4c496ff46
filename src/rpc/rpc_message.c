#include "rpc/rpc_message.h"

#include <stdio.h>
#include <string.h>

#include "util/vk_alloc.h"

uint32_t vk_rpc_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void vk_rpc_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

int vk_rpc_check_length(uint32_t len)
{
    if (len < VK_RPC_MIN_PACKET)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            "packet length %u is below the minimum of %u bytes", len,
                            VK_RPC_MIN_PACKET);
    if (len > VK_RPC_MAX_PACKET)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            "packet length %u exceeds the maximum of %u bytes", len,
                            VK_RPC_MAX_PACKET);
    return 0;
}

int vk_rpc_header_decode(const uint8_t *pkt, size_t len, struct vk_rpc_header *hdr)
{
    if (len < VK_RPC_MIN_PACKET)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            "truncated packet: %zu bytes, a header needs %u", len,
                            VK_RPC_MIN_PACKET);
    uint32_t word = vk_rpc_get_u32(pkt);
    if (vk_rpc_check_length(word) < 0)
        return -1;
    if (word != len)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            "packet length word says %u bytes but %zu were given", word, len);
    hdr->prog = vk_rpc_get_u32(pkt + 4);
    hdr->vers = vk_rpc_get_u32(pkt + 8);
    hdr->proc = (int32_t)vk_rpc_get_u32(pkt + 12);
    hdr->type = (int32_t)vk_rpc_get_u32(pkt + 16);
    hdr->serial = vk_rpc_get_u32(pkt + 20);
    hdr->status = (int32_t)vk_rpc_get_u32(pkt + 24);
    return 0;
}

void vk_rpc_header_encode(uint8_t out[VK_RPC_MIN_PACKET], uint32_t total_len,
                          const struct vk_rpc_header *hdr)
{
    vk_rpc_put_u32(out, total_len);
    vk_rpc_put_u32(out + 4, hdr->prog);
    vk_rpc_put_u32(out + 8, hdr->vers);
    vk_rpc_put_u32(out + 12, (uint32_t)hdr->proc);
    vk_rpc_put_u32(out + 16, (uint32_t)hdr->type);
    vk_rpc_put_u32(out + 20, hdr->serial);
    vk_rpc_put_u32(out + 24, (uint32_t)hdr->status);
}

static bool is_void_proc(xdrproc_t proc)
{
    /* void (*)(void) is the generic function pointer gcc lets us compare. */
    return proc == NULL || (void (*)(void))proc == (void (*)(void))xdr_void;
}

int vk_rpc_encode(const struct vk_rpc_header *hdr, xdrproc_t proc, const void *data, uint8_t **out,
                  size_t *outlen)
{
    size_t payload = 0;
    if (!is_void_proc(proc)) {
        /* xdr_sizeof walks the data once without allocating, so the
         * buffer is exact and oversized replies are caught up front. */
        payload = xdr_sizeof(proc, (void *)data);
        if (payload == 0)
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "cannot encode payload of procedure %d",
                                hdr->proc);
    }
    if (payload > VK_RPC_MAX_PAYLOAD)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            "reply of procedure %d is %zu bytes, above the %u byte limit",
                            hdr->proc, payload, VK_RPC_MAX_PAYLOAD);
    size_t total = VK_RPC_MIN_PACKET + payload;
    uint8_t *buf = vk_malloc(total);
    vk_rpc_header_encode(buf, (uint32_t)total, hdr);
    if (payload) {
        XDR xdr;
        xdrmem_create(&xdr, (char *)buf + VK_RPC_MIN_PACKET, (u_int)payload, XDR_ENCODE);
        bool ok = proc(&xdr, (void *)data) && xdr_getpos(&xdr) == payload;
        xdr_destroy(&xdr);
        if (!ok) {
            free(buf);
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "cannot encode payload of procedure %d",
                                hdr->proc);
        }
    }
    *out = buf;
    *outlen = total;
    return 0;
}

int vk_rpc_encode_reply(const struct vk_rpc_header *call, xdrproc_t proc, const void *data,
                        uint8_t **out, size_t *outlen)
{
    struct vk_rpc_header h = *call;
    h.type = VK_RPC_REPLY;
    h.status = VK_RPC_OK;
    return vk_rpc_encode(&h, proc, data, out, outlen);
}

int vk_rpc_encode_error_msg(const struct vk_rpc_header *call, int code, int domain,
                            const char *message, uint8_t **out, size_t *outlen)
{
    struct vk_rpc_header h = *call;
    h.type = call->type == VK_RPC_STREAM ? VK_RPC_STREAM : VK_RPC_REPLY;
    h.status = VK_RPC_ERROR;
    /* Clients print message verbatim ("error: <message>"); str1 mirrors it
     * as libvirt does for errors raised with one string argument. */
    char *msg = (char *)(message && *message ? message : "unknown error");
    remote_error e;
    memset(&e, 0, sizeof(e));
    e.code = code ? code : VK_ERR_INTERNAL_ERROR;
    e.domain = domain;
    e.message = &msg;
    e.level = 2; /* VIR_ERR_ERROR */
    e.str1 = &msg;
    return vk_rpc_encode(&h, (xdrproc_t)xdr_remote_error, &e, out, outlen);
}

int vk_rpc_encode_error(const struct vk_rpc_header *call, const struct vk_error *err, uint8_t **out,
                        size_t *outlen)
{
    return vk_rpc_encode_error_msg(call, err->code, err->domain, err->message, out, outlen);
}

int vk_rpc_decode_payload(const uint8_t *pkt, size_t len, xdrproc_t proc, void *data)
{
    if (len < VK_RPC_MIN_PACKET)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "truncated packet: %zu bytes", len);
    size_t payload = len - VK_RPC_MIN_PACKET;
    if (is_void_proc(proc)) {
        if (payload != 0)
            return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                                "unexpected %zu payload bytes for a call without arguments",
                                payload);
        return 0;
    }
    XDR xdr;
    xdrmem_create(&xdr, (char *)pkt + VK_RPC_MIN_PACKET, (u_int)payload, XDR_DECODE);
    bool ok = proc(&xdr, data);
    bool exact = ok && xdr_getpos(&xdr) == payload;
    xdr_destroy(&xdr);
    if (!exact) {
        xdr_free(proc, data);
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC,
                            ok ? "trailing bytes after the encoded arguments"
                               : "cannot decode the packet payload (malformed XDR)");
    }
    return 0;
}

void vk_rpc_free(xdrproc_t proc, void *data)
{
    if (!is_void_proc(proc))
        xdr_free(proc, data);
}

int vk_rpc_decode_error(const uint8_t *pkt, size_t len, struct vk_error *err)
{
    remote_error e;
    memset(&e, 0, sizeof(e));
    if (vk_rpc_decode_payload(pkt, len, (xdrproc_t)xdr_remote_error, &e) < 0)
        return -1;
    err->code = e.code;
    err->domain = e.domain;
    snprintf(err->message, sizeof(err->message), "%s",
             e.message && *e.message ? *e.message : "unknown error");
    xdr_free((xdrproc_t)xdr_remote_error, &e);
    return 0;
}

const char *vk_rpc_type_name(int type)
{
    static const char *const names[] = {"CALL",          "REPLY",          "MESSAGE",    "STREAM",
                                        "CALL_WITH_FDS", "REPLY_WITH_FDS", "STREAM_HOLE"};
    if (type < 0 || type >= (int)(sizeof(names) / sizeof(names[0])))
        return "?";
    return names[type];
}
