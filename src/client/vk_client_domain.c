/* Domain objects and the domain calls: each one is a thin mapping from the
 * vk_ API to one remote procedure (sometimes a flags-less legacy one, as
 * stock virsh sends, so traces match). */
#include <stdlib.h>
#include <string.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_uuid.h"
#include "vk_client_priv.h"

vk_domain *vk_domain_from_wire(vk_connect *conn, const remote_nonnull_domain *wire)
{
    vk_domain *dom = vk_calloc(1, sizeof(*dom));
    dom->conn = conn;
    vk_connect_ref(conn);
    dom->name = vk_strdup(wire->name ? wire->name : "");
    memcpy(dom->uuid, wire->uuid, VK_UUID_BUFLEN);
    dom->id = wire->id;
    return dom;
}

void vk_domain_to_wire(const vk_domain *dom, remote_nonnull_domain *wire)
{
    wire->name = dom->name;
    memcpy(wire->uuid, dom->uuid, VK_UUID_BUFLEN);
    wire->id = dom->id;
}

void vk_domain_free(vk_domain *dom)
{
    if (!dom)
        return;
    vk_connect *conn = dom->conn;
    free(dom->name);
    free(dom);
    vk_connect_close(conn);
}

void vk_domain_list_free(vk_domain **domains, int n)
{
    if (!domains)
        return;
    for (int i = 0; i < n; i++)
        vk_domain_free(domains[i]);
    free(domains);
}

int vk_domain_get_id(const vk_domain *dom)
{
    return dom ? dom->id : -1;
}

const char *vk_domain_get_name(const vk_domain *dom)
{
    return dom ? dom->name : NULL;
}

const unsigned char *vk_domain_get_uuid(const vk_domain *dom)
{
    return dom ? dom->uuid : NULL;
}

void vk_domain_get_uuid_string(const vk_domain *dom, char buf[VK_UUID_STRING_BUFLEN])
{
    vk_uuid_format(dom->uuid, buf);
}

vk_connect *vk_domain_get_connect(const vk_domain *dom)
{
    return dom ? dom->conn : NULL;
}

int vk_client_check_conn(const vk_connect *conn)
{
    vk_error_reset();
    if (!conn)
        return vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
    return 0;
}

int vk_client_check_dom(const vk_domain *dom)
{
    vk_error_reset();
    if (!dom)
        return vk_error_set(VK_ERR_INVALID_DOMAIN, VK_FROM_NONE, "no domain");
    return 0;
}

/* Calls proc with args {dom} or {dom, flags} and no result. */
static int dom_call(vk_domain *dom, int proc, bool with_flags, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    return vk_connect_call(dom->conn, proc,
                           with_flags ? (xdrproc_t)xdr_remote_domain_flags_args
                                      : (xdrproc_t)xdr_remote_domain_args,
                           &a, NULL, NULL);
}

/* Calls proc, which returns {dom}; makes a vk_domain of it. */
static vk_domain *dom_returning_call(vk_connect *conn, int proc, xdrproc_t args_fn,
                                     const void *args)
{
    remote_domain_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, proc, args_fn, args, (xdrproc_t)xdr_remote_domain_ret, &r) < 0)
        return NULL;
    vk_domain *dom = vk_domain_from_wire(conn, &r.dom);
    vk_rpc_free((xdrproc_t)xdr_remote_domain_ret, &r);
    return dom;
}

/* An int-valued query ({dom} or {dom, flags} -> {int}). */
static int dom_int_call(vk_domain *dom, int proc, bool with_flags, unsigned int flags,
                        xdrproc_t ret_fn, int *out)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    remote_domain_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    int v = 0; /* every *_ret used here is a struct of one int */
    if (vk_connect_call(dom->conn, proc,
                        with_flags ? (xdrproc_t)xdr_remote_domain_flags_args
                                   : (xdrproc_t)xdr_remote_domain_args,
                        &a, ret_fn, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

/*--------------------------------------------------------------------------
 * Listing and lookups
 *------------------------------------------------------------------------*/

int vk_connect_list_all_domains(vk_connect *conn, vk_domain ***domains, unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return -1;
    remote_connect_list_all_domains_args a = {.need_results = domains != NULL, .flags = flags};
    remote_connect_list_all_domains_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
                        (xdrproc_t)xdr_remote_connect_list_all_domains_args, &a,
                        (xdrproc_t)xdr_remote_connect_list_all_domains_ret, &r) < 0)
        return -1;
    int n = (int)r.domains.domains_len;
    if (domains) {
        vk_domain **list = vk_calloc((size_t)n + 1, sizeof(*list));
        for (int i = 0; i < n; i++)
            list[i] = vk_domain_from_wire(conn, &r.domains.domains_val[i]);
        *domains = list;
    } else {
        n = (int)r.ret;
    }
    vk_rpc_free((xdrproc_t)xdr_remote_connect_list_all_domains_ret, &r);
    return n;
}

