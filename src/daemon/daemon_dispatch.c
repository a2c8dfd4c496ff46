/* Runs one decoded packet in a worker: the gatekeeping libvirtd does
 * (program, version, message type, authentication, open connection,
 * read-only), argument decoding, the handler, and the reply. Whatever is
 * wrong with a call, the client gets an error reply with the call's serial,
 * never a dropped connection (only framing errors close a connection). */
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

static void send_error(struct vk_call *call, const struct vk_error *err)
{
    uint8_t *pkt;
    size_t len;
    if (vk_rpc_encode_error(&call->hdr, err, &pkt, &len) < 0) {
        VK_ERROR("cannot encode error reply: %s", vk_error_last()->message);
        vk_rpc_conn_close(call->conn);
        return;
    }
    vk_rpc_conn_send(call->conn, pkt, len);
}

static void send_error_msg(struct vk_call *call, int code, int domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void send_error_msg(struct vk_call *call, int code, int domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vk_error_setv(code, domain, fmt, ap);
    va_end(ap);
    send_error(call, vk_error_last());
}

/* Checks what libvirtd checks before running a call. Returns 0 to run it,
 * -1 after sending the error reply. */
static int gatekeep(struct vk_call *call, const struct vk_rpc_proc_info *info,
                    const struct vk_dispatch *disp)
{
    const struct vk_rpc_header *h = &call->hdr;
    struct vk_srv_client *c = call->client;

    if (h->prog != REMOTE_PROGRAM) {
        send_error_msg(call, VK_ERR_RPC, VK_FROM_RPC,
                       "RPC error: cannot find program %u (0x%x) version %u", h->prog, h->prog,
                       h->vers);
        return -1;
    }
    if (h->vers != REMOTE_PROTOCOL_VERSION) {
        send_error_msg(call, VK_ERR_RPC, VK_FROM_RPC,
                       "RPC error: program 0x%x version %u is not supported (only version %d)",
                       h->prog, h->vers, REMOTE_PROTOCOL_VERSION);
        return -1;
    }
    if (h->type != VK_RPC_CALL) {
        send_error_msg(call, VK_ERR_RPC, VK_FROM_RPC,
                       h->type == VK_RPC_CALL_WITH_FDS
                           ? "RPC error: file descriptor passing is not supported (message type %d)"
                           : "RPC error: unexpected message type %d from the client",
                       h->type);
        return -1;
    }
    if (h->status != VK_RPC_OK) {
        send_error_msg(call, VK_ERR_RPC, VK_FROM_RPC,
                       "RPC error: unexpected message status %d in a call", h->status);
        return -1;
    }
    if (!disp || !info) {
        /* libvirt's wording, so clients show the usual message. */
        send_error_msg(call, VK_ERR_NO_SUPPORT, VK_FROM_RPC,
                       "this function is not supported by the connection driver: "
                       "unknown procedure: %d",
                       h->proc);
        return -1;
    }

    pthread_mutex_lock(&c->lock);
    bool authed = c->authenticated, opened = c->opened, ro = c->readonly;
    pthread_mutex_unlock(&c->lock);
    if (!authed && !(disp->flags & VK_PROC_PRE_AUTH)) {
        send_error_msg(call, VK_ERR_RPC, VK_FROM_RPC, "authentication required");
        return -1;
    }
    if (!opened && !(disp->flags & VK_PROC_PRE_OPEN)) {
        send_error_msg(call, VK_ERR_INTERNAL_ERROR, VK_FROM_RPC, "connection not open");
        return -1;
    }
    if (ro && (disp->flags & VK_PROC_MUTATING)) {
        send_error_msg(call, VK_ERR_OPERATION_DENIED, VK_FROM_NONE,
                       "operation forbidden: read only access prevents %s "
                       "(read-only connection cannot change domains)",
                       info->api);
        return -1;
    }
    return 0;
}

void vk_dispatch_call(struct vk_call *call)
{
    if (vk_rpc_header_decode(call->pkt, call->len, &call->hdr) < 0) {
        /* The connection checked the length word; this cannot happen. */
        vk_rpc_conn_close(call->conn);
        return;
    }
    const struct vk_rpc_header *h = &call->hdr;
    const struct vk_rpc_proc_info *info =
        h->prog == REMOTE_PROGRAM ? vk_rpc_proc_info(h->proc) : NULL;
    const struct vk_dispatch *disp = info ? vk_dispatch_find(h->proc) : NULL;

    VK_DEBUG("call prog=0x%x proc=%d (%s) type=%s serial=%u", h->prog, h->proc,
             info ? info->name : "?", vk_rpc_type_name(h->type), h->serial);

    if (gatekeep(call, info, disp) < 0)
        return;

    void *args = info->args_size ? vk_calloc(1, info->args_size) : NULL;
    void *ret = info->ret_size ? vk_calloc(1, info->ret_size) : NULL;
    if (vk_rpc_decode_payload(call->pkt, call->len, info->args_xdr, args) < 0) {
        vk_error_prefix("cannot decode arguments of %s", info->name);
        send_error(call, vk_error_last());
        free(args);
        free(ret);
        return;
    }

    vk_error_reset();
    int r = disp->fn(call, args, ret);
    if (r < 0) {
        const struct vk_error *e = vk_error_last();
        if (e->code == VK_ERR_OK)
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE, "%s failed for an unknown reason",
                         info->api);
        VK_DEBUG("%s failed: %s", info->name, vk_error_last()->message);
        send_error(call, vk_error_last());
    } else {
        uint8_t *pkt;
        size_t len;
        if (vk_rpc_encode_reply(&call->hdr, info->ret_xdr, ret, &pkt, &len) < 0)
            send_error(call, vk_error_last());
        else
            vk_rpc_conn_send(call->conn, pkt, len);
    }
    vk_rpc_free(info->args_xdr, args);
    vk_rpc_free(info->ret_xdr, ret);
    free(args);
    free(ret);
}
