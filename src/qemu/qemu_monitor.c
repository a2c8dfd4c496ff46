#include "qemu_monitor.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

struct vk_qemu_monitor {
    pthread_mutex_t lock; /* everything below except the callbacks' data */
    pthread_cond_t cond;
    /* Held while a callback runs, so vk_qmp_close can wait one out. */
    pthread_mutex_t cb_lock;
    int refs;
    int fd;
    int watch;
    struct vk_loop *loop;
    char *what;
    struct vk_qmp_callbacks cbs;
    void *opaque;
    bool has_opaque;
    struct vk_buf in; /* bytes of an incomplete message; loop thread only */
    bool dead;        /* connection gone: commands fail at once */
    bool closed;      /* vk_qmp_close called: no more callbacks */
    bool busy;        /* a command is in flight (one at a time) */
    unsigned long long next_id;
    char pending_id[32];
    struct json_object *reply;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mon_unref(struct vk_qemu_monitor *mon)
{
    pthread_mutex_lock(&mon->lock);
    bool last = --mon->refs == 0;
    pthread_mutex_unlock(&mon->lock);
    if (!last)
        return;
    if (mon->fd >= 0)
        close(mon->fd);
    if (mon->has_opaque && mon->cbs.release)
        mon->cbs.release(mon->opaque);
    json_object_put(mon->reply);
    vk_buf_free(&mon->in);
    free(mon->what);
    pthread_cond_destroy(&mon->cond);
    pthread_mutex_destroy(&mon->cb_lock);
    pthread_mutex_destroy(&mon->lock);
    free(mon);
}

static void watch_free(void *opaque)
{
    mon_unref(opaque);
}

int vk_qmp_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "monitor socket path '%s' is too long", path);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vk_error_system(errno, "cannot create monitor socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return vk_error_system(e, "cannot connect to QEMU monitor '%s'", path);
    }
    return fd;
}

/* Handshake only: reads exactly one line (peeking for its end so nothing
 * that belongs to the loop's reader is consumed). Returns the parsed object. */
static struct json_object *read_line_sync(struct vk_qemu_monitor *mon, long long deadline)
{
    struct vk_buf line = VK_BUF_INIT;
    struct json_object *obj = NULL;
    char tmp[4096];
    for (;;) {
        long long left = deadline - mono_ms();
        if (left <= 0) {
            vk_error_set(VK_ERR_OPERATION_TIMEOUT, VK_FROM_QEMU,
                         "domain '%s': timed out waiting for the QEMU monitor greeting", mon->what);
            goto out;
        }
        struct pollfd p = {.fd = mon->fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno != EINTR) {
            vk_error_system(errno, "domain '%s': cannot poll the QEMU monitor", mon->what);
            goto out;
        }
        if (r <= 0)
            continue;
        ssize_t n = recv(mon->fd, tmp, sizeof(tmp), MSG_PEEK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "domain '%s': QEMU closed the monitor connection%s%s", mon->what,
                         n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
            goto out;
        }
        char *nl = memchr(tmp, '\n', (size_t)n);
        size_t take = nl ? (size_t)(nl - tmp) + 1 : (size_t)n;
        n = recv(mon->fd, tmp, take, 0);
        if (n <= 0)
            continue;
        vk_buf_add(&line, tmp, (size_t)n);
        if (line.len > VK_QMP_MAX_MESSAGE) {
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                         "domain '%s': QEMU monitor message exceeds %u bytes", mon->what,
                         VK_QMP_MAX_MESSAGE);
            goto out;
        }
        if (nl)
            break;
    }
    obj = json_tokener_parse(line.data);
    if (!obj || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        obj = NULL;
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "domain '%s': QEMU monitor sent a malformed message", mon->what);
    }
out:
    vk_buf_free(&line);
    return obj;
}

/* Sends the first bytes with fd attached (SCM_RIGHTS), for QMP getfd /
 * add-fd: QEMU takes the fd that arrives with the command's bytes. */
