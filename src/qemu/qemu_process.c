/* QEMU processes: start, re-attach, destroy, and noticing when they exit.
 *
 * A process is watched through a pidfd on the event loop (this works for
 * QEMUs a previous daemon started, which are not our children); our own
 * children are reaped with waitpid when their pidfd fires. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu_cgroup.h"
#include "qemu_command.h"
#include "qemu_domain.h"
#include "qemu_interface.h"
#include "qemu_monitor.h"
#include "qemu_status.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

/* QEMU's greeting can be slow on a loaded host under TCG; a dead QEMU is
 * noticed at once anyway (the connection resets). */
#define GREETING_TIMEOUT_MS 60000
#define COMMAND_TIMEOUT_MS 30000
/* Destroy: SIGTERM, then SIGKILL after this long. */
#define TERM_GRACE_MS 3000
#define KILL_WAIT_MS 30000
/* VK_DESTROY_GRACEFUL: how long SIGTERM alone may take. */
#define GRACEFUL_WAIT_MS 10000

enum {
    SHUTOFF_UNKNOWN = 0,
    SHUTOFF_SHUTDOWN = 1,
    SHUTOFF_DESTROYED = 2,
    SHUTOFF_CRASHED = 3,
    SHUTOFF_FAILED = 6
};
enum { RUNNING_BOOTED = 1, RUNNING_UNPAUSED = 5 };
enum { PAUSED_UNKNOWN = 0, PAUSED_USER = 1, PAUSED_SHUTTING_DOWN = 6, PAUSED_STARTING_UP = 10 };
enum { SHUTDOWN_USER = 1 };

static bool drv_closed(struct vk_qemu_driver *drv)
{
    return __atomic_load_n(&drv->closed, __ATOMIC_SEQ_CST);
}

unsigned long long vk_qemu_proc_start_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    vk_autofree char *buf = NULL;
    size_t len;
    if (vk_file_read(path, 4096, &buf, &len) < 0) {
        vk_error_reset();
        return 0;
    }
    /* comm (field 2) may hold spaces and ')': fields resume after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    unsigned long long v = 0;
    /* After ')': field 3 is state; field 22 is the 20th token from here. */
    char *save = NULL;
    char *tok = strtok_r(p + 1, " ", &save);
    for (int field = 3; tok; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 22) {
            v = strtoull(tok, NULL, 10);
            break;
        }
    }
    return v;
}

unsigned long long vk_qemu_proc_cpu_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    vk_autofree char *buf = NULL;
    size_t len;
    if (vk_file_read(path, 4096, &buf, &len) < 0) {
        vk_error_reset();
        return 0;
    }
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    unsigned long long utime = 0, stime = 0;
    char *save = NULL;
    char *tok = strtok_r(p + 1, " ", &save);
    for (int field = 3; tok && field <= 15; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 14)
            utime = strtoull(tok, NULL, 10);
        else if (field == 15)
            stime = strtoull(tok, NULL, 10);
    }
    long tck = sysconf(_SC_CLK_TCK);
    if (tck <= 0)
        tck = 100;
    return (utime + stime) * (1000000000ULL / (unsigned long long)tck);
}

static char *dom_run_dir(const struct vk_qemu_dom *dom)
{
    char uuid[VK_UUID_STRLEN];
    vk_uuid_format(dom->uuid, uuid);
    return vk_asprintf("%s/%s", dom->drv->run_dir, uuid);
}

void vk_qemu_rmdir_shallow(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    rmdir(dir);
}

/* Removes the per-domain runtime directory and what QEMU left in it. */
static void remove_dom_run_dir(const struct vk_qemu_dom *dom)
{
    vk_autofree char *dir = dom_run_dir(dom);
    vk_qemu_rmdir_shallow(dir);
}

static const char *reason_name(int reason)
{
    switch (reason) {
    case SHUTOFF_SHUTDOWN:
        return "shutdown";
    case SHUTOFF_DESTROYED:
        return "destroyed";
    case SHUTOFF_CRASHED:
        return "crashed";
    case SHUTOFF_FAILED:
        return "failed";
    case 5: /* feature "save": SHUTOFF_SAVED */
        return "saved";
    default:
        return "unknown";
    }
}

