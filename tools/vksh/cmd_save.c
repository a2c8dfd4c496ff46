/* Feature "save": save, restore, managedsave, managedsave-remove,
 * domjobinfo, domjobabort, and the XML inside images: save-image-dumpxml,
 * save-image-define, managedsave-dumpxml, managedsave-define (and save and
 * restore --xml). Messages are virsh's. save --verbose polls the
 * job on a second connection (a call in flight blocks the first) and prints
 * virsh's "Save: [ NN %]" progress on stderr. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/vk_alloc.h"
#include "util/vk_file.h"
#include "vksh.h"

#define MAX_XML_FILE (10 * 1024 * 1024)

#define DOMAIN_OPT                                                                                 \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }

/* --running / --paused (exclusive). */
static unsigned int run_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, bool *bad)
{
    unsigned int flags = 0;
    *bad = false;
    if (vksh_opt_bool(cmd, "running"))
        flags |= VK_DOMAIN_SAVE_RUNNING;
    if (vksh_opt_bool(cmd, "paused"))
        flags |= VK_DOMAIN_SAVE_PAUSED;
    if ((flags & VK_DOMAIN_SAVE_RUNNING) && (flags & VK_DOMAIN_SAVE_PAUSED)) {
        vksh_error_only(ctl, "Options --running and --paused are mutually exclusive");
        *bad = true;
    }
    return flags;
}

/* run_flags and --bypass-cache. */
static unsigned int save_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, bool *bad)
{
    unsigned int flags = run_flags(ctl, cmd, bad);
    if (vksh_opt_bool(cmd, "bypass-cache"))
        flags |= VK_DOMAIN_SAVE_BYPASS_CACHE;
    return flags;
}

static void json_done(struct vksh_ctl *ctl, const char *action, const vk_domain *dom,
                      const char *file)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "action", json_object_new_string(action));
    if (dom)
        json_object_object_add(doc, "domain", vksh_json_domain(dom));
    if (file)
        json_object_object_add(doc, "file", json_object_new_string(file));
    vksh_json_print(ctl, doc);
}

/* The XML of --xml / the XML argument: NULL when not given (*bad false) or
 * unreadable (*bad true, error printed). */
static char *xml_arg(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const char *opt, bool *bad)
{
    const char *file = vksh_opt_string(cmd, opt);
    *bad = false;
    if (!file)
        return NULL;
    char *xml = NULL;
    size_t len;
    if (vk_file_read(file, MAX_XML_FILE, &xml, &len) < 0) {
        vksh_error(ctl, "Failed to read file '%s'", file);
        *bad = true;
        return NULL;
    }
    return xml;
}

/* ---- save --verbose progress ---- */

struct watch {
    const char *uri;
    unsigned char uuid[VK_UUID_BUFLEN];
    pthread_mutex_t lock;
    bool done;
    int last; /* last percentage printed, -1 none */
};

static void print_progress(int pct)
{
    fprintf(stderr, "\rSave: [%3d %%]", pct);
    fflush(stderr);
}

