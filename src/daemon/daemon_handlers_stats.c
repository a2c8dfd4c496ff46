/* Handlers of feature "stats": domain capabilities, statistics and memory /
 * vcpu resources. Wire structs <-> the driver calls of qemu_driver_stats.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

#define DRV(call) ((call)->client->daemon->drv)
#define UUID(args) ((const uint8_t *)(args)->dom.uuid)

/* Moves driver typed params onto the wire (strings are taken, tp emptied). */
void vk_tparams_to_wire(struct vk_tparams *tp, size_t max, u_int *len, remote_typed_param **val)
{
    size_t n = tp->n < max ? tp->n : max;
    *val = vk_calloc(n ? n : 1, sizeof(**val));
    for (size_t i = 0; i < n; i++) {
        struct vk_tparam *p = &tp->p[i];
        remote_typed_param *w = &(*val)[i];
        w->field = p->field;
        p->field = NULL;
        w->value.type = p->type;
        switch (p->type) {
        case VK_TP_INT:
            w->value.remote_typed_param_value_u.i = p->v.i;
            break;
        case VK_TP_UINT:
            w->value.remote_typed_param_value_u.ui = p->v.ui;
            break;
        case VK_TP_LLONG:
            w->value.remote_typed_param_value_u.l = p->v.l;
            break;
        case VK_TP_ULLONG:
            w->value.remote_typed_param_value_u.ul = p->v.ul;
            break;
        case VK_TP_DOUBLE:
            w->value.remote_typed_param_value_u.d = p->v.d;
            break;
        case VK_TP_BOOLEAN:
            w->value.remote_typed_param_value_u.b = p->v.i;
            break;
        default:
            w->value.type = VK_TP_STRING;
            w->value.remote_typed_param_value_u.s = p->v.s ? p->v.s : vk_strdup("");
            p->v.s = NULL;
            break;
        }
    }
    *len = (u_int)n;
    vk_tparams_clear(tp);
}

void vk_tparams_from_wire(const remote_typed_param *val, u_int len, struct vk_tparams *tp)
{
    tp->p = vk_calloc(len ? len : 1, sizeof(*tp->p));
    tp->n = len;
    for (u_int i = 0; i < len; i++) {
        struct vk_tparam *p = &tp->p[i];
        const remote_typed_param_value *v = &val[i].value;
        p->field = vk_strdup(val[i].field);
        p->type = v->type;
        switch (v->type) {
        case VK_TP_INT:
            p->v.i = v->remote_typed_param_value_u.i;
            break;
        case VK_TP_UINT:
            p->v.ui = v->remote_typed_param_value_u.ui;
            break;
        case VK_TP_LLONG:
            p->v.l = v->remote_typed_param_value_u.l;
            break;
        case VK_TP_ULLONG:
            p->v.ul = v->remote_typed_param_value_u.ul;
            break;
        case VK_TP_DOUBLE:
            p->v.d = v->remote_typed_param_value_u.d;
            break;
        case VK_TP_BOOLEAN:
            p->v.i = v->remote_typed_param_value_u.b;
            break;
        default:
            p->v.s = vk_strdup(v->remote_typed_param_value_u.s);
            break;
        }
    }
}

int vk_h_get_domain_capabilities(struct vk_call *call, void *a, void *r)
{
    remote_connect_get_domain_capabilities_args *args = a;
    char *xml = vk_qemu_domain_capabilities(
        DRV(call), args->emulatorbin ? *args->emulatorbin : NULL, args->arch ? *args->arch : NULL,
        args->machine ? *args->machine : NULL, args->virttype ? *args->virttype : NULL,
        args->flags);
    if (!xml)
        return -1;
    ((remote_connect_get_domain_capabilities_ret *)r)->capabilities = xml;
    return 0;
}

int vk_h_get_all_domain_stats(struct vk_call *call, void *a, void *r)
{
    remote_connect_get_all_domain_stats_args *args = a;
    remote_connect_get_all_domain_stats_ret *ret = r;
    size_t nu = args->doms.doms_len;
    uint8_t(*uuids)[VK_UUID_LEN] = vk_calloc(nu ? nu : 1, VK_UUID_LEN);
    for (size_t i = 0; i < nu; i++)
        memcpy(uuids[i], args->doms.doms_val[i].uuid, VK_UUID_LEN);
    struct vk_dom_stats *st = NULL;
    size_t n = 0;
    int rc = vk_qemu_get_all_domain_stats(DRV(call), (const uint8_t(*)[VK_UUID_LEN])uuids, nu,
                                          args->stats, args->flags, &st, &n);
    free(uuids);
    if (rc < 0)
        return -1;
    ret->retStats.retStats_val = vk_calloc(n ? n : 1, sizeof(remote_domain_stats_record));
    ret->retStats.retStats_len = (u_int)n;
    for (size_t i = 0; i < n; i++) {
        remote_domain_stats_record *rec = &ret->retStats.retStats_val[i];
        vk_ref_to_wire(st[i].ref, &rec->dom);
        vk_tparams_to_wire(&st[i].params, REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX,
                        &rec->params.params_len, &rec->params.params_val);
    }
    vk_dom_stats_free(st, n);
    return 0;
}

