/* What each REMOTE procedure carries: its name, the libvirt API it
 * implements, and the XDR routines and C sizes of its args and ret structs.
 * One table for the server (decode args, encode ret), the client library
 * (encode args, decode ret) and the fuzz target. */
#pragma once
#include <stddef.h>

#include "rpc/rpc_message.h"

struct vk_rpc_proc_info {
    int proc;
    const char *name;   /* "DOMAIN_CREATE" */
    const char *api;    /* "virDomainCreate": named in error messages */
    xdrproc_t args_xdr; /* NULL: no arguments */
    size_t args_size;
    xdrproc_t ret_xdr; /* NULL: empty reply */
    size_t ret_size;
};

/* NULL for a procedure virtkit does not know. */
const struct vk_rpc_proc_info *vk_rpc_proc_info(int proc);
/* All known procedures (for tests and the fuzzer). */
const struct vk_rpc_proc_info *vk_rpc_proc_table(size_t *n);
