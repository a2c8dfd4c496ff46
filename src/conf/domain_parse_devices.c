/* <devices>: the dispatcher, and storage/bus devices: <disk>, <controller>,
 * <interface>. Character devices and the rest live in their own files. */
#include <string.h>

#include "domain_parse_dev.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "xml_util.h"

static int choice(xmlNodePtr n, const char *attr, const char *const *choices, char **dst)
{
    const char *v = xu_attr(n, attr);
    if (!v)
        return 0;
    if (choices && xu_lookup(choices, v) < 0)
        return xu_err_value(n, attr, v);
    free(*dst);
    *dst = vk_strdup(v);
    return 0;
}

int conf_check_unsupported(xmlNodePtr n, const char *attr, const char *const *libvirt_only)
{
    const char *v = xu_attr(n, attr);
    if (v && xu_lookup(libvirt_only, v) >= 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                            "unsupported value '%s' for <%s %s>", v, xu_path(n), attr);
    return 0;
}

int conf_attr_choice(xmlNodePtr n, const char *attr, const char *const *choices, char **dst)
{
    return choice(n, attr, choices, dst);
}

/* libvirt picks a disk's bus from its target name when none is given. */
static enum vk_disk_bus bus_from_target(const char *dev)
{
    if (!strncmp(dev, "vd", 2))
        return VK_BUS_VIRTIO;
    if (!strncmp(dev, "sd", 2))
        return VK_BUS_SCSI;
    if (!strncmp(dev, "hd", 2))
        return VK_BUS_IDE;
    if (!strncmp(dev, "fd", 2))
        return VK_BUS_FDC;
    return VK_BUS_NONE;
}

static int parse_disk_driver(xmlNodePtr c, struct vk_disk_def *d)
{
    static const char *const attrs[] = {"name", "type", "cache", "io", "discard", NULL};
    static const char *const names[] = {"qemu", NULL};
    static const char *const formats[] = {"raw", "qcow2", NULL};
    static const char *const caches[] = {
        "default", "none", "writethrough", "writeback", "directsync", "unsafe", NULL};
    static const char *const ios[] = {"threads", "native", "io_uring", NULL};
    static const char *const discards[] = {"unmap", "ignore", NULL};
    if (d->driver_name || d->format)
        return xu_err_dup(c);
    return (xu_check_attrs(c, attrs) < 0 || xu_check_empty(c) < 0 ||
            choice(c, "name", names, &d->driver_name) < 0 ||
            choice(c, "type", formats, &d->format) < 0 ||
            choice(c, "cache", caches, &d->cache) < 0 || choice(c, "io", ios, &d->io) < 0 ||
            choice(c, "discard", discards, &d->discard) < 0)
               ? -1
               : 0;
}

