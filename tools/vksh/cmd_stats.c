/* Feature "stats": nodeinfo, capabilities, domcapabilities, domstats,
 * dommemstat, domblkstat, domifstat, cpu-stats, vcpucount, vcpuinfo,
 * setmem, setmaxmem, setvcpus. Human output as virsh prints it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static const struct vksh_opt_def no_opts[] = {{NULL}};

/* A typed parameter's value as text (virsh's virTypedParameterToString). */
void vksh_param_text(const struct vk_typed_param *p, char *buf, size_t len)
{
    switch (p->type) {
    case VK_TYPED_PARAM_INT:
        snprintf(buf, len, "%d", p->value.i);
        break;
    case VK_TYPED_PARAM_UINT:
        snprintf(buf, len, "%u", p->value.ui);
        break;
    case VK_TYPED_PARAM_LLONG:
        snprintf(buf, len, "%lld", p->value.l);
        break;
    case VK_TYPED_PARAM_ULLONG:
        snprintf(buf, len, "%llu", p->value.ul);
        break;
    case VK_TYPED_PARAM_DOUBLE:
        snprintf(buf, len, "%lf", p->value.d);
        break;
    case VK_TYPED_PARAM_BOOLEAN:
        snprintf(buf, len, "%s", p->value.b ? "yes" : "no");
        break;
    default:
        snprintf(buf, len, "%s", p->value.s ? p->value.s : "");
        break;
    }
}

json_object *vksh_param_json(const struct vk_typed_param *p)
{
    switch (p->type) {
    case VK_TYPED_PARAM_INT:
        return json_object_new_int(p->value.i);
    case VK_TYPED_PARAM_UINT:
        return json_object_new_int64(p->value.ui);
    case VK_TYPED_PARAM_LLONG:
        return json_object_new_int64(p->value.l);
    case VK_TYPED_PARAM_ULLONG:
        return json_object_new_uint64(p->value.ul);
    case VK_TYPED_PARAM_DOUBLE:
        return json_object_new_double(p->value.d);
    case VK_TYPED_PARAM_BOOLEAN:
        return json_object_new_boolean(p->value.b);
    default:
        return json_object_new_string(p->value.s ? p->value.s : "");
    }
}

/* AFFECT flags from --config/--live/--current (virsh's mutual exclusion). */
int vksh_affect_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, unsigned *flags)
{
    bool config = vksh_opt_bool(cmd, "config"), live = vksh_opt_bool(cmd, "live");
    if (vksh_opt_bool(cmd, "current") && (config || live))
        return vksh_error_msg(ctl, 8, "Options --current and --live/--config are mutually "
                                      "exclusive");
    *flags = (config ? VK_DOMAIN_AFFECT_CONFIG : 0) | (live ? VK_DOMAIN_AFFECT_LIVE : 0);
    return 0;
}

/*--------------------------------------------------------------------------
 * nodeinfo, capabilities, domcapabilities
 *------------------------------------------------------------------------*/

static int cmd_nodeinfo(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    struct vk_node_info ni;
    if (vk_node_get_info(ctl->conn, &ni) < 0)
        return vksh_error(ctl, "failed to get node information");
    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "model", json_object_new_string(ni.model));
        json_object_object_add(o, "cpus", json_object_new_int64(ni.cpus));
        json_object_object_add(o, "mhz", json_object_new_int64(ni.mhz));
        json_object_object_add(o, "sockets", json_object_new_int64(ni.sockets));
        json_object_object_add(o, "cores", json_object_new_int64(ni.cores));
        json_object_object_add(o, "threads", json_object_new_int64(ni.threads));
        json_object_object_add(o, "nodes", json_object_new_int64(ni.nodes));
        json_object_object_add(o, "memory_kib", json_object_new_uint64(ni.memory));
        vksh_json_print(ctl, o);
        return 0;
    }
    vksh_print(ctl, "%-20s %s\n", "CPU model:", ni.model);
    vksh_print(ctl, "%-20s %u\n", "CPU(s):", ni.cpus);
    vksh_print(ctl, "%-20s %u MHz\n", "CPU frequency:", ni.mhz);
    vksh_print(ctl, "%-20s %u\n", "CPU socket(s):", ni.sockets);
    vksh_print(ctl, "%-20s %u\n", "Core(s) per socket:", ni.cores);
    vksh_print(ctl, "%-20s %u\n", "Thread(s) per core:", ni.threads);
    vksh_print(ctl, "%-20s %u\n", "NUMA cell(s):", ni.nodes);
    vksh_print(ctl, "%-20s %llu KiB\n", "Memory size:", ni.memory);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_nodeinfo = {
    .name = "nodeinfo",
    .opts = no_opts,
    .help = "node information",
    .desc = "Returns basic information about the node.",
    .handler = cmd_nodeinfo,
};

