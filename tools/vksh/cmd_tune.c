/* Feature "tune": memtune and schedinfo, output as virsh prints it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vksh.h"

#define DOMAIN_OPT                                                                                 \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }
#define AFFECT_OPTS                                                                                \
    {"config", VKSH_OT_BOOL, 0, "affect next boot"},                                              \
        {"live", VKSH_OT_BOOL, 0, "affect running domain"},                                      \
        {"current", VKSH_OT_BOOL, 0, "affect current domain"}

/* Prints "%-15s: value" lines (virsh's memtune/schedinfo layout); memory
 * limits at VK_DOMAIN_MEMORY_PARAM_UNLIMITED read "unlimited" (JSON null). */
static void print_params(struct vksh_ctl *ctl, json_object *o, const struct vk_typed_param *p,
                         int n, bool memory)
{
    for (int i = 0; i < n; i++) {
        char val[128];
        bool unlimited = memory && p[i].type == VK_TYPED_PARAM_ULLONG &&
                         p[i].value.ul == VK_DOMAIN_MEMORY_PARAM_UNLIMITED;
        if (unlimited)
            snprintf(val, sizeof(val), "unlimited");
        else
            vksh_param_text(&p[i], val, sizeof(val));
        vksh_print(ctl, "%-15s: %s\n", p[i].field, val);
        if (o)
            json_object_object_add(o, p[i].field, unlimited ? NULL : vksh_param_json(&p[i]));
    }
}

/*--------------------------------------------------------------------------
 * memtune
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def memtune_opts[] = {
    DOMAIN_OPT,
    {"hard-limit", VKSH_OT_STRING, 0, "Max memory, as scaled integer (default KiB)"},
    {"soft-limit", VKSH_OT_STRING, 0, "Memory during contention, as scaled integer (default KiB)"},
    {"swap-hard-limit", VKSH_OT_STRING, 0, "Max memory plus swap, as scaled integer (default KiB)"},
    {"min-guarantee", VKSH_OT_STRING, 0, "Min guaranteed memory, as scaled integer (default KiB)"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_memtune(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    static const char *const opts[][2] = {{"hard-limit", "hard_limit"},
                                          {"soft-limit", "soft_limit"},
                                          {"swap-hard-limit", "swap_hard_limit"},
                                          {"min-guarantee", "min_guarantee"}};
    unsigned flags;
    if (vksh_affect_flags(ctl, cmd, &flags) < 0)
        return -1;
    struct vk_typed_param set[4];
    int nset = 0;
    for (int i = 0; i < 4; i++) {
        const char *s = vksh_opt_string(cmd, opts[i][0]);
        if (!s)
            continue;
        unsigned long long kib;
        /* -1 (any negative) is virsh's "unlimited" */
        if (s[0] == '-' && strcmp(s, "-0") != 0 && strtoll(s, NULL, 10) < 0)
            kib = VK_DOMAIN_MEMORY_PARAM_UNLIMITED;
        else if (vksh_parse_kib(ctl, opts[i][0], s, &kib) < 0)
            return -1;
        set[nset].field = (char *)opts[i][1];
        set[nset].type = VK_TYPED_PARAM_ULLONG;
        set[nset].value.ul = kib;
        nset++;
    }
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int ret = -1;
    if (nset) {
        if (vk_domain_set_memory_parameters(dom, set, nset, flags) < 0)
            vksh_error(ctl, "Unable to change memory parameters");
        else
            ret = 0;
        if (ret == 0 && ctl->json)
            vksh_json_print(ctl, json_object_new_object());
        vk_domain_free(dom);
        return ret;
    }
    struct vk_typed_param *p = NULL;
    int n = vk_domain_get_memory_parameters(dom, &p, flags);
    vk_domain_free(dom);
    if (n < 0)
        return vksh_error(ctl, "Unable to get memory parameters");
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    print_params(ctl, o, p, n, true);
    vk_typed_params_free(p, n);
    if (o)
        vksh_json_print(ctl, o);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_memtune = {
    .name = "memtune",
    .opts = memtune_opts,
    .help = "Get or set memory parameters",
    .desc = "Get or set the current memory parameters for a guest domain. To get the memory "
            "parameters use following command: \n\n    virsh # memtune <domain>",
    .handler = cmd_memtune,
};