static void log_line(const struct vk_qemu_dom *dom, const char *fmt, const char *arg)
{
    vk_autofree char *path = vk_asprintf("%s/%s.log", dom->drv->log_dir, dom->name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char ts[64];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    dprintf(fd, "%s.%03ld+0000: ", ts, now.tv_nsec / 1000000);
    dprintf(fd, fmt, arg);
    dprintf(fd, "\n");
    close(fd);
}

/* only_watch > 0: act only if that pid watch is still the domain's (a late
 * callback for an earlier process must not stop a new one). */
static void process_stopped(struct vk_qemu_dom *dom, int reason, int only_watch)
{
    struct vk_qemu_driver *drv = dom->drv;
    /* The list lock too, so a transient domain leaves the list in the same
     * instant it stops being active (no caller sees it shut off). */
    pthread_mutex_lock(&drv->lock);
    pthread_mutex_lock(&dom->lock);
    if (!vk_qemu_dom_is_active(dom) || (only_watch > 0 && dom->pid_watch != only_watch)) {
        pthread_mutex_unlock(&dom->lock);
        pthread_mutex_unlock(&drv->lock);
        return;
    }
    if (reason < 0)
        reason = dom->destroying      ? SHUTOFF_DESTROYED
                 : dom->shutdown_seen ? SHUTOFF_SHUTDOWN
                                      : SHUTOFF_CRASHED;
    /* Our child: reap it (a re-attached QEMU is someone else's: ECHILD). */
    while (waitpid(dom->pid, NULL, WNOHANG) < 0 && errno == EINTR)
        ;
    struct vk_qemu_monitor *mon = dom->mon;
    int watch = dom->pid_watch;
    dom->mon = NULL;
    dom->pid_watch = 0;
    if (dom->pidfd >= 0)
        close(dom->pidfd);
    dom->pidfd = -1;
    dom->pid = 0;
    dom->start_time = 0;
    dom->id = -1;
    dom->state = VK_DOM_SHUTOFF;
    dom->reason = reason;
    dom->destroying = false;
    dom->shutdown_seen = false;
    dom->fake_reboot = dom->paused_shutdown = false;
    dom->vnc_port = dom->spice_port = 0;
    vk_qemu_interfaces_release(dom->def); /* feature "net": taps we created */
    vk_qemu_unplugs_clear(dom);
    if (dom->newdef) {
        vk_domain_def_free(dom->def);
        dom->def = dom->newdef;
        dom->newdef = NULL;
    }
    if (dom->mon_path)
        unlink(dom->mon_path);
    VK_FREE(dom->mon_path);
    remove_dom_run_dir(dom);
    /* Under the lock so a start that follows cannot lose its new status file. */
    vk_qemu_status_delete(drv, dom->name);
    bool unlisted = false;
    if (!dom->persistent && !dom->removed) {
        unlisted = vk_qemu_list_remove_locked(drv, dom);
        dom->removed = true;
    }
    /* libvirt's STOPPED details: 0 shutdown, 1 destroyed, 2 crashed, 5 failed.
     * Told under the locks, so it precedes any caller seeing the domain off. */
    int detail = reason == SHUTOFF_DESTROYED ? 1
                 : reason == SHUTOFF_CRASHED ? 2
                 : reason == SHUTOFF_FAILED  ? 5
                 : reason == 5 /* saved */   ? 4 /* STOPPED_SAVED */
                                             : 0;
    vk_qemu_emit(dom, -1, VK_EVENT_STOPPED, detail);
    pthread_cond_broadcast(&dom->cond);
    pthread_mutex_unlock(&dom->lock);
    pthread_mutex_unlock(&drv->lock);

    log_line(dom, "shutting down, reason=%s", reason_name(reason));
    VK_INFO("domain '%s' stopped (%s)", dom->name, reason_name(reason));
    vk_qmp_close(mon);
    if (watch > 0)
        vk_loop_remove_fd(drv->loop, watch);
    vk_qemu_cgroup_remove(dom); /* feature "tune" */
    if (unlisted)
        vk_qemu_dom_unref(dom); /* the list's reference */
}

void vk_qemu_process_stopped(struct vk_qemu_dom *dom, int reason)
{
    process_stopped(dom, reason, 0);
}

/* ---- loop-thread callbacks ---- */

struct pid_watch {
    struct vk_qemu_dom *dom;
    int fd;
};

static void pid_watch_free(void *opaque)
{
    struct pid_watch *pw = opaque;
    close(pw->fd);
    vk_qemu_dom_unref(pw->dom);
    free(pw);
}

static void on_process_exit(int watch, int fd, int revents, void *opaque)
{
    struct pid_watch *pw = opaque;
    vk_loop_remove_fd(pw->dom->drv->loop, watch);
    if (drv_closed(pw->dom->drv))
        return;
    process_stopped(pw->dom, -1, watch);
}

/* Under dom->lock. */
static int watch_process(struct vk_qemu_dom *dom)
{
    struct pid_watch *pw = vk_calloc(1, sizeof(*pw));
    pw->fd = fcntl(dom->pidfd, F_DUPFD_CLOEXEC, 3);
    if (pw->fd < 0) {
        int e = errno;
        free(pw);
        return vk_error_system(e, "domain '%s': cannot watch the QEMU process", dom->name);
    }
    vk_qemu_dom_ref(dom);
    pw->dom = dom;
    dom->pid_watch =
        vk_loop_add_fd(dom->drv->loop, pw->fd, POLLIN, on_process_exit, pw, pid_watch_free);
    return 0;
}

void vk_qemu_dom_set_state(struct vk_qemu_dom *dom, int state, int reason)
{
    int old = dom->state;
    if (old == state && dom->reason == reason)
        return;
    dom->state = state;
    dom->reason = reason;
    if (vk_qemu_status_save(dom) < 0)
        VK_WARN("%s", vk_error_last()->message);
    if (old == state || dom->starting)
        return;
    if (state == VK_DOM_PAUSED && old == VK_DOM_RUNNING)
        vk_qemu_emit(dom, dom->id, VK_EVENT_SUSPENDED, 0);
    else if (state == VK_DOM_RUNNING)
        vk_qemu_emit(dom, dom->id, VK_EVENT_RESUMED, 0);
    else if (state == VK_DOM_SHUTDOWN)
        vk_qemu_emit(dom, dom->id, VK_EVENT_SHUTDOWN, dom->shutdown_detail);
    else if (state == VK_DOM_CRASHED) /* feature "lifecycle": detail panicked */
        vk_qemu_emit(dom, dom->id, VK_EVENT_CRASHED, 0);
}

static void on_event(struct vk_qemu_monitor *mon, const char *name, struct json_object *data,
                     void *opaque)
{
    struct vk_qemu_dom *dom = opaque;
    if (drv_closed(dom->drv))
        return;
    pthread_mutex_lock(&dom->lock);
    if (dom->mon != mon || !vk_qemu_dom_is_active(dom)) {
        pthread_mutex_unlock(&dom->lock);
        return;
    }
    VK_DEBUG("domain '%s': QMP event %s", dom->name, name);
    if (dom->destroying || dom->state == VK_DOM_CRASHED) {
        /* Our own SIGTERM says SHUTDOWN too: the exit will be DESTROYED (or
         * CRASHED after a panic: on_crash decides, qemu_driver_events.c). */
    } else if (!strcmp(name, "SHUTDOWN")) {
        if (dom->state == VK_DOM_SHUTDOWN || dom->paused_shutdown) {
            /* repeated: already acted on */
        } else if (dom->no_shutdown &&
                   (dom->fake_reboot || dom->def->on_poweroff == VK_LIFE_RESTART)) {
            /* libvirt's fake reboot: no state change, no event but REBOOT. */
            vk_qemu_lifecycle_fake_reboot(dom);
        } else {
            dom->shutdown_seen = true;
            vk_qemu_lifecycle_shutdown_event(dom, data); /* feature "events" */
            /* With -no-shutdown QEMU stays after the guest powers off; unless
             * the config says preserve, finish the job as libvirt does. */
            if (dom->no_shutdown && dom->def->on_poweroff != VK_LIFE_PRESERVE)
                pidfd_send_signal(dom->pidfd, SIGTERM, NULL, 0);
            vk_qemu_dom_set_state(dom, VK_DOM_SHUTDOWN, SHUTDOWN_USER);
        }
    } else if (!strcmp(name, "DEVICE_DELETED")) {
        vk_qemu_unplug_deleted_event(dom, data); /* feature "net": hotplug */
    } else if (!strcmp(name, "RESET")) {
        /* As libvirt: a reset completes a requested reboot; the firmware's
         * own resets while starting are no reboot. */
        dom->fake_reboot = false;
        if (!dom->starting)
            vk_qemu_emit(dom, dom->id, VK_EVENT_X_REBOOT, 0); /* feature "events" */
    } else if (!strcmp(name, "GUEST_PANICKED")) {
        vk_qemu_lifecycle_panicked(dom); /* feature "lifecycle" */
    } else if (dom->paused_shutdown) {
        /* STOP/RESUME around a fake reboot are not the user's pause. */
    } else if (!strcmp(name, "STOP")) {
        if (dom->state == VK_DOM_RUNNING)
            vk_qemu_dom_set_state(dom, VK_DOM_PAUSED, PAUSED_UNKNOWN);
        else if (dom->state == VK_DOM_SHUTDOWN)
            vk_qemu_dom_set_state(dom, VK_DOM_PAUSED, PAUSED_SHUTTING_DOWN);
    } else if (!strcmp(name, "RESUME")) {
        if (dom->state == VK_DOM_PAUSED)
            vk_qemu_dom_set_state(dom, VK_DOM_RUNNING,
                                  dom->reason == PAUSED_STARTING_UP ? RUNNING_BOOTED
                                                                    : RUNNING_UNPAUSED);
    }
    pthread_mutex_unlock(&dom->lock);
    (void)data;
}

static void on_eof(struct vk_qemu_monitor *mon, void *opaque)
{
    struct vk_qemu_dom *dom = opaque;
    VK_DEBUG("domain '%s': QEMU closed the monitor", dom->name);
}

static void on_release(void *opaque)
{
    vk_qemu_dom_unref(opaque);
}

static const struct vk_qmp_callbacks mon_cbs = {
    .event = on_event, .eof = on_eof, .release = on_release};

static struct vk_qemu_monitor *open_monitor(struct vk_qemu_dom *dom, int fd)
{
    vk_qemu_dom_ref(dom);
    struct vk_qemu_monitor *mon =
        vk_qmp_open(dom->drv->loop, fd, dom->name, &mon_cbs, dom, GREETING_TIMEOUT_MS);
    if (!mon)
        vk_qemu_dom_unref(dom);
    return mon;
}

/* ---- start ---- */

static int listen_monitor(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "monitor socket path '%s' is too long (max %zu bytes)", path,
                            sizeof(sa.sun_path) - 1);
    strcpy(sa.sun_path, path);
    if (unlink(path) < 0 && errno != ENOENT)
        return vk_error_system(errno, "cannot remove stale monitor socket '%s'", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vk_error_system(errno, "cannot create monitor socket");
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        return vk_error_system(e, "cannot listen on monitor socket '%s'", path);
    }
    return fd;
}

