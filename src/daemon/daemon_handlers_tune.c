/* Handlers of feature "tune": memtune and schedinfo. Wire structs <-> the
 * driver calls of qemu_driver.h (section "tune"). */
#include <stdlib.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

#define DRV(call) ((call)->client->daemon->drv)
#define UUID(args) ((const uint8_t *)(args)->dom.uuid)

static int check_nparams(int nparams, int max)
{
    if (nparams < 0 || nparams > max)
        return vk_error_set(VK_ERR_RPC, VK_FROM_NONE, "nparams %d is out of range (0-%d)",
                            nparams, max);
    return 0;
}

int vk_h_get_scheduler_type(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_scheduler_type_args *args = a;
    remote_domain_get_scheduler_type_ret *ret = r;
    int n;
    if (vk_qemu_domain_get_sched_type(DRV(call), UUID(args), &n) < 0)
        return -1;
    ret->type = vk_strdup("posix");
    ret->nparams = n;
    return 0;
}

static int get_sched(struct vk_call *call, const uint8_t *uuid, int nparams, unsigned flags,
                     u_int *len, remote_typed_param **val)
{
    if (check_nparams(nparams, REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX) < 0)
        return -1;
    struct vk_tparams tp;
    if (vk_qemu_domain_get_sched_params(DRV(call), uuid, flags, &tp) < 0)
        return -1;
    vk_tparams_to_wire(&tp, (size_t)nparams, len, val);
    return 0;
}

int vk_h_get_scheduler_params(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_scheduler_parameters_args *args = a;
    remote_domain_get_scheduler_parameters_ret *ret = r;
    return get_sched(call, UUID(args), args->nparams, 0, &ret->params.params_len,
                     &ret->params.params_val);
}

int vk_h_get_scheduler_params_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_scheduler_parameters_flags_args *args = a;
    remote_domain_get_scheduler_parameters_flags_ret *ret = r;
    return get_sched(call, UUID(args), args->nparams, args->flags, &ret->params.params_len,
                     &ret->params.params_val);
}

static int set_params(struct vk_call *call, const uint8_t *uuid, const remote_typed_param *val,
                      u_int len, unsigned flags, bool memory)
{
    struct vk_tparams tp;
    vk_tparams_from_wire(val, len, &tp);
    int r = memory ? vk_qemu_domain_set_memory_params(DRV(call), uuid, tp.p, tp.n, flags)
                   : vk_qemu_domain_set_sched_params(DRV(call), uuid, tp.p, tp.n, flags);
    vk_tparams_clear(&tp);
    return r;
}

int vk_h_set_scheduler_params(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_scheduler_parameters_args *args = a;
    return set_params(call, UUID(args), args->params.params_val, args->params.params_len, 0,
                      false);
}

int vk_h_set_scheduler_params_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_scheduler_parameters_flags_args *args = a;
    return set_params(call, UUID(args), args->params.params_val, args->params.params_len,
                      args->flags, false);
}

int vk_h_set_memory_params(struct vk_call *call, void *a, void *r)
{
    remote_domain_set_memory_parameters_args *args = a;
    return set_params(call, UUID(args), args->params.params_val, args->params.params_len,
                      args->flags, true);
}

int vk_h_get_memory_params(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_memory_parameters_args *args = a;
    remote_domain_get_memory_parameters_ret *ret = r;
    if (check_nparams(args->nparams, REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX) < 0)
        return -1;
    struct vk_tparams tp;
    if (vk_qemu_domain_get_memory_params(DRV(call), UUID(args), args->flags, &tp) < 0)
        return -1;
    ret->nparams = (int)tp.n;
    /* nparams 0 asks only how many there are */
    vk_tparams_to_wire(&tp, (size_t)args->nparams, &ret->params.params_len,
                       &ret->params.params_val);
    return 0;
}
