/* Status files: <run_dir>/qemu/<name>.status records a running domain (pid
 * and its start time, id, state, monitor path, live XML) so a restarted
 * daemon can find its QEMUs again. Written atomically on every change, and
 * first before the spawn as a 'starting' record (no pid): a daemon killed
 * before the pid is saved leaves a record by which the next one finds and
 * stops that QEMU (-uuid and -pidfile in its command line). */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_status.h"
#include "qemu/qemu_interface.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_name.h"

#define MAX_STATUS_BYTES (16u << 20)
/* How long a SIGKILLed leftover QEMU may take to vanish. */
#define ORPHAN_KILL_WAIT_MS 30000

static char *status_path(struct vk_qemu_driver *drv, const char *name)
{
    return vk_asprintf("%s/%s.status", drv->run_dir, name);
}

char *vk_qemu_status_pidfile(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    char u[VK_UUID_STRLEN];
    vk_uuid_format(uuid, u);
    return vk_asprintf("%s/%s/qemu.pid", drv->run_dir, u);
}

/* starting: no pid yet (written before the spawn). */
static int write_status(struct vk_qemu_dom *dom, bool starting, int id, const char *mon_path)
{
    struct vk_qemu_driver *drv = dom->drv;
    vk_autofree char *xml = vk_domain_def_format(dom->def, VK_FORMAT_LIVE, id);
    if (!xml) {
        vk_error_prefix("domain '%s': cannot write status", dom->name);
        return -1;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(dom->name));
    json_object_object_add(o, "pid", json_object_new_int64(starting ? 0 : dom->pid));
    json_object_object_add(o, "start_time",
                           json_object_new_uint64(starting ? 0 : dom->start_time));
    json_object_object_add(o, "id", json_object_new_int(id));
    json_object_object_add(o, "state", json_object_new_int(starting ? VK_DOM_PAUSED : dom->state));
    json_object_object_add(o, "reason", json_object_new_int(starting ? 10 : dom->reason));
    json_object_object_add(o, "monitor", json_object_new_string(mon_path ? mon_path : ""));
    if (starting)
        json_object_object_add(o, "starting", json_object_new_boolean(true));
    json_object_object_add(o, "qemu_version", json_object_new_uint64(dom->qemu_version));
    json_object_object_add(o, "no_shutdown", json_object_new_boolean(dom->no_shutdown));
    json_object_object_add(o, "vnc_port", json_object_new_int(dom->vnc_port));
    json_object_object_add(o, "spice_port", json_object_new_int(dom->spice_port));
    json_object_object_add(o, "xml", json_object_new_string(xml));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    vk_autofree char *path = status_path(drv, dom->name);
    int r = vk_mkdir_p(drv->run_dir, 0755);
    if (r == 0)
        /* Runtime state: atomic against our own crash is what re-attach
         * needs; QEMU does not outlive a host crash, so no fsync. */
        r = vk_file_replace(path, text, strlen(text), 0600);
    json_object_put(o);
    if (r < 0)
        vk_qemu_error_name_domain(dom->name);
    return r;
}

int vk_qemu_status_save(struct vk_qemu_dom *dom)
{
    return write_status(dom, false, dom->id, dom->mon_path);
}

int vk_qemu_status_save_starting(struct vk_qemu_dom *dom, int id, const char *mon_path)
{
    return write_status(dom, true, id, mon_path);
}

void vk_qemu_status_delete(struct vk_qemu_driver *drv, const char *name)
{
    vk_autofree char *path = status_path(drv, name);
    /* Runtime state (see write_status): no directory fsync needed. */
    if (unlink(path) < 0 && errno != ENOENT)
        VK_WARN("domain '%s': cannot remove '%s': %s", name, path, strerror(errno));
}

struct status {
    long long pid;
    unsigned long long start_time;
    int id, state, reason, vnc_port, spice_port;
    const char *monitor;
    unsigned long long qemu_version;
    bool no_shutdown;
    bool starting; /* written before the spawn: no pid */
    const char *xml;
};

