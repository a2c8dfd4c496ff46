/* Listening sockets and client connections of virtkitd: the rw socket
 * (0600: only root, or the owner of --root, may connect) and the read-only
 * socket (0666: anyone may look, nobody may change anything). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

static int listen_unix(const char *path, mode_t mode)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_RPC,
                            "socket path '%s' is longer than %zu bytes", path,
                            sizeof(sa.sun_path) - 1);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return vk_error_system(errno, "cannot create socket");
    /* A stale socket file from a killed daemon would make bind fail; the
     * pid file lock (virtkitd.c) guarantees no live daemon owns it. */
    if (unlink(path) < 0 && errno != ENOENT) {
        vk_error_system(errno, "cannot remove stale socket '%s'", path);
        close(fd);
        return -1;
    }
    /* Create it with the final mode: no window where it is too open. */
    mode_t old = umask(0777 & ~mode);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0 || chmod(path, mode) < 0 || listen(fd, 64) < 0) {
        vk_error_system(errno, "cannot listen on '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

static void call_done(struct vk_call *call);

/* Procedures answered on the loop thread itself, without the hand-off to a
 * worker and back (two thread switches, most of a cheap call's cost). Each
 * is a constant or a lookup under the driver's list lock and a domain's
 * state lock, which the loop thread already takes for QEMU events and
 * exits: nothing here waits for QMP, a job lock, a process or the loop.
 * (A define holds the list lock over its durable write: a lookup racing
 * it holds up the loop for that fsync, well under a millisecond here.) */
static const int32_t inline_procs[] = {
    REMOTE_PROC_CONNECT_GET_TYPE,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
    REMOTE_PROC_CONNECT_NUM_OF_DOMAINS,
    REMOTE_PROC_CONNECT_GET_HOSTNAME,
    REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
    REMOTE_PROC_AUTH_LIST,
    REMOTE_PROC_CONNECT_GET_URI,
    REMOTE_PROC_CONNECT_IS_SECURE,
    REMOTE_PROC_DOMAIN_IS_ACTIVE,
    REMOTE_PROC_DOMAIN_IS_PERSISTENT,
    REMOTE_PROC_CONNECT_GET_LIB_VERSION,
    REMOTE_PROC_DOMAIN_GET_STATE,
};

static bool answered_inline(int proc)
{
    for (size_t i = 0; i < sizeof(inline_procs) / sizeof(inline_procs[0]); i++)
        if (inline_procs[i] == proc)
            return true;
    return false;
}

static void client_packet(struct vk_rpc_conn *conn, uint8_t *pkt, size_t len, void *opaque)
{
    struct vk_srv_client *c = opaque;
    struct vk_call *call = vk_calloc(1, sizeof(*call));
    call->client = c;
    call->conn = conn;
    vk_rpc_conn_ref(conn);
    call->pkt = pkt;
    call->len = len;
    /* Length was checked by the connection; the header is decoded by the
     * worker, which answers anything malformed with an error reply. */
    pthread_mutex_lock(&c->lock);
    if (++c->inflight >= VK_CLIENT_MAX_INFLIGHT)
        vk_rpc_conn_set_reading(conn, false);
    pthread_mutex_unlock(&c->lock);
    /* Peek at the procedure: calls that do not change anything go to the
     * priority pool, so `virsh list` answers while slow starts run. */
    const struct vk_dispatch *disp = NULL;
    if (len >= VK_RPC_MIN_PACKET && vk_rpc_get_u32(pkt + 4) == REMOTE_PROGRAM)
        disp = vk_dispatch_find((int32_t)vk_rpc_get_u32(pkt + 12));
    if (disp && answered_inline(disp->proc)) {
        vk_error_reset();
        vk_dispatch_call(call);
        call_done(call);
        return;
    }
    bool prio = disp && !(disp->flags & VK_PROC_MUTATING);
    vk_workers_submit(prio ? c->daemon->prio_workers : c->daemon->workers, call);
}

static void client_free(void *opaque)
{
    struct vk_srv_client *c = opaque;
    pthread_mutex_destroy(&c->lock);
    free(c->uri);
    free(c);
}

static const struct vk_rpc_conn_ops client_ops = {
    .packet = client_packet,
    .closed = vk_daemon_events_conn_closed,
    .free_opaque = client_free,
};

static void accept_cb(int watch, int lfd, int revents, void *opaque)
{
    struct vk_daemon *d = opaque;
    bool ro = lfd == d->listen_ro;
    for (int i = 0; i < 16; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                VK_WARN("accept on %s socket failed: %s", ro ? "read-only" : "rw", strerror(errno));
            return;
        }
        if (!ro) {
            /* Defence in depth beside the 0600 mode: the rw socket is for
             * root and the daemon's own user only. */
            struct ucred cr;
            socklen_t cl = sizeof(cr);
            if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
                (cr.uid != 0 && cr.uid != geteuid())) {
                VK_WARN("refusing rw connection from uid %d", (int)cr.uid);
                close(fd);
                continue;
            }
        }
        struct vk_srv_client *c = vk_calloc(1, sizeof(*c));
        c->daemon = d;
        c->ro_socket = ro;
        c->readonly = ro;
        pthread_mutex_init(&c->lock, NULL);
        struct vk_rpc_conn *conn = vk_rpc_conn_new(d->loop, fd, &client_ops, c);
        if (!conn) {
            client_free(c);
            continue;
        }
        c->conn = conn;
        VK_DEBUG("new %s client on fd %d", ro ? "read-only" : "rw", fd);
        vk_rpc_conn_unref(conn); /* the loop keeps it alive */
    }
}

