/* Memory and vcpu resources (feature "stats"): setmem, setmaxmem, setvcpus,
 * vcpucount. Config changes are written to the persistent definition first
 * (atomically) and applied in memory only when that worked; live memory
 * changes go through the virtio balloon. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/qemu_cgroup.h"
#include "qemu/qemu_driver_stats_priv.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

/* Resolves libvirt's AFFECT_CURRENT (neither LIVE nor CONFIG) to one of them
 * and checks the domain can take the change (dom->lock held). */
int vk_qemu_resolve_affect(struct vk_qemu_dom *dom, unsigned *flags)
{
    bool active = vk_qemu_dom_is_active(dom);
    if (!(*flags & (VK_AFFECT_LIVE | VK_AFFECT_CONFIG)))
        *flags |= active ? VK_AFFECT_LIVE : VK_AFFECT_CONFIG;
    if ((*flags & VK_AFFECT_LIVE) && !active)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                            dom->name);
    if ((*flags & VK_AFFECT_CONFIG) && !dom->persistent)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "domain '%s' is transient: it has no persistent configuration to "
                            "change",
                            dom->name);
    return 0;
}

/* The persistent definition (dom->lock held). */
static struct vk_domain_def *config_def(struct vk_qemu_dom *dom)
{
    return vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
}

/* Applies edit to a copy of the persistent definition, saves the copy, then
 * swaps it in. Job held. */
int vk_qemu_edit_config(struct vk_qemu_dom *dom, int (*edit)(struct vk_domain_def *, void *),
                        void *opaque)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *cur = config_def(dom);
    struct vk_domain_def *copy = cur ? vk_domain_def_copy(cur) : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!copy) {
        if (!cur)
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "domain '%s' has no persistent configuration", dom->name);
        return -1;
    }
    if (edit(copy, opaque) < 0 || vk_qemu_config_save(dom->drv, copy) < 0) {
        vk_domain_def_free(copy);
        return -1;
    }
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def **slot = vk_qemu_dom_is_active(dom) ? &dom->newdef : &dom->def;
    struct vk_domain_def *old = *slot;
    *slot = copy;
    pthread_mutex_unlock(&dom->lock);
    vk_domain_def_free(old);
    return 0;
}

/* ---- memory ---- */

struct mem_edit {
    unsigned long long kib;
    bool maximum;
    const char *name;
};

static int edit_memory(struct vk_domain_def *def, void *opaque)
{
    const struct mem_edit *e = opaque;
    if (e->maximum) {
        /* Like libvirt: a smaller maximum also lowers the current size. */
        if (def->current_memory_kib > e->kib)
            def->current_memory_kib = e->kib;
        def->memory_kib = e->kib;
        return 0;
    }
    if (e->kib > def->memory_kib)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "domain '%s': memory %llu KiB is above its maximum of %llu KiB "
                            "(raise it with setmaxmem first)",
                            e->name, e->kib, def->memory_kib);
    def->current_memory_kib = e->kib;
    return 0;
}

int vk_qemu_domain_get_max_memory(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                  unsigned long long *kib)
{
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    pthread_mutex_lock(&dom->lock);
    *kib = dom->def->memory_kib;
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return 0;
}

static int set_live_memory(struct vk_qemu_dom *dom, unsigned long long kib)
{
    pthread_mutex_lock(&dom->lock);
    const struct vk_domain_def *def = dom->def;
    unsigned long long max = def->memory_kib;
    const struct vk_memballoon_def *b = &def->memballoon;
    bool balloon = !b->present || !b->model || strcmp(b->model, "none") != 0;
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!balloon)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "domain '%s' has no memory balloon (memballoon model 'none'): its "
                            "memory cannot change while it runs",
                            dom->name);
    if (kib > max)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "domain '%s': memory %llu KiB is above its maximum of %llu KiB",
                            dom->name, kib, max);
    if (!mon)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                            dom->name);
    char args[64];
    snprintf(args, sizeof(args), "{\"value\":%llu}", kib * 1024);
    if (vk_qmp_command(mon, "balloon", args, NULL, VK_STATS_QMP_TIMEOUT_MS) < 0)
        return -1;
    /* The target is what the live XML shows as currentMemory (the guest
     * follows it when its balloon driver runs). */
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom)) {
        dom->def->current_memory_kib = kib;
        vk_qemu_status_save(dom);
    }
    pthread_mutex_unlock(&dom->lock);
    return 0;
}