static int print_xml(struct vksh_ctl *ctl, char *xml)
{
    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "xml", json_object_new_string(xml));
        vksh_json_print(ctl, o);
    } else {
        vksh_print(ctl, "%s", xml);
    }
    free(xml);
    return 0;
}

static int cmd_capabilities(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    char *xml = vk_connect_get_capabilities(ctl->conn);
    if (!xml)
        return vksh_error(ctl, "failed to get capabilities");
    return print_xml(ctl, xml);
}

const struct vksh_cmd_def vksh_cmd_capabilities = {
    .name = "capabilities",
    .opts = no_opts,
    .help = "capabilities",
    .desc = "Returns capabilities of hypervisor/driver.",
    .handler = cmd_capabilities,
};

static const struct vksh_opt_def domcaps_opts[] = {
    {"virttype", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "virtualization type (/domain/@type)"},
    {"emulatorbin", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "path to emulator binary"},
    {"arch", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "domain architecture (/domain/os/type/@arch)"},
    {"machine", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "machine type (/domain/os/type/@machine)"},
    {NULL},
};

static int cmd_domcapabilities(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    char *xml = vk_connect_get_domain_capabilities(
        ctl->conn, vksh_opt_string(cmd, "emulatorbin"), vksh_opt_string(cmd, "arch"),
        vksh_opt_string(cmd, "machine"), vksh_opt_string(cmd, "virttype"), 0);
    if (!xml)
        return vksh_error(ctl, "failed to get emulator capabilities");
    return print_xml(ctl, xml);
}

const struct vksh_cmd_def vksh_cmd_domcapabilities = {
    .name = "domcapabilities",
    .opts = domcaps_opts,
    .help = "domain capabilities",
    .desc = "Returns capabilities of emulator with respect to host and libvirt.",
    .handler = cmd_domcapabilities,
};

