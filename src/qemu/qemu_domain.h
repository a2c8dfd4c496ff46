/* Driver internals shared by the qemu_*.c files: the driver, domain objects
 * and the domain list. Not for front ends (they use qemu_driver.h).
 *
 * Locking: dom->job is held by a worker for a whole operation; dom->lock
 * guards the fields the loop thread changes (state, reason, pid, monitor,
 * defs) and is only held briefly. The list lock guards drv->doms and
 * drv->next_id. Order: job -> list -> dom->lock. Never call vk_qmp_* while
 * holding dom->lock. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conf/domain_conf.h"
#include "qemu_driver.h"

struct vk_qemu_monitor;
struct vk_cgroup;
struct vk_qemu_unplugs;
struct json_object;

struct vk_qemu_dom {
    int refs; /* atomic */
    struct vk_qemu_driver *drv;
    /* Fixed for the object's lifetime. */
    char *name;
    uint8_t uuid[VK_UUID_LEN];

    pthread_mutex_t job;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* broadcast when the process has stopped */

    /* Under lock. */
    struct vk_domain_def *def;    /* live def when running, else the config */
    struct vk_domain_def *newdef; /* running: the persistent config (or NULL) */
    bool persistent;
    bool removed; /* no longer in the list */
    int state, reason;
    int id;                        /* -1 when inactive */
    pid_t pid;                     /* 0 when inactive */
    unsigned long long start_time; /* field 22 of /proc/PID/stat */
    int pidfd;
    int pid_watch;
    struct vk_qemu_monitor *mon;
    char *mon_path;
    unsigned long long qemu_version;
    int vnc_port, spice_port; /* autoport graphics ports this QEMU was given, 0 none */
    bool starting;      /* spawned, start not finished: no events yet */
    bool no_shutdown;   /* QEMU runs with -no-shutdown */
    bool destroying;    /* we are killing it: exit reason DESTROYED */
    bool shutdown_seen; /* a SHUTDOWN event came: exit reason SHUTDOWN */
    int shutdown_detail; /* feature "events": SHUTDOWN event detail (0, 1 guest, 2 host) */
    struct vk_cgroup *cgroup; /* feature "tune": QEMU's cgroup, NULL without one */
    /* Feature "net" (hotplug): device_del requests waiting for QEMU's
     * DEVICE_DELETED (qemu_driver_unplug.c). Under lock. */
    struct vk_qemu_unplugs *unplugs;
    /* Feature "lifecycle" (qemu_driver_events.c), libvirt's fake reboot: the
     * next guest power-off becomes system_reset + cont in the same QEMU.
     * paused_shutdown: QEMU stopped for it; its STOP is not a user pause. */
    bool fake_reboot;
    bool paused_shutdown;
    /* The last completed job's stats (type VK_JOB_NONE: none). */
    struct vk_job_info completed_job;
};

struct vk_qemu_driver {
    int refs;    /* atomic: the opener's and one per domain object */
    bool closed; /* atomic */
    struct vk_loop *loop;
    char *config_dir; /* <config_dir>/qemu */
    char *autostart_dir;
    char *run_dir; /* <run_dir>/qemu */
    char *log_dir; /* <log_dir>/qemu */

    char *save_dir; /* feature "save": <state_dir>/qemu/save (managed save images) */
    char *dump_dir; /* feature "lifecycle": <state_dir>/qemu/dump (on_crash coredump-*) */
    pthread_mutex_t lock; /* the list */
    struct vk_qemu_dom **doms;
    size_t ndoms;
    int next_id;

    pthread_mutex_t event_lock;
    vk_qemu_event_cb event_cb;
    void *event_opaque;
    vk_qemu_device_event_cb device_event_cb; /* feature "net": under event_lock */
    void *device_event_opaque;
    vk_qemu_job_event_cb job_event_cb; /* feature "lifecycle" */
    void *job_event_opaque;

    pthread_mutex_t version_lock;
    struct vk_qemu_version_entry {
        char *path;
        long long mtime_ns;
        unsigned long long version;
    } * versions; /* one per emulator binary asked about */
    size_t nversions;
};