int vk_domain_get_states(vk_domain **domains, int n, int *states, int *reasons, unsigned int flags)
{
    vk_error_reset();
    if (n <= 0)
        return 0;
    if (!domains || !states)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no domains or no result array");
    vk_connect *conn = domains[0]->conn;
    for (int i = 1; i < n; i++)
        if (domains[i]->conn != conn)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                                "vk_domain_get_states: domains from different connections");
    uint32_t *serials = vk_calloc((size_t)n, sizeof(*serials));
    int rc = 0, sent = 0;
    pthread_mutex_lock(&conn->lock);
    /* All calls first, then all replies: the server answers them in any
     * order, the transport matches them by serial. */
    for (; sent < n; sent++) {
        remote_domain_get_state_args a;
        vk_domain_to_wire(domains[sent], &a.dom);
        a.flags = flags;
        if (vk_client_send(&conn->client, REMOTE_PROC_DOMAIN_GET_STATE,
                           (xdrproc_t)xdr_remote_domain_get_state_args, &a, &serials[sent]) < 0) {
            rc = -1;
            break;
        }
    }
    for (int i = 0; i < sent; i++) {
        remote_domain_get_state_ret r = {0};
        if (vk_client_wait(&conn->client, serials[i], REMOTE_PROC_DOMAIN_GET_STATE,
                           (xdrproc_t)xdr_remote_domain_get_state_ret, &r) < 0) {
            if (conn->client.dead) {
                rc = -1;
                break;
            }
            r.state = r.reason = -1; /* this domain only: e.g. undefined meanwhile */
        }
        states[i] = r.state;
        if (reasons)
            reasons[i] = r.reason;
    }
    pthread_mutex_unlock(&conn->lock);
    free(serials);
    if (rc == 0)
        vk_error_reset();
    return rc;
}

vk_domain *vk_domain_lookup_by_name(vk_connect *conn, const char *name)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    if (!name) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no domain name");
        return NULL;
    }
    remote_domain_lookup_by_name_args a = {.name = (char *)name};
    return dom_returning_call(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                              (xdrproc_t)xdr_remote_domain_lookup_by_name_args, &a);
}

vk_domain *vk_domain_lookup_by_uuid(vk_connect *conn, const unsigned char uuid[VK_UUID_BUFLEN])
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    remote_domain_lookup_by_uuid_args a;
    memcpy(a.uuid, uuid, VK_UUID_BUFLEN);
    return dom_returning_call(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
                              (xdrproc_t)xdr_remote_domain_lookup_by_uuid_args, &a);
}

vk_domain *vk_domain_lookup_by_uuid_string(vk_connect *conn, const char *uuid)
{
    uint8_t raw[VK_UUID_LEN];
    vk_error_reset();
    if (!uuid || vk_uuid_parse(uuid, raw) < 0) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "invalid UUID '%s'", uuid ? uuid : "");
        return NULL;
    }
    return vk_domain_lookup_by_uuid(conn, raw);
}

/* A server without LOOKUP_BY_ID still lists domains with their ids. */
static vk_domain *lookup_id_by_listing(vk_connect *conn, int id)
{
    vk_domain **list = NULL;
    int n = vk_connect_list_all_domains(conn, &list, VK_LIST_DOMAINS_ACTIVE);
    if (n < 0)
        return NULL;
    vk_domain *found = NULL;
    for (int i = 0; i < n; i++)
        if (list[i]->id == id) {
            found = list[i];
            list[i] = NULL;
            break;
        }
    vk_domain_list_free(list, n);
    if (!found)
        vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU,
                     "Domain not found: no domain with matching id %d", id);
    return found;
}

