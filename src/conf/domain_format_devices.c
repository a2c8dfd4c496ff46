/* <devices> in libvirt's order: emulator, disk, controller, interface,
 * serial, console, channel, input, graphics, sound, audio, video, redirdev,
 * watchdog, memballoon, rng. */
#include <string.h>

#include "domain_priv.h"
#include "util/vk_buf.h"

static void format_address(struct vk_buf *b, int indent, const struct vk_dev_addr *a)
{
    if (a->type == VK_ADDR_NONE)
        return;
    vk_buf_indent(b, indent);
    vk_buf_addf(b, "<address type='%s'", conf_enum_name(conf_addr_type_names, (int)a->type, "pci"));
    switch (a->type) {
    case VK_ADDR_PCI:
        vk_buf_addf(b, " domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'", a->domain,
                    a->bus, a->slot, a->function);
        if (a->multifunction >= 0)
            vk_buf_addf(b, " multifunction='%s'", a->multifunction ? "on" : "off");
        break;
    case VK_ADDR_DRIVE:
        vk_buf_addf(b, " controller='%d' bus='%d' target='%d' unit='%d'", a->controller, a->bus,
                    a->target, a->unit);
        break;
    case VK_ADDR_VIRTIO_SERIAL:
        vk_buf_addf(b, " controller='%d' bus='%d' port='%d'", a->controller, a->bus, a->port);
        break;
    case VK_ADDR_USB:
        vk_buf_addf(b, " bus='%d'", a->bus);
        conf_attr(b, "port", a->usb_port);
        break;
    case VK_ADDR_ISA:
        if (a->iobase >= 0)
            vk_buf_addf(b, " iobase='0x%x'", a->iobase);
        if (a->irq >= 0)
            vk_buf_addf(b, " irq='0x%x'", a->irq);
        break;
    case VK_ADDR_CCID:
        vk_buf_addf(b, " controller='%d' slot='%d'", a->controller, a->slot);
        break;
    default:
        break;
    }
    vk_buf_adds(b, "/>\n");
}

static void format_alias(struct vk_buf *b, int indent, const char *alias)
{
    if (!alias)
        return;
    vk_buf_indent(b, indent);
    vk_buf_adds(b, "<alias");
    conf_attr(b, "name", alias);
    vk_buf_adds(b, "/>\n");
}

void conf_format_info(struct vk_buf *b, int indent, const struct vk_dev_info *info)
{
    if (info->boot_order > 0) {
        vk_buf_indent(b, indent);
        vk_buf_addf(b, "<boot order='%d'/>\n", info->boot_order);
    }
    format_alias(b, indent, info->alias);
    format_address(b, indent, &info->addr);
}

static bool info_empty(const struct vk_dev_info *info)
{
    return info->boot_order <= 0 && !info->alias && info->addr.type == VK_ADDR_NONE;
}

/* Ends the opening tag: "/>" when nothing follows, ">" otherwise. */
static bool open_end(struct vk_buf *b, bool has_children)
{
    vk_buf_adds(b, has_children ? ">\n" : "/>\n");
    return has_children;
}

static void close_tag(struct vk_buf *b, const char *name)
{
    vk_buf_addf(b, "    </%s>\n", name);
}

static void format_disk(struct vk_buf *b, const struct vk_disk_def *d)
{
    vk_buf_addf(b, "    <disk type='%s' device='%s'>\n",
                conf_enum_name(conf_disk_type_names, (int)d->type, "file"),
                conf_enum_name(conf_disk_device_names, (int)d->device, "disk"));
    if (d->driver_name || d->format || d->cache || d->io || d->discard) {
        vk_buf_adds(b, "      <driver");
        conf_attr(b, "name", d->driver_name);
        conf_attr(b, "type", d->format);
        conf_attr(b, "cache", d->cache);
        conf_attr(b, "io", d->io);
        conf_attr(b, "discard", d->discard);
        vk_buf_adds(b, "/>\n");
    }
    if (d->source) {
        vk_buf_adds(b, "      <source");
        conf_attr(b, d->type == VK_DISK_BLOCK ? "dev" : "file", d->source);
        vk_buf_adds(b, "/>\n");
    }
    vk_buf_adds(b, "      <target");
    conf_attr(b, "dev", d->target_dev);
    if (d->bus)
        conf_attr(b, "bus", conf_enum_name(conf_disk_bus_names, (int)d->bus, NULL));
    vk_buf_adds(b, "/>\n");
    if (d->readonly)
        vk_buf_adds(b, "      <readonly/>\n");
    if (d->shareable)
        vk_buf_adds(b, "      <shareable/>\n");
    conf_text_elem(b, 6, "serial", d->serial);
    conf_format_info(b, 6, &d->info);
    close_tag(b, "disk");
}