int vk_h_memory_stats(struct vk_call *call, void *a, void *r)
{
    remote_domain_memory_stats_args *args = a;
    remote_domain_memory_stats_ret *ret = r;
    if (args->flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for memory stats", args->flags);
    if (args->maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE, "maxStats %u is above the limit of %d",
                            args->maxStats, REMOTE_DOMAIN_MEMORY_STATS_MAX);
    struct vk_mem_stat *st = NULL;
    size_t n = 0;
    if (vk_qemu_domain_memory_stats(DRV(call), UUID(args), args->maxStats, &st, &n) < 0)
        return -1;
    ret->stats.stats_val = vk_calloc(n ? n : 1, sizeof(remote_domain_memory_stat));
    ret->stats.stats_len = (u_int)n;
    for (size_t i = 0; i < n; i++) {
        ret->stats.stats_val[i].tag = st[i].tag;
        ret->stats.stats_val[i].val = st[i].val;
    }
    free(st);
    return 0;
}

static long long tp_get(const struct vk_tparams *tp, const char *field)
{
    for (size_t i = 0; i < tp->n; i++)
        if (strcmp(tp->p[i].field, field) == 0)
            return tp->p[i].v.l;
    return -1;
}

int vk_h_block_stats(struct vk_call *call, void *a, void *r)
{
    remote_domain_block_stats_args *args = a;
    remote_domain_block_stats_ret *ret = r;
    struct vk_tparams tp;
    if (vk_qemu_domain_block_stats(DRV(call), UUID(args), args->path, &tp) < 0)
        return -1;
    ret->rd_req = tp_get(&tp, "rd_operations");
    ret->rd_bytes = tp_get(&tp, "rd_bytes");
    ret->wr_req = tp_get(&tp, "wr_operations");
    ret->wr_bytes = tp_get(&tp, "wr_bytes");
    ret->errs = -1; /* QEMU does not count errors */
    vk_tparams_clear(&tp);
    return 0;
}

int vk_h_block_stats_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_block_stats_flags_args *args = a;
    remote_domain_block_stats_flags_ret *ret = r;
    if (args->nparams < 0 || args->nparams > REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE, "nparams %d is out of range (0-%d)",
                            args->nparams, REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX);
    struct vk_tparams tp;
    if (vk_qemu_domain_block_stats(DRV(call), UUID(args), args->path, &tp) < 0)
        return -1;
    ret->nparams = (int)tp.n;
    /* nparams 0 asks only how many there are. */
    vk_tparams_to_wire(&tp, (size_t)args->nparams, &ret->params.params_len,
                    &ret->params.params_val);
    return 0;
}

int vk_h_interface_stats(struct vk_call *call, void *a, void *r)
{
    remote_domain_interface_stats_args *args = a;
    remote_domain_interface_stats_ret *ret = r;
    long long v[8];
    if (vk_qemu_domain_interface_stats(DRV(call), UUID(args), args->path, v) < 0)
        return -1;
    ret->rx_bytes = v[0];
    ret->rx_packets = v[1];
    ret->rx_errs = v[2];
    ret->rx_drop = v[3];
    ret->tx_bytes = v[4];
    ret->tx_packets = v[5];
    ret->tx_errs = v[6];
    ret->tx_drop = v[7];
    return 0;
}

int vk_h_get_cpu_stats(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_cpu_stats_args *args = a;
    remote_domain_get_cpu_stats_ret *ret = r;
    if (args->flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for CPU stats", args->flags);
    if (args->nparams > 16 || args->ncpus > 128)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE,
                            "nparams %u or ncpus %u is above the limits (16, 128)", args->nparams,
                            args->ncpus);
    if (args->start_cpu != -1) {
        /* feature "tune": per host CPU, from the domain's cgroup */
        struct vk_tparams pc;
        int per;
        if (vk_qemu_domain_cpu_stats_percpu(DRV(call), UUID(args), args->start_cpu, args->ncpus,
                                            args->nparams, &pc, &per) < 0)
            return -1;
        ret->nparams = per;
        vk_tparams_to_wire(&pc, pc.n, &ret->params.params_len, &ret->params.params_val);
        return 0;
    }
    if (args->ncpus != 1)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "the total CPU statistics take ncpus 1, not %u", args->ncpus);
    struct vk_tparams tp;
    if (vk_qemu_domain_cpu_stats(DRV(call), UUID(args), &tp) < 0)
        return -1;
    ret->nparams = (int)tp.n;
    vk_tparams_to_wire(&tp, args->nparams, &ret->params.params_len, &ret->params.params_val);
    return 0;
}

