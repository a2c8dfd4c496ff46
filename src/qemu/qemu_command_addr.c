/* Address assignment before emission: PCI slots (explicit ones from the def
 * are kept; the rest are assigned deterministically in libvirt's order) and
 * USB ports. i440fx: slot 0 host bridge, slot 1 the PIIX3 (USB at 1.2),
 * the primary video takes the first free slot (2). q35: slot 1 for the
 * primary video, 0x1f the ICH9 LPC/SATA, PCIe devices each get their own
 * pcie-root-port (added as needed, packed as functions of one slot, plus
 * one spare for hotplug as libvirt does), conventional PCI devices go on a
 * PCI bridge (a pcie-pci-bridge is added when the def has none). */
#include <stdio.h>
#include <string.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

const char *vk_cmd_bus_name(const struct vk_cmd *c, int bus, char *buf, size_t len)
{
    if (bus == 0)
        snprintf(buf, len, "%s", c->q35 ? "pcie.0" : "pci.0");
    else
        snprintf(buf, len, "pci.%d", bus);
    return buf;
}

bool vk_pci_model_is_pcie(const char *drv)
{
    return strncmp(drv, "virtio-", 7) == 0 || streq(drv, "qemu-xhci") ||
           streq(drv, "nec-usb-xhci") || streq(drv, "e1000e") || streq(drv, "ahci") ||
           streq(drv, "pcie-pci-bridge");
}

const char *vk_qemu_usb_model(const struct vk_cmd *c, const struct vk_controller_def *ctl)
{
    static const struct {
        const char *xml, *qemu;
    } map[] = {
        {"piix3-uhci", "piix3-usb-uhci"},
        {"piix4-uhci", "piix4-usb-uhci"},
        {"ehci", "usb-ehci"},
        {"ich9-ehci1", "ich9-usb-ehci1"},
        {"ich9-uhci1", "ich9-usb-uhci1"},
        {"ich9-uhci2", "ich9-usb-uhci2"},
        {"ich9-uhci3", "ich9-usb-uhci3"},
        {"nec-xhci", "nec-usb-xhci"},
        {"qemu-xhci", "qemu-xhci"},
    };
    if (!ctl)
        return c->q35 ? "qemu-xhci" : "piix3-usb-uhci";
    if (!ctl->model)
        return "piix3-usb-uhci";
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (streq(ctl->model, map[i].xml))
            return map[i].qemu;
    return NULL;
}

const char *vk_qemu_scsi_model(const struct vk_controller_def *ctl)
{
    const char *m = ctl->model;
    if (!m || streq(m, "lsilogic"))
        return "lsi";
    if (streq(m, "virtio-scsi"))
        return "virtio-scsi-pci";
    if (streq(m, "lsisas1068"))
        return "mptsas1068";
    if (streq(m, "lsisas1078"))
        return "megasas";
    if (streq(m, "vmpvscsi"))
        return "pvscsi";
    return NULL;
}

const char *vk_qemu_net_model(const struct vk_net_def *n)
{
    const char *m = n->model;
    if (!m || streq(m, "rtl8139"))
        return "rtl8139";
    if (streq(m, "virtio"))
        return "virtio-net-pci";
    if (streq(m, "e1000") || streq(m, "e1000e"))
        return m;
    return NULL;
}

const char *vk_qemu_video_model(const struct vk_video_def *v, bool primary)
{
    const char *m = v->model;
    if (!m || streq(m, "cirrus"))
        return "cirrus-vga";
    if (streq(m, "vga"))
        return "VGA";
    if (streq(m, "qxl"))
        return primary ? "qxl-vga" : "qxl";
    if (streq(m, "virtio"))
        return primary ? "virtio-vga" : "virtio-gpu-pci";
    if (streq(m, "bochs"))
        return "bochs-display";
    return NULL;
}

