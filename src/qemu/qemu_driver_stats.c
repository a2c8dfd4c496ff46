/* Statistics of domains (feature "stats"): the bulk call that virsh
 * domstats and getAllDomainStats use, and the per-domain calls (dommemstat,
 * domblkstat, domifstat, cpu-stats, vcpuinfo). Numbers come from QMP
 * (query-balloon, query-cpus-fast, query-blockstats) and /proc of the QEMU
 * process and its vcpu threads; nothing is made up: what QEMU cannot tell
 * (traffic of user-mode networking) is left out. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu/qemu_domain.h"
#include "qemu/qemu_driver_stats_priv.h"
#include "qemu/qemu_interface.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"

/* ---- typed parameters ---- */

void vk_tparams_clear(struct vk_tparams *tp)
{
    for (size_t i = 0; i < tp->n; i++) {
        free(tp->p[i].field);
        if (tp->p[i].type == VK_TP_STRING)
            free(tp->p[i].v.s);
    }
    free(tp->p);
    tp->p = NULL;
    tp->n = 0;
}

static struct vk_tparam *tp_new(struct vk_tparams *tp, int type, const char *fmt, va_list ap)
{
    struct vk_tparam *p = VK_APPEND(tp->p, tp->n);
    p->type = type;
    if (vasprintf(&p->field, fmt, ap) < 0)
        abort();
    return p;
}

#define TP_ADD(fn, ctype, TYPE, member, expr)                                                      \
    void fn(struct vk_tparams *tp, ctype v, const char *fmt, ...)                                 \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        tp_new(tp, TYPE, fmt, ap)->v.member = expr;                                                \
        va_end(ap);                                                                                \
    }
TP_ADD(vk_tparams_add_int, int, VK_TP_INT, i, v)
TP_ADD(vk_tparams_add_uint, unsigned, VK_TP_UINT, ui, v)
TP_ADD(vk_tparams_add_llong, long long, VK_TP_LLONG, l, v)
TP_ADD(vk_tparams_add_ullong, unsigned long long, VK_TP_ULLONG, ul, v)
TP_ADD(vk_tparams_add_string, const char *, VK_TP_STRING, s, vk_strdup(v ? v : ""))

void vk_dom_stats_free(struct vk_dom_stats *s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i].ref) {
            vk_dom_ref_clear(s[i].ref);
            free(s[i].ref);
        }
        vk_tparams_clear(&s[i].params);
    }
    free(s);
}

/* ---- domains and jobs ---- */


/* The monitor of a running domain (job held), or NULL with the error set. */
static struct vk_qemu_monitor *running_mon(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!mon)
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
    return mon;
}

/* Runs a query (job held) and parses its "return" value; NULL on error. */
static struct json_object *qmp_query(struct vk_qemu_monitor *mon, const char *cmd,
                                     const char *args)
{
    char *reply = NULL;
    if (vk_qmp_command(mon, cmd, args, &reply, VK_STATS_QMP_TIMEOUT_MS) < 0)
        return NULL;
    struct json_object *o = json_tokener_parse(reply ? reply : "null");
    free(reply);
    if (!o)
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU, "QEMU's reply to %s is not JSON", cmd);
    return o;
}

static long long jint(struct json_object *o, const char *key, long long dflt)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return dflt;
    return json_object_get_int64(v);
}

/* ---- /proc ---- */

/* Fields of a /proc stat line after the command: utime (14), stime (15),
 * processor (39), in clock ticks / cpu number. */
struct proc_times {
    unsigned long long utime, stime;
    int processor;
};

static int read_proc_stat(const char *path, struct proc_times *t)
{
    vk_autofree char *buf = NULL;
    size_t len;
    memset(t, 0, sizeof(*t));
    t->processor = -1;
    if (vk_file_read(path, 4096, &buf, &len) < 0) {
        vk_error_reset();
        return -1;
    }
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    char *save = NULL;
    char *tok = strtok_r(p + 1, " ", &save);
    for (int field = 3; tok && field <= 39; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 14)
            t->utime = strtoull(tok, NULL, 10);
        else if (field == 15)
            t->stime = strtoull(tok, NULL, 10);
        else if (field == 39)
            t->processor = atoi(tok);
    }
    return 0;
}

