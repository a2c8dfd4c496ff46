/* The remaining devices: <graphics>, <video>, <input>, <sound>, <audio>,
 * <memballoon>, <rng>, <watchdog>. */
#include <string.h>

#include "domain_parse_dev.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "xml_util.h"

/* From c on, the next child element that is not <alias>/<address> (those
 * go to info). NULL at the end or on error (*err set). */
static xmlNodePtr own_child(xmlNodePtr c, struct vk_dev_info *info, unsigned flags, bool *err)
{
    for (; c; c = xu_next(c, err)) {
        int r = conf_parse_info_child(c, info, false, flags);
        if (r < 0) {
            *err = true;
            return NULL;
        }
        if (r == 0)
            return c;
    }
    return NULL;
}

#define FOR_OWN_CHILDREN(c, n, info, flags, err)                                                   \
    for (xmlNodePtr c = own_child(xu_first((n), &(err)), (info), (flags), &(err)); c;              \
         c = own_child(xu_next(c, &(err)), (info), (flags), &(err)))

static int parse_graphics(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const vnc_attrs[] = {"type",   "port",   "autoport", "listen",
                                            "passwd", "keymap", NULL};
    static const char *const spice_attrs[] = {"type",   "port",   "tlsPort", "autoport",
                                              "listen", "passwd", "keymap",  NULL};
    static const char *const image_attrs[] = {"compression", NULL};
    static const char *const compressions[] = {"auto_glz", "auto_lz", "quic", "glz",
                                               "lz",       "off",     NULL};
    static const char *const listen_attrs[] = {"type", "address", NULL};
    static const char *const listen_types[] = {"address", "none", "socket", NULL};
    struct vk_graphics_def *g = VK_APPEND(def->graphics, def->ngraphics);
    int type = 0, autoport = 0;
    bool err = false, have_listen = false;

    if (xu_attr_enum(n, "type", conf_graphics_type_names, &type) < 0 ||
        xu_check_attrs(n, type == VK_GRAPHICS_SPICE ? spice_attrs : vnc_attrs) < 0)
        return -1;
    if (!type) {
        const char *t = xu_attr(n, "type");
        if (t)
            return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                                "unsupported graphics type '%s'", t);
        return xu_err_missing(n, "type");
    }
    g->type = (enum vk_graphics_type)type;
    g->port = -1;
    if (xu_attr_int(n, "port", -1, 65535, false, &g->port) < 0 ||
        xu_attr_int(n, "tlsPort", -1, 65535, false, &g->tls_port) < 0 ||
        xu_attr_yesno(n, "autoport", "yes", "no", &autoport) < 0)
        return -1;
    /* port='-1' is libvirt's old spelling of autoport; with neither given
     * a port is picked automatically. */
    g->autoport = autoport == 1 || (autoport == 0 && g->port <= 0);
    /* A live document carries the port picked for autoport: status only. */
    if (g->autoport && (!(flags & VK_PARSE_STATUS) || g->port <= 0))
        g->port = -1;
    if (!g->autoport && g->port > 0 && g->port < 5900 && g->type == VK_GRAPHICS_VNC)
        return xu_err_value(n, "port", xu_attr(n, "port"));
    xu_attr_dup(n, "passwd", &g->passwd);
    xu_attr_dup(n, "keymap", &g->keymap);
    const char *listen = xu_attr(n, "listen");
    if (listen && *listen) {
        g->listen = vk_strdup(listen);
        g->listen_type = vk_strdup("address");
    }

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        if (g->type == VK_GRAPHICS_SPICE && xu_is(c, "image")) {
            if (g->image_compression)
                return xu_err_dup(c);
            if (xu_check_attrs(c, image_attrs) < 0 || xu_check_empty(c) < 0 ||
                conf_attr_choice(c, "compression", compressions, &g->image_compression) < 0)
                return -1;
            if (!g->image_compression)
                return xu_err_missing(c, "compression");
            continue;
        }
        if (!xu_is(c, "listen"))
            return xu_err_elem(c);
        if (have_listen)
            return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                                "only one <graphics/listen> is supported");
        have_listen = true;
        char *ltype = NULL;
        if (xu_check_attrs(c, listen_attrs) < 0 || xu_check_empty(c) < 0 ||
            conf_attr_choice(c, "type", listen_types, &ltype) < 0)
            return -1;
        if (!ltype)
            return xu_err_missing(c, "type");
        free(g->listen_type);
        g->listen_type = ltype;
        const char *addr = xu_attr(c, "address");
        if (addr && strcmp(ltype, "address")) {
            return xu_err_attr(c, "address");
        } else if (addr && *addr) {
            if (g->listen && strcmp(g->listen, addr))
                return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                    "<graphics listen='%s'> does not match its "
                                    "<listen address='%s'>",
                                    g->listen, addr);
            free(g->listen);
            g->listen = vk_strdup(addr);
        } else if (strcmp(ltype, "address") && g->listen) {
            return xu_err_value(c, "type", ltype);
        }
    }
    return err ? -1 : 0;
}

