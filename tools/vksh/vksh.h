/* vksh: virtkit's shell, a virsh-compatible CLI on libvirtkit.
 *
 * One file per command group (cmd_*.c) fills a table of commands; each
 * command declares its options, and vksh_parse.c turns argv into a parsed
 * command (virsh's rules: --opt value, --opt=value, and bare words filling
 * the positional options in order) before any connection is made.
 *
 * Output: human output is byte-for-byte virsh's (the trailing empty line
 * after each command included). With --json every command prints one JSON
 * document on stdout instead; errors then go to stderr as
 *   {"error": {"code": N, "domain": N, "message": "...", "detail": "..."}}
 * (code/domain: libvirt's virErrorNumber/virErrorDomain; detail: the
 * library's message when there is one). Any error exits 1. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>

#include "virtkit/virtkit.h"

#define VKSH_MAX_OPTS 24

enum vksh_opt_type {
    VKSH_OT_BOOL,   /* --flag */
    VKSH_OT_STRING, /* --opt VALUE or --opt=VALUE */
};

enum vksh_opt_flags {
    VKSH_OPT_REQUIRED = 1 << 0,   /* error when missing */
    VKSH_OPT_POSITIONAL = 1 << 1, /* a bare word may give it, in order */
};

struct vksh_opt_def {
    const char *name;
    enum vksh_opt_type type;
    unsigned int flags;
    const char *help;
};

struct vksh_ctl;
struct vksh_cmd;

struct vksh_cmd_def {
    const char *name;
    const struct vksh_opt_def *opts; /* terminated by {NULL} */
    const char *help;                /* one line, for `help` */
    const char *desc;                /* a paragraph, for `help COMMAND` */
    int (*handler)(struct vksh_ctl *ctl, const struct vksh_cmd *cmd); /* 0 ok, -1 error reported */
    bool no_connect; /* runs without a connection (help) */
};

/* A parsed command line. */
struct vksh_cmd {
    const struct vksh_cmd_def *def;
    const char *values[VKSH_MAX_OPTS]; /* string options; "" for a set bool */
    bool json;
};

struct vksh_ctl {
    const char *uri; /* -c; NULL: default */
    bool readonly;   /* -r */
    bool json;       /* --json, before or after the command */
    vk_connect *conn;
};

/* All commands, NULL-terminated; and lookup by name. */
extern const struct vksh_cmd_def *const vksh_commands[];
const struct vksh_cmd_def *vksh_command_find(const char *name);
/* Global usage (vksh --help). */
void vksh_usage(struct vksh_ctl *ctl);

/* Command definitions, one group per file. */
extern const struct vksh_cmd_def vksh_cmd_version, vksh_cmd_help;
extern const struct vksh_cmd_def vksh_cmd_list;
extern const struct vksh_cmd_def vksh_cmd_define, vksh_cmd_undefine, vksh_cmd_create,
    vksh_cmd_start, vksh_cmd_destroy, vksh_cmd_shutdown, vksh_cmd_reboot, vksh_cmd_suspend,
    vksh_cmd_resume;
extern const struct vksh_cmd_def vksh_cmd_dumpxml, vksh_cmd_dominfo, vksh_cmd_domstate,
    vksh_cmd_domid, vksh_cmd_domname, vksh_cmd_domuuid;
/* Feature "events" (cmd_events.c). */
extern const struct vksh_cmd_def vksh_cmd_autostart, vksh_cmd_event, vksh_cmd_reset;
/* Feature "console" (cmd_console.c). */
extern const struct vksh_cmd_def vksh_cmd_console, vksh_cmd_domdisplay, vksh_cmd_vncdisplay;

/* Feature "save" (cmd_save.c). */
extern const struct vksh_cmd_def vksh_cmd_save, vksh_cmd_restore, vksh_cmd_managedsave,
    vksh_cmd_managedsave_remove, vksh_cmd_domjobinfo, vksh_cmd_domjobabort,
    vksh_cmd_save_image_dumpxml, vksh_cmd_save_image_define, vksh_cmd_managedsave_dumpxml,
    vksh_cmd_managedsave_define;
