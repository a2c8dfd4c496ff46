/* Host and vksh itself: version, help. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vksh.h"

static void version_parts(unsigned long long v, char *buf, size_t len)
{
    snprintf(buf, len, "%llu.%llu.%llu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

static const struct vksh_opt_def version_opts[] = {
    {"daemon", VKSH_OT_BOOL, 0, "report daemon version too"},
    {NULL},
};

static int cmd_version(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    char lib[32], hv[32], daemon[32] = "";
    version_parts(vk_get_version(), lib, sizeof(lib));
    char *type = vk_connect_get_type(ctl->conn);
    if (!type)
        return vksh_error(ctl, "failed to get hypervisor type");
    unsigned long long hv_ver = 0, daemon_ver = 0;
    if (vk_connect_get_version(ctl->conn, &hv_ver) < 0) {
        free(type);
        return vksh_error(ctl, "failed to get the hypervisor version");
    }
    version_parts(hv_ver, hv, sizeof(hv));
    bool want_daemon = vksh_opt_bool(cmd, "daemon");
    if (want_daemon) {
        if (vk_connect_get_lib_version(ctl->conn, &daemon_ver) < 0) {
            free(type);
            return vksh_error(ctl, "failed to get the daemon version");
        }
        version_parts(daemon_ver, daemon, sizeof(daemon));
    }

    if (ctl->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "library", json_object_new_string(lib));
        json_object_object_add(o, "hypervisor_type", json_object_new_string(type));
        json_object_object_add(o, "hypervisor_version", hv_ver ? json_object_new_string(hv) : NULL);
        if (want_daemon)
            json_object_object_add(o, "daemon_version", json_object_new_string(daemon));
        vksh_json_print(ctl, o);
    } else {
        /* virsh's lines, with virtkit as the library. */
        vksh_print(ctl, "Compiled against library: virtkit %s\n", lib);
        vksh_print(ctl, "Using library: virtkit %s\n", lib);
        vksh_print(ctl, "Using API: %s %s\n", type, lib);
        if (hv_ver == 0)
            vksh_print(ctl, "Cannot extract running %s hypervisor version\n", type);
        else
            vksh_print(ctl, "Running hypervisor: %s %s\n", type, hv);
        if (want_daemon)
            vksh_print(ctl, "Running against daemon: %s\n", daemon);
    }
    free(type);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_version = {
    .name = "version",
    .opts = version_opts,
    .help = "show version",
    .desc = "Display the system version information.",
    .handler = cmd_version,
};

/*--------------------------------------------------------------------------
 * help
 *------------------------------------------------------------------------*/

/* Help groups name their commands, as virsh's do. A command of the table that
 * no group names still shows, under "Other", so none is ever hidden. */
struct group {
    const char *title, *keyword;
    const char *const *names; /* NULL: every command no other group names */
};

static const char *const domain_cmds[] = {
    "attach-device", "attach-disk", "autostart", "change-media", "console", "create", "define",
    "destroy", "detach-device", "detach-disk", "domdisplay", "domid", "domjobabort",
    "domjobinfo", "domname", "domuuid", "dumpxml", "edit", "event", "managedsave",
    "managedsave-define", "managedsave-dumpxml", "managedsave-remove", "reboot", "reset",
    "restore", "resume", "save", "save-image-define", "save-image-dumpxml", "setmaxmem", "setmem",
    "setvcpus", "shutdown", "start", "suspend", "undefine", "vcpucount", "vcpuinfo",
    "vncdisplay", NULL};
static const char *const monitor_cmds[] = {"cpu-stats", "domblkstat", "domifstat", "dominfo",
                                           "dommemstat", "domstate", "domstats", "list", NULL};
static const char *const host_cmds[] = {"capabilities", "domcapabilities", "nodeinfo", "version",
                                        NULL};
static const char *const self_cmds[] = {"help", NULL};

static const struct group groups[] = {
    {"Domain Management", "domain", domain_cmds},
    {"Domain Monitoring", "monitor", monitor_cmds},
    {"Host and Hypervisor", "host", host_cmds},
    {"Vksh itself", "vksh", self_cmds},
    {"Other", "other", NULL},
    {NULL, NULL, NULL},
};

static bool named_by_a_group(const char *name)
{
    for (int g = 0; groups[g].title; g++)
        for (int i = 0; groups[g].names && groups[g].names[i]; i++)
            if (!strcmp(groups[g].names[i], name))
                return true;
    return false;
}

/* Calls fn(ctl, g, cmd, opaque) for each command of group g in the table. */
typedef void (*group_fn)(struct vksh_ctl *ctl, const struct group *g,
                         const struct vksh_cmd_def *cmd, void *opaque);

static void for_each_in_group(const struct group *g, group_fn fn, struct vksh_ctl *ctl,
                              void *opaque)
{
    if (g->names) {
        for (int i = 0; g->names[i]; i++) {
            const struct vksh_cmd_def *c = vksh_command_find(g->names[i]);
            if (c)
                fn(ctl, g, c, opaque);
        }
        return;
    }
    for (int i = 0; vksh_commands[i]; i++)
        if (!named_by_a_group(vksh_commands[i]->name))
            fn(ctl, g, vksh_commands[i], opaque);
}

static void count_one(struct vksh_ctl *ctl, const struct group *g, const struct vksh_cmd_def *c,
                      void *opaque)
{
    (*(int *)opaque)++;
}