static void format_controller(struct vk_buf *b, const struct vk_controller_def *c)
{
    vk_buf_adds(b, "    <controller");
    conf_attr(b, "type", c->type);
    vk_buf_addf(b, " index='%d'", c->index);
    conf_attr(b, "model", c->model);
    if (c->ports >= 0)
        vk_buf_addf(b, " ports='%d'", c->ports);
    if (c->vectors >= 0)
        vk_buf_addf(b, " vectors='%d'", c->vectors);
    if (!open_end(b, c->model_name || c->target_chassis >= 0 || c->target_port >= 0 ||
                         c->master_startport >= 0 || !info_empty(&c->info)))
        return;
    if (c->model_name) {
        vk_buf_adds(b, "      <model");
        conf_attr(b, "name", c->model_name);
        vk_buf_adds(b, "/>\n");
    }
    if (c->target_chassis >= 0 || c->target_port >= 0) {
        vk_buf_adds(b, "      <target");
        if (c->target_chassis >= 0)
            vk_buf_addf(b, " chassis='%d'", c->target_chassis);
        if (c->target_port >= 0)
            vk_buf_addf(b, " port='0x%x'", c->target_port);
        vk_buf_adds(b, "/>\n");
    }
    format_alias(b, 6, c->info.alias);
    if (c->master_startport >= 0)
        vk_buf_addf(b, "      <master startport='%d'/>\n", c->master_startport);
    format_address(b, 6, &c->info.addr);
    close_tag(b, "controller");
}

