/* Feature "tune": each running QEMU in a cgroup of its own.
 *
 * Partition: "virtkit" for the system daemon; a daemon run with --root gets
 * "virtkit-<hash of its run directory>", so test daemons running side by
 * side never share one. Leaf: "dom-" + the escaped domain name. vcpu
 * threads (from query-cpus-fast) go into sub-groups vcpu0, vcpu1, ... and
 * every other thread into "emulator", as libvirt places them, so vcpu and
 * emulator CPU bandwidth can be set apart. Without usable cgroups domains
 * still run; only tuning is refused. */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_cgroup.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_cgroup.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

#define SYSTEM_RUN_DIR "/run/virtkit/qemu"
#define QMP_TIMEOUT_MS 30000

char *vk_qemu_cgroup_partition(const struct vk_qemu_driver *drv)
{
    if (!strcmp(drv->run_dir, SYSTEM_RUN_DIR))
        return vk_strdup("virtkit");
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)drv->run_dir; *p; p++)
        h = (h ^ *p) * 16777619u;
    return vk_asprintf("virtkit-%08x", h);
}

char *vk_qemu_cgroup_leaf(const char *name)
{
    vk_autofree char *esc = vk_cgroup_escape(name);
    return vk_asprintf("dom-%s", esc);
}

struct vk_cgroup *vk_qemu_cgroup_of(struct vk_qemu_dom *dom, pid_t pid)
{
    vk_autofree char *part = vk_qemu_cgroup_partition(dom->drv);
    vk_autofree char *leaf = vk_qemu_cgroup_leaf(dom->name);
    struct vk_cgroup *cg = vk_cgroup_of_pid(pid, part, leaf);
    if (!cg)
        vk_qemu_error_name_domain(dom->name);
    return cg;
}

/* Applies memtune and the whole-domain cputune of def. */
static int apply_def(const struct vk_cgroup *cg, const struct vk_domain_def *def)
{
    const struct vk_memtune_def *mt = &def->memtune;
    const struct vk_cputune_def *ct = &def->cputune;
    /* v1 wants memsw >= limit at every step: swap limit first when set. */
    if (mt->has_swap_hard_limit && vk_cgroup_set_memory(cg, 2, mt->swap_hard_limit_kib) < 0)
        return -1;
    if (mt->has_hard_limit && vk_cgroup_set_memory(cg, 0, mt->hard_limit_kib) < 0)
        return -1;
    if (mt->has_soft_limit && vk_cgroup_set_memory(cg, 1, mt->soft_limit_kib) < 0)
        return -1;
    if (ct->shares && vk_cgroup_set_shares(cg, ct->shares) < 0)
        return -1;
    if ((ct->global_period || ct->global_quota) &&
        vk_cgroup_set_bandwidth(cg, ct->global_period, ct->global_quota) < 0)
        return -1;
    return 0;
}

static bool wants_tuning(const struct vk_domain_def *def)
{
    static const struct vk_memtune_def no_mt;
    static const struct vk_cputune_def no_ct;
    struct vk_memtune_def mt = def->memtune;
    /* min_guarantee is kept in the XML, not applied (as libvirt's QEMU driver) */
    mt.min_guarantee_kib = 0;
    mt.has_min_guarantee = false;
    return memcmp(&mt, &no_mt, sizeof(mt)) || memcmp(&def->cputune, &no_ct, sizeof(no_ct));
}

int vk_qemu_cgroup_setup(struct vk_qemu_dom *dom, pid_t pid)
{
    vk_autofree char *part = vk_qemu_cgroup_partition(dom->drv);
    vk_autofree char *leaf = vk_qemu_cgroup_leaf(dom->name);
    struct vk_cgroup *cg = vk_cgroup_create(part, leaf, pid);
    if (!cg) {
        if (wants_tuning(dom->def)) {
            vk_qemu_error_name_domain(dom->name);
            return -1;
        }
        VK_WARN("domain '%s': %s; it runs without resource tuning", dom->name,
                vk_error_last()->message);
        vk_error_reset();
        return 0;
    }
    pthread_mutex_lock(&dom->lock);
    vk_cgroup_free(dom->cgroup);
    dom->cgroup = cg;
    pthread_mutex_unlock(&dom->lock);
    if (apply_def(cg, dom->def) < 0) {
        vk_qemu_error_name_domain(dom->name);
        return -1;
    }
    return 0;
}

/* Thread ids of the vcpus, by cpu-index. Returns the count or -1. */
static int vcpu_tids(struct vk_qemu_monitor *mon, pid_t **tids)
{
    vk_autofree char *reply = NULL;
    *tids = NULL;
    if (vk_qmp_command(mon, "query-cpus-fast", NULL, &reply, QMP_TIMEOUT_MS) < 0)
        return -1;
    struct json_object *o = json_tokener_parse(reply);
    int n = o && json_object_is_type(o, json_type_array) ? (int)json_object_array_length(o) : 0;
    *tids = vk_calloc((size_t)n + 1, sizeof(**tids));
    for (int i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(o, (size_t)i), *v;
        int idx = json_object_object_get_ex(c, "cpu-index", &v) ? json_object_get_int(v) : i;
        if (idx < 0 || idx >= n)
            idx = i;
        (*tids)[idx] = json_object_object_get_ex(c, "thread-id", &v) ? json_object_get_int(v) : 0;
    }
    json_object_put(o);
    return n;
}

