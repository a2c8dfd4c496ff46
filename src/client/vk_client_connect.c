/* Connections: libvirt's opening sequence, connection-wide calls, errors
 * and versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "vk_client_priv.h"
#include "vk_config.h"

/* virDrvFeature numbers */
#define FEATURE_PROGRAM_KEEPALIVE 10

const struct vk_error *vk_last_error(void)
{
    return vk_error_last();
}

int vk_last_error_code(void)
{
    return vk_error_last()->code;
}

int vk_last_error_domain(void)
{
    return vk_error_last()->domain;
}

const char *vk_last_error_message(void)
{
    return vk_error_last()->message;
}

void vk_reset_last_error(void)
{
    vk_error_reset();
}

const char *vk_get_version_string(void)
{
    return VK_VERSION;
}

unsigned long long vk_get_version(void)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(VK_VERSION, "%u.%u.%u", &major, &minor, &micro);
    return major * 1000000ULL + minor * 1000ULL + micro;
}

void vk_connect_ref(vk_connect *conn)
{
    __atomic_add_fetch(&conn->refs, 1, __ATOMIC_SEQ_CST);
}

int vk_connect_call(vk_connect *conn, int proc, xdrproc_t args_fn, const void *args,
                    xdrproc_t ret_fn, void *ret)
{
    pthread_mutex_lock(&conn->lock);
    int rc = vk_client_call(&conn->client, proc, args_fn, args, ret_fn, ret);
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

/* While nobody is mid-call, look at the socket every second. The server
 * PINGs after 5 s of silence, so one pass a second answers in time. */
static void *idle_main(void *arg)
{
    vk_connect *conn = arg;
    pthread_mutex_lock(&conn->idle_lock);
    while (!conn->idle_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&conn->idle_cond, &conn->idle_lock, &until);
        if (conn->idle_stop)
            break;
        /* A caller holding the lock is pumping the socket itself. */
        if (pthread_mutex_trylock(&conn->lock) == 0) {
            struct vk_error saved = *vk_error_last();
            vk_client_service(&conn->client);
            vk_error_set(saved.code, saved.domain, "%s", saved.message);
            pthread_mutex_unlock(&conn->lock);
        }
    }
    pthread_mutex_unlock(&conn->idle_lock);
    return NULL;
}

static void idle_stop(vk_connect *conn)
{
    if (!conn->idle_running)
        return;
    pthread_mutex_lock(&conn->idle_lock);
    conn->idle_stop = true;
    pthread_cond_signal(&conn->idle_cond);
    pthread_mutex_unlock(&conn->idle_lock);
    pthread_join(conn->idle_thread, NULL);
    conn->idle_running = false;
}

static void conn_free(vk_connect *conn)
{
    idle_stop(conn);
    vk_client_close(&conn->client);
    pthread_mutex_destroy(&conn->idle_lock);
    pthread_cond_destroy(&conn->idle_cond);
    vk_uri_clear(&conn->uri);
    pthread_mutex_destroy(&conn->lock);
    free(conn);
}

/* Runs the auth method the server names for this socket. */
static int authenticate(vk_connect *conn)
{
    remote_auth_list_ret auth;
    memset(&auth, 0, sizeof(auth));
    if (vk_client_call(&conn->client, REMOTE_PROC_AUTH_LIST, NULL, NULL,
                       (xdrproc_t)xdr_remote_auth_list_ret, &auth) < 0) {
        /* A server older than AUTH_LIST needs no authentication. */
        if (vk_error_last()->code == VK_ERR_NO_SUPPORT) {
            vk_error_reset();
            return 0;
        }
        return -1;
    }
    int type = auth.types.types_len ? (int)auth.types.types_val[0] : REMOTE_AUTH_NONE;
    vk_rpc_free((xdrproc_t)xdr_remote_auth_list_ret, &auth);
    switch (type) {
    case REMOTE_AUTH_NONE:
        return 0;
    case REMOTE_AUTH_POLKIT: {
        remote_auth_polkit_ret pk = {0};
        if (vk_client_call(&conn->client, REMOTE_PROC_AUTH_POLKIT, NULL, NULL,
                           (xdrproc_t)xdr_remote_auth_polkit_ret, &pk) < 0)
            return -1;
        if (!pk.complete)
            return vk_error_set(VK_ERR_AUTH_FAILED, VK_FROM_RPC,
                                "authentication failed: polkit did not complete");
        return 0;
    }
    case REMOTE_AUTH_SASL:
        return vk_error_set(VK_ERR_AUTH_UNAVAILABLE, VK_FROM_RPC,
                            "socket '%s' requires SASL authentication, which libvirtkit does "
                            "not support",
                            conn->uri.socket);
    default:
        return vk_error_set(VK_ERR_AUTH_FAILED, VK_FROM_RPC,
                            "socket '%s' asks for unknown authentication type %d", conn->uri.socket,
                            type);
    }
}