static ssize_t send_with_fd(int sock, const char *buf, size_t len, int fd)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* Writes all of msg to the non-blocking socket, waiting for room; pass_fd
 * (>= 0) rides along with the first bytes sent. */
static int write_msg_fd(struct vk_qemu_monitor *mon, const char *msg, long long deadline,
                        int pass_fd)
{
    size_t len = strlen(msg), off = 0;
    while (off < len) {
        ssize_t n = pass_fd >= 0 ? send_with_fd(mon->fd, msg + off, len - off, pass_fd)
                                 : send(mon->fd, msg + off, len - off, MSG_NOSIGNAL);
        if (n > 0)
            pass_fd = -1;
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            /* QEMU is gone (or going): a state problem, not a system fault. */
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                                "domain '%s': QEMU closed the monitor connection", mon->what);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return vk_error_system(errno, "domain '%s': cannot write to the QEMU monitor",
                                   mon->what);
        long long left = deadline - mono_ms();
        if (left <= 0)
            return vk_error_set(VK_ERR_OPERATION_TIMEOUT, VK_FROM_QEMU,
                                "domain '%s': timed out writing to the QEMU monitor", mon->what);
        struct pollfd p = {.fd = mon->fd, .events = POLLOUT};
        poll(&p, 1, (int)left);
    }
    return 0;
}

static int write_msg(struct vk_qemu_monitor *mon, const char *msg, long long deadline)
{
    return write_msg_fd(mon, msg, deadline, -1);
}

static char *format_command(const char *cmd, const char *args_json, const char *id)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "execute", json_object_new_string(cmd));
    if (args_json) {
        struct json_object *a = json_tokener_parse(args_json);
        if (!a || !json_object_is_type(a, json_type_object)) {
            json_object_put(a);
            json_object_put(o);
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                         "arguments of QMP command '%s' are not a JSON object", cmd);
            return NULL;
        }
        json_object_object_add(o, "arguments", a);
    }
    json_object_object_add(o, "id", json_object_new_string(id));
    char *s = vk_asprintf("%s\r\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

static void mark_dead(struct vk_qemu_monitor *mon)
{
    pthread_mutex_lock(&mon->lock);
    mon->dead = true;
    pthread_cond_broadcast(&mon->cond);
    pthread_mutex_unlock(&mon->lock);
}

static void dispatch(struct vk_qemu_monitor *mon, struct json_object *msg)
{
    struct json_object *ev, *id;
    if (json_object_object_get_ex(msg, "event", &ev)) {
        struct json_object *data = NULL;
        json_object_object_get_ex(msg, "data", &data);
        pthread_mutex_lock(&mon->cb_lock);
        pthread_mutex_lock(&mon->lock);
        bool closed = mon->closed;
        pthread_mutex_unlock(&mon->lock);
        if (!closed && mon->cbs.event)
            mon->cbs.event(mon, json_object_get_string(ev), data, mon->opaque);
        pthread_mutex_unlock(&mon->cb_lock);
        return;
    }
    if (!json_object_object_get_ex(msg, "id", &id))
        return; /* a reply without id is not ours (we always send one) */
    pthread_mutex_lock(&mon->lock);
    if (mon->pending_id[0] && !strcmp(json_object_get_string(id), mon->pending_id) && !mon->reply) {
        mon->reply = json_object_get(msg);
        pthread_cond_broadcast(&mon->cond);
    }
    pthread_mutex_unlock(&mon->lock);
}

/* Splits mon->in into lines and dispatches the complete ones. */
static int process_input(struct vk_qemu_monitor *mon)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(mon->in.data + start, '\n', mon->in.len - start);
        if (!nl)
            break;
        *nl = '\0';
        struct json_object *msg = json_tokener_parse(mon->in.data + start);
        start = (size_t)(nl - mon->in.data) + 1;
        if (!msg || !json_object_is_type(msg, json_type_object)) {
            json_object_put(msg);
            VK_WARN("domain '%s': ignoring malformed QEMU monitor message", mon->what);
            continue;
        }
        dispatch(mon, msg);
        json_object_put(msg);
    }
    if (start) {
        memmove(mon->in.data, mon->in.data + start, mon->in.len - start);
        mon->in.len -= start;
        mon->in.data[mon->in.len] = '\0';
    }
    if (mon->in.len > VK_QMP_MAX_MESSAGE) {
        VK_WARN("domain '%s': QEMU monitor message exceeds %u bytes; disconnecting", mon->what,
                VK_QMP_MAX_MESSAGE);
        return -1;
    }
    return 0;
}

