/* Feature "tune" of the driver API: memtune and schedinfo (live through the
 * domain's cgroup, --config through <memtune>/<cputune>) and per-CPU time.
 * Parameter names, types and order are libvirt's QEMU driver's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_cgroup.h"
#include "qemu/qemu_driver_stats_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_cgroup.h"
#include "util/vk_error.h"

static const char *const mem_names[3] = {"hard_limit", "soft_limit", "swap_hard_limit"};

#define PERIOD_MIN 1000ULL
#define PERIOD_MAX 1000000ULL
#define QUOTA_MIN 1000LL
#define QUOTA_MAX 17592186044415LL

/* The cgroup of a running domain (dom->lock not held). */
static struct vk_cgroup *live_cgroup(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    pid_t pid = vk_qemu_dom_is_active(dom) ? dom->pid : 0;
    pthread_mutex_unlock(&dom->lock);
    if (!pid) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
        return NULL;
    }
    return vk_qemu_cgroup_of(dom, pid);
}

static int begin(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned *flags,
                 struct vk_qemu_dom **out)
{
    if (*flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x", *flags);
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_qemu_resolve_affect(dom, flags);
    pthread_mutex_unlock(&dom->lock);
    if (r < 0) {
        vk_qemu_job_end(dom);
        return -1;
    }
    *out = dom;
    return 0;
}

/* A set call: live through the cgroup, then the persistent config. */
static int apply(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags,
                 int (*live)(struct vk_qemu_dom *, void *),
                 int (*edit)(struct vk_domain_def *, void *), void *opaque)
{
    struct vk_qemu_dom *dom;
    if (begin(drv, uuid, &flags, &dom) < 0)
        return -1;
    int ret = -1;
    if ((flags & VK_AFFECT_LIVE) && live(dom, opaque) < 0)
        goto out;
    if ((flags & VK_AFFECT_CONFIG) && vk_qemu_edit_config(dom, edit, opaque) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_qemu_job_end(dom);
    return ret;
}

/* A copy of the persistent definition (job held). */
static struct vk_domain_def *config_copy(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *d = vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
    struct vk_domain_def *c = d ? vk_domain_def_copy(d) : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!c && !d)
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "domain '%s' has no persistent configuration", dom->name);
    return c;
}

static int param_ull(const struct vk_tparam *p, unsigned long long *v)
{
    switch (p->type) {
    case VK_TP_ULLONG:
        *v = p->v.ul;
        return 0;
    case VK_TP_UINT:
        *v = p->v.ui;
        return 0;
    case VK_TP_LLONG:
    case VK_TP_INT: {
        long long x = p->type == VK_TP_LLONG ? p->v.l : p->v.i;
        if (x >= 0) {
            *v = (unsigned long long)x;
            return 0;
        }
    } /* fallthrough */
    default:
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "parameter '%s' must be an unsigned integer", p->field);
    }
}

static int param_ll(const struct vk_tparam *p, long long *v)
{
    switch (p->type) {
    case VK_TP_LLONG:
        *v = p->v.l;
        return 0;
    case VK_TP_INT:
        *v = p->v.i;
        return 0;
    case VK_TP_UINT:
        *v = p->v.ui;
        return 0;
    case VK_TP_ULLONG:
        if (p->v.ul <= (unsigned long long)QUOTA_MAX) {
            *v = (long long)p->v.ul;
            return 0;
        }
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "value of '%s' is out of range [%lld, %lld]", p->field, QUOTA_MIN,
                            QUOTA_MAX);
    default:
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "parameter '%s' must be an integer", p->field);
    }
}

/* ---- memtune ---- */