static unsigned long long ticks_to_ns(unsigned long long ticks)
{
    long tck = sysconf(_SC_CLK_TCK);
    if (tck <= 0)
        tck = 100;
    return ticks * (1000000000ULL / (unsigned long long)tck);
}

int vk_stats_proc_times(pid_t pid, int tid, unsigned long long *user_ns,
                        unsigned long long *sys_ns, int *cpu)
{
    char path[96];
    if (tid > 0)
        snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, tid);
    else
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    struct proc_times t;
    if (read_proc_stat(path, &t) < 0)
        return -1;
    if (user_ns)
        *user_ns = ticks_to_ns(t.utime);
    if (sys_ns)
        *sys_ns = ticks_to_ns(t.stime);
    if (cpu)
        *cpu = t.processor;
    return 0;
}

/* VmRSS of pid in KiB, 0 if unknown. */
static unsigned long long proc_rss_kib(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    vk_autofree char *buf = NULL;
    size_t len;
    if (vk_file_read(path, 65536, &buf, &len) < 0) {
        vk_error_reset();
        return 0;
    }
    const char *p = strstr(buf, "\nVmRSS:");
    return p ? strtoull(p + 7, NULL, 10) : 0;
}

/* ---- a snapshot of what stats need from a domain (under dom->lock) ---- */

struct snap {
    int state, reason;
    bool active;
    pid_t pid;
    struct vk_qemu_monitor *mon;
    unsigned long long max_kib, cur_kib;
    int vcpus, vcpus_current;
    size_t ndisks;
    char **disk_target, **disk_source;
    size_t nnets;
    char **net_name;
    uint8_t (*net_mac)[6];
    int *net_type; /* enum vk_net_type */
    bool balloon;
    int balloon_period;
    char *balloon_id;
};

static void snap_take(struct vk_qemu_dom *dom, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&dom->lock);
    const struct vk_domain_def *def = dom->def;
    s->state = dom->state;
    s->reason = dom->reason;
    s->active = vk_qemu_dom_is_active(dom);
    s->pid = s->active ? dom->pid : 0;
    s->mon = s->active ? dom->mon : NULL;
    s->max_kib = def->memory_kib;
    s->cur_kib = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
    s->vcpus = def->vcpus;
    s->vcpus_current = def->vcpus_current > 0 ? def->vcpus_current : def->vcpus;
    s->ndisks = def->ndisks;
    s->disk_target = vk_calloc(def->ndisks + 1, sizeof(char *));
    s->disk_source = vk_calloc(def->ndisks + 1, sizeof(char *));
    for (size_t i = 0; i < def->ndisks; i++) {
        s->disk_target[i] = vk_strdup(def->disks[i].target_dev);
        s->disk_source[i] = vk_strdup(def->disks[i].source);
    }
    s->nnets = def->nnets;
    s->net_name = vk_calloc(def->nnets + 1, sizeof(char *));
    s->net_mac = vk_calloc(def->nnets + 1, sizeof(*s->net_mac));
    s->net_type = vk_calloc(def->nnets + 1, sizeof(int));
    for (size_t i = 0; i < def->nnets; i++) {
        s->net_name[i] = vk_strdup(def->nets[i].target_dev);
        memcpy(s->net_mac[i], def->nets[i].mac, 6);
        s->net_type[i] = (int)def->nets[i].type;
    }
    const struct vk_memballoon_def *b = &def->memballoon;
    /* No <memballoon> means QEMU got the default virtio balloon. */
    s->balloon = !b->present || !b->model || strcmp(b->model, "none") != 0;
    s->balloon_period = b->present ? b->period : -1;
    s->balloon_id = vk_strdup(b->present && b->info.alias ? b->info.alias : "balloon0");
    pthread_mutex_unlock(&dom->lock);
}