/* Every thread of pid that is not a vcpu. */
static size_t other_threads(pid_t pid, const pid_t *vcpus, int nv, pid_t **out)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    size_t n = 0, cap = 16;
    *out = vk_calloc(cap, sizeof(**out));
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t t = (pid_t)atoi(e->d_name);
        bool vcpu = false;
        for (int i = 0; i < nv; i++)
            vcpu |= vcpus[i] == t;
        if (t <= 0 || vcpu)
            continue;
        if (n == cap) {
            cap *= 2;
            *out = vk_realloc(*out, cap * sizeof(**out));
        }
        (*out)[n++] = t;
    }
    closedir(d);
    return n;
}

static int place_vcpus(struct vk_qemu_dom *dom, const struct vk_cgroup *cg, pid_t pid,
                       struct vk_qemu_monitor *mon)
{
    vk_autofree pid_t *tids = NULL;
    vk_autofree pid_t *others = NULL;
    int n = vcpu_tids(mon, &tids);
    if (n < 0)
        return -1;
    size_t no = other_threads(pid, tids, n, &others);
    if (vk_cgroup_move_threads(cg, "emulator", others, no) < 0)
        return -1;
    const struct vk_cputune_def *ct = &dom->def->cputune;
    for (int i = 0; i < n; i++) {
        char sub[32];
        snprintf(sub, sizeof(sub), "vcpu%d", i);
        if (tids[i] <= 0)
            continue;
        if (vk_cgroup_move_threads(cg, sub, &tids[i], 1) < 0)
            return -1;
        struct vk_cgroup *s = vk_cgroup_sub(cg, sub);
        int r = s && (ct->period || ct->quota) ? vk_cgroup_set_bandwidth(s, ct->period, ct->quota)
                                               : 0;
        vk_cgroup_free(s);
        if (r < 0)
            return -1;
    }
    if (ct->emulator_period || ct->emulator_quota) {
        struct vk_cgroup *s = vk_cgroup_sub(cg, "emulator");
        int r = s ? vk_cgroup_set_bandwidth(s, ct->emulator_period, ct->emulator_quota) : 0;
        vk_cgroup_free(s);
        if (r < 0)
            return -1;
    }
    return 0;
}

int vk_qemu_cgroup_place_vcpus(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon)
{
    pthread_mutex_lock(&dom->lock);
    pid_t pid = dom->pid;
    struct vk_cgroup *cg = dom->cgroup;
    pthread_mutex_unlock(&dom->lock);
    if (!cg || !cg->dir[VK_CG_CPU])
        return 0; /* no cgroups: nothing to place */
    /* dom->cgroup only changes with the job held (start, stop): ours now. */
    if (place_vcpus(dom, cg, pid, mon) < 0) {
        const struct vk_cputune_def *ct = &dom->def->cputune;
        if (ct->period || ct->quota || ct->emulator_period || ct->emulator_quota) {
            vk_qemu_error_name_domain(dom->name);
            return -1;
        }
        VK_WARN("domain '%s': vcpu threads stay in the domain's cgroup: %s", dom->name,
                vk_error_last()->message);
        vk_error_reset();
    }
    return 0;
}

void vk_qemu_cgroup_attach(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    pid_t pid = dom->pid;
    pthread_mutex_unlock(&dom->lock);
    struct vk_cgroup *cg = vk_qemu_cgroup_of(dom, pid);
    if (!cg) {
        VK_INFO("%s", vk_error_last()->message);
        vk_error_reset();
    }
    pthread_mutex_lock(&dom->lock);
    vk_cgroup_free(dom->cgroup);
    dom->cgroup = cg;
    pthread_mutex_unlock(&dom->lock);
}

static void remove_group(struct vk_qemu_dom *dom);

void vk_qemu_cgroup_remove(struct vk_qemu_dom *dom)
{
    /* Cleanup on failure paths too: the caller's error must survive. */
    struct vk_error saved = *vk_error_last();
    remove_group(dom);
    if (saved.code)
        vk_error_set(saved.code, saved.domain, "%s", saved.message);
    else
        vk_error_reset();
}

static void remove_group(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_cgroup *cg = dom->cgroup;
    dom->cgroup = NULL;
    pthread_mutex_unlock(&dom->lock);
    if (cg) {
        vk_cgroup_remove(cg);
        vk_cgroup_free(cg);
        return;
    }
    /* Not found at start or re-attach (e.g. QEMU died while no daemon
     * ran): its group, if any, is where this daemon would have made it. */
    vk_autofree char *part = vk_qemu_cgroup_partition(dom->drv);
    vk_autofree char *leaf = vk_qemu_cgroup_leaf(dom->name);
    vk_cgroup_remove_expected(part, leaf);
}

void vk_qemu_cgroup_sweep(struct vk_qemu_driver *drv)
{
    vk_autofree char *part = vk_qemu_cgroup_partition(drv);
    vk_cgroup_remove_expected(part, NULL);
}
