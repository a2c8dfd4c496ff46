/* Character devices: <serial>, <console>, <channel>. */
#include <string.h>

#include "domain_parse_dev.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "xml_util.h"

enum chr_kind { CHR_SERIAL, CHR_CONSOLE, CHR_CHANNEL };

static int parse_source(xmlNodePtr c, struct vk_chr_def *chr, unsigned flags)
{
    static const char *const pty_attrs[] = {"path", NULL};
    static const char *const file_attrs[] = {"path", "append", NULL};
    static const char *const unix_attrs[] = {"mode", "path", NULL};
    static const char *const modes[] = {"bind", "connect", NULL};
    const char *const *allowed = NULL;
    switch (chr->type) {
    case VK_CHR_PTY:
        allowed = pty_attrs;
        break;
    case VK_CHR_FILE:
        allowed = file_attrs;
        break;
    case VK_CHR_UNIX:
        allowed = unix_attrs;
        break;
    default:
        break;
    }
    if (xu_check_attrs(c, allowed) < 0 || xu_check_empty(c) < 0 ||
        conf_attr_choice(c, "mode", modes, &chr->mode) < 0)
        return -1;
    const char *path = xu_attr(c, "path");
    if (path && (path[0] != '/' || strlen(path) > 4096))
        return xu_err_value(c, "path", path);
    /* A pty's path is the runtime /dev/pts name: status data only. */
    if (path && (chr->type != VK_CHR_PTY || (flags & VK_PARSE_STATUS))) {
        free(chr->path);
        chr->path = vk_strdup(path);
    }
    int append = 0;
    if (xu_attr_yesno(c, "append", "on", "off", &append) < 0)
        return -1;
    if (append) {
        chr->append_given = true;
        chr->append = append == 1;
    }
    return 0;
}

static int parse_target(xmlNodePtr c, struct vk_chr_def *chr, enum chr_kind kind)
{
    static const char *const serial_attrs[] = {"type", "port", NULL};
    static const char *const channel_attrs[] = {"type", "name", "state", NULL};
    static const char *const serial_types[] = {
        "isa-serial",    "usb-serial",  "pci-serial", "spapr-vio-serial",
        "system-serial", "sclp-serial", "isa-debug",  NULL};
    static const char *const console_types[] = {"serial", "virtio", NULL};
    static const char *const channel_types[] = {"virtio", NULL};
    static const char *const models[] = {
        "isa-serial", "usb-serial",  "pci-serial",    "spapr-vty",    "pl011",
        "16550a",     "sclpconsole", "sclplmconsole", "isa-debugcon", NULL};
    static const char *const model_attrs[] = {"name", NULL};
    static const char *const states[] = {"connected", "disconnected", NULL};
    bool err = false;

    if (chr->target_type || chr->target_port >= 0 || chr->target_name)
        return xu_err_dup(c);
    const char *const *types = kind == CHR_SERIAL    ? serial_types
                               : kind == CHR_CONSOLE ? console_types
                                                     : channel_types;
    if (xu_check_attrs(c, kind == CHR_CHANNEL ? channel_attrs : serial_attrs) < 0 ||
        conf_attr_choice(c, "type", types, &chr->target_type) < 0 ||
        xu_attr_int(c, "port", 0, 65535, false, &chr->target_port) < 0)
        return -1;
    if (kind == CHR_CHANNEL) {
        /* state= is what the guest agent reports at run time: libvirt ignores
         * it in configuration, and so do we. */
        int st;
        if (xu_attr_enum(c, "state", states, &st) < 0)
            return -1;
        if (!chr->target_type)
            return xu_err_missing(c, "type");
        const char *name = xu_attr(c, "name");
        if (name) {
            if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789._-") != strlen(name))
                return xu_err_value(c, "name", name);
            chr->target_name = vk_strdup(name);
        }
    }
    for (xmlNodePtr m = xu_first(c, &err); m; m = xu_next(m, &err)) {
        if (kind != CHR_SERIAL || !xu_is(m, "model"))
            return xu_err_elem(m);
        if (chr->target_model)
            return xu_err_dup(m);
        if (xu_check_attrs(m, model_attrs) < 0 || xu_check_empty(m) < 0 ||
            conf_attr_choice(m, "name", models, &chr->target_model) < 0)
            return -1;
        if (!chr->target_model)
            return xu_err_missing(m, "name");
    }
    return err ? -1 : 0;
}

int conf_parse_chr(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"type", "tty", NULL};
    enum chr_kind kind = xu_is(n, "serial")    ? CHR_SERIAL
                         : xu_is(n, "console") ? CHR_CONSOLE
                                               : CHR_CHANNEL;
    struct vk_chr_def *chr = kind == CHR_SERIAL    ? VK_APPEND(def->serials, def->nserials)
                             : kind == CHR_CONSOLE ? VK_APPEND(def->consoles, def->nconsoles)
                                                   : VK_APPEND(def->channels, def->nchannels);
    conf_info_init(&chr->info);
    chr->target_port = -1;
    int type = 0;
    bool err = false, have_source = false, have_target = false;

    if (xu_check_attrs(n, attrs) < 0)
        return -1;
    /* libvirt's other backends (tcp, udp, pipe, ...) are valid XML that
     * virtkit does not run: unsupported, not invalid. */
    const char *t = xu_attr(n, "type");
    if (!t)
        type = VK_CHR_PTY; /* libvirt's default character device */
    else if ((type = xu_lookup(conf_chr_type_names, t)) < 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF, "unsupported %s type '%s'",
                            (const char *)n->name, t);
    chr->type = (enum vk_chr_type)type;
    if (chr->type == VK_CHR_SPICEVMC && kind != CHR_CHANNEL)
        return xu_err_value(n, "type", "spicevmc");
    /* tty= mirrors the pty path of a running domain; runtime data only. */
    const char *tty = xu_attr(n, "tty");
    if (tty && (chr->type != VK_CHR_PTY || tty[0] != '/'))
        return xu_err_value(n, "tty", tty);

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        int r = conf_parse_info_child(c, &chr->info, false, flags);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (xu_is(c, "source")) {
            if (have_source)
                return xu_err_dup(c);
            have_source = true;
            if (parse_source(c, chr, flags) < 0)
                return -1;
        } else if (xu_is(c, "target")) {
            if (have_target)
                return xu_err_dup(c);
            have_target = true;
            if (parse_target(c, chr, kind) < 0)
                return -1;
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (chr->type == VK_CHR_FILE && !chr->path)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing <%s/source path> for a file",
                            (const char *)n->name);
    if (chr->type == VK_CHR_UNIX && !chr->path) {
        /* Only a channel may leave the path to the driver, which then
         * listens on it: mode='bind' is implied, as libvirt writes it. */
        if (kind != CHR_CHANNEL || (chr->mode && strcmp(chr->mode, "bind")))
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "missing <%s/source path> for a unix socket",
                                (const char *)n->name);
        free(chr->mode);
        chr->mode = NULL;
    }
    if (kind == CHR_CHANNEL && !chr->target_type)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing <channel/target type>");
    return 0;
}
