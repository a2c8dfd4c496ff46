/* Feature "save": save/restore to a file, managed save, job info and abort.
 * Wire <-> driver only (qemu_driver.h "save" section). Job info and stats
 * never wait for the domain's job lock, so `virsh save --verbose` and
 * `virsh domjobinfo` answer while a save runs. */
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

#define DRV(call) ((call)->client->daemon->drv)

int vk_h_dom_save(struct vk_call *call, void *a, void *r)
{
    remote_domain_save_args *args = a;
    return vk_qemu_domain_save(DRV(call), (const uint8_t *)args->dom.uuid, args->to, NULL, 0);
}

int vk_h_dom_save_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_save_flags_args *args = a;
    return vk_qemu_domain_save(DRV(call), (const uint8_t *)args->dom.uuid, args->to,
                               args->dxml ? *args->dxml : NULL, args->flags);
}

int vk_h_dom_restore(struct vk_call *call, void *a, void *r)
{
    remote_domain_restore_args *args = a;
    return vk_qemu_domain_restore(DRV(call), args->from, NULL, 0);
}

int vk_h_dom_restore_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_restore_flags_args *args = a;
    return vk_qemu_domain_restore(DRV(call), args->from, args->dxml ? *args->dxml : NULL,
                                  args->flags);
}

/* Reading a save image is mutating in libvirt's eyes too (a read-only client
 * must not make the daemon open files by name), so it needs the rw socket. */
int vk_h_save_image_get_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_save_image_get_xml_desc_args *args = a;
    remote_domain_save_image_get_xml_desc_ret *ret = r;
    ret->xml = vk_qemu_save_image_get_xml(DRV(call), args->file, args->flags);
    return ret->xml ? 0 : -1;
}

int vk_h_save_image_define_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_save_image_define_xml_args *args = a;
    return vk_qemu_save_image_define_xml(DRV(call), args->file, args->dxml, args->flags);
}

int vk_h_managed_save_get_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_managed_save_get_xml_desc_args *args = a;
    remote_domain_managed_save_get_xml_desc_ret *ret = r;
    ret->xml =
        vk_qemu_managed_save_get_xml(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
    return ret->xml ? 0 : -1;
}

int vk_h_managed_save_define_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_managed_save_define_xml_args *args = a;
    return vk_qemu_managed_save_define_xml(DRV(call), (const uint8_t *)args->dom.uuid,
                                           args->dxml ? *args->dxml : NULL, args->flags);
}

int vk_h_dom_managed_save(struct vk_call *call, void *a, void *r)
{
    remote_domain_managed_save_args *args = a;
    return vk_qemu_domain_managed_save(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

int vk_h_dom_managed_save_remove(struct vk_call *call, void *a, void *r)
{
    remote_domain_managed_save_remove_args *args = a;
    return vk_qemu_domain_managed_save_remove(DRV(call), (const uint8_t *)args->dom.uuid,
                                              args->flags);
}

int vk_h_dom_get_job_info(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_job_info_args *args = a;
    remote_domain_get_job_info_ret *ret = r;
    struct vk_job_info ji;
    if (vk_qemu_domain_get_job_info(DRV(call), (const uint8_t *)args->dom.uuid, &ji) < 0)
        return -1;
    ret->type = ji.type;
    ret->timeElapsed = ji.time_elapsed_ms;
    ret->dataTotal = ret->memTotal = ji.data_total;
    ret->dataProcessed = ret->memProcessed = ji.data_processed;
    ret->dataRemaining = ret->memRemaining = ji.data_remaining;
    return 0;
}

static void add_ull(remote_typed_param *params, u_int *n, const char *field,
                    unsigned long long v)
{
    remote_typed_param *p = &params[(*n)++];
    p->field = vk_strdup(field);
    p->value.type = 4; /* VIR_TYPED_PARAM_ULLONG */
    p->value.remote_typed_param_value_u.ul = v;
}

void vk_daemon_job_params(const struct vk_job_info *ji, remote_typed_param **out, u_int *n)
{
    remote_typed_param *params = vk_calloc(8, sizeof(remote_typed_param));
    *n = 0;
    remote_typed_param *op = &params[(*n)++];
    op->field = vk_strdup("operation");
    op->value.type = 1; /* VIR_TYPED_PARAM_INT */
    op->value.remote_typed_param_value_u.i = ji->operation;
    add_ull(params, n, "time_elapsed", ji->time_elapsed_ms);
    add_ull(params, n, "data_total", ji->data_total);
    add_ull(params, n, "data_processed", ji->data_processed);
    add_ull(params, n, "data_remaining", ji->data_remaining);
    add_ull(params, n, "memory_total", ji->data_total);
    add_ull(params, n, "memory_processed", ji->data_processed);
    add_ull(params, n, "memory_remaining", ji->data_remaining);
    *out = params;
}

int vk_h_dom_get_job_stats(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_job_stats_args *args = a;
    remote_domain_get_job_stats_ret *ret = r;
    /* VIR_DOMAIN_JOB_STATS_COMPLETED 1: the last completed job (feature
     * "lifecycle"), forgotten once read unless KEEP_COMPLETED 2. */
    if (args->flags & ~3u)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x",
                            args->flags & ~3u);
    struct vk_job_info ji;
    const uint8_t *uuid = (const uint8_t *)args->dom.uuid;
    if ((args->flags & VK_JOB_STATS_COMPLETED)
            ? vk_qemu_domain_get_completed_job(DRV(call), uuid,
                                               args->flags & VK_JOB_STATS_KEEP_COMPLETED, &ji) < 0
            : vk_qemu_domain_get_job_info(DRV(call), uuid, &ji) < 0)
        return -1;
    ret->type = ji.type;
    if (ji.type != VK_JOB_NONE)
        vk_daemon_job_params(&ji, &ret->params.params_val, &ret->params.params_len);
    return 0;
}

int vk_h_dom_abort_job(struct vk_call *call, void *a, void *r)
{
    remote_domain_abort_job_args *args = a;
    return vk_qemu_domain_abort_job(DRV(call), (const uint8_t *)args->dom.uuid);
}