static void snap_clear(struct snap *s)
{
    for (size_t i = 0; i < s->ndisks; i++) {
        free(s->disk_target[i]);
        free(s->disk_source[i]);
    }
    free(s->disk_target);
    free(s->disk_source);
    for (size_t i = 0; i < s->nnets; i++)
        free(s->net_name[i]);
    free(s->net_name);
    free(s->net_mac);
    free(s->net_type);
    free(s->balloon_id);
}

/* ---- groups ---- */

static void group_state(const struct snap *s, struct vk_tparams *tp)
{
    vk_tparams_add_int(tp, s->state, "state.state");
    vk_tparams_add_int(tp, s->reason, "state.reason");
}

static void group_cpu(const struct snap *s, struct vk_tparams *tp)
{
    unsigned long long user, sys;
    if (!s->active || vk_stats_proc_times(s->pid, 0, &user, &sys, NULL) < 0)
        return;
    vk_tparams_add_ullong(tp, user + sys, "cpu.time");
    vk_tparams_add_ullong(tp, user, "cpu.user");
    vk_tparams_add_ullong(tp, sys, "cpu.system");
}

/* Current balloon size in KiB from QMP, or the definition's. */
static unsigned long long balloon_actual(const struct snap *s)
{
    if (!s->active || !s->balloon || !s->mon)
        return s->cur_kib;
    struct json_object *o = qmp_query(s->mon, "query-balloon", NULL);
    if (!o) {
        vk_error_reset();
        return s->cur_kib;
    }
    long long actual = jint(o, "actual", -1);
    json_object_put(o);
    return actual >= 0 ? (unsigned long long)actual / 1024 : s->cur_kib;
}

static void group_balloon(const struct snap *s, struct vk_tparams *tp)
{
    vk_tparams_add_ullong(tp, balloon_actual(s), "balloon.current");
    vk_tparams_add_ullong(tp, s->max_kib, "balloon.maximum");
    if (s->active) {
        unsigned long long rss = proc_rss_kib(s->pid);
        if (rss)
            vk_tparams_add_ullong(tp, rss, "balloon.rss");
    }
}

/* query-cpus-fast: thread id per vcpu index. Returns the count, -1. */
static int vcpu_threads(const struct snap *s, int **tids)
{
    *tids = NULL;
    if (!s->mon)
        return -1;
    struct json_object *o = qmp_query(s->mon, "query-cpus-fast", NULL);
    if (!o)
        return -1;
    int n = json_object_is_type(o, json_type_array) ? (int)json_object_array_length(o) : 0;
    *tids = vk_calloc((size_t)n + 1, sizeof(int));
    for (int i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(o, (size_t)i);
        long long idx = jint(c, "cpu-index", i);
        if (idx < 0 || idx >= n)
            idx = i;
        (*tids)[idx] = (int)jint(c, "thread-id", 0);
    }
    json_object_put(o);
    return n;
}

static void group_vcpu(const struct snap *s, struct vk_tparams *tp)
{
    int *tids = NULL;
    int n = s->active ? vcpu_threads(s, &tids) : -1;
    if (n < 0)
        vk_error_reset();
    vk_tparams_add_uint(tp, (unsigned)(n >= 0 ? n : s->vcpus_current), "vcpu.current");
    vk_tparams_add_uint(tp, (unsigned)s->vcpus, "vcpu.maximum");
    for (int i = 0; i < n; i++) {
        unsigned long long user = 0, sys = 0;
        vk_tparams_add_int(tp, 1, "vcpu.%d.state", i); /* VIR_VCPU_RUNNING */
        if (tids[i] > 0 && vk_stats_proc_times(s->pid, tids[i], &user, &sys, NULL) == 0)
            vk_tparams_add_ullong(tp, user + sys, "vcpu.%d.time", i);
    }
    free(tids);
}

