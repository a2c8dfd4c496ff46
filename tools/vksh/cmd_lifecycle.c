/* Domain lifecycle: define, undefine, create, start, destroy, shutdown,
 * reboot, suspend, resume. Messages are virsh's, word for word (which
 * name they show, the domain's or the argument as typed, too). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "vksh.h"

#define MAX_XML_FILE (10 * 1024 * 1024) /* virsh's VSH_MAX_XML_FILE */

#define DOMAIN_OPT                                                                                 \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }
#define FILE_OPT                                                                                   \
    {                                                                                              \
        "file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                           \
            "file containing an XML domain description"                                            \
    }

/* {"action": what, "domain": {...}} (and "file" when given). */
static void json_action(struct vksh_ctl *ctl, const char *action, const vk_domain *dom,
                        const char *file)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "action", json_object_new_string(action));
    json_object_object_add(doc, "domain", vksh_json_domain(dom));
    if (file)
        json_object_object_add(doc, "file", json_object_new_string(file));
    vksh_json_print(ctl, doc);
}

static char *read_xml_file(struct vksh_ctl *ctl, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        vksh_error_only(ctl, "Failed to open file '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct vk_buf b = VK_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > MAX_XML_FILE) {
            fclose(f);
            vk_buf_free(&b);
            vksh_error_only(ctl, "file '%s' is larger than %d bytes", path, MAX_XML_FILE);
            return NULL;
        }
        vk_buf_add(&b, chunk, n);
    }
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        vk_buf_free(&b);
        vksh_error_only(ctl, "Failed to read file '%s': %s", path, strerror(err));
        return NULL;
    }
    fclose(f);
    if (strlen(b.data ? b.data : "") != b.len) {
        vk_buf_free(&b);
        vksh_error_only(ctl, "file '%s' contains a NUL byte: not an XML document", path);
        return NULL;
    }
    return vk_buf_steal(&b);
}

/*--------------------------------------------------------------------------
 * define, create (from a file)
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def define_opts[] = {
    FILE_OPT,
    {"validate", VKSH_OT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static int cmd_define(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *file = vksh_opt_string(cmd, "file");
    vk_autofree char *xml = read_xml_file(ctl, file);
    if (!xml)
        return -1;
    unsigned int flags = vksh_opt_bool(cmd, "validate") ? VK_DOMAIN_DEFINE_VALIDATE : 0;
    vk_domain *dom = vk_domain_define_xml(ctl->conn, xml, flags);
    if (!dom)
        return vksh_error(ctl, "Failed to define domain from %s", file);
    if (ctl->json)
        json_action(ctl, "defined", dom, file);
    else
        vksh_print(ctl, "Domain '%s' defined from %s\n", vk_domain_get_name(dom), file);
    vk_domain_free(dom);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_define = {
    .name = "define",
    .opts = define_opts,
    .help = "define (but don't start) a domain from an XML file",
    .desc = "Define a domain.",
    .handler = cmd_define,
};

static const struct vksh_opt_def create_opts[] = {
    FILE_OPT,
    {"paused", VKSH_OT_BOOL, 0, "leave the guest paused after creation"},
    {"validate", VKSH_OT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static int cmd_create(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *file = vksh_opt_string(cmd, "file");
    vk_autofree char *xml = read_xml_file(ctl, file);
    if (!xml)
        return -1;
    unsigned int flags = 0;
    if (vksh_opt_bool(cmd, "paused"))
        flags |= VK_DOMAIN_START_PAUSED;
    if (vksh_opt_bool(cmd, "validate"))
        flags |= VK_DOMAIN_START_VALIDATE;
    vk_domain *dom = vk_domain_create_xml(ctl->conn, xml, flags);
    if (!dom)
        return vksh_error(ctl, "Failed to create domain from %s", file);
    if (ctl->json)
        json_action(ctl, "created", dom, file);
    else
        vksh_print(ctl, "Domain '%s' created from %s\n", vk_domain_get_name(dom), file);
    vk_domain_free(dom);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_create = {
    .name = "create",
    .opts = create_opts,
    .help = "create a domain from an XML file",
    .desc = "Create a domain.",
    .handler = cmd_create,
};

/*--------------------------------------------------------------------------
 * start
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def start_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "name or uuid of the inactive domain"},
    {"paused", VKSH_OT_BOOL, 0, "leave the guest paused after start"},
    {NULL},
};

static int cmd_start(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    /* An inactive domain has no id: by name or UUID only, as virsh. */
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYNAME | VKSH_BYUUID, NULL);
    if (!dom)
        return -1;
    int rc = 0;
    if (vk_domain_get_id(dom) >= 0) {
        rc = vksh_error_only(ctl, "Domain is already active");
    } else if (vk_domain_create(dom, vksh_opt_bool(cmd, "paused") ? VK_DOMAIN_START_PAUSED : 0) <
               0) {
        rc = vksh_error(ctl, "Failed to start domain '%s'", vk_domain_get_name(dom));
    } else if (ctl->json) {
        json_action(ctl, "started", dom, NULL);
    } else {
        vksh_print(ctl, "Domain '%s' started\n", vk_domain_get_name(dom));
    }
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_start = {
    .name = "start",
    .opts = start_opts,
    .help = "start a (previously defined) inactive domain",
    .desc = "Start a domain, either from the last managedsave state, or via a fresh boot if no "
            "managedsave state is present.",
    .handler = cmd_start,
};