int vk_qemu_domain_get_memory_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     unsigned flags, struct vk_tparams *out)
{
    memset(out, 0, sizeof(*out));
    struct vk_qemu_dom *dom;
    if (begin(drv, uuid, &flags, &dom) < 0)
        return -1;
    int ret = -1;
    unsigned long long v[3];
    if (flags & VK_AFFECT_LIVE) {
        struct vk_cgroup *cg = live_cgroup(dom);
        if (!cg)
            goto out;
        for (int i = 0; i < 3; i++)
            if (vk_cgroup_get_memory(cg, i, &v[i]) < 0) {
                vk_error_reset(); /* v1 without swap accounting has no memsw */
                v[i] = VK_CG_MEM_UNLIMITED;
            }
        vk_cgroup_free(cg);
    } else {
        struct vk_domain_def *def = config_copy(dom);
        if (!def)
            goto out;
        const struct vk_memtune_def *mt = &def->memtune;
        v[0] = mt->has_hard_limit ? mt->hard_limit_kib : VK_CG_MEM_UNLIMITED;
        v[1] = mt->has_soft_limit ? mt->soft_limit_kib : VK_CG_MEM_UNLIMITED;
        v[2] = mt->has_swap_hard_limit ? mt->swap_hard_limit_kib : VK_CG_MEM_UNLIMITED;
        vk_domain_def_free(def);
    }
    for (int i = 0; i < 3; i++)
        vk_tparams_add_ullong(out, v[i], "%s", mem_names[i]);
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

struct mem_set {
    bool has[3];
    unsigned long long kib[3];
};

static int edit_memtune(struct vk_domain_def *def, void *opaque)
{
    const struct mem_set *m = opaque;
    struct vk_memtune_def *mt = &def->memtune;
    unsigned long long *dst[3] = {&mt->hard_limit_kib, &mt->soft_limit_kib,
                                  &mt->swap_hard_limit_kib};
    bool *has[3] = {&mt->has_hard_limit, &mt->has_soft_limit, &mt->has_swap_hard_limit};
    for (int i = 0; i < 3; i++)
        if (m->has[i]) {
            *has[i] = m->kib[i] < VK_CG_MEM_UNLIMITED;
            *dst[i] = *has[i] ? m->kib[i] : 0;
        }
    if (mt->has_hard_limit && mt->has_swap_hard_limit &&
        mt->hard_limit_kib > mt->swap_hard_limit_kib)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "memory hard_limit tunable value must be lower than or equal to "
                            "swap_hard_limit");
    return 0;
}

static int set_live_memory(struct vk_qemu_dom *dom, void *opaque)
{
    const struct mem_set *m = opaque;
    struct vk_cgroup *cg = live_cgroup(dom);
    if (!cg)
        return -1;
    int ret = -1;
    unsigned long long hard = 0, swap = 0;
    if (vk_cgroup_get_memory(cg, 0, &hard) < 0)
        goto out;
    unsigned long long new_hard = m->has[0] ? m->kib[0] : hard;
    if (m->has[2]) {
        swap = m->kib[2];
        if (new_hard < VK_CG_MEM_UNLIMITED && swap < new_hard) {
            vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                         "memory hard_limit tunable value must be lower than or equal to "
                         "swap_hard_limit");
            goto out;
        }
    }
    /* The kernel wants swap >= hard at every step: raise swap first, lower
     * hard first. */
    bool swap_first = m->has[2] && swap >= hard;
    if (swap_first && vk_cgroup_set_memory(cg, 2, swap) < 0)
        goto out;
    if (m->has[0] && vk_cgroup_set_memory(cg, 0, m->kib[0]) < 0)
        goto out;
    if (m->has[2] && !swap_first && vk_cgroup_set_memory(cg, 2, swap) < 0)
        goto out;
    if (m->has[1] && vk_cgroup_set_memory(cg, 1, m->kib[1]) < 0)
        goto out;
    /* The live XML says what now applies. */
    pthread_mutex_lock(&dom->lock);
    if (edit_memtune(dom->def, opaque) < 0) /* the cgroup took it: only a stale check */
        vk_error_reset();
    pthread_mutex_unlock(&dom->lock);
    ret = 0;
out:
    vk_cgroup_free(cg);
    return ret;
}