static void on_readable(int watch, int fd, int revents, void *opaque)
{
    struct vk_qemu_monitor *mon = opaque;
    char tmp[65536];
    bool eof = false;
    for (;;) {
        ssize_t n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n > 0) {
            vk_buf_add(&mon->in, tmp, (size_t)n);
            if (process_input(mon) < 0) {
                eof = true;
                break;
            }
            if ((size_t)n < sizeof(tmp))
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        eof = true;
        break;
    }
    if (!eof)
        return;
    mark_dead(mon);
    vk_loop_remove_fd(mon->loop, watch);
    pthread_mutex_lock(&mon->cb_lock);
    pthread_mutex_lock(&mon->lock);
    bool closed = mon->closed;
    pthread_mutex_unlock(&mon->lock);
    if (!closed && mon->cbs.eof)
        mon->cbs.eof(mon, mon->opaque);
    pthread_mutex_unlock(&mon->cb_lock);
}

struct vk_qemu_monitor *vk_qmp_open(struct vk_loop *loop, int fd, const char *what,
                                    const struct vk_qmp_callbacks *cbs, void *opaque,
                                    int timeout_ms)
{
    struct vk_qemu_monitor *mon = vk_calloc(1, sizeof(*mon));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mon->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&mon->lock, NULL);
    pthread_mutex_init(&mon->cb_lock, NULL);
    mon->refs = 1;
    mon->fd = fd;
    mon->loop = loop;
    mon->what = vk_strdup(what);
    mon->cbs = *cbs;
    mon->opaque = opaque;

    long long deadline = mono_ms() + timeout_ms;
    vk_autofree char *caps = NULL;
    struct json_object *greeting = read_line_sync(mon, deadline);
    if (!greeting)
        goto fail;
    bool is_qmp = json_object_object_get_ex(greeting, "QMP", NULL);
    json_object_put(greeting);
    if (!is_qmp) {
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "domain '%s': the monitor socket did not greet with QMP", what);
        goto fail;
    }
    vk_fd_set_nonblock(fd);
    caps = format_command("qmp_capabilities", NULL, "vk-0");
    if (write_msg(mon, caps, deadline) < 0)
        goto fail;
    struct json_object *reply = read_line_sync(mon, deadline);
    if (!reply)
        goto fail;
    bool ok = json_object_object_get_ex(reply, "return", NULL);
    json_object_put(reply);
    if (!ok) {
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "domain '%s': QEMU refused qmp_capabilities", what);
        goto fail;
    }
    mon->has_opaque = true;
    mon->refs++; /* the loop's */
    mon->watch = vk_loop_add_fd(loop, fd, POLLIN, on_readable, mon, watch_free);
    if (mon->watch < 0) {
        mon->refs--;
        mon->has_opaque = false;
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "domain '%s': cannot watch the monitor socket", what);
        goto fail;
    }
    return mon;
fail:
    mon_unref(mon);
    return NULL;
}

int vk_qmp_command(struct vk_qemu_monitor *mon, const char *cmd, const char *args_json,
                   char **reply_json, int timeout_ms)
{
    return vk_qmp_command_fd(mon, cmd, args_json, -1, reply_json, timeout_ms);
}