/*--------------------------------------------------------------------------
 * domstats: one call for every domain
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def domstats_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "only this domain (name, id or uuid)"},
    {"state", VKSH_OT_BOOL, 0, "report domain state"},
    {"cpu-total", VKSH_OT_BOOL, 0, "report domain physical cpu usage"},
    {"balloon", VKSH_OT_BOOL, 0, "report domain balloon statistics"},
    {"vcpu", VKSH_OT_BOOL, 0, "report domain virtual cpu information"},
    {"interface", VKSH_OT_BOOL, 0, "report domain network interface information"},
    {"block", VKSH_OT_BOOL, 0, "report domain block device statistics"},
    {"list-active", VKSH_OT_BOOL, 0, "list only active domains"},
    {"list-inactive", VKSH_OT_BOOL, 0, "list only inactive domains"},
    {"list-persistent", VKSH_OT_BOOL, 0, "list only persistent domains"},
    {"list-transient", VKSH_OT_BOOL, 0, "list only transient domains"},
    {"list-running", VKSH_OT_BOOL, 0, "list only running domains"},
    {"list-paused", VKSH_OT_BOOL, 0, "list only paused domains"},
    {"list-shutoff", VKSH_OT_BOOL, 0, "list only shutoff domains"},
    {"list-other", VKSH_OT_BOOL, 0, "list only domains in other states"},
    {"raw", VKSH_OT_BOOL, 0, "do not pretty-print the fields"},
    {"enforce", VKSH_OT_BOOL, 0, "enforce requested stats parameters"},
    {NULL},
};

static int cmd_domstats(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    static const char *const groups[] = {"state", "cpu-total", "balloon", "vcpu", "interface",
                                         "block"};
    static const char *const lists[] = {"list-active", "list-inactive", "list-persistent",
                                        "list-transient", "list-running", "list-paused",
                                        "list-shutoff", "list-other"};
    unsigned stats = 0, flags = 0;
    for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (vksh_opt_bool(cmd, groups[i]))
            stats |= 1u << i;
    for (unsigned i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (vksh_opt_bool(cmd, lists[i]))
            flags |= 1u << i;
    if (vksh_opt_bool(cmd, "enforce"))
        flags |= VK_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;
    char only[VK_UUID_STRING_BUFLEN] = "";
    if (vksh_opt_string(cmd, "domain")) {
        vk_domain *d = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
        if (!d)
            return -1;
        vk_domain_get_uuid_string(d, only);
        vk_domain_free(d);
    }
    struct vk_domain_stats_record *recs = NULL;
    int n = vk_connect_get_all_domain_stats(ctl->conn, stats, flags, &recs);
    if (n < 0)
        return vksh_error_lib(ctl);
    json_object *arr = ctl->json ? json_object_new_array() : NULL;
    int printed = 0;
    for (int i = 0; i < n; i++) {
        char uuid[VK_UUID_STRING_BUFLEN];
        vk_domain_get_uuid_string(recs[i].dom, uuid);
        if (only[0] && strcmp(uuid, only) != 0)
            continue;
        json_object *st = arr ? json_object_new_object() : NULL;
        /* An empty line between records; vksh ends the last one. */
        if (printed++)
            vksh_print(ctl, "\n");
        vksh_print(ctl, "Domain: '%s'\n", vk_domain_get_name(recs[i].dom));
        for (int k = 0; k < recs[i].nparams; k++) {
            char val[512];
            vksh_param_text(&recs[i].params[k], val, sizeof(val));
            vksh_print(ctl, "  %s=%s\n", recs[i].params[k].field, val);
            if (st)
                json_object_object_add(st, recs[i].params[k].field,
                                       vksh_param_json(&recs[i].params[k]));
        }
        if (arr) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "domain", vksh_json_domain(recs[i].dom));
            json_object_object_add(o, "stats", st);
            json_object_array_add(arr, o);
        }
    }
    vk_domain_stats_free(recs, n);
    if (arr)
        vksh_json_print(ctl, arr);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domstats = {
    .name = "domstats",
    .opts = domstats_opts,
    .help = "get statistics about one or multiple domains",
    .desc = "Gets statistics about one or more (or all) domains in one call.",
    .handler = cmd_domstats,
};

/*--------------------------------------------------------------------------
 * dommemstat, domblkstat, domifstat, cpu-stats
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def domain_only_opts[] = {DOMAIN_OPT, {NULL}};

static const struct vksh_opt_def dommemstat_opts[] = {
    DOMAIN_OPT,
    {"period", VKSH_OT_STRING, 0, "period in seconds to set collection"},
    AFFECT_OPTS,
    {NULL},
};

/* dommemstat --period N: sets the guest's reporting period instead. */
static int set_period(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const char *s)
{
    unsigned flags;
    if (vksh_affect_flags(ctl, cmd, &flags) < 0)
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < 0 || v > 0x7fffffffL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Numeric value '%s' for <period> option is malformed or out "
                                   "of range", s);
        return vksh_error_msg(ctl, 8, msg);
    }
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = vk_domain_set_memory_stats_period(dom, (int)v, flags);
    vk_domain_free(dom);
    if (rc < 0)
        return vksh_error(ctl, "Unable to change balloon collection period.");
    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "period", json_object_new_int((int)v));
        vksh_json_print(ctl, o);
    }
    return 0;
}