int vk_qemu_domain_set_memory_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                     const struct vk_tparam *params, size_t n, unsigned flags)
{
    struct mem_set m = {0};
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < 3 && strcmp(params[i].field, mem_names[k]))
            k++;
        if (k == 3)
            return vk_error_set(VK_ERR_ARGUMENT_UNSUPPORTED, VK_FROM_QEMU,
                                "parameter '%s' not supported (memtune takes hard_limit, "
                                "soft_limit and swap_hard_limit)",
                                params[i].field);
        if (params[i].type != VK_TP_ULLONG)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                "invalid type for parameter '%s', expected 'ullong'",
                                params[i].field);
        m.has[k] = true;
        m.kib[k] = params[i].v.ul > VK_CG_MEM_UNLIMITED ? VK_CG_MEM_UNLIMITED : params[i].v.ul;
    }
    return apply(drv, uuid, flags, set_live_memory, edit_memtune, &m);
}

/* ---- schedinfo ---- */

enum { S_SHARES, S_VP, S_VQ, S_EP, S_EQ, S_GP, S_GQ, S_N };
static const char *const sched_names[S_N] = {"cpu_shares",      "vcpu_period",    "vcpu_quota",
                                             "emulator_period", "emulator_quota", "global_period",
                                             "global_quota"};

static bool is_quota(int k)
{
    return k == S_VQ || k == S_EQ || k == S_GQ;
}

static void add_sched(struct vk_tparams *out, int k, long long v)
{
    if (is_quota(k))
        vk_tparams_add_llong(out, v, "%s", sched_names[k]);
    else
        vk_tparams_add_ullong(out, (unsigned long long)v, "%s", sched_names[k]);
}

static int live_sched(struct vk_qemu_dom *dom, long long v[S_N], bool have[S_N])
{
    struct vk_cgroup *cg = live_cgroup(dom);
    if (!cg)
        return -1;
    int ret = -1;
    unsigned long long shares, period;
    long long quota;
    if (vk_cgroup_get_shares(cg, &shares) < 0 ||
        vk_cgroup_get_bandwidth(cg, &period, &quota) < 0)
        goto out;
    v[S_SHARES] = (long long)shares;
    v[S_GP] = (long long)period;
    v[S_GQ] = quota;
    have[S_SHARES] = have[S_GP] = have[S_GQ] = true;
    const char *subs[2] = {"vcpu0", "emulator"};
    for (int s = 0; s < 2; s++) {
        struct vk_cgroup *sub = vk_cgroup_sub(cg, subs[s]);
        if (sub && vk_cgroup_get_bandwidth(sub, &period, &quota) == 0) {
            v[s ? S_EP : S_VP] = (long long)period;
            v[s ? S_EQ : S_VQ] = quota;
            have[s ? S_EP : S_VP] = have[s ? S_EQ : S_VQ] = true;
        }
        vk_error_reset();
        vk_cgroup_free(sub);
    }
    ret = 0;
out:
    vk_cgroup_free(cg);
    return ret;
}