vk_connect *vk_connect_open(const char *uri, unsigned int flags)
{
    vk_error_reset();
    if (flags & ~(unsigned)VK_CONNECT_RO) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "vk_connect_open: unsupported flags 0x%x",
                     flags & ~(unsigned)VK_CONNECT_RO);
        return NULL;
    }
    vk_connect *conn = vk_calloc(1, sizeof(*conn));
    pthread_mutex_init(&conn->lock, NULL);
    pthread_mutex_init(&conn->idle_lock, NULL);
    pthread_cond_init(&conn->idle_cond, NULL);
    conn->refs = 1;
    conn->flags = flags;
    conn->client.fd = -1;
    if (vk_uri_parse(uri, flags, &conn->uri) < 0)
        goto fail;
    if (vk_client_open(&conn->client, conn->uri.socket) < 0)
        goto fail;
    if (authenticate(conn) < 0)
        goto fail;

    remote_connect_supports_feature_args fa = {.feature = FEATURE_PROGRAM_KEEPALIVE};
    remote_connect_supports_feature_ret fr = {0};
    if (vk_client_call(&conn->client, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                       (xdrproc_t)xdr_remote_connect_supports_feature_args, &fa,
                       (xdrproc_t)xdr_remote_connect_supports_feature_ret, &fr) == 0)
        conn->client.keepalive = fr.supported != 0;
    else if (conn->client.dead)
        goto fail;
    vk_error_reset(); /* keepalive is optional */

    remote_connect_open_args oa = {.name = &conn->uri.name, .flags = flags};
    if (vk_client_call(&conn->client, REMOTE_PROC_CONNECT_OPEN,
                       (xdrproc_t)xdr_remote_connect_open_args, &oa, NULL, NULL) < 0)
        goto fail;
    if (conn->client.keepalive && pthread_create(&conn->idle_thread, NULL, idle_main, conn) == 0)
        conn->idle_running = true;
    return conn;

fail:
    conn_free(conn);
    return NULL;
}

int vk_connect_close(vk_connect *conn)
{
    if (!conn)
        return 0;
    int left = __atomic_sub_fetch(&conn->refs, 1, __ATOMIC_SEQ_CST);
    if (left > 0)
        return left;
    idle_stop(conn);
    /* Tell the server we are done; it closes its end either way. */
    struct vk_error saved = *vk_error_last();
    if (!conn->client.dead)
        vk_client_call(&conn->client, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL, NULL, NULL);
    vk_error_set(saved.code, saved.domain, "%s", saved.message);
    conn_free(conn);
    return 0;
}

static char *get_string(vk_connect *conn, int proc, xdrproc_t fn)
{
    vk_error_reset();
    /* Every *_ret used here is a struct of one remote_nonnull_string. */
    char *ret = NULL;
    if (!conn) {
        vk_error_set(VK_ERR_INVALID_CONN, VK_FROM_NONE, "no connection");
        return NULL;
    }
    if (vk_connect_call(conn, proc, NULL, NULL, fn, &ret) < 0)
        return NULL;
    return ret; /* xdr allocated it with malloc: the caller frees it */
}

char *vk_connect_get_type(vk_connect *conn)
{
    return get_string(conn, REMOTE_PROC_CONNECT_GET_TYPE,
                      (xdrproc_t)xdr_remote_connect_get_type_ret);
}

char *vk_connect_get_hostname(vk_connect *conn)
{
    return get_string(conn, REMOTE_PROC_CONNECT_GET_HOSTNAME,
                      (xdrproc_t)xdr_remote_connect_get_hostname_ret);
}

char *vk_connect_get_uri(vk_connect *conn)
{
    char *uri =
        get_string(conn, REMOTE_PROC_CONNECT_GET_URI, (xdrproc_t)xdr_remote_connect_get_uri_ret);
    if (!uri && conn && vk_error_last()->code == VK_ERR_NO_SUPPORT) {
        vk_error_reset();
        return vk_strdup(conn->uri.name);
    }
    return uri;
}

static int get_hyper(vk_connect *conn, int proc, xdrproc_t fn, unsigned long long *out)
{
    vk_error_reset();
    if (!conn || !out)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no connection or no result pointer");
    uint64_t v = 0; /* each *_ret here is a struct of one unsigned hyper */
    if (vk_connect_call(conn, proc, NULL, NULL, fn, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

int vk_connect_get_version(vk_connect *conn, unsigned long long *hv_ver)
{
    return get_hyper(conn, REMOTE_PROC_CONNECT_GET_VERSION,
                     (xdrproc_t)xdr_remote_connect_get_version_ret, hv_ver);
}

int vk_connect_get_lib_version(vk_connect *conn, unsigned long long *lib_ver)
{
    return get_hyper(conn, REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                     (xdrproc_t)xdr_remote_connect_get_lib_version_ret, lib_ver);
}

int vk_node_get_security_model(vk_connect *conn, char **model, char **doi)
{
    vk_error_reset();
    if (!conn || !model || !doi)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no connection or no result pointer");
    remote_node_get_security_model_ret r;
    memset(&r, 0, sizeof(r));
    if (vk_connect_call(conn, REMOTE_PROC_NODE_GET_SECURITY_MODEL, NULL, NULL,
                        (xdrproc_t)xdr_remote_node_get_security_model_ret, &r) < 0)
        return -1;
    /* char arrays that carry their NUL (or not): copy bounded. */
    *model = vk_strndup(r.model.model_val ? r.model.model_val : "", r.model.model_len);
    *doi = vk_strndup(r.doi.doi_val ? r.doi.doi_val : "", r.doi.doi_len);
    vk_rpc_free((xdrproc_t)xdr_remote_node_get_security_model_ret, &r);
    return 0;
}
