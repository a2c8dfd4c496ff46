/* Feature "tune": the cgroup of each running QEMU (qemu_cgroup.c). Hooks
 * called by qemu_process.c with the domain's job held (or at re-attach). */
#pragma once
#include <sys/types.h>

#include "qemu/qemu_domain.h"

struct vk_cgroup;
struct vk_qemu_monitor;

/* The partition of this daemon and a domain's leaf name (caller frees). */
char *vk_qemu_cgroup_partition(const struct vk_qemu_driver *drv);
char *vk_qemu_cgroup_leaf(const char *name);
/* After spawn, before the guest runs: creates the domain's group, moves
 * QEMU in and applies <memtune> and <cputune> shares/global_*. Without
 * cgroups the domain runs untuned (warning), unless its XML asks for
 * tuning: then -1. */
int vk_qemu_cgroup_setup(struct vk_qemu_dom *dom, pid_t pid);
/* Before cont: vcpu threads into vcpuN, the rest into emulator, and
 * <cputune> period/quota, emulator_period/quota applied. */
int vk_qemu_cgroup_place_vcpus(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon);
/* Re-attach: finds the group QEMU is in (/proc/PID/cgroup). */
void vk_qemu_cgroup_attach(struct vk_qemu_dom *dom);
/* The process is gone: removes its group. Any thread. */
void vk_qemu_cgroup_remove(struct vk_qemu_dom *dom);
/* Removes this daemon's groups nothing uses any more and an empty
 * partition (driver close; a stop does the same for its partition). */
void vk_qemu_cgroup_sweep(struct vk_qemu_driver *drv);
/* The group of a running domain's QEMU pid, looked up afresh (caller
 * frees); NULL with "cgroups are not available" set. */
struct vk_cgroup *vk_qemu_cgroup_of(struct vk_qemu_dom *dom, pid_t pid);