static bool argv_has(char **argv, const char *opt)
{
    for (size_t i = 0; argv[i]; i++)
        if (!strcmp(argv[i], opt))
            return true;
    return false;
}

static bool port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static bool wants_autoport(const struct vk_domain_def *def, enum vk_graphics_type type)
{
    for (size_t i = 0; i < def->ngraphics; i++) {
        const struct vk_graphics_def *g = &def->graphics[i];
        const char *lt = g->listen_type ? g->listen_type : "address";
        if (g->type == type && !strcmp(lt, "address") && (g->autoport || g->port < 0))
            return true;
    }
    return false;
}

/* Ports for <graphics autoport> VNC and SPICE: not used by another running
 * domain of ours, not the other one's, and bindable now (QEMU binds them a
 * moment later). 0 where none is wanted. */
static void pick_graphics_ports(struct vk_qemu_dom *dom, int *vnc, int *spice)
{
    struct vk_qemu_driver *drv = dom->drv;
    int *want[2] = {wants_autoport(dom->def, VK_GRAPHICS_VNC) ? vnc : NULL,
                    wants_autoport(dom->def, VK_GRAPHICS_SPICE) ? spice : NULL};
    *vnc = *spice = 0;
    pthread_mutex_lock(&drv->lock);
    int p = 5900;
    for (int k = 0; k < 2; k++) {
        for (; want[k] && !*want[k] && p < 65536; p++) {
            bool used = false;
            for (size_t i = 0; i < drv->ndoms && !used; i++)
                if (drv->doms[i] != dom &&
                    (drv->doms[i]->vnc_port == p || drv->doms[i]->spice_port == p))
                    used = true;
            if (!used && port_free(p))
                *want[k] = p;
        }
    }
    pthread_mutex_unlock(&drv->lock);
}