static int parse_disk(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"type", "device", NULL};
    static const char *const file_attrs[] = {"file", NULL};
    static const char *const block_attrs[] = {"dev", NULL};
    static const char *const target_attrs[] = {"dev", "bus", NULL};
    static const char *const other_buses[] = {"xen", "uml", "sd", "nvme", NULL};
    struct vk_disk_def *d = VK_APPEND(def->disks, def->ndisks);
    conf_info_init(&d->info);
    int type = 0, device = VK_DISK_DEV_DISK, bus = 0;
    bool err = false, have_source = false;

    if (xu_check_attrs(n, attrs) < 0)
        return -1;
    /* libvirt's other disk types and devices (network, volume, lun, ...)
     * are valid XML that virtkit does not run: unsupported, not invalid. */
    const char *tv = xu_attr(n, "type"), *dv = xu_attr(n, "device");
    if (!tv)
        return xu_err_missing(n, "type");
    if ((type = xu_lookup(conf_disk_type_names, tv)) < 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF, "unsupported disk type '%s'",
                            tv);
    if (dv && (device = xu_lookup(conf_disk_device_names, dv)) < 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                            "unsupported disk device type '%s'", dv);
    d->type = (enum vk_disk_type)type;
    d->device = (enum vk_disk_device)device;

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        int r = conf_parse_info_child(c, &d->info, true, flags);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (xu_is(c, "driver")) {
            if (parse_disk_driver(c, d) < 0)
                return -1;
        } else if (xu_is(c, "source")) {
            const char *attr = d->type == VK_DISK_FILE ? "file" : "dev";
            if (have_source)
                return xu_err_dup(c);
            have_source = true;
            if (xu_check_attrs(c, d->type == VK_DISK_FILE ? file_attrs : block_attrs) < 0 ||
                xu_check_empty(c) < 0)
                return -1;
            const char *v = xu_attr(c, attr);
            /* libvirt: an empty source is an empty cdrom/floppy drive */
            if (v && !*v && d->device == VK_DISK_DEV_DISK)
                return xu_err_value(c, attr, v);
            d->source = v && *v ? vk_strdup(v) : NULL;
        } else if (xu_is(c, "target")) {
            if (d->target_dev)
                return xu_err_dup(c);
            if (xu_check_attrs(c, target_attrs) < 0 || xu_check_empty(c) < 0 ||
                conf_check_unsupported(c, "bus", other_buses) < 0 ||
                xu_attr_enum(c, "bus", conf_disk_bus_names, &bus) < 0)
                return -1;
            const char *dev = xu_attr(c, "dev");
            if (!dev || !*dev)
                return xu_err_missing(c, "dev");
            if (strspn(dev, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(dev))
                return xu_err_value(c, "dev", dev);
            d->target_dev = vk_strdup(dev);
        } else if (xu_is(c, "readonly") || xu_is(c, "shareable")) {
            if (xu_check_attrs(c, NULL) < 0 || xu_check_empty(c) < 0)
                return -1;
            *(xu_is(c, "readonly") ? &d->readonly : &d->shareable) = true;
        } else if (xu_is(c, "serial")) {
            if (d->serial)
                return xu_err_dup(c);
            if (xu_check_attrs(c, NULL) < 0 || !(d->serial = xu_text(c)))
                return -1;
            for (const char *p = d->serial; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || strchr(" _.+-", *p)))
                    return xu_err_value(c, NULL, d->serial);
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (!d->target_dev)
        return vk_error_set(VK_ERR_NO_TARGET, VK_FROM_CONF, "missing <disk/target dev>");
    d->bus = bus ? (enum vk_disk_bus)bus : bus_from_target(d->target_dev);
    if (d->bus == VK_BUS_NONE)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "disk '%s': no <target bus> given and none implied by the name",
                            d->target_dev);
    if (!d->source && d->device == VK_DISK_DEV_DISK)
        return vk_error_set(VK_ERR_NO_SOURCE, VK_FROM_CONF, "disk '%s': missing <source %s>",
                            d->target_dev, d->type == VK_DISK_FILE ? "file" : "dev");
    for (size_t i = 0; i + 1 < def->ndisks; i++)
        if (!strcmp(def->disks[i].target_dev, d->target_dev))
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "disk target '%s' is used more than once", d->target_dev);
    return 0;
}

static const char *const ctrl_types[] = {"usb",  "ide",           "pci", "scsi",
                                         "sata", "virtio-serial", "fdc", NULL};

