/* <cpu> and <clock>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "xml_util.h"

static int check_choice(xmlNodePtr n, const char *attr, const char *const *choices, char **dst)
{
    const char *v = xu_attr(n, attr);
    if (!v)
        return 0;
    if (xu_lookup(choices, v) < 0)
        return xu_err_value(n, attr, v);
    *dst = vk_strdup(v);
    return 0;
}

static int parse_topology(xmlNodePtr n, struct vk_cpu_def *cpu)
{
    static const char *const attrs[] = {"sockets", "dies", "clusters", "cores", "threads", NULL};
    if (cpu->sockets)
        return xu_err_dup(n);
    if (xu_check_attrs(n, attrs) < 0 || xu_check_empty(n) < 0)
        return -1;
    int *fields[] = {&cpu->sockets, &cpu->dies, &cpu->clusters, &cpu->cores, &cpu->threads};
    for (int i = 0; i < 5; i++) {
        int r = xu_attr_int(n, attrs[i], 1, 65535, false, fields[i]);
        if (r < 0)
            return -1;
        /* libvirt requires sockets, cores and threads; dies and clusters
         * default to 1 and are always written. */
        if (r == 0 && (i == 1 || i == 2))
            *fields[i] = 1;
        else if (r == 0)
            return xu_err_missing(n, attrs[i]);
    }
    return 0;
}

static int parse_numa(xmlNodePtr numa, struct vk_cpu_def *cpu)
{
    static const char *const cell_attrs[] = {"id", "cpus", "memory", "unit", "memAccess", NULL};
    static const char *const access[] = {"shared", "private", NULL};
    bool err = false;
    if (cpu->ncells)
        return xu_err_dup(numa);
    if (xu_check_attrs(numa, NULL) < 0)
        return -1;
    for (xmlNodePtr c = xu_first(numa, &err); c; c = xu_next(c, &err)) {
        if (!xu_is(c, "cell"))
            return xu_err_elem(c);
        if (cpu->ncells >= CONF_MAX_LIST)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "more than %d NUMA cells",
                                CONF_MAX_LIST);
        struct vk_numa_cell *cell = VK_APPEND(cpu->cells, cpu->ncells);
        cell->id = (int)cpu->ncells - 1;
        if (xu_check_attrs(c, cell_attrs) < 0 || xu_check_empty(c) < 0 ||
            xu_attr_int(c, "id", 0, 65535, false, &cell->id) < 0 ||
            check_choice(c, "memAccess", access, &cell->memAccess) < 0)
            return -1;
        if (cell->id != (int)cpu->ncells - 1)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "NUMA <cell id> must be given in order starting at 0, got %d",
                                cell->id);
        const char *cpus = xu_attr(c, "cpus");
        if (cpus) {
            if (!*cpus || strspn(cpus, "0123456789,-^") != strlen(cpus))
                return xu_err_value(c, "cpus", cpus);
            cell->cpus = vk_strdup(cpus);
        }
        unsigned long long mem;
        int r = xu_attr_ull(c, "memory", &mem);
        if (r < 0)
            return -1;
        if (r == 0)
            return xu_err_missing(c, "memory");
        const char *unit = xu_attr(c, "unit");
        if (xu_scale_kib(mem, unit, &cell->memory_kib) < 0)
            return xu_err_value(c, unit ? "unit" : "memory", unit ? unit : xu_attr(c, "memory"));
    }
    return err ? -1 : 0;
}