const char *vk_qemu_sound_model(const struct vk_sound_def *s)
{
    static const struct {
        const char *xml, *qemu;
    } map[] = {
        {"ich6", "intel-hda"}, {"ich9", "ich9-intel-hda"}, {"ac97", "AC97"},   {"es1370", "ES1370"},
        {"sb16", "sb16"},      {"usb", "usb-audio"},       {"pcspk", "pcspk"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (streq(s->model, map[i].xml))
            return map[i].qemu;
    return NULL;
}

bool vk_disk_needs_pci(const struct vk_disk_def *d)
{
    return d->bus == VK_BUS_VIRTIO;
}

bool vk_cmd_is_q35_sata_builtin(const struct vk_cmd *c, const struct vk_controller_def *ctl)
{
    if (!c->q35 || ctl->index != 0)
        return false;
    const struct vk_dev_addr *a = &ctl->info.addr;
    return a->type == VK_ADDR_NONE ||
           (a->type == VK_ADDR_PCI && a->bus <= 0 && a->slot == 0x1f && a->function == 2);
}

long vk_cmd_primary_video(const struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    long primary = -1;
    for (size_t i = 0; i < def->nvideos && primary < 0; i++)
        if (!streq(def->videos[i].model, "none"))
            primary = (long)i;
    for (size_t i = 0; i < def->nvideos; i++)
        if (def->videos[i].primary && !streq(def->videos[i].model, "none"))
            return (long)i;
    return primary;
}

const char *vk_input_bus(const struct vk_input_def *in)
{
    if (in->bus)
        return in->bus;
    return streq(in->type, "tablet") ? "usb" : "ps2";
}

bool vk_cmd_has_balloon(const struct vk_cmd *c)
{
    const struct vk_memballoon_def *b = &c->def->memballoon;
    return !b->present || !streq(b->model, "none");
}

/* Whether a port sits on virtio-serial controller 0 (explicitly or by default). */
static bool on_vserial0(const struct vk_chr_def *ch)
{
    return ch->info.addr.type != VK_ADDR_VIRTIO_SERIAL || ch->info.addr.controller <= 0;
}

bool vk_cmd_needs_vserial(const struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (size_t i = 0; i < def->nchannels; i++)
        if ((!def->channels[i].target_type || streq(def->channels[i].target_type, "virtio")) &&
            on_vserial0(&def->channels[i]))
            return true;
    for (size_t i = 0; i < def->nconsoles; i++)
        if (streq(def->consoles[i].target_type, "virtio") && on_vserial0(&def->consoles[i]))
            return true;
    return false;
}

/* ---- PCI ---- */

static struct vk_pci_assigned *find_pci(const struct vk_cmd *c, const void *key)
{
    for (size_t i = 0; i < c->npci; i++)
        if (c->pci[i].key == key)
            return &c->pci[i];
    return NULL;
}

bool vk_cmd_has_pci_addr(const struct vk_cmd *c, const void *key)
{
    return find_pci(c, key) != NULL;
}

static void record(struct vk_cmd *c, const void *key, int bus, int slot, int fn, int mf)
{
    struct vk_pci_assigned *a = VK_APPEND(c->pci, c->npci);
    a->key = key;
    a->bus = bus;
    a->slot = slot;
    a->fn = fn;
    a->multifunction = mf;
    c->buses[bus].used[slot] |= (unsigned char)(1u << fn);
}

int vk_cmd_add_pci_addr(struct vk_cmd *c, struct json_object *dev, const void *key)
{
    const struct vk_pci_assigned *a = find_pci(c, key);
    char bus[32], addr[32];
    if (!a) {
        c->failed = true;
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU, "device has no PCI address");
    }
    vk_js(dev, "bus", vk_cmd_bus_name(c, a->bus, bus, sizeof(bus)));
    bool mf = a->multifunction > 0 ||
              (a->multifunction < 0 && a->fn == 0 && (c->buses[a->bus].used[a->slot] & ~1u));
    if (mf)
        vk_jb(dev, "multifunction", true);
    if (a->fn)
        snprintf(addr, sizeof(addr), "0x%x.0x%x", a->slot, a->fn);
    else
        snprintf(addr, sizeof(addr), "0x%x", a->slot);
    vk_js(dev, "addr", addr);
    return 0;
}

/* A PCI device to place: its key, QEMU driver and address from the def. */
struct pci_want {
    const void *key;
    const char *drv;
    const struct vk_dev_info *info;      /* NULL: auto-added device */
    char what[48];                       /* for errors: "interface 0" */
    int fixed_bus, fixed_slot, fixed_fn; /* machine-defined spot, or -1 */
};

static int new_root_port(struct vk_cmd *c, int *rp_slot, int *rp_fn);

static bool slot_free(const struct vk_pci_bus *b, int slot)
{
    return b->used[slot] == 0;
}

static bool reserved_slot(const struct vk_cmd *c, int bus, int slot)
{
    if (bus != 0)
        return false;
    if (slot == 0)
        return true;
    if (!c->q35)
        return slot == 1;
    return slot == 0x1f || slot == 0x1b || slot == 0x1d;
}

/* First wholly free slot on a bus able to take a conventional device. */
static int free_slot(struct vk_cmd *c, int bus)
{
    const struct vk_pci_bus *b = &c->buses[bus];
    /* Slot 0 of a bridge is its own (SHPC); libvirt never uses it. */
    int lo = b->model == VK_PCIBUS_PCI_BRIDGE || b->model == VK_PCIBUS_PCIE_PCI_BRIDGE ? 1 : 0;
    int hi = b->model == VK_PCIBUS_ROOT_PORT ? 0 : 31;
    for (int s = lo; s <= hi; s++)
        if (!reserved_slot(c, bus, s) && slot_free(b, s))
            return s;
    return -1;
}

static int place(struct vk_cmd *c, const struct pci_want *w, int *rp_slot, int *rp_fn)
{
    if (w->fixed_slot >= 0 && !(c->buses[w->fixed_bus].used[w->fixed_slot] & (1u << w->fixed_fn))) {
        record(c, w->key, w->fixed_bus, w->fixed_slot, w->fixed_fn, -1);
        return 0;
    }
    if (c->q35 && vk_pci_model_is_pcie(w->drv)) {
        for (int i = 1; i < c->nbuses; i++)
            if (c->buses[i].model == VK_PCIBUS_ROOT_PORT && slot_free(&c->buses[i], 0)) {
                record(c, w->key, i, 0, 0, -1);
                return 0;
            }
        int bus = new_root_port(c, rp_slot, rp_fn);
        if (bus < 0)
            return -1;
        record(c, w->key, bus, 0, 0, -1);
        return 0;
    }
    /* Conventional PCI on q35: a PCI bridge, added (as pcie-pci-bridge on
     * its own root port) when the def has none with a free slot. */
    if (c->q35) {
        for (int i = 1; i < c->nbuses; i++) {
            enum vk_pci_bus_model m = c->buses[i].model;
            if (m != VK_PCIBUS_PCI_BRIDGE && m != VK_PCIBUS_PCIE_PCI_BRIDGE)
                continue;
            int s = free_slot(c, i);
            if (s >= 0) {
                record(c, w->key, i, s, 0, -1);
                return 0;
            }
        }
        int port = -1;
        for (int i = 1; i < c->nbuses && port < 0; i++)
            if (c->buses[i].model == VK_PCIBUS_ROOT_PORT && slot_free(&c->buses[i], 0))
                port = i;
        if (port < 0 && (port = new_root_port(c, rp_slot, rp_fn)) < 0)
            return -1;
        if (c->nbuses >= VK_PCI_MAX_BUSES)
            return vk_cmd_unsupported(c, "too many PCI buses (at most %d)", VK_PCI_MAX_BUSES);
        int idx = c->nbuses++;
        c->buses[idx].model = VK_PCIBUS_PCIE_PCI_BRIDGE;
        c->buses[idx].auto_added = true;
        record(c, &c->buses[idx], port, 0, 0, -1);
        record(c, w->key, idx, 1, 0, -1);
        return 0;
    }
    for (int i = 0; i < c->nbuses; i++) {
        enum vk_pci_bus_model m = c->buses[i].model;
        if (i != 0 && m != VK_PCIBUS_PCI_BRIDGE && m != VK_PCIBUS_PCIE_PCI_BRIDGE)
            continue;
        int s = free_slot(c, i);
        if (s >= 0) {
            record(c, w->key, i, s, 0, -1);
            return 0;
        }
    }
    return vk_cmd_unsupported(c, "no free PCI slot left for %s", w->what);
}

/* Adds an auto pcie-root-port on pcie.0, packing ports as the functions of
 * one slot. Returns its bus index. */
static int new_root_port(struct vk_cmd *c, int *rp_slot, int *rp_fn)
{
    if (c->nbuses >= VK_PCI_MAX_BUSES)
        return vk_cmd_unsupported(c, "too many PCI buses (at most %d)", VK_PCI_MAX_BUSES);
    struct vk_pci_bus *root = &c->buses[0];
    if (*rp_slot < 0 || *rp_fn >= 7 || (root->used[*rp_slot] & (1u << (*rp_fn + 1)))) {
        int s = free_slot(c, 0);
        if (s < 0)
            return vk_cmd_unsupported(c, "no free slot on pcie.0 for a pcie-root-port");
        *rp_slot = s;
        *rp_fn = 0;
    } else {
        (*rp_fn)++;
    }
    int idx = c->nbuses++;
    struct vk_pci_bus *b = &c->buses[idx];
    b->model = VK_PCIBUS_ROOT_PORT;
    b->auto_added = true;
    b->chassis = idx;
    b->port = (*rp_slot << 3) | *rp_fn;
    record(c, b, 0, *rp_slot, *rp_fn, -1);
    return idx;
}

static int pci_bus_model(struct vk_cmd *c, const struct vk_controller_def *ctl,
                         enum vk_pci_bus_model *out)
{
    const char *m = ctl->model;
    if (!m)
        m = ctl->index == 0 ? (c->q35 ? "pcie-root" : "pci-root") : "";
    if (streq(m, "pci-root") && !c->q35 && ctl->index == 0)
        *out = VK_PCIBUS_ROOT;
    else if (streq(m, "pcie-root") && c->q35 && ctl->index == 0)
        *out = VK_PCIBUS_PCIE_ROOT;
    else if (streq(m, "pcie-root-port") && c->q35 && ctl->index > 0)
        *out = VK_PCIBUS_ROOT_PORT;
    else if (streq(m, "pci-bridge") && ctl->index > 0)
        *out = VK_PCIBUS_PCI_BRIDGE;
    else if ((streq(m, "pcie-to-pci-bridge") || streq(m, "pcie-pci-bridge")) && c->q35 &&
             ctl->index > 0) /* libvirt's model name is pcie-to-pci-bridge */
        *out = VK_PCIBUS_PCIE_PCI_BRIDGE;
    else
        return vk_cmd_unsupported(c,
                                  "PCI controller index %d model '%s' is not supported on "
                                  "machine '%s'",
                                  ctl->index, ctl->model ? ctl->model : "",
                                  c->def->os.machine ? c->def->os.machine : "pc");
    return 0;
}

static int add_want(struct vk_cmd *c, struct pci_want **w, size_t *n, const void *key,
                    const char *drv, const struct vk_dev_info *info, const char *what)
{
    if (info && info->addr.type != VK_ADDR_NONE && info->addr.type != VK_ADDR_PCI)
        return vk_cmd_unsupported(c, "%s needs a PCI address, not another address type", what);
    struct pci_want *x = VK_APPEND(*w, *n);
    x->key = key;
    x->drv = drv;
    x->info = info;
    snprintf(x->what, sizeof(x->what), "%s", what);
    x->fixed_bus = x->fixed_slot = x->fixed_fn = -1;
    return 0;
}

static int explicit_pci(struct vk_cmd *c, const struct pci_want *w)
{
    const struct vk_dev_addr *a = &w->info->addr;
    int bus = a->bus < 0 ? 0 : a->bus, slot = a->slot < 0 ? 0 : a->slot;
    int fn = a->function < 0 ? 0 : a->function;
    if (a->domain > 0)
        return vk_cmd_unsupported(c, "%s: PCI domain %d (only 0)", w->what, a->domain);
    if (bus >= c->nbuses || c->buses[bus].model == VK_PCIBUS_NONE)
        return vk_cmd_unsupported(c, "%s: PCI bus %d has no controller", w->what, bus);
    if (slot > 31 || fn > 7 || (c->buses[bus].model == VK_PCIBUS_ROOT_PORT && slot != 0) ||
        (c->buses[bus].model == VK_PCIBUS_PCI_BRIDGE && slot == 0))
        return vk_cmd_unsupported(c, "%s: PCI address %02x:%02x.%x is not usable", w->what, bus,
                                  slot, fn);
    if (c->buses[bus].used[slot] & (1u << fn))
        return vk_cmd_unsupported(c, "%s: PCI address %02x:%02x.%x is already in use", w->what, bus,
                                  slot, fn);
    record(c, w->key, bus, slot, fn, a->multifunction);
    return 0;
}

/* Storage for the "what" strings of errors: one buffer per wanted device. */
struct names {
    char (*s)[48];
    size_t n;
};

static const char *name_of(struct names *nm, const char *fmt, size_t i)
{
    char(*p)[48] = VK_APPEND(nm->s, nm->n);
    snprintf(*p, sizeof(*p), fmt, i);
    return *p;
}

static int usb_controller_wants(struct vk_cmd *c, struct pci_want **w, size_t *n, struct names *nm)
{
    const struct vk_domain_def *def = c->def;
    bool any = false;
    for (size_t i = 0; i < def->ncontrollers; i++) {
        const struct vk_controller_def *ctl = &def->controllers[i];
        if (!streq(ctl->type, "usb"))
            continue;
        any = true;
        if (streq(ctl->model, "none"))
            continue;
        const char *drv = vk_qemu_usb_model(c, ctl);
        if (!drv)
            return vk_cmd_unsupported(c, "USB controller model '%s' is not supported", ctl->model);
        if (ctl->index == 0 && !c->usb_ctrl)
            c->usb_ctrl = ctl;
        if (add_want(c, w, n, ctl, drv, &ctl->info, name_of(nm, "USB controller %zu", i)) < 0)
            return -1;
        struct pci_want *x = &(*w)[*n - 1];
        if (!c->q35 && streq(drv, "piix3-usb-uhci") && ctl->index == 0) {
            x->fixed_bus = 0, x->fixed_slot = 1, x->fixed_fn = 2;
        }
    }
    if (!any) {
        c->usb_auto = true;
        const char *drv = vk_qemu_usb_model(c, NULL);
        if (add_want(c, w, n, vk_key_auto_usb, drv, NULL, "the default USB controller") < 0)
            return -1;
        if (!c->q35) {
            struct pci_want *x = &(*w)[*n - 1];
            x->fixed_bus = 0, x->fixed_slot = 1, x->fixed_fn = 2;
        }
    }
    return 0;
}

/* ich9 EHCI with its UHCI companions share one slot: EHCI at function 7,
 * UHCI n at function n-1. Called when the first of a group is placed. */
static void group_usb_companions(struct vk_cmd *c, struct pci_want *w, size_t n, size_t at)
{
    if (strncmp(w[at].drv, "ich9-usb-", 9) != 0 || w[at].fixed_slot >= 0)
        return;
    const struct vk_controller_def *me = w[at].key;
    size_t members = 0;
    for (size_t j = 0; j < n; j++)
        if (w[j].info && strncmp(w[j].drv, "ich9-usb-", 9) == 0 &&
            ((const struct vk_controller_def *)w[j].key)->index == me->index)
            members++;
    if (members < 2) /* a lone EHCI is an ordinary function-0 device */
        return;
    int s = free_slot(c, 0);
    if (s < 0)
        return;
    for (size_t j = 0; j < n; j++) {
        const char *d = w[j].drv;
        if (!w[j].info || w[j].info->addr.type == VK_ADDR_PCI || strncmp(d, "ich9-usb-", 9) != 0)
            continue;
        const struct vk_controller_def *u = w[j].key;
        if (u->index != me->index)
            continue;
        w[j].fixed_bus = 0;
        w[j].fixed_slot = s;
        w[j].fixed_fn = streq(d, "ich9-usb-ehci1") ? 7 : d[13] - '1';
    }
}

static int collect(struct vk_cmd *c, struct pci_want **w, size_t *n, struct names *nm)
{
    const struct vk_domain_def *def = c->def;

    /* libvirt's order: primary video, PCI controllers, nets, sound,
     * other controllers, disks, inputs, serials, balloon, rng, watchdog,
     * secondary videos. */
    long lp = vk_cmd_primary_video(c);
    size_t primary = lp < 0 ? (size_t)-1 : (size_t)lp;
    if (lp >= 0) {
        const struct vk_video_def *v = &def->videos[primary];
        const char *drv = vk_qemu_video_model(v, true);
        if (!drv)
            return vk_cmd_unsupported(c, "video model '%s' is not supported", v->model);
        if (add_want(c, w, n, v, drv, &v->info, "the primary video") < 0)
            return -1;
        (*w)[*n - 1].fixed_bus = 0;
        (*w)[*n - 1].fixed_slot = c->q35 ? 1 : 2;
        (*w)[*n - 1].fixed_fn = 0;
    }
    for (size_t i = 0; i < def->ncontrollers; i++) {
        const struct vk_controller_def *ctl = &def->controllers[i];
        if (!streq(ctl->type, "pci") || ctl->index == 0)
            continue;
        const char *drv = c->buses[ctl->index].model == VK_PCIBUS_ROOT_PORT ? "pcie-root-port"
                          : c->buses[ctl->index].model == VK_PCIBUS_PCIE_PCI_BRIDGE
                              ? "pcie-pci-bridge"
                              : "pci-bridge";
        /* Root ports live on pcie.0 itself, never on another root port. */
        if (add_want(c, w, n, ctl, streq(drv, "pcie-root-port") ? "pcie-root-port-on-root" : drv,
                     &ctl->info, name_of(nm, "PCI controller %zu", i)) < 0)
            return -1;
    }
    for (size_t i = 0; i < def->nnets; i++) {
        const char *drv = vk_qemu_net_model(&def->nets[i]);
        if (!drv)
            return vk_cmd_unsupported(c, "interface model '%s' is not supported",
                                      def->nets[i].model);
        if (add_want(c, w, n, &def->nets[i], drv, &def->nets[i].info,
                     name_of(nm, "interface %zu", i)) < 0)
            return -1;
    }
    for (size_t i = 0; i < def->nsounds; i++) {
        const struct vk_sound_def *s = &def->sounds[i];
        const char *drv = vk_qemu_sound_model(s);
        if (!drv)
            return vk_cmd_unsupported(c, "sound model '%s' is not supported",
                                      s->model ? s->model : "");
        if (streq(drv, "sb16") || streq(drv, "usb-audio") || streq(drv, "pcspk"))
            continue;
        if (add_want(c, w, n, s, drv, &s->info, name_of(nm, "sound %zu", i)) < 0)
            return -1;
        if (c->q35 && streq(drv, "ich9-intel-hda"))
            (*w)[*n - 1].fixed_bus = 0, (*w)[*n - 1].fixed_slot = 0x1b, (*w)[*n - 1].fixed_fn = 0;
    }
    if (usb_controller_wants(c, w, n, nm) < 0)
        return -1;
    bool have_vserial = false;
    for (size_t i = 0; i < def->ncontrollers; i++) {
        const struct vk_controller_def *ctl = &def->controllers[i];
        const char *drv = NULL;
        if (streq(ctl->type, "scsi")) {
            drv = vk_qemu_scsi_model(ctl);
            if (!drv)
                return vk_cmd_unsupported(c,
                                          "SCSI controller model '%s' is not supported on "
                                          "x86_64",
                                          ctl->model);
        } else if (streq(ctl->type, "sata")) {
            if (vk_cmd_is_q35_sata_builtin(c, ctl))
                continue;
            drv = "ahci";
        } else if (streq(ctl->type, "virtio-serial")) {
            drv = "virtio-serial-pci";
            if (ctl->index == 0)
                have_vserial = true;
        } else {
            continue;
        }
        if (add_want(c, w, n, ctl, drv, &ctl->info, name_of(nm, "controller %zu", i)) < 0)
            return -1;
    }
    /* Controllers the disks refer to but the def lacks, as libvirt adds
     * them: every index from 0 up to the highest a disk uses. */
    for (size_t i = 0; i < def->ndisks; i++) {
        const struct vk_disk_def *d = &def->disks[i];
        struct vk_drive_addr a;
        if (d->bus != VK_BUS_SCSI && d->bus != VK_BUS_SATA)
            continue;
        if (vk_cmd_drive_address(c, d, &a) < 0)
            return -1;
        const char *type = d->bus == VK_BUS_SCSI ? "scsi" : "sata";
        if (a.controller < 0 || a.controller >= 8)
            return vk_cmd_unsupported(c, "disk '%s': %s controller %d is out of range (0-7)",
                                      d->target_dev, type, a.controller);
        for (int k = 0; k <= a.controller; k++) {
            if (vk_cmd_find_ctrl(c, type, k) || (c->q35 && d->bus == VK_BUS_SATA && k == 0))
                continue;
            char *flag = d->bus == VK_BUS_SCSI ? &c->auto_scsi[k] : &c->auto_sata[k];
            if (*flag)
                continue;
            *flag = 1;
            if (add_want(c, w, n, flag, d->bus == VK_BUS_SCSI ? "lsi" : "ahci", NULL,
                         name_of(nm, "an added controller for disk %zu", i)) < 0)
                return -1;
        }
    }
    if (!have_vserial && vk_cmd_needs_vserial(c)) {
        c->vserial_auto = true;
        if (add_want(c, w, n, vk_key_auto_vserial, "virtio-serial-pci", NULL,
                     "the virtio-serial controller") < 0)
            return -1;
    }
    for (size_t i = 0; i < def->ndisks; i++)
        if (vk_disk_needs_pci(&def->disks[i]) &&
            add_want(c, w, n, &def->disks[i], "virtio-blk-pci", &def->disks[i].info,
                     name_of(nm, "disk %zu", i)) < 0)
            return -1;
    for (size_t i = 0; i < def->ninputs; i++)
        if (streq(vk_input_bus(&def->inputs[i]), "virtio") &&
            add_want(c, w, n, &def->inputs[i], "virtio-input", &def->inputs[i].info,
                     name_of(nm, "input %zu", i)) < 0)
            return -1;
    for (size_t i = 0; i < def->nserials; i++)
        if (streq(def->serials[i].target_type, "pci-serial") &&
            add_want(c, w, n, &def->serials[i], "pci-serial", &def->serials[i].info,
                     name_of(nm, "serial %zu", i)) < 0)
            return -1;
    if (vk_cmd_has_balloon(c)) {
        const struct vk_memballoon_def *b = &def->memballoon;
        if (b->present && b->model && !streq(b->model, "virtio"))
            return vk_cmd_unsupported(c, "memballoon model '%s' is not supported", b->model);
        if (add_want(c, w, n, b->present ? (const void *)b : vk_key_auto_balloon,
                     "virtio-balloon-pci", b->present ? &b->info : NULL, "the memballoon") < 0)
            return -1;
    }
    for (size_t i = 0; i < def->nrngs; i++)
        if (add_want(c, w, n, &def->rngs[i], "virtio-rng-pci", &def->rngs[i].info,
                     name_of(nm, "rng %zu", i)) < 0)
            return -1;
    for (size_t i = 0; i < def->nwatchdogs; i++)
        if (streq(def->watchdogs[i].model, "i6300esb") &&
            add_want(c, w, n, &def->watchdogs[i], "i6300esb", &def->watchdogs[i].info,
                     name_of(nm, "watchdog %zu", i)) < 0)
            return -1;
    for (size_t i = 0; i < def->npanics; i++) /* feature "lifecycle" */
        if (streq(def->panics[i].model, "pvpanic") &&
            add_want(c, w, n, &def->panics[i], "pvpanic-pci", &def->panics[i].info,
                     name_of(nm, "panic %zu", i)) < 0)
            return -1;
    for (size_t i = 0; i < def->nvideos; i++) {
        const struct vk_video_def *v = &def->videos[i];
        if (i == primary || streq(v->model, "none"))
            continue;
        const char *drv = vk_qemu_video_model(v, false);
        if (!drv)
            return vk_cmd_unsupported(c, "video model '%s' is not supported", v->model);
        if (add_want(c, w, n, v, drv, &v->info, name_of(nm, "video %zu", i)) < 0)
            return -1;
    }
    return 0;
}

static int setup_buses(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    c->buses[0].model = c->q35 ? VK_PCIBUS_PCIE_ROOT : VK_PCIBUS_ROOT;
    c->nbuses = 1;
    for (size_t i = 0; i < def->ncontrollers; i++) {
        const struct vk_controller_def *ctl = &def->controllers[i];
        if (!streq(ctl->type, "pci"))
            continue;
        if (ctl->index < 0 || ctl->index >= VK_PCI_MAX_BUSES)
            return vk_cmd_unsupported(c, "PCI controller index %d is out of range (0-%d)",
                                      ctl->index, VK_PCI_MAX_BUSES - 1);
        enum vk_pci_bus_model m = VK_PCIBUS_NONE;
        if (pci_bus_model(c, ctl, &m) < 0)
            return -1;
        struct vk_pci_bus *b = &c->buses[ctl->index];
        if (ctl->index > 0 && b->model != VK_PCIBUS_NONE)
            return vk_cmd_unsupported(c, "two PCI controllers with index %d", ctl->index);
        b->model = m;
        b->ctrl = ctl;
        if (ctl->index >= c->nbuses)
            c->nbuses = ctl->index + 1;
    }
    /* Holes in the index sequence would leave bus numbers QEMU does not know. */
    for (int i = 1; i < c->nbuses; i++)
        if (c->buses[i].model == VK_PCIBUS_NONE)
            return vk_cmd_unsupported(c, "PCI controller index %d is missing", i);
    return 0;
}

static int assign_pci(struct vk_cmd *c)
{
    struct pci_want *w = NULL;
    size_t n = 0;
    struct names nm = {0};
    int rp_slot = -1, rp_fn = 0, ret = -1;
    bool def_has_ports = false;

    if (setup_buses(c) < 0)
        goto out;
    for (int i = 1; i < c->nbuses; i++)
        if (c->buses[i].model == VK_PCIBUS_ROOT_PORT)
            def_has_ports = true;
    if (collect(c, &w, &n, &nm) < 0)
        goto out;
    /* Explicit addresses first so automatic ones never collide with them. */
    for (size_t i = 0; i < n; i++)
        if (w[i].info && w[i].info->addr.type == VK_ADDR_PCI && explicit_pci(c, &w[i]) < 0)
            goto out;
    for (size_t i = 0; i < n; i++) {
        if (w[i].info && w[i].info->addr.type == VK_ADDR_PCI)
            continue;
        if (streq(w[i].drv, "pcie-root-port-on-root")) {
            /* A root port from the def without address: next function on pcie.0. */
            int s = rp_slot;
            if (s < 0 || rp_fn >= 7 || (c->buses[0].used[s] & (1u << (rp_fn + 1)))) {
                s = free_slot(c, 0);
                if (s < 0) {
                    vk_cmd_unsupported(c, "no free slot on pcie.0 for %s", w[i].what);
                    goto out;
                }
                rp_slot = s;
                rp_fn = 0;
            } else {
                rp_fn++;
            }
            record(c, w[i].key, 0, rp_slot, rp_fn, -1);
            continue;
        }
        if (streq(w[i].drv, "pci-bridge")) {
            int s = free_slot(c, 0);
            if (s < 0) {
                vk_cmd_unsupported(c, "no free PCI slot left for %s", w[i].what);
                goto out;
            }
            record(c, w[i].key, 0, s, 0, -1);
            continue;
        }
        group_usb_companions(c, w, n, i);
        if (place(c, &w[i], &rp_slot, &rp_fn) < 0)
            goto out;
    }
    bool added = false;
    for (int i = 1; i < c->nbuses; i++)
        if (c->buses[i].auto_added && c->buses[i].model == VK_PCIBUS_ROOT_PORT)
            added = true;
    /* libvirt leaves one free root port for hotplug when it adds them. */
    if (c->q35 && added && !def_has_ports && new_root_port(c, &rp_slot, &rp_fn) < 0)
        goto out;
    ret = 0;
out:
    free(w);
    free(nm.s);
    return ret;
}

/* ---- USB ---- */

static int usb_used(const struct vk_cmd *c, int port)
{
    for (size_t i = 0; i < c->nusb; i++)
        if (c->usb[i].port == port)
            return 1;
    return 0;
}

static int want_usb(struct vk_cmd *c, const void *key, const struct vk_dev_info *info,
                    const char *what, int pass)
{
    bool explicit_port = info && info->addr.type == VK_ADDR_USB && info->addr.usb_port;
    if (info && info->addr.type != VK_ADDR_NONE && info->addr.type != VK_ADDR_USB)
        return vk_cmd_unsupported(c, "%s needs a USB address, not another address type", what);
    if (!c->usb_ctrl && !c->usb_auto)
        return vk_cmd_unsupported(c, "%s needs a USB controller (the def has model='none')", what);
    if (pass == 0) {
        if (explicit_port) {
            const char *p = info->addr.usb_port;
            if (strspn(p, "0123456789") != strlen(p) || !*p)
                return vk_cmd_unsupported(c, "%s: USB port '%s' needs a hub, not supported", what,
                                          p);
            if (info->addr.bus > 0)
                return vk_cmd_unsupported(c, "%s: USB bus %d has no controller", what,
                                          info->addr.bus);
            struct vk_usb_assigned *u = VK_APPEND(c->usb, c->nusb);
            u->key = key;
            u->port = atoi(p);
        }
        return 0;
    }
    if (explicit_port)
        return 0;
    int port = 1;
    while (usb_used(c, port))
        port++;
    struct vk_usb_assigned *u = VK_APPEND(c->usb, c->nusb);
    u->key = key;
    u->port = port;
    return 0;
}

static int assign_usb(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < def->ndisks; i++)
            if (def->disks[i].bus == VK_BUS_USB &&
                want_usb(c, &def->disks[i], &def->disks[i].info, "USB disk", pass) < 0)
                return -1;
        for (size_t i = 0; i < def->ninputs; i++)
            if (streq(vk_input_bus(&def->inputs[i]), "usb") &&
                want_usb(c, &def->inputs[i], &def->inputs[i].info, "USB input", pass) < 0)
                return -1;
        for (size_t i = 0; i < def->nsounds; i++)
            if (streq(def->sounds[i].model, "usb") &&
                want_usb(c, &def->sounds[i], &def->sounds[i].info, "USB sound", pass) < 0)
                return -1;
        for (size_t i = 0; i < def->nredirdevs; i++)
            if (want_usb(c, &def->redirdevs[i], &def->redirdevs[i].info, "USB redirection", pass) <
                0)
                return -1;
        for (size_t i = 0; i < def->nserials; i++)
            if (streq(def->serials[i].target_type, "usb-serial") &&
                want_usb(c, &def->serials[i], &def->serials[i].info, "USB serial", pass) < 0)
                return -1;
    }
    return 0;
}