int vk_h_get_vcpus(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_vcpus_args *args = a;
    remote_domain_get_vcpus_ret *ret = r;
    if (args->maxinfo < 1 || args->maxinfo > REMOTE_VCPUINFO_MAX)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE, "maxinfo %d is out of range (1-%d)",
                            args->maxinfo, REMOTE_VCPUINFO_MAX);
    if (args->maplen < 0 ||
        (long long)args->maxinfo * args->maplen > REMOTE_CPUMAPS_MAX)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE, "maxinfo * maplen is above %d",
                            REMOTE_CPUMAPS_MAX);
    struct vk_vcpu_info *v = NULL;
    size_t n = 0;
    if (vk_qemu_domain_get_vcpus(DRV(call), UUID(args), &v, &n) < 0)
        return -1;
    if (n > (size_t)args->maxinfo)
        n = (size_t)args->maxinfo;
    ret->info.info_val = vk_calloc(n ? n : 1, sizeof(remote_vcpu_info));
    ret->info.info_len = (u_int)n;
    for (size_t i = 0; i < n; i++) {
        ret->info.info_val[i].number = v[i].number;
        ret->info.info_val[i].state = v[i].state;
        ret->info.info_val[i].cpu_time = v[i].cpu_time;
        ret->info.info_val[i].cpu = v[i].cpu;
    }
    free(v);
    /* No pinning: every vcpu may run on every online host CPU. */
    size_t maplen = (size_t)args->maplen, len = (size_t)args->maxinfo * maplen;
    ret->cpumaps.cpumaps_val = vk_calloc(len ? len : 1, 1);
    ret->cpumaps.cpumaps_len = (u_int)len;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    for (size_t i = 0; i < n; i++)
        for (long c = 0; c < ncpu && (size_t)c / 8 < maplen; c++)
            ret->cpumaps.cpumaps_val[i * maplen + (size_t)c / 8] |= (char)(1 << (c % 8));
    return 0;
}

int vk_h_get_vcpus_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_vcpus_flags_args *args = a;
    int n = vk_qemu_domain_get_vcpus_flags(DRV(call), UUID(args), args->flags);
    if (n < 0)
        return -1;
    ((remote_domain_get_vcpus_flags_ret *)r)->num = n;
    return 0;
}

int vk_h_dom_get_max_vcpus(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_max_vcpus_args *args = a;
    int n = vk_qemu_domain_get_vcpus_flags(DRV(call), UUID(args), VK_VCPU_MAXIMUM);
    if (n < 0)
        return -1;
    ((remote_domain_get_max_vcpus_ret *)r)->num = n;
    return 0;
}

int vk_h_get_max_memory(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_max_memory_args *args = a;
    unsigned long long kib;
    if (vk_qemu_domain_get_max_memory(DRV(call), UUID(args), &kib) < 0)
        return -1;
    ((remote_domain_get_max_memory_ret *)r)->memory = kib;
    return 0;
}

/* libvirt: virDomainSetMaxMemory affects the current state, SetMemory and
 * SetVcpus the live one. */
int vk_h_set_max_memory(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_max_memory_args *args = a;
    return vk_qemu_domain_set_memory(DRV(call), UUID(args), args->memory, VK_MEM_MAXIMUM);
}

int vk_h_set_memory(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_memory_args *args = a;
    return vk_qemu_domain_set_memory(DRV(call), UUID(args), args->memory, VK_AFFECT_LIVE);
}

int vk_h_set_memory_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_memory_flags_args *args = a;
    return vk_qemu_domain_set_memory(DRV(call), UUID(args), args->memory, args->flags);
}

int vk_h_set_vcpus(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_vcpus_args *args = a;
    return vk_qemu_domain_set_vcpus(DRV(call), UUID(args), args->nvcpus, VK_AFFECT_LIVE);
}

int vk_h_set_vcpus_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_vcpus_flags_args *args = a;
    return vk_qemu_domain_set_vcpus(DRV(call), UUID(args), args->nvcpus, args->flags);
}

/* virNodeGetCPUMap: python's dom.vcpus() sizes its maps with it. Host CPUs
 * 0..n-1, the online ones set. */
int vk_h_node_get_cpu_map(struct vk_call *call, void *a, void *r)
{
    remote_node_get_cpu_map_args *args = a;
    remote_node_get_cpu_map_ret *ret = r;
    if (args->flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "unsupported flags 0x%x for the CPU map", args->flags);
    long present = sysconf(_SC_NPROCESSORS_CONF), online = sysconf(_SC_NPROCESSORS_ONLN);
    if (present < 1)
        present = 1;
    if (present > REMOTE_CPUMAP_MAX * 8)
        present = REMOTE_CPUMAP_MAX * 8;
    if (online < 1 || online > present)
        online = present;
    if (args->need_map) {
        size_t len = ((size_t)present + 7) / 8;
        ret->cpumap.cpumap_val = vk_calloc(len, 1);
        ret->cpumap.cpumap_len = (u_int)len;
        for (long c = 0; c < online; c++)
            ret->cpumap.cpumap_val[c / 8] |= (char)(1 << (c % 8));
    }
    if (args->need_online)
        ret->online = (u_int)online;
    ret->ret = (int)present;
    return 0;
}

int vk_h_set_memory_stats_period(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_memory_stats_period_args *args = a;
    return vk_qemu_domain_set_memory_stats_period(DRV(call), UUID(args), args->period,
                                                  args->flags);
}