static void *watch_job(void *opaque)
{
    struct watch *w = opaque;
    vk_connect *conn = vk_connect_open(w->uri, VK_CONNECT_RO);
    vk_domain *dom = conn ? vk_domain_lookup_by_uuid(conn, w->uuid) : NULL;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        bool done = w->done;
        pthread_mutex_unlock(&w->lock);
        if (done || !dom)
            break;
        vk_domain_job_info ji;
        if (vk_domain_get_job_info(dom, &ji) == 0 && ji.type != 0 && ji.data_total > 0) {
            unsigned long long rem = ji.data_remaining > ji.data_total ? ji.data_total
                                                                     : ji.data_remaining;
            int pct = (int)(100 - rem * 100 / ji.data_total);
            if (pct > 99)
                pct = 99; /* 100 % only once the save has returned */
            print_progress(pct);
            w->last = pct;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (dom)
        vk_domain_free(dom);
    if (conn)
        vk_connect_close(conn);
    return NULL;
}

static int cmd_save(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    bool bad;
    unsigned int flags = save_flags(ctl, cmd, &bad);
    if (bad)
        return -1;
    const char *file = vksh_opt_string(cmd, "file");
    vk_autofree char *dxml = xml_arg(ctl, cmd, "xml", &bad);
    if (bad)
        return -1;
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    bool verbose = vksh_opt_bool(cmd, "verbose");
    struct watch w = {.uri = ctl->uri, .last = -1};
    pthread_t th;
    bool watching = false;
    if (verbose) {
        memcpy(w.uuid, vk_domain_get_uuid(dom), VK_UUID_BUFLEN);
        pthread_mutex_init(&w.lock, NULL);
        watching = pthread_create(&th, NULL, watch_job, &w) == 0;
    }
    int rc = vk_domain_save(dom, file, dxml, flags);
    if (watching) {
        pthread_mutex_lock(&w.lock);
        w.done = true;
        pthread_mutex_unlock(&w.lock);
        pthread_join(th, NULL);
        if (rc == 0)
            print_progress(100);
        fprintf(stderr, "\n");
    }
    if (verbose)
        pthread_mutex_destroy(&w.lock);
    if (rc < 0)
        rc = vksh_error(ctl, "Failed to save domain '%s' to %s", arg, file);
    else if (ctl->json)
        json_done(ctl, "saved", dom, file);
    else
        vksh_print(ctl, "\nDomain '%s' saved to %s\n", arg, file);
    vk_domain_free(dom);
    return rc;
}

/* restore FILE [--xml XML] and save-image-define FILE XML: a file and an
 * XML to use with it. */
static int file_xml_cmd(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, bool define)
{
    bool bad;
    unsigned int flags = define ? run_flags(ctl, cmd, &bad) : save_flags(ctl, cmd, &bad);
    if (bad)
        return -1;
    const char *file = vksh_opt_string(cmd, "file");
    vk_autofree char *dxml = xml_arg(ctl, cmd, "xml", &bad);
    if (bad)
        return -1;
    if (define ? vk_domain_save_image_define_xml(ctl->conn, file, dxml, flags) < 0
               : vk_domain_restore(ctl->conn, file, dxml, flags) < 0)
        return vksh_error(ctl, define ? "Failed to update %s" : "Failed to restore domain from %s",
                          file);
    if (ctl->json)
        json_done(ctl, define ? "save-image-updated" : "restored", NULL, file);
    else
        vksh_print(ctl, define ? "State file %s updated.\n" : "Domain restored from %s\n", file);
    return 0;
}

static int cmd_restore(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return file_xml_cmd(ctl, cmd, false);
}

static int cmd_managedsave(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    bool bad;
    unsigned int flags = save_flags(ctl, cmd, &bad);
    if (bad)
        return -1;
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    if (vk_domain_managed_save(dom, flags) < 0)
        rc = vksh_error(ctl, "Failed to save domain '%s' state", arg);
    else if (ctl->json)
        json_done(ctl, "managed-saved", dom, NULL);
    else
        vksh_print(ctl, "\nDomain '%s' state saved by libvirt\n", arg);
    vk_domain_free(dom);
    return rc;
}

static int cmd_managedsave_remove(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    int has = vk_domain_has_managed_save_image(dom, 0);
    if (has < 0) {
        rc = vksh_error(ctl, "Failed to check for domain managed save image");
    } else if (has && vk_domain_managed_save_remove(dom, 0) < 0) {
        rc = vksh_error(ctl, "Failed to remove managed save image for domain '%s'", arg);
    } else if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "action", json_object_new_string("managed-save-removed"));
        json_object_object_add(doc, "domain", vksh_json_domain(dom));
        json_object_object_add(doc, "removed", json_object_new_boolean(has));
        vksh_json_print(ctl, doc);
    } else if (has) {
        vksh_print(ctl, "Removed managedsave image for domain '%s'\n", arg);
    } else {
        vksh_print(ctl, "Domain '%s' has no manage save image; removal skipped\n", arg);
    }
    vk_domain_free(dom);
    return rc;
}

static int cmd_save_image_dumpxml(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    unsigned int flags = vksh_opt_bool(cmd, "security-info") ? 1 : 0;
    char *xml = vk_domain_save_image_get_xml(ctl->conn, vksh_opt_string(cmd, "file"), flags);
    if (!xml)
        return vksh_error_lib(ctl);
    vksh_print_xml(ctl, xml);
    free(xml);
    return 0;
}

static int cmd_save_image_define(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return file_xml_cmd(ctl, cmd, true);
}

static int cmd_managedsave_dumpxml(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    unsigned int flags = vksh_opt_bool(cmd, "security-info") ? 1 : 0;
    char *xml = vk_domain_managed_save_get_xml(dom, flags);
    int rc = xml ? 0 : vksh_error_lib(ctl);
    if (xml)
        vksh_print_xml(ctl, xml);
    free(xml);
    vk_domain_free(dom);
    return rc;
}

static int cmd_managedsave_define(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    bool bad;
    unsigned int flags = run_flags(ctl, cmd, &bad);
    if (bad)
        return -1;
    vk_autofree char *dxml = xml_arg(ctl, cmd, "xml", &bad);
    if (bad)
        return -1;
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    if (vk_domain_managed_save_define_xml(dom, dxml, flags) < 0)
        rc = vksh_error(ctl, "Failed to update %s XML configuration", arg);
    else if (ctl->json)
        json_done(ctl, "managed-save-updated", dom, NULL);
    else
        vksh_print(ctl, "Managed save state file of domain '%s' updated.\n", arg);
    vk_domain_free(dom);
    return rc;
}

