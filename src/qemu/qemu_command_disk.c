/* Controllers and disks: PCI bridges/root ports, USB, SCSI, SATA,
 * virtio-serial controllers; disks as a -blockdev storage node, a -blockdev
 * format node (always explicit, as libvirt does for QEMU 7.2) and a -device
 * frontend. Node names follow libvirt: libvirt-N-storage/-format with N
 * counting down from the number of disks. */
#include <stdio.h>
#include <string.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ---- controllers ---- */

static int emit_pci_controller(struct vk_cmd *c, int idx)
{
    struct vk_pci_bus *b = &c->buses[idx];
    const struct vk_controller_def *ctl = b->ctrl;
    const void *key = ctl ? (const void *)ctl : (const void *)b;
    char id[32];
    snprintf(id, sizeof(id), "pci.%d", idx);
    struct json_object *o;
    if (b->model == VK_PCIBUS_ROOT_PORT) {
        const char *drv = "pcie-root-port";
        if (ctl && ctl->model_name) {
            if (!streq(ctl->model_name, "pcie-root-port") && !streq(ctl->model_name, "ioh3420"))
                return vk_cmd_unsupported(c,
                                          "PCI controller %d: model name '%s' is not "
                                          "supported",
                                          idx, ctl->model_name);
            drv = ctl->model_name;
        }
        o = vk_jdev(drv, NULL);
        int port = b->port, chassis = b->chassis;
        if (ctl) {
            /* No target in the def: derive from the address, as libvirt. */
            const struct vk_pci_assigned *a = NULL;
            for (size_t i = 0; i < c->npci; i++)
                if (c->pci[i].key == ctl)
                    a = &c->pci[i];
            port = ctl->target_port >= 0 ? ctl->target_port : (a ? (a->slot << 3) | a->fn : 0);
            chassis = ctl->target_chassis >= 0 ? ctl->target_chassis : idx;
        }
        vk_ji(o, "port", port);
        vk_ji(o, "chassis", chassis);
        vk_js(o, "id", id);
    } else if (b->model == VK_PCIBUS_PCI_BRIDGE) {
        o = vk_jdev("pci-bridge", NULL);
        vk_ji(o, "chassis_nr", ctl->target_chassis >= 0 ? ctl->target_chassis : idx);
        vk_js(o, "id", id);
    } else {
        o = vk_jdev("pcie-pci-bridge", id);
    }
    if (vk_cmd_add_pci_addr(c, o, key) < 0) {
        json_object_put(o);
        return -1;
    }
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

static int emit_usb_controller(struct vk_cmd *c, const struct vk_controller_def *ctl)
{
    const char *drv = vk_qemu_usb_model(c, ctl);
    const void *key = ctl ? (const void *)ctl : vk_key_auto_usb;
    int index = ctl ? ctl->index : 0;
    char id[32];
    struct json_object *o;
    if (index < 0 || index > 0)
        return vk_cmd_unsupported(c, "USB controller index %d: only index 0 is supported", index);
    snprintf(id, sizeof(id), "usb");
    if (strncmp(drv, "ich9-usb-uhci", 13) == 0) {
        /* A companion of the EHCI controller with the same index. */
        o = vk_jdev(drv, NULL);
        vk_js(o, "masterbus", "usb.0");
        vk_ji(o, "firstport", ctl->master_startport >= 0 ? ctl->master_startport : 0);
    } else {
        o = vk_jdev(drv, NULL);
        if (ctl && ctl->ports >= 0) {
            if (!strstr(drv, "xhci")) {
                json_object_put(o);
                return vk_cmd_unsupported(c, "USB controller model '%s' has no ports setting",
                                          ctl->model ? ctl->model : "piix3-uhci");
            }
            vk_ji(o, "p2", ctl->ports);
            vk_ji(o, "p3", ctl->ports);
        }
        vk_js(o, "id", id);
    }
    if (vk_cmd_add_pci_addr(c, o, key) < 0) {
        json_object_put(o);
        return -1;
    }
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

static int emit_vserial(struct vk_cmd *c, const struct vk_controller_def *ctl)
{
    char id[32];
    snprintf(id, sizeof(id), "virtio-serial%d", ctl ? ctl->index : 0);
    struct json_object *o = vk_jdev("virtio-serial-pci", id);
    if (ctl && ctl->ports >= 0)
        vk_ji(o, "max_ports", ctl->ports);
    if (ctl && ctl->vectors >= 0)
        vk_ji(o, "vectors", ctl->vectors);
    if (vk_cmd_add_pci_addr(c, o, ctl ? (const void *)ctl : vk_key_auto_vserial) < 0) {
        json_object_put(o);
        return -1;
    }
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

int vk_cmd_build_controllers(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (int i = 1; i < c->nbuses; i++)
        if (emit_pci_controller(c, i) < 0)
            return -1;
    if (c->usb_auto && emit_usb_controller(c, NULL) < 0)
        return -1;
    for (size_t i = 0; i < def->ncontrollers; i++) {
        const struct vk_controller_def *ctl = &def->controllers[i];
        const char *t = ctl->type ? ctl->type : "";
        char id[32];
        if (ctl->info.alias && strncmp(ctl->info.alias, "ua-", 3) == 0)
            return vk_cmd_unsupported(c,
                                      "%s controller %d: a user alias on a controller is not "
                                      "supported",
                                      t, ctl->index);
        if (streq(t, "pci"))
            continue;
        if (ctl->index < 0)
            return vk_cmd_unsupported(c, "%s controller without an index", t);
        if (streq(t, "usb")) {
            if (streq(ctl->model, "none"))
                continue;
            if (emit_usb_controller(c, ctl) < 0)
                return -1;
        } else if (streq(t, "ide") || streq(t, "fdc")) {
            /* Built into the i440fx PIIX3 (and its ISA FDC); q35 has neither. */
            if (c->q35 || ctl->index != 0)
                return vk_cmd_unsupported(c,
                                          "%s controller index %d is not available on "
                                          "machine '%s'",
                                          t, ctl->index, def->os.machine);
        } else if (streq(t, "sata")) {
            if (vk_cmd_is_q35_sata_builtin(c, ctl))
                continue;
            snprintf(id, sizeof(id), "sata%d", ctl->index);
            struct json_object *o = vk_jdev("ahci", id);
            if (vk_cmd_add_pci_addr(c, o, ctl) < 0) {
                json_object_put(o);
                return -1;
            }
            vk_cmd_add_json(c, "-device", o);
        } else if (streq(t, "scsi")) {
            snprintf(id, sizeof(id), "scsi%d", ctl->index);
            struct json_object *o = vk_jdev(vk_qemu_scsi_model(ctl), id);
            if (ctl->vectors >= 0 && streq(ctl->model, "virtio-scsi"))
                vk_ji(o, "vectors", ctl->vectors);
            if (vk_cmd_add_pci_addr(c, o, ctl) < 0) {
                json_object_put(o);
                return -1;
            }
            vk_cmd_add_json(c, "-device", o);
        } else if (streq(t, "virtio-serial")) {
            if (emit_vserial(c, ctl) < 0)
                return -1;
        } else {
            return vk_cmd_unsupported(c, "controller type '%s' is not supported", t);
        }
    }
    for (int k = 0; k < 8; k++) {
        char id[32];
        if (c->auto_scsi[k]) {
            snprintf(id, sizeof(id), "scsi%d", k);
            struct json_object *o = vk_jdev("lsi", id);
            if (vk_cmd_add_pci_addr(c, o, &c->auto_scsi[k]) < 0)
                return json_object_put(o), -1;
            vk_cmd_add_json(c, "-device", o);
        }
        if (c->auto_sata[k]) {
            snprintf(id, sizeof(id), "sata%d", k);
            struct json_object *o = vk_jdev("ahci", id);
            if (vk_cmd_add_pci_addr(c, o, &c->auto_sata[k]) < 0)
                return json_object_put(o), -1;
            vk_cmd_add_json(c, "-device", o);
        }
    }
    if (c->vserial_auto && emit_vserial(c, NULL) < 0)
        return -1;
    return 0;
}

/* ---- disks ---- */

int vk_disk_target_index(const char *dev)
{
    static const char *const prefixes[] = {"hd", "sd", "vd", "fd", "xvd", "ubd"};
    if (!dev)
        return -1;
    const char *p = NULL;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(dev, prefixes[i], strlen(prefixes[i])) == 0) {
            p = dev + strlen(prefixes[i]);
            break;
        }
    if (!p || !*p)
        return -1;
    /* Base-26 without zero: a=0, z=25, aa=26 (libvirt's scheme). */
    long idx = 0;
    for (; *p; p++) {
        if (*p < 'a' || *p > 'z' || idx > 100000)
            return -1;
        idx = idx * 26 + (*p - 'a' + 1);
    }
    return (int)(idx - 1);
}

const struct vk_controller_def *vk_cmd_find_ctrl(const struct vk_cmd *c, const char *type, int idx)
{
    for (size_t i = 0; i < c->def->ncontrollers; i++)
        if (streq(c->def->controllers[i].type, type) && c->def->controllers[i].index == idx)
            return &c->def->controllers[i];
    return NULL;
}

static const char *bus_name(enum vk_disk_bus b)
{
    switch (b) {
    case VK_BUS_VIRTIO:
        return "virtio";
    case VK_BUS_SATA:
        return "sata";
    case VK_BUS_SCSI:
        return "scsi";
    case VK_BUS_IDE:
        return "ide";
    case VK_BUS_FDC:
        return "fdc";
    case VK_BUS_USB:
        return "usb";
    default:
        return "none";
    }
}

static bool scsi_is_lsi(const struct vk_controller_def *ctl)
{
    return !ctl || !ctl->model || streq(ctl->model, "lsilogic");
}

/* The drive address from the def or, like libvirt, from the target name. */
int vk_cmd_drive_address(struct vk_cmd *c, const struct vk_disk_def *d, struct vk_drive_addr *a)
{
    const struct vk_dev_addr *x = &d->info.addr;
    int idx = vk_disk_target_index(d->target_dev);
    if (idx < 0)
        return vk_cmd_unsupported(c, "disk target dev '%s' is not a disk name like 'vda'",
                                  d->target_dev ? d->target_dev : "");
    if (x->type == VK_ADDR_DRIVE) {
        a->controller = x->controller < 0 ? 0 : x->controller;
        a->bus = x->bus < 0 ? 0 : x->bus;
        a->target = x->target < 0 ? 0 : x->target;
        a->unit = x->unit < 0 ? 0 : x->unit;
        return 0;
    }
    if (x->type != VK_ADDR_NONE)
        return vk_cmd_unsupported(c, "disk '%s': address type does not fit bus '%s'", d->target_dev,
                                  bus_name(d->bus));
    memset(a, 0, sizeof(*a));
    switch (d->bus) {
    case VK_BUS_IDE:
        a->controller = idx / 4;
        a->bus = (idx % 4) / 2;
        a->unit = idx % 2;
        break;
    case VK_BUS_SATA:
        a->controller = idx / 6;
        a->unit = idx % 6;
        break;
    case VK_BUS_SCSI:
        if (scsi_is_lsi(vk_cmd_find_ctrl(c, "scsi", 0))) {
            a->controller = idx / 7;
            a->unit = idx % 7;
        } else {
            a->unit = idx;
        }
        break;
    case VK_BUS_FDC:
        a->unit = idx;
        break;
    default:
        break;
    }
    return 0;
}

/* write-cache on the frontend and cache.direct/no-flush on the nodes. */
struct cache_mode {
    const char *name;
    bool direct, no_flush, write_cache;
};
static const struct cache_mode cache_modes[] = {
    {"writeback", false, false, true}, {"writethrough", false, false, false},
    {"none", true, false, true},       {"directsync", true, false, false},
    {"unsafe", false, true, true},
};

static int lookup_cache(struct vk_cmd *c, const struct vk_disk_def *d,
                        const struct cache_mode **out)
{
    *out = NULL;
    if (!d->cache || streq(d->cache, "default"))
        return 0;
    for (size_t i = 0; i < sizeof(cache_modes) / sizeof(cache_modes[0]); i++)
        if (streq(d->cache, cache_modes[i].name)) {
            *out = &cache_modes[i];
            return 0;
        }
    return vk_cmd_unsupported(c, "disk '%s': cache mode '%s' is not supported", d->target_dev,
                              d->cache);
}

static void add_cache(struct json_object *o, const struct cache_mode *cm)
{
    if (!cm)
        return;
    struct json_object *cache = json_object_new_object();
    vk_jb(cache, "direct", cm->direct);
    vk_jb(cache, "no-flush", cm->no_flush);
    json_object_object_add(o, "cache", cache);
}

static const char *format_driver(const char *fmt)
{
    static const char *const ok[] = {"raw",  "qcow2", "qed",   "vmdk", "vpc",   "vdi",
                                     "vhdx", "qcow",  "cloop", "dmg",  "bochs", "parallels"};
    if (!fmt || streq(fmt, "iso"))
        return "raw";
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (streq(fmt, ok[i]))
            return ok[i];
    return NULL;
}

static int emit_blockdevs(struct vk_cmd *c, const struct vk_disk_def *d, int node,
                          const struct cache_mode *cm)
{
    char storage[48], format[48];
    snprintf(storage, sizeof(storage), "libvirt-%d-storage", node);
    snprintf(format, sizeof(format), "libvirt-%d-format", node);
    const char *fmt = format_driver(d->format);
    if (!fmt)
        return vk_cmd_unsupported(c, "disk '%s': format '%s' is not supported", d->target_dev,
                                  d->format);
    if (d->shareable && !streq(fmt, "raw"))
        return vk_cmd_unsupported(c, "disk '%s': shareable needs format 'raw', not '%s'",
                                  d->target_dev, fmt);
    const char *proto;
    if (d->type == VK_DISK_BLOCK)
        proto = d->device == VK_DISK_DEV_CDROM ? "host_cdrom" : "host_device";
    else if (d->type == VK_DISK_FILE || d->type == 0)
        proto = "file";
    else
        return vk_cmd_unsupported(c, "disk '%s': source type is not supported", d->target_dev);

    struct json_object *s = json_object_new_object();
    vk_js(s, "driver", proto);
    vk_js(s, "filename", d->source);
    vk_js(s, "node-name", storage);
    if (d->io) {
        if (!streq(d->io, "threads") && !streq(d->io, "native") && !streq(d->io, "io_uring")) {
            json_object_put(s);
            return vk_cmd_unsupported(c, "disk '%s': io mode '%s' is not supported", d->target_dev,
                                      d->io);
        }
        /* Linux native AIO only works with O_DIRECT; QEMU refuses otherwise. */
        if (streq(d->io, "native") && (!cm || !cm->direct)) {
            json_object_put(s);
            return vk_cmd_unsupported(c,
                                      "disk '%s': io='native' needs cache='none' or "
                                      "'directsync'",
                                      d->target_dev);
        }
        vk_js(s, "aio", d->io);
    }
    vk_jb(s, "auto-read-only", true);
    vk_js(s, "discard", "unmap");
    add_cache(s, cm);
    vk_cmd_add_json(c, "-blockdev", s);

    struct json_object *f = json_object_new_object();
    vk_js(f, "node-name", format);
    vk_jb(f, "read-only", d->readonly);
    if (d->discard) {
        if (!streq(d->discard, "unmap") && !streq(d->discard, "ignore")) {
            json_object_put(f);
            return vk_cmd_unsupported(c, "disk '%s': discard '%s' is not supported", d->target_dev,
                                      d->discard);
        }
        vk_js(f, "discard", d->discard);
    }
    add_cache(f, cm);
    vk_js(f, "driver", fmt);
    vk_js(f, "file", storage);
    /* No "backing":null: the def has no backing chain and we do not probe
     * images (libvirt does, then names each layer), so an overlay's backing
     * file is opened by QEMU from the image header, as plain QEMU would.
     * Dropping it instead would hide the base image's data from the guest. */
    vk_cmd_add_json(c, "-blockdev", f);
    return 0;
}

static int disk_device(struct vk_cmd *c, const struct vk_disk_def *d, int idx, const char *node,
                       const struct cache_mode *cm, int bootindex)
{
    const char *tgt = d->target_dev;
    bool cdrom = d->device == VK_DISK_DEV_CDROM, floppy = d->device == VK_DISK_DEV_FLOPPY;
    struct vk_drive_addr a;
    char id[128], bus[64];
    struct json_object *o = NULL;
    bool frontend_serial = true;

    if (floppy != (d->bus == VK_BUS_FDC))
        return vk_cmd_unsupported(c,
                                  "disk '%s': floppy needs bus 'fdc' and bus 'fdc' needs a "
                                  "floppy",
                                  tgt);
    memset(&a, 0, sizeof(a));
    if (d->bus != VK_BUS_VIRTIO && d->bus != VK_BUS_USB && vk_cmd_drive_address(c, d, &a) < 0)
        return -1;
    switch (d->bus) {
    case VK_BUS_IDE:
        if (c->q35)
            return vk_cmd_unsupported(c,
                                      "disk '%s': bus 'ide' is not available on q35 (use "
                                      "'sata')",
                                      tgt);
        if (a.controller != 0 || a.bus > 1 || a.unit > 1 || a.target != 0)
            return vk_cmd_unsupported(c, "disk '%s': IDE address %d:%d:%d:%d does not exist", tgt,
                                      a.controller, a.bus, a.target, a.unit);
        o = vk_jdev(cdrom ? "ide-cd" : "ide-hd", NULL);
        snprintf(bus, sizeof(bus), "ide.%d", a.bus);
        vk_js(o, "bus", bus);
        vk_ji(o, "unit", a.unit);
        snprintf(id, sizeof(id), "ide0-%d-%d", a.bus, a.unit);
        break;
    case VK_BUS_SATA: {
        const struct vk_controller_def *ctl = vk_cmd_find_ctrl(c, "sata", a.controller);
        bool builtin = c->q35 && a.controller == 0 && (!ctl || vk_cmd_is_q35_sata_builtin(c, ctl));
        if (!ctl && !builtin && !(a.controller < 8 && c->auto_sata[a.controller]))
            return vk_cmd_unsupported(c, "disk '%s': needs <controller type='sata' index='%d'/>",
                                      tgt, a.controller);
        if (a.unit > 5 || a.bus != 0 || a.target != 0)
            return vk_cmd_unsupported(c, "disk '%s': SATA unit %d does not exist (0-5)", tgt,
                                      a.unit);
        o = vk_jdev(cdrom ? "ide-cd" : "ide-hd", NULL);
        if (builtin)
            snprintf(bus, sizeof(bus), "ide.%d", a.unit);
        else
            snprintf(bus, sizeof(bus), "sata%d.%d", a.controller, a.unit);
        vk_js(o, "bus", bus);
        snprintf(id, sizeof(id), "sata%d-0-%d", a.controller, a.unit);
        break;
    }
    case VK_BUS_SCSI: {
        const struct vk_controller_def *ctl = vk_cmd_find_ctrl(c, "scsi", a.controller);
        if (!ctl && !(a.controller < 8 && c->auto_scsi[a.controller]))
            return vk_cmd_unsupported(c, "disk '%s': needs <controller type='scsi' index='%d'/>",
                                      tgt, a.controller);
        o = vk_jdev(cdrom ? "scsi-cd" : "scsi-hd", NULL);
        snprintf(bus, sizeof(bus), "scsi%d.0", a.controller);
        vk_js(o, "bus", bus);
        if (scsi_is_lsi(ctl)) {
            if (a.bus != 0 || a.target != 0 || a.unit > 6)
                return json_object_put(o),
                       vk_cmd_unsupported(c, "disk '%s': lsi SCSI unit %d does not exist (0-6)",
                                          tgt, a.unit);
            vk_ji(o, "scsi-id", a.unit);
            snprintf(id, sizeof(id), "scsi%d-0-%d", a.controller, a.unit);
        } else {
            vk_ji(o, "channel", a.bus);
            vk_ji(o, "scsi-id", a.target);
            vk_ji(o, "lun", a.unit);
            snprintf(id, sizeof(id), "scsi%d-%d-%d-%d", a.controller, a.bus, a.target, a.unit);
        }
        if (!cdrom) {
            char devid[80];
            if (d->serial) {
                vk_js(o, "device_id", d->serial);
            } else {
                snprintf(devid, sizeof(devid), "drive-%s", id);
                vk_js(o, "device_id", devid);
            }
        }
        break;
    }
    case VK_BUS_VIRTIO:
        if (cdrom)
            return vk_cmd_unsupported(c, "disk '%s': a cdrom cannot be on bus 'virtio'", tgt);
        o = vk_jdev("virtio-blk-pci", NULL);
        if (vk_cmd_add_pci_addr(c, o, d) < 0)
            return json_object_put(o), -1;
        snprintf(id, sizeof(id), "virtio-disk%d", idx);
        break;
    case VK_BUS_USB:
        if (cdrom)
            return vk_cmd_unsupported(c, "disk '%s': a cdrom cannot be on bus 'usb'", tgt);
        o = vk_jdev("usb-storage", NULL);
        if (vk_cmd_add_usb_addr(c, o, d, &d->info) < 0)
            return json_object_put(o), -1;
        snprintf(id, sizeof(id), "usb-disk%d", idx);
        break;
    case VK_BUS_FDC:
        if (c->q35)
            return vk_cmd_unsupported(c, "disk '%s': no floppy controller on q35", tgt);
        if (a.unit > 1 || a.controller != 0 || a.bus != 0)
            return vk_cmd_unsupported(c, "disk '%s': floppy unit %d does not exist (0-1)", tgt,
                                      a.unit);
        o = vk_jdev("floppy", NULL);
        vk_ji(o, "unit", a.unit);
        snprintf(id, sizeof(id), "fdc0-0-%d", a.unit);
        frontend_serial = false;
        if (bootindex) {
            /* The floppy frontend has no bootindex; the controller does. */
            vk_cmd_add(c, "-global");
            vk_cmd_addf(c, "isa-fdc.bootindex%c=%d", a.unit ? 'B' : 'A', bootindex);
            bootindex = 0;
        }
        break;
    default:
        return vk_cmd_unsupported(c, "disk '%s': target bus is not given or not supported", tgt);
    }
    if (d->info.alias && strncmp(d->info.alias, "ua-", 3) == 0 &&
        vk_cmd_dev_id(c, &d->info, id, sizeof(id), "disk") < 0)
        return json_object_put(o), -1;
    if (d->shareable)
        vk_jb(o, "share-rw", true);
    if (node)
        vk_js(o, "drive", node);
    vk_js(o, "id", id);
    if (bootindex)
        vk_ji(o, "bootindex", bootindex);
    if (cm)
        vk_js(o, "write-cache", cm->write_cache ? "on" : "off");
    if (d->serial && frontend_serial) {
        if (d->bus == VK_BUS_SCSI && cdrom)
            return json_object_put(o),
                   vk_cmd_unsupported(c, "disk '%s': serial on a SCSI cdrom", tgt);
        vk_js(o, "serial", d->serial);
    } else if (d->serial) {
        return json_object_put(o), vk_cmd_unsupported(c, "disk '%s': a floppy has no serial", tgt);
    }
    if (d->bus == VK_BUS_USB)
        vk_jb(o, "removable", false);
    vk_cmd_add_json(c, "-device", o);
    return 0;
}

int vk_cmd_build_disks(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    bool first_hd = true, first_cd = true, first_fd = true;
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct vk_disk_def *d = &def->disks[i];
        const char *tgt = d->target_dev;
        int idx = vk_disk_target_index(tgt);
        if (idx < 0)
            return vk_cmd_unsupported(c,
                                      "disk %zu: target dev '%s' is not a disk name like "
                                      "'vda'",
                                      i, tgt ? tgt : "");
        for (size_t j = 0; j < i; j++)
            if (streq(def->disks[j].target_dev, tgt))
                return vk_cmd_unsupported(c, "two disks with target dev '%s'", tgt);
        if (d->driver_name && !streq(d->driver_name, "qemu"))
            return vk_cmd_unsupported(c, "disk '%s': driver name '%s' (only 'qemu')", tgt,
                                      d->driver_name);
        const struct cache_mode *cm;
        if (lookup_cache(c, d, &cm) < 0)
            return -1;
        if (!d->source && d->device != VK_DISK_DEV_CDROM && d->device != VK_DISK_DEV_FLOPPY)
            return vk_cmd_unsupported(c,
                                      "disk '%s': no source (only cdrom and floppy can be "
                                      "empty)",
                                      tgt);
        if (!d->source && d->bus == VK_BUS_FDC)
            return vk_cmd_unsupported(c, "disk '%s': an empty floppy is not supported", tgt);
        int node = (int)(def->ndisks - i);
        char fmtnode[48];
        snprintf(fmtnode, sizeof(fmtnode), "libvirt-%d-format", node);
        if (d->source && emit_blockdevs(c, d, node, cm) < 0)
            return -1;
        enum vk_boot_dev cls = d->device == VK_DISK_DEV_CDROM    ? VK_BOOT_CDROM
                               : d->device == VK_DISK_DEV_FLOPPY ? VK_BOOT_FD
                                                                 : VK_BOOT_HD;
        bool *first = cls == VK_BOOT_CDROM ? &first_cd : cls == VK_BOOT_FD ? &first_fd : &first_hd;
        int bi = vk_cmd_boot_index(c, cls, &d->info, *first);
        *first = false;
        if (disk_device(c, d, idx, d->source ? fmtnode : NULL, cm, bi) < 0)
            return -1;
    }
    return 0;
}