int conf_parse_cpu(xmlNodePtr n, struct vk_cpu_def *cpu)
{
    static const char *const attrs[] = {"mode", "match", "check", "migratable", NULL};
    static const char *const matches[] = {"minimum", "exact", "strict", NULL};
    static const char *const checks[] = {"none", "partial", "full", NULL};
    static const char *const onoff[] = {"on", "off", NULL};
    static const char *const model_attrs[] = {"fallback", NULL};
    static const char *const fallbacks[] = {"allow", "forbid", NULL};
    static const char *const feat_attrs[] = {"policy", "name", NULL};
    int mode = 0;
    bool err = false;

    cpu->present = true;
    if (xu_check_attrs(n, attrs) < 0 || xu_attr_enum(n, "mode", conf_cpu_mode_names, &mode) < 0 ||
        check_choice(n, "match", matches, &cpu->match) < 0 ||
        check_choice(n, "check", checks, &cpu->check) < 0 ||
        check_choice(n, "migratable", onoff, &cpu->migratable) < 0)
        return -1;
    cpu->mode = (enum vk_cpu_mode)mode;

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        if (xu_is(c, "model")) {
            if (cpu->model)
                return xu_err_dup(c);
            if (xu_check_attrs(c, model_attrs) < 0 ||
                check_choice(c, "fallback", fallbacks, &cpu->model_fallback) < 0 ||
                !(cpu->model = xu_text(c)))
                return -1;
            if (!*cpu->model)
                return xu_err_missing(c, NULL);
        } else if (xu_is(c, "vendor")) {
            if (cpu->vendor)
                return xu_err_dup(c);
            if (xu_check_attrs(c, NULL) < 0 || !(cpu->vendor = xu_text(c)))
                return -1;
        } else if (xu_is(c, "topology")) {
            if (parse_topology(c, cpu) < 0)
                return -1;
        } else if (xu_is(c, "feature")) {
            if (xu_check_attrs(c, feat_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *name = xu_attr(c, "name");
            if (!name || !*name)
                return xu_err_missing(c, "name");
            for (size_t i = 0; i < cpu->nfeatures; i++)
                if (!strcmp(cpu->features[i].name, name))
                    return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                        "CPU feature '%s' given more than once", name);
            if (cpu->nfeatures >= CONF_MAX_LIST)
                return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "more than %d CPU features",
                                    CONF_MAX_LIST);
            struct vk_cpu_feature *f = VK_APPEND(cpu->features, cpu->nfeatures);
            f->name = vk_strdup(name);
            int pol = VK_CPU_FEAT_REQUIRE;
            if (xu_attr_enum(c, "policy", conf_cpu_policy_names, &pol) < 0)
                return -1;
            f->policy = (enum vk_cpu_feature_policy)pol;
        } else if (xu_is(c, "numa")) {
            if (parse_numa(c, cpu) < 0)
                return -1;
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    /* libvirt: a <cpu> naming a model without a mode is a custom CPU. */
    if (cpu->mode == VK_CPU_DEFAULT && cpu->model)
        cpu->mode = VK_CPU_CUSTOM;
    return 0;
}

int conf_parse_clock(xmlNodePtr n, struct vk_clock_def *clock)
{
    static const char *const attrs[] = {"offset", "timezone", "adjustment", "basis", NULL};
    static const char *const offsets[] = {"utc", "localtime", "timezone", "variable", NULL};
    static const char *const bases[] = {"utc", "localtime", NULL};
    static const char *const timer_attrs[] = {"name", "present", "tickpolicy", "track", NULL};
    static const char *const timers[] = {"platform", "pit",         "rtc",       "hpet", "tsc",
                                         "kvmclock", "hypervclock", "armvtimer", NULL};
    static const char *const policies[] = {"delay", "catchup", "merge", "discard", NULL};
    static const char *const tracks[] = {"boot", "guest", "wall", "realtime", NULL};
    bool err = false;

    if (xu_check_attrs(n, attrs) < 0 || check_choice(n, "offset", offsets, &clock->offset) < 0 ||
        check_choice(n, "basis", bases, &clock->basis) < 0)
        return -1;
    if (!clock->offset)
        clock->offset = vk_strdup("utc");
    const char *tz = xu_attr(n, "timezone");
    if (tz) {
        if (strcmp(clock->offset, "timezone"))
            return xu_err_attr(n, "timezone");
        clock->timezone = vk_strdup(tz);
    } else if (!strcmp(clock->offset, "timezone")) {
        return xu_err_missing(n, "timezone");
    }
    const char *adj = xu_attr(n, "adjustment");
    if (adj) {
        char *end;
        errno = 0;
        long long v = strtoll(adj, &end, 10);
        if (strcmp(clock->offset, "variable"))
            return xu_err_attr(n, "adjustment");
        if (errno || end == adj || *end)
            return xu_err_value(n, "adjustment", adj);
        clock->adjustment = v;
        clock->has_adjustment = true;
    }
    if (clock->basis && strcmp(clock->offset, "variable"))
        return xu_err_attr(n, "basis");

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        if (!xu_is(c, "timer"))
            return xu_err_elem(c);
        if (clock->ntimers >= CONF_MAX_LIST)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "more than %d clock timers",
                                CONF_MAX_LIST);
        struct vk_timer_def *t = VK_APPEND(clock->timers, clock->ntimers);
        int present = 0;
        if (xu_check_attrs(c, timer_attrs) < 0 || xu_check_empty(c) < 0 ||
            check_choice(c, "name", timers, &t->name) < 0 ||
            xu_attr_yesno(c, "present", "yes", "no", &present) < 0 ||
            check_choice(c, "tickpolicy", policies, &t->tickpolicy) < 0 ||
            check_choice(c, "track", tracks, &t->track) < 0)
            return -1;
        if (!t->name)
            return xu_err_missing(c, "name");
        if (t->track && strcmp(t->name, "rtc"))
            return xu_err_attr(c, "track");
        t->present = present == 1 ? VK_TRI_YES : present == 2 ? VK_TRI_NO : VK_TRI_ABSENT;
    }
    return err ? -1 : 0;
}
