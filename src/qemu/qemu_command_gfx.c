/* What the user sees and hears: inputs, the audio backend, VNC/SPICE,
 * video adapters and sound cards. */
#include <stdio.h>
#include <string.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int vk_cmd_build_inputs(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (size_t i = 0; i < def->ninputs; i++) {
        const struct vk_input_def *in = &def->inputs[i];
        const char *bus = vk_input_bus(in), *t = in->type ? in->type : "";
        const char *drv = NULL;
        char id[64];
        int r;
        if (!streq(t, "tablet") && !streq(t, "mouse") && !streq(t, "keyboard"))
            return vk_cmd_unsupported(c, "input type '%s' is not supported", t);
        if (streq(bus, "ps2")) {
            /* i8042 is built into pc and q35: mouse and keyboard are implicit. */
            if (streq(t, "tablet"))
                return vk_cmd_unsupported(c, "input type 'tablet' cannot be on bus 'ps2'");
            continue;
        }
        if (vk_cmd_dev_id(c, &in->info, id, sizeof(id), "input%zu", i) < 0)
            return -1;
        if (streq(bus, "usb"))
            drv = streq(t, "tablet") ? "usb-tablet" : streq(t, "mouse") ? "usb-mouse" : "usb-kbd";
        else if (streq(bus, "virtio"))
            drv = streq(t, "tablet")  ? "virtio-tablet-pci"
                  : streq(t, "mouse") ? "virtio-mouse-pci"
                                      : "virtio-keyboard-pci";
        else
            return vk_cmd_unsupported(c, "input bus '%s' is not supported", bus);
        struct json_object *o = vk_jdev(drv, id);
        if (streq(bus, "usb"))
            r = vk_cmd_add_usb_addr(c, o, in, &in->info);
        else
            r = vk_cmd_add_pci_addr(c, o, in);
        if (r < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
    }
    return 0;
}

int vk_cmd_build_audio(struct vk_cmd *c)
{
    static const struct {
        const char *xml, *qemu;
    } map[] = {
        {"none", "none"}, {"alsa", "alsa"},   {"oss", "oss"},   {"pulseaudio", "pa"}, {"pa", "pa"},
        {"sdl", "sdl"},   {"spice", "spice"}, {"jack", "jack"}, {"file", "wav"},
    };
    const struct vk_domain_def *def = c->def;
    /* QEMU's implicit audio backend would depend on the environment:
     * always name one, "none" by default, as libvirt does. */
    if (def->naudios == 0) {
        /* libvirt's default: audio over SPICE when there is SPICE. */
        bool spice = false;
        for (size_t i = 0; i < def->ngraphics; i++)
            spice |= def->graphics[i].type == VK_GRAPHICS_SPICE;
        struct json_object *o = json_object_new_object();
        vk_js(o, "id", "audio1");
        vk_js(o, "driver", spice ? "spice" : "none");
        vk_cmd_add_json(c, "-audiodev", o);
        return 0;
    }
    for (size_t i = 0; i < def->naudios; i++) {
        const struct vk_audio_def *a = &def->audios[i];
        const char *drv = NULL;
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            if (streq(a->type, map[k].xml))
                drv = map[k].qemu;
        if (!drv)
            return vk_cmd_unsupported(c, "audio type '%s' is not supported",
                                      a->type ? a->type : "");
        if (a->id < 1)
            return vk_cmd_unsupported(c, "audio %zu: id must be 1 or more", i);
        char id[32];
        snprintf(id, sizeof(id), "audio%d", a->id);
        struct json_object *o = json_object_new_object();
        vk_js(o, "id", id);
        vk_js(o, "driver", drv);
        vk_cmd_add_json(c, "-audiodev", o);
    }
    return 0;
}

static void add_listen(struct vk_buf *b, const char *addr)
{
    if (strchr(addr, ':'))
        vk_buf_addf(b, "[%s]", addr);
    else
        vk_buf_adds(b, addr);
}

static int graphics_port(struct vk_cmd *c, const struct vk_graphics_def *g, int ctx_port,
                         const char *what)
{
    int port = g->autoport || g->port < 0 ? (ctx_port > 0 ? ctx_port : 5900) : g->port;
    if (port < 5900 || port > 65535)
        return vk_cmd_unsupported(c, "%s port %d is out of range (5900-65535)", what, port);
    return port;
}