static int cmd_dommemstat(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    if (vksh_opt_string(cmd, "period"))
        return set_period(ctl, cmd, vksh_opt_string(cmd, "period"));
    static const char *const names[] = {"swap_in",   "swap_out", "major_fault", "minor_fault",
                                        "unused",    "available", "actual",     "rss",
                                        "usable",    "last_update", "disk_caches"};
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct vk_domain_memory_stat st[16];
    int n = vk_domain_memory_stats(dom, st, 16, 0);
    vk_domain_free(dom);
    if (n < 0)
        return vksh_error(ctl, "Failed to get memory statistics for domain");
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    for (int i = 0; i < n; i++) {
        const char *name =
            st[i].tag >= 0 && st[i].tag < (int)(sizeof(names) / sizeof(names[0]))
                ? names[st[i].tag]
                : NULL;
        if (!name)
            continue;
        vksh_print(ctl, "%s %llu\n", name, st[i].val);
        if (o)
            json_object_object_add(o, name, json_object_new_uint64(st[i].val));
    }
    if (o)
        vksh_json_print(ctl, o);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_dommemstat = {
    .name = "dommemstat",
    .opts = dommemstat_opts,
    .help = "get memory statistics for a domain",
    .desc = "Get memory statistics for a running domain.",
    .handler = cmd_dommemstat,
};

static const struct vksh_opt_def domblkstat_opts[] = {
    DOMAIN_OPT,
    {"device", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "block device (none: all disks summed)"},
    {"human", VKSH_OT_BOOL, 0, "print a more human readable output"},
    {NULL},
};

static int cmd_domblkstat(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    /* virsh's short names for libvirt's typed fields. */
    static const char *const renames[][2] = {
        {"rd_operations", "rd_req"}, {"wr_operations", "wr_req"}, {"errs", "errs"}};
    const char *dev = vksh_opt_string(cmd, "device");
    if (!dev)
        dev = "";
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct vk_typed_param *p = NULL;
    int n = vk_domain_block_stats(dom, dev, &p);
    vk_domain_free(dom);
    if (n < 0)
        return vksh_error(ctl, "Failed to get block stats %s", dev);
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    for (int i = 0; i < n; i++) {
        const char *name = p[i].field;
        for (size_t k = 0; k < sizeof(renames) / sizeof(renames[0]); k++)
            if (strcmp(name, renames[k][0]) == 0)
                name = renames[k][1];
        vksh_print(ctl, "%s %s %lld\n", dev, name, p[i].value.l);
        if (o)
            json_object_object_add(o, name, json_object_new_int64(p[i].value.l));
    }
    vk_typed_params_free(p, n);
    if (o)
        vksh_json_print(ctl, o);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domblkstat = {
    .name = "domblkstat",
    .opts = domblkstat_opts,
    .help = "get device block stats for a domain",
    .desc = "Get device block stats for a running domain.",
    .handler = cmd_domblkstat,
};

static const struct vksh_opt_def domifstat_opts[] = {
    DOMAIN_OPT,
    {"interface", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "interface device"},
    {NULL},
};

static int cmd_domifstat(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *iface = vksh_opt_string(cmd, "interface");
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct vk_domain_interface_stats st;
    int rc = vk_domain_interface_stats(dom, iface, &st);
    vk_domain_free(dom);
    if (rc < 0)
        return vksh_error(ctl, "Failed to get interface stats %s %s", vksh_opt_string(cmd, "domain"),
                          iface);
    const struct { const char *name; long long v; } f[] = {
        {"rx_bytes", st.rx_bytes}, {"rx_packets", st.rx_packets}, {"rx_errs", st.rx_errs},
        {"rx_drop", st.rx_drop},   {"tx_bytes", st.tx_bytes},     {"tx_packets", st.tx_packets},
        {"tx_errs", st.tx_errs},   {"tx_drop", st.tx_drop}};
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (f[i].v < 0)
            continue;
        vksh_print(ctl, "%s %s %lld\n", iface, f[i].name, f[i].v);
        if (o)
            json_object_object_add(o, f[i].name, json_object_new_int64(f[i].v));
    }
    if (o)
        vksh_json_print(ctl, o);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domifstat = {
    .name = "domifstat",
    .opts = domifstat_opts,
    .help = "get network interface stats for a domain",
    .desc = "Get network interface stats for a running domain.",
    .handler = cmd_domifstat,
};

static const struct vksh_opt_def cpustats_opts[] = {
    DOMAIN_OPT,
    {"total", VKSH_OT_BOOL, 0, "Show total statistics only"},
    {"start", VKSH_OT_STRING, 0, "Show statistics from this CPU"},
    {"count", VKSH_OT_STRING, 0, "Number of shown CPUs at most"},
    {NULL},
};

/* virsh's line for one CPU statistic: times in seconds, others as text. */
static void print_cpu_param(struct vksh_ctl *ctl, const struct vk_typed_param *p)
{
    size_t l = strlen(p->field);
    if (p->type == VK_TYPED_PARAM_ULLONG && l >= 5 && !strcmp(p->field + l - 5, "_time")) {
        vksh_print(ctl, "\t%-12s %9llu.%09llu seconds\n", p->field, p->value.ul / 1000000000ULL,
                   p->value.ul % 1000000000ULL);
    } else {
        char val[128];
        vksh_param_text(p, val, sizeof(val));
        vksh_print(ctl, "\t%-15s %s\n", p->field, val);
    }
}

static int opt_int(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const char *name, int *v)
{
    const char *s = vksh_opt_string(cmd, name);
    if (!s)
        return 0;
    char *end = NULL;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < 0 || x > 1 << 20) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Invalid value for %s CPU", name);
        return vksh_error_msg(ctl, 8, msg);
    }
    *v = (int)x;
    return 1;
}

