/* Feature "save": save/restore a domain to a file, managed save, and the
 * job info of a running save.
 *
 * Save file format (all integers big-endian):
 *   offset  0  12 bytes  magic "VirtKitSave\0"
 *   offset 12  u32       format version (1)
 *   offset 16  u32       length N of the domain XML (no NUL)
 *   offset 20  u32       flags: bit 0 = the domain was running when saved
 *   offset 24  N bytes   the domain XML (with secure fields)
 *   offset 24+N          QEMU's migration stream, to the end of the file
 *
 * Save: stop the vCPUs, pass the file's fd to QEMU over the monitor socket
 * (QMP getfd, SCM_RIGHTS; never a shell or exec: URI), migrate to
 * "fd:NAME", poll query-migrate (progress for job info) until completed,
 * then end QEMU: shut off, reason saved. The file is written under a
 * temporary name and renamed when complete, so a failed save leaves nothing.
 * Restore: start QEMU with -incoming defer, pass the fd positioned after the
 * header, migrate-incoming "fd:NAME", wait for completion, then cont.
 *
 * Job info must answer while a save holds the domain's job lock, so the
 * running jobs live in a table of their own (jobs_lock, a leaf lock); the
 * save thread updates it from query-migrate. Abort only marks the job: the
 * save thread itself sends migrate_cancel. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu_cgroup.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_name.h"

#define COMMAND_TIMEOUT_MS 30000
#define POLL_INTERVAL_MS 100
#define SAVE_MAGIC "VirtKitSave"
#define SAVE_MAGIC_LEN 12
#define SAVE_VERSION 1
#define SAVE_HEADER_LEN 24
#define SAVE_XML_MAX (16u << 20)
#define SAVE_FLAG_RUNNING 1u
/* QEMU limits migration to 128 MiB/s by default; a save goes at disk speed.
 * VIRTKIT_TEST_SAVE_MAX_BANDWIDTH (bytes/s) overrides it so tests can make
 * a save slow enough to watch and abort. */
#define UNLIMITED_BANDWIDTH (1ULL << 40)
#define FD_NAME_SAVE "vk-save"
#define FD_NAME_RESTORE "vk-restore"

/* libvirt's reasons used here. */
enum { PAUSED_USER = 1, PAUSED_SAVE = 3, RUNNING_RESTORED = 3, SHUTOFF_SAVED = 5 };
/* libvirt's VIR_DOMAIN_EVENT_STARTED_RESTORED, _SUSPENDED_RESTORED. */
enum { STARTED_RESTORED = 2, SUSPENDED_RESTORED = 4 };

/* ---- job table ---- */