int vk_cmd_add_usb_addr(struct vk_cmd *c, struct json_object *dev, const void *key,
                        const struct vk_dev_info *info)
{
    char port[16];
    for (size_t i = 0; i < c->nusb; i++)
        if (c->usb[i].key == key) {
            vk_js(dev, "bus", "usb.0");
            snprintf(port, sizeof(port), "%d", c->usb[i].port);
            vk_js(dev, "port", port);
            return 0;
        }
    c->failed = true;
    return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU, "device has no USB address");
}

int vk_cmd_assign_addresses(struct vk_cmd *c)
{
    if (assign_pci(c) < 0)
        return -1;
    return assign_usb(c);
}

/* ---- define time: the same assignment, written into the def ---- */

static struct vk_dev_info *info_of_key(struct vk_domain_def *def, const void *key)
{
#define VK_FIND(arr, n)                                                                            \
    for (size_t i = 0; i < def->n; i++)                                                            \
        if ((const void *)&def->arr[i] == key)                                                     \
            return &def->arr[i].info;
    VK_FIND(disks, ndisks)
    VK_FIND(controllers, ncontrollers)
    VK_FIND(nets, nnets)
    VK_FIND(serials, nserials)
    VK_FIND(consoles, nconsoles)
    VK_FIND(channels, nchannels)
    VK_FIND(videos, nvideos)
    VK_FIND(inputs, ninputs)
    VK_FIND(sounds, nsounds)
    VK_FIND(rngs, nrngs)
    VK_FIND(watchdogs, nwatchdogs)
    VK_FIND(redirdevs, nredirdevs)
    VK_FIND(panics, npanics)
#undef VK_FIND
    if (key == (const void *)&def->memballoon)
        return &def->memballoon.info;
    return NULL;
}