static int open_log(struct vk_qemu_dom *dom, char **argv, unsigned long long version, off_t *start)
{
    if (vk_mkdir_p(dom->drv->log_dir, 0755) < 0)
        return -1;
    vk_autofree char *path = vk_asprintf("%s/%s.log", dom->drv->log_dir, dom->name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return vk_error_system(errno, "domain '%s': cannot open log file '%s'", dom->name, path);
    vk_autofree char *line = vk_argv_to_string(argv);
    char ts[64];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    dprintf(fd, "%s.%03ld+0000: starting up virtkit, qemu version: %llu.%llu.%llu\n%s\n", ts,
            now.tv_nsec / 1000000, version / 1000000, version / 1000 % 1000, version % 1000, line);
    *start = lseek(fd, 0, SEEK_END);
    return fd;
}

/* What QEMU wrote to its log since start (its own error message). */
static char *log_tail(struct vk_qemu_dom *dom, off_t start)
{
    vk_autofree char *path = vk_asprintf("%s/%s.log", dom->drv->log_dir, dom->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vk_strdup("");
    char buf[800];
    off_t end = lseek(fd, 0, SEEK_END);
    if (end - start > (off_t)sizeof(buf) - 1)
        start = end - (off_t)sizeof(buf) + 1;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, start);
    close(fd);
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n')
            buf[i] = ' ';
    return vk_strdup(buf);
}

/* -pidfile in the domain's runtime dir: marks the process as this daemon's
 * QEMU of this domain (see vk_qemu_status_pidfile). */
static void add_pidfile(struct vk_qemu_dom *dom, char ***argv)
{
    size_t n = 0;
    while ((*argv)[n])
        n++;
    *argv = vk_realloc(*argv, (n + 3) * sizeof(**argv));
    (*argv)[n] = vk_strdup("-pidfile");
    (*argv)[n + 1] = vk_qemu_status_pidfile(dom->drv, dom->uuid);
    (*argv)[n + 2] = NULL;
}

static int check_kvm(const struct vk_qemu_dom *dom)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                        "domain '%s': domain type 'kvm' needs /dev/kvm, which cannot be opened "
                        "(%s); use <domain type='qemu'> for software emulation (TCG)",
                        dom->name, strerror(errno));
}

