/* libvirtkit, feature "stats": host info, capabilities, domain statistics
 * and memory/vcpu resources (the calls behind vksh nodeinfo, domstats,
 * dommemstat, domblkstat, vcpucount, setmem, ...). */
#include <stdlib.h>
#include <string.h>

#include "client/vk_client_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

int vk_node_get_info(vk_connect *conn, struct vk_node_info *info)
{
    if (vk_client_check_conn(conn) < 0)
        return -1;
    if (!info)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_node_get_info_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_NODE_GET_INFO, NULL, NULL,
                        (xdrproc_t)xdr_remote_node_get_info_ret, &r) < 0)
        return -1;
    memset(info, 0, sizeof(*info));
    memcpy(info->model, r.model, sizeof(info->model) - 1);
    info->memory = r.memory;
    info->cpus = (unsigned)r.cpus;
    info->mhz = (unsigned)r.mhz;
    info->nodes = (unsigned)r.nodes;
    info->sockets = (unsigned)r.sockets;
    info->cores = (unsigned)r.cores;
    info->threads = (unsigned)r.threads;
    return 0;
}

char *vk_connect_get_capabilities(vk_connect *conn)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    remote_connect_get_capabilities_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_CONNECT_GET_CAPABILITIES, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_get_capabilities_ret, &r) < 0)
        return NULL;
    return r.capabilities; /* ours now */
}

char *vk_connect_get_domain_capabilities(vk_connect *conn, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype,
                                         unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    remote_connect_get_domain_capabilities_args a;
    char *e = (char *)emulator, *ar = (char *)arch, *m = (char *)machine, *v = (char *)virttype;
    a.emulatorbin = emulator ? &e : NULL;
    a.arch = arch ? &ar : NULL;
    a.machine = machine ? &m : NULL;
    a.virttype = virttype ? &v : NULL;
    a.flags = flags;
    remote_connect_get_domain_capabilities_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES,
                        (xdrproc_t)xdr_remote_connect_get_domain_capabilities_args, &a,
                        (xdrproc_t)xdr_remote_connect_get_domain_capabilities_ret, &r) < 0)
        return NULL;
    return r.capabilities;
}

/* ---- typed parameters ---- */

void vk_typed_params_free(struct vk_typed_param *params, int n)
{
    for (int i = 0; params && i < n; i++) {
        free(params[i].field);
        if (params[i].type == VK_TYPED_PARAM_STRING)
            free(params[i].value.s);
    }
    free(params);
}

struct vk_typed_param *vk_client_params_from_wire(const remote_typed_param *w, u_int n)
{
    struct vk_typed_param *p = vk_calloc(n ? n : 1, sizeof(*p));
    for (u_int i = 0; i < n; i++) {
        const remote_typed_param_value *v = &w[i].value;
        p[i].field = vk_strdup(w[i].field);
        p[i].type = v->type;
        switch (v->type) {
        case VK_TYPED_PARAM_INT:
            p[i].value.i = v->remote_typed_param_value_u.i;
            break;
        case VK_TYPED_PARAM_UINT:
            p[i].value.ui = v->remote_typed_param_value_u.ui;
            break;
        case VK_TYPED_PARAM_LLONG:
            p[i].value.l = v->remote_typed_param_value_u.l;
            break;
        case VK_TYPED_PARAM_ULLONG:
            p[i].value.ul = v->remote_typed_param_value_u.ul;
            break;
        case VK_TYPED_PARAM_DOUBLE:
            p[i].value.d = v->remote_typed_param_value_u.d;
            break;
        case VK_TYPED_PARAM_BOOLEAN:
            p[i].value.b = v->remote_typed_param_value_u.b;
            break;
        default:
            p[i].type = VK_TYPED_PARAM_STRING;
            p[i].value.s = vk_strdup(v->remote_typed_param_value_u.s);
            break;
        }
    }
    return p;
}

/* ---- statistics ---- */

void vk_domain_stats_free(struct vk_domain_stats_record *recs, int n)
{
    for (int i = 0; recs && i < n; i++) {
        vk_domain_free(recs[i].dom);
        vk_typed_params_free(recs[i].params, recs[i].nparams);
    }
    free(recs);
}

int vk_connect_get_all_domain_stats(vk_connect *conn, unsigned int stats, unsigned int flags,
                                    struct vk_domain_stats_record **out)
{
    if (vk_client_check_conn(conn) < 0)
        return -1;
    if (!out)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    *out = NULL;
    remote_connect_get_all_domain_stats_args a;
    memset(&a, 0, sizeof(a));
    a.stats = stats;
    a.flags = flags;
    remote_connect_get_all_domain_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
                        (xdrproc_t)xdr_remote_connect_get_all_domain_stats_args, &a,
                        (xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, &r) < 0)
        return -1;
    u_int n = r.retStats.retStats_len;
    struct vk_domain_stats_record *recs = vk_calloc(n ? n : 1, sizeof(*recs));
    for (u_int i = 0; i < n; i++) {
        remote_domain_stats_record *w = &r.retStats.retStats_val[i];
        recs[i].dom = vk_domain_from_wire(conn, &w->dom);
        recs[i].params = vk_client_params_from_wire(w->params.params_val, w->params.params_len);
        recs[i].nparams = (int)w->params.params_len;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, &r);
    *out = recs;
    return (int)n;
}