static int vnc(struct vk_cmd *c, const struct vk_graphics_def *g)
{
    struct vk_buf b = VK_BUF_INIT;
    const char *lt = g->listen_type ? g->listen_type : "address";
    if (streq(lt, "none")) {
        vk_buf_adds(&b, "none");
    } else if (streq(lt, "socket")) {
        if (!c->ctx->run_dir)
            return vk_cmd_unsupported(c, "VNC listen type 'socket' needs a runtime directory");
        vk_buf_adds(&b, "unix:");
        vk_buf_add_qemu_escaped(&b, c->ctx->run_dir);
        vk_buf_adds(&b, "/vnc.sock");
    } else if (streq(lt, "address")) {
        int port = graphics_port(c, g, c->ctx->vnc_port, "VNC");
        if (port < 0)
            return -1;
        const char *addr = g->listen ? g->listen : "127.0.0.1";
        if (strpbrk(addr, ",[] "))
            return vk_cmd_unsupported(c, "VNC listen address '%s' is not an address", addr);
        add_listen(&b, addr);
        vk_buf_addf(&b, ":%d", port - 5900);
    } else {
        return vk_cmd_unsupported(c, "VNC listen type '%s' is not supported", lt);
    }
    if (g->passwd)
        vk_buf_adds(&b, ",password=on");
    vk_buf_addf(&b, ",audiodev=%s", c->audio_id);
    vk_cmd_add(c, "-vnc");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

static int spice(struct vk_cmd *c, const struct vk_graphics_def *g)
{
    struct vk_buf b = VK_BUF_INIT;
    const char *lt = g->listen_type ? g->listen_type : "address";
    if (streq(lt, "socket")) {
        if (!c->ctx->run_dir)
            return vk_cmd_unsupported(c, "SPICE listen type 'socket' needs a runtime directory");
        vk_buf_adds(&b, "unix=on,addr=");
        vk_buf_add_qemu_escaped(&b, c->ctx->run_dir);
        vk_buf_adds(&b, "/spice.sock");
    } else if (streq(lt, "address")) {
        /* Without a port from the driver, keep clear of an autoport VNC. */
        int want = c->ctx->spice_port;
        for (size_t i = 0; want <= 0 && i < c->def->ngraphics; i++)
            if (c->def->graphics[i].type == VK_GRAPHICS_VNC &&
                (c->def->graphics[i].autoport || c->def->graphics[i].port < 0))
                want = (c->ctx->vnc_port > 0 ? c->ctx->vnc_port : 5900) + 1;
        int port = graphics_port(c, g, want, "SPICE");
        if (port < 0)
            return -1;
        const char *addr = g->listen ? g->listen : "127.0.0.1";
        if (strpbrk(addr, ",[] "))
            return vk_cmd_unsupported(c, "SPICE listen address '%s' is not an address", addr);
        vk_buf_addf(&b, "port=%d,addr=%s", port, addr);
    } else {
        return vk_cmd_unsupported(c, "SPICE listen type '%s' is not supported", lt);
    }
    /* tlsPort='-1' (automatic, what virt-install writes) means TLS if the host
     * has it configured; like libvirt without spice_tls, we have none. */
    if (g->tls_port > 0)
        return vk_buf_free(&b), vk_cmd_unsupported(c, "SPICE tlsPort needs TLS certificates, "
                                                      "not supported");
    /* With a password the driver sets it over QMP; without one, no tickets. */
    if (!g->passwd)
        vk_buf_adds(&b, ",disable-ticketing=on");
    if (g->image_compression) {
        static const char *const ok[] = {"auto_glz", "auto_lz", "quic", "glz", "lz", "off"};
        bool found = false;
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
            found |= streq(g->image_compression, ok[i]);
        if (!found)
            return vk_buf_free(&b), vk_cmd_unsupported(c,
                                                       "SPICE image compression '%s' is not "
                                                       "supported",
                                                       g->image_compression);
        vk_buf_addf(&b, ",image-compression=%s", g->image_compression);
    }
    vk_buf_adds(&b, ",seamless-migration=on");
    vk_cmd_add(c, "-spice");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

int vk_cmd_build_graphics(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    int nvnc = 0, nspice = 0;
    for (size_t i = 0; i < def->ngraphics; i++) {
        const struct vk_graphics_def *g = &def->graphics[i];
        if (g->keymap && (strpbrk(g->keymap, ", ") || !*g->keymap))
            return vk_cmd_unsupported(c, "graphics keymap '%s' is not a keymap name", g->keymap);
        if (g->type == VK_GRAPHICS_VNC) {
            if (nvnc++)
                return vk_cmd_unsupported(c, "more than one VNC graphics");
            if (g->tls_port > 0 || g->image_compression)
                return vk_cmd_unsupported(c, "VNC graphics with SPICE settings (tlsPort, image "
                                             "compression)");
            if (vnc(c, g) < 0)
                return -1;
        } else if (g->type == VK_GRAPHICS_SPICE) {
            if (nspice++)
                return vk_cmd_unsupported(c, "more than one SPICE graphics");
            if (spice(c, g) < 0)
                return -1;
        } else {
            return vk_cmd_unsupported(c, "graphics type is not supported");
        }
        if (g->keymap)
            vk_cmd_add2(c, "-k", g->keymap);
    }
    return 0;
}

int vk_cmd_build_videos(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    long primary = vk_cmd_primary_video(c);
    for (size_t i = 0; i < def->nvideos; i++) {
        const struct vk_video_def *v = &def->videos[i];
        if (streq(v->model, "none")) {
            if (def->nvideos > 1)
                return vk_cmd_unsupported(c, "video model 'none' must be the only video");
            continue;
        }
        const char *drv = vk_qemu_video_model(v, (long)i == primary);
        char id[64];
        if (vk_cmd_dev_id(c, &v->info, id, sizeof(id), "video%zu", i) < 0)
            return -1;
        struct json_object *o = vk_jdev(drv, id);
        if (streq(v->model, "qxl")) {
            vk_ji(o, "max_outputs", v->heads > 0 ? v->heads : 1);
            vk_ji(o, "ram_size", (long long)(v->ram > 0 ? v->ram : 65536) * 1024);
            vk_ji(o, "vram_size", (long long)(v->vram > 0 ? v->vram : 65536) * 1024);
            vk_ji(o, "vram64_size_mb", 0);
            if ((long)i == primary)
                vk_ji(o, "vgamem_mb", (v->vgamem > 0 ? v->vgamem : 16384) / 1024);
        } else if (streq(v->model, "virtio")) {
            vk_ji(o, "max_outputs", v->heads > 0 ? v->heads : 1);
        } else if (streq(v->model, "vga") && v->vgamem > 0) {
            vk_ji(o, "vgamem_mb", v->vgamem / 1024);
        } else if (streq(v->model, "bochs") && v->vgamem > 0) {
            vk_ji(o, "vgamem", (long long)v->vgamem * 1024);
        }
        if (vk_cmd_add_pci_addr(c, o, v) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
    }
    return 0;
}

int vk_cmd_build_sounds(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (size_t i = 0; i < def->nsounds; i++) {
        const struct vk_sound_def *s = &def->sounds[i];
        const char *drv = vk_qemu_sound_model(s);
        char id[64];
        if (streq(drv, "pcspk")) {
            if (s->info.addr.type != VK_ADDR_NONE)
                return vk_cmd_unsupported(c, "sound 'pcspk' is the machine's speaker: it "
                                             "takes no address");
            continue; /* on the -machine line */
        }
        int r = 0;
        if (vk_cmd_dev_id(c, &s->info, id, sizeof(id), "sound%zu", i) < 0)
            return -1;
        struct json_object *o = vk_jdev(drv, id);
        bool hda = streq(drv, "intel-hda") || streq(drv, "ich9-intel-hda");
        if (!hda)
            vk_js(o, "audiodev", c->audio_id);
        if (streq(drv, "usb-audio")) {
            vk_jb(o, "multi", true);
            r = vk_cmd_add_usb_addr(c, o, s, &s->info);
        } else if (streq(drv, "sb16")) {
            r = vk_cmd_add_isa_addr(c, o, &s->info, true, "sound sb16");
        } else {
            r = vk_cmd_add_pci_addr(c, o, s);
        }
        if (r < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
        if (hda) {
            char cid[80], bus[72];
            snprintf(cid, sizeof(cid), "%s-codec0", id);
            snprintf(bus, sizeof(bus), "%s.0", id);
            struct json_object *codec = vk_jdev("hda-duplex", cid);
            vk_js(codec, "bus", bus);
            vk_ji(codec, "cad", 0);
            vk_js(codec, "audiodev", c->audio_id);
            vk_cmd_add_json(c, "-device", codec);
        }
    }
    return 0;
}