int vk_qemu_domain_set_memory(struct vk_qemu_driver *drv, const uint8_t *uuid,
                              unsigned long long kib, unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG | VK_MEM_MAXIMUM))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for setting memory", flags);
    if (kib == 0)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "memory size must be above 0");
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_qemu_resolve_affect(dom, &flags);
    pthread_mutex_unlock(&dom->lock);
    if (r < 0)
        goto out;
    bool maximum = flags & VK_MEM_MAXIMUM;
    if (maximum && (flags & VK_AFFECT_LIVE)) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "domain '%s' is running: its maximum memory can only change in the "
                     "persistent configuration (--config)",
                     dom->name);
        goto out;
    }
    /* Live first: a refused balloon change leaves the config untouched. */
    if ((flags & VK_AFFECT_LIVE) && set_live_memory(dom, kib) < 0)
        goto out;
    struct mem_edit e = {kib, maximum, dom->name};
    if ((flags & VK_AFFECT_CONFIG) && vk_qemu_edit_config(dom, edit_memory, &e) < 0)
        goto out;
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

/* ---- vcpus ---- */

struct vcpu_edit {
    unsigned n;
    bool maximum;
    const char *name;
};

static int edit_vcpus(struct vk_domain_def *def, void *opaque)
{
    const struct vcpu_edit *e = opaque;
    int cur = def->vcpus_current > 0 ? def->vcpus_current : def->vcpus;
    if (e->maximum) {
        def->vcpus = (int)e->n;
        if (cur > (int)e->n)
            cur = (int)e->n;
    } else {
        if ((int)e->n > def->vcpus)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                                "domain '%s': %u vcpus is above its maximum of %d (raise it "
                                "with --maximum first)",
                                e->name, e->n, def->vcpus);
        cur = (int)e->n;
    }
    def->vcpus_current = cur < def->vcpus ? cur : 0;
    return 0;
}

/* Orders hotpluggable CPU slots by topology (socket, die, core, thread), so
 * vcpus are added in the order QEMU numbers them. */
static long long slot_key(struct json_object *slot)
{
    static const char *const keys[] = {"socket-id", "die-id", "core-id", "thread-id"};
    struct json_object *props, *v;
    long long k = 0;
    if (!json_object_object_get_ex(slot, "props", &props))
        return 0;
    for (size_t i = 0; i < 4; i++)
        k = k * 4096 + (json_object_object_get_ex(props, keys[i], &v) ? json_object_get_int(v) : 0);
    return k;
}

static int cmp_slots(const void *a, const void *b)
{
    long long x = slot_key(*(struct json_object *const *)a),
              y = slot_key(*(struct json_object *const *)b);
    return (x > y) - (x < y);
}

/* Adds vcpus to a running domain with QMP device_add of the free CPU slots
 * QEMU offers (the domain runs with -smp maxcpus=<maximum>). Removing them
 * needs the guest to let go (ACPI eject), which nothing here can drive. Job
 * held. */