int vk_domain_memory_stats(vk_domain *dom, struct vk_domain_memory_stat *stats,
                           unsigned int nr_stats, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!stats && nr_stats)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result array");
    remote_domain_memory_stats_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.maxStats = nr_stats;
    a.flags = flags;
    remote_domain_memory_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_MEMORY_STATS,
                        (xdrproc_t)xdr_remote_domain_memory_stats_args, &a,
                        (xdrproc_t)xdr_remote_domain_memory_stats_ret, &r) < 0)
        return -1;
    u_int n = r.stats.stats_len < nr_stats ? r.stats.stats_len : nr_stats;
    for (u_int i = 0; i < n; i++) {
        stats[i].tag = r.stats.stats_val[i].tag;
        stats[i].val = r.stats.stats_val[i].val;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_domain_memory_stats_ret, &r);
    return (int)n;
}

int vk_domain_block_stats(vk_domain *dom, const char *disk, struct vk_typed_param **params)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!disk || !params)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no disk or result pointer");
    remote_domain_block_stats_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.path = (char *)disk;
    a.nparams = REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX;
    a.flags = 0;
    remote_domain_block_stats_flags_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS,
                        (xdrproc_t)xdr_remote_domain_block_stats_flags_args, &a,
                        (xdrproc_t)xdr_remote_domain_block_stats_flags_ret, &r) < 0)
        return -1;
    *params = vk_client_params_from_wire(r.params.params_val, r.params.params_len);
    int n = (int)r.params.params_len;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_block_stats_flags_ret, &r);
    return n;
}

int vk_domain_interface_stats(vk_domain *dom, const char *iface,
                              struct vk_domain_interface_stats *st)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!iface || !st)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no interface or result pointer");
    remote_domain_interface_stats_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.path = (char *)iface;
    remote_domain_interface_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_INTERFACE_STATS,
                        (xdrproc_t)xdr_remote_domain_interface_stats_args, &a,
                        (xdrproc_t)xdr_remote_domain_interface_stats_ret, &r) < 0)
        return -1;
    st->rx_bytes = r.rx_bytes;
    st->rx_packets = r.rx_packets;
    st->rx_errs = r.rx_errs;
    st->rx_drop = r.rx_drop;
    st->tx_bytes = r.tx_bytes;
    st->tx_packets = r.tx_packets;
    st->tx_errs = r.tx_errs;
    st->tx_drop = r.tx_drop;
    return 0;
}

int vk_domain_get_cpu_stats_total(vk_domain *dom, struct vk_typed_param **params)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!params)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_cpu_stats_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.nparams = 16;
    a.start_cpu = -1;
    a.ncpus = 1;
    a.flags = 0;
    remote_domain_get_cpu_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_CPU_STATS,
                        (xdrproc_t)xdr_remote_domain_get_cpu_stats_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_cpu_stats_ret, &r) < 0)
        return -1;
    *params = vk_client_params_from_wire(r.params.params_val, r.params.params_len);
    int n = (int)r.params.params_len;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_cpu_stats_ret, &r);
    return n;
}

int vk_domain_get_vcpus(vk_domain *dom, struct vk_vcpu_info *info, int maxinfo)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!info || maxinfo < 1)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result array");
    remote_domain_get_vcpus_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.maxinfo = maxinfo;
    a.maplen = 0;
    remote_domain_get_vcpus_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_VCPUS,
                        (xdrproc_t)xdr_remote_domain_get_vcpus_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_vcpus_ret, &r) < 0)
        return -1;
    int n = (int)r.info.info_len < maxinfo ? (int)r.info.info_len : maxinfo;
    for (int i = 0; i < n; i++) {
        info[i].number = r.info.info_val[i].number;
        info[i].state = r.info.info_val[i].state;
        info[i].cpu_time = r.info.info_val[i].cpu_time;
        info[i].cpu = r.info.info_val[i].cpu;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_vcpus_ret, &r);
    return n;
}

int vk_domain_get_vcpus_flags(vk_domain *dom, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_get_vcpus_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_get_vcpus_flags_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS,
                        (xdrproc_t)xdr_remote_domain_get_vcpus_flags_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_vcpus_flags_ret, &r) < 0)
        return -1;
    return r.num;
}

int vk_domain_set_memory_flags(vk_domain *dom, unsigned long long kib, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_set_memory_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.memory = kib;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS,
                           (xdrproc_t)xdr_remote_domain_set_memory_flags_args, &a, NULL, NULL);
}

int vk_domain_set_vcpus_flags(vk_domain *dom, unsigned int nvcpus, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_set_vcpus_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.nvcpus = nvcpus;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS,
                           (xdrproc_t)xdr_remote_domain_set_vcpus_flags_args, &a, NULL, NULL);
}

int vk_domain_set_memory_stats_period(vk_domain *dom, int period, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_set_memory_stats_period_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.period = period;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD,
                           (xdrproc_t)xdr_remote_domain_set_memory_stats_period_args, &a, NULL,
                           NULL);
}