static void set_pci(struct vk_dev_addr *d, const struct vk_cmd *c, const struct vk_pci_assigned *a)
{
    int mf = a->multifunction;
    /* Written as the argv builder derives it, so the def says what QEMU gets. */
    if (mf < 0 && a->fn == 0 && (c->buses[a->bus].used[a->slot] & ~1u))
        mf = 1;
    d->type = VK_ADDR_PCI;
    d->domain = 0;
    d->bus = a->bus;
    d->slot = a->slot;
    d->function = a->fn;
    d->multifunction = mf;
}

struct vk_controller_def *vk_qemu_def_append_ctrl(struct vk_domain_def *def, const char *type,
                                                  int index, const char *model)
{
    struct vk_controller_def *ct = VK_APPEND(def->controllers, def->ncontrollers);
    memset(ct, 0, sizeof(*ct));
    ct->type = vk_strdup(type);
    ct->index = index;
    ct->model = model ? vk_strdup(model) : NULL;
    ct->ports = ct->vectors = -1;
    ct->target_chassis = ct->target_port = ct->master_startport = -1;
    struct vk_dev_addr *a = &ct->info.addr;
    a->type = VK_ADDR_NONE;
    a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
    a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
    return ct;
}

static bool def_has_ctrl(const struct vk_domain_def *def, const char *type, int index)
{
    for (size_t i = 0; i < def->ncontrollers; i++)
        if (streq(def->controllers[i].type, type) && def->controllers[i].index == index)
            return true;
    return false;
}

