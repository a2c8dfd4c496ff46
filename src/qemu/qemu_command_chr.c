/* Character devices: serial ports, consoles and virtio-serial channels,
 * each a -chardev backend (charserialN, charconsoleN, charchannelN) and a
 * -device frontend. A <console> of target type serial is the first serial
 * port itself (libvirt lists it twice), so it adds nothing unless the def
 * has no <serial>. */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

#define VSERIAL_MAX_CTRL 8
#define VSERIAL_MAX_PORT 32

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

struct vports {
    unsigned char used[VSERIAL_MAX_CTRL][VSERIAL_MAX_PORT];
};

static bool has_spice(const struct vk_cmd *c)
{
    for (size_t i = 0; i < c->def->ngraphics; i++)
        if (c->def->graphics[i].type == VK_GRAPHICS_SPICE)
            return true;
    return false;
}

/* The -chardev argument for chr with id; what names it in errors. */
static int chardev(struct vk_cmd *c, const struct vk_chr_def *chr, const char *id, const char *what,
                   const char *spice_name)
{
    struct vk_buf b = VK_BUF_INIT;
    switch (chr->type) {
    case VK_CHR_PTY:
        vk_buf_addf(&b, "pty,id=%s", id);
        break;
    case VK_CHR_NULL:
        vk_buf_addf(&b, "null,id=%s", id);
        break;
    case VK_CHR_FILE:
        if (!chr->path)
            return vk_cmd_unsupported(c, "%s: type 'file' needs a source path", what);
        vk_buf_addf(&b, "file,id=%s,path=", id);
        vk_buf_add_qemu_escaped(&b, chr->path);
        if (chr->append_given)
            vk_buf_addf(&b, ",append=%s", chr->append ? "on" : "off");
        break;
    case VK_CHR_UNIX: {
        vk_autofree char *path = NULL;
        if (chr->path) {
            path = vk_strdup(chr->path);
        } else if (c->ctx->run_dir && chr->target_name) {
            /* Documented in qemu_command.h: the driver connects here. */
            path = vk_asprintf("%s/%s", c->ctx->run_dir, chr->target_name);
        } else {
            return vk_cmd_unsupported(c, "%s: type 'unix' needs a source path", what);
        }
        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
            return vk_cmd_unsupported(c, "%s: socket path '%s' is longer than %zu bytes", what,
                                      path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        vk_buf_addf(&b, "socket,id=%s,path=", id);
        vk_buf_add_qemu_escaped(&b, path);
        if (!chr->mode || streq(chr->mode, "bind"))
            vk_buf_adds(&b, ",server=on,wait=off");
        else if (!streq(chr->mode, "connect"))
            return vk_buf_free(&b), vk_cmd_unsupported(c,
                                                       "%s: source mode '%s' is not "
                                                       "supported",
                                                       what, chr->mode);
        break;
    }
    case VK_CHR_SPICEVMC:
        if (!spice_name)
            return vk_cmd_unsupported(c, "%s: type 'spicevmc' only fits a channel", what);
        if (!has_spice(c))
            return vk_cmd_unsupported(c, "%s: type 'spicevmc' needs SPICE graphics", what);
        vk_buf_addf(&b, "spicevmc,id=%s,name=%s", id, spice_name);
        break;
    case VK_CHR_STDIO:
        return vk_cmd_unsupported(c, "%s: type 'stdio' is not available for a daemon-run QEMU",
                                  what);
    default:
        return vk_cmd_unsupported(c, "%s: character device type is not supported", what);
    }
    vk_cmd_add(c, "-chardev");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

static int serial_device(struct vk_cmd *c, const struct vk_chr_def *chr, size_t i)
{
    char id[64], chid[72], what[48];
    snprintf(what, sizeof(what), "serial %zu", i);
    if (vk_cmd_dev_id(c, &chr->info, id, sizeof(id), "serial%zu", i) < 0)
        return -1;
    snprintf(chid, sizeof(chid), "char%s", id);
    const char *tt = chr->target_type ? chr->target_type : "isa-serial";
    if (streq(tt, "serial")) /* a console's target type for the same port */
        tt = "isa-serial";
    if (chr->target_model && !streq(chr->target_model, tt))
        return vk_cmd_unsupported(c, "%s: target model '%s' does not fit target type '%s'", what,
                                  chr->target_model, tt);
    if (!streq(tt, "isa-serial") && !streq(tt, "pci-serial") && !streq(tt, "usb-serial"))
        return vk_cmd_unsupported(c, "%s: target type '%s' is not supported", what, tt);
    int port = chr->target_port >= 0 ? chr->target_port : (int)i;
    if (streq(tt, "isa-serial") && port > 3)
        return vk_cmd_unsupported(c, "%s: ISA serial port %d does not exist (0-3)", what, port);
    if (chardev(c, chr, chid, what, NULL) < 0)
        return -1;
    struct json_object *o = vk_jdev(tt, NULL);
    vk_js(o, "chardev", chid);
    vk_js(o, "id", id);
    int r = 0;
    if (streq(tt, "isa-serial")) {
        vk_ji(o, "index", port);
        r = vk_cmd_add_isa_addr(c, o, &chr->info, true, what);
    } else if (streq(tt, "pci-serial"))
        r = vk_cmd_add_pci_addr(c, o, chr);
    else
        r = vk_cmd_add_usb_addr(c, o, chr, &chr->info);
    if (r < 0) {
        json_object_put(o);
        return -1;
    }
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

/* Ports already taken by explicit virtio-serial addresses. */
static int reserve_vports(struct vk_cmd *c, struct vports *vp)
{
    const struct vk_domain_def *def = c->def;
    const struct vk_chr_def *lists[2] = {def->channels, def->consoles};
    size_t counts[2] = {def->nchannels, def->nconsoles};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            const struct vk_dev_addr *a = &lists[l][i].info.addr;
            if (a->type != VK_ADDR_VIRTIO_SERIAL || a->port < 0)
                continue;
            int ctl = a->controller < 0 ? 0 : a->controller;
            if (ctl >= VSERIAL_MAX_CTRL || a->port >= VSERIAL_MAX_PORT || a->bus > 0)
                return vk_cmd_unsupported(c, "virtio-serial address %d.%d.%d is out of range", ctl,
                                          a->bus, a->port);
            if (vp->used[ctl][a->port])
                return vk_cmd_unsupported(c, "virtio-serial port %d.%d is used twice", ctl,
                                          a->port);
            vp->used[ctl][a->port] = 1;
        }
    return 0;
}

static bool vserial_exists(const struct vk_cmd *c, int idx)
{
    if (idx == 0 && c->vserial_auto)
        return true;
    for (size_t i = 0; i < c->def->ncontrollers; i++)
        if (streq(c->def->controllers[i].type, "virtio-serial") &&
            c->def->controllers[i].index == idx)
            return true;
    return false;
}

/* Adds bus and nr for a port on a virtio-serial controller. */
static int vport_addr(struct vk_cmd *c, struct vports *vp, struct json_object *o,
                      const struct vk_chr_def *chr, int first, const char *what)
{
    const struct vk_dev_addr *a = &chr->info.addr;
    int ctl = 0, port = -1;
    if (a->type == VK_ADDR_VIRTIO_SERIAL) {
        ctl = a->controller < 0 ? 0 : a->controller;
        port = a->port;
    } else if (a->type != VK_ADDR_NONE) {
        return vk_cmd_unsupported(c, "%s needs a virtio-serial address", what);
    }
    if (ctl >= VSERIAL_MAX_CTRL || !vserial_exists(c, ctl))
        return vk_cmd_unsupported(c, "%s: virtio-serial controller %d does not exist", what, ctl);
    if (port < 0) {
        for (int p = first; p < VSERIAL_MAX_PORT; p++)
            if (!vp->used[ctl][p]) {
                port = p;
                break;
            }
        if (port < 0)
            return vk_cmd_unsupported(c, "%s: no free virtio-serial port", what);
        vp->used[ctl][port] = 1;
    }
    char bus[40];
    snprintf(bus, sizeof(bus), "virtio-serial%d.0", ctl);
    vk_js(o, "bus", bus);
    vk_ji(o, "nr", port);
    return 0;
}

int vk_cmd_build_chardevs(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    struct vports vp = {0};
    if (reserve_vports(c, &vp) < 0)
        return -1;
    for (size_t i = 0; i < def->nserials; i++)
        if (serial_device(c, &def->serials[i], i) < 0)
            return -1;
    /* A serial console without a <serial> is serial0 itself. */
    if (def->nserials == 0 && def->nconsoles > 0 &&
        (!def->consoles[0].target_type || streq(def->consoles[0].target_type, "serial")) &&
        serial_device(c, &def->consoles[0], 0) < 0)
        return -1;

    for (size_t i = 0; i < def->nchannels; i++) {
        const struct vk_chr_def *ch = &def->channels[i];
        char id[64], chid[72], what[48];
        snprintf(what, sizeof(what), "channel %zu", i);
        if (vk_cmd_dev_id(c, &ch->info, id, sizeof(id), "channel%zu", i) < 0)
            return -1;
        snprintf(chid, sizeof(chid), "char%s", id);
        if (ch->target_type && !streq(ch->target_type, "virtio"))
            return vk_cmd_unsupported(c, "%s: target type '%s' is not supported", what,
                                      ch->target_type);
        if (ch->target_name && (strchr(ch->target_name, '/') || streq(ch->target_name, "..")))
            return vk_cmd_unsupported(c, "%s: target name '%s' is not a port name", what,
                                      ch->target_name);
        const char *spice = streq(ch->target_name, "com.redhat.spice.0") ? "vdagent" : NULL;
        if (ch->type == VK_CHR_SPICEVMC && !spice)
            return vk_cmd_unsupported(c, "%s: spicevmc needs target name com.redhat.spice.0", what);
        if (chardev(c, ch, chid, what, spice) < 0)
            return -1;
        struct json_object *o = vk_jdev("virtserialport", NULL);
        if (vport_addr(c, &vp, o, ch, 1, what) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_js(o, "chardev", chid);
        vk_js(o, "id", id);
        if (ch->target_name)
            vk_js(o, "name", ch->target_name);
        vk_cmd_add_json(c, "-device", o);
    }

    for (size_t i = 0; i < def->nconsoles; i++) {
        const struct vk_chr_def *con = &def->consoles[i];
        const char *tt = con->target_type ? con->target_type : "serial";
        char id[64], chid[72], what[48];
        snprintf(what, sizeof(what), "console %zu", i);
        if (streq(tt, "serial")) {
            if (i == 0)
                continue; /* the same device as serial0, emitted above */
            return vk_cmd_unsupported(c, "%s: a second serial console needs its own <serial>",
                                      what);
        }
        if (!streq(tt, "virtio"))
            return vk_cmd_unsupported(c, "%s: target type '%s' is not supported", what, tt);
        if (vk_cmd_dev_id(c, &con->info, id, sizeof(id), "console%zu", i) < 0)
            return -1;
        snprintf(chid, sizeof(chid), "char%s", id);
        if (chardev(c, con, chid, what, NULL) < 0)
            return -1;
        struct json_object *o = vk_jdev("virtconsole", NULL);
        if (vport_addr(c, &vp, o, con, 0, what) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_js(o, "chardev", chid);
        vk_js(o, "id", id);
        vk_cmd_add_json(c, "-device", o);
    }
    return 0;
}