/*--------------------------------------------------------------------------
 * Actions on one domain named by the user: undefine, destroy, shutdown,
 * reboot, suspend, resume. virsh names the domain as the user typed it.
 *------------------------------------------------------------------------*/

struct action {
    const char *done; /* "Domain '%s' <done>" */
    const char *verb; /* "Failed to <verb> domain '%s'" */
    const char *json; /* "action" in JSON */
    int (*run)(vk_domain *dom, const struct vksh_cmd *cmd);
};

static int run_action(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const struct action *a)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    if (a->run(dom, cmd) < 0)
        rc = vksh_error(ctl, "Failed to %s domain '%s'", a->verb, arg);
    else if (ctl->json)
        json_action(ctl, a->json, dom, NULL);
    else
        vksh_print(ctl, "Domain '%s' %s\n", arg, a->done);
    vk_domain_free(dom);
    return rc;
}

static int do_undefine(vk_domain *dom, const struct vksh_cmd *cmd)
{
    unsigned int flags = 0;
    if (vksh_opt_bool(cmd, "managed-save"))
        flags |= VK_DOMAIN_UNDEFINE_MANAGED_SAVE;
    if (vksh_opt_bool(cmd, "snapshots-metadata"))
        flags |= VK_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    if (vksh_opt_bool(cmd, "nvram"))
        flags |= VK_DOMAIN_UNDEFINE_NVRAM;
    if (vksh_opt_bool(cmd, "keep-nvram"))
        flags |= VK_DOMAIN_UNDEFINE_KEEP_NVRAM;
    return vk_domain_undefine(dom, flags);
}

static int do_destroy(vk_domain *dom, const struct vksh_cmd *cmd)
{
    return vk_domain_destroy(dom, vksh_opt_bool(cmd, "graceful") ? VK_DOMAIN_DESTROY_GRACEFUL : 0);
}

static int do_shutdown(vk_domain *dom, const struct vksh_cmd *cmd)
{
    return vk_domain_shutdown(dom, 0);
}

/* virsh's --mode list ("acpi,agent"): libvirt's VIR_DOMAIN_REBOOT_* bits.
 * Returns the length of an unknown word at *bad, else 0. */
static size_t mode_flags(const struct vksh_cmd *cmd, unsigned int *flags, const char **bad)
{
    static const char *const names[] = {"acpi", "agent", "initctl", "signal", "paravirt"};
    const char *mode = vksh_opt_string(cmd, "mode");
    *flags = 0;
    while (mode && *mode) {
        size_t len = strcspn(mode, ",");
        size_t i = 0;
        while (i < 5 && !(strlen(names[i]) == len && !strncmp(mode, names[i], len)))
            i++;
        if (i == 5) {
            *bad = mode;
            return len ? len : 1;
        }
        *flags |= 1u << i;
        mode += len + (mode[len] == ',');
    }
    return 0;
}

