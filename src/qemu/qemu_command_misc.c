/* Watchdogs, the memory balloon and random number generators. */
#include <stdio.h>
#include <string.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_error.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int vk_cmd_build_watchdogs(struct vk_cmd *c)
{
    static const char *const actions[] = {"reset", "shutdown", "poweroff",
                                          "pause", "none",     "inject-nmi"};
    const struct vk_domain_def *def = c->def;
    if (def->nwatchdogs > 1)
        return vk_cmd_unsupported(c, "more than one watchdog");
    if (def->nwatchdogs == 0)
        return 0;
    const struct vk_watchdog_def *w = &def->watchdogs[0];
    const char *m = w->model ? w->model : "";
    if (streq(m, "itco")) {
        /* Built into q35's ICH9 LPC; armed by lifting its no-reboot strap. */
        if (!c->q35)
            return vk_cmd_unsupported(c, "watchdog model 'itco' needs a q35 machine");
        vk_cmd_add2(c, "-global", "ICH9-LPC.noreboot=off");
    } else if (streq(m, "i6300esb") || streq(m, "ib700")) {
        char id[64];
        if (vk_cmd_dev_id(c, &w->info, id, sizeof(id), "watchdog0") < 0)
            return -1;
        struct json_object *o = vk_jdev(m, id);
        if ((streq(m, "i6300esb") ? vk_cmd_add_pci_addr(c, o, w)
                                  : vk_cmd_add_isa_addr(c, o, &w->info, false, "watchdog")) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
    } else {
        return vk_cmd_unsupported(c, "watchdog model '%s' is not supported", m);
    }
    const char *act = w->action ? w->action : "reset";
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (streq(act, actions[i])) {
            vk_cmd_add(c, "-action");
            vk_cmd_addf(c, "watchdog=%s", act);
            return 0;
        }
    return vk_cmd_unsupported(c, "watchdog action '%s' is not supported", act);
}

/* <panic>: QEMU's pvpanic device, which turns a guest panic into
 * GUEST_PANICKED: model 'isa' (the default on x86; ioport from an ISA
 * iobase) or 'pvpanic' (pvpanic-pci in its PCI slot). */
int vk_cmd_build_panics(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    if (def->npanics > 1)
        return vk_cmd_unsupported(c, "more than one <panic> device");
    if (def->npanics == 0)
        return 0;
    const struct vk_panic_def *p = &def->panics[0];
    const char *m = p->model ? p->model : "isa";
    if (streq(m, "pvpanic")) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "driver", json_object_new_string("pvpanic-pci"));
        if (vk_cmd_add_pci_addr(c, o, p) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
        return 0;
    }
    if (!streq(m, "isa"))
        return vk_cmd_unsupported(c, "panic model '%s' is not supported on x86 (use 'isa' or "
                                     "'pvpanic')", m);
    const struct vk_dev_addr *a = &p->info.addr;
    if (a->type != VK_ADDR_NONE && (a->type != VK_ADDR_ISA || a->irq >= 0))
        return vk_cmd_unsupported(c, "panic: only an ISA address with an iobase can be expressed");
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "driver", json_object_new_string("pvpanic"));
    if (a->type == VK_ADDR_ISA && a->iobase > 0)
        vk_ji(o, "ioport", a->iobase);
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

/* USB redirection over SPICE: a spicevmc chardev named usbredir each. */
int vk_cmd_build_redirdevs(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    bool spice = false;
    for (size_t i = 0; i < def->ngraphics; i++)
        spice |= def->graphics[i].type == VK_GRAPHICS_SPICE;
    for (size_t i = 0; i < def->nredirdevs; i++) {
        const struct vk_redirdev_def *r = &def->redirdevs[i];
        char id[64], chid[72];
        if ((r->bus && !streq(r->bus, "usb")) || r->type != VK_CHR_SPICEVMC)
            return vk_cmd_unsupported(c,
                                      "redirdev %zu: only bus 'usb' type 'spicevmc' is "
                                      "supported",
                                      i);
        if (!spice)
            return vk_cmd_unsupported(c, "redirdev %zu: type 'spicevmc' needs SPICE graphics", i);
        if (vk_cmd_dev_id(c, &r->info, id, sizeof(id), "redir%zu", i) < 0)
            return -1;
        snprintf(chid, sizeof(chid), "char%s", id);
        vk_cmd_add(c, "-chardev");
        vk_cmd_addf(c, "spicevmc,id=%s,name=usbredir", chid);
        struct json_object *o = vk_jdev("usb-redir", NULL);
        vk_js(o, "chardev", chid);
        vk_js(o, "id", id);
        if (vk_cmd_add_usb_addr(c, o, r, &r->info) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
    }
    return 0;
}

int vk_cmd_build_balloon(struct vk_cmd *c)
{
    const struct vk_memballoon_def *b = &c->def->memballoon;
    if (!vk_cmd_has_balloon(c))
        return 0;
    char id[64];
    if (vk_cmd_dev_id(c, b->present ? &b->info : NULL, id, sizeof(id), "balloon0") < 0)
        return -1;
    struct json_object *o = vk_jdev("virtio-balloon-pci", id);
    if (b->present && b->autodeflate_given)
        vk_jb(o, "deflate-on-oom", b->autodeflate);
    /* The stats period is set over QMP once QEMU runs. */
    if (vk_cmd_add_pci_addr(c, o, b->present ? (const void *)b : vk_key_auto_balloon) < 0) {
        json_object_put(o);
        return -1;
    }
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

int vk_cmd_build_rngs(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (size_t i = 0; i < def->nrngs; i++) {
        const struct vk_rng_def *r = &def->rngs[i];
        char obj[72], id[64];
        if (vk_cmd_dev_id(c, &r->info, id, sizeof(id), "rng%zu", i) < 0)
            return -1;
        snprintf(obj, sizeof(obj), "obj%s", id);
        if (r->model && !streq(r->model, "virtio"))
            return vk_cmd_unsupported(c, "rng model '%s' is not supported", r->model);
        struct json_object *o = json_object_new_object();
        if (!r->backend_model || streq(r->backend_model, "random")) {
            vk_js(o, "qom-type", "rng-random");
            vk_js(o, "id", obj);
            vk_js(o, "filename", r->backend ? r->backend : "/dev/urandom");
        } else if (streq(r->backend_model, "builtin")) {
            vk_js(o, "qom-type", "rng-builtin");
            vk_js(o, "id", obj);
        } else {
            json_object_put(o);
            return vk_cmd_unsupported(c, "rng backend model '%s' is not supported",
                                      r->backend_model);
        }
        vk_cmd_add_json(c, "-object", o);
        struct json_object *d = vk_jdev("virtio-rng-pci", NULL);
        vk_js(d, "rng", obj);
        vk_js(d, "id", id);
        if (r->rate_bytes > 0) {
            vk_ji(d, "max-bytes", r->rate_bytes);
            vk_ji(d, "period", r->rate_period > 0 ? r->rate_period : 1000);
        }
        if (vk_cmd_add_pci_addr(c, d, r) < 0) {
            json_object_put(d);
            return -1;
        }
        vk_cmd_add_json(c, "-device", d);
    }
    return 0;
}
