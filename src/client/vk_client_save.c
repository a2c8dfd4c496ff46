/* Feature "save" in libvirtkit: save/restore to a file, managed save, job
 * info and abort (virDomainSave*, virDomainRestore*, virDomainManagedSave*,
 * virDomainGetJobStats, virDomainAbortJob). */
#include <stdlib.h>
#include <string.h>

#include "client/vk_client_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

int vk_domain_save(vk_domain *dom, const char *to, const char *dxml, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!to)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "save file path is missing");
    remote_domain_save_flags_args a;
    memset(&a, 0, sizeof(a));
    vk_domain_to_wire(dom, &a.dom);
    a.to = (char *)to;
    a.dxml = dxml ? (char **)&dxml : NULL;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_SAVE_FLAGS,
                           (xdrproc_t)xdr_remote_domain_save_flags_args, &a, NULL, NULL);
}

int vk_domain_restore(vk_connect *conn, const char *from, const char *dxml, unsigned int flags)
{
    vk_error_reset();
    if (!conn)
        return vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
    if (!from)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "save file path is missing");
    remote_domain_restore_flags_args a;
    memset(&a, 0, sizeof(a));
    a.from = (char *)from;
    a.dxml = dxml ? (char **)&dxml : NULL;
    a.flags = flags;
    return vk_connect_call(conn, REMOTE_PROC_DOMAIN_RESTORE_FLAGS,
                           (xdrproc_t)xdr_remote_domain_restore_flags_args, &a, NULL, NULL);
}

char *vk_domain_save_image_get_xml(vk_connect *conn, const char *file, unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    if (!file) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "save file path is missing");
        return NULL;
    }
    remote_domain_save_image_get_xml_desc_args a = {.file = (char *)file, .flags = flags};
    remote_domain_save_image_get_xml_desc_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_domain_save_image_get_xml_desc_args, &a,
                        (xdrproc_t)xdr_remote_domain_save_image_get_xml_desc_ret, &r) < 0)
        return NULL;
    return r.xml; /* the only field: the caller frees it */
}

int vk_domain_save_image_define_xml(vk_connect *conn, const char *file, const char *dxml,
                                    unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return -1;
    if (!file || !dxml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "save file path or domain XML is missing");
    remote_domain_save_image_define_xml_args a = {
        .file = (char *)file, .dxml = (char *)dxml, .flags = flags};
    return vk_connect_call(conn, REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML,
                           (xdrproc_t)xdr_remote_domain_save_image_define_xml_args, &a, NULL,
                           NULL);
}

char *vk_domain_managed_save_get_xml(vk_domain *dom, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return NULL;
    remote_domain_managed_save_get_xml_desc_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_managed_save_get_xml_desc_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_domain_managed_save_get_xml_desc_args, &a,
                        (xdrproc_t)xdr_remote_domain_managed_save_get_xml_desc_ret, &r) < 0)
        return NULL;
    return r.xml;
}

int vk_domain_managed_save_define_xml(vk_domain *dom, const char *dxml, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_managed_save_define_xml_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.dxml = dxml ? (char **)&dxml : NULL;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML,
                           (xdrproc_t)xdr_remote_domain_managed_save_define_xml_args, &a, NULL,
                           NULL);
}

static int flags_call(vk_domain *dom, int proc, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    return vk_connect_call(dom->conn, proc, (xdrproc_t)xdr_remote_domain_flags_args, &a, NULL,
                           NULL);
}

int vk_domain_managed_save(vk_domain *dom, unsigned int flags)
{
    return flags_call(dom, REMOTE_PROC_DOMAIN_MANAGED_SAVE, flags);
}

int vk_domain_managed_save_remove(vk_domain *dom, unsigned int flags)
{
    return flags_call(dom, REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, flags);
}

int vk_domain_get_job_info(vk_domain *dom, vk_domain_job_info *info)
{
    return vk_domain_get_job_info_flags(dom, 0, info);
}

int vk_domain_get_job_info_flags(vk_domain *dom, unsigned int flags, vk_domain_job_info *info)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    memset(info, 0, sizeof(*info));
    remote_domain_get_job_stats_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_get_job_stats_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_JOB_STATS,
                        (xdrproc_t)xdr_remote_domain_get_job_stats_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_job_stats_ret, &r) < 0)
        return -1;
    info->type = r.type;
    for (u_int i = 0; i < r.params.params_len; i++) {
        const remote_typed_param *p = &r.params.params_val[i];
        unsigned long long v = p->value.type == 4   ? p->value.remote_typed_param_value_u.ul
                               : p->value.type == 1 ? (unsigned long long)p->value.remote_typed_param_value_u.i
                                                    : 0;
        if (!strcmp(p->field, "operation"))
            info->operation = (int)v;
        else if (!strcmp(p->field, "time_elapsed"))
            info->time_elapsed_ms = v;
        else if (!strcmp(p->field, "data_total"))
            info->data_total = v;
        else if (!strcmp(p->field, "data_processed"))
            info->data_processed = v;
        else if (!strcmp(p->field, "data_remaining"))
            info->data_remaining = v;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_job_stats_ret, &r);
    return 0;
}

int vk_domain_abort_job(vk_domain *dom)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_args a;
    vk_domain_to_wire(dom, &a.dom);
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_ABORT_JOB,
                           (xdrproc_t)xdr_remote_domain_args, &a, NULL, NULL);
}