static int set_live_vcpus(struct vk_qemu_dom *dom, unsigned n)
{
    pthread_mutex_lock(&dom->lock);
    const struct vk_domain_def *def = dom->def;
    int max = def->vcpus, cur = def->vcpus_current > 0 ? def->vcpus_current : def->vcpus;
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!mon)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                            dom->name);
    if ((int)n > max)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "domain '%s': %u vcpus is above its maximum of %d (the maximum of a "
                            "running domain cannot change)",
                            dom->name, n, max);
    if ((int)n == cur)
        return 0;
    if ((int)n < cur)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "domain '%s': removing vcpus from a running domain needs the guest "
                            "to release them, which virtkit does not drive; use --config",
                            dom->name);
    char *reply = NULL;
    if (vk_qmp_command(mon, "query-hotpluggable-cpus", NULL, &reply, VK_STATS_QMP_TIMEOUT_MS) < 0)
        return -1;
    struct json_object *all = json_tokener_parse(reply ? reply : "null");
    free(reply);
    size_t nall = all && json_object_is_type(all, json_type_array) ? json_object_array_length(all)
                                                                    : 0;
    struct json_object **free_slots = calloc(nall + 1, sizeof(*free_slots));
    size_t nfree = 0;
    for (size_t i = 0; free_slots && i < nall; i++) {
        struct json_object *slot = json_object_array_get_idx(all, i), *tmp;
        if (!json_object_object_get_ex(slot, "qom-path", &tmp))
            free_slots[nfree++] = slot;
    }
    int ret = -1, plugged = cur;
    if (!free_slots) {
        vk_error_set(VK_ERR_NO_MEMORY, VK_FROM_QEMU, "out of memory");
        goto out;
    }
    if (nfree < (size_t)((int)n - cur)) {
        vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                     "domain '%s': QEMU offers %zu free vcpu slots, %d are needed", dom->name,
                     nfree, (int)n - cur);
        goto out;
    }
    qsort(free_slots, nfree, sizeof(*free_slots), cmp_slots);
    for (size_t i = 0; plugged < (int)n; i++, plugged++) {
        struct json_object *slot = free_slots[i], *type, *props;
        if (!json_object_object_get_ex(slot, "type", &type) ||
            !json_object_object_get_ex(slot, "props", &props)) {
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                         "QEMU's hotpluggable CPU slot has no type or props");
            goto out;
        }
        struct json_object *args = json_object_new_object();
        json_object_object_add(args, "driver", json_object_get(type));
        char id[32];
        snprintf(id, sizeof(id), "vcpu%d", plugged);
        json_object_object_add(args, "id", json_object_new_string(id));
        json_object_object_foreach(props, key, val)
            json_object_object_add(args, key, json_object_get(val));
        int r = vk_qmp_command(mon, "device_add", json_object_to_json_string(args), NULL,
                               VK_STATS_QMP_TIMEOUT_MS);
        json_object_put(args);
        if (r < 0)
            goto out;
    }
    ret = 0;
out:
    /* What was plugged is live even when a later slot failed. */
    if (plugged != cur) {
        pthread_mutex_lock(&dom->lock);
        if (vk_qemu_dom_is_active(dom)) {
            dom->def->vcpus_current = plugged < dom->def->vcpus ? plugged : 0;
            vk_qemu_status_save(dom);
        }
        pthread_mutex_unlock(&dom->lock);
        /* feature "tune": the new vcpu threads into vcpuN groups */
        struct vk_error saved = *vk_error_last();
        if (vk_qemu_cgroup_place_vcpus(dom, mon) < 0)
            VK_WARN("%s", vk_error_last()->message);
        if (saved.code)
            vk_error_set(saved.code, saved.domain, "%s", saved.message);
    }
    free(free_slots);
    json_object_put(all);
    return ret;
}

int vk_qemu_domain_set_vcpus(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned nvcpus,
                             unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG | VK_VCPU_MAXIMUM | VK_VCPU_GUEST))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for setting vcpus", flags);
    if (flags & VK_VCPU_GUEST)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "setting vcpus inside the guest needs a guest agent, which virtkit "
                            "does not use");
    if (nvcpus == 0 || nvcpus > 255)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "vcpu count %u is out of range (1-255)", nvcpus);
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_qemu_resolve_affect(dom, &flags);
    pthread_mutex_unlock(&dom->lock);
    if (r < 0)
        goto out;
    if ((flags & VK_AFFECT_LIVE) && (flags & VK_VCPU_MAXIMUM)) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                     "domain '%s' is running: its maximum vcpu count can only change in the "
                     "persistent configuration (--config)",
                     dom->name);
        goto out;
    }
    if ((flags & VK_AFFECT_LIVE) && set_live_vcpus(dom, nvcpus) < 0)
        goto out;
    struct vcpu_edit e = {nvcpus, flags & VK_VCPU_MAXIMUM, dom->name};
    if ((flags & VK_AFFECT_CONFIG) && vk_qemu_edit_config(dom, edit_vcpus, &e) < 0)
        goto out;
    ret = 0;