vk_domain *vk_domain_lookup_by_id(vk_connect *conn, int id)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    if (id < 0) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "invalid domain id %d", id);
        return NULL;
    }
    remote_domain_lookup_by_id_args a = {.id = id};
    vk_domain *dom = dom_returning_call(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
                                        (xdrproc_t)xdr_remote_domain_lookup_by_id_args, &a);
    if (!dom && vk_error_last()->code == VK_ERR_NO_SUPPORT)
        return lookup_id_by_listing(conn, id);
    return dom;
}

/*--------------------------------------------------------------------------
 * Lifecycle
 *------------------------------------------------------------------------*/

vk_domain *vk_domain_define_xml(vk_connect *conn, const char *xml, unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    if (!xml) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no domain XML");
        return NULL;
    }
    if (flags == 0) {
        remote_domain_define_xml_args a = {.xml = (char *)xml};
        return dom_returning_call(conn, REMOTE_PROC_DOMAIN_DEFINE_XML,
                                  (xdrproc_t)xdr_remote_domain_define_xml_args, &a);
    }
    remote_domain_define_xml_flags_args a = {.xml = (char *)xml, .flags = flags};
    return dom_returning_call(conn, REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
                              (xdrproc_t)xdr_remote_domain_define_xml_flags_args, &a);
}

int vk_domain_undefine(vk_domain *dom, unsigned int flags)
{
    int rc = dom_call(dom, REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, true, flags);
    if (rc < 0 && flags == 0 && vk_error_last()->code == VK_ERR_NO_SUPPORT)
        rc = dom_call(dom, REMOTE_PROC_DOMAIN_UNDEFINE, false, 0);
    return rc;
}

int vk_domain_create(vk_domain *dom, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (flags) {
        remote_domain_create_with_flags_args a;
        vk_domain_to_wire(dom, &a.dom);
        a.flags = flags;
        remote_domain_create_with_flags_ret r;
        memset(&r, 0, sizeof(r));
        if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
                            (xdrproc_t)xdr_remote_domain_create_with_flags_args, &a,
                            (xdrproc_t)xdr_remote_domain_create_with_flags_ret, &r) < 0)
            return -1;
        dom->id = r.dom.id;
        vk_rpc_free((xdrproc_t)xdr_remote_domain_create_with_flags_ret, &r);
        return 0;
    }
    if (dom_call(dom, REMOTE_PROC_DOMAIN_CREATE, false, 0) < 0)
        return -1;
    /* DOMAIN_CREATE returns nothing: learn the new id as libvirt does. */
    vk_domain *fresh = vk_domain_lookup_by_uuid(dom->conn, dom->uuid);
    if (fresh) {
        dom->id = fresh->id;
        vk_domain_free(fresh);
    }
    vk_error_reset(); /* the domain started; a failed refresh is not an error */
    return 0;
}

vk_domain *vk_domain_create_xml(vk_connect *conn, const char *xml, unsigned int flags)
{
    if (vk_client_check_conn(conn) < 0)
        return NULL;
    if (!xml) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no domain XML");
        return NULL;
    }
    remote_domain_create_xml_args a = {.xml_desc = (char *)xml, .flags = flags};
    return dom_returning_call(conn, REMOTE_PROC_DOMAIN_CREATE_XML,
                              (xdrproc_t)xdr_remote_domain_create_xml_args, &a);
}

int vk_domain_destroy(vk_domain *dom, unsigned int flags)
{
    int rc = flags ? dom_call(dom, REMOTE_PROC_DOMAIN_DESTROY_FLAGS, true, flags)
                   : dom_call(dom, REMOTE_PROC_DOMAIN_DESTROY, false, 0);
    if (rc == 0)
        dom->id = -1;
    return rc;
}

int vk_domain_shutdown(vk_domain *dom, unsigned int flags)
{
    return flags ? dom_call(dom, REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, true, flags)
                 : dom_call(dom, REMOTE_PROC_DOMAIN_SHUTDOWN, false, 0);
}

int vk_domain_reboot(vk_domain *dom, unsigned int flags)
{
    return dom_call(dom, REMOTE_PROC_DOMAIN_REBOOT, true, flags);
}

int vk_domain_suspend(vk_domain *dom)
{
    return dom_call(dom, REMOTE_PROC_DOMAIN_SUSPEND, false, 0);
}

int vk_domain_resume(vk_domain *dom)
{
    return dom_call(dom, REMOTE_PROC_DOMAIN_RESUME, false, 0);
}

/*--------------------------------------------------------------------------
 * Queries
 *------------------------------------------------------------------------*/

