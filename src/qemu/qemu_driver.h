/* The QEMU driver: the internal API for domains that every front end (the
 * RPC dispatch in virtkitd, later the web console) calls. It owns the domain
 * list, persistent configs, status files of running domains and the QEMU
 * processes. Front ends translate wire <-> these calls and hold no policy.
 *
 * Every function is thread-safe: a worker thread may call any of them; two
 * operations on one domain never interleave (per-domain job lock).
 * Functions return 0 (or a pointer) on success, -1 (or NULL) with the
 * thread's vk_error set: VK_ERR_NO_DOMAIN for an unknown domain,
 * VK_ERR_OPERATION_INVALID for a wrong state ("domain 'x' is not running"). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/vk_paths.h"
#include "util/vk_uuid.h"

struct vk_loop;
struct vk_qemu_driver;

/* libvirt's virDomainState and reasons (numbers are libvirt's). */
enum vk_dom_state {
    VK_DOM_NOSTATE = 0, VK_DOM_RUNNING = 1, VK_DOM_BLOCKED = 2, VK_DOM_PAUSED = 3,
    VK_DOM_SHUTDOWN = 4, VK_DOM_SHUTOFF = 5, VK_DOM_CRASHED = 6, VK_DOM_PMSUSPENDED = 7,
};
/* VIR_DOMAIN_RUNNING_*: 0 unknown, 1 booted, 2 migrated, 3 restored, 4 from
 * snapshot, 5 unpaused, ... VIR_DOMAIN_PAUSED_*: 0 unknown, 1 user, ...
 * 6 shutting down, ... 10 starting up. VIR_DOMAIN_SHUTOFF_*: 0 unknown,
 * 1 shutdown, 2 destroyed, 3 crashed, 4 migrated, 5 saved, 6 failed,
 * 7 from snapshot, 8 daemon. The driver stores these ints as given. */

/* How a domain is named on the wire: what remote_nonnull_domain carries. */
struct vk_dom_ref {
    char *name;
    uint8_t uuid[VK_UUID_LEN];
    int id; /* -1 when not running */
};
void vk_dom_ref_clear(struct vk_dom_ref *ref);
void vk_dom_refs_free(struct vk_dom_ref *refs, size_t n);

struct vk_dom_info {
    int state;                  /* enum vk_dom_state */
    unsigned long long max_mem_kib;
    unsigned long long memory_kib;
    unsigned int nr_vcpus;
    unsigned long long cpu_time_ns;
};

/* libvirt's VIR_CONNECT_LIST_DOMAINS_* flags. */
enum {
    VK_LIST_ACTIVE = 1, VK_LIST_INACTIVE = 2, VK_LIST_PERSISTENT = 4, VK_LIST_TRANSIENT = 8,
    VK_LIST_RUNNING = 16, VK_LIST_PAUSED = 32, VK_LIST_SHUTOFF = 64, VK_LIST_OTHER = 128,
    VK_LIST_MANAGEDSAVE = 256, VK_LIST_NO_MANAGEDSAVE = 512, VK_LIST_AUTOSTART = 1024,
    VK_LIST_NO_AUTOSTART = 2048, VK_LIST_HAS_SNAPSHOT = 4096, VK_LIST_NO_SNAPSHOT = 8192,
};
/* libvirt's flags for the calls below. */
enum {
    VK_START_PAUSED = 1,          /* VIR_DOMAIN_START_PAUSED */
    VK_DESTROY_GRACEFUL = 1,      /* VIR_DOMAIN_DESTROY_GRACEFUL */
    VK_XML_SECURE = 1,            /* VIR_DOMAIN_XML_SECURE */
    VK_XML_INACTIVE = 2,          /* VIR_DOMAIN_XML_INACTIVE */
};

/* Loads persistent configs from <config_dir>/qemu/, re-attaches to QEMU
 * processes recorded in <run_dir>/qemu/ status files (verifying each pid is
 * still the same QEMU), and marks vanished ones shut off. The loop is where
 * monitor sockets and process exits are watched; it must already be running
 * in its own thread (re-attaching asks each QEMU for its status over QMP). */
struct vk_qemu_driver *vk_qemu_driver_open(const struct vk_paths *paths, struct vk_loop *loop);
/* Leaves running QEMU processes running (the next daemon re-attaches). */
void vk_qemu_driver_close(struct vk_qemu_driver *drv);

/* QEMU's version as major*1e6+minor*1e3+micro (CONNECT_GET_VERSION). */
int vk_qemu_get_version(struct vk_qemu_driver *drv, unsigned long long *version);