out:
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_get_vcpus_flags(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG | VK_VCPU_MAXIMUM | VK_VCPU_GUEST))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for counting vcpus", flags);
    if ((flags & VK_AFFECT_LIVE) && (flags & VK_AFFECT_CONFIG))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "live and config are mutually exclusive when counting vcpus");
    if (flags & VK_VCPU_GUEST)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "counting vcpus inside the guest needs a guest agent, which "
                            "virtkit does not use");
    struct vk_qemu_dom *dom = vk_qemu_dom_get(drv, uuid);
    if (!dom)
        return -1;
    int n = -1;
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_resolve_affect(dom, &flags) == 0) {
        const struct vk_domain_def *def =
            (flags & VK_AFFECT_CONFIG) ? config_def(dom) : dom->def;
        if (def)
            n = (flags & VK_VCPU_MAXIMUM) || def->vcpus_current <= 0 ? def->vcpus
                                                                      : def->vcpus_current;
        else
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "domain '%s' has no persistent configuration", dom->name);
    }
    pthread_mutex_unlock(&dom->lock);
    vk_qemu_dom_unref(dom);
    return n;
}

/* ---- balloon statistics period ---- */

static int edit_period(struct vk_domain_def *def, void *opaque)
{
    struct vk_memballoon_def *b = &def->memballoon;
    if (b->present && b->model && strcmp(b->model, "virtio") != 0)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "domain '%s' has no virtio memory balloon", def->name);
    if (!b->present) { /* the default balloon, now written out */
        b->present = true;
        free(b->model);
        b->model = strdup("virtio");
        if (!b->model)
            return vk_error_set(VK_ERR_NO_MEMORY, VK_FROM_QEMU, "out of memory");
    }
    b->period = *(const int *)opaque;
    return 0;
}

int vk_qemu_domain_set_memory_stats_period(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                           int period, unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for the memory stats period", flags);
    if (period < 0)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "memory stats period %d is negative", period);
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_qemu_resolve_affect(dom, &flags);
    const struct vk_memballoon_def *b = &dom->def->memballoon;
    bool balloon = !b->present || !b->model || strcmp(b->model, "virtio") == 0;
    char *id = strdup(b->present && b->info.alias ? b->info.alias : "balloon0");
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (r < 0 || !id)
        goto out;
    if (flags & VK_AFFECT_LIVE) {
        if (!balloon || !mon) {
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "domain '%s' has no virtio memory balloon", dom->name);
            goto out;
        }
        char args[256];
        snprintf(args, sizeof(args),
                 "{\"path\":\"/machine/peripheral/%s\",\"property\":"
                 "\"guest-stats-polling-interval\",\"value\":%d}",
                 id, period);
        if (vk_qmp_command(mon, "qom-set", args, NULL, VK_STATS_QMP_TIMEOUT_MS) < 0)
            goto out;
        pthread_mutex_lock(&dom->lock);
        if (vk_qemu_dom_is_active(dom) && dom->def->memballoon.present) {
            dom->def->memballoon.period = period;
            vk_qemu_status_save(dom);
        }
        pthread_mutex_unlock(&dom->lock);
    }
    if ((flags & VK_AFFECT_CONFIG) && vk_qemu_edit_config(dom, edit_period, &period) < 0)
        goto out;
    ret = 0;
out:
    free(id);
    vk_qemu_job_end(dom);
    return ret;
}