static const char *const *ctrl_models(const char *type)
{
    static const char *const usb[] = {"piix3-uhci", "piix4-uhci", "ehci",       "ich9-ehci1",
                                      "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci",
                                      "pci-ohci",   "nec-xhci",   "qusb1",      "qusb2",
                                      "qemu-xhci",  "none",       NULL};
    static const char *const pci[] = {"pci-root",
                                      "pcie-root",
                                      "pci-bridge",
                                      "dmi-to-pci-bridge",
                                      "pcie-root-port",
                                      "pcie-switch-upstream-port",
                                      "pcie-switch-downstream-port",
                                      "pci-expander-bus",
                                      "pcie-expander-bus",
                                      "pcie-to-pci-bridge",
                                      NULL};
    static const char *const scsi[] = {"auto",
                                       "buslogic",
                                       "lsilogic",
                                       "lsisas1068",
                                       "vmpvscsi",
                                       "ibmvscsi",
                                       "virtio-scsi",
                                       "lsisas1078",
                                       "virtio-transitional",
                                       "virtio-non-transitional",
                                       "ncr53c90",
                                       "am53c974",
                                       "dc390",
                                       NULL};
    static const char *const vser[] = {"virtio", "virtio-transitional", "virtio-non-transitional",
                                       NULL};
    static const char *const none[] = {NULL};
    if (!strcmp(type, "usb"))
        return usb;
    if (!strcmp(type, "pci"))
        return pci;
    if (!strcmp(type, "scsi"))
        return scsi;
    if (!strcmp(type, "virtio-serial"))
        return vser;
    return none;
}

/* The ich9 USB2 set: an EHCI and the UHCI companions that share its bus. */
static bool is_usb2_ctrl(const struct vk_controller_def *ct)
{
    static const char *const usb2[] = {"ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3",
                                       NULL};
    if (strcmp(ct->type, "usb") || !ct->model)
        return false;
    for (size_t i = 0; usb2[i]; i++)
        if (!strcmp(ct->model, usb2[i]))
            return true;
    return false;
}

/* The index libvirt gives a controller written without one (the last one in
 * def): a USB2 controller joins the bus of the USB controller just before it
 * when that one is USB2 too and the bus has no controller of this model yet
 * (virt-install writes an EHCI and three UHCIs, all meaning index 0);
 * anything else gets one past the highest index of its type. */
static int default_ctrl_index(const struct vk_domain_def *def, const struct vk_controller_def *ct)
{
    size_t n = def->ncontrollers - 1;
    if (is_usb2_ctrl(ct)) {
        const struct vk_controller_def *prev = NULL;
        for (size_t i = n; i-- > 0;)
            if (!strcmp(def->controllers[i].type, "usb")) {
                prev = &def->controllers[i];
                break;
            }
        if (prev && is_usb2_ctrl(prev)) {
            bool taken = false;
            for (size_t i = 0; i < n; i++)
                if (!strcmp(def->controllers[i].type, "usb") &&
                    def->controllers[i].index == prev->index && def->controllers[i].model &&
                    !strcmp(def->controllers[i].model, ct->model))
                    taken = true;
            if (!taken)
                return prev->index;
        }
    }
    int idx = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(def->controllers[i].type, ct->type) && def->controllers[i].index >= idx)
            idx = def->controllers[i].index + 1;
    return idx;
}