int vk_qmp_command_fd(struct vk_qemu_monitor *mon, const char *cmd, const char *args_json,
                      int pass_fd, char **reply_json, int timeout_ms)
{
    long long deadline = mono_ms() + timeout_ms;
    struct timespec dl = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
    struct json_object *reply = NULL;
    int ret = -1;

    pthread_mutex_lock(&mon->lock);
    mon->refs++;
    while (mon->busy && !mon->dead)
        if (pthread_cond_timedwait(&mon->cond, &mon->lock, &dl) == ETIMEDOUT)
            break;
    if (mon->dead || mon->busy) {
        bool dead = mon->dead;
        pthread_mutex_unlock(&mon->lock);
        if (dead)
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "domain '%s': QEMU monitor connection is closed", mon->what);
        else
            vk_error_set(VK_ERR_OPERATION_TIMEOUT, VK_FROM_QEMU,
                         "domain '%s': timed out waiting for another monitor command", mon->what);
        mon_unref(mon);
        return -1;
    }
    mon->busy = true;
    char id[32];
    snprintf(id, sizeof(id), "vk-%llu", ++mon->next_id);
    snprintf(mon->pending_id, sizeof(mon->pending_id), "%s", id);
    pthread_mutex_unlock(&mon->lock);

    vk_autofree char *msg = format_command(cmd, args_json, id);
    int wr = msg ? write_msg_fd(mon, msg, deadline, pass_fd) : -1;

    pthread_mutex_lock(&mon->lock);
    if (wr == 0) {
        while (!mon->reply && !mon->dead)
            if (pthread_cond_timedwait(&mon->cond, &mon->lock, &dl) == ETIMEDOUT)
                break;
        reply = mon->reply;
        mon->reply = NULL;
    }
    bool dead = mon->dead;
    mon->pending_id[0] = '\0';
    mon->busy = false;
    pthread_cond_broadcast(&mon->cond);
    pthread_mutex_unlock(&mon->lock);

    if (wr < 0)
        goto out;
    if (!reply) {
        if (dead)
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "domain '%s': QEMU closed the monitor during '%s'", mon->what, cmd);
        else
            vk_error_set(VK_ERR_OPERATION_TIMEOUT, VK_FROM_QEMU,
                         "domain '%s': timed out waiting for QEMU to answer '%s'", mon->what, cmd);
        goto out;
    }
    struct json_object *err, *val;
    if (json_object_object_get_ex(reply, "error", &err)) {
        struct json_object *desc = NULL;
        json_object_object_get_ex(err, "desc", &desc);
        vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU, "domain '%s': QEMU '%s' failed: %s",
                     mon->what, cmd, desc ? json_object_get_string(desc) : "unknown error");
        goto out;
    }
    if (!json_object_object_get_ex(reply, "return", &val)) {
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "domain '%s': QEMU reply to '%s' has no result", mon->what, cmd);
        goto out;
    }
    if (reply_json)
        *reply_json = vk_strdup(json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
    ret = 0;
out:
    json_object_put(reply);
    mon_unref(mon);
    return ret;
}

void vk_qmp_close(struct vk_qemu_monitor *mon)
{
    if (!mon)
        return;
    pthread_mutex_lock(&mon->lock);
    mon->closed = true;
    mon->dead = true;
    pthread_cond_broadcast(&mon->cond);
    int watch = mon->watch;
    pthread_mutex_unlock(&mon->lock);
    /* Wait out a callback in progress; later ones see closed. */
    pthread_mutex_lock(&mon->cb_lock);
    pthread_mutex_unlock(&mon->cb_lock);
    if (watch > 0)
        vk_loop_remove_fd(mon->loop, watch);
    /* QEMU serves one monitor client at a time: let it see us go now. */
    shutdown(mon->fd, SHUT_RDWR);
    /* The socket is closed when the last reference goes (the loop's watch
     * releases its own once removed), so the fd number is never reused under
     * a live watch. */
    mon_unref(mon);
}