/* Tap-backed interfaces have counters (feature "net"); user-mode ones have
 * no host-side device, so they are only named, as libvirt does. */
static void group_interface(const struct snap *s, struct vk_tparams *tp)
{
    static const char *const keys[8] = {"rx.bytes", "rx.pkts", "rx.errs", "rx.drop",
                                        "tx.bytes", "tx.pkts", "tx.errs", "tx.drop"};
    if (!s->active)
        return;
    vk_tparams_add_uint(tp, (unsigned)s->nnets, "net.count");
    for (size_t i = 0; i < s->nnets; i++) {
        if (!s->net_name[i])
            continue;
        vk_tparams_add_string(tp, s->net_name[i], "net.%zu.name", i);
        long long v[8];
        if (vk_qemu_interface_counters(s->net_type[i], s->net_name[i], v) < 0) {
            vk_error_reset(); /* a vanished tap: named without counters */
            continue;
        }
        for (int k = 0; k < 8; k++)
            vk_tparams_add_ullong(tp, (unsigned long long)v[k], "net.%zu.%s", i, keys[k]);
    }
}

/* The stats object of query-blockstats for disk i: the argv builder names
 * its format node libvirt-<ndisks - i>-format. */
static struct json_object *disk_blockstats(struct json_object *all, size_t ndisks, size_t i)
{
    char node[48];
    snprintf(node, sizeof(node), "libvirt-%zu-format", ndisks - i);
    size_t n = all && json_object_is_type(all, json_type_array) ? json_object_array_length(all)
                                                                 : 0;
    for (size_t k = 0; k < n; k++) {
        struct json_object *e = json_object_array_get_idx(all, k), *nn, *st;
        if (json_object_object_get_ex(e, "node-name", &nn) &&
            strcmp(json_object_get_string(nn), node) == 0 &&
            json_object_object_get_ex(e, "stats", &st))
            return st;
    }
    return NULL;
}

static void add_block_numbers(struct vk_tparams *tp, struct json_object *st, size_t i)
{
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "rd_operations", 0),
                          "block.%zu.rd.reqs", i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "rd_bytes", 0), "block.%zu.rd.bytes",
                          i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "rd_total_time_ns", 0),
                          "block.%zu.rd.times", i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "wr_operations", 0),
                          "block.%zu.wr.reqs", i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "wr_bytes", 0), "block.%zu.wr.bytes",
                          i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "wr_total_time_ns", 0),
                          "block.%zu.wr.times", i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "flush_operations", 0),
                          "block.%zu.fl.reqs", i);
    vk_tparams_add_ullong(tp, (unsigned long long)jint(st, "flush_total_time_ns", 0),
                          "block.%zu.fl.times", i);
}

static void group_block(const struct snap *s, struct vk_tparams *tp)
{
    struct json_object *all = NULL;
    if (s->active && s->mon && !(all = qmp_query(s->mon, "query-blockstats", NULL)))
        vk_error_reset();
    vk_tparams_add_uint(tp, (unsigned)s->ndisks, "block.count");
    for (size_t i = 0; i < s->ndisks; i++) {
        vk_tparams_add_string(tp, s->disk_target[i], "block.%zu.name", i);
        if (s->disk_source[i])
            vk_tparams_add_string(tp, s->disk_source[i], "block.%zu.path", i);
        struct json_object *st = disk_blockstats(all, s->ndisks, i);
        if (st)
            add_block_numbers(tp, st, i);
    }
    json_object_put(all);
}

static void collect(struct vk_qemu_dom *dom, unsigned stats, struct vk_tparams *tp)
{
    struct snap s;
    snap_take(dom, &s);
    if (stats & VK_STATS_STATE)
        group_state(&s, tp);
    if (stats & VK_STATS_CPU_TOTAL)
        group_cpu(&s, tp);
    if (stats & VK_STATS_BALLOON)
        group_balloon(&s, tp);
    if (stats & VK_STATS_VCPU)
        group_vcpu(&s, tp);
    if (stats & VK_STATS_INTERFACE)
        group_interface(&s, tp);
    if (stats & VK_STATS_BLOCK)
        group_block(&s, tp);
    snap_clear(&s);
}