char *vk_domain_get_xml_desc(vk_domain *dom, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return NULL;
    remote_domain_get_xml_desc_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_get_xml_desc_ret r = {0};
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_domain_get_xml_desc_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_xml_desc_ret, &r) < 0)
        return NULL;
    return r.xml; /* malloc'd by xdr: the caller's now */
}

char *vk_domain_get_os_type(vk_domain *dom)
{
    if (vk_client_check_dom(dom) < 0)
        return NULL;
    remote_domain_get_os_type_args a;
    vk_domain_to_wire(dom, &a.dom);
    remote_domain_get_os_type_ret r = {0};
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_OS_TYPE,
                        (xdrproc_t)xdr_remote_domain_get_os_type_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_os_type_ret, &r) < 0)
        return NULL;
    return r.type;
}

int vk_domain_get_info(vk_domain *dom, struct vk_domain_info *info)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!info)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_info_args a;
    vk_domain_to_wire(dom, &a.dom);
    remote_domain_get_info_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_INFO,
                        (xdrproc_t)xdr_remote_domain_get_info_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_info_ret, &r) < 0)
        return -1;
    info->state = r.state;
    info->max_mem = r.maxMem;
    info->memory = r.memory;
    info->nr_virt_cpu = r.nrVirtCpu;
    info->cpu_time = r.cpuTime;
    return 0;
}

int vk_domain_get_state(vk_domain *dom, int *state, int *reason, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!state)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_state_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_get_state_ret r = {0};
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_STATE,
                        (xdrproc_t)xdr_remote_domain_get_state_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_state_ret, &r) < 0)
        return -1;
    *state = r.state;
    if (reason)
        *reason = r.reason;
    return 0;
}

int vk_domain_is_active(vk_domain *dom)
{
    int v;
    if (dom_int_call(dom, REMOTE_PROC_DOMAIN_IS_ACTIVE, false, 0,
                     (xdrproc_t)xdr_remote_domain_is_active_ret, &v) < 0)
        return -1;
    return v != 0;
}

int vk_domain_is_persistent(vk_domain *dom)
{
    int v;
    if (dom_int_call(dom, REMOTE_PROC_DOMAIN_IS_PERSISTENT, false, 0,
                     (xdrproc_t)xdr_remote_domain_is_persistent_ret, &v) < 0)
        return -1;
    return v != 0;
}

int vk_domain_has_managed_save_image(vk_domain *dom, unsigned int flags)
{
    int v;
    if (dom_int_call(dom, REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, true, flags,
                     (xdrproc_t)xdr_remote_domain_has_managed_save_image_ret, &v) < 0)
        return -1;
    return v != 0;
}

int vk_domain_get_autostart(vk_domain *dom, int *autostart)
{
    if (!autostart)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    return dom_int_call(dom, REMOTE_PROC_DOMAIN_GET_AUTOSTART, false, 0,
                        (xdrproc_t)xdr_remote_domain_get_autostart_ret, autostart);
}

int vk_domain_get_security_label(vk_domain *dom, char **label, int *enforcing)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!label || !enforcing)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_security_label_args a;
    vk_domain_to_wire(dom, &a.dom);
    remote_domain_get_security_label_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL,
                        (xdrproc_t)xdr_remote_domain_get_security_label_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_security_label_ret, &r) < 0)
        return -1;
    *label = vk_strndup(r.label.label_val ? r.label.label_val : "", r.label.label_len);
    *enforcing = r.enforcing;
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_security_label_ret, &r);
    return 0;
}

int vk_domain_get_messages(vk_domain *dom, char ***msgs, unsigned int flags)
{
    if (vk_client_check_dom(dom) < 0)
        return -1;
    if (!msgs)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no result pointer");
    remote_domain_get_messages_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.flags = flags;
    remote_domain_get_messages_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_GET_MESSAGES,
                        (xdrproc_t)xdr_remote_domain_get_messages_args, &a,
                        (xdrproc_t)xdr_remote_domain_get_messages_ret, &r) < 0)
        return -1;
    int n = (int)r.msgs.msgs_len;
    char **out = vk_calloc((size_t)n + 1, sizeof(*out));
    for (int i = 0; i < n; i++)
        out[i] = vk_strdup(r.msgs.msgs_val[i]);
    vk_rpc_free((xdrproc_t)xdr_remote_domain_get_messages_ret, &r);
    *msgs = out;
    return n;
}
