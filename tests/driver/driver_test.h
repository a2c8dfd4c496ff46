/* Shared by the driver tests: a temporary root, an event loop in a thread,
 * and cleanup that kills every QEMU the test started (by pid, from the
 * status files and what the test recorded) even when the test fails. */
#pragma once
#include <dirent.h>
#include <ftw.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu/qemu_driver.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_loop.h"
#include "util/vk_paths.h"
#include "vk_test.h"

static char dt_root[256];
static struct vk_paths dt_paths;
static struct vk_loop *dt_loop;
static pthread_t dt_loop_thread;
static pid_t dt_pids[256];
static int dt_npids;

static pthread_mutex_t dt_pid_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void dt_record_pid(pid_t pid)
{
    pthread_mutex_lock(&dt_pid_lock);
    bool known = false;
    for (int i = 0; i < dt_npids; i++)
        known |= dt_pids[i] == pid;
    if (pid > 0 && !known && dt_npids < 256)
        dt_pids[dt_npids++] = pid;
    pthread_mutex_unlock(&dt_pid_lock);
}

/* Reads a field of <run>/qemu/<name>.status; -1 when absent. */
static inline long long dt_status_int(const char *name, const char *key)
{
    char *path = vk_asprintf("%s/qemu/%s.status", dt_paths.run_dir, name);
    char *text = NULL;
    size_t len;
    long long v = -1;
    if (vk_file_read(path, 1 << 24, &text, &len) == 0) {
        struct json_object *o = json_tokener_parse(text), *f;
        if (o && json_object_object_get_ex(o, key, &f))
            v = json_object_get_int64(f);
        json_object_put(o);
    } else {
        vk_error_reset();
    }
    free(text);
    free(path);
    return v;
}

static inline bool dt_status_exists(const char *name)
{
    char *path = vk_asprintf("%s/qemu/%s.status", dt_paths.run_dir, name);
    bool r = access(path, F_OK) == 0;
    free(path);
    return r;
}

/* Records the pid of a running domain from its status file. */
static inline pid_t dt_pid_of(const char *name)
{
    long long pid = dt_status_int(name, "pid");
    if (pid > 0)
        dt_record_pid((pid_t)pid);
    return pid > 0 ? (pid_t)pid : 0;
}

/* Field 22 of /proc/PID/stat (start time), 0 when unknown. */
static inline unsigned long long dt_proc_start_time(pid_t pid)
{
    char *path = vk_asprintf("/proc/%d/stat", (int)pid);
    char *text = NULL;
    size_t len;
    unsigned long long st = 0;
    if (vk_file_read(path, 4096, &text, &len) == 0) {
        char *p = strrchr(text, ')');
        for (int f = 2; p && f < 22; f++)
            p = strchr(p + 1, ' ');
        if (p)
            st = strtoull(p + 1, NULL, 10);
    } else {
        vk_error_reset();
    }
    free(text);
    free(path);
    return st;
}

/* Kills a running domain's QEMU from outside (as an admin's kill -9 would),
 * pinning the process with a pidfd and checking it is the one the status
 * file names, so a recycled pid is never hit. Returns 0 when signalled. */
static inline int dt_kill_qemu(const char *name)
{
    pid_t pid = dt_pid_of(name);
    long long start = dt_status_int(name, "start_time");
    if (pid <= 0 || start <= 0)
        return -1;
    int pfd = pidfd_open(pid, 0);
    if (pfd < 0)
        return -1;
    int r = -1;
    if (dt_proc_start_time(pid) == (unsigned long long)start &&
        pidfd_send_signal(pfd, SIGKILL, NULL, 0) == 0)
        r = 0;
    close(pfd);
    return r;
}