int vk_qemu_get_all_domain_stats(struct vk_qemu_driver *drv, const uint8_t (*uuids)[VK_UUID_LEN],
                                 size_t nuuids, unsigned stats, unsigned flags,
                                 struct vk_dom_stats **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if ((flags & VK_STATS_ENFORCE) && (stats & ~VK_STATS_SUPPORTED))
        return vk_error_set(VK_ERR_ARGUMENT_UNSUPPORTED, VK_FROM_QEMU,
                            "stats types 0x%x are not supported by this daemon (supported: "
                            "state, cpu-total, balloon, vcpu, interface, block)",
                            stats & ~VK_STATS_SUPPORTED);
    if (stats == 0)
        stats = VK_STATS_SUPPORTED;
    stats &= VK_STATS_SUPPORTED;

    struct vk_dom_ref *refs = NULL;
    size_t nrefs = 0;
    if (nuuids > 0) {
        if (flags & 0xffu)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                "domain list filters cannot be combined with a list of domains");
        refs = vk_calloc(nuuids, sizeof(*refs));
        for (size_t i = 0; i < nuuids; i++, nrefs++)
            if (vk_qemu_domain_lookup_by_uuid(drv, uuids[i], &refs[i]) < 0) {
                vk_dom_refs_free(refs, nrefs);
                return -1;
            }
    } else if (vk_qemu_list_domains(drv, flags & 0xffu, &refs, NULL, &nrefs) < 0) {
        return -1;
    }

    struct vk_dom_stats *res = vk_calloc(nrefs ? nrefs : 1, sizeof(*res));
    size_t nres = 0;
    for (size_t i = 0; i < nrefs; i++) {
        struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, refs[i].uuid);
        if (!dom) { /* undefined meanwhile: not an error for a listing */
            vk_error_reset();
            continue;
        }
        struct vk_dom_stats *r = &res[nres++];
        collect(dom, stats, &r->params);
        r->ref = vk_calloc(1, sizeof(*r->ref));
        r->ref->name = vk_strdup(dom->name);
        memcpy(r->ref->uuid, dom->uuid, VK_UUID_LEN);
        pthread_mutex_lock(&dom->lock);
        r->ref->id = vk_qemu_dom_is_active(dom) ? dom->id : -1;
        pthread_mutex_unlock(&dom->lock);
        vk_qemu_job_end(dom);
    }
    vk_dom_refs_free(refs, nrefs);
    *out = res;
    *n = nres;
    return 0;
}

/* ---- per-domain calls ---- */