/* Feature "stats" (cmd_stats.c). */
extern const struct vksh_cmd_def vksh_cmd_nodeinfo, vksh_cmd_capabilities,
    vksh_cmd_domcapabilities, vksh_cmd_domstats, vksh_cmd_dommemstat, vksh_cmd_domblkstat,
    vksh_cmd_domifstat, vksh_cmd_cpu_stats, vksh_cmd_vcpucount, vksh_cmd_vcpuinfo,
    vksh_cmd_setmem, vksh_cmd_setmaxmem, vksh_cmd_setvcpus;
/* Helpers of cmd_stats.c shared with cmd_tune.c: a typed parameter as
 * virsh prints it / as JSON; --config/--live/--current as
 * VK_DOMAIN_AFFECT_* flags; a size with virsh's units (default KiB). */
void vksh_param_text(const struct vk_typed_param *p, char *buf, size_t len);
json_object *vksh_param_json(const struct vk_typed_param *p);
int vksh_affect_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, unsigned *flags);
int vksh_parse_kib(struct vksh_ctl *ctl, const char *opt, const char *s, unsigned long long *kib);
/* Feature "tune" (cmd_tune.c). */
extern const struct vksh_cmd_def vksh_cmd_memtune, vksh_cmd_schedinfo;
/* Feature "hotplug" (cmd_edit.c, cmd_hotplug.c). */
extern const struct vksh_cmd_def vksh_cmd_edit, vksh_cmd_attach_device, vksh_cmd_detach_device,
    vksh_cmd_attach_disk, vksh_cmd_detach_disk, vksh_cmd_change_media;
/* Feature "net" (cmd_iface.c). */
extern const struct vksh_cmd_def vksh_cmd_attach_interface, vksh_cmd_detach_interface,
    vksh_cmd_domiflist;

/* Parses argv (argv[0] is the command name) into cmd. Returns 0, or -1
 * after reporting the error (naming the option). */
int vksh_parse(struct vksh_ctl *ctl, int argc, char **argv, struct vksh_cmd *cmd);
bool vksh_opt_bool(const struct vksh_cmd *cmd, const char *name);
/* NULL when not given. */
const char *vksh_opt_string(const struct vksh_cmd *cmd, const char *name);

/* Output. vksh_print writes human output (suppressed in JSON mode). */
void vksh_print(struct vksh_ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints obj as the command's JSON document and releases it. */
void vksh_json_print(struct vksh_ctl *ctl, json_object *obj);
/* An XML document: as is, or {"xml": ...} with --json. */
void vksh_print_xml(struct vksh_ctl *ctl, const char *xml);
/* Reports a failure: "error: <context>" and, when the library has an error
 * set, "error: <its message>". JSON mode: one error object. Returns -1. */
int vksh_error(struct vksh_ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, without the library's message (virsh drops it, e.g. after a failed
 * domain lookup); JSON mode still carries it as detail. */
int vksh_error_only(struct vksh_ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Only the library's message ("error: <message>"), as virsh prints a
 * failed call without context. */
int vksh_error_lib(struct vksh_ctl *ctl);
/* A saved error message with its libvirt code. */
int vksh_error_msg(struct vksh_ctl *ctl, int code, const char *msg);

/* A domain from --domain (an id, a UUID or a name, tried in that order as
 * virsh does, limited to the kinds in `by`). Reports "failed to get domain"
 * itself. *arg gets the text the user gave. */
enum { VKSH_BYID = 1, VKSH_BYUUID = 2, VKSH_BYNAME = 4, VKSH_BYANY = 7 };
vk_domain *vksh_domain_arg(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, unsigned int by,
                           const char **arg);
/* JSON of a domain: {"name", "uuid", "id" (null when inactive)}. */
json_object *vksh_json_domain(const vk_domain *dom);

/* A table printed like virsh's vshTable: each cell preceded by a space,
 * columns padded to their widest cell plus two spaces, a dash rule under
 * the header as wide as the columns with their gaps. */
struct vksh_table;
struct vksh_table *vksh_table_new(int ncols, const char *const *headers);
void vksh_table_add(struct vksh_table *t, const char *const *cells);
void vksh_table_print(struct vksh_ctl *ctl, struct vksh_table *t);
void vksh_table_free(struct vksh_table *t);