static bool get_field(struct json_object *o, const char *key, json_type type,
                      struct json_object **v)
{
    return json_object_object_get_ex(o, key, v) && json_object_is_type(*v, type);
}

static int parse_status(struct json_object *o, struct status *s)
{
    struct json_object *v;
    /* No pid: the daemon died while it started this QEMU. */
    if (get_field(o, "pid", json_type_int, &v))
        s->pid = json_object_get_int64(v);
    if (get_field(o, "starting", json_type_boolean, &v))
        s->starting = json_object_get_boolean(v);
    if (s->pid == 0)
        s->starting = true;
    if (s->starting) /* its pid (if any) is not one to trust */
        s->pid = 0;
    if (get_field(o, "start_time", json_type_int, &v))
        s->start_time = json_object_get_uint64(v);
    else if (!s->starting)
        return -1;
    if (!get_field(o, "id", json_type_int, &v))
        return -1;
    s->id = json_object_get_int(v);
    if (!get_field(o, "state", json_type_int, &v))
        return -1;
    s->state = json_object_get_int(v);
    if (!get_field(o, "reason", json_type_int, &v))
        return -1;
    s->reason = json_object_get_int(v);
    if (!get_field(o, "monitor", json_type_string, &v))
        return -1;
    s->monitor = json_object_get_string(v);
    if (!get_field(o, "xml", json_type_string, &v))
        return -1;
    s->xml = json_object_get_string(v);
    if (get_field(o, "qemu_version", json_type_int, &v))
        s->qemu_version = json_object_get_uint64(v);
    if (get_field(o, "no_shutdown", json_type_boolean, &v))
        s->no_shutdown = json_object_get_boolean(v);
    if (get_field(o, "vnc_port", json_type_int, &v))
        s->vnc_port = json_object_get_int(v);
    if (get_field(o, "spice_port", json_type_int, &v))
        s->spice_port = json_object_get_int(v);
    if ((!s->starting && s->pid <= 0) || s->pid < 0 || s->pid > 0x7fffffff || s->id < 0 ||
        !s->monitor[0])
        return -1;
    return 0;
}

/* Whether /proc/PID/cmdline carries "-uuid <the domain's uuid>" and, if
 * pidfile is set, "-pidfile <pidfile>" (this daemon's QEMU, not another's). */
static bool cmdline_matches(pid_t pid, const uint8_t *uuid, const char *pidfile)
{
    char path[64], want[VK_UUID_STRLEN];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    vk_uuid_format(uuid, want);
    vk_autofree char *buf = NULL;
    size_t len;
    if (vk_file_read(path, 1 << 20, &buf, &len) < 0) {
        vk_error_reset();
        return false;
    }
    bool has_uuid = false, has_pidfile = !pidfile;
    const char *prev = "";
    for (size_t off = 0; off < len; off += strlen(buf + off) + 1) {
        const char *arg = buf + off;
        if (!strcmp(prev, "-uuid") && !strcmp(arg, want))
            has_uuid = true;
        if (pidfile && !strcmp(prev, "-pidfile") && !strcmp(arg, pidfile))
            has_pidfile = true;
        prev = arg;
    }
    return has_uuid && has_pidfile;
}

static bool cmdline_has_uuid(pid_t pid, const uint8_t *uuid)
{
    return cmdline_matches(pid, uuid, NULL);
}

/* A 'starting' record: the previous daemon died between writing it and
 * recording the pid. Finds every QEMU started for it (its command line
 * carries the uuid and this daemon's pidfile path), SIGKILLs it and waits
 * until it is gone (reaping it if it is our child). */