static int parse_video(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const model_attrs[] = {"type",  "vram",    "ram", "vgamem",
                                              "heads", "primary", NULL};
    static const char *const models[] = {"vga",   "cirrus",    "vmvga",  "xen", "vbox",
                                         "qxl",   "parallels", "virtio", "gop", "none",
                                         "bochs", "ramfb",     NULL};
    struct vk_video_def *v = VK_APPEND(def->videos, def->nvideos);
    conf_info_init(&v->info);
    bool err = false, have_model = false;
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    FOR_OWN_CHILDREN(c, n, &v->info, flags, err)
    {
        if (!xu_is(c, "model"))
            return xu_err_elem(c);
        if (have_model)
            return xu_err_dup(c);
        have_model = true;
        int primary = 0;
        if (xu_check_attrs(c, model_attrs) < 0 || xu_check_empty(c) < 0 ||
            conf_attr_choice(c, "type", models, &v->model) < 0 ||
            xu_attr_int(c, "vram", 0, 1 << 30, false, &v->vram) < 0 ||
            xu_attr_int(c, "ram", 0, 1 << 30, false, &v->ram) < 0 ||
            xu_attr_int(c, "vgamem", 0, 1 << 30, false, &v->vgamem) < 0 ||
            xu_attr_int(c, "heads", 1, 64, false, &v->heads) < 0 ||
            xu_attr_yesno(c, "primary", "yes", "no", &primary) < 0)
            return -1;
        if (!v->model)
            return xu_err_missing(c, "type");
        v->primary = primary == 1;
    }
    return err ? -1 : 0;
}

/* Devices whose element has only attributes plus <alias>/<address>. */
static int parse_simple(xmlNodePtr n, struct vk_dev_info *info, unsigned flags,
                        const char *const *attrs)
{
    bool err = false;
    conf_info_init(info);
    if (xu_check_attrs(n, attrs) < 0)
        return -1;
    FOR_OWN_CHILDREN(c, n, info, flags, err)
    {
        return xu_err_elem(c);
    }
    return err ? -1 : 0;
}

static int parse_input(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"type", "bus", NULL};
    static const char *const types[] = {"mouse", "tablet", "keyboard", NULL};
    static const char *const other_types[] = {"passthrough", "evdev", NULL};
    static const char *const buses[] = {"ps2", "usb", "xen", "virtio", NULL};
    struct vk_input_def *in = VK_APPEND(def->inputs, def->ninputs);
    if (parse_simple(n, &in->info, flags, attrs) < 0 ||
        conf_check_unsupported(n, "type", other_types) < 0 ||
        conf_attr_choice(n, "type", types, &in->type) < 0 ||
        conf_attr_choice(n, "bus", buses, &in->bus) < 0)
        return -1;
    if (!in->type)
        return xu_err_missing(n, "type");
    /* libvirt: the bus defaults to ps2 for mouse/keyboard on x86, usb for a tablet */
    if (!in->bus)
        in->bus = vk_strdup(!strcmp(in->type, "tablet") ? "usb" : "ps2");
    return 0;
}

