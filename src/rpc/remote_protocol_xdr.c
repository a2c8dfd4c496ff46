/* Compiles the rpcgen-generated XDR routines (remote_protocol_xdr_body.h, made
 * from remote_protocol.x at build time) against the generated header. */
#include "rpc/remote_protocol.h"

#include "remote_protocol_xdr_body.h"
