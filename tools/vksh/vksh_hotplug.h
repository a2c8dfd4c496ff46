/* Shared by the hotplug command files (cmd_hotplug.c: devices and disks,
 * cmd_iface.c: interfaces). */
#pragma once
#include "vksh.h"

#define DOMAIN_OPT                                                                                 \
    {"domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "domain name, id or uuid"}
#define AFFECT_OPTS                                                                                \
    {"persistent", VKSH_OT_BOOL, 0, "make live change persistent"},                                \
        {"config", VKSH_OT_BOOL, 0, "affect next boot"},                                           \
        {"live", VKSH_OT_BOOL, 0, "affect running domain"},                                        \
        {"current", VKSH_OT_BOOL, 0, "affect current domain"}

/* virsh's flag rules: --current excludes --live/--config/--persistent;
 * --persistent is --config plus --live when the domain runs. *use_flags
 * false: the plain call. */
int vksh_hotplug_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, vk_domain *dom,
                      unsigned int *flags, bool *use_flags);
/* Attach or detach xml with the flags the command's options say. */
int vksh_device_op(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, vk_domain *dom,
                   const char *xml, bool attach);
/* --json: {"action": ..., "domain": ...}. */
void vksh_json_done(struct vksh_ctl *ctl, const char *action, vk_domain *dom);
/* --print-xml prints xml; otherwise attaches it with the command's flags and
 * virsh's messages for `what` ("disk": "Disk attached successfully"). */
int vksh_attach_built(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const char *xml,
                      const char *what);