struct save_job {
    struct save_job *next;
    uint8_t uuid[VK_UUID_LEN];
    int operation;
    long long start_ms;
    unsigned long long total, processed, remaining;
    bool cancel;
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct save_job *jobs;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A job starts: the previous one's completed stats are forgotten. */
static void forget_completed(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    memset(&dom->completed_job, 0, sizeof(dom->completed_job));
    pthread_mutex_unlock(&dom->lock);
}

/* A save finished: keep its final stats and tell JOB_COMPLETED. */
static void record_completed(struct vk_qemu_dom *dom, struct save_job *job)
{
    struct vk_job_info ji = {.type = VK_JOB_COMPLETED, .operation = job->operation};
    pthread_mutex_lock(&jobs_lock);
    ji.time_elapsed_ms = (unsigned long long)(mono_ms() - job->start_ms);
    ji.data_total = job->total;
    ji.data_processed = job->processed;
    ji.data_remaining = job->remaining;
    pthread_mutex_unlock(&jobs_lock);
    struct vk_qemu_driver *drv = dom->drv;
    pthread_mutex_lock(&dom->lock);
    dom->completed_job = ji;
    int id = dom->id;
    pthread_mutex_unlock(&dom->lock);
    pthread_mutex_lock(&drv->event_lock);
    vk_qemu_job_event_cb cb = drv->job_event_cb;
    void *opaque = drv->job_event_opaque;
    pthread_mutex_unlock(&drv->event_lock);
    if (!cb)
        return;
    struct vk_dom_ref ref = {.name = dom->name, .id = id};
    memcpy(ref.uuid, dom->uuid, VK_UUID_LEN);
    cb(&ref, &ji, opaque);
}

static void job_add(struct save_job *job, const uint8_t *uuid, int op)
{
    memset(job, 0, sizeof(*job));
    memcpy(job->uuid, uuid, VK_UUID_LEN);
    job->operation = op;
    job->start_ms = mono_ms();
    pthread_mutex_lock(&jobs_lock);
    job->next = jobs;
    jobs = job;
    pthread_mutex_unlock(&jobs_lock);
}

static void job_remove(struct save_job *job)
{
    pthread_mutex_lock(&jobs_lock);
    for (struct save_job **p = &jobs; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            break;
        }
    pthread_mutex_unlock(&jobs_lock);
}

/* Under jobs_lock. */
static struct save_job *job_find(const uint8_t *uuid)
{
    for (struct save_job *j = jobs; j; j = j->next)
        if (!memcmp(j->uuid, uuid, VK_UUID_LEN))
            return j;
    return NULL;
}

/* ---- helpers ---- */


char *vk_qemu_managed_save_path(struct vk_qemu_driver *drv, const char *name)
{
    return vk_asprintf("%s/%s.save", drv->save_dir, name);
}

bool vk_qemu_managed_save_exists(struct vk_qemu_driver *drv, const char *name)
{
    vk_autofree char *path = vk_qemu_managed_save_path(drv, name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned long long json_u64(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return 0;
    int64_t n = json_object_get_int64(v);
    return n > 0 ? (unsigned long long)n : 0;
}

/* Parses a query-migrate reply: its status (caller frees) and, into job,
 * the RAM progress. */
static char *migrate_status(const char *reply, struct save_job *job, char **error_desc)
{
    struct json_object *o = json_tokener_parse(reply);
    char *status = NULL;
    struct json_object *v, *ram = NULL;
    if (o && json_object_object_get_ex(o, "status", &v))
        status = vk_strdup(json_object_get_string(v));
    if (o && error_desc && json_object_object_get_ex(o, "error-desc", &v))
        *error_desc = vk_strdup(json_object_get_string(v));
    if (o && job && json_object_object_get_ex(o, "ram", &ram)) {
        pthread_mutex_lock(&jobs_lock);
        job->total = json_u64(ram, "total");
        job->processed = json_u64(ram, "transferred");
        job->remaining = json_u64(ram, "remaining");
        pthread_mutex_unlock(&jobs_lock);
    }
    json_object_put(o);
    return status ? status : vk_strdup("");
}

/* Polls query-migrate until the migration ends. Returns 0 when completed,
 * -1 (error set) on failure or cancel. job may be NULL (incoming side). */
static int wait_migration(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon,
                          struct save_job *job, const char *what)
{
    bool cancel_sent = false;
    for (;;) {
        if (job && !cancel_sent) {
            pthread_mutex_lock(&jobs_lock);
            bool cancel = job->cancel;
            pthread_mutex_unlock(&jobs_lock);
            if (cancel) {
                if (vk_qmp_command(mon, "migrate_cancel", NULL, NULL, COMMAND_TIMEOUT_MS) < 0)
                    return -1;
                cancel_sent = true;
            }
        }
        vk_autofree char *reply = NULL;
        if (vk_qmp_command(mon, "query-migrate", NULL, &reply, COMMAND_TIMEOUT_MS) < 0)
            return -1;
        vk_autofree char *desc = NULL;
        vk_autofree char *status = migrate_status(reply, job, &desc);
        if (!strcmp(status, "completed"))
            return 0;
        if (!strcmp(status, "cancelled"))
            return vk_error_set(VK_ERR_OPERATION_ABORTED, VK_FROM_QEMU,
                                "operation aborted: %s of domain '%s' was cancelled", what,
                                dom->name);
        if (!strcmp(status, "failed"))
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                                "domain '%s': %s failed: %s", dom->name, what,
                                desc ? desc : "QEMU reported a migration failure");
        struct timespec ts = {.tv_sec = 0, .tv_nsec = POLL_INTERVAL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static struct vk_qemu_monitor *active_monitor(struct vk_qemu_dom *dom, int *state)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    if (state)
        *state = dom->state;
    pthread_mutex_unlock(&dom->lock);
    if (!mon)
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
    return mon;
}

static void set_state(struct vk_qemu_dom *dom, int state, int reason)
{
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom))
        vk_qemu_dom_set_state(dom, state, reason);
    pthread_mutex_unlock(&dom->lock);
}

/* The save's QEMU has handed over its state: forget it as saved, then end
 * the process (its pidfd, duplicated first, so a reused pid is never hit). */
static void end_saved_process(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    pid_t pid = dom->pid;
    int pidfd = dom->pidfd >= 0 ? fcntl(dom->pidfd, F_DUPFD_CLOEXEC, 0) : -1;
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_process_stopped(dom, SHUTOFF_SAVED);
    if (pidfd < 0)
        return;
    syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0) {
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        poll(&p, 1, 30000);
    }
    /* Our child: reap it (ECHILD when the reaper or nobody owns it). */
    while (pid > 0 && waitpid(pid, NULL, WNOHANG) < 0 && errno == EINTR)
        ;
    close(pidfd);
    vk_qemu_cgroup_remove(dom); /* feature "tune": the group QEMU has now left */
}

/* ---- save ---- */

int vk_qemu_save_image_write_header(int fd, const char *xml, bool running)
{
    unsigned char h[SAVE_HEADER_LEN] = {0};
    memcpy(h, SAVE_MAGIC, sizeof(SAVE_MAGIC));
    put_u32(h + 12, SAVE_VERSION);
    put_u32(h + 16, (uint32_t)strlen(xml));
    put_u32(h + 20, running ? SAVE_FLAG_RUNNING : 0);
    if (vk_write_all(fd, h, sizeof(h)) < 0 || vk_write_all(fd, xml, strlen(xml)) < 0)
        return -1;
    return 0;
}

static void set_bandwidth(struct vk_qemu_monitor *mon)
{
    unsigned long long bw = UNLIMITED_BANDWIDTH;
    const char *env = getenv("VIRTKIT_TEST_SAVE_MAX_BANDWIDTH");
    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);
        if (!*end && v > 0)
            bw = v;
    }
    char args[64];
    snprintf(args, sizeof(args), "{\"max-bandwidth\":%llu}", bw);
    if (vk_qmp_command(mon, "migrate-set-parameters", args, NULL, COMMAND_TIMEOUT_MS) < 0)
        VK_WARN("cannot set the migration bandwidth: %s", vk_error_last()->message);
}