void vk_qemu_driver_unref(struct vk_qemu_driver *drv);
/* Prefixes the thread's error with "domain 'name': " unless it names it. */
void vk_qemu_error_name_domain(const char *name);

struct vk_qemu_dom *vk_qemu_dom_new(struct vk_qemu_driver *drv, struct vk_domain_def *def);
void vk_qemu_dom_ref(struct vk_qemu_dom *dom);
void vk_qemu_dom_unref(struct vk_qemu_dom *dom);
bool vk_qemu_dom_is_active(const struct vk_qemu_dom *dom); /* under dom->lock */

/* Feature "net" (qemu_driver_unplug.c): QMP DEVICE_DELETED, from the loop
 * thread under dom->lock; and dropping the pending unplugs of a domain that
 * stopped or is freed (under dom->lock or with the last reference). */
void vk_qemu_unplug_deleted_event(struct vk_qemu_dom *dom, struct json_object *data);
void vk_qemu_unplugs_clear(struct vk_qemu_dom *dom);

/* Tells the event callback (if any); id as the event should carry it. */
void vk_qemu_emit(struct vk_qemu_dom *dom, int id, int event, int detail);
/* Under dom->lock, dom active: records a state change (status file, event). */
void vk_qemu_dom_set_state(struct vk_qemu_dom *dom, int state, int reason);

/* Under the list lock. Return a borrowed pointer or NULL. */
/* The domain with this uuid, referenced (vk_qemu_dom_unref), or NULL with
 * VK_ERR_NO_DOMAIN set. Every driver entry point finds its domain here. */
struct vk_qemu_dom *vk_qemu_dom_get(struct vk_qemu_driver *drv, const uint8_t *uuid);
/* vk_qemu_dom_get + the domain's job lock, so operations on one domain never
 * interleave; NULL (VK_ERR_NO_DOMAIN) if it left the list meanwhile.
 * vk_qemu_job_end releases both. */
struct vk_qemu_dom *vk_qemu_job_begin(struct vk_qemu_driver *drv, const uint8_t *uuid);
void vk_qemu_job_end(struct vk_qemu_dom *dom);
struct vk_qemu_dom *vk_qemu_list_find_uuid(struct vk_qemu_driver *drv, const uint8_t *uuid);
struct vk_qemu_dom *vk_qemu_list_find_name(struct vk_qemu_driver *drv, const char *name);
/* Under the list lock: the list takes a reference. */
void vk_qemu_list_insert(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom);
/* Under the list lock: unlinks dom; the caller then drops the list's
 * reference (outside the lock) when it returns true. */
bool vk_qemu_list_remove_locked(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom);
/* Takes the list lock itself; drops the list's reference. */
void vk_qemu_list_remove(struct vk_qemu_driver *drv, struct vk_qemu_dom *dom);

/* Writes <config_dir>/<name>.xml atomically from def. */
int vk_qemu_config_save(struct vk_qemu_driver *drv, const struct vk_domain_def *def);
int vk_qemu_config_delete(struct vk_qemu_driver *drv, const char *name);
/* Loads every .xml file of <config_dir>; a bad one is logged and skipped. */
void vk_qemu_config_load_all(struct vk_qemu_driver *drv);

/* Status files (qemu_status.c). save: under dom->lock, dom active. */
int vk_qemu_status_save(struct vk_qemu_dom *dom);
void vk_qemu_status_delete(struct vk_qemu_driver *drv, const char *name);
/* Re-attaches to every QEMU recorded in <run_dir>; marks vanished ones off. */
void vk_qemu_status_load_all(struct vk_qemu_driver *drv);

/* Process management (qemu_process.c). Called with dom->job held. */
int vk_qemu_process_start(struct vk_qemu_dom *dom, unsigned flags);
int vk_qemu_process_destroy(struct vk_qemu_dom *dom, bool graceful);
/* Re-attach to a running QEMU (status load): dom->pid, start_time, mon_path,
 * state and reason are set; connects the monitor and watches the process.
 * On failure the caller cleans up. */