/* virsh's vshPrettyCapacity. */
static void pretty(char *buf, size_t len, unsigned long long v)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    int u = 0;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", v);
    else
        snprintf(buf, len, "%.3f %s", d, units[u]);
}

static int cmd_domjobinfo(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    vk_domain_job_info ji;
    unsigned int flags = 0;
    if (vksh_opt_bool(cmd, "completed"))
        flags |= VK_DOMAIN_JOB_STATS_COMPLETED;
    if (vksh_opt_bool(cmd, "keep-completed"))
        flags |= VK_DOMAIN_JOB_STATS_KEEP_COMPLETED;
    if (vk_domain_get_job_info_flags(dom, flags, &ji) < 0) {
        vk_domain_free(dom);
        return vksh_error(ctl, "Failed to get job info for domain '%s'", arg);
    }
    const char *type = ji.type == 0   ? "None"
                       : ji.type == 2 ? "Unbounded"
                       : ji.type == 3 ? "Completed"
                                      : "Unknown";
    const char *op = ji.operation == 2 ? "Save" : ji.operation == 3 ? "Restore" : "Unknown";
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "domain", vksh_json_domain(dom));
        json_object_object_add(doc, "type", json_object_new_string(type));
        if (ji.type != 0) {
            json_object_object_add(doc, "operation", json_object_new_string(op));
            json_object_object_add(doc, "time_elapsed_ms",
                                   json_object_new_int64((int64_t)ji.time_elapsed_ms));
            json_object_object_add(doc, "data_total", json_object_new_int64((int64_t)ji.data_total));
            json_object_object_add(doc, "data_processed",
                                   json_object_new_int64((int64_t)ji.data_processed));
            json_object_object_add(doc, "data_remaining",
                                   json_object_new_int64((int64_t)ji.data_remaining));
        }
        vksh_json_print(ctl, doc);
        vk_domain_free(dom);
        return 0;
    }
    vksh_print(ctl, "%-17s %-12s\n", "Job type:", type);
    if (ji.type != 0) {
        char b[64];
        vksh_print(ctl, "%-17s %-12s\n", "Operation:", op);
        vksh_print(ctl, "%-17s %-12llu ms\n", "Time elapsed:", ji.time_elapsed_ms);
        if (ji.data_total) {
            static const char *const labels[] = {"Data", "Memory"};
            for (int i = 0; i < 2; i++) {
                char l[32];
                snprintf(l, sizeof(l), "%s processed:", labels[i]);
                pretty(b, sizeof(b), ji.data_processed);
                vksh_print(ctl, "%-17s %s\n", l, b);
                snprintf(l, sizeof(l), "%s remaining:", labels[i]);
                pretty(b, sizeof(b), ji.data_remaining);
                vksh_print(ctl, "%-17s %s\n", l, b);
                snprintf(l, sizeof(l), "%s total:", labels[i]);
                pretty(b, sizeof(b), ji.data_total);
                vksh_print(ctl, "%-17s %s\n", l, b);
            }
        }
    }
    vk_domain_free(dom);
    return 0;
}

static int cmd_domjobabort(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    if (vk_domain_abort_job(dom) < 0)
        rc = vksh_error(ctl, "Failed to abort job for domain '%s'", arg);
    else if (ctl->json)
        json_done(ctl, "job-aborted", dom, NULL);
    vk_domain_free(dom);
    return rc;
}