/* Controllers the disks refer to but the def lacks, in libvirt's order (IDE,
 * floppy, SCSI, SATA, then the virtio-serial controller channels need), each
 * type with every index up to the highest used; PCI ones at the addresses
 * the builder gave them. */
static void append_implicit_ctrls(struct vk_domain_def *def, struct vk_cmd *c)
{
    static const struct {
        enum vk_disk_bus bus;
        const char *type, *model;
    } kinds[] = {{VK_BUS_IDE, "ide", NULL},
                 {VK_BUS_FDC, "fdc", NULL},
                 {VK_BUS_SCSI, "scsi", "lsilogic"},
                 {VK_BUS_SATA, "sata", NULL}};
    for (size_t t = 0; t < sizeof(kinds) / sizeof(kinds[0]); t++) {
        int max = -1;
        for (size_t i = 0; i < def->ndisks; i++) {
            const struct vk_dev_addr *a = &def->disks[i].info.addr;
            if (def->disks[i].bus == kinds[t].bus && a->type == VK_ADDR_DRIVE &&
                a->controller > max)
                max = a->controller;
        }
        for (int k = 0; k <= max && k < 8; k++) {
            if (def_has_ctrl(def, kinds[t].type, k))
                continue;
            struct vk_controller_def *ct =
                vk_qemu_def_append_ctrl(def, kinds[t].type, k, kinds[t].model);
            const void *key = kinds[t].bus == VK_BUS_SCSI   ? (const void *)&c->auto_scsi[k]
                              : kinds[t].bus == VK_BUS_SATA ? (const void *)&c->auto_sata[k]
                                                            : NULL;
            const struct vk_pci_assigned *pa = key ? find_pci(c, key) : NULL;
            if (pa)
                set_pci(&ct->info.addr, c, pa);
            if (kinds[t].bus == VK_BUS_IDE && !c->q35) {
                /* The PIIX3 IDE function built into i440fx, at its fixed 00:01.1. */
                ct->info.addr.type = VK_ADDR_PCI;
                ct->info.addr.domain = ct->info.addr.bus = 0;
                ct->info.addr.slot = 1;
                ct->info.addr.function = 1;
            }
        }
    }
    if (c->vserial_auto && !def_has_ctrl(def, "virtio-serial", 0)) {
        struct vk_controller_def *ct = vk_qemu_def_append_ctrl(def, "virtio-serial", 0, NULL);
        const struct vk_pci_assigned *pa = find_pci(c, vk_key_auto_vserial);
        if (pa)
            set_pci(&ct->info.addr, c, pa);
    }
}