int vk_qemu_process_attach(struct vk_qemu_dom *dom);
/* The process is gone (or must be forgotten): record state SHUTOFF/reason,
 * drop monitor, watch, status file; transient domains leave the list.
 * Idempotent; any thread; takes dom->lock itself. */
void vk_qemu_process_stopped(struct vk_qemu_dom *dom, int reason);
/* Removes dir and the files directly in it (QEMU's sockets). */
void vk_qemu_rmdir_shallow(const char *dir);
/* Start time (field 22 of /proc/PID/stat), or 0 when pid does not exist. */
unsigned long long vk_qemu_proc_start_time(pid_t pid);
/* utime+stime of pid in ns, 0 if unknown. */
unsigned long long vk_qemu_proc_cpu_time(pid_t pid);

/* Feature "events" (qemu_driver_events.c), called by qemu_process.c.
 * shutdown_event: loop thread, under dom->lock, on QMP SHUTDOWN (data: its
 * "guest"/"reason"): records the SHUTDOWN event's detail. */
struct json_object;
void vk_qemu_lifecycle_shutdown_event(struct vk_qemu_dom *dom, struct json_object *data);
/* Feature "lifecycle": loop thread, under dom->lock. The guest powered off
 * and must come back in the same QEMU (reboot, on_poweroff/on_crash
 * 'restart'): a thread takes the job, resets and continues the machine. */
void vk_qemu_lifecycle_fake_reboot(struct vk_qemu_dom *dom);
/* QMP GUEST_PANICKED: state crashed (panicked), then on_crash. */
void vk_qemu_lifecycle_panicked(struct vk_qemu_dom *dom);

/* QEMU version of the emulator binary (qemu_version.c), cached by path and
 * mtime. */
int vk_qemu_emulator_version(struct vk_qemu_driver *drv, const char *emulator,
                             unsigned long long *version);
/* The emulator a def runs: def->emulator or the default. */
const char *vk_qemu_emulator_of(const struct vk_domain_def *def);

/* Feature "console" (qemu_driver_console.c): after a start or re-attach,
 * records what QEMU chose in the live def (pty paths from query-chardev,
 * the automatic VNC port from query-vnc) and saves the status. Call with
 * the job held (or at load), never under dom->lock. Failures are logged. */
void vk_qemu_console_learn(struct vk_qemu_dom *dom);

/* Feature "save" (qemu_driver_save.c). VK_START_X_INCOMING is a private
 * flag of vk_qemu_process_start: QEMU starts with -incoming defer. */
enum { VK_START_X_INCOMING = 1 << 30 };
/* The save image format (qemu_driver_save.c): a header naming the domain XML
 * and whether the guest runs after restore, then QEMU's migration stream.
 * open: the fd positioned at the stream, *xml (caller frees), or -1. */
int vk_qemu_save_image_write_header(int fd, const char *xml, bool running);
/* VK_SAVE_* flags of save, restore and the image XML calls: known, not both
 * running and paused. */
int vk_qemu_save_check_flags(unsigned flags);
int vk_qemu_save_image_open(const char *path, char **xml, bool *running);
/* Domain XML a save image carries (qemu_driver_save_image.c): def's, or
 * dxml when it describes the same guest (vk_qemu_save_xml_check); the
 * swap variant takes the image's XML text. NULL with an error set. */
char *vk_qemu_save_image_xml(const struct vk_domain_def *def, const char *dxml);
char *vk_qemu_save_image_xml_swap(const char *saved_xml, const char *dxml);
/* <save_dir>/<name>.save (caller frees); exists: the image is there. */
char *vk_qemu_managed_save_path(struct vk_qemu_driver *drv, const char *name);
bool vk_qemu_managed_save_exists(struct vk_qemu_driver *drv, const char *name);
/* Start of an inactive domain with a managed save image (dom->job held):
 * restores from the image, then removes it (libvirt's behaviour). */
int vk_qemu_managed_save_start(struct vk_qemu_dom *dom, unsigned flags);
