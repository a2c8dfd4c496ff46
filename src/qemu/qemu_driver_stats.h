/* Feature "stats" of the QEMU driver API: domain capabilities, statistics
 * (bulk and per domain) and memory/vcpu resources. Included by
 * qemu_driver.h; same rules (thread-safe, -1 with the thread's error set). */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/vk_uuid.h"

struct vk_qemu_driver;
struct vk_dom_ref;

/* A libvirt typed parameter (virTypedParameterType numbers), so front ends
 * can put it on the wire as is. */
enum {
    VK_TP_INT = 1, VK_TP_UINT = 2, VK_TP_LLONG = 3, VK_TP_ULLONG = 4, VK_TP_DOUBLE = 5,
    VK_TP_BOOLEAN = 6, VK_TP_STRING = 7,
};
struct vk_tparam {
    char *field;
    int type;
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        char *s;
    } v;
};
struct vk_tparams {
    struct vk_tparam *p;
    size_t n;
};
void vk_tparams_clear(struct vk_tparams *tp);
/* Field names are printf formats ("block.%zu.rd.reqs"). */
void vk_tparams_add_int(struct vk_tparams *tp, int v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vk_tparams_add_uint(struct vk_tparams *tp, unsigned v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vk_tparams_add_llong(struct vk_tparams *tp, long long v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vk_tparams_add_ullong(struct vk_tparams *tp, unsigned long long v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vk_tparams_add_string(struct vk_tparams *tp, const char *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* libvirt's VIR_DOMAIN_STATS_* groups we collect. */
enum {
    VK_STATS_STATE = 1, VK_STATS_CPU_TOTAL = 2, VK_STATS_BALLOON = 4, VK_STATS_VCPU = 8,
    VK_STATS_INTERFACE = 16, VK_STATS_BLOCK = 32,
};
#define VK_STATS_SUPPORTED 63u
/* VIR_CONNECT_GET_ALL_DOMAINS_STATS_* flags beyond the list filters (which
 * are the VK_LIST_* values 1..128). */
#define VK_STATS_NOWAIT (1u << 29)
#define VK_STATS_BACKING (1u << 30)
#define VK_STATS_ENFORCE (1u << 31)

struct vk_dom_stats {
    struct vk_dom_ref *ref; /* malloc'd */
    struct vk_tparams params;
};
void vk_dom_stats_free(struct vk_dom_stats *s, size_t n);
/* virConnectGetAllDomainStats: for the domains given (nuuids > 0) or every
 * domain matching the list filters in flags. One QMP exchange per running
 * domain per group at most; no per-domain round trip for the caller. */
int vk_qemu_get_all_domain_stats(struct vk_qemu_driver *drv, const uint8_t (*uuids)[VK_UUID_LEN],
                                 size_t nuuids, unsigned stats, unsigned flags,
                                 struct vk_dom_stats **out, size_t *n);

/* VIR_DOMAIN_MEMORY_STAT_* tags. */
enum {
    VK_MEMSTAT_SWAP_IN = 0, VK_MEMSTAT_SWAP_OUT = 1, VK_MEMSTAT_MAJOR_FAULT = 2,
    VK_MEMSTAT_MINOR_FAULT = 3, VK_MEMSTAT_UNUSED = 4, VK_MEMSTAT_AVAILABLE = 5,
    VK_MEMSTAT_ACTUAL = 6, VK_MEMSTAT_RSS = 7, VK_MEMSTAT_USABLE = 8, VK_MEMSTAT_LAST_UPDATE = 9,
    VK_MEMSTAT_DISK_CACHES = 10,
};
struct vk_mem_stat {
    int tag;
    unsigned long long val; /* KiB (seconds for LAST_UPDATE, counts for faults) */
};
/* Running domains only. At most max entries. */
int vk_qemu_domain_memory_stats(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned max,
                                struct vk_mem_stat **out, size_t *n);
/* disk: target dev (vda), source path, or "" for the sum over all disks. Fills libvirt's block stats
 * fields (rd_operations, rd_bytes, wr_operations, wr_bytes, flush_operations,
 * rd/wr/flush_total_times), all LLONG. */
int vk_qemu_domain_block_stats(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *disk,
                               struct vk_tparams *out);
/* rx bytes, packets, errs, drop, tx bytes, packets, errs, drop (-1 unknown). */
int vk_qemu_domain_interface_stats(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   const char *iface, long long out[8]);
/* Total CPU use of the QEMU process: cpu_time, user_time, system_time (ns). */
int vk_qemu_domain_cpu_stats(struct vk_qemu_driver *drv, const uint8_t *uuid,
                             struct vk_tparams *out);

struct vk_vcpu_info {
    unsigned int number;
    int state;                   /* 1 running */
    unsigned long long cpu_time; /* ns */
    int cpu;                     /* host CPU it last ran on */
};
/* Running domains: one entry per online vcpu. */
int vk_qemu_domain_get_vcpus(struct vk_qemu_driver *drv, const uint8_t *uuid,
                             struct vk_vcpu_info **out, size_t *n);
/* VIR_DOMAIN_AFFECT_LIVE 1 / CONFIG 2, VIR_DOMAIN_VCPU_MAXIMUM 4. */
enum { VK_AFFECT_LIVE = 1, VK_AFFECT_CONFIG = 2, VK_VCPU_MAXIMUM = 4, VK_VCPU_GUEST = 8,
       VK_MEM_MAXIMUM = 4 };
/* Returns the count (>= 0) or -1. */
int vk_qemu_domain_get_vcpus_flags(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   unsigned flags);
int vk_qemu_domain_get_max_memory(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                  unsigned long long *kib);
/* setmem / setmaxmem (flags with VK_MEM_MAXIMUM): live via the balloon,
 * config via the persistent definition. */
int vk_qemu_domain_set_memory(struct vk_qemu_driver *drv, const uint8_t *uuid,
                              unsigned long long kib, unsigned flags);
/* dommemstat --period: how often the guest's balloon driver reports its
 * memory statistics (seconds, 0 = never). */
int vk_qemu_domain_set_memory_stats_period(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                           int period, unsigned flags);
/* setvcpus: config (count or VK_VCPU_MAXIMUM); live adds vcpus up to the
 * maximum by CPU hotplug (removal needs the guest: unsupported). */
int vk_qemu_domain_set_vcpus(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned nvcpus,
                             unsigned flags);

/* The domainCapabilities XML for (emulator, arch, machine, virttype), any
 * NULL meaning the default. QEMU is asked (-machine help, -cpu help) on the
 * first request per binary and mtime, then cached. Caller frees. */
char *vk_qemu_domain_capabilities(struct vk_qemu_driver *drv, const char *emulator,
                                  const char *arch, const char *machine, const char *virttype,
                                  unsigned flags);