static const struct vksh_opt_def save_opts[] = {
    DOMAIN_OPT,
    {"file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "where to save the data"},
    {"bypass-cache", VKSH_OT_BOOL, 0, "avoid file system cache when saving"},
    {"xml", VKSH_OT_STRING, 0, "filename containing updated XML for the target"},
    {"running", VKSH_OT_BOOL, 0, "set domain to be running on restore"},
    {"paused", VKSH_OT_BOOL, 0, "set domain to be paused on restore"},
    {"verbose", VKSH_OT_BOOL, 0, "display the progress of save"},
    {NULL},
};
static const struct vksh_opt_def restore_opts[] = {
    {"file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "the state to restore"},
    {"bypass-cache", VKSH_OT_BOOL, 0, "avoid file system cache when restoring"},
    {"xml", VKSH_OT_STRING, 0, "filename containing updated XML for the target"},
    {"running", VKSH_OT_BOOL, 0, "restore domain into running state"},
    {"paused", VKSH_OT_BOOL, 0, "restore domain into paused state"},
    {NULL},
};
static const struct vksh_opt_def managedsave_opts[] = {
    DOMAIN_OPT,
    {"bypass-cache", VKSH_OT_BOOL, 0, "avoid file system cache when saving"},
    {"running", VKSH_OT_BOOL, 0, "set domain to be running on next start"},
    {"paused", VKSH_OT_BOOL, 0, "set domain to be paused on next start"},
    {"verbose", VKSH_OT_BOOL, 0, "display the progress of save"},
    {NULL},
};
static const struct vksh_opt_def domain_only_opts[] = {DOMAIN_OPT, {NULL}};

const struct vksh_cmd_def vksh_cmd_save = {
    .name = "save", .opts = save_opts, .help = "save a domain state to a file",
    .desc = "Save the RAM state of a running domain.", .handler = cmd_save};
const struct vksh_cmd_def vksh_cmd_restore = {
    .name = "restore", .opts = restore_opts, .help = "restore a domain from a saved state in a file",
    .desc = "Restore a domain.", .handler = cmd_restore};
const struct vksh_cmd_def vksh_cmd_managedsave = {
    .name = "managedsave", .opts = managedsave_opts, .help = "managed save of a domain state",
    .desc = "Save and destroy a running domain, so it can be restarted from the same state at a "
            "later time.",
    .handler = cmd_managedsave};
const struct vksh_cmd_def vksh_cmd_managedsave_remove = {
    .name = "managedsave-remove", .opts = domain_only_opts,
    .help = "Remove managed save of a domain", .desc = "Remove an existing managed save state file from a domain",
    .handler = cmd_managedsave_remove};
static const struct vksh_opt_def domjobinfo_opts[] = {
    DOMAIN_OPT,
    {"completed", VKSH_OT_BOOL, 0, "return statistics of a recently completed job"},
    {"keep-completed", VKSH_OT_BOOL, 0, "don't destroy statistics of a recently completed job"},
    {NULL},
};
const struct vksh_cmd_def vksh_cmd_domjobinfo = {
    .name = "domjobinfo", .opts = domjobinfo_opts, .help = "domain job information",
    .desc = "Returns information about jobs running on a domain.", .handler = cmd_domjobinfo};
const struct vksh_cmd_def vksh_cmd_domjobabort = {
    .name = "domjobabort", .opts = domain_only_opts, .help = "abort active domain job",
    .desc = "Aborts the currently running domain job", .handler = cmd_domjobabort};

static const struct vksh_opt_def save_image_dumpxml_opts[] = {
    {"file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "saved state file to read"},
    {"security-info", VKSH_OT_BOOL, 0, "include security sensitive information in XML dump"},
    {NULL},
};
static const struct vksh_opt_def save_image_define_opts[] = {
    {"file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "saved state file to modify"},
    {"xml", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "filename containing updated XML for the target"},
    {"running", VKSH_OT_BOOL, 0, "set domain to be running on restore"},
    {"paused", VKSH_OT_BOOL, 0, "set domain to be paused on restore"},
    {NULL},
};
static const struct vksh_opt_def managedsave_dumpxml_opts[] = {
    DOMAIN_OPT,
    {"security-info", VKSH_OT_BOOL, 0, "include security sensitive information in XML dump"},
    {NULL},
};
static const struct vksh_opt_def managedsave_define_opts[] = {
    DOMAIN_OPT,
    {"xml", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "filename containing updated XML for the target"},
    {"running", VKSH_OT_BOOL, 0, "set domain to be running on start"},
    {"paused", VKSH_OT_BOOL, 0, "set domain to be paused on start"},
    {NULL},
};
const struct vksh_cmd_def vksh_cmd_save_image_dumpxml = {
    .name = "save-image-dumpxml", .opts = save_image_dumpxml_opts,
    .help = "saved state domain information in XML",
    .desc = "Dump XML of domain information for a saved state file to stdout.",
    .handler = cmd_save_image_dumpxml};
const struct vksh_cmd_def vksh_cmd_save_image_define = {
    .name = "save-image-define", .opts = save_image_define_opts,
    .help = "redefine the XML for a domain's saved state file",
    .desc = "Replace the domain XML associated with a saved state file",
    .handler = cmd_save_image_define};
const struct vksh_cmd_def vksh_cmd_managedsave_dumpxml = {
    .name = "managedsave-dumpxml", .opts = managedsave_dumpxml_opts,
    .help = "Domain information of managed save state file in XML",
    .desc = "Dump XML of domain information for a managed save state file to stdout.",
    .handler = cmd_managedsave_dumpxml};
const struct vksh_cmd_def vksh_cmd_managedsave_define = {
    .name = "managedsave-define", .opts = managedsave_define_opts,
    .help = "redefine the XML for a domain's managed save state file",
    .desc = "Replace the domain XML associated with a managed save state file",
    .handler = cmd_managedsave_define};