/* As libvirt with QEMU >= 6.0: on_reboot 'destroy' turns a guest reset
 * into a power-off (QEMU stays, -no-shutdown; the SHUTDOWN handler ends
 * it), instead of -no-reboot on the command line. */
static int setup_lifecycle(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon)
{
    if (dom->def->on_reboot != VK_LIFE_DESTROY)
        return 0;
    return vk_qmp_command(mon, "set-action", "{\"reboot\":\"shutdown\"}", NULL,
                          COMMAND_TIMEOUT_MS);
}

/* <memballoon><stats period='N'/>: libvirt sets the guest's statistics
 * interval at start (not on the command line). A failure only costs the
 * statistics: logged. */
static void setup_balloon(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon)
{
    const struct vk_memballoon_def *b = &dom->def->memballoon;
    if (!b->present || b->period <= 0 || (b->model && strcmp(b->model, "virtio") != 0))
        return;
    vk_autofree char *args = vk_asprintf(
        "{\"path\":\"/machine/peripheral/%s\",\"property\":\"guest-stats-polling-interval\","
        "\"value\":%d}",
        b->info.alias ? b->info.alias : "balloon0", b->period);
    if (vk_qmp_command(mon, "qom-set", args, NULL, COMMAND_TIMEOUT_MS) < 0)
        VK_WARN("domain '%s': cannot set the memory statistics period: %s", dom->name,
                vk_error_last()->message);
}

