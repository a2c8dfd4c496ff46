/* Shared by the qemu_driver_stats*.c files (feature "stats"). */
#pragma once
#include <sys/types.h>

#include "qemu/qemu_domain.h"

#define VK_STATS_QMP_TIMEOUT_MS 30000

/* User and system time (ns) and last CPU of a process (tid 0) or one of its
 * threads, from /proc. */
int vk_stats_proc_times(pid_t pid, int tid, unsigned long long *user_ns,
                        unsigned long long *sys_ns, int *cpu);

/* Shared with feature "tune" (qemu_driver_tune.c). Under dom->lock: turns
 * flags 0 (AFFECT_CURRENT) into LIVE or CONFIG by the domain's state and
 * refuses LIVE on an inactive and CONFIG on a transient domain. */
int vk_qemu_resolve_affect(struct vk_qemu_dom *dom, unsigned *flags);
/* Job held: applies edit to a copy of the persistent definition, saves the
 * copy, then swaps it in. */
int vk_qemu_edit_config(struct vk_qemu_dom *dom, int (*edit)(struct vk_domain_def *, void *),
                        void *opaque);
