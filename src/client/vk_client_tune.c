/* libvirtkit, feature "tune": memtune, schedinfo and per-CPU times (the
 * calls behind vksh memtune, schedinfo, cpu-stats). */
#include <stdlib.h>
#include <string.h>

#include "client/vk_client_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

/* Wire limits (libvirt's REMOTE_DOMAIN_*_PARAMETERS_MAX, per-CPU call). */
#define TUNE_PARAMS_MAX 16
#define CPU_STATS_NCPUS_MAX 128

remote_typed_param *vk_client_params_to_wire(const struct vk_typed_param *p, int n)
{
    remote_typed_param *w = vk_calloc(n > 0 ? (size_t)n : 1, sizeof(*w));
    for (int i = 0; i < n; i++) {
        remote_typed_param_value *v = &w[i].value;
        w[i].field = vk_strdup(p[i].field);
        v->type = p[i].type;
        switch (p[i].type) {
        case VK_TYPED_PARAM_INT:
            v->remote_typed_param_value_u.i = p[i].value.i;
            break;
        case VK_TYPED_PARAM_UINT:
            v->remote_typed_param_value_u.ui = p[i].value.ui;
            break;
        case VK_TYPED_PARAM_LLONG:
            v->remote_typed_param_value_u.l = p[i].value.l;
            break;
        case VK_TYPED_PARAM_ULLONG:
            v->remote_typed_param_value_u.ul = p[i].value.ul;
            break;
        case VK_TYPED_PARAM_DOUBLE:
            v->remote_typed_param_value_u.d = p[i].value.d;
            break;
        case VK_TYPED_PARAM_BOOLEAN:
            v->remote_typed_param_value_u.b = p[i].value.b;
            break;
        default:
            v->type = VK_TYPED_PARAM_STRING;
            v->remote_typed_param_value_u.s = vk_strdup(p[i].value.s ? p[i].value.s : "");
            break;
        }
    }
    return w;
}

static int check_set(vk_domain *dom, const struct vk_typed_param *params, int n)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (n < 0 || n > TUNE_PARAMS_MAX || (n && !params))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "between 0 and %d parameters, not %d", TUNE_PARAMS_MAX, n);
    return 0;
}

int vk_domain_get_memory_parameters(vk_domain *dom, struct vk_typed_param **params,
                                    unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!params)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_memory_parameters_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.nparams = TUNE_PARAMS_MAX;
    a.flags = flags;
    remote_domain_get_memory_parameters_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS,
                        (xdrproc_t)xdr_remote_domain_get_memory_parameters_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_memory_parameters_ret, &r) < 0)
        return -1;
    *params = vk_client_params_from_wire(r.params.params_val, r.params.params_len);
    int n = (int)r.params.params_len;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_memory_parameters_ret, &r);
    return n;
}

int vk_domain_set_memory_parameters(vk_domain *dom, const struct vk_typed_param *params, int n,
                                    unsigned int flags)
{
    if (check_set(dom, params, n) < 0)
        return -1;
    remote_domain_set_memory_parameters_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.params.params_val = vk_client_params_to_wire(params, n);
    a.params.params_len = (u_int)n;
    a.flags = flags;
    int r = vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS,
                            (xdrproc_t)xdr_remote_domain_set_memory_parameters_args, &a, NULL,
                            NULL);
    a.dom.name = NULL; /* borrowed from dom */
    vk_rpc_free((xdrproc_t)xdr_remote_domain_set_memory_parameters_args, &a);
    return r;
}

char *vk_domain_get_scheduler_type(vk_domain *dom, int *nparams)
{
    if (vk_client_check_dom(dom) < 0)
        return NULL;
    remote_domain_get_scheduler_type_args a;
    vk_domain_to_wire(dom, &a.dom);
    remote_domain_get_scheduler_type_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE,
                        (xdrproc_t)xdr_remote_domain_get_scheduler_type_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_scheduler_type_ret, &r) < 0)
        return NULL;
    char *type = vk_strdup(r.type);
    if (nparams)
        *nparams = r.nparams;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_scheduler_type_ret, &r);
    return type;
}

int vk_domain_get_scheduler_parameters_flags(vk_domain *dom, struct vk_typed_param **params,
                                             unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!params)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_scheduler_parameters_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.nparams = TUNE_PARAMS_MAX;
    a.flags = flags;
    remote_domain_get_scheduler_parameters_flags_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS,
                        (xdrproc_t)xdr_remote_domain_get_scheduler_parameters_flags_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_scheduler_parameters_flags_ret, &r) < 0)
        return -1;
    *params = vk_client_params_from_wire(r.params.params_val, r.params.params_len);
    int n = (int)r.params.params_len;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_scheduler_parameters_flags_ret, &r);
    return n;
}

int vk_domain_set_scheduler_parameters_flags(vk_domain *dom, const struct vk_typed_param *params,
                                             int n, unsigned int flags)
{
    if (check_set(dom, params, n) < 0)
        return -1;
    remote_domain_set_scheduler_parameters_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.params.params_val = vk_client_params_to_wire(params, n);
    a.params.params_len = (u_int)n;
    a.flags = flags;
    int r = vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS,
                            (xdrproc_t)xdr_remote_domain_set_scheduler_parameters_flags_args, &a,
                            NULL, NULL);
    a.dom.name = NULL;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_set_scheduler_parameters_flags_args, &a);
    return r;
}

int vk_domain_get_cpu_stats_percpu(vk_domain *dom, int start_cpu, int ncpus,
                                   struct vk_typed_param **params, int *per_cpu)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (start_cpu < 0 || ncpus < 0 || ncpus > CPU_STATS_NCPUS_MAX || (ncpus && (!params || !per_cpu)))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "start_cpu %d / ncpus %d out of range (ncpus at most %d)", start_cpu,
                            ncpus, CPU_STATS_NCPUS_MAX);
    remote_domain_get_cpu_stats_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.nparams = ncpus ? TUNE_PARAMS_MAX : 0;
    a.start_cpu = ncpus ? start_cpu : 0;
    a.ncpus = (unsigned)ncpus;
    a.flags = 0;
    remote_domain_get_cpu_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_CPU_STATS,
                        (xdrproc_t)xdr_remote_domain_get_cpu_stats_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_cpu_stats_ret, &r) < 0)
        return -1;
    int n = ncpus ? (int)r.params.params_len : r.nparams;
    if (ncpus) {
        *params = vk_client_params_from_wire(r.params.params_val, r.params.params_len);
        *per_cpu = r.nparams;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_cpu_stats_ret, &r);
    return n;
}