static int do_reboot(vk_domain *dom, const struct vksh_cmd *cmd)
{
    unsigned int flags;
    const char *bad;
    mode_flags(cmd, &flags, &bad); /* checked by cmd_reboot */
    return vk_domain_reboot(dom, flags);
}

static int do_suspend(vk_domain *dom, const struct vksh_cmd *cmd)
{
    return vk_domain_suspend(dom);
}

static int do_resume(vk_domain *dom, const struct vksh_cmd *cmd)
{
    return vk_domain_resume(dom);
}

#define ACTION_CMD(NAME, OPTS, HELP, DESC, DONE, VERB, JSON)                                       \
    static int cmd_##NAME(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)                        \
    {                                                                                              \
        static const struct action a = {DONE, VERB, JSON, do_##NAME};                              \
        return run_action(ctl, cmd, &a);                                                           \
    }                                                                                              \
    const struct vksh_cmd_def vksh_cmd_##NAME = {                                                  \
        .name = #NAME,                                                                             \
        .opts = OPTS,                                                                              \
        .help = HELP,                                                                              \
        .desc = DESC,                                                                              \
        .handler = cmd_##NAME,                                                                     \
    };

static const struct vksh_opt_def domain_only_opts[] = {DOMAIN_OPT, {NULL}};

static const struct vksh_opt_def undefine_opts[] = {
    DOMAIN_OPT,
    {"managed-save", VKSH_OT_BOOL, 0, "remove domain managed state file"},
    {"snapshots-metadata", VKSH_OT_BOOL, 0,
     "remove all domain snapshot metadata (vm must be inactive)"},
    {"nvram", VKSH_OT_BOOL, 0, "remove nvram file"},
    {"keep-nvram", VKSH_OT_BOOL, 0, "keep nvram file"},
    {NULL},
};

static const struct vksh_opt_def destroy_opts[] = {
    DOMAIN_OPT,
    {"graceful", VKSH_OT_BOOL, 0, "terminate gracefully"},
    {NULL},
};

ACTION_CMD(undefine, undefine_opts, "undefine a domain",
           "Undefine an inactive domain, or convert persistent to transient.", "has been undefined",
           "undefine", "undefined")
ACTION_CMD(destroy, destroy_opts, "destroy (stop) a domain",
           "Forcefully stop a given domain, but leave its resources intact.", "destroyed",
           "destroy", "destroyed")
ACTION_CMD(shutdown, domain_only_opts, "gracefully shutdown a domain",
           "Run shutdown in the target domain.", "is being shutdown", "shutdown", "shutdown")
static const struct vksh_opt_def reboot_opts[] = {
    DOMAIN_OPT,
    {"mode", VKSH_OT_STRING, 0, "shutdown mode: acpi|agent|initctl|signal|paravirt"},
    {NULL},
};

static int cmd_reboot(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    static const struct action a = {"is being rebooted", "reboot", "rebooted", do_reboot};
    unsigned int flags;
    const char *bad = NULL;
    size_t len = mode_flags(cmd, &flags, &bad);
    if (len)
        return vksh_error_only(ctl,
                               "Unknown mode %.*s value, expecting 'acpi', 'agent', 'initctl', "
                               "'signal' or 'paravirt'",
                               (int)len, bad);
    return run_action(ctl, cmd, &a);
}
const struct vksh_cmd_def vksh_cmd_reboot = {
    .name = "reboot",
    .opts = reboot_opts,
    .help = "reboot a domain",
    .desc = "Run a reboot command in the target domain.",
    .handler = cmd_reboot,
};
ACTION_CMD(suspend, domain_only_opts, "suspend a domain", "Suspend a running domain.", "suspended",
           "suspend", "suspended")
ACTION_CMD(resume, domain_only_opts, "resume a domain", "Resume a previously suspended domain.",
           "resumed", "resume", "resumed")
