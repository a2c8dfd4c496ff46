/* Handlers: translate wire structs <-> the QEMU driver API (qemu_driver.h)
 * and answer the connection-level calls the way libvirtd does, so stock
 * virsh and python3-libvirt print what they print against libvirtd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

/* virDrvFeature numbers (libvirt's). */
enum {
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
};

#define DRV(call) ((call)->client->daemon->drv)

void vk_ref_to_wire(const struct vk_dom_ref *ref, remote_nonnull_domain *out)
{
    out->name = vk_strdup(ref->name ? ref->name : "");
    memcpy(out->uuid, ref->uuid, VK_UUID_LEN);
    out->id = ref->id;
}

/* Fills a domain ret from a driver call's result and releases the ref. */
static int ref_ret(int r, struct vk_dom_ref *ref, remote_domain_ret *ret)
{
    if (r < 0)
        return -1;
    vk_ref_to_wire(ref, &ret->dom);
    vk_dom_ref_clear(ref);
    return 0;
}

static char *xstrdup_or_empty(const char *s)
{
    return vk_strdup(s ? s : "");
}

/* ---- connection ---- */

/* URIs this daemon serves: the QEMU driver, system or session flavour (one
 * daemon serves both), with an optional query (ignored). NULL or "" means
 * the default. Returns the canonical URI, or NULL. */
static char *canonical_uri(const char *name)
{
    if (!name || !*name)
        return vk_strdup("qemu:///system");
    size_t n = strcspn(name, "?");
    static const char *const ok[] = {"qemu:///system", "qemu:///session", "qemu://localhost/system",
                                     "qemu://localhost/session"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strlen(ok[i]) == n && strncmp(name, ok[i], n) == 0)
            return vk_strdup(strstr(ok[i], "session") ? "qemu:///session" : "qemu:///system");
    return NULL;
}