/* Per host CPU blocks (CPUn:) in chunks of the wire's 128 CPUs, then the
 * total, as virsh shows them; --start/--count alone leave the total out. */
static int cmd_cpu_stats(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    int start = 0, count = -1, r1, r2;
    if ((r1 = opt_int(ctl, cmd, "start", &start)) < 0 ||
        (r2 = opt_int(ctl, cmd, "count", &count)) < 0)
        return -1;
    bool total = vksh_opt_bool(cmd, "total"), per_cpu = r1 > 0 || r2 > 0;
    if (!total && !per_cpu)
        total = per_cpu = true;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    char name[256];
    snprintf(name, sizeof(name), "%s", vk_domain_get_name(dom));
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    int ret = -1;
    if (per_cpu) {
        int max = vk_domain_get_cpu_stats_percpu(dom, 0, 0, NULL, NULL);
        if (max < 0)
            goto failed;
        if (start >= max) {
            char msg[256];
            snprintf(msg, sizeof(msg), "Start CPU %d is out of range (min: 0, max: %d)", start,
                     max - 1);
            vksh_error_msg(ctl, 8, msg);
            goto out;
        }
        if (count < 0 || count > max - start)
            count = max - start;
        json_object *arr = o ? json_object_new_array() : NULL;
        for (int cpu = start; cpu < start + count;) {
            int chunk = start + count - cpu < 128 ? start + count - cpu : 128, per = 0;
            struct vk_typed_param *p = NULL;
            int n = vk_domain_get_cpu_stats_percpu(dom, cpu, chunk, &p, &per);
            if (n < 0) {
                json_object_put(arr);
                goto failed;
            }
            for (int i = 0; per > 0 && i < n / per; i++) {
                json_object *c = arr ? json_object_new_object() : NULL;
                vksh_print(ctl, "CPU%d:\n", cpu + i);
                if (c)
                    json_object_object_add(c, "cpu", json_object_new_int(cpu + i));
                for (int j = 0; j < per; j++) {
                    print_cpu_param(ctl, &p[i * per + j]);
                    if (c)
                        json_object_object_add(c, p[i * per + j].field,
                                               vksh_param_json(&p[i * per + j]));
                }
                if (c)
                    json_object_array_add(arr, c);
            }
            vk_typed_params_free(p, n);
            cpu += chunk;
        }
        if (o)
            json_object_object_add(o, "cpus", arr);
    }
    if (total) {
        struct vk_typed_param *p = NULL;
        int n = vk_domain_get_cpu_stats_total(dom, &p);
        if (n < 0)
            goto failed;
        json_object *t = o ? json_object_new_object() : NULL;
        vksh_print(ctl, "Total:\n");
        for (int i = 0; i < n; i++) {
            print_cpu_param(ctl, &p[i]);
            if (t)
                json_object_object_add(t, p[i].field, vksh_param_json(&p[i]));
        }
        vk_typed_params_free(p, n);
        if (o)
            json_object_object_add(o, "total", t);
    }
    if (o) {
        vksh_json_print(ctl, o);
        o = NULL;
    }
    ret = 0;
    goto out;
failed:
    vksh_error(ctl, "Failed to retrieve CPU statistics for domain '%s'", name);
out:
    json_object_put(o);
    vk_domain_free(dom);
    return ret;
}