int vk_qemu_domain_get_sched_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    unsigned flags, struct vk_tparams *out)
{
    memset(out, 0, sizeof(*out));
    struct vk_qemu_dom *dom;
    if (begin(drv, uuid, &flags, &dom) < 0)
        return -1;
    int ret = -1;
    long long v[S_N] = {0};
    bool have[S_N] = {0};
    if (flags & VK_AFFECT_LIVE) {
        if (live_sched(dom, v, have) < 0)
            goto out;
    } else {
        struct vk_domain_def *def = config_copy(dom);
        if (!def)
            goto out;
        const struct vk_cputune_def *c = &def->cputune;
        const long long cv[S_N] = {(long long)c->shares,          (long long)c->period, c->quota,
                                   (long long)c->emulator_period, c->emulator_quota,
                                   (long long)c->global_period,   c->global_quota};
        for (int k = 0; k < S_N; k++) {
            v[k] = cv[k];
            have[k] = true;
        }
        vk_domain_def_free(def);
    }
    for (int k = 0; k < S_N; k++)
        if (have[k])
            add_sched(out, k, v[k]);
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_get_sched_type(struct vk_qemu_driver *drv, const uint8_t *uuid, int *nparams)
{
    struct vk_tparams tp;
    if (vk_qemu_domain_get_sched_params(drv, uuid, 0, &tp) < 0)
        return -1;
    *nparams = (int)tp.n;
    vk_tparams_clear(&tp);
    return 0;
}

struct sched_set {
    bool has[S_N];
    long long v[S_N];
};

static int edit_cputune(struct vk_domain_def *def, void *opaque)
{
    const struct sched_set *s = opaque;
    struct vk_cputune_def *c = &def->cputune;
    if (s->has[S_SHARES])
        c->shares = (unsigned long long)s->v[S_SHARES];
    if (s->has[S_VP])
        c->period = (unsigned long long)s->v[S_VP];
    if (s->has[S_VQ])
        c->quota = s->v[S_VQ];
    if (s->has[S_EP])
        c->emulator_period = (unsigned long long)s->v[S_EP];
    if (s->has[S_EQ])
        c->emulator_quota = s->v[S_EQ];
    if (s->has[S_GP])
        c->global_period = (unsigned long long)s->v[S_GP];
    if (s->has[S_GQ])
        c->global_quota = s->v[S_GQ];
    return 0;
}

/* Bandwidth of a sub-group (vcpu* for every vcpu, or emulator). */
static int set_sub_bandwidth(const struct vk_cgroup *cg, const char *prefix, bool all,
                             unsigned long long period, long long quota, const char *dname)
{
    int done = 0;
    for (int i = 0; i < (all ? 4096 : 1); i++) {
        char sub[32];
        if (all)
            snprintf(sub, sizeof(sub), "%s%d", prefix, i);
        else
            snprintf(sub, sizeof(sub), "%s", prefix);
        struct vk_cgroup *s = vk_cgroup_sub(cg, sub);
        if (!s)
            break;
        int r = vk_cgroup_set_bandwidth(s, period, quota);
        vk_cgroup_free(s);
        if (r < 0)
            return -1;
        done++;
    }
    if (!done)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "domain '%s': its %s threads have no cgroup of their own", dname,
                            prefix);
    return 0;
}

static int set_live_sched(struct vk_qemu_dom *dom, void *opaque)
{
    const struct sched_set *s = opaque;
    struct vk_cgroup *cg = live_cgroup(dom);
    if (!cg)
        return -1;
    int ret = -1;
    if (s->has[S_SHARES] && vk_cgroup_set_shares(cg, (unsigned long long)s->v[S_SHARES]) < 0)
        goto out;
    if ((s->has[S_GP] || s->has[S_GQ]) &&
        vk_cgroup_set_bandwidth(cg, s->has[S_GP] ? (unsigned long long)s->v[S_GP] : 0,
                                s->has[S_GQ] ? s->v[S_GQ] : 0) < 0)
        goto out;
    if ((s->has[S_VP] || s->has[S_VQ]) &&
        set_sub_bandwidth(cg, "vcpu", true, s->has[S_VP] ? (unsigned long long)s->v[S_VP] : 0,
                          s->has[S_VQ] ? s->v[S_VQ] : 0, dom->name) < 0)
        goto out;
    if ((s->has[S_EP] || s->has[S_EQ]) &&
        set_sub_bandwidth(cg, "emulator", false,
                          s->has[S_EP] ? (unsigned long long)s->v[S_EP] : 0,
                          s->has[S_EQ] ? s->v[S_EQ] : 0, dom->name) < 0)
        goto out;
    pthread_mutex_lock(&dom->lock);
    edit_cputune(dom->def, opaque);
    pthread_mutex_unlock(&dom->lock);
    ret = 0;
out:
    vk_cgroup_free(cg);
    return ret;
}