static int h_connect_open(struct vk_call *call, void *a, void *r)
{
    remote_connect_open_args *args = a;
    const char *name = args->name ? *args->name : NULL;
    char *uri = canonical_uri(name);
    if (!uri)
        return vk_error_set(VK_ERR_NO_CONNECT, VK_FROM_NONE,
                            "no connection driver available for %s (virtkitd serves only "
                            "qemu:///system and qemu:///session)",
                            name);
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    if (c->opened) {
        /* As libvirtd: one open per connection (a second would swap its URI). */
        pthread_mutex_unlock(&c->lock);
        free(uri);
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE, "connection already open");
    }
    free(c->uri);
    c->uri = uri;
    c->opened = true;
    if (args->flags & 1) /* VIR_CONNECT_RO */
        c->readonly = true;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int h_connect_close(struct vk_call *call, void *a, void *r)
{
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    c->opened = false;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int h_void_ok(struct vk_call *call, void *a, void *r)
{
    return 0;
}

static int h_get_type(struct vk_call *call, void *a, void *r)
{
    ((remote_connect_get_type_ret *)r)->type = vk_strdup("QEMU");
    return 0;
}

static int h_get_version(struct vk_call *call, void *a, void *r)
{
    unsigned long long v = 0;
    if (vk_qemu_get_version(DRV(call), &v) < 0)
        return -1;
    ((remote_connect_get_version_ret *)r)->hv_ver = v;
    return 0;
}

static int h_get_lib_version(struct vk_call *call, void *a, void *r)
{
    ((remote_connect_get_lib_version_ret *)r)->lib_ver = VK_DAEMON_LIB_VERSION;
    return 0;
}

static int h_get_hostname(struct vk_call *call, void *a, void *r)
{
    char host[256];
    if (gethostname(host, sizeof(host)) < 0)
        return vk_error_system(errno, "cannot get the host name");
    host[sizeof(host) - 1] = '\0';
    ((remote_connect_get_hostname_ret *)r)->hostname = vk_strdup(host);
    return 0;
}

static int h_get_uri(struct vk_call *call, void *a, void *r)
{
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    ((remote_connect_get_uri_ret *)r)->uri = xstrdup_or_empty(c->uri);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int h_get_capabilities(struct vk_call *call, void *a, void *r)
{
    char *xml = vk_daemon_capabilities(call->client->daemon);
    if (!xml)
        return -1;
    ((remote_connect_get_capabilities_ret *)r)->capabilities = xml;
    return 0;
}

static int h_supports_feature(struct vk_call *call, void *a, void *r)
{
    remote_connect_supports_feature_args *args = a;
    remote_connect_supports_feature_ret *ret = r;
    struct vk_srv_client *c = call->client;
    switch (args->feature) {
    case FEATURE_PROGRAM_KEEPALIVE:
        /* Asked before CONNECT_OPEN. Like libvirtd, the server starts its
         * own PINGs only for clients that said they speak keepalive. */
        vk_rpc_conn_start_keepalive(call->conn, VK_KEEPALIVE_INTERVAL_S, VK_KEEPALIVE_COUNT);
        ret->supported = 1;
        return 0;
    default:
        break;
    }
    pthread_mutex_lock(&c->lock);
    bool opened = c->opened;
    pthread_mutex_unlock(&c->lock);
    if (!opened)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_RPC, "connection not open");
    ret->supported = args->feature == FEATURE_REMOTE_EVENT_CALLBACK ||
                     args->feature == FEATURE_REMOTE_CLOSE_CALLBACK;
    return 0;
}

static int h_auth_list(struct vk_call *call, void *a, void *r)
{
    remote_auth_list_ret *ret = r;
    /* Access is decided by the socket file modes (rw 0600, ro 0666) and the
     * peer check at accept, so the one auth type is "none", which marks the
     * client authenticated at once. */
    ret->types.types_len = 1;
    ret->types.types_val = vk_calloc(1, sizeof(remote_auth_type));
    ret->types.types_val[0] = REMOTE_AUTH_NONE;
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    c->authenticated = true;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int h_auth_polkit(struct vk_call *call, void *a, void *r)
{
    /* Nothing to do with auth type none; libvirtd answers complete too
     * when the client is already authenticated. */
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    bool ok = c->authenticated;
    pthread_mutex_unlock(&c->lock);
    if (!ok)
        return vk_error_set(VK_ERR_AUTH_FAILED, VK_FROM_RPC,
                            "authentication failed: call AUTH_LIST first");
    ((remote_auth_polkit_ret *)r)->complete = 1;
    return 0;
}

static int h_auth_sasl(struct vk_call *call, void *a, void *r)
{
    return vk_error_set(VK_ERR_AUTH_FAILED, VK_FROM_RPC,
                        "authentication failed: SASL is not offered on this socket "
                        "(auth type is none)");
}

static int h_list_all_domains(struct vk_call *call, void *a, void *r)
{
    remote_connect_list_all_domains_args *args = a;
    remote_connect_list_all_domains_ret *ret = r;
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    /* One driver call, one lock pass; no per-domain round trips. */
    if (vk_qemu_list_domains(DRV(call), args->flags, &refs, NULL, &n) < 0)
        return -1;
    if (n > REMOTE_DOMAIN_LIST_MAX) {
        vk_dom_refs_free(refs, n);
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "too many domains (%zu) for one reply", n);
    }
    if (args->need_results && n) {
        ret->domains.domains_val = vk_calloc(n, sizeof(remote_nonnull_domain));
        ret->domains.domains_len = n;
        for (size_t i = 0; i < n; i++)
            vk_ref_to_wire(&refs[i], &ret->domains.domains_val[i]);
    }
    ret->ret = n;
    vk_dom_refs_free(refs, n);
    return 0;
}

static int h_num_of_defined(struct vk_call *call, void *a, void *r)
{
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    if (vk_qemu_list_domains(DRV(call), VK_LIST_INACTIVE, &refs, NULL, &n) < 0)
        return -1;
    vk_dom_refs_free(refs, n);
    ((remote_connect_num_of_defined_domains_ret *)r)->num = (int)n;
    return 0;
}

/* Legacy listing: ids of running domains / names of inactive ones, at most
 * max (a negative max is refused, as libvirt does). */
static int list_refs(struct vk_call *call, unsigned flags, int max, struct vk_dom_ref **refs,
                     size_t *n)
{
    if (max < 0 || max > REMOTE_DOMAIN_LIST_MAX)
        return vk_error_set(VK_ERR_RPC, VK_FROM_RPC, "requested %d domains, limit is %d", max,
                            REMOTE_DOMAIN_LIST_MAX);
    if (vk_qemu_list_domains(DRV(call), flags, refs, NULL, n) < 0)
        return -1;
    return 0;
}

static int h_list_domains(struct vk_call *call, void *a, void *r)
{
    remote_connect_list_domains_args *args = a;
    remote_connect_list_domains_ret *ret = r;
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    if (list_refs(call, VK_LIST_ACTIVE, args->maxids, &refs, &n) < 0)
        return -1;
    size_t k = n < (size_t)args->maxids ? n : (size_t)args->maxids;
    ret->ids.ids_val = vk_calloc(k ? k : 1, sizeof(int));
    ret->ids.ids_len = k;
    for (size_t i = 0; i < k; i++)
        ret->ids.ids_val[i] = refs[i].id;
    vk_dom_refs_free(refs, n);
    return 0;
}

static int h_list_defined(struct vk_call *call, void *a, void *r)
{
    remote_connect_list_defined_domains_args *args = a;
    remote_connect_list_defined_domains_ret *ret = r;
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    if (list_refs(call, VK_LIST_INACTIVE, args->maxnames, &refs, &n) < 0)
        return -1;
    size_t k = n < (size_t)args->maxnames ? n : (size_t)args->maxnames;
    ret->names.names_val = vk_calloc(k ? k : 1, sizeof(char *));
    ret->names.names_len = k;
    for (size_t i = 0; i < k; i++)
        ret->names.names_val[i] = vk_strdup(refs[i].name);
    vk_dom_refs_free(refs, n);
    return 0;
}

static int h_num_of_domains(struct vk_call *call, void *a, void *r)
{
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    if (vk_qemu_list_domains(DRV(call), VK_LIST_ACTIVE, &refs, NULL, &n) < 0)
        return -1;
    vk_dom_refs_free(refs, n);
    ((remote_connect_num_of_domains_ret *)r)->num = (int)n;
    return 0;
}

static int h_node_security_model(struct vk_call *call, void *a, void *r)
{
    remote_node_get_security_model_ret *ret = r;
    /* libvirtd without a security driver reports model "none", DOI "0",
     * and virsh dominfo prints them; the strings travel with their NUL. */
    ret->model.model_val = vk_strdup("none");
    ret->model.model_len = 5;
    ret->doi.doi_val = vk_strdup("0");
    ret->doi.doi_len = 2;
    return 0;
}

static int h_get_max_vcpus(struct vk_call *call, void *a, void *r)
{
    /* What QEMU's pc/q35 machines accept under TCG. */
    ((remote_connect_get_max_vcpus_ret *)r)->max_vcpus = 255;
    return 0;
}

static int h_is_secure(struct vk_call *call, void *a, void *r)
{
    /* Only UNIX sockets: nobody can eavesdrop (libvirt says the same). */
    ((remote_connect_is_secure_ret *)r)->secure = 1;
    return 0;
}

/* First number on the line of /proc file path starting with key. */
static long long proc_value(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    char line[512];
    long long v = 0;
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) == 0) {
            const char *p = line + strcspn(line, "0123456789");
            v = strtoll(p, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static int h_node_info(struct vk_call *call, void *a, void *r)
{
    remote_node_get_info_ret *ret = r;
    struct utsname u;
    const char *arch = uname(&u) == 0 ? u.machine : "x86_64";
    snprintf(ret->model, sizeof(ret->model), "%s", arch);
    ret->memory = (unsigned long long)proc_value("/proc/meminfo", "MemTotal:");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    ret->cpus = n > 0 ? (int)n : 1;
    ret->mhz = (int)proc_value("/proc/cpuinfo", "cpu MHz");
    /* A flat topology: one node, one socket, one thread per core. */
    ret->nodes = 1;
    ret->sockets = 1;
    ret->cores = ret->cpus;
    ret->threads = 1;
    return 0;
}

/* ---- domains ---- */

static int h_dom_define(struct vk_call *call, void *a, void *r)
{
    remote_domain_define_xml_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_define(DRV(call), args->xml, 0, &ref), &ref, r);
}

static int h_dom_define_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_define_xml_flags_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_define(DRV(call), args->xml, args->flags, &ref), &ref, r);
}