int vk_qemu_process_start(struct vk_qemu_dom *dom, unsigned flags)
{
    struct vk_qemu_driver *drv = dom->drv;
    const struct vk_domain_def *def = dom->def; /* stable: we hold the job, it is inactive */
    char **argv = NULL;
    int lfd = -1, logfd = -1, cfd = -1, pidfd = -1;
    pid_t pid = 0;
    off_t log_start = 0;
    struct vk_qemu_monitor *mon = NULL;
    unsigned long long version;
    vk_autofree char *mon_path = NULL;
    vk_autofree char *run_dir = dom_run_dir(dom);
    bool paused = flags & VK_START_PAUSED;
    bool intent_saved = false;
    int *tap_fds = NULL; /* feature "net" */
    bool made_newdef = false, taps_open = false;
    int *keep = NULL;

    if (def->virt_type == VK_VIRT_KVM && check_kvm(dom) < 0)
        return -1;
    if (vk_qemu_emulator_version(drv, vk_qemu_emulator_of(def), &version) < 0) {
        vk_qemu_error_name_domain(dom->name);
        return -1;
    }
    if (vk_mkdir_p(drv->run_dir, 0755) < 0 || vk_mkdir_p(run_dir, 0700) < 0)
        return -1;
    char uuid[VK_UUID_STRLEN];
    vk_uuid_format(dom->uuid, uuid);
    mon_path = vk_asprintf("%s/%s.qmp", drv->run_dir, uuid);
    if ((lfd = listen_monitor(mon_path)) < 0)
        goto fail;

    /* Feature "net": taps name themselves into the live def (vnetN), so the
     * config is set apart first. */
    pthread_mutex_lock(&dom->lock);
    if (dom->persistent && !dom->newdef && def->nnets) {
        dom->newdef = vk_domain_def_copy(def);
        made_newdef = dom->newdef != NULL;
    }
    pthread_mutex_unlock(&dom->lock);
    if (vk_qemu_interfaces_open(dom->name, dom->def, &tap_fds) < 0)
        goto fail;
    taps_open = true;

    int vnc_port, spice_port;
    pick_graphics_ports(dom, &vnc_port, &spice_port);
    struct vk_qemu_cmd_ctx ctx = {
        .monitor_fd = lfd, .qemu_version = version, .run_dir = run_dir, .vnc_port = vnc_port,
        .spice_port = spice_port, .incoming_defer = flags & VK_START_X_INCOMING,
        .net_fds = tap_fds, .nnet_fds = def->nnets};
    argv = vk_qemu_build_argv(def, &ctx);
    if (!argv) {
        vk_qemu_error_name_domain(dom->name);
        goto fail;
    }
    bool has_S = argv_has(argv, "-S");
    add_pidfile(dom, &argv);
    if ((logfd = open_log(dom, argv, version, &log_start)) < 0)
        goto fail;
    pthread_mutex_lock(&drv->lock);
    int id = drv->next_id++;
    pthread_mutex_unlock(&drv->lock);
    /* Durable before the spawn: a daemon killed from here until the pid is
     * saved leaves a 'starting' record, which the next daemon uses to find
     * and stop this QEMU (by uuid and pidfile), not an orphan. */
    pthread_mutex_lock(&dom->lock);
    int intent = vk_qemu_status_save_starting(dom, id, mon_path);
    pthread_mutex_unlock(&dom->lock);
    if (intent < 0)
        goto fail;
    intent_saved = true;

    keep = vk_calloc(def->nnets + 1, sizeof(int));
    int nkeep = 0;
    keep[nkeep++] = lfd;
    for (size_t i = 0; i < def->nnets; i++)
        if (tap_fds[i] >= 0)
            keep[nkeep++] = tap_fds[i];
    struct vk_spawn_opts so = {.stdin_fd = -1,
                               .stdout_fd = logfd,
                               .stderr_fd = logfd,
                               .keep_fds = keep,
                               .nkeep_fds = nkeep,
                               .new_session = true};
    if (vk_spawn(argv, &so, &pid) < 0) {
        vk_qemu_error_name_domain(dom->name);
        pid = 0;
        goto fail;
    }
    close(logfd);
    logfd = -1;
    vk_qemu_interfaces_close_fds(tap_fds, def->nnets); /* QEMU holds them now */
    tap_fds = NULL;
    pidfd = pidfd_open(pid, 0);
    if (pidfd < 0) {
        vk_error_system(errno, "domain '%s': cannot open a pidfd for QEMU", dom->name);
        goto fail;
    }
    unsigned long long start_time = vk_qemu_proc_start_time(pid);
    if (vk_qemu_cgroup_setup(dom, pid) < 0) /* feature "tune": before the guest runs */
        goto fail;
    /* The socket already listens: connect at once, no polling for it. */
    if ((cfd = vk_qmp_connect(mon_path)) < 0)
        goto fail;
    close(lfd); /* QEMU holds it now; if QEMU dies our connection resets */
    lfd = -1;

    /* Publish pid and monitor so events from here on find the domain. */
    pthread_mutex_lock(&dom->lock);
    dom->pid = pid;
    dom->pidfd = pidfd;
    dom->start_time = start_time;
    dom->state = VK_DOM_PAUSED;
    dom->reason = PAUSED_STARTING_UP;
    dom->no_shutdown = argv_has(argv, "-no-shutdown");
    dom->qemu_version = version;
    dom->vnc_port = vnc_port;
    dom->spice_port = spice_port;
    dom->destroying = dom->shutdown_seen = false;
    dom->fake_reboot = dom->paused_shutdown = false;
    dom->starting = true;
    dom->id = id;
    dom->mon_path = vk_strdup(mon_path);
    pidfd = -1;
    /* No save here: the 'starting' record covers the process until the
     * save below records it running (one durable write per start saved). */
    pthread_mutex_unlock(&dom->lock);

    mon = open_monitor(dom, cfd);
    cfd = -1;
    if (!mon)
        goto fail_published;
    pthread_mutex_lock(&dom->lock);
    dom->mon = mon;
    pthread_mutex_unlock(&dom->lock);

    if (vk_qemu_cgroup_place_vcpus(dom, mon) < 0) /* feature "tune" */
        goto fail_published;
    if (setup_lifecycle(dom, mon) < 0)
        goto fail_published;
    setup_balloon(dom, mon);
    if (!paused && has_S && vk_qmp_command(mon, "cont", NULL, NULL, COMMAND_TIMEOUT_MS) < 0)
        goto fail_published;
    if (paused && !has_S && vk_qmp_command(mon, "stop", NULL, NULL, COMMAND_TIMEOUT_MS) < 0)
        goto fail_published;

    pthread_mutex_lock(&dom->lock);
    dom->starting = false;
    dom->state = paused ? VK_DOM_PAUSED : VK_DOM_RUNNING;
    dom->reason = paused ? PAUSED_USER : RUNNING_BOOTED;
    if (vk_qemu_status_save(dom) < 0 || watch_process(dom) < 0) {
        pthread_mutex_unlock(&dom->lock);
        goto fail_published;
    }
    /* The config stays apart from the live def (libvirt's newDef). */
    if (dom->persistent && !dom->newdef)
        dom->newdef = vk_domain_def_copy(dom->def);
    /* A restore tells its own start once the memory is in (qemu_driver_save.c). */
    if (!(flags & VK_START_X_INCOMING)) {
        vk_qemu_emit(dom, id, VK_EVENT_STARTED, 0);
        if (paused)
            vk_qemu_emit(dom, id, VK_EVENT_SUSPENDED, 0);
    }
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_argv_free(argv);
    free(keep);
    VK_INFO("domain '%s' started: id %d, pid %d", dom->name, id, (int)pid);
    vk_qemu_console_learn(dom); /* pty paths, VNC port into the live def */
    return 0;

fail_published : {
    /* Take the process back: kill it, wait for it, forget it. */
    pthread_mutex_lock(&dom->lock);
    pidfd = dom->pidfd;
    dom->pidfd = -1;
    mon = dom->mon;
    dom->mon = NULL;
    if (dom->pid_watch > 0)
        vk_loop_remove_fd(drv->loop, dom->pid_watch);
    dom->pid_watch = 0;
    dom->pid = 0;
    dom->id = -1;
    dom->starting = false;
    dom->state = VK_DOM_SHUTOFF;
    dom->reason = SHUTOFF_FAILED;
    VK_FREE(dom->mon_path);
    vk_qemu_status_delete(drv, dom->name);
    intent_saved = false;
    pthread_mutex_unlock(&dom->lock);
}
fail : {
    struct vk_error saved = *vk_error_last();
    vk_qmp_close(mon);
    if (pid > 0) {
        /* If QEMU died by itself, its log says why: that is the error. */
        kill(pid, SIGKILL);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        bool exited = WIFEXITED(st) || (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL);
        vk_autofree char *tail = log_tail(dom, log_start);
        if (exited && tail[0])
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                         "domain '%s': QEMU failed to start: %s", dom->name, tail);
        else
            vk_error_set(saved.code, saved.domain, "%s", saved.message);
        log_line(dom, "shutting down, reason=%s", "failed");
    }
    if (pidfd >= 0)
        close(pidfd);
    if (cfd >= 0)
        close(cfd);
    if (lfd >= 0)
        close(lfd);
    if (logfd >= 0)
        close(logfd);
    if (mon_path)
        unlink(mon_path);
    remove_dom_run_dir(dom);
    vk_qemu_cgroup_remove(dom); /* feature "tune" */
    if (intent_saved) /* QEMU is gone: the 'starting' record is void */
        vk_qemu_status_delete(drv, dom->name);
    vk_qemu_interfaces_close_fds(tap_fds, def->nnets);
    free(keep);
    if (taps_open) {
        struct vk_error kept = *vk_error_last();
        vk_qemu_interfaces_release(def);
        vk_error_set(kept.code, kept.domain, "%s", kept.message);
    }
    pthread_mutex_lock(&dom->lock);
    dom->state = VK_DOM_SHUTOFF;
    dom->reason = SHUTOFF_FAILED;
    dom->vnc_port = dom->spice_port = 0;
    if (made_newdef) { /* the config again, without runtime tap names */
        vk_domain_def_free(dom->def);
        dom->def = dom->newdef;
        dom->newdef = NULL;
    }
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_argv_free(argv);
    return -1;
}
}