int vk_qemu_domain_set_sched_params(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    const struct vk_tparam *params, size_t n, unsigned flags)
{
    struct sched_set s = {0};
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < S_N && strcmp(params[i].field, sched_names[k]))
            k++;
        if (k == S_N)
            return vk_error_set(VK_ERR_ARGUMENT_UNSUPPORTED, VK_FROM_QEMU,
                                "parameter '%s' not supported", params[i].field);
        if (is_quota(k)) {
            if (param_ll(&params[i], &s.v[k]) < 0)
                return -1;
            if (s.v[k] < 0)
                s.v[k] = -1;
            else if (s.v[k] < QUOTA_MIN || s.v[k] > QUOTA_MAX)
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                    "value of '%s' is out of range [%lld, %lld]",
                                    params[i].field, QUOTA_MIN, QUOTA_MAX);
        } else {
            unsigned long long u = 0; /* gcc -O2 cannot see param_ull sets it */
            if (param_ull(&params[i], &u) < 0)
                return -1;
            if (k != S_SHARES && (u < PERIOD_MIN || u > PERIOD_MAX))
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                    "value of '%s' is out of range [%llu, %llu]",
                                    params[i].field, PERIOD_MIN, PERIOD_MAX);
            if (k == S_SHARES && (u < 1 || u > 262144))
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                    "value of 'cpu_shares' must be in range [1, 262144]");
            s.v[k] = (long long)u;
        }
        s.has[k] = true;
    }
    return apply(drv, uuid, flags, set_live_sched, edit_cputune, &s);
}

/* ---- per-CPU time ---- */

int vk_qemu_domain_cpu_stats_percpu(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    int start_cpu, unsigned ncpus, unsigned nparams,
                                    struct vk_tparams *out, int *per_cpu)
{
    memset(out, 0, sizeof(*out));
    *per_cpu = 0;
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    unsigned long long *total = NULL, *vcpu = NULL;
    struct vk_cgroup *cg = live_cgroup(dom);
    int n = cg ? vk_cgroup_cpu_usage_percpu(cg, &total) : -1;
    if (n < 0)
        goto out;
    /* vcpu_time: the sum over the vcpu sub-groups, when they exist. */
    bool have_vcpu = false;
    for (int i = 0; i < 4096; i++) {
        char sub[32];
        snprintf(sub, sizeof(sub), "vcpu%d", i);
        struct vk_cgroup *s = vk_cgroup_sub(cg, sub);
        if (!s)
            break;
        unsigned long long *one = NULL;
        int m = vk_cgroup_cpu_usage_percpu(s, &one);
        vk_cgroup_free(s);
        if (m < 0) {
            vk_error_reset();
            continue;
        }
        if (!vcpu)
            vcpu = vk_calloc((size_t)n + 1, sizeof(*vcpu));
        for (int c = 0; c < m && c < n; c++)
            vcpu[c] += one[c];
        free(one);
        have_vcpu = true;
    }
    int per = have_vcpu ? 2 : 1;
    if (ncpus == 0) { /* how many CPUs there are */
        *per_cpu = n;
        ret = 0;
        goto out;
    }
    if (start_cpu < 0 || start_cpu >= n) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                     "start_cpu %d larger than maximum of %d", start_cpu, n - 1);
        goto out;
    }
    *per_cpu = per;
    if (nparams == 0) {
        ret = 0;
        goto out;
    }
    for (int c = start_cpu; c < n && c < start_cpu + (int)ncpus; c++) {
        vk_tparams_add_ullong(out, total[c], "cpu_time");
        if (per > 1 && nparams > 1)
            vk_tparams_add_ullong(out, vcpu[c], "vcpu_time");
    }
    if (nparams < (unsigned)per)
        *per_cpu = (int)nparams;
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    free(total);
    free(vcpu);
    vk_cgroup_free(cg);
    vk_qemu_dom_unref(dom);
    return ret;
}

int vk_qemu_domain_cgroup_cpu_total(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    unsigned long long *total, unsigned long long *user,
                                    unsigned long long *sys)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    struct vk_cgroup *cg = live_cgroup(dom);
    int r = cg ? vk_cgroup_cpu_usage(cg, total, user, sys) : -1;
    vk_cgroup_free(cg);
    vk_qemu_dom_unref(dom);
    return r;
}