static int parse_controller(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"type", "index", "model", "ports", "vectors", NULL};
    static const char *const model_attrs[] = {"name", NULL};
    static const char *const target_attrs[] = {"chassis", "port", NULL};
    static const char *const master_attrs[] = {"startport", NULL};
    struct vk_controller_def *ct = VK_APPEND(def->controllers, def->ncontrollers);
    conf_info_init(&ct->info);
    ct->index = -1;
    ct->ports = ct->vectors = -1;
    ct->target_chassis = ct->target_port = -1;
    ct->master_startport = -1;
    bool err = false;

    static const char *const other_types[] = {"ccid", "xenbus", "isa", "nvme", NULL};
    if (xu_check_attrs(n, attrs) < 0 || conf_check_unsupported(n, "type", other_types) < 0 ||
        choice(n, "type", ctrl_types, &ct->type) < 0)
        return -1;
    if (!ct->type)
        return xu_err_missing(n, "type");
    if (choice(n, "model", ctrl_models(ct->type), &ct->model) < 0 ||
        xu_attr_int(n, "index", 0, 65535, false, &ct->index) < 0 ||
        xu_attr_int(n, "ports", 0, 65535, false, &ct->ports) < 0 ||
        xu_attr_int(n, "vectors", 0, 65535, false, &ct->vectors) < 0)
        return -1;

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        int r = conf_parse_info_child(c, &ct->info, false, flags);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (xu_is(c, "model")) {
            if (ct->model_name)
                return xu_err_dup(c);
            if (xu_check_attrs(c, model_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *name = xu_attr(c, "name");
            if (!name || !*name)
                return xu_err_missing(c, "name");
            ct->model_name = vk_strdup(name);
        } else if (xu_is(c, "target")) {
            if (xu_check_attrs(c, target_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_int(c, "chassis", 0, 255, false, &ct->target_chassis) < 0 ||
                xu_attr_int(c, "port", 0, 255, true, &ct->target_port) < 0)
                return -1;
        } else if (xu_is(c, "master")) {
            if (xu_check_attrs(c, master_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_int(c, "startport", 0, 65535, false, &ct->master_startport) < 0)
                return -1;
            if (ct->master_startport < 0)
                return xu_err_missing(c, "startport");
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (ct->index < 0)
        ct->index = default_ctrl_index(def, ct);
    for (size_t i = 0; i + 1 < def->ncontrollers; i++) {
        const struct vk_controller_def *o = &def->controllers[i];
        if (strcmp(o->type, ct->type) || o->index != ct->index)
            continue;
        /* An ich9 EHCI and its UHCI companions form one bus: same index, other models. */
        if (is_usb2_ctrl(o) && is_usb2_ctrl(ct) && strcmp(o->model, ct->model))
            continue;
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "controller type '%s' index %d is defined more than once", ct->type,
                            ct->index);
    }
    return 0;
}

static int parse_net(xmlNodePtr n, struct vk_domain_def *def, unsigned flags)
{
    static const char *const attrs[] = {"type", NULL};
    static const char *const mac_attrs[] = {"address", NULL};
    static const char *const model_attrs[] = {"type", NULL};
    static const char *const backend_attrs[] = {"type", NULL};
    static const char *const backends[] = {"default", "passt", NULL};
    static const char *const mtu_attrs[] = {"size", NULL};
    static const char *const target_attrs[] = {"dev", "managed", NULL};
    struct vk_net_def *net = VK_APPEND(def->nets, def->nnets);
    conf_info_init(&net->info);
    int type = 0;
    bool err = false;

    if (xu_check_attrs(n, attrs) < 0 || xu_attr_enum(n, "type", conf_net_type_names, &type) < 0)
        return -1;
    if (!type) {
        const char *t = xu_attr(n, "type");
        if (t)
            return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                                "unsupported interface type '%s'", t);
        return xu_err_missing(n, "type");
    }
    net->type = (enum vk_net_type)type;

    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        int r = conf_parse_info_child(c, &net->info, true, flags);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (xu_is(c, "mac")) {
            if (net->mac_given)
                return xu_err_dup(c);
            if (xu_check_attrs(c, mac_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *mac = xu_attr(c, "address");
            if (!mac)
                return xu_err_missing(c, "address");
            if (conf_mac_parse(mac, net->mac) < 0)
                return vk_error_set(VK_ERR_INVALID_MAC, VK_FROM_CONF,
                                    "invalid value '%s' for <interface/mac address>", mac);
            if (net->mac[0] & 1)
                return vk_error_set(VK_ERR_INVALID_MAC, VK_FROM_CONF,
                                    "<interface/mac address> '%s' is multicast, "
                                    "a unicast address is required",
                                    mac);
            net->mac_given = true;
        } else if (xu_is(c, "source")) {
            const char *key = net->type == VK_NET_NETWORK  ? "network"
                              : net->type == VK_NET_BRIDGE ? "bridge"
                                                           : NULL;
            const char *const key_attrs[] = {key, NULL};
            if (net->source)
                return xu_err_dup(c);
            if (xu_check_attrs(c, key ? key_attrs : NULL) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *v = key ? xu_attr(c, key) : NULL;
            if (!v || !*v)
                return key ? xu_err_missing(c, key) : 0;
            net->source = vk_strdup(v);
        } else if (xu_is(c, "model")) {
            if (net->model)
                return xu_err_dup(c);
            if (xu_check_attrs(c, model_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *m = xu_attr(c, "type");
            if (!m)
                return xu_err_missing(c, "type");
            if (!*m || strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                 "_-") != strlen(m))
                return xu_err_value(c, "type", m);
            net->model = vk_strdup(m);
        } else if (xu_is(c, "backend")) {
            if (net->backend_type)
                return xu_err_dup(c);
            if (xu_check_attrs(c, backend_attrs) < 0 || xu_check_empty(c) < 0 ||
                choice(c, "type", backends, &net->backend_type) < 0)
                return -1;
            if (net->backend_type && net->type != VK_NET_USER)
                return xu_err_attr(c, "type");
        } else if (xu_is(c, "mtu")) {
            if (xu_check_attrs(c, mtu_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_int(c, "size", 68, 65535, false, &net->mtu) < 0)
                return -1;
            if (!net->mtu)
                return xu_err_missing(c, "size");
        } else if (xu_is(c, "target")) {
            if (net->target_dev)
                return xu_err_dup(c);
            if (xu_check_attrs(c, target_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            const char *dev = xu_attr(c, "dev");
            if (!dev || !*dev)
                return xu_err_missing(c, "dev");
            if (strlen(dev) >= 16 || strchr(dev, '/') || strchr(dev, '%'))
                return xu_err_value(c, "dev", dev);
            int managed = 0;
            if (xu_attr_yesno(c, "managed", "yes", "no", &managed) < 0)
                return -1;
            net->target_unmanaged = managed == 2;
            /* As libvirt: vnetN names are the daemon's runtime choice, not
             * configuration (a redefined live XML must not pin one). */
            if (!strncmp(dev, "vnet", 4) && !net->target_unmanaged && !(flags & VK_PARSE_STATUS))
                continue;
            net->target_dev = vk_strdup(dev);
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (net->target_unmanaged && net->type != VK_NET_ETHERNET)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "<interface/target managed='no'> needs interface type 'ethernet'");
    if (!net->source && net->type != VK_NET_USER && net->type != VK_NET_ETHERNET)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing <interface/source %s>",
                            net->type == VK_NET_NETWORK ? "network" : "bridge");
    if (!net->mac_given && conf_mac_generate(net->mac) < 0)
        return -1;
    return 0;
}

int conf_parse_devices(xmlNodePtr devices, struct vk_domain_def *def, unsigned flags)
{
    bool err = false;
    if (xu_check_attrs(devices, NULL) < 0)
        return -1;
    size_t count = 0;
    for (xmlNodePtr c = xu_first(devices, &err); c; c = xu_next(c, &err)) {
        int r;
        /* Bounds the work of the per-device uniqueness checks. */
        if (++count > CONF_MAX_DEVICES)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "more than %d elements in <devices>", CONF_MAX_DEVICES);
        if (xu_is(c, "emulator")) {
            if (def->emulator)
                return xu_err_dup(c);
            if (xu_check_attrs(c, NULL) < 0 || !(def->emulator = xu_text(c)))
                return -1;
            if (def->emulator[0] != '/')
                return xu_err_value(c, NULL, def->emulator);
            r = 0;
        } else if (xu_is(c, "disk")) {
            r = parse_disk(c, def, flags);
        } else if (xu_is(c, "controller")) {
            r = parse_controller(c, def, flags);
        } else if (xu_is(c, "interface")) {
            r = parse_net(c, def, flags);
        } else if (xu_is(c, "serial") || xu_is(c, "console") || xu_is(c, "channel")) {
            r = conf_parse_chr(c, def, flags);
        } else {
            r = conf_parse_other_device(c, def, flags);
        }
        if (r < 0)
            return -1;
    }
    return err ? -1 : 0;
}
