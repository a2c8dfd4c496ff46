/* Linux control groups, v1 (one hierarchy per controller) and v2 (one
 * unified hierarchy), found from /proc/self/mountinfo and /proc/PID/cgroup,
 * never from assumed paths. Knows nothing of QEMU: the driver names the
 * groups (qemu_cgroup.c).
 *
 * Placement: a "partition" directory holds one leaf group per process.
 * v1: the partition is below the calling daemon's own group (per
 * controller), so what it starts stays inside the accounting of whoever
 * runs the daemon. v2: below the parent of the daemon's group (or the root
 * when the daemon is at the root), because a v2 group that holds processes
 * (the daemon's) cannot give controllers to children.
 *
 * The files are read and written with plain open/read/write: Debian has no
 * well-kept C cgroup library (libcgroup is abandoned), and the interface is
 * a handful of text files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum vk_cg_ctrl { VK_CG_CPU, VK_CG_CPUACCT, VK_CG_MEMORY, VK_CG_NCTRL };

/* libvirt's "no limit" for memory tunables, in KiB (VIR_DOMAIN_MEMORY_PARAM_UNLIMITED). */
#define VK_CG_MEM_UNLIMITED 9007199254740991ULL

/* Where each controller's hierarchy is mounted (parsed from mountinfo). */
struct vk_cg_mounts {
    char *mnt[VK_CG_NCTRL], *root[VK_CG_NCTRL]; /* v1 mount point and its root */
    char *v2_mnt, *v2_root;                     /* the cgroup2 mount, if any */
};
void vk_cg_mounts_clear(struct vk_cg_mounts *m);

/* One group: its directory per controller (NULL where the controller is
 * missing); on v2 they are all the same directory. */
struct vk_cgroup {
    int version; /* 1 or 2 */
    char *dir[VK_CG_NCTRL];
};
void vk_cgroup_free(struct vk_cgroup *cg);

/* ---- parsing (pure, unit-tested) ---- */

/* Fills m from the text of /proc/self/mountinfo. Returns 0. */
int vk_cgroup_parse_mountinfo(const char *text, struct vk_cg_mounts *m);
/* The group path of a controller ("cpu", "memory"; NULL: the v2 line
 * "0::") in the text of /proc/PID/cgroup; NULL when absent. Caller frees. */
char *vk_cgroup_parse_proc(const char *text, const char *controller);
/* The directory of group path under a mount (mount point, mount root);
 * NULL when the group is outside what the mount shows. Caller frees. */
char *vk_cgroup_resolve(const char *mnt, const char *root, const char *path);
/* Space-separated counters (cpuacct.usage_percpu). Returns the count or -1. */
int vk_cgroup_parse_list(const char *text, unsigned long long **vals);
/* "key value" lines (cpu.stat, cpuacct.stat, memory.stat): the value of key. */
int vk_cgroup_parse_keyed(const char *text, const char *key, unsigned long long *val);
/* v2 cpu.max "QUOTA PERIOD" (QUOTA may be "max" = -1). */
int vk_cgroup_parse_cpu_max(const char *text, long long *quota, unsigned long long *period);
/* A name made safe as one directory name: [A-Za-z0-9_:-] kept, every other
 * byte (and a leading '.') written \xNN, so no '/', '.' or '..'. */
char *vk_cgroup_escape(const char *name);

/* ---- groups ---- */

/* Creates <base>/<partition>/<leaf> for each controller (see Placement)
 * and moves process pid (all its threads) into it. An existing leaf is
 * reused (left by a crash). NULL with VK_ERR_OPERATION_INVALID "cgroups are
 * not available: ..." when no controller can be used. */
struct vk_cgroup *vk_cgroup_create(const char *partition, const char *leaf, pid_t pid);
/* The group process pid is in (from /proc/PID/cgroup), only if its leaf is
 * <partition>/<leaf>; NULL (error set) otherwise. */
struct vk_cgroup *vk_cgroup_of_pid(pid_t pid, const char *partition, const char *leaf);
/* Removes the group and its sub-groups (processes must be gone); then the
 * partition too when it became empty. Failures are logged. */
void vk_cgroup_remove(const struct vk_cgroup *cg);
/* The same for the group vk_cgroup_create would make now, when the
 * process was never found in it (its QEMU vanished while no daemon ran);
 * leaf NULL: only the sweep of unused groups and an empty partition. */
void vk_cgroup_remove_expected(const char *partition, const char *leaf);
/* Sub-group name of cg for the threads in tids (v1: cpu and cpuacct; v2: a
 * threaded sub-group); created if needed. */
int vk_cgroup_move_threads(const struct vk_cgroup *cg, const char *sub, const pid_t *tids,
                           size_t n);
/* A sub-group's view of cg (caller frees); NULL when it does not exist. */
struct vk_cgroup *vk_cgroup_sub(const struct vk_cgroup *cg, const char *sub);

/* ---- tunables; each -1 with the error naming the file ---- */

/* which: 0 hard limit, 1 soft limit, 2 swap hard limit; KiB,
 * VK_CG_MEM_UNLIMITED for none. */
int vk_cgroup_get_memory(const struct vk_cgroup *cg, int which, unsigned long long *kib);
int vk_cgroup_set_memory(const struct vk_cgroup *cg, int which, unsigned long long kib);
/* libvirt's cpu_shares: cpu.shares on v1 (2..262144), cpu.weight on v2
 * (1..10000), written as given, as libvirt does. */
int vk_cgroup_get_shares(const struct vk_cgroup *cg, unsigned long long *shares);
int vk_cgroup_set_shares(const struct vk_cgroup *cg, unsigned long long shares);
/* CFS bandwidth in microseconds; quota -1 = unlimited. period 0 / quota 0:
 * leave that one as it is. */
int vk_cgroup_get_bandwidth(const struct vk_cgroup *cg, unsigned long long *period,
                            long long *quota);
int vk_cgroup_set_bandwidth(const struct vk_cgroup *cg, unsigned long long period,
                            long long quota);
/* CPU time of the group in ns: total, user, system. */
int vk_cgroup_cpu_usage(const struct vk_cgroup *cg, unsigned long long *total,
                        unsigned long long *user, unsigned long long *sys);
/* Per host CPU time in ns (v1 cpuacct.usage_percpu; v2 has none:
 * VK_ERR_OPERATION_UNSUPPORTED). Returns the count or -1. */
int vk_cgroup_cpu_usage_percpu(const struct vk_cgroup *cg, unsigned long long **ns);