/* With dom->job held. */
static int save_locked(struct vk_qemu_dom *dom, const char *path, const char *dxml,
                       unsigned flags)
{
    int state;
    struct vk_qemu_monitor *mon = active_monitor(dom, &state);
    if (!mon)
        return -1;
    bool was_running = state == VK_DOM_RUNNING;
    /* The image records how the domain comes back (restore flags win). */
    bool run_after = (flags & VK_SAVE_RUNNING) ? true : (flags & VK_SAVE_PAUSED) ? false : was_running;

    /* The domain XML the image carries: the running one, or the caller's
     * (virsh save --xml) if it describes the same guest. */
    pthread_mutex_lock(&dom->lock);
    char *xml = vk_qemu_save_image_xml(dom->def, dxml);
    pthread_mutex_unlock(&dom->lock);
    if (!xml) {
        vk_error_prefix("domain '%s'", dom->name);
        return -1;
    }
    vk_autofree char *tmp = vk_asprintf("%s.vktmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        free(xml);
        return vk_error_system(e, "domain '%s': cannot create save file '%s'", dom->name, tmp);
    }
    int ret = -1;
    bool stopped = false;
    struct save_job job;
    forget_completed(dom);
    job_add(&job, dom->uuid, VK_JOB_OP_SAVE);
    if (vk_qemu_save_image_write_header(fd, xml, run_after) < 0) {
        vk_error_prefix("domain '%s': cannot write save file '%s'", dom->name, tmp);
        goto out;
    }
    if (was_running) {
        if (vk_qmp_command(mon, "stop", NULL, NULL, COMMAND_TIMEOUT_MS) < 0)
            goto out;
        stopped = true;
        set_state(dom, VK_DOM_PAUSED, PAUSED_SAVE);
    }
    set_bandwidth(mon);
    if (vk_qmp_command_fd(mon, "getfd", "{\"fdname\":\"" FD_NAME_SAVE "\"}", fd, NULL,
                          COMMAND_TIMEOUT_MS) < 0 ||
        vk_qmp_command(mon, "migrate", "{\"uri\":\"fd:" FD_NAME_SAVE "\"}", NULL,
                       COMMAND_TIMEOUT_MS) < 0 ||
        wait_migration(dom, mon, &job, "save") < 0)
        goto out;
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        vk_error_system(errno, "domain '%s': cannot write save file '%s'", dom->name, tmp);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        vk_error_system(errno, "domain '%s': cannot rename '%s' to '%s'", dom->name, tmp, path);
        goto out;
    }
    job_remove(&job);
    record_completed(dom, &job);
    end_saved_process(dom);
    VK_INFO("domain '%s' saved to '%s'", dom->name, path);
    free(xml);
    return 0;