/* ---- re-attach ---- */

int vk_qemu_process_attach(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    pid_t pid = dom->pid;
    unsigned long long start_time = dom->start_time;
    vk_autofree char *mon_path = vk_strdup(dom->mon_path);
    pthread_mutex_unlock(&dom->lock);

    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0)
        return vk_error_system(errno, "domain '%s': QEMU pid %d is gone", dom->name, (int)pid);
    /* The pidfd pins the process: checking the start time now is race-free. */
    if (vk_qemu_proc_start_time(pid) != start_time) {
        close(pidfd);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "domain '%s': pid %d is no longer its QEMU", dom->name, (int)pid);
    }
    pthread_mutex_lock(&dom->lock);
    dom->pidfd = pidfd;
    pthread_mutex_unlock(&dom->lock);

    int fd = vk_qmp_connect(mon_path);
    if (fd < 0)
        return -1;
    struct vk_qemu_monitor *mon = open_monitor(dom, fd);
    if (!mon)
        return -1;
    pthread_mutex_lock(&dom->lock);
    dom->mon = mon;
    pthread_mutex_unlock(&dom->lock);

    vk_autofree char *reply = NULL;
    if (vk_qmp_command(mon, "query-status", NULL, &reply, COMMAND_TIMEOUT_MS) < 0)
        return -1;
    struct json_object *st = json_tokener_parse(reply), *running = NULL, *status = NULL;
    json_object_object_get_ex(st, "running", &running);
    json_object_object_get_ex(st, "status", &status);
    bool is_running = running && json_object_get_boolean(running);
    const char *status_s = status ? json_object_get_string(status) : "";

    pthread_mutex_lock(&dom->lock);
    int state = dom->state, reason = dom->reason;
    if (is_running) {
        if (state != VK_DOM_RUNNING)
            reason = RUNNING_UNPAUSED;
        state = VK_DOM_RUNNING;
    } else if (!strcmp(status_s, "guest-panicked")) {
        state = VK_DOM_CRASHED; /* on_crash 'preserve' (else it would be gone) */
        reason = 1;             /* VIR_DOMAIN_CRASHED_PANICKED */
    } else if (!strcmp(status_s, "shutdown")) {
        state = VK_DOM_SHUTDOWN; /* -no-shutdown after a guest poweroff */
        reason = SHUTDOWN_USER;
        dom->shutdown_seen = true;
    } else {
        if (state != VK_DOM_PAUSED)
            reason = PAUSED_UNKNOWN;
        state = VK_DOM_PAUSED;
    }
    json_object_put(st);
    dom->state = state;
    dom->reason = reason;
    int r = vk_qemu_status_save(dom);
    if (r == 0)
        r = watch_process(dom);
    pthread_mutex_unlock(&dom->lock);
    if (r == 0)
        vk_qemu_console_learn(dom); /* re-learn: ptys, VNC port */
    if (r == 0)
        vk_qemu_cgroup_attach(dom); /* feature "tune" */
    return r;
}