static inline int dt_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static inline void dt_cleanup(void)
{
    /* Every QEMU still recorded anywhere: kill it, reap it if ours. */
    if (dt_paths.run_dir) {
        char *dir = vk_asprintf("%s/qemu", dt_paths.run_dir);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char *dot = strstr(e->d_name, ".status");
            if (dot && !dot[7]) {
                char *n = vk_strndup(e->d_name, (size_t)(dot - e->d_name));
                dt_pid_of(n);
                free(n);
            }
        }
        if (d)
            closedir(d);
        free(dir);
    }
    for (int i = 0; i < dt_npids; i++) {
        /* Only a still unreaped child of ours: a reaped pid may be reused. */
        if (waitpid(dt_pids[i], NULL, WNOHANG) != 0)
            continue;
        if (kill(dt_pids[i], SIGKILL) == 0)
            fprintf(stderr, "cleanup: killed leftover QEMU pid %d\n", (int)dt_pids[i]);
        waitpid(dt_pids[i], NULL, 0);
    }
    dt_npids = 0;
    if (dt_root[0] && !getenv("VK_TEST_KEEP"))
        nftw(dt_root, dt_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void dt_on_signal(int sig)
{
    dt_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline void *dt_loop_main(void *opaque)
{
    vk_loop_run(opaque);
    return NULL;
}

static inline void dt_start_loop(void)
{
    dt_loop = vk_loop_new();
    pthread_create(&dt_loop_thread, NULL, dt_loop_main, dt_loop);
}

static inline void dt_stop_loop(void)
{
    vk_loop_quit(dt_loop);
    pthread_join(dt_loop_thread, NULL);
    vk_loop_free(dt_loop);
    dt_loop = NULL;
}

static inline void dt_setup(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dt_root, sizeof(dt_root), "%s/vk-driver-XXXXXX", tmp);
    if (!mkdtemp(dt_root)) {
        perror("mkdtemp");
        exit(1);
    }
    if (vk_paths_init(&dt_paths, dt_root) < 0 || vk_paths_create(&dt_paths) < 0) {
        fprintf(stderr, "paths: %s\n", vk_error_last()->message);
        exit(1);
    }
    atexit(dt_cleanup);
    signal(SIGINT, dt_on_signal);
    signal(SIGTERM, dt_on_signal);
    signal(SIGABRT, dt_on_signal);
    dt_start_loop();
}

static inline void dt_teardown(void)
{
    dt_stop_loop();
    dt_cleanup();
    vk_paths_free(&dt_paths);
}

/* Minimal TCG guest: QEMU idles in firmware, which is a real running domain. */
static inline char *dt_xml(const char *name, const char *uuid, const char *type,
                           const char *emulator)
{
    return vk_asprintf("<domain type='%s'>\n"
                       "  <name>%s</name>\n"
                       "%s%s%s"
                       "  <memory unit='MiB'>64</memory>\n"
                       "  <vcpu>1</vcpu>\n"
                       "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                       "  <devices>\n"
                       "%s%s%s"
                       "  </devices>\n"
                       "</domain>\n",
                       type ? type : "qemu", name, uuid ? "  <uuid>" : "", uuid ? uuid : "",
                       uuid ? "</uuid>\n" : "", emulator ? "    <emulator>" : "",
                       emulator ? emulator : "", emulator ? "</emulator>\n" : "");
}

/* Writes <run>/qemu/<name>.status as a daemon (or a damaged one) could have
 * left it: the fields in o (taken over) plus the monitor path and the domain
 * XML every record carries. */
static inline void dt_write_status(const char *name, const char *uuid, struct json_object *o)
{
    char *xml = dt_xml(name, uuid, NULL, NULL);
    char *mon = vk_asprintf("%s/qemu/%s.qmp", dt_paths.run_dir, uuid);
    json_object_object_add(o, "monitor", json_object_new_string(mon));
    json_object_object_add(o, "xml", json_object_new_string(xml));
    const char *text = json_object_to_json_string(o);
    char *path = vk_asprintf("%s/qemu/%s.status", dt_paths.run_dir, name);
    CHECK(vk_file_write_atomic(path, text, strlen(text), 0600) == 0);
    json_object_put(o);
    free(path);
    free(mon);
    free(xml);
}

/* Waits (bounded, generous) until the domain reaches state; returns it. */
static inline int dt_wait_state(struct vk_qemu_driver *drv, const uint8_t *uuid, int want,
                                int *reason)
{
    int st = -1;
    for (int i = 0; i < 1200; i++) { /* up to 60 s */
        if (vk_qemu_domain_get_state(drv, uuid, &st, reason) < 0)
            return -1;
        if (st == want)
            break;
        usleep(50000);
    }
    return st;
}

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,                   \
                    vk_error_last()->message);                                                     \
            vk_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(expr, want_)                                                                     \
    do {                                                                                           \
        vk_error_reset();                                                                          \
        if ((expr) >= 0) {                                                                         \
            fprintf(stderr, "%s:%d: %s unexpectedly succeeded\n", __FILE__, __LINE__, #expr);      \
            vk_test_failures++;                                                                    \
        } else if (vk_error_last()->code != (want_)) {                                             \
            fprintf(stderr, "%s:%d: %s: error code %d, expected %d (%s)\n", __FILE__, __LINE__,    \
                    #expr, vk_error_last()->code, (want_), vk_error_last()->message);              \
            vk_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)