out:
    job_remove(&job);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(xml);
    if (stopped) {
        /* The save did not happen: the guest goes on as before. */
        struct vk_error saved = *vk_error_last();
        if (vk_qmp_command(mon, "cont", NULL, NULL, COMMAND_TIMEOUT_MS) == 0)
            set_state(dom, VK_DOM_RUNNING, 5 /* unpaused */);
        vk_error_set(saved.code, saved.domain, "%s", saved.message);
    }
    return ret;
}

int vk_qemu_save_check_flags(unsigned flags)
{
    unsigned known = VK_SAVE_BYPASS_CACHE | VK_SAVE_RUNNING | VK_SAVE_PAUSED;
    if (flags & ~known)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x",
                            flags & ~known);
    if ((flags & VK_SAVE_RUNNING) && (flags & VK_SAVE_PAUSED))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "flags 'running' and 'paused' are mutually exclusive");
    return 0;
}

int vk_qemu_domain_save(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *path,
                        const char *dxml, unsigned flags)
{
    if (vk_qemu_save_check_flags(flags) < 0)
        return -1;
    if (!path || !*path)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "save file path is missing");
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = save_locked(dom, path, dxml, flags);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_managed_save(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (vk_qemu_save_check_flags(flags) < 0)
        return -1;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    vk_autofree char *path = vk_qemu_managed_save_path(drv, dom->name);
    pthread_mutex_lock(&dom->lock);
    bool persistent = dom->persistent;
    pthread_mutex_unlock(&dom->lock);
    if (!persistent) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "cannot do managed save for transient domain '%s'", dom->name);
        goto out;
    }
    if (vk_mkdir_p(drv->save_dir, 0700) < 0)
        goto out;
    ret = save_locked(dom, path, NULL, flags);
out:
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_managed_save_remove(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                       unsigned flags)
{
    if (flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x", flags);
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    vk_autofree char *path = vk_qemu_managed_save_path(drv, dom->name);
    int ret = 0;
    if (unlink(path) < 0 && errno != ENOENT)
        ret = vk_error_system(errno, "domain '%s': cannot remove managed save image '%s'",
                              dom->name, path);
    vk_qemu_job_end(dom);
    return ret;
}

/* ---- restore ---- */

int vk_qemu_save_image_open(const char *path, char **xml, bool *running)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vk_error_system(errno, "cannot open save file '%s'", path);
    unsigned char h[SAVE_HEADER_LEN];
    ssize_t n = read(fd, h, sizeof(h));
    if (n != (ssize_t)sizeof(h) || memcmp(h, SAVE_MAGIC, sizeof(SAVE_MAGIC))) {
        close(fd);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "'%s' is not a virtkit save image (bad header)", path);
    }
    uint32_t version = get_u32(h + 12), len = get_u32(h + 16), fl = get_u32(h + 20);
    if (version != SAVE_VERSION) {
        close(fd);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "save image '%s' has unsupported format version %u", path, version);
    }
    if (len == 0 || len > SAVE_XML_MAX) {
        close(fd);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "save image '%s': bad domain XML length %u", path, len);
    }
    char *x = vk_malloc((size_t)len + 1);
    if (vk_read_all(fd, x, len) < 0) {
        free(x);
        close(fd);
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "save image '%s' is truncated (domain XML)", path);
    }
    x[len] = '\0';
    *xml = x;
    *running = fl & SAVE_FLAG_RUNNING;
    return fd;
}

/* The memory is back: libvirt's STARTED restored (the start itself told
 * nothing), then SUSPENDED restored when it stays paused; cont's RESUME
 * tells the rest. */
static int announce_restored(struct vk_qemu_dom *dom, bool run)
{
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom)) {
        vk_qemu_emit(dom, dom->id, VK_EVENT_STARTED, STARTED_RESTORED);
        if (!run)
            vk_qemu_emit(dom, dom->id, VK_EVENT_SUSPENDED, SUSPENDED_RESTORED);
    }
    pthread_mutex_unlock(&dom->lock);
    return 0;
}

/* With dom->job held, dom inactive and dom->def the def to run: starts
 * QEMU waiting for the stream in fd and feeds it. */