int vk_qemu_domain_define(struct vk_qemu_driver *drv, const char *xml, unsigned flags,
                          struct vk_dom_ref *out);
int vk_qemu_domain_undefine(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
int vk_qemu_domain_create_xml(struct vk_qemu_driver *drv, const char *xml, unsigned flags,
                              struct vk_dom_ref *out); /* transient: gone when it stops */
int vk_qemu_domain_create(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags,
                          struct vk_dom_ref *out); /* start; out gets the new id */
int vk_qemu_domain_destroy(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
/* shutdown presses the ACPI power button (flags 0 or ACPI_POWER_BTN = 1);
 * the domain stops when the guest powers off (SHUTOFF, reason shutdown).
 * reboot (flags 0 or ACPI_POWER_BTN; GUEST_AGENT 2 is refused: no agent)
 * presses it too and marks a fake reboot: the guest's power-off becomes a
 * machine reset in the same QEMU (libvirt's way); a guest that ignores ACPI
 * does nothing. destroy: SIGTERM, then SIGKILL after 3 s (with
 * VK_DESTROY_GRACEFUL: SIGTERM only, error if it stays). */
int vk_qemu_domain_shutdown(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
int vk_qemu_domain_reboot(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
int vk_qemu_domain_suspend(struct vk_qemu_driver *drv, const uint8_t *uuid);
int vk_qemu_domain_resume(struct vk_qemu_driver *drv, const uint8_t *uuid);

int vk_qemu_domain_lookup_by_name(struct vk_qemu_driver *drv, const char *name,
                                  struct vk_dom_ref *out);
int vk_qemu_domain_lookup_by_uuid(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                  struct vk_dom_ref *out);
int vk_qemu_domain_lookup_by_id(struct vk_qemu_driver *drv, int id, struct vk_dom_ref *out);
/* Returns the XML (caller frees): live when running unless VK_XML_INACTIVE. */
char *vk_qemu_domain_get_xml(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
int vk_qemu_domain_get_info(struct vk_qemu_driver *drv, const uint8_t *uuid,
                            struct vk_dom_info *info);
int vk_qemu_domain_get_state(struct vk_qemu_driver *drv, const uint8_t *uuid, int *state,
                             int *reason);
/* Each returns 0/1, or -1 (error set). */
int vk_qemu_domain_is_active(struct vk_qemu_driver *drv, const uint8_t *uuid);
int vk_qemu_domain_is_persistent(struct vk_qemu_driver *drv, const uint8_t *uuid);
int vk_qemu_domain_get_autostart(struct vk_qemu_driver *drv, const uint8_t *uuid);
/* Adds/removes <config_dir>/qemu/autostart/<name>.xml (persistent only). */
int vk_qemu_domain_set_autostart(struct vk_qemu_driver *drv, const uint8_t *uuid, int autostart);
/* Starts every inactive persistent domain marked autostart (the daemon calls
 * it once after open); failures are logged, not fatal. */
void vk_qemu_driver_autostart(struct vk_qemu_driver *drv);
int vk_qemu_domain_has_managed_save(struct vk_qemu_driver *drv, const uint8_t *uuid);
/* Lifecycle events, libvirt's virDomainEventType numbers; details as
 * libvirt's: DEFINED 0 added / 1 updated; UNDEFINED 0 removed; STARTED 0
 * booted; SUSPENDED 0 paused; RESUMED 0 unpaused; STOPPED 0 shutdown,
 * 1 destroyed, 2 crashed, 5 failed; SHUTDOWN 0 finished. */
enum {
    VK_EVENT_DEFINED = 0, VK_EVENT_UNDEFINED = 1, VK_EVENT_STARTED = 2, VK_EVENT_SUSPENDED = 3,
    VK_EVENT_RESUMED = 4, VK_EVENT_STOPPED = 5, VK_EVENT_SHUTDOWN = 6,
    VK_EVENT_CRASHED = 8, /* feature "lifecycle": detail 0 panicked */
};
/* Runs in a worker or the loop thread, possibly with driver locks held: it
 * must only queue the event (never block, never call the driver). */
typedef void (*vk_qemu_event_cb)(const struct vk_dom_ref *dom, int event, int detail,
                                 void *opaque);
/* One callback per driver (NULL removes it). */
void vk_qemu_driver_set_event_cb(struct vk_qemu_driver *drv, vk_qemu_event_cb cb, void *opaque);
/* Feature "net": libvirt's device-added / device-removed events (the
 * device's alias, e.g. "net1", "virtio-disk1"), after a live attach and when
 * a live detach has finished. Same rules as vk_qemu_event_cb. */
typedef void (*vk_qemu_device_event_cb)(const struct vk_dom_ref *dom, bool added,
                                        const char *alias, void *opaque);
void vk_qemu_driver_set_device_event_cb(struct vk_qemu_driver *drv, vk_qemu_device_event_cb cb,
                                        void *opaque);

/* Lists domains matching libvirt's VIR_CONNECT_LIST_DOMAINS_* flags (0 = all),
 * sorted active first by id, then inactive by name. With states non-NULL,
 * also returns each domain's state (so a front end answering "list" needs no
 * per-domain round trip). */
int vk_qemu_list_domains(struct vk_qemu_driver *drv, unsigned flags, struct vk_dom_ref **out,
                         int **states, size_t *n);

/* ---- Feature "events" (qemu_driver_events.c) ---- */

/* Not a lifecycle event: the guest reset itself (QMP RESET), which libvirt
 * reports as VIR_DOMAIN_EVENT_ID_REBOOT. The event callback gets it with
 * event VK_EVENT_X_REBOOT and detail 0. */
enum { VK_EVENT_X_REBOOT = 1000 };
/* virDomainReset: a hard reset of the machine (QMP system_reset); flags
 * must be 0. */
int vk_qemu_domain_reset(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);

/* ---- Feature "console" (qemu_driver_console.c) ---- */

/* virDomainConsoleFlags */
enum { VK_CONSOLE_FORCE = 1, VK_CONSOLE_SAFE = 2 };
struct vk_qemu_console;
/* Called (any thread, driver locks held) when a forced open takes this
 * session's console away: it must only schedule the end of its stream. */
typedef void (*vk_qemu_console_revoke_cb)(void *opaque);
/* Opens the pty of a running domain's console (dev_name NULL: the first
 * console, else serial; or "serial0", "console0", an alias): *fd is the
 * pty's slave side, raw and non-blocking (the caller closes it). One
 * session per pty: without VK_CONSOLE_FORCE a second open fails with
 * VK_ERR_OPERATION_FAILED "Active console session exists for this domain";
 * with it the old session is revoked. */
int vk_qemu_domain_open_console(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                const char *dev_name, unsigned flags,
                                vk_qemu_console_revoke_cb revoke, void *opaque, int *fd,
                                struct vk_qemu_console **session);
/* Ends a session (revoked or not); its revoke callback is not called. */
void vk_qemu_console_close(struct vk_qemu_console *session);

/* ---- feature "stats": capabilities, statistics, resources ---- */
#include "qemu/qemu_driver_stats.h"

/* ---- Feature "save" (qemu_driver_save.c): save, restore, managed save, jobs ---- */

/* virDomainSaveRestoreFlags */
enum { VK_SAVE_BYPASS_CACHE = 1, VK_SAVE_RUNNING = 2, VK_SAVE_PAUSED = 4 };
/* Saves a running domain's memory and device state to path (QEMU migration
 * stream after our header, see qemu_driver_save.c) and stops it: shut off,
 * reason saved. dxml: the XML the image carries instead of the running one. */
int vk_qemu_domain_save(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *path,
                        const char *dxml, unsigned flags);
/* Starts the domain saved in path: running (reason restored) unless the
 * domain was paused at save time or VK_SAVE_PAUSED; an unknown domain comes
 * back transient. */
int vk_qemu_domain_restore(struct vk_qemu_driver *drv, const char *path, const char *dxml,
                           unsigned flags);
/* Save to the domain's managed image (persistent domains); its next start
 * resumes from it and removes it. */
int vk_qemu_domain_managed_save(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags);
int vk_qemu_domain_managed_save_remove(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                       unsigned flags);
/* The domain XML in save images (qemu_driver_save_image.c): read it, or
 * replace it by one describing the same guest (only what the guest does not
 * see may change, e.g. a disk's path), optionally switching whether restore
 * runs the guest (VK_SAVE_RUNNING / VK_SAVE_PAUSED). save and restore take
 * such an XML as dxml too. */
enum { VK_SAVE_IMAGE_XML_SECURE = 1 };
char *vk_qemu_save_image_get_xml(struct vk_qemu_driver *drv, const char *path, unsigned flags);
int vk_qemu_save_image_define_xml(struct vk_qemu_driver *drv, const char *path,
                                  const char *dxml, unsigned flags);
char *vk_qemu_managed_save_get_xml(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   unsigned flags);
int vk_qemu_managed_save_define_xml(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    const char *dxml, unsigned flags);
/* virDomainJobType / virDomainJobOperation values. */
enum { VK_JOB_NONE = 0, VK_JOB_UNBOUNDED = 2 };
enum { VK_JOB_OP_SAVE = 2, VK_JOB_OP_RESTORE = 3 };
struct vk_job_info {
    int type;      /* VK_JOB_NONE when nothing runs */
    int operation; /* VK_JOB_OP_* */
    unsigned long long time_elapsed_ms;
    unsigned long long data_total, data_processed, data_remaining; /* bytes */
};
/* Never waits for the domain's job lock: answers while a save runs. */
int vk_qemu_domain_get_job_info(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                struct vk_job_info *out);
/* Cancels a running save (the domain keeps running); error when none runs. */
int vk_qemu_domain_abort_job(struct vk_qemu_driver *drv, const uint8_t *uuid);

/* ---- Feature "lifecycle": completed jobs ---- */

/* virDomainJobType VIR_DOMAIN_JOB_COMPLETED; VIR_DOMAIN_JOB_STATS_* flags. */
enum { VK_JOB_COMPLETED = 3 };
enum { VK_JOB_STATS_COMPLETED = 1, VK_JOB_STATS_KEEP_COMPLETED = 2 };
/* The stats of the domain's last completed job (a save or managed save),
 * kept until its next job starts; reading them without
 * VK_JOB_STATS_KEEP_COMPLETED forgets them (libvirt's rule). out->type is
 * VK_JOB_NONE when there are none. */
int vk_qemu_domain_get_completed_job(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     unsigned flags, struct vk_job_info *out);
/* libvirt's JOB_COMPLETED event: called like the event callback (queue
 * only) when a job of the domain completes, with its stats. */
typedef void (*vk_qemu_job_event_cb)(const struct vk_dom_ref *dom, const struct vk_job_info *info,
                                     void *opaque);
void vk_qemu_driver_set_job_event_cb(struct vk_qemu_driver *drv, vk_qemu_job_event_cb cb,
                                     void *opaque);

/* Feature "hotplug" (qemu_driver_hotplug.c): attach / detach one device
 * given as XML (<disk> for now); flags VIR_DOMAIN_AFFECT_LIVE 1 / CONFIG 2,
 * 0 = the current state. Live disks: virtio on pc machines; detach waits
 * for the guest to release the device. */
int vk_qemu_domain_attach_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags);
int vk_qemu_domain_detach_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags);
/* Changes the media of a cdrom/floppy (the <disk> with the new or no
 * <source>); flags also VIR_DOMAIN_DEVICE_MODIFY_FORCE 4. */
int vk_qemu_domain_update_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags);

/* ---- Feature "tune" (qemu_driver_tune.c, qemu_cgroup.c): cgroup tuning ---- */

/* Flags VK_AFFECT_LIVE / VK_AFFECT_CONFIG (0: the current state). Live
 * values come from the domain's cgroup ("cgroups are not available" when
 * it has none), config values from <memtune>/<cputune>. */
/* hard_limit, soft_limit, swap_hard_limit: ULLONG KiB, 9007199254740991 =
 * unlimited. Setting takes those names (ULLONG); others are refused. */
int vk_qemu_domain_get_memory_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     unsigned flags, struct vk_tparams *out);
int vk_qemu_domain_set_memory_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     const struct vk_tparam *params, size_t n, unsigned flags);
/* Scheduler "posix": cpu_shares, vcpu_period, vcpu_quota, emulator_period,
 * emulator_quota, global_period, global_quota (periods ULLONG, quotas
 * LLONG, microseconds); sched_type gives the count. */
int vk_qemu_domain_get_sched_type(struct vk_qemu_driver *drv, const uint8_t *uuid, int *nparams);
int vk_qemu_domain_get_sched_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    unsigned flags, struct vk_tparams *out);
int vk_qemu_domain_set_sched_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    const struct vk_tparam *params, size_t n, unsigned flags);
/* virDomainGetCPUStats per CPU: ncpus 0 answers the number of host CPUs in
 * *per_cpu; else cpu_time (and vcpu_time when vcpus have sub-groups) for
 * CPUs start_cpu.. start_cpu+ncpus-1, at most nparams each, *per_cpu the
 * count per CPU (nparams 0: only the count). */
int vk_qemu_domain_cpu_stats_percpu(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    int start_cpu, unsigned ncpus, unsigned nparams,
                                    struct vk_tparams *out, int *per_cpu);
/* The domain's cgroup CPU time (ns): -1 (error set) without a cgroup. */
int vk_qemu_domain_cgroup_cpu_total(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    unsigned long long *total, unsigned long long *user,
                                    unsigned long long *sys);