const struct vksh_cmd_def vksh_cmd_cpu_stats = {
    .name = "cpu-stats",
    .opts = cpustats_opts,
    .help = "show domain cpu statistics",
    .desc = "Display per-CPU and total statistics of a running domain.",
    .handler = cmd_cpu_stats,
};

/*--------------------------------------------------------------------------
 * vcpucount, vcpuinfo
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def vcpucount_opts[] = {
    DOMAIN_OPT,
    {"maximum", VKSH_OT_BOOL, 0, "get maximum count of vcpus"},
    {"active", VKSH_OT_BOOL, 0, "get number of currently active vcpus"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_vcpucount(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    unsigned aff;
    if (vksh_affect_flags(ctl, cmd, &aff) < 0)
        return -1;
    bool maximum = vksh_opt_bool(cmd, "maximum"), active = vksh_opt_bool(cmd, "active");
    if (maximum && active)
        return vksh_error_msg(ctl, 8, "Options --maximum and --active are mutually exclusive");
    if (aff == (VK_DOMAIN_AFFECT_LIVE | VK_DOMAIN_AFFECT_CONFIG))
        return vksh_error_msg(ctl, 8, "Options --live and --config are mutually exclusive");
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = 0;
    json_object *o = ctl->json ? json_object_new_object() : NULL;
    if (maximum || active || aff || vksh_opt_bool(cmd, "current")) {
        /* One number, as virsh prints it for a specific question. */
        int n = vk_domain_get_vcpus_flags(dom, aff | (maximum ? VK_DOMAIN_VCPU_MAXIMUM : 0));
        if (n < 0) {
            rc = vksh_error_lib(ctl);
        } else {
            vksh_print(ctl, "%d\n", n);
            if (o)
                json_object_object_add(o, "count", json_object_new_int(n));
        }
    } else {
        static const struct { const char *a, *b; unsigned flags; } rows[] = {
            {"maximum", "config", VK_DOMAIN_VCPU_MAXIMUM | VK_DOMAIN_AFFECT_CONFIG},
            {"maximum", "live", VK_DOMAIN_VCPU_MAXIMUM | VK_DOMAIN_AFFECT_LIVE},
            {"current", "config", VK_DOMAIN_AFFECT_CONFIG},
            {"current", "live", VK_DOMAIN_AFFECT_LIVE},
        };
        bool running = vk_domain_get_id(dom) >= 0;
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
            if ((rows[i].flags & VK_DOMAIN_AFFECT_LIVE) && !running)
                continue;
            int n = vk_domain_get_vcpus_flags(dom, rows[i].flags);
            if (n < 0) {
                rc = vksh_error_lib(ctl);
                break;
            }
            vksh_print(ctl, "%-12s %-12s %3d\n", rows[i].a, rows[i].b, n);
            if (o) {
                char key[32];
                snprintf(key, sizeof(key), "%s_%s", rows[i].a, rows[i].b);
                json_object_object_add(o, key, json_object_new_int(n));
            }
        }
    }
    vk_domain_free(dom);
    if (rc < 0) {
        json_object_put(o);
        return rc;
    }
    if (o)
        vksh_json_print(ctl, o);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_vcpucount = {
    .name = "vcpucount",
    .opts = vcpucount_opts,
    .help = "domain vcpu counts",
    .desc = "Returns the number of virtual CPUs used by the domain.",
    .handler = cmd_vcpucount,
};