static int restore_into(struct vk_qemu_dom *dom, int fd, bool run, const char *path)
{
    struct save_job job;
    forget_completed(dom);
    job_add(&job, dom->uuid, VK_JOB_OP_RESTORE);
    if (vk_qemu_process_start(dom, VK_START_PAUSED | VK_START_X_INCOMING) < 0) {
        job_remove(&job);
        return -1;
    }
    struct vk_qemu_monitor *mon = active_monitor(dom, NULL);
    if (!mon ||
        vk_qmp_command_fd(mon, "getfd", "{\"fdname\":\"" FD_NAME_RESTORE "\"}", fd, NULL,
                          COMMAND_TIMEOUT_MS) < 0 ||
        vk_qmp_command(mon, "migrate-incoming", "{\"uri\":\"fd:" FD_NAME_RESTORE "\"}", NULL,
                       COMMAND_TIMEOUT_MS) < 0 ||
        wait_migration(dom, mon, NULL, "restore") < 0 || announce_restored(dom, run) < 0 ||
        (run && vk_qmp_command(mon, "cont", NULL, NULL, COMMAND_TIMEOUT_MS) < 0)) {
        /* QEMU ends itself when the stream is bad (truncated or corrupt). */
        struct vk_error saved = *vk_error_last();
        job_remove(&job);
        vk_qemu_process_destroy(dom, false);
        vk_error_set(saved.code, saved.domain,
                     "cannot restore from '%s' (is the image complete?): %s", path,
                     saved.message);
        return -1;
    }
    job_remove(&job);
    if (run)
        set_state(dom, VK_DOM_RUNNING, RUNNING_RESTORED);
    VK_INFO("domain '%s' restored", dom->name);
    return 0;
}

static bool run_after(unsigned flags, bool running_at_save)
{
    return (flags & VK_SAVE_RUNNING) ? true : (flags & VK_SAVE_PAUSED) ? false : running_at_save;
}

int vk_qemu_domain_restore(struct vk_qemu_driver *drv, const char *path, const char *dxml,
                           unsigned flags)
{
    if (vk_qemu_save_check_flags(flags) < 0)
        return -1;
    if (!path || !*path)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "save file path is missing");
    char *xml = NULL;
    bool running = false;
    int fd = vk_qemu_save_image_open(path, &xml, &running);
    if (fd < 0)
        return -1;
    /* virsh restore --xml: the caller's XML for the same guest runs instead. */
    char *use = vk_qemu_save_image_xml_swap(xml, dxml);
    free(xml);
    struct vk_domain_def *def = use ? vk_domain_def_parse(use, 0) : NULL;
    free(use);
    if (!def || vk_name_check("domain", def->name) < 0) {
        vk_error_prefix("save image '%s'", path);
        vk_domain_def_free(def);
        close(fd);
        return -1;
    }

    /* libvirt's rules: the image's domain replaces an inactive one of the
     * same uuid and name; an unknown one comes back transient. */
    char uuid[VK_UUID_STRLEN];
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = vk_qemu_list_find_uuid(drv, def->uuid);
    struct vk_qemu_dom *other = vk_qemu_list_find_name(drv, def->name);
    bool fresh = !dom;
    if ((dom && strcmp(dom->name, def->name)) || (!dom && other)) {
        pthread_mutex_unlock(&drv->lock);
        vk_uuid_format(def->uuid, uuid);
        vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                     "domain '%s' (uuid %s) of save image '%s' conflicts with an existing domain",
                     def->name, uuid, path);
        vk_domain_def_free(def);
        close(fd);
        return -1;
    }
    if (fresh) {
        dom = vk_qemu_dom_new(drv, def);
        vk_qemu_list_insert(drv, dom);
        def = NULL;
    } else {
        vk_qemu_dom_ref(dom);
    }
    pthread_mutex_unlock(&drv->lock);

    pthread_mutex_lock(&dom->job);
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    bool removed = dom->removed, active = vk_qemu_dom_is_active(dom);
    pthread_mutex_unlock(&dom->lock);
    if (removed) {
        vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU, "domain '%s' has been removed", dom->name);
        goto out;
    }
    if (active) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is already active",
                     dom->name);
        goto out;
    }
    if (!fresh) {
        /* The config waits in newdef and returns when the domain stops. */
        pthread_mutex_lock(&dom->lock);
        dom->newdef = dom->def;
        dom->def = def;
        def = NULL;
        pthread_mutex_unlock(&dom->lock);
    }
    if (restore_into(dom, fd, run_after(flags, running), path) < 0) {
        if (fresh) {
            pthread_mutex_lock(&dom->lock);
            bool gone = dom->removed;
            pthread_mutex_unlock(&dom->lock);
            if (!gone)
                vk_qemu_list_remove(drv, dom);
        } else {
            pthread_mutex_lock(&dom->lock);
            if (dom->newdef && !vk_qemu_dom_is_active(dom)) {
                vk_domain_def_free(dom->def);
                dom->def = dom->newdef;
                dom->newdef = NULL;
            }
            pthread_mutex_unlock(&dom->lock);
        }
        goto out;
    }
    ret = 0;