static int parse_sound(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"model", NULL};
    static const char *const models[] = {"sb16", "es1370", "pcspk", "ac97", "ich6",
                                         "ich9", "usb",    "ich7",  NULL};
    struct vk_sound_def *s = VK_APPEND(def->sounds, def->nsounds);
    if (parse_simple(n, &s->info, flags, attrs) < 0 ||
        conf_attr_choice(n, "model", models, &s->model) < 0)
        return -1;
    return s->model ? 0 : xu_err_missing(n, "model");
}

static int parse_audio(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"id", "type", NULL};
    static const char *const types[] = {"none", "alsa",       "coreaudio", "jack",
                                        "oss",  "pulseaudio", "sdl",       "spice",
                                        "file", "dbus",       "pipewire",  NULL};
    struct vk_audio_def *a = VK_APPEND(def->audios, def->naudios);
    if (xu_check_attrs(n, attrs) < 0 || xu_check_empty(n) < 0 ||
        conf_attr_choice(n, "type", types, &a->type) < 0 ||
        xu_attr_int(n, "id", 1, 65535, false, &a->id) < 0)
        return -1;
    if (!a->type)
        return xu_err_missing(n, "type");
    if (!a->id)
        return xu_err_missing(n, "id");
    for (size_t i = 0; i + 1 < def->naudios; i++)
        if (def->audios[i].id == a->id)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "<audio id='%d'> is defined more than once", a->id);
    return 0;
}

static int parse_watchdog(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"model", "action", NULL};
    static const char *const models[] = {"i6300esb", "ib700", "diag288", "itco", NULL};
    static const char *const actions[] = {"reset", "shutdown", "poweroff",   "pause",
                                          "dump",  "none",     "inject-nmi", NULL};
    struct vk_watchdog_def *w = VK_APPEND(def->watchdogs, def->nwatchdogs);
    if (parse_simple(n, &w->info, flags, attrs) < 0 ||
        conf_attr_choice(n, "model", models, &w->model) < 0 ||
        conf_attr_choice(n, "action", actions, &w->action) < 0)
        return -1;
    return w->model ? 0 : xu_err_missing(n, "model");
}

static int parse_panic(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"model", NULL};
    static const char *const models[] = {"isa", "pseries", "hyperv", "s390", "pvpanic", NULL};
    struct vk_panic_def *p = VK_APPEND(def->panics, def->npanics);
    if (parse_simple(n, &p->info, flags, attrs) < 0 ||
        conf_attr_choice(n, "model", models, &p->model) < 0)
        return -1;
    return 0;
}

static int parse_memballoon(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"model", "autodeflate", NULL};
    static const char *const models[] = {
        "virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional", NULL};
    static const char *const stats_attrs[] = {"period", NULL};
    struct vk_memballoon_def *mb = &def->memballoon;
    bool err = false;
    int autodeflate = 0;
    if (mb->present)
        return xu_err_dup(n);
    mb->present = true;
    if (xu_check_attrs(n, attrs) < 0 || conf_attr_choice(n, "model", models, &mb->model) < 0 ||
        xu_attr_yesno(n, "autodeflate", "on", "off", &autodeflate) < 0)
        return -1;
    if (!mb->model)
        return xu_err_missing(n, "model");
    mb->autodeflate_given = autodeflate != 0;
    mb->autodeflate = autodeflate == 1;
    FOR_OWN_CHILDREN(c, n, &mb->info, flags, err)
    {
        if (!xu_is(c, "stats"))
            return xu_err_elem(c);
        if (xu_check_attrs(c, stats_attrs) < 0 || xu_check_empty(c) < 0 ||
            xu_attr_int(c, "period", 0, 1 << 30, false, &mb->period) < 0)
            return -1;
        if (mb->period < 0)
            return xu_err_missing(c, "period");
    }
    return err ? -1 : 0;
}