/*--------------------------------------------------------------------------
 * schedinfo
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def schedinfo_opts[] = {
    DOMAIN_OPT,
    {"set", VKSH_OT_STRING, 0, "parameter=value (one; repeat the command for more)"},
    AFFECT_OPTS,
    {NULL},
};

/* field=value into a param typed like the domain's own parameter of that
 * name (virsh's rule: the server's list says which fields exist). */
static int parse_set(struct vksh_ctl *ctl, const char *set, const struct vk_typed_param *cur,
                     int ncur, struct vk_typed_param *out, char **field)
{
    const char *eq = strchr(set, '=');
    char msg[300];
    if (!eq || eq == set || !eq[1]) {
        snprintf(msg, sizeof(msg), "Invalid syntax for --set, expecting name=value");
        return vksh_error_msg(ctl, 8, msg);
    }
    *field = strndup(set, (size_t)(eq - set));
    const char *val = eq + 1;
    for (int i = 0; i < ncur; i++) {
        if (strcmp(cur[i].field, *field) != 0)
            continue;
        char *end = NULL;
        errno = 0;
        out->field = *field;
        out->type = cur[i].type;
        if (cur[i].type == VK_TYPED_PARAM_LLONG)
            out->value.l = strtoll(val, &end, 10);
        else if (cur[i].type == VK_TYPED_PARAM_ULLONG && val[0] != '-')
            out->value.ul = strtoull(val, &end, 10);
        if (!end || *end || errno) {
            snprintf(msg, sizeof(msg), "invalid value of '%s' for parameter '%s'", val, *field);
            return vksh_error_msg(ctl, 8, msg);
        }
        return 0;
    }
    snprintf(msg, sizeof(msg), "invalid scheduler option: %s", *field);
    return vksh_error_msg(ctl, 8, msg);
}

static int cmd_schedinfo(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    unsigned flags;
    if (vksh_affect_flags(ctl, cmd, &flags) < 0)
        return -1;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int ret = -1, n = -1;
    struct vk_typed_param *p = NULL;
    char *field = NULL;
    char *type = vk_domain_get_scheduler_type(dom, NULL);
    vksh_print(ctl, "%-15s: %s\n", "Scheduler", type ? type : "Unknown");
    if (!type) {
        vksh_error_lib(ctl);
        goto out;
    }
    if ((n = vk_domain_get_scheduler_parameters_flags(dom, &p, flags)) < 0) {
        vksh_error_lib(ctl);
        goto out;
    }
    const char *set = vksh_opt_string(cmd, "set");
    if (set) {
        struct vk_typed_param one;
        if (parse_set(ctl, set, p, n, &one, &field) < 0)
            goto out;
        if (vk_domain_set_scheduler_parameters_flags(dom, &one, 1, flags) < 0) {
            vksh_error_lib(ctl);
            goto out;
        }
        vk_typed_params_free(p, n);
        p = NULL;
        if ((n = vk_domain_get_scheduler_parameters_flags(dom, &p, flags)) < 0) {
            vksh_error_lib(ctl);
            goto out;
        }
    }
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    if (o)
        json_object_object_add(o, "scheduler", json_object_new_string(type));
    print_params(ctl, o, p, n, false);
    if (o)
        vksh_json_print(ctl, o);
    ret = 0;
out:
    if (p)
        vk_typed_params_free(p, n);
    free(field);
    free(type);
    vk_domain_free(dom);
    return ret;
}

const struct vksh_cmd_def vksh_cmd_schedinfo = {
    .name = "schedinfo",
    .opts = schedinfo_opts,
    .help = "show/set scheduler parameters",
    .desc = "Show/Set scheduler parameters.",
    .handler = cmd_schedinfo,
};