int vk_daemon_listen(struct vk_daemon *d)
{
    d->listen_rw = listen_unix(d->paths.sock_rw, 0600);
    if (d->listen_rw < 0)
        return -1;
    d->listen_ro = listen_unix(d->paths.sock_ro, 0666);
    if (d->listen_ro < 0)
        return -1;
    d->watch_rw = vk_loop_add_fd(d->loop, d->listen_rw, POLLIN, accept_cb, d, NULL);
    d->watch_ro = vk_loop_add_fd(d->loop, d->listen_ro, POLLIN, accept_cb, d, NULL);
    return 0;
}

void vk_daemon_stop_accepting(struct vk_daemon *d)
{
    if (d->watch_rw > 0)
        vk_loop_remove_fd(d->loop, d->watch_rw);
    if (d->watch_ro > 0)
        vk_loop_remove_fd(d->loop, d->watch_ro);
    d->watch_rw = d->watch_ro = 0;
}

void vk_daemon_unlisten(struct vk_daemon *d)
{
    if (d->listen_rw >= 0) {
        close(d->listen_rw);
        unlink(d->paths.sock_rw);
    }
    if (d->listen_ro >= 0) {
        close(d->listen_ro);
        unlink(d->paths.sock_ro);
    }
    d->listen_rw = d->listen_ro = -1;
}

/* ---- worker pool ---- */

struct vk_workers {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool quit;    /* workers finish the queue, then exit */
    bool stopped; /* workers gone: new calls are dropped */
    struct vk_call **queue;
    size_t head, count, cap;
    pthread_t *threads;
    int nthreads; /* started so far */
    int max;      /* started on demand, up to this many */
    int idle;     /* waiting for a call */
};

static void call_done(struct vk_call *call)
{
    struct vk_srv_client *c = call->client;
    pthread_mutex_lock(&c->lock);
    if (c->inflight-- == VK_CLIENT_MAX_INFLIGHT)
        vk_rpc_conn_set_reading(call->conn, true);
    pthread_mutex_unlock(&c->lock);
    free(call->pkt);
    vk_rpc_conn_unref(call->conn); /* may free the client */
    free(call);
}

static void *worker_main(void *opaque)
{
    struct vk_workers *w = opaque;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        w->idle++;
        while (!w->count && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        w->idle--;
        if (!w->count) {
            pthread_mutex_unlock(&w->lock);
            return NULL;
        }
        struct vk_call *call = w->queue[w->head];
        w->head = (w->head + 1) % w->cap;
        w->count--;
        pthread_mutex_unlock(&w->lock);

        vk_error_reset();
        vk_dispatch_call(call);
        call_done(call);
    }
}

struct vk_workers *vk_workers_new(int n)
{
    struct vk_workers *w = vk_calloc(1, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->threads = vk_calloc(n, sizeof(*w->threads));
    w->max = n;
    /* One now (so a daemon that cannot start threads says so at once), the
     * rest when calls wait: an idle daemon keeps no stacks and malloc
     * arenas for workers it never needed. */
    if (pthread_create(&w->threads[0], NULL, worker_main, w) == 0)
        w->nthreads = 1;
    if (w->nthreads == 0) {
        vk_workers_free(w);
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE, "cannot start worker threads");
        return NULL;
    }
    return w;
}

void vk_workers_submit(struct vk_workers *w, struct vk_call *call)
{
    pthread_mutex_lock(&w->lock);
    if (w->stopped) {
        /* Shutting down: the client gets no reply; its connection closes
         * with the daemon. */
        pthread_mutex_unlock(&w->lock);
        call_done(call);
        return;
    }
    if (w->count == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 64;
        struct vk_call **q = vk_calloc(ncap, sizeof(*q));
        for (size_t i = 0; i < w->count; i++)
            q[i] = w->queue[(w->head + i) % w->cap];
        free(w->queue);
        w->queue = q;
        w->head = 0;
        w->cap = ncap;
    }
    w->queue[(w->head + w->count) % w->cap] = call;
    w->count++;
    /* More calls waiting than idle workers to take them: one more worker.
     * If that fails, the running ones still drain the queue. */
    if (!w->quit && (size_t)w->idle < w->count && w->nthreads < w->max &&
        pthread_create(&w->threads[w->nthreads], NULL, worker_main, w) == 0)
        w->nthreads++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void vk_workers_stop(struct vk_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    w->nthreads = 0;
    /* Calls that arrived after the last worker left are dropped. */
    pthread_mutex_lock(&w->lock);
    w->stopped = true;
    while (w->count) {
        struct vk_call *call = w->queue[w->head];
        w->head = (w->head + 1) % w->cap;
        w->count--;
        pthread_mutex_unlock(&w->lock);
        call_done(call);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
}

void vk_workers_free(struct vk_workers *w)
{
    if (!w)
        return;
    vk_workers_stop(w);
    free(w->threads);
    free(w->queue);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