int vk_qemu_domain_memory_stats(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned max,
                                struct vk_mem_stat **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    struct snap s;
    snap_take(dom, &s);
    int ret = -1;
    if (!running_mon(dom))
        goto out;
    struct vk_mem_stat *st = vk_calloc(16, sizeof(*st));
    size_t k = 0;
    /* Guest-side numbers exist only when the guest's balloon driver reports
     * them (a stats period is set: dommemstat --period); tag order is
     * libvirt's. */
    if (s.balloon) {
        char args[256];
        snprintf(args, sizeof(args), "{\"path\":\"/machine/peripheral/%s\",\"property\":\"guest-stats\"}",
                 s.balloon_id);
        struct json_object *g = qmp_query(s.mon, "qom-get", args), *stats;
        if (!g)
            vk_error_reset();
        if (g && json_object_object_get_ex(g, "stats", &stats)) {
            static const struct { const char *key; int tag; bool bytes; } map[] = {
                {"stat-swap-in", VK_MEMSTAT_SWAP_IN, true},
                {"stat-swap-out", VK_MEMSTAT_SWAP_OUT, true},
                {"stat-major-faults", VK_MEMSTAT_MAJOR_FAULT, false},
                {"stat-minor-faults", VK_MEMSTAT_MINOR_FAULT, false},
                {"stat-free-memory", VK_MEMSTAT_UNUSED, true},
                {"stat-total-memory", VK_MEMSTAT_AVAILABLE, true},
                {"stat-available-memory", VK_MEMSTAT_USABLE, true},
                {"stat-disk-caches", VK_MEMSTAT_DISK_CACHES, true},
            };
            for (size_t j = 0; j < sizeof(map) / sizeof(map[0]); j++) {
                struct json_object *jv;
                if (!json_object_object_get_ex(stats, map[j].key, &jv))
                    continue;
                /* QEMU sends 2^64-1 for what the guest did not report (json-c
                 * may clamp it to INT64_MAX). */
                uint64_t v = json_object_get_uint64(jv);
                if (v >= (uint64_t)INT64_MAX)
                    continue;
                st[k].tag = map[j].tag;
                st[k++].val = map[j].bytes ? (unsigned long long)v / 1024 : (unsigned long long)v;
            }
            long long upd = jint(g, "last-update", 0);
            if (upd > 0) {
                st[k].tag = VK_MEMSTAT_LAST_UPDATE;
                st[k++].val = (unsigned long long)upd;
            }
        }
        json_object_put(g);
    }
    st[k].tag = VK_MEMSTAT_ACTUAL;
    st[k++].val = balloon_actual(&s);
    unsigned long long rss = proc_rss_kib(s.pid);
    if (rss) {
        st[k].tag = VK_MEMSTAT_RSS;
        st[k++].val = rss;
    }
    if (k > max)
        k = max;
    *out = st;
    *n = k;
    ret = 0;
out:
    snap_clear(&s);
    vk_qemu_job_end(dom);
    return ret;
}

/* Index of the disk named by target dev or source path, or -1 (error set). */
static int find_disk(const struct snap *s, const char *name, const char *domname)
{
    for (size_t i = 0; i < s->ndisks && name; i++)
        if ((s->disk_target[i] && strcmp(s->disk_target[i], name) == 0) ||
            (s->disk_source[i] && strcmp(s->disk_source[i], name) == 0))
            return (int)i;
    return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                        "domain '%s' has no disk '%s' (give a target such as vda, or its source "
                        "path)",
                        domname, name ? name : "");
}

int vk_qemu_domain_block_stats(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *disk,
                               struct vk_tparams *out)
{
    memset(out, 0, sizeof(*out));
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    struct snap s;
    snap_take(dom, &s);
    int ret = -1;
    struct json_object *all = NULL;
    /* An empty name asks for the sum over every disk, as libvirt does. */
    bool total = disk && !*disk;
    int idx = total ? 0 : find_disk(&s, disk, dom->name);
    if (idx < 0 || !running_mon(dom))
        goto out;
    if (!(all = qmp_query(s.mon, "query-blockstats", NULL)))
        goto out;
    static const char *const keys[][2] = {
        {"rd_operations", "rd_operations"}, {"rd_bytes", "rd_bytes"},
        {"wr_operations", "wr_operations"}, {"wr_bytes", "wr_bytes"},
        {"flush_operations", "flush_operations"}, {"rd_total_times", "rd_total_time_ns"},
        {"wr_total_times", "wr_total_time_ns"}, {"flush_total_times", "flush_total_time_ns"},
    };
    long long sum[sizeof(keys) / sizeof(keys[0])] = {0};
    size_t found = 0;
    for (size_t i = total ? 0 : (size_t)idx; i < (total ? s.ndisks : (size_t)idx + 1); i++) {
        struct json_object *st = disk_blockstats(all, s.ndisks, i);
        if (!st)
            continue;
        found++;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            sum[k] += jint(st, keys[k][1], 0);
    }
    if (!found) {
        if (total)
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "domain '%s' has no disk with a medium, so no statistics", dom->name);
        else
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "domain '%s': disk '%s' has no medium, so no statistics", dom->name,
                         disk);
        goto out;
    }
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        vk_tparams_add_llong(out, sum[k], "%s", keys[k][0]);
    ret = 0;