static int cmd_vcpuinfo(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct vk_vcpu_info info[256];
    int n = vk_domain_get_vcpus(dom, info, 256);
    vk_domain_free(dom);
    if (n < 0)
        return vksh_error_lib(ctl);
    struct vk_node_info ni;
    unsigned ncpu = vk_node_get_info(ctl->conn, &ni) == 0 ? ni.cpus : 0;
    vk_reset_last_error();
    char affinity[1024];
    size_t k = 0;
    for (; k < ncpu && k + 1 < sizeof(affinity); k++)
        affinity[k] = 'y'; /* no pinning: every host CPU */
    affinity[k] = '\0';
    json_object *arr = ctl->json ? json_object_new_array() : NULL;
    for (int i = 0; i < n; i++) {
        const char *state = info[i].state == 1 ? "running" : info[i].state == 2 ? "blocked"
                                                                                  : "offline";
        vksh_print(ctl, "%-15s %u\n", "VCPU:", info[i].number);
        vksh_print(ctl, "%-15s %d\n", "CPU:", info[i].cpu);
        vksh_print(ctl, "%-15s %s\n", "State:", state);
        vksh_print(ctl, "%-15s %.1lfs\n", "CPU time:", info[i].cpu_time / 1e9);
        vksh_print(ctl, "%-15s %s\n", "CPU Affinity:", affinity);
        if (i + 1 < n)
            vksh_print(ctl, "\n");
        if (arr) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "vcpu", json_object_new_int64(info[i].number));
            json_object_object_add(o, "cpu", json_object_new_int(info[i].cpu));
            json_object_object_add(o, "state", json_object_new_string(state));
            json_object_object_add(o, "cpu_time_ns", json_object_new_uint64(info[i].cpu_time));
            json_object_object_add(o, "affinity", json_object_new_string(affinity));
            json_object_array_add(arr, o);
        }
    }
    if (arr)
        vksh_json_print(ctl, arr);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_vcpuinfo = {
    .name = "vcpuinfo",
    .opts = domain_only_opts,
    .help = "detailed domain vcpu information",
    .desc = "Returns basic information about the domain virtual CPUs.",
    .handler = cmd_vcpuinfo,
};

/*--------------------------------------------------------------------------
 * setmem, setmaxmem, setvcpus
 *------------------------------------------------------------------------*/

/* virsh's scaled sizes: a number with an optional unit, KiB by default. */
int vksh_parse_kib(struct vksh_ctl *ctl, const char *opt, const char *s, unsigned long long *kib)
{
    static const struct { const char *suffix; unsigned long long mul; } units[] = {
        {"", 1024}, {"b", 1}, {"bytes", 1}, {"k", 1024}, {"KiB", 1024}, {"KB", 1000},
        {"M", 1ULL << 20}, {"MiB", 1ULL << 20}, {"MB", 1000000}, {"G", 1ULL << 30},
        {"GiB", 1ULL << 30}, {"GB", 1000000000ULL}, {"T", 1ULL << 40}, {"TiB", 1ULL << 40},
        {"TB", 1000000000000ULL},
    };
    char *end = NULL;
    errno = 0;
    unsigned long long v = s && *s != '-' ? strtoull(s, &end, 10) : 0;
    if (!s || end == s || errno) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Numeric value '%s' for <%s> option is malformed or out of range",
                 s ? s : "", opt);
        return vksh_error_msg(ctl, 8, msg);
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(end, units[i].suffix) != 0 &&
            !(units[i].suffix[0] && strlen(units[i].suffix) > 1 && strcmp(end, units[i].suffix) == 0))
            continue;
        if (strcasecmp(end, units[i].suffix) == 0 && strlen(units[i].suffix) == 2 &&
            strcmp(end, units[i].suffix) != 0)
            continue; /* "kb" is ambiguous: only the exact "KB" */
        if (v > UINT64_MAX / units[i].mul)
            break;
        *kib = (v * units[i].mul + 1023) / 1024;
        return 0;
    }
    char msg[256];
    snprintf(msg, sizeof(msg), "Numeric value '%s' for <%s> option is malformed or out of range",
             s, opt);
    return vksh_error_msg(ctl, 8, msg);
}