static int h_dom_create_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_create_xml_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_create_xml(DRV(call), args->xml_desc, args->flags, &ref), &ref,
                   r);
}

static int h_dom_create(struct vk_call *call, void *a, void *r)
{
    remote_domain_args *args = a;
    struct vk_dom_ref ref = {0};
    if (vk_qemu_domain_create(DRV(call), (const uint8_t *)args->dom.uuid, 0, &ref) < 0)
        return -1;
    vk_dom_ref_clear(&ref);
    return 0;
}

static int h_dom_create_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(
        vk_qemu_domain_create(DRV(call), (const uint8_t *)args->dom.uuid, args->flags, &ref), &ref,
        r);
}

static int h_dom_destroy(struct vk_call *call, void *a, void *r)
{
    return vk_qemu_domain_destroy(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid,
                                  0);
}

static int h_dom_destroy_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    return vk_qemu_domain_destroy(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

static int h_dom_shutdown(struct vk_call *call, void *a, void *r)
{
    return vk_qemu_domain_shutdown(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid,
                                   0);
}

static int h_dom_shutdown_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    return vk_qemu_domain_shutdown(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

static int h_dom_reboot(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    return vk_qemu_domain_reboot(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

static int h_dom_suspend(struct vk_call *call, void *a, void *r)
{
    return vk_qemu_domain_suspend(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid);
}

static int h_dom_resume(struct vk_call *call, void *a, void *r)
{
    return vk_qemu_domain_resume(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid);
}

static int h_dom_undefine(struct vk_call *call, void *a, void *r)
{
    return vk_qemu_domain_undefine(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid,
                                   0);
}

static int h_dom_undefine_flags(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    return vk_qemu_domain_undefine(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
}

static int h_lookup_name(struct vk_call *call, void *a, void *r)
{
    remote_domain_lookup_by_name_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_lookup_by_name(DRV(call), args->name, &ref), &ref, r);
}

static int h_lookup_uuid(struct vk_call *call, void *a, void *r)
{
    remote_domain_lookup_by_uuid_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_lookup_by_uuid(DRV(call), (const uint8_t *)args->uuid, &ref),
                   &ref, r);
}

static int h_lookup_id(struct vk_call *call, void *a, void *r)
{
    remote_domain_lookup_by_id_args *args = a;
    struct vk_dom_ref ref = {0};
    return ref_ret(vk_qemu_domain_lookup_by_id(DRV(call), args->id, &ref), &ref, r);
}

static int h_get_xml(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    char *xml = vk_qemu_domain_get_xml(DRV(call), (const uint8_t *)args->dom.uuid, args->flags);
    if (!xml)
        return -1;
    ((remote_domain_get_xml_desc_ret *)r)->xml = xml;
    return 0;
}

static int h_get_info(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_info_ret *ret = r;
    struct vk_dom_info info = {0};
    if (vk_qemu_domain_get_info(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid,
                                &info) < 0)
        return -1;
    ret->state = (u_char)info.state;
    ret->maxMem = info.max_mem_kib;
    ret->memory = info.memory_kib;
    ret->nrVirtCpu = (u_short)info.nr_vcpus;
    ret->cpuTime = info.cpu_time_ns;
    return 0;
}

static int h_get_state(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    remote_domain_get_state_ret *ret = r;
    return vk_qemu_domain_get_state(DRV(call), (const uint8_t *)args->dom.uuid, &ret->state,
                                    &ret->reason);
}

static int h_get_os_type(struct vk_call *call, void *a, void *r)
{
    /* Existence check first, so an unknown domain gets NO_DOMAIN. */
    if (vk_qemu_domain_is_active(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid) <
        0)
        return -1;
    ((remote_domain_get_os_type_ret *)r)->type = vk_strdup("hvm");
    return 0;
}

static int h_is_active(struct vk_call *call, void *a, void *r)
{
    int v =
        vk_qemu_domain_is_active(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid);
    if (v < 0)
        return -1;
    ((remote_domain_is_active_ret *)r)->active = v;
    return 0;
}

static int h_is_persistent(struct vk_call *call, void *a, void *r)
{
    int v = vk_qemu_domain_is_persistent(DRV(call),
                                         (const uint8_t *)((remote_domain_args *)a)->dom.uuid);
    if (v < 0)
        return -1;
    ((remote_domain_is_persistent_ret *)r)->persistent = v;
    return 0;
}

static int h_get_autostart(struct vk_call *call, void *a, void *r)
{
    int v = vk_qemu_domain_get_autostart(DRV(call),
                                         (const uint8_t *)((remote_domain_args *)a)->dom.uuid);
    if (v < 0)
        return -1;
    ((remote_domain_get_autostart_ret *)r)->autostart = v;
    return 0;
}

static int h_has_managed_save(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    int v = vk_qemu_domain_has_managed_save(DRV(call), (const uint8_t *)args->dom.uuid);
    if (v < 0)
        return -1;
    ((remote_domain_has_managed_save_image_ret *)r)->result = v;
    return 0;
}

static int h_snapshot_num(struct vk_call *call, void *a, void *r)
{
    /* No snapshots yet; the lookup still reports an unknown domain. */
    remote_domain_flags_args *args = a;
    if (vk_qemu_domain_is_active(DRV(call), (const uint8_t *)args->dom.uuid) < 0)
        return -1;
    ((remote_domain_snapshot_num_ret *)r)->num = 0;
    return 0;
}

static int h_security_label(struct vk_call *call, void *a, void *r)
{
    remote_domain_get_security_label_ret *ret = r;
    if (vk_qemu_domain_is_active(DRV(call), (const uint8_t *)((remote_domain_args *)a)->dom.uuid) <
        0)
        return -1;
    /* Empty label (just the NUL), not enforcing: security model "none". */
    ret->label.label_val = vk_calloc(1, 1);
    ret->label.label_len = 1;
    ret->enforcing = 0;
    return 0;
}

static int h_get_messages(struct vk_call *call, void *a, void *r)
{
    remote_domain_flags_args *args = a;
    if (vk_qemu_domain_is_active(DRV(call), (const uint8_t *)args->dom.uuid) < 0)
        return -1;
    return 0; /* no messages: an empty array */
}

/* ---- the table ---- */

#define PRE_AUTH VK_PROC_PRE_AUTH
#define PRE_OPEN VK_PROC_PRE_OPEN
#define MUT VK_PROC_MUTATING

/* Sorted by procedure number (binary search; tests/rpc checks the order). */
static const struct vk_dispatch table[] = {
    {REMOTE_PROC_CONNECT_OPEN, h_connect_open, PRE_OPEN},
    {REMOTE_PROC_CONNECT_CLOSE, h_connect_close, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_CONNECT_GET_TYPE, h_get_type, 0},
    {REMOTE_PROC_CONNECT_GET_VERSION, h_get_version, 0},
    {REMOTE_PROC_CONNECT_GET_MAX_VCPUS, h_get_max_vcpus, 0},
    {REMOTE_PROC_NODE_GET_INFO, h_node_info, 0},
    {REMOTE_PROC_CONNECT_GET_CAPABILITIES, h_get_capabilities, 0},
    {REMOTE_PROC_DOMAIN_ATTACH_DEVICE, vk_h_attach_device, MUT},
    {REMOTE_PROC_DOMAIN_CREATE, h_dom_create, MUT},
    {REMOTE_PROC_DOMAIN_CREATE_XML, h_dom_create_xml, MUT},
    {REMOTE_PROC_DOMAIN_DEFINE_XML, h_dom_define, MUT},
    {REMOTE_PROC_DOMAIN_DESTROY, h_dom_destroy, MUT},
    {REMOTE_PROC_DOMAIN_DETACH_DEVICE, vk_h_detach_device, MUT},
    {REMOTE_PROC_DOMAIN_GET_XML_DESC, h_get_xml, 0},
    {REMOTE_PROC_DOMAIN_GET_AUTOSTART, h_get_autostart, 0},
    {REMOTE_PROC_DOMAIN_GET_INFO, h_get_info, 0},
    {REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, vk_h_get_max_memory, 0},
    {REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, vk_h_dom_get_max_vcpus, 0},
    {REMOTE_PROC_DOMAIN_GET_OS_TYPE, h_get_os_type, 0},
    {REMOTE_PROC_DOMAIN_GET_VCPUS, vk_h_get_vcpus, 0},
    {REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, h_list_defined, 0},
    {REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, h_lookup_id, 0},
    {REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, h_lookup_name, 0},
    {REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, h_lookup_uuid, 0},
    {REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, h_num_of_defined, 0},
    {REMOTE_PROC_DOMAIN_REBOOT, h_dom_reboot, MUT},
    {REMOTE_PROC_DOMAIN_RESUME, h_dom_resume, MUT},
    {REMOTE_PROC_DOMAIN_SET_AUTOSTART, vk_h_dom_set_autostart, MUT},
    {REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, vk_h_set_max_memory, MUT},
    {REMOTE_PROC_DOMAIN_SET_MEMORY, vk_h_set_memory, MUT},
    {REMOTE_PROC_DOMAIN_SET_VCPUS, vk_h_set_vcpus, MUT},
    {REMOTE_PROC_DOMAIN_SHUTDOWN, h_dom_shutdown, MUT},
    {REMOTE_PROC_DOMAIN_SUSPEND, h_dom_suspend, MUT},
    {REMOTE_PROC_DOMAIN_UNDEFINE, h_dom_undefine, MUT},
    {REMOTE_PROC_CONNECT_LIST_DOMAINS, h_list_domains, 0},
    {REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, h_num_of_domains, 0},
    {REMOTE_PROC_DOMAIN_RESTORE, vk_h_dom_restore, MUT},
    {REMOTE_PROC_DOMAIN_SAVE, vk_h_dom_save, MUT},
    {REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, vk_h_get_scheduler_type, 0},
    {REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS, vk_h_get_scheduler_params, 0},
    {REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, vk_h_set_scheduler_params, MUT},
    {REMOTE_PROC_CONNECT_GET_HOSTNAME, h_get_hostname, 0},
    {REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, h_supports_feature, PRE_OPEN},
    {REMOTE_PROC_DOMAIN_BLOCK_STATS, vk_h_block_stats, 0},
    {REMOTE_PROC_DOMAIN_INTERFACE_STATS, vk_h_interface_stats, 0},
    {REMOTE_PROC_AUTH_LIST, h_auth_list, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_AUTH_SASL_INIT, h_auth_sasl, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_AUTH_SASL_START, h_auth_sasl, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_AUTH_SASL_STEP, h_auth_sasl, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_AUTH_POLKIT, h_auth_polkit, PRE_AUTH | PRE_OPEN},
    {REMOTE_PROC_CONNECT_GET_URI, h_get_uri, 0},
    {REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, h_security_label, 0},
    {REMOTE_PROC_NODE_GET_SECURITY_MODEL, h_node_security_model, 0},
    {REMOTE_PROC_CONNECT_IS_SECURE, h_is_secure, 0},
    {REMOTE_PROC_DOMAIN_IS_ACTIVE, h_is_active, 0},
    {REMOTE_PROC_DOMAIN_IS_PERSISTENT, h_is_persistent, 0},
    {REMOTE_PROC_CONNECT_GET_LIB_VERSION, h_get_lib_version, 0},
    {REMOTE_PROC_DOMAIN_MEMORY_STATS, vk_h_memory_stats, 0},
    {REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS, vk_h_attach_device_flags, MUT},
    {REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS, vk_h_detach_device_flags, MUT},
    {REMOTE_PROC_DOMAIN_GET_JOB_INFO, vk_h_dom_get_job_info, 0},
    {REMOTE_PROC_DOMAIN_ABORT_JOB, vk_h_dom_abort_job, MUT},
    {REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS, vk_h_update_device_flags, MUT},
    {REMOTE_PROC_DOMAIN_MANAGED_SAVE, vk_h_dom_managed_save, MUT},
    {REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, h_has_managed_save, 0},
    {REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, vk_h_dom_managed_save_remove, MUT},
    {REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, h_snapshot_num, 0},
    {REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, h_dom_create_flags, MUT},
    {REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, vk_h_set_memory_params, MUT},
    {REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, vk_h_get_memory_params, 0},
    {REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, vk_h_set_vcpus_flags, MUT},
    {REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, vk_h_get_vcpus_flags, 0},
    {REMOTE_PROC_DOMAIN_OPEN_CONSOLE, vk_h_dom_open_console, MUT},
    {REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, vk_h_set_memory_flags, MUT},
    {REMOTE_PROC_DOMAIN_GET_STATE, h_get_state, 0},
    {REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, vk_h_set_scheduler_params_flags, MUT},
    {REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, vk_h_get_scheduler_params_flags, 0},
    {REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, h_dom_undefine_flags, MUT},
    {REMOTE_PROC_DOMAIN_SAVE_FLAGS, vk_h_dom_save_flags, MUT},
    {REMOTE_PROC_DOMAIN_RESTORE_FLAGS, vk_h_dom_restore_flags, MUT},
    {REMOTE_PROC_DOMAIN_DESTROY_FLAGS, h_dom_destroy_flags, MUT},
    {REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, vk_h_save_image_get_xml, MUT},
    {REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, vk_h_save_image_define_xml, MUT},
    {REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS, vk_h_block_stats_flags, 0},
    {REMOTE_PROC_DOMAIN_RESET, vk_h_dom_reset, MUT},
    {REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, h_dom_shutdown_flags, MUT},
    {REMOTE_PROC_DOMAIN_GET_CPU_STATS, vk_h_get_cpu_stats, 0},
    {REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, h_list_all_domains, 0},
    {REMOTE_PROC_NODE_GET_CPU_MAP, vk_h_node_get_cpu_map, 0},
    {REMOTE_PROC_DOMAIN_GET_JOB_STATS, vk_h_dom_get_job_stats, 0},
    {REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, vk_h_set_memory_stats_period, MUT},
    {REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, vk_h_event_register_any, 0},
    {REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, vk_h_event_deregister_any, 0},
    {REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, vk_h_get_domain_capabilities, 0},
    {REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, vk_h_get_all_domain_stats, 0},
    {REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, h_dom_define_flags, MUT},
    {REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, h_void_ok, 0},
    {REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, h_void_ok, 0},
    {REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC, vk_h_managed_save_get_xml, 0},
    {REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML, vk_h_managed_save_define_xml, MUT},
    {REMOTE_PROC_DOMAIN_GET_MESSAGES, h_get_messages, 0},
};

static int cmp(const void *key, const void *elem)
{
    int k = *(const int *)key, e = ((const struct vk_dispatch *)elem)->proc;
    return (k > e) - (k < e);
}

const struct vk_dispatch *vk_dispatch_find(int proc)
{
    return bsearch(&proc, table, sizeof(table) / sizeof(table[0]), sizeof(table[0]), cmp);
}