out:
    close(fd);
    vk_domain_def_free(def);
    pthread_mutex_unlock(&dom->job);
    vk_qemu_dom_unref(dom);
    return ret;
}

int vk_qemu_managed_save_start(struct vk_qemu_dom *dom, unsigned flags)
{
    struct vk_qemu_driver *drv = dom->drv;
    vk_autofree char *path = vk_qemu_managed_save_path(drv, dom->name);
    char *xml = NULL;
    bool running = false;
    int fd = vk_qemu_save_image_open(path, &xml, &running);
    if (fd < 0)
        return -1;
    struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
    free(xml);
    if (!def || memcmp(def->uuid, dom->uuid, VK_UUID_LEN) || strcmp(def->name, dom->name)) {
        if (def)
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "managed save image '%s' belongs to another domain", path);
        vk_error_prefix("domain '%s'", dom->name);
        vk_domain_def_free(def);
        close(fd);
        return -1;
    }
    pthread_mutex_lock(&dom->lock);
    vk_domain_def_free(dom->newdef);
    dom->newdef = dom->def; /* the config, back when it stops */
    dom->def = def;
    pthread_mutex_unlock(&dom->lock);
    /* VK_START_PAUSED (virsh start --paused) keeps it paused. */
    int ret = restore_into(dom, fd, (flags & VK_START_PAUSED) ? false : running, path);
    close(fd);
    if (ret < 0) {
        pthread_mutex_lock(&dom->lock);
        if (dom->newdef && !vk_qemu_dom_is_active(dom)) {
            vk_domain_def_free(dom->def);
            dom->def = dom->newdef;
            dom->newdef = NULL;
        }
        pthread_mutex_unlock(&dom->lock);
        return -1;
    }
    if (unlink(path) < 0)
        VK_WARN("domain '%s': cannot remove managed save image '%s': %s", dom->name, path,
                strerror(errno));
    return 0;
}

/* ---- job info ---- */

int vk_qemu_domain_get_job_info(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                struct vk_job_info *out)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    vk_qemu_dom_unref(dom);
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&jobs_lock);
    struct save_job *j = job_find(uuid);
    if (j) {
        out->type = VK_JOB_UNBOUNDED;
        out->operation = j->operation;
        out->time_elapsed_ms = (unsigned long long)(mono_ms() - j->start_ms);
        out->data_total = j->total;
        out->data_processed = j->processed;
        out->data_remaining = j->remaining;
    }
    pthread_mutex_unlock(&jobs_lock);
    return 0;
}

int vk_qemu_domain_get_completed_job(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     unsigned flags, struct vk_job_info *out)
{
    if (flags & ~(unsigned)VK_JOB_STATS_KEEP_COMPLETED)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for completed job stats", flags);
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    *out = dom->completed_job;
    if (!(flags & VK_JOB_STATS_KEEP_COMPLETED))
        memset(&dom->completed_job, 0, sizeof(dom->completed_job));
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return 0;
}

void vk_qemu_driver_set_job_event_cb(struct vk_qemu_driver *drv, vk_qemu_job_event_cb cb,
                                     void *opaque)
{
    pthread_mutex_lock(&drv->event_lock);
    drv->job_event_cb = cb;
    drv->job_event_opaque = opaque;
    pthread_mutex_unlock(&drv->event_lock);
}

int vk_qemu_domain_abort_job(struct vk_qemu_driver *drv, const uint8_t *uuid)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&jobs_lock);
    struct save_job *j = job_find(uuid);
    bool ok = j && j->operation == VK_JOB_OP_SAVE;
    if (ok)
        j->cancel = true;
    pthread_mutex_unlock(&jobs_lock);
    int ret = 0;
    if (!ok)
        ret = vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                           "domain '%s': no job is active on the domain", dom->name);
    vk_qemu_dom_unref(dom);
    return ret;
}