static int parse_rng(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"model", NULL};
    static const char *const models[] = {"virtio", "virtio-transitional", "virtio-non-transitional",
                                         NULL};
    static const char *const rate_attrs[] = {"bytes", "period", NULL};
    static const char *const backend_attrs[] = {"model", NULL};
    static const char *const backends[] = {"random", NULL};
    struct vk_rng_def *rng = VK_APPEND(def->rngs, def->nrngs);
    conf_info_init(&rng->info);
    bool err = false, have_rate = false;
    if (xu_check_attrs(n, attrs) < 0 || conf_attr_choice(n, "model", models, &rng->model) < 0)
        return -1;
    if (!rng->model)
        return xu_err_missing(n, "model");
    FOR_OWN_CHILDREN(c, n, &rng->info, flags, err)
    {
        if (xu_is(c, "rate")) {
            if (have_rate)
                return xu_err_dup(c);
            have_rate = true;
            if (xu_check_attrs(c, rate_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_int(c, "bytes", 1, 1 << 30, false, &rng->rate_bytes) < 0 ||
                xu_attr_int(c, "period", 1, 1 << 30, false, &rng->rate_period) < 0)
                return -1;
            if (!rng->rate_bytes)
                return xu_err_missing(c, "bytes");
        } else if (xu_is(c, "backend")) {
            if (rng->backend_model)
                return xu_err_dup(c);
            const char *m = xu_attr(c, "model");
            if (m && strcmp(m, "random"))
                return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                                    "unsupported rng backend model '%s'", m);
            if (xu_check_attrs(c, backend_attrs) < 0 ||
                conf_attr_choice(c, "model", backends, &rng->backend_model) < 0)
                return -1;
            if (!rng->backend_model)
                return xu_err_missing(c, "model");
            char *path = xu_text(c);
            if (!path)
                return -1;
            if (!*path) {
                free(path);
            } else if (path[0] != '/') {
                vk_autofree char *p = path;
                return xu_err_value(c, NULL, p);
            } else {
                rng->backend = path;
            }
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (!rng->backend_model)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing <rng/backend>");
    return 0;
}

static int parse_redirdev(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"bus", "type", NULL};
    static const char *const buses[] = {"usb", NULL};
    struct vk_redirdev_def *r = VK_APPEND(def->redirdevs, def->nredirdevs);
    if (parse_simple(n, &r->info, flags, attrs) < 0 ||
        conf_attr_choice(n, "bus", buses, &r->bus) < 0)
        return -1;
    const char *type = xu_attr(n, "type");
    if (!type)
        return xu_err_missing(n, "type");
    if (strcmp(type, "spicevmc"))
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                            "unsupported redirdev type '%s'", type);
    r->type = VK_CHR_SPICEVMC;
    if (!r->bus)
        r->bus = vk_strdup("usb");
    return 0;
}

int conf_parse_other_device(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    if (xu_is(n, "graphics"))
        return parse_graphics(n, def, flags);
    if (xu_is(n, "video"))
        return parse_video(n, def, flags);
    if (xu_is(n, "input"))
        return parse_input(n, def, flags);
    if (xu_is(n, "sound"))
        return parse_sound(n, def, flags);
    if (xu_is(n, "audio"))
        return parse_audio(n, def, flags);
    if (xu_is(n, "memballoon"))
        return parse_memballoon(n, def, flags);
    if (xu_is(n, "rng"))
        return parse_rng(n, def, flags);
    if (xu_is(n, "redirdev"))
        return parse_redirdev(n, def, flags);
    if (xu_is(n, "watchdog"))
        return parse_watchdog(n, def, flags);
    if (xu_is(n, "panic"))
        return parse_panic(n, def, flags);
    return xu_err_elem(n);
}