/* Keeps the pci controllers together, sorted by index, where the first
 * one stands (as libvirt lists them). */
static void sort_pci_ctrls(struct vk_domain_def *def)
{
    size_t n = def->ncontrollers, first = n, np = 0, no = 0;
    if (!n)
        return;
    struct vk_controller_def *pci = vk_calloc(n, sizeof(*pci)), *other = vk_calloc(n, sizeof(*other));
    for (size_t i = 0; i < n; i++) {
        if (streq(def->controllers[i].type, "pci")) {
            if (first == n)
                first = no;
            size_t j = np++;
            while (j > 0 && pci[j - 1].index > def->controllers[i].index) {
                pci[j] = pci[j - 1];
                j--;
            }
            pci[j] = def->controllers[i];
        } else {
            other[no++] = def->controllers[i];
        }
    }
    size_t k = 0;
    for (size_t i = 0; i <= no; i++) {
        if (i == first)
            for (size_t j = 0; j < np; j++)
                def->controllers[k++] = pci[j];
        if (i < no)
            def->controllers[k++] = other[i];
    }
    free(pci);
    free(other);
}

int vk_qemu_def_assign_addresses(struct vk_domain_def *def)
{
    struct vk_qemu_cmd_ctx ctx = {0};
    struct vk_cmd c = {.def = def, .ctx = &ctx};
    const char *m = def->os.machine;
    c.q35 = streq(m, "q35") || (m && strncmp(m, "pc-q35-", 7) == 0);
    int ret = -1;
    if (vk_cmd_assign_addresses(&c) < 0)
        goto out;
    /* Drive addresses, derived from the target names as the builder does. */
    for (size_t i = 0; i < def->ndisks; i++) {
        struct vk_disk_def *d = &def->disks[i];
        struct vk_drive_addr a;
        if (d->info.addr.type != VK_ADDR_NONE ||
            (d->bus != VK_BUS_SATA && d->bus != VK_BUS_SCSI && d->bus != VK_BUS_IDE &&
             d->bus != VK_BUS_FDC))
            continue;
        if (vk_cmd_drive_address(&c, d, &a) < 0)
            goto out;
        d->info.addr.type = VK_ADDR_DRIVE;
        d->info.addr.controller = a.controller;
        d->info.addr.bus = a.bus;
        d->info.addr.target = a.target;
        d->info.addr.unit = a.unit;
    }
    for (size_t i = 0; i < c.nusb; i++) {
        struct vk_dev_info *info = info_of_key(def, c.usb[i].key);
        if (!info || info->addr.type == VK_ADDR_USB)
            continue;
        info->addr.type = VK_ADDR_USB;
        info->addr.bus = 0;
        free(info->addr.usb_port);
        info->addr.usb_port = vk_asprintf("%d", c.usb[i].port);
    }
    /* Device addresses first: appending controllers moves the array. */
    for (size_t i = 0; i < c.npci; i++) {
        struct vk_dev_info *info = info_of_key(def, c.pci[i].key);
        if (info)
            set_pci(&info->addr, &c, &c.pci[i]);
    }
    /* Root ports without a target get libvirt's chassis/port. */
    for (size_t i = 0; i < def->ncontrollers; i++) {
        struct vk_controller_def *ct = &def->controllers[i];
        if (!streq(ct->type, "pci") || ct->index <= 0 || ct->index >= c.nbuses ||
            c.buses[ct->index].model != VK_PCIBUS_ROOT_PORT)
            continue;
        if (!ct->model_name)
            ct->model_name = vk_strdup("pcie-root-port");
        if (ct->target_chassis < 0)
            ct->target_chassis = ct->index;
        if (ct->target_port < 0 && ct->info.addr.type == VK_ADDR_PCI)
            ct->target_port = (ct->info.addr.slot << 3) | ct->info.addr.function;
    }
    for (int i = 1; i < c.nbuses; i++) {
        struct vk_pci_bus *b = &c.buses[i];
        if (!b->auto_added)
            continue;
        bool port = b->model == VK_PCIBUS_ROOT_PORT;
        struct vk_controller_def *ct =
            vk_qemu_def_append_ctrl(def, "pci", i, port ? "pcie-root-port" : "pcie-to-pci-bridge");
        ct->model_name = vk_strdup(port ? "pcie-root-port" : "pcie-pci-bridge");
        if (port) {
            ct->target_chassis = b->chassis;
            ct->target_port = b->port;
        }
        const struct vk_pci_assigned *a = find_pci(&c, b);
        if (a)
            set_pci(&ct->info.addr, &c, a);
    }
    append_implicit_ctrls(def, &c);
    sort_pci_ctrls(def);
    ret = 0;
out:
    free(c.pci);
    free(c.usb);
    return ret;
}
