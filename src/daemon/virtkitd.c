/* virtkitd: the virtkit daemon.
 *
 *   virtkitd [--root DIR] [--verbose]
 *
 * Serves libvirt's remote protocol on DIR/run/virtkit-sock (rw, 0600) and
 * DIR/run/virtkit-sock-ro (read-only, 0666); without --root, the system
 * paths (/run/virtkit/...). One event-loop thread does all I/O; a worker
 * pool runs calls (docs/ARCHITECTURE.md). SIGTERM/SIGINT exit cleanly and
 * leave QEMU processes running: the next virtkitd re-attaches to them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "daemon/daemon_priv.h"
#include "daemon/daemon_reaper.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

/* Mutating calls (a start holds its worker through QEMU's launch): enough
 * that a burst of starts runs at once rather than in waves. */
#define NUM_WORKERS 12
#define NUM_PRIO_WORKERS 2

static void usage(FILE *f)
{
    fprintf(f, "Usage: virtkitd [--root DIR] [--verbose]\n"
               "  --root DIR   keep config, state, sockets and logs under DIR\n"
               "               (default: system paths under /etc/virtkit, /run/virtkit, ...)\n"
               "  --verbose    debug logging to stderr\n");
}

/* Takes the pid file lock: a second daemon on the same root refuses to
 * start (and so never unlinks a live daemon's sockets). The fd stays open
 * for the daemon's lifetime; the kernel drops the lock if we are killed. */
static int pidfile_acquire(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return vk_error_system(errno, "cannot open pid file '%s'", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        close(fd);
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_NONE,
                            "another virtkitd (pid %s) is running with pid file '%s'",
                            *buf ? buf : "?", path);
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, len, 0) != len) {
        vk_error_system(errno, "cannot write pid file '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

static void *loop_thread_main(void *opaque)
{
    vk_loop_run(opaque);
    return NULL;
}

struct sig_ctx {
    struct vk_daemon *d;
    int sfd;
    volatile int exit_signal;
    sem_t quit; /* posted by the loop on SIGTERM/SIGINT; main shuts down */
};

static void signal_cb(int watch, int fd, int revents, void *opaque)
{
    struct sig_ctx *s = opaque;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGTERM:
        case SIGINT:
            VK_INFO("received signal %d, shutting down (domains keep running)", (int)si.ssi_signo);
            s->exit_signal = (int)si.ssi_signo;
            sem_post(&s->quit);
            break;
        case SIGCHLD:
            vk_reaper_kick(s->d->reaper);
            break;
        default:
            break;
        }
    }
}

int main(int argc, char **argv)
{
    const char *root = NULL;
    bool verbose = false;
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "r:vh", opts, NULL)) != -1) {
        switch (o) {
        case 'r':
            root = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "virtkitd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (verbose)
        setenv("VIRTKIT_LOG_LEVEL", "debug", 1);
    vk_log_init();

    /* Orphaned descendants are re-parented to us, so nothing we start
     * (directly or not) is left as a zombie of init. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        VK_WARN("cannot become a child subreaper: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);

    struct vk_daemon d;
    memset(&d, 0, sizeof(d));
    d.listen_rw = d.listen_ro = -1;
    pthread_mutex_init(&d.caps_lock, NULL);
    int rc = 1, pidfd = -1;
    char *pidpath = NULL;
    struct sig_ctx sig = {.d = &d, .sfd = -1};
    sem_init(&sig.quit, 0, 0);
    pthread_t loop_thread;
    bool loop_started = false;

    if (vk_paths_init(&d.paths, root) < 0 || vk_paths_create(&d.paths) < 0) {
        fprintf(stderr, "virtkitd: %s\n", vk_error_last()->message);
        goto out;
    }
    pidpath = vk_asprintf("%s/virtkitd.pid", d.paths.run_dir);
    pidfd = pidfile_acquire(pidpath);
    if (pidfd < 0) {
        fprintf(stderr, "virtkitd: %s\n", vk_error_last()->message);
        VK_FREE(pidpath); /* not ours: never remove it */
        goto out;
    }

    /* Signals go through a signalfd in the loop; block them before any
     * thread starts so every thread inherits the mask (children get a
     * clean mask from vk_spawn). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sig.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig.sfd < 0) {
        fprintf(stderr, "virtkitd: cannot create signalfd: %s\n", strerror(errno));
        goto out;
    }

    d.loop = vk_loop_new();
    if (!d.loop) {
        fprintf(stderr, "virtkitd: cannot create the event loop\n");
        goto out;
    }
    vk_loop_add_fd(d.loop, sig.sfd, POLLIN, signal_cb, &sig, NULL);
    d.reaper = vk_reaper_new(d.loop);

    /* The loop thread runs from here on: re-attaching to running QEMUs in
     * vk_qemu_driver_open talks QMP, whose replies the loop reads. */
    if (pthread_create(&loop_thread, NULL, loop_thread_main, d.loop) != 0) {
        fprintf(stderr, "virtkitd: cannot start the event loop thread\n");
        goto out;
    }
    loop_started = true;

    d.drv = vk_qemu_driver_open(&d.paths, d.loop);
    if (!d.drv) {
        fprintf(stderr, "virtkitd: cannot open the QEMU driver: %s\n", vk_error_last()->message);
        goto out;
    }
    vk_daemon_events_init(&d);
    d.workers = vk_workers_new(NUM_WORKERS);
    d.prio_workers = d.workers ? vk_workers_new(NUM_PRIO_WORKERS) : NULL;
    if (!d.prio_workers || vk_daemon_listen(&d) < 0) {
        fprintf(stderr, "virtkitd: %s\n", vk_error_last()->message);
        goto out;
    }
    VK_INFO("virtkitd listening on %s and %s", d.paths.sock_rw, d.paths.sock_ro);
    vk_qemu_driver_autostart(d.drv);

    while (sem_wait(&sig.quit) < 0 && errno == EINTR)
        ;
    rc = 0;

out:
    /* Shutdown order: stop accepting; let the workers finish the calls
     * they have (the loop still runs, so QMP replies arrive); the driver
     * lets go of the domains without stopping them; then the loop stops. */
    vk_daemon_stop_accepting(&d);
    vk_workers_stop(d.workers);
    vk_workers_stop(d.prio_workers);
    vk_daemon_events_fini(&d);
    if (d.drv)
        vk_qemu_driver_close(d.drv);
    if (loop_started) {
        vk_loop_quit(d.loop);
        pthread_join(loop_thread, NULL);
    }
    vk_workers_free(d.workers);
    vk_workers_free(d.prio_workers);
    vk_daemon_unlisten(&d);
    vk_loop_free(d.loop);
    sem_destroy(&sig.quit);
    if (sig.sfd >= 0)
        close(sig.sfd);
    free(d.caps_xml);
    pthread_mutex_destroy(&d.caps_lock);
    if (pidpath) {
        unlink(pidpath);
        free(pidpath);
    }
    if (pidfd >= 0)
        close(pidfd);
    vk_paths_free(&d.paths);
    return rc;
}