out:
    json_object_put(all);
    snap_clear(&s);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_interface_stats(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   const char *iface, long long out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = -1;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    struct snap s;
    snap_take(dom, &s);
    int ret = -1;
    bool found = false;
    size_t i = 0;
    for (; i < s.nnets && iface && !found; i++) {
        char mac[18];
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", s.net_mac[i][0],
                 s.net_mac[i][1], s.net_mac[i][2], s.net_mac[i][3], s.net_mac[i][4],
                 s.net_mac[i][5]);
        found = (s.net_name[i] && strcmp(s.net_name[i], iface) == 0) ||
                strcasecmp(mac, iface) == 0;
    }
    if (!found)
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                     "domain '%s' has no interface '%s' (give its target device or MAC address)",
                     dom->name, iface ? iface : "");
    else if (running_mon(dom) && s.net_name[i - 1] && s.net_type[i - 1] != VK_NET_USER) {
        ret = vk_qemu_interface_counters(s.net_type[i - 1], s.net_name[i - 1], out);
        if (ret < 0)
            vk_qemu_error_name_domain(dom->name);
    } else if (running_mon(dom))
        vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                     "domain '%s': interface '%s' uses user-mode networking, which has no host "
                     "device to count its traffic",
                     dom->name, iface);
    snap_clear(&s);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_cpu_stats(struct vk_qemu_driver *drv, const uint8_t *uuid,
                             struct vk_tparams *out)
{
    memset(out, 0, sizeof(*out));
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    pid_t pid = vk_qemu_dom_is_active(dom) ? dom->pid : 0;
    pthread_mutex_unlock(&dom->lock);
    unsigned long long user, sys, total;
    int ret = -1;
    if (!pid)
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
    else if (vk_qemu_domain_cgroup_cpu_total(drv, uuid, &total, &user, &sys) == 0) {
        /* feature "tune": the cgroup counts every thread QEMU ever had */
        vk_tparams_add_ullong(out, total, "cpu_time");
        vk_tparams_add_ullong(out, user, "user_time");
        vk_tparams_add_ullong(out, sys, "system_time");
        ret = 0;
    } else if (vk_error_reset(), vk_stats_proc_times(pid, 0, &user, &sys, NULL) < 0)
        vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                     "domain '%s': cannot read the CPU times of QEMU process %d", dom->name,
                     (int)pid);
    else {
        vk_tparams_add_ullong(out, user + sys, "cpu_time");
        vk_tparams_add_ullong(out, user, "user_time");
        vk_tparams_add_ullong(out, sys, "system_time");
        ret = 0;
    }
    vk_qemu_dom_unref(dom);
    return ret;
}

int vk_qemu_domain_get_vcpus(struct vk_qemu_driver *drv, const uint8_t *uuid,
                             struct vk_vcpu_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    struct snap s;
    snap_take(dom, &s);
    int ret = -1;
    int *tids = NULL;
    int nt;
    if (!running_mon(dom) || (nt = vcpu_threads(&s, &tids)) < 0)
        goto out;
    struct vk_vcpu_info *v = vk_calloc((size_t)nt + 1, sizeof(*v));
    for (int i = 0; i < nt; i++) {
        unsigned long long user = 0, sys = 0;
        int cpu = -1;
        v[i].number = (unsigned)i;
        v[i].state = 1;
        if (tids[i] > 0 && vk_stats_proc_times(s.pid, tids[i], &user, &sys, &cpu) == 0) {
            v[i].cpu_time = user + sys;
            v[i].cpu = cpu;
        } else {
            v[i].cpu = -1;
        }
    }
    *out = v;
    *n = (size_t)nt;
    ret = 0;
out:
    free(tids);
    snap_clear(&s);
    vk_qemu_job_end(dom);
    return ret;
}