static const struct vksh_opt_def setmem_opts[] = {
    DOMAIN_OPT,
    {"size", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "new memory size, as scaled integer (default KiB)"},
    AFFECT_OPTS,
    {NULL},
};

static int set_memory(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, bool maximum)
{
    unsigned flags;
    unsigned long long kib;
    if (vksh_affect_flags(ctl, cmd, &flags) < 0 ||
        vksh_parse_kib(ctl, "size", vksh_opt_string(cmd, "size"), &kib) < 0)
        return -1;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = vk_domain_set_memory_flags(dom, kib, flags | (maximum ? VK_DOMAIN_MEM_MAXIMUM : 0));
    vk_domain_free(dom);
    if (rc < 0)
        return vksh_error_lib(ctl);
    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, maximum ? "max_memory_kib" : "memory_kib",
                               json_object_new_uint64(kib));
        vksh_json_print(ctl, o);
    }
    return 0;
}

static int cmd_setmem(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return set_memory(ctl, cmd, false);
}

static int cmd_setmaxmem(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return set_memory(ctl, cmd, true);
}

const struct vksh_cmd_def vksh_cmd_setmem = {
    .name = "setmem",
    .opts = setmem_opts,
    .help = "change memory allocation",
    .desc = "Change the current memory allocation in the guest domain.",
    .handler = cmd_setmem,
};

const struct vksh_cmd_def vksh_cmd_setmaxmem = {
    .name = "setmaxmem",
    .opts = setmem_opts,
    .help = "change maximum memory limit",
    .desc = "Change the maximum memory allocation limit in the guest domain.",
    .handler = cmd_setmaxmem,
};

static const struct vksh_opt_def setvcpus_opts[] = {
    DOMAIN_OPT,
    {"count", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "number of virtual CPUs"},
    {"maximum", VKSH_OT_BOOL, 0, "set maximum limit on next boot"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_setvcpus(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    unsigned flags;
    if (vksh_affect_flags(ctl, cmd, &flags) < 0)
        return -1;
    const char *s = vksh_opt_string(cmd, "count");
    char *end = NULL;
    errno = 0;
    unsigned long n = s && *s != '-' ? strtoul(s, &end, 10) : 0;
    if (!s || end == s || *end || errno || n > 0xffffffffUL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Numeric value '%s' for <count> option is malformed or out of "
                                   "range", s ? s : "");
        return vksh_error_msg(ctl, 8, msg);
    }
    if (vksh_opt_bool(cmd, "maximum"))
        flags |= VK_DOMAIN_VCPU_MAXIMUM;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = vk_domain_set_vcpus_flags(dom, (unsigned)n, flags);
    vk_domain_free(dom);
    if (rc < 0)
        return vksh_error_lib(ctl);
    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "count", json_object_new_int64((long long)n));
        vksh_json_print(ctl, o);
    }
    return 0;
}

const struct vksh_cmd_def vksh_cmd_setvcpus = {
    .name = "setvcpus",
    .opts = setvcpus_opts,
    .help = "change number of virtual CPUs",
    .desc = "Change the number of virtual CPUs in the guest domain.",
    .handler = cmd_setvcpus,
};