static void format_net(struct vk_buf *b, const struct vk_net_def *n)
{
    vk_buf_addf(b, "    <interface type='%s'>\n",
                conf_enum_name(conf_net_type_names, (int)n->type, "user"));
    vk_buf_addf(b, "      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n", n->mac[0], n->mac[1],
                n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    if (n->source) {
        vk_buf_adds(b, "      <source");
        conf_attr(b, n->type == VK_NET_NETWORK ? "network" : "bridge", n->source);
        vk_buf_adds(b, "/>\n");
    }
    if (n->target_dev) {
        vk_buf_adds(b, "      <target");
        conf_attr(b, "dev", n->target_dev);
        if (n->target_unmanaged)
            conf_attr(b, "managed", "no");
        vk_buf_adds(b, "/>\n");
    }
    if (n->model) {
        vk_buf_adds(b, "      <model");
        conf_attr(b, "type", n->model);
        vk_buf_adds(b, "/>\n");
    }
    if (n->backend_type) {
        vk_buf_adds(b, "      <backend");
        conf_attr(b, "type", n->backend_type);
        vk_buf_adds(b, "/>\n");
    }
    if (n->mtu)
        vk_buf_addf(b, "      <mtu size='%d'/>\n", n->mtu);
    conf_format_info(b, 6, &n->info);
    close_tag(b, "interface");
}

static void format_chr(struct vk_buf *b, const char *elem, const struct vk_chr_def *c)
{
    vk_buf_addf(b, "    <%s type='%s'", elem,
                conf_enum_name(conf_chr_type_names, (int)c->type, "pty"));
    /* libvirt names a console's pty in tty= too (status/live data) */
    if (c->type == VK_CHR_PTY && c->path && !strcmp(elem, "console"))
        conf_attr(b, "tty", c->path);
    bool has_source = c->path || c->mode || c->append_given;
    bool has_target = c->target_type || c->target_port >= 0 || c->target_name || c->target_model;
    if (!open_end(b, has_source || has_target || !info_empty(&c->info)))
        return;
    if (has_source) {
        vk_buf_adds(b, "      <source");
        conf_attr(b, "mode", c->mode);
        conf_attr(b, "path", c->path);
        if (c->append_given)
            conf_attr(b, "append", c->append ? "on" : "off");
        vk_buf_adds(b, "/>\n");
    }
    if (has_target) {
        vk_buf_adds(b, "      <target");
        conf_attr(b, "type", c->target_type);
        if (c->target_port >= 0)
            vk_buf_addf(b, " port='%d'", c->target_port);
        conf_attr(b, "name", c->target_name);
        if (c->target_model) {
            vk_buf_adds(b, ">\n        <model");
            conf_attr(b, "name", c->target_model);
            vk_buf_adds(b, "/>\n      </target>\n");
        } else {
            vk_buf_adds(b, "/>\n");
        }
    }
    conf_format_info(b, 6, &c->info);
    close_tag(b, elem);
}

static void format_graphics(struct vk_buf *b, const struct vk_graphics_def *g, unsigned flags)
{
    vk_buf_addf(b, "    <graphics type='%s'",
                conf_enum_name(conf_graphics_type_names, (int)g->type, "vnc"));
    if (g->type == VK_GRAPHICS_VNC) {
        /* libvirt's VNC form: port='-1' autoport='yes' for automatic ports,
         * and the port in use in live XML (virsh vncdisplay reads it). */
        bool live = (flags & VK_FORMAT_LIVE) && g->port > 0;
        vk_buf_addf(b, " port='%d' autoport='%s'", g->autoport && !live ? -1 : g->port,
                    g->autoport ? "yes" : "no");
    } else {
        if (g->port > 0 && (!g->autoport || (flags & VK_FORMAT_LIVE)))
            vk_buf_addf(b, " port='%d'", g->port);
        /* with autoport an automatic TLS port is implied, as in libvirt */
        if (g->tls_port > 0 || (g->tls_port == -1 && !g->autoport))
            vk_buf_addf(b, " tlsPort='%d'", g->tls_port);
        if (g->autoport)
            vk_buf_adds(b, " autoport='yes'");
        else if (g->port <= 0)
            vk_buf_adds(b, " autoport='no'"); /* else a re-parse would mean autoport */
    }
    if (g->listen_type && !strcmp(g->listen_type, "address"))
        conf_attr(b, "listen", g->listen);
    conf_attr(b, "keymap", g->keymap);
    if (!(flags & VK_FORMAT_NO_SECURE))
        conf_attr(b, "passwd", g->passwd);
    if (!open_end(b, g->listen_type || g->image_compression))
        return;
    if (g->listen_type) {
        vk_buf_adds(b, "      <listen");
        conf_attr(b, "type", g->listen_type);
        if (!strcmp(g->listen_type, "address"))
            conf_attr(b, "address", g->listen);
        vk_buf_adds(b, "/>\n");
    }
    if (g->image_compression) {
        vk_buf_adds(b, "      <image");
        conf_attr(b, "compression", g->image_compression);
        vk_buf_adds(b, "/>\n");
    }
    close_tag(b, "graphics");
}

static void format_video(struct vk_buf *b, const struct vk_video_def *v)
{
    vk_buf_adds(b, "    <video");
    if (!open_end(b, v->model || !info_empty(&v->info)))
        return;
    if (v->model) {
        vk_buf_adds(b, "      <model");
        conf_attr(b, "type", v->model);
        if (v->ram)
            vk_buf_addf(b, " ram='%d'", v->ram);
        if (v->vram)
            vk_buf_addf(b, " vram='%d'", v->vram);
        if (v->vgamem)
            vk_buf_addf(b, " vgamem='%d'", v->vgamem);
        if (v->heads)
            vk_buf_addf(b, " heads='%d'", v->heads);
        if (v->primary)
            vk_buf_adds(b, " primary='yes'");
        vk_buf_adds(b, "/>\n");
    }
    conf_format_info(b, 6, &v->info);
    close_tag(b, "video");
}

/* An element with attributes already written, then only alias/address. */
static void finish_simple(struct vk_buf *b, const char *elem, const struct vk_dev_info *info)
{
    if (!open_end(b, !info_empty(info)))
        return;
    conf_format_info(b, 6, info);
    close_tag(b, elem);
}

static void format_memballoon(struct vk_buf *b, const struct vk_memballoon_def *mb)
{
    if (!mb->present)
        return;
    vk_buf_adds(b, "    <memballoon");
    conf_attr(b, "model", mb->model);
    if (mb->autodeflate_given)
        conf_attr(b, "autodeflate", mb->autodeflate ? "on" : "off");
    if (!open_end(b, mb->period >= 0 || !info_empty(&mb->info)))
        return;
    if (mb->period >= 0)
        vk_buf_addf(b, "      <stats period='%d'/>\n", mb->period);
    conf_format_info(b, 6, &mb->info);
    close_tag(b, "memballoon");
}

static void format_rng(struct vk_buf *b, const struct vk_rng_def *r)
{
    vk_buf_adds(b, "    <rng");
    conf_attr(b, "model", r->model);
    vk_buf_adds(b, ">\n");
    if (r->rate_bytes) {
        vk_buf_addf(b, "      <rate bytes='%d'", r->rate_bytes);
        if (r->rate_period)
            vk_buf_addf(b, " period='%d'", r->rate_period);
        vk_buf_adds(b, "/>\n");
    }
    vk_buf_adds(b, "      <backend");
    conf_attr(b, "model", r->backend_model ? r->backend_model : "random");
    if (r->backend) {
        vk_buf_adds(b, ">");
        conf_escape(b, r->backend, false);
        vk_buf_adds(b, "</backend>\n");
    } else {
        vk_buf_adds(b, "/>\n");
    }
    conf_format_info(b, 6, &r->info);
    close_tag(b, "rng");
}

void conf_format_devices(struct vk_buf *b, const struct vk_domain_def *def, unsigned flags)
{
    vk_buf_adds(b, "  <devices>\n");
    conf_text_elem(b, 4, "emulator", def->emulator);
    for (size_t i = 0; i < def->ndisks; i++)
        format_disk(b, &def->disks[i]);
    for (size_t i = 0; i < def->ncontrollers; i++)
        format_controller(b, &def->controllers[i]);
    for (size_t i = 0; i < def->nnets; i++)
        format_net(b, &def->nets[i]);
    for (size_t i = 0; i < def->nserials; i++)
        format_chr(b, "serial", &def->serials[i]);
    for (size_t i = 0; i < def->nconsoles; i++)
        format_chr(b, "console", &def->consoles[i]);
    for (size_t i = 0; i < def->nchannels; i++)
        format_chr(b, "channel", &def->channels[i]);
    for (size_t i = 0; i < def->ninputs; i++) {
        vk_buf_adds(b, "    <input");
        conf_attr(b, "type", def->inputs[i].type);
        conf_attr(b, "bus", def->inputs[i].bus);
        finish_simple(b, "input", &def->inputs[i].info);
    }
    for (size_t i = 0; i < def->ngraphics; i++)
        format_graphics(b, &def->graphics[i], flags);
    for (size_t i = 0; i < def->nsounds; i++) {
        vk_buf_adds(b, "    <sound");
        conf_attr(b, "model", def->sounds[i].model);
        finish_simple(b, "sound", &def->sounds[i].info);
    }
    for (size_t i = 0; i < def->naudios; i++) {
        vk_buf_addf(b, "    <audio id='%d'", def->audios[i].id);
        conf_attr(b, "type", def->audios[i].type);
        vk_buf_adds(b, "/>\n");
    }
    for (size_t i = 0; i < def->nvideos; i++)
        format_video(b, &def->videos[i]);
    for (size_t i = 0; i < def->nredirdevs; i++) {
        vk_buf_adds(b, "    <redirdev");
        conf_attr(b, "bus", def->redirdevs[i].bus);
        conf_attr(b, "type",
                  conf_enum_name(conf_chr_type_names, (int)def->redirdevs[i].type, "spicevmc"));
        finish_simple(b, "redirdev", &def->redirdevs[i].info);
    }
    for (size_t i = 0; i < def->nwatchdogs; i++) {
        vk_buf_adds(b, "    <watchdog");
        conf_attr(b, "model", def->watchdogs[i].model);
        conf_attr(b, "action", def->watchdogs[i].action);
        finish_simple(b, "watchdog", &def->watchdogs[i].info);
    }
    format_memballoon(b, &def->memballoon);
    for (size_t i = 0; i < def->nrngs; i++)
        format_rng(b, &def->rngs[i]);
    for (size_t i = 0; i < def->npanics; i++) {
        vk_buf_adds(b, "    <panic");
        conf_attr(b, "model", def->panics[i].model);
        finish_simple(b, "panic", &def->panics[i].info);
    }
    vk_buf_adds(b, "  </devices>\n");
}