/* ---- destroy ---- */

static bool wait_exit(int pidfd, int ms)
{
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r;
    do {
        r = poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r == 1;
}

int vk_qemu_process_destroy(struct vk_qemu_dom *dom, bool graceful)
{
    pthread_mutex_lock(&dom->lock);
    if (!vk_qemu_dom_is_active(dom)) {
        pthread_mutex_unlock(&dom->lock);
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                            dom->name);
    }
    dom->destroying = true;
    int pidfd = fcntl(dom->pidfd, F_DUPFD_CLOEXEC, 3);
    pid_t pid = dom->pid;
    pthread_mutex_unlock(&dom->lock);
    if (pidfd < 0)
        return vk_error_system(errno, "domain '%s': cannot duplicate pidfd", dom->name);

    pidfd_send_signal(pidfd, SIGTERM, NULL, 0);
    if (graceful && !wait_exit(pidfd, GRACEFUL_WAIT_MS)) {
        close(pidfd);
        pthread_mutex_lock(&dom->lock);
        dom->destroying = false;
        pthread_mutex_unlock(&dom->lock);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "domain '%s': QEMU pid %d did not stop on SIGTERM", dom->name,
                            (int)pid);
    }
    if (!wait_exit(pidfd, TERM_GRACE_MS)) {
        pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        if (!wait_exit(pidfd, KILL_WAIT_MS)) {
            close(pidfd);
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                                "domain '%s': QEMU pid %d did not die from SIGKILL", dom->name,
                                (int)pid);
        }
    }
    close(pidfd);
    vk_qemu_process_stopped(dom, SHUTOFF_DESTROYED);
    return 0;
}