static void kill_starting_qemus(struct vk_qemu_driver *drv, const char *name, const uint8_t *uuid)
{
    vk_autofree char *pidfile = vk_qemu_status_pidfile(drv, uuid);
    DIR *d = opendir("/proc");
    if (!d) {
        VK_WARN("domain '%s': cannot scan /proc for a leftover QEMU: %s", name, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (*end || v <= 0 || v > 0x7fffffff || (pid_t)v == getpid())
            continue;
        pid_t pid = (pid_t)v;
        if (!cmdline_matches(pid, uuid, pidfile))
            continue;
        int pfd = pidfd_open(pid, 0);
        /* Checked again with the process pinned: the pid was not reused. */
        if (pfd < 0 || !cmdline_matches(pid, uuid, pidfile)) {
            if (pfd >= 0)
                close(pfd);
            continue;
        }
        VK_WARN("domain '%s': killing QEMU pid %d, left starting when the daemon stopped", name,
                (int)pid);
        pidfd_send_signal(pfd, SIGKILL, NULL, 0);
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        do {
            r = poll(&p, 1, ORPHAN_KILL_WAIT_MS);
        } while (r < 0 && errno == EINTR);
        if (r != 1)
            VK_ERROR("domain '%s': QEMU pid %d did not die from SIGKILL", name, (int)pid);
        /* Our child only in tests; otherwise ECHILD and init reaps it. */
        while (waitpid(pid, NULL, WNOHANG) < 0 && errno == EINTR)
            ;
        close(pfd);
    }
    closedir(d);
}

/* The QEMU is gone (or not ours): forget it. Persistent domains stay,
 * shut off; the status file and monitor socket go. */
static void forget(struct vk_qemu_driver *drv, const char *name, const char *monitor)
{
    vk_qemu_status_delete(drv, name);
    if (!monitor || !monitor[0])
        return;
    unlink(monitor);
    /* Its runtime dir is the monitor path without ".qmp" (same uuid). */
    size_t n = strlen(monitor), r = strlen(drv->run_dir);
    if (n > r + 5 && !strncmp(monitor, drv->run_dir, r) && monitor[r] == '/' &&
        !strcmp(monitor + n - 4, ".qmp") && !strchr(monitor + r + 1, '/')) {
        vk_autofree char *dir = vk_strndup(monitor, n - 4);
        vk_qemu_rmdir_shallow(dir);
    }
}

static void load_one_status(struct vk_qemu_driver *drv, const char *file)
{
    vk_autofree char *path = vk_asprintf("%s/%s", drv->run_dir, file);
    vk_autofree char *name = vk_strndup(file, strlen(file) - strlen(".status"));
    vk_autofree char *text = NULL;
    size_t len;
    struct json_object *o = NULL;
    struct vk_domain_def *def = NULL;
    struct vk_qemu_dom *dom = NULL;
    struct status s = {0};

    if (vk_file_read(path, MAX_STATUS_BYTES, &text, &len) < 0) {
        VK_WARN("ignoring status file '%s': %s", path, vk_error_last()->message);
        return;
    }
    o = json_tokener_parse(text);
    if (!o || !json_object_is_type(o, json_type_object) || parse_status(o, &s) < 0) {
        VK_WARN("removing status file '%s': it is not a valid status record", path);
        unlink(path);
        goto out;
    }
    pid_t pid = (pid_t)s.pid;
    unsigned long long now_start = vk_qemu_proc_start_time(pid);
    def = vk_domain_def_parse(s.xml, VK_PARSE_STATUS);
    if (!def || strcmp(def->name, name)) {
        VK_WARN("removing status file '%s': %s", path,
                def ? "its XML names another domain" : vk_error_last()->message);
        forget(drv, name, s.monitor);
        goto out;
    }

    if (s.starting) {
        /* Killed mid-start: stop what it spawned, as for a QEMU left paused
         * while starting; the domain stays shut off (transient: gone). */
        kill_starting_qemus(drv, name, def->uuid);
        vk_qemu_interfaces_release(def); /* feature "net" */
        VK_INFO("domain '%s': its start was cut by the daemon stopping; it is shut off", name);
        forget(drv, name, s.monitor);
        goto out;
    }

    pthread_mutex_lock(&drv->lock);
    dom = vk_qemu_list_find_uuid(drv, def->uuid);
    struct vk_qemu_dom *byname = vk_qemu_list_find_name(drv, def->name);
    if ((dom && strcmp(dom->name, def->name)) || (!dom && byname)) {
        pthread_mutex_unlock(&drv->lock);
        VK_WARN("removing status file '%s': domain '%s' conflicts with a defined domain", path,
                def->name);
        dom = NULL;
        forget(drv, name, s.monitor);
        goto out;
    }
    if (now_start == 0 || now_start != s.start_time) {
        pthread_mutex_unlock(&drv->lock);
        VK_INFO("domain '%s': QEMU pid %d is gone; marking it shut off", name, (int)pid);
        vk_qemu_interfaces_release(def); /* feature "net": its taps */
        if (dom) {
            pthread_mutex_lock(&dom->lock);
            dom->state = VK_DOM_SHUTOFF;
            dom->reason = 0; /* unknown: it died while no daemon watched */
            pthread_mutex_unlock(&dom->lock);
        }
        dom = NULL;
        forget(drv, name, s.monitor);
        goto out;
    }
    if (dom) {
        vk_qemu_dom_ref(dom);
        pthread_mutex_lock(&dom->lock);
        dom->newdef = dom->def; /* the config; def becomes the live one */
        dom->def = def;
        pthread_mutex_unlock(&dom->lock);
    } else {
        dom = vk_qemu_dom_new(drv, def);
        vk_qemu_list_insert(drv, dom);
    }
    def = NULL;
    if (s.id >= drv->next_id)
        drv->next_id = s.id + 1;
    pthread_mutex_unlock(&drv->lock);

    pthread_mutex_lock(&dom->lock);
    dom->pid = pid;
    dom->start_time = s.start_time;
    dom->id = s.id;
    dom->state = s.state;
    dom->reason = s.reason;
    dom->mon_path = vk_strdup(s.monitor);
    dom->qemu_version = s.qemu_version;
    dom->no_shutdown = s.no_shutdown;
    dom->vnc_port = s.vnc_port;
    dom->spice_port = s.spice_port;
    pthread_mutex_unlock(&dom->lock);

    if (s.state == VK_DOM_PAUSED && s.reason == 10 /* starting up */) {
        /* The previous daemon died while starting it: half set up, so stop
         * it (as libvirt does) rather than adopt it. */
        bool ours = cmdline_has_uuid(pid, dom->uuid);
        VK_WARN("domain '%s': QEMU pid %d was still starting when the daemon stopped%s", name,
                (int)pid, ours ? "; killing it" : "");
        int pfd = ours ? pidfd_open(pid, 0) : -1;
        if (pfd >= 0 && vk_qemu_proc_start_time(pid) == s.start_time)
            pidfd_send_signal(pfd, SIGKILL, NULL, 0);
        if (pfd >= 0)
            close(pfd);
        vk_qemu_process_stopped(dom, 6 /* failed */);
    } else if (vk_qemu_process_attach(dom) < 0) {
        /* A QEMU we cannot control is of no use and holds the name: stop
         * it, as libvirt does; but only if its command line shows it is
         * this domain's QEMU (a bad status file must not kill a stranger). */
        bool ours = cmdline_has_uuid(pid, dom->uuid);
        VK_ERROR("domain '%s': cannot re-attach to QEMU pid %d%s: %s", name, (int)pid,
                 ours ? ", killing it" : " (not its QEMU: left alone)", vk_error_last()->message);
        pthread_mutex_lock(&dom->lock);
        if (ours && dom->pidfd >= 0)
            pidfd_send_signal(dom->pidfd, SIGKILL, NULL, 0);
        pthread_mutex_unlock(&dom->lock);
        vk_qemu_process_stopped(dom, 6 /* failed */);
    } else {
        VK_INFO("domain '%s': re-attached to QEMU pid %d (id %d)", name, (int)pid, s.id);
    }
out:
    vk_qemu_dom_unref(dom);
    vk_domain_def_free(def);
    json_object_put(o);
}

void vk_qemu_status_load_all(struct vk_qemu_driver *drv)
{
    DIR *d = opendir(drv->run_dir);
    if (!d) {
        if (errno != ENOENT)
            VK_WARN("cannot read status files in '%s': %s", drv->run_dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n <= 7 || strcmp(e->d_name + n - 7, ".status"))
            continue;
        load_one_status(drv, e->d_name);
    }
    closedir(d);
}
