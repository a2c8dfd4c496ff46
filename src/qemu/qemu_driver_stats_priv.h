/* Shared by the qemu_driver_stats*.c files (feature "stats"). */
#pragma once
#include <sys/types.h>

#include "qemu/qemu_domain.h"

#define VK_STATS_QMP_TIMEOUT_MS 30000

/* A referenced domain, or NULL (VK_ERR_NO_DOMAIN). */
struct vk_qemu_dom *vk_stats_get_dom(struct vk_qemu_driver *drv, const uint8_t *uuid);
/* The same with the job lock held; end_job releases both. */
struct vk_qemu_dom *vk_stats_begin_job(struct vk_qemu_driver *drv, const uint8_t *uuid);
void vk_stats_end_job(struct vk_qemu_dom *dom);
/* User and system time (ns) and last CPU of a process (tid 0) or one of its
 * threads, from /proc. */
int vk_stats_proc_times(pid_t pid, int tid, unsigned long long *user_ns,
                        unsigned long long *sys_ns, int *cpu);
