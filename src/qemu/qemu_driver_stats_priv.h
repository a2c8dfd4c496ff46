/* Shared by the qemu_driver_stats*.c files (feature "stats"). */
#pragma once
#include <sys/types.h>

#include "qemu/qemu_domain.h"

#define VK_STATS_QMP_TIMEOUT_MS 30000

/* User and system time (ns) and last CPU of a process (tid 0) or one of its
 * threads, from /proc. */
int vk_stats_proc_times(pid_t pid, int tid, unsigned long long *user_ns,
                        unsigned long long *sys_ns, int *cpu);
