/* Packets of libvirt's remote protocol: framing, header, limits, and XDR
 * encode/decode of payloads. Transport-agnostic (no sockets here): the
 * server connection (rpc_server_conn.h) and the client library
 * (src/client) both build on these.
 *
 * A packet on the wire:
 *   u32 length   total bytes including this word (28 .. 16 MiB + 4)
 *   u32 prog, u32 vers, i32 proc, i32 type, u32 serial, i32 status
 *   payload      XDR of the procedure's args/ret struct, or remote_error
 * All integers big-endian. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/remote_protocol.h"
#include "util/vk_error.h"

#define VK_RPC_LEN_SIZE 4u                                       /* the length word */
#define VK_RPC_HEADER_SIZE 24u                                   /* six 4-byte fields */
#define VK_RPC_MIN_PACKET (VK_RPC_LEN_SIZE + VK_RPC_HEADER_SIZE) /* 28 */
/* Header + payload may be 16 MiB; the length word counts itself too. */
#define VK_RPC_MAX_PACKET (VK_RPC_LEN_SIZE + 16777216u)
#define VK_RPC_MAX_PAYLOAD (VK_RPC_MAX_PACKET - VK_RPC_MIN_PACKET)

/* Message types and statuses (virNetMessageType / virNetMessageStatus). */
enum {
    VK_RPC_CALL = 0,
    VK_RPC_REPLY = 1,
    VK_RPC_MESSAGE = 2,
    VK_RPC_STREAM = 3,
    VK_RPC_CALL_WITH_FDS = 4,
    VK_RPC_REPLY_WITH_FDS = 5,
    VK_RPC_STREAM_HOLE = 6,
};
enum { VK_RPC_OK = 0, VK_RPC_ERROR = 1, VK_RPC_CONTINUE = 2 };

struct vk_rpc_header {
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    int32_t type;
    uint32_t serial;
    int32_t status;
};

/* Big-endian u32 at p. */
uint32_t vk_rpc_get_u32(const uint8_t *p);
void vk_rpc_put_u32(uint8_t *p, uint32_t v);

/* Checks a packet length word before anything else is read. Returns 0, or
 * -1 with VK_ERR_RPC set ("packet length N is below/above ..."). */
int vk_rpc_check_length(uint32_t len);

/* Decodes the header of a whole packet (pkt starts at the length word,
 * len bytes total). Checks the length word equals len and its limits.
 * Type and status values are not judged here (the dispatcher answers
 * unknown ones with an error reply). Returns 0 or -1 (VK_ERR_RPC set). */
int vk_rpc_header_decode(const uint8_t *pkt, size_t len, struct vk_rpc_header *hdr);
/* Writes length word + header (28 bytes) to out. */
void vk_rpc_header_encode(uint8_t out[VK_RPC_MIN_PACKET], uint32_t total_len,
                          const struct vk_rpc_header *hdr);

/* Builds a whole packet: header, then data encoded with proc (proc NULL or
 * (xdrproc_t)xdr_void: empty payload). *out is malloc'd. Returns 0, or -1
 * (VK_ERR_RPC) when the payload cannot be encoded or exceeds the limit. */
int vk_rpc_encode(const struct vk_rpc_header *hdr, xdrproc_t proc, const void *data, uint8_t **out,
                  size_t *outlen);
/* A REPLY with status OK to call (same prog/vers/proc/serial). */
int vk_rpc_encode_reply(const struct vk_rpc_header *call, xdrproc_t proc, const void *data,
                        uint8_t **out, size_t *outlen);
/* A REPLY with status ERROR carrying err (code, domain, message; level
 * error). Never fails for errors that fit a packet. */
int vk_rpc_encode_error(const struct vk_rpc_header *call, const struct vk_error *err, uint8_t **out,
                        size_t *outlen);
/* Same, from code/domain/message. */
int vk_rpc_encode_error_msg(const struct vk_rpc_header *call, int code, int domain,
                            const char *message, uint8_t **out, size_t *outlen);

/* Decodes the payload of a whole packet into data (which must be zeroed;
 * release it with vk_rpc_free). The payload must be consumed exactly.
 * Returns 0, or -1 with VK_ERR_RPC "cannot decode arguments of ..." (data
 * is then already freed). */
int vk_rpc_decode_payload(const uint8_t *pkt, size_t len, xdrproc_t proc, void *data);
/* Frees what decoding allocated inside data (not data itself). */
void vk_rpc_free(xdrproc_t proc, void *data);

/* Decodes a remote_error payload (client side) into err; the message is
 * copied (truncated to fit). Returns 0 or -1 (VK_ERR_RPC set). */
int vk_rpc_decode_error(const uint8_t *pkt, size_t len, struct vk_error *err);

/* Names for logs: "CALL", "REPLY", ...; "?" for unknown. */
const char *vk_rpc_type_name(int type);