static void print_one(struct vksh_ctl *ctl, const struct group *g, const struct vksh_cmd_def *c,
                      void *opaque)
{
    json_object *arr = opaque;
    if (arr) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(c->name));
        json_object_object_add(o, "group", json_object_new_string(g->keyword));
        json_object_object_add(o, "help", json_object_new_string(c->help));
        json_object_array_add(arr, o);
        return;
    }
    vksh_print(ctl, "    %-30s %s\n", c->name, c->help);
}

static void print_group(struct vksh_ctl *ctl, const struct group *g, json_object *arr)
{
    if (!arr) {
        int n = 0;
        for_each_in_group(g, count_one, ctl, &n);
        if (n == 0)
            return;
        vksh_print(ctl, " %s (help keyword '%s'):\n", g->title, g->keyword);
    }
    for_each_in_group(g, print_one, ctl, arr);
    if (!arr)
        vksh_print(ctl, "\n");
}

void vksh_usage(struct vksh_ctl *ctl)
{
    vksh_print(ctl, "\n"
                    "vksh [options]... <command> [args...]\n"
                    "\n"
                    "  options:\n"
                    "    -c | --connect=URI      hypervisor connection URI\n"
                    "    -h | --help             this help\n"
                    "    -r | --readonly         connect readonly\n"
                    "         --json             JSON output on stdout, errors as JSON on stderr\n"
                    "    -v | --version          short version\n"
                    "\n"
                    "  commands (non interactive mode):\n"
                    "\n");
    for (int i = 0; groups[i].title; i++)
        print_group(ctl, &groups[i], NULL);
    vksh_print(ctl, "  (specify help <group> for details about the commands in the group)\n"
                    "\n"
                    "  (specify help <command> for details about the command)\n"
                    "\n");
}

static void print_command_help(struct vksh_ctl *ctl, const struct vksh_cmd_def *def)
{
    const struct vksh_opt_def *o = def->opts;
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "name", json_object_new_string(def->name));
        json_object_object_add(doc, "help", json_object_new_string(def->help));
        json_object_object_add(doc, "description", json_object_new_string(def->desc));
        json_object *arr = json_object_new_array();
        for (int i = 0; o && o[i].name; i++) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, "name", json_object_new_string(o[i].name));
            json_object_object_add(
                j, "type", json_object_new_string(o[i].type == VKSH_OT_BOOL ? "bool" : "string"));
            json_object_object_add(j, "required",
                                   json_object_new_boolean(o[i].flags & VKSH_OPT_REQUIRED));
            json_object_object_add(j, "help", json_object_new_string(o[i].help));
            json_object_array_add(arr, j);
        }
        json_object_object_add(doc, "options", arr);
        vksh_json_print(ctl, doc);
        return;
    }
    vksh_print(ctl, "  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s", def->name, def->help, def->name);
    for (int i = 0; o && o[i].name; i++) {
        if (o[i].type == VKSH_OT_BOOL)
            vksh_print(ctl, " [--%s]", o[i].name);
        else if (o[i].flags & VKSH_OPT_REQUIRED)
            vksh_print(ctl, " <%s>", o[i].name);
        else if (o[i].flags & VKSH_OPT_POSITIONAL)
            vksh_print(ctl, " [<%s>]", o[i].name);
        else
            vksh_print(ctl, " [--%s <string>]", o[i].name);
    }
    vksh_print(ctl, "\n\n  DESCRIPTION\n    %s\n\n", def->desc);
    if (o && o[0].name) {
        vksh_print(ctl, "  OPTIONS\n");
        for (int i = 0; o[i].name; i++) {
            char buf[128];
            if (o[i].type == VKSH_OT_BOOL)
                snprintf(buf, sizeof(buf), "--%s", o[i].name);
            else if (o[i].flags & VKSH_OPT_POSITIONAL)
                snprintf(buf, sizeof(buf), "[--%s] <string>", o[i].name);
            else
                snprintf(buf, sizeof(buf), "--%s <string>", o[i].name);
            vksh_print(ctl, "    %-15s  %s\n", buf, o[i].help);
        }
        vksh_print(ctl, "\n");
    }
}

static const struct vksh_opt_def help_opts[] = {
    {"command", VKSH_OT_STRING, VKSH_OPT_POSITIONAL,
     "Prints global help, command specific help, or help for a group of related commands"},
    {NULL},
};

static int cmd_help(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *what = vksh_opt_string(cmd, "command");
    if (!what) {
        if (ctl->json) {
            json_object *arr = json_object_new_array();
            for (int i = 0; groups[i].title; i++)
                print_group(ctl, &groups[i], arr);
            json_object *doc = json_object_new_object();
            json_object_object_add(doc, "commands", arr);
            vksh_json_print(ctl, doc);
            return 0;
        }
        vksh_print(ctl, "Grouped commands:\n\n");
        for (int i = 0; groups[i].title; i++)
            print_group(ctl, &groups[i], NULL);
        return 0;
    }
    for (int i = 0; groups[i].title; i++)
        if (strcmp(what, groups[i].keyword) == 0) {
            if (ctl->json) {
                json_object *arr = json_object_new_array();
                print_group(ctl, &groups[i], arr);
                json_object *doc = json_object_new_object();
                json_object_object_add(doc, "commands", arr);
                vksh_json_print(ctl, doc);
            } else {
                print_group(ctl, &groups[i], NULL);
            }
            return 0;
        }
    const struct vksh_cmd_def *def = vksh_command_find(what);
    if (!def)
        return vksh_error_only(ctl, "command or command group '%s' doesn't exist", what);
    print_command_help(ctl, def);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_help = {
    .name = "help",
    .opts = help_opts,
    .help = "print help",
    .desc = "Prints global help, command specific help, or help for a group of related commands",
    .handler = cmd_help,
    .no_connect = true,
};
