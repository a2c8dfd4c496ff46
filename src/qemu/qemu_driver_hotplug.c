/* Feature "hotplug": attach and detach devices (disks for now) on the
 * persistent definition (--config) and/or the running QEMU (--live).
 *
 * Live disks: the argv builder renders the new disk (in a def of its own,
 * with the PCI slot we picked from query-pci), and its -blockdev and -device
 * JSON go to QMP blockdev-add and device_add unchanged, so a hot-added disk
 * is configured exactly as a cold-plugged one. Node names get the next free
 * libvirt-N number; the device id is the builder's (virtio-diskN). Detach:
 * device_del, then wait until QEMU has dropped the device (the guest must
 * acknowledge the unplug), then blockdev-del of the format and storage
 * nodes found through query-block. */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_command_priv.h"
#include "qemu/qemu_domain.h"
#include "qemu/qemu_driver_stats.h"
#include "qemu/qemu_driver_stats_priv.h"
#include "qemu/qemu_driver_hotplug_priv.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"


int vk_hp_resolve_affect(struct vk_qemu_dom *dom, unsigned *flags)
{
    bool active = vk_qemu_dom_is_active(dom);
    if (!(*flags & (VK_AFFECT_LIVE | VK_AFFECT_CONFIG)))
        *flags |= active ? VK_AFFECT_LIVE : VK_AFFECT_CONFIG;
    if ((*flags & VK_AFFECT_LIVE) && !active)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                            dom->name);
    if ((*flags & VK_AFFECT_CONFIG) && !dom->persistent)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "domain '%s' is transient: it has no persistent configuration to "
                            "change",
                            dom->name);
    return 0;
}

/* Frees one disk struct (moved out of its def) through a def of its own. */
static void disk_free(struct vk_disk_def *d)
{
    struct vk_domain_def *tmp = vk_calloc(1, sizeof(*tmp));
    tmp->disks = vk_calloc(1, sizeof(*d));
    tmp->disks[0] = *d;
    tmp->ndisks = 1;
    vk_domain_def_free(tmp);
    memset(d, 0, sizeof(*d));
}

ssize_t vk_hp_find_disk(const struct vk_domain_def *def, const char *target)
{
    for (size_t i = 0; i < def->ndisks; i++)
        if (def->disks[i].target_dev && strcmp(def->disks[i].target_dev, target) == 0)
            return (ssize_t)i;
    return -1;
}

/* Moves d into a copy of def and re-validates through format + parse.
 * Returns the new def (d is then consumed) or NULL. */
static struct vk_domain_def *def_with_disk(const struct vk_domain_def *def,
                                           struct vk_disk_def *d)
{
    struct vk_domain_def *copy = vk_domain_def_copy(def);
    if (!copy)
        return NULL;
    if (vk_hp_find_disk(copy, d->target_dev) >= 0) {
        vk_domain_def_free(copy);
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "target %s already exists", d->target_dev);
        return NULL;
    }
    *VK_APPEND(copy->disks, copy->ndisks) = *d;
    memset(d, 0, sizeof(*d));
    struct vk_domain_def *checked = vk_domain_def_copy(copy);
    vk_domain_def_free(copy);
    return checked;
}

struct vk_domain_def *vk_hp_def_without_disk(const struct vk_domain_def *def,
                                             const char *target)
{
    struct vk_domain_def *copy = vk_domain_def_copy(def);
    if (!copy)
        return NULL;
    ssize_t i = vk_hp_find_disk(copy, target);
    if (i < 0) {
        vk_domain_def_free(copy);
        vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "disk %s not found", target);
        return NULL;
    }
    disk_free(&copy->disks[i]);
    memmove(&copy->disks[i], &copy->disks[i + 1],
            (copy->ndisks - (size_t)i - 1) * sizeof(copy->disks[0]));
    copy->ndisks--;
    return copy;
}

/* Saves newdef as the persistent config and swaps it in (job held). */
void vk_hp_config_swap(struct vk_qemu_dom *dom, struct vk_domain_def *newdef)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def **slot = vk_qemu_dom_is_active(dom) ? &dom->newdef : &dom->def;
    struct vk_domain_def *old = *slot;
    *slot = newdef;
    pthread_mutex_unlock(&dom->lock);
    vk_domain_def_free(old);
}

static int config_edit_disk(struct vk_qemu_dom *dom, struct vk_disk_def *add, const char *remove)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *cur = vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
    struct vk_domain_def *copy = cur ? vk_domain_def_copy(cur) : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!copy)
        return cur ? -1
                   : vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                                  "domain '%s' has no persistent configuration", dom->name);
    struct vk_domain_def *n = add ? def_with_disk(copy, add) : vk_hp_def_without_disk(copy, remove);
    vk_domain_def_free(copy);
    if (!n)
        return -1;
    if (vk_qemu_config_save(dom->drv, n) < 0) {
        vk_domain_def_free(n);
        return -1;
    }
    vk_hp_config_swap(dom, n);
    return 0;
}

/* ---- live ---- */

struct json_object *vk_hp_qmp_json(struct vk_qemu_monitor *mon, const char *cmd,
                                   const char *args)
{
    char *reply = NULL;
    if (vk_qmp_command(mon, cmd, args, &reply, HP_QMP_TIMEOUT_MS) < 0)
        return NULL;
    struct json_object *j = json_tokener_parse(reply ? reply : "null");
    free(reply);
    if (!j)
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU, "QEMU's reply to %s is not JSON", cmd);
    return j;
}

static bool is_q35(const struct vk_domain_def *def)
{
    return def->os.machine && strstr(def->os.machine, "q35");
}

/* pc: the first slot on bus 0 that query-pci does not list, from slot 3 up
 * (0-2: host bridge, PIIX3, VGA). q35: as libvirt, slot 0 of a pcie-root-port
 * (pci.N) with nothing behind it (postparse leaves one spare). */
static int pick_pci(struct json_object *bus0, bool q35, int *bus, int *slot)
{
    bool used[32] = {true, true, true};
    struct json_object *devs, *v, *br, *brdevs;
    size_t n = bus0 && json_object_object_get_ex(bus0, "devices", &devs)
                   ? json_object_array_length(devs)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *d = json_object_array_get_idx(devs, i);
        if (q35) {
            int idx;
            if (json_object_object_get_ex(d, "qdev_id", &v) &&
                sscanf(json_object_get_string(v), "pci.%d", &idx) == 1 &&
                json_object_object_get_ex(d, "pci_bridge", &br) &&
                (!json_object_object_get_ex(br, "devices", &brdevs) ||
                 json_object_array_length(brdevs) == 0)) {
                *bus = idx;
                *slot = 0;
                return 0;
            }
        } else if (json_object_object_get_ex(d, "slot", &v)) {
            int s = json_object_get_int(v);
            if (s >= 0 && s < 32)
                used[s] = true;
        }
    }
    for (int s = 3; s < 32 && !q35; s++)
        if (!used[s]) {
            *bus = 0;
            *slot = s;
            return 0;
        }
    return -1;
}

int vk_hp_pick_pci_addr(struct vk_qemu_monitor *mon, const struct vk_domain_def *live,
                        const char *name, struct vk_dev_addr *addr)
{
    struct json_object *j = vk_hp_qmp_json(mon, "query-pci", NULL);
    if (!j)
        return -1;
    int bus = 0, slot = 0;
    struct json_object *bus0 = json_object_array_length(j) ? json_object_array_get_idx(j, 0) : NULL;
    int r = pick_pci(bus0, is_q35(live), &bus, &slot);
    json_object_put(j);
    if (r < 0)
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            is_q35(live) ? "domain '%s': no free pcie-root-port for a hot-plugged "
                                           "device (add a <controller type='pci' "
                                           "model='pcie-root-port'/>)"
                                         : "domain '%s': no free PCI slot on bus 0 for a "
                                           "hot-plugged device",
                            name);
    addr->usb_port = NULL; /* addr may be uninitialized: nothing to free */
    vk_hp_addr_clear(addr);
    addr->type = VK_ADDR_PCI;
    addr->domain = addr->function = 0;
    addr->bus = bus;
    addr->slot = slot;
    return 0;
}

void vk_hp_addr_clear(struct vk_dev_addr *a)
{
    free(a->usb_port);
    memset(a, 0, sizeof(*a));
    a->type = VK_ADDR_NONE;
    a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
    a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
}

void vk_hp_json_set_pci_addr(struct json_object *dev, const struct vk_domain_def *live,
                             const struct vk_dev_addr *a)
{
    char bus[32], addr[16];
    if (a->bus == 0)
        snprintf(bus, sizeof(bus), "%s", is_q35(live) ? "pcie.0" : "pci.0");
    else
        snprintf(bus, sizeof(bus), "pci.%d", a->bus);
    snprintf(addr, sizeof(addr), "0x%x", a->slot);
    json_object_object_add(dev, "bus", json_object_new_string(bus));
    json_object_object_add(dev, "addr", json_object_new_string(addr));
    json_object_object_del(dev, "multifunction");
}

/* The next libvirt-N node number not used by any named block node. */
static int next_node_number(struct vk_qemu_monitor *mon)
{
    struct json_object *j = vk_hp_qmp_json(mon, "query-named-block-nodes", NULL);
    if (!j)
        return -1;
    int max = 0;
    struct json_object *v;
    for (size_t i = 0; i < json_object_array_length(j); i++)
        if (json_object_object_get_ex(json_object_array_get_idx(j, i), "node-name", &v)) {
            int n;
            if (sscanf(json_object_get_string(v), "libvirt-%d-", &n) == 1 && n > max)
                max = n;
        }
    json_object_put(j);
    return max + 1;
}

/* Replaces every "libvirt-1-" node reference in the builder's JSON. */
static void rename_nodes(struct json_object *o, int node)
{
    static const char *const keys[] = {"node-name", "file", "drive"};
    for (size_t i = 0; i < 3; i++) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, keys[i], &v) || !json_object_is_type(v, json_type_string))
            continue;
        const char *s = json_object_get_string(v);
        if (strncmp(s, "libvirt-1-", 10) != 0)
            continue;
        char buf[64];
        snprintf(buf, sizeof(buf), "libvirt-%d-%s", node, s + 10);
        json_object_object_add(o, keys[i], json_object_new_string(buf));
    }
}

/* The -blockdev objects (storage, format) and the -device object of the one
 * disk in def, as the argv builder writes them. */
static int build_disk_json(const struct vk_domain_def *def, struct json_object **blockdevs,
                           int *nblock, struct json_object **device)
{
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 3};
    char **argv = vk_qemu_build_argv(def, &ctx);
    if (!argv)
        return -1;
    *nblock = 0;
    *device = NULL;
    for (size_t i = 0; argv[i] && argv[i + 1]; i++) {
        if (strcmp(argv[i], "-blockdev") == 0 && *nblock < 2) {
            blockdevs[(*nblock)++] = json_tokener_parse(argv[i + 1]);
        } else if (strcmp(argv[i], "-device") == 0 && argv[i + 1][0] == '{') {
            struct json_object *d = json_tokener_parse(argv[i + 1]), *v;
            if (d && json_object_object_get_ex(d, "drive", &v) && !*device)
                *device = d;
            else
                json_object_put(d);
        }
    }
    vk_qemu_argv_free(argv);
    if (*nblock != 2 || !blockdevs[0] || !blockdevs[1] || !*device) {
        for (int k = 0; k < *nblock; k++)
            json_object_put(blockdevs[k]);
        json_object_put(*device);
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "could not render the disk's QEMU options");
    }
    return 0;
}

static int live_attach_disk(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon,
                            const struct vk_domain_def *live, struct vk_disk_def *d)
{
    const char *tgt = d->target_dev;
    if (d->device != VK_DISK_DEV_DISK || d->bus != VK_BUS_VIRTIO)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "disk '%s': live attach supports disks on bus 'virtio' only", tgt);
    if (vk_hp_find_disk(live, tgt) >= 0)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "target %s already exists",
                            tgt);
    struct vk_dev_addr pci;
    if (vk_hp_pick_pci_addr(mon, live, dom->name, &pci) < 0)
        return -1;
    int node = next_node_number(mon);
    if (node < 0)
        return -1;
    /* Rendered without an address (on q35 its root port is not in the
     * render def); the one picked goes into the JSON and the live def. */
    vk_hp_addr_clear(&d->info.addr);

    /* A def of its own: the live one may hold devices whose runtime paths
     * the builder cannot render again. */
    struct vk_domain_def *one = vk_hp_render_def(live);
    if (!one)
        return -1;
    /* d is lent to the one-disk def for a copy (format + parse), then
     * taken back, so it stays ours. */
    *VK_APPEND(one->disks, one->ndisks) = *d;
    struct vk_domain_def *rendered = vk_domain_def_copy(one);
    memset(&one->disks[0], 0, sizeof(one->disks[0]));
    one->ndisks = 0;
    vk_domain_def_free(one);
    if (!rendered)
        return -1;
    struct json_object *bd[2], *dev;
    int nb, r = build_disk_json(rendered, bd, &nb, &dev);
    vk_domain_def_free(rendered);
    if (r < 0)
        return -1;
    rename_nodes(bd[0], node);
    rename_nodes(bd[1], node);
    rename_nodes(dev, node);
    vk_hp_json_set_pci_addr(dev, live, &pci);
    d->info.addr = pci;
    if (d->info.boot_order <= 0)
        json_object_object_del(dev, "bootindex");

    int ret = -1;
    bool storage_added = false, format_added = false;
    if (vk_qmp_command(mon, "blockdev-add", json_object_to_json_string(bd[0]), NULL,
                       HP_QMP_TIMEOUT_MS) < 0)
        goto out;
    storage_added = true;
    if (vk_qmp_command(mon, "blockdev-add", json_object_to_json_string(bd[1]), NULL,
                       HP_QMP_TIMEOUT_MS) < 0)
        goto out;
    format_added = true;
    if (vk_qmp_command(mon, "device_add", json_object_to_json_string(dev), NULL,
                       HP_QMP_TIMEOUT_MS) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0) { /* undo, keeping the first error */
        char args[128], msg[1024];
        int code = vk_error_last()->code, edom = vk_error_last()->domain;
        snprintf(msg, sizeof(msg), "%s", vk_error_last()->message);
        if (format_added) {
            snprintf(args, sizeof(args), "{\"node-name\":\"libvirt-%d-format\"}", node);
            vk_qmp_command(mon, "blockdev-del", args, NULL, HP_QMP_TIMEOUT_MS);
        }
        if (storage_added) {
            snprintf(args, sizeof(args), "{\"node-name\":\"libvirt-%d-storage\"}", node);
            vk_qmp_command(mon, "blockdev-del", args, NULL, HP_QMP_TIMEOUT_MS);
        }
        vk_error_set(code, edom, "%s", msg);
    }
    json_object_put(bd[0]);
    json_object_put(bd[1]);
    json_object_put(dev);
    return ret;
}

struct vk_domain_def *vk_hp_render_def(const struct vk_domain_def *live)
{
    char xml[512];
    snprintf(xml, sizeof(xml),
             "<domain type='qemu'><name>hotplug</name><memory>65536</memory>"
             "<os><type arch='%s' machine='%s'>hvm</type></os></domain>",
             live->os.arch ? live->os.arch : "x86_64", live->os.machine ? live->os.machine : "pc");
    return vk_domain_def_parse(xml, 0);
}

/* The qdev id QEMU knows the live disk by (the builder's naming). */
int vk_hp_disk_qdev_id(const struct vk_disk_def *d, char *buf, size_t len)
{
    if (d->info.alias && strncmp(d->info.alias, "ua-", 3) == 0) {
        snprintf(buf, len, "%s", d->info.alias);
        return 0;
    }
    int idx = vk_disk_target_index(d->target_dev);
    if (d->bus != VK_BUS_VIRTIO || idx < 0)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "disk '%s': live detach supports disks on bus 'virtio' only",
                            d->target_dev);
    snprintf(buf, len, "virtio-disk%d", idx);
    return 0;
}

/* The format node attached to device id (query-block), or NULL. */
static char *disk_format_node(struct vk_qemu_monitor *mon, const char *id)
{
    struct json_object *j = vk_hp_qmp_json(mon, "query-block", NULL);
    if (!j)
        return NULL;
    char want[160];
    snprintf(want, sizeof(want), "/machine/peripheral/%s/", id);
    char *node = NULL;
    for (size_t i = 0; i < json_object_array_length(j) && !node; i++) {
        struct json_object *b = json_object_array_get_idx(j, i), *q, *ins, *n;
        if (!json_object_object_get_ex(b, "qdev", &q))
            continue;
        const char *qs = json_object_get_string(q);
        if (strcmp(qs, id) != 0 && strncmp(qs, want, strlen(want)) != 0)
            continue;
        if (json_object_object_get_ex(b, "inserted", &ins) &&
            json_object_object_get_ex(ins, "node-name", &n))
            node = vk_strdup(json_object_get_string(n));
    }
    json_object_put(j);
    return node;
}

/* device_del, then the removal finishes when QEMU reports DEVICE_DELETED
 * (the guest must release the device): now, or later if the guest is slow. */
static int live_detach_disk(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon,
                            const struct vk_disk_def *d)
{
    char id[128];
    if (vk_hp_disk_qdev_id(d, id, sizeof(id)) < 0)
        return -1;
    vk_autofree char *fmt_node = disk_format_node(mon, id);
    return vk_hp_unplug(dom, mon, id, fmt_node) < 0 ? -1 : 0;
}

/* Replaces the live def (job held, dom active) and records it. */
void vk_hp_live_swap(struct vk_qemu_dom *dom, struct vk_domain_def *n)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *old = NULL;
    if (vk_qemu_dom_is_active(dom)) {
        old = dom->def;
        dom->def = n;
        vk_qemu_status_save(dom);
    } else {
        old = n;
    }
    pthread_mutex_unlock(&dom->lock);
    vk_domain_def_free(old);
}

/* The one device of an attach/detach XML: a disk, or an error naming what
 * is not supported yet. */
static struct vk_domain_def *parse_one_disk(const char *xml)
{
    struct vk_domain_def *dev = vk_domain_device_parse(xml, 0);
    if (!dev)
        return NULL;
    if (dev->ndisks != 1) {
        vk_domain_def_free(dev);
        vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                     "only <disk> and <interface> devices can be attached or detached "
                     "(controllers and others are not supported yet)");
        return NULL;
    }
    return dev;
}

/* Interfaces go to qemu_driver_hotplug_net.c: 1 if xml is one, 0 if not,
 * -1 when it does not parse. */
static int is_interface(const char *xml)
{
    struct vk_domain_def *dev = vk_domain_device_parse(xml, 0);
    if (!dev)
        return -1;
    int r = dev->nnets == 1;
    vk_domain_def_free(dev);
    return r;
}

static int net_job(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                   unsigned flags, bool attach)
{
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    int r = attach ? vk_hp_attach_net(dom, xml, flags) : vk_hp_detach_net(dom, xml, flags);
    if (r < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_qemu_job_end(dom);
    return r;
}

int vk_qemu_domain_attach_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for attaching a device", flags);
    int kind = is_interface(xml);
    if (kind != 0)
        return kind < 0 ? -1 : net_job(drv, uuid, xml, flags, true);
    struct vk_domain_def *dev = parse_one_disk(xml);
    if (!dev)
        return -1;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom) {
        vk_domain_def_free(dev);
        return -1;
    }
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_hp_resolve_affect(dom, &flags);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    struct vk_domain_def *live = (flags & VK_AFFECT_LIVE) && r == 0 ? vk_domain_def_copy(dom->def)
                                                                     : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (r < 0)
        goto out;
    /* Config first checks the device against the whole definition. */
    if (flags & VK_AFFECT_CONFIG) {
        struct vk_domain_def *dev2 = parse_one_disk(xml);
        if (!dev2)
            goto out;
        if (flags & VK_AFFECT_LIVE) { /* check only; saved after the live part worked */
            pthread_mutex_lock(&dom->lock);
            struct vk_domain_def *cur = dom->newdef ? vk_domain_def_copy(dom->newdef) : NULL;
            pthread_mutex_unlock(&dom->lock);
            struct vk_domain_def *n = cur ? def_with_disk(cur, &dev2->disks[0]) : NULL;
            vk_domain_def_free(cur);
            vk_domain_def_free(dev2);
            if (!n)
                goto out;
            vk_domain_def_free(n);
        } else {
            r = config_edit_disk(dom, &dev2->disks[0], NULL);
            vk_domain_def_free(dev2);
            if (r < 0)
                goto out;
        }
    }
    if (flags & VK_AFFECT_LIVE) {
        if (!live || !mon)
            goto out;
        char id[128];
        if (live_attach_disk(dom, mon, live, &dev->disks[0]) < 0 ||
            vk_hp_disk_qdev_id(&dev->disks[0], id, sizeof(id)) < 0)
            goto out;
        struct vk_domain_def *n = def_with_disk(live, &dev->disks[0]);
        if (n)
            vk_hp_live_swap(dom, n);
        vk_hp_emit_added(dom, id);
        if (flags & VK_AFFECT_CONFIG) {
            struct vk_domain_def *dev2 = parse_one_disk(xml);
            if (!dev2)
                goto out;
            r = config_edit_disk(dom, &dev2->disks[0], NULL);
            vk_domain_def_free(dev2);
            if (r < 0)
                goto out;
        }
    }
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_domain_def_free(live);
    vk_domain_def_free(dev);
    vk_qemu_job_end(dom);
    return ret;
}

int vk_qemu_domain_detach_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for detaching a device", flags);
    int kind = is_interface(xml);
    if (kind != 0)
        return kind < 0 ? -1 : net_job(drv, uuid, xml, flags, false);
    /* Detach matches by target; the rest of the element need not be
     * complete (virsh detach-disk sends only what it found). */
    struct vk_domain_def *dev = parse_one_disk(xml);
    if (!dev)
        return -1;
    const char *target = dev->disks[0].target_dev;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom) {
        vk_domain_def_free(dev);
        return -1;
    }
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_hp_resolve_affect(dom, &flags);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    struct vk_domain_def *live = (flags & VK_AFFECT_LIVE) && r == 0 ? vk_domain_def_copy(dom->def)
                                                                     : NULL;
    bool in_config = true;
    if (r == 0 && (flags & VK_AFFECT_CONFIG)) {
        struct vk_domain_def *cur = vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
        in_config = cur && vk_hp_find_disk(cur, target) >= 0;
    }
    pthread_mutex_unlock(&dom->lock);
    if (r < 0)
        goto out;
    if (!in_config) {
        vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "disk %s not found", target);
        goto out;
    }
    if (flags & VK_AFFECT_LIVE) {
        if (!live || !mon)
            goto out;
        ssize_t i = vk_hp_find_disk(live, target);
        if (i < 0) {
            vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "disk %s not found", target);
            goto out;
        }
        if (live_detach_disk(dom, mon, &live->disks[i]) < 0)
            goto out;
    }
    if ((flags & VK_AFFECT_CONFIG) && config_edit_disk(dom, NULL, target) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_domain_def_free(live);
    vk_domain_def_free(dev);
    vk_qemu_job_end(dom);
    return ret;
}

/* ---- update (change-media) ---- */

#define HP_MODIFY_FORCE 4 /* VIR_DOMAIN_DEVICE_MODIFY_FORCE */

/* The qdev id of the cdrom/floppy at index `which` of def's disks, as the
 * argv builder names it (rendered from the def, matched by order). */
static int media_qdev_id(const struct vk_domain_def *def, size_t which, char *buf, size_t len)
{
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 3, .run_dir = "/nonexistent"};
    char **argv = vk_qemu_build_argv(def, &ctx);
    if (!argv)
        return -1;
    size_t want = 0;
    for (size_t i = 0; i < which; i++)
        if (def->disks[i].device != VK_DISK_DEV_DISK)
            want++;
    size_t k = 0;
    int ret = vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                           "disk '%s': no QEMU device found for it", def->disks[which].target_dev);
    for (size_t i = 0; argv[i] && argv[i + 1]; i++) {
        if (strcmp(argv[i], "-device") != 0 || argv[i + 1][0] != '{')
            continue;
        struct json_object *d = json_tokener_parse(argv[i + 1]), *drv, *id;
        const char *dn = d && json_object_object_get_ex(d, "driver", &drv)
                             ? json_object_get_string(drv)
                             : "";
        if (!strcmp(dn, "ide-cd") || !strcmp(dn, "scsi-cd") || !strcmp(dn, "floppy")) {
            if (k++ == want && json_object_object_get_ex(d, "id", &id)) {
                snprintf(buf, len, "%s", json_object_get_string(id));
                vk_error_reset();
                ret = 0;
            }
        }
        json_object_put(d);
    }
    vk_qemu_argv_free(argv);
    return ret;
}

static int set_source(struct vk_domain_def *def, const char *target, const struct vk_disk_def *nd)
{
    ssize_t i = vk_hp_find_disk(def, target);
    if (i < 0)
        return vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "disk %s not found", target);
    struct vk_disk_def *d = &def->disks[i];
    if (d->device == VK_DISK_DEV_DISK)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                            "disk '%s': only the media of a cdrom or floppy can change", target);
    free(d->source);
    d->source = nd->source ? vk_strdup(nd->source) : NULL;
    if (nd->format) {
        free(d->format);
        d->format = vk_strdup(nd->format);
    }
    return 0;
}

int vk_qemu_domain_update_device(struct vk_qemu_driver *drv, const uint8_t *uuid, const char *xml,
                                 unsigned flags)
{
    if (flags & ~(unsigned)(VK_AFFECT_LIVE | VK_AFFECT_CONFIG | HP_MODIFY_FORCE))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags 0x%x for updating a device", flags);
    bool force = flags & HP_MODIFY_FORCE;
    flags &= ~(unsigned)HP_MODIFY_FORCE;
    struct vk_domain_def *dev = parse_one_disk(xml);
    if (!dev)
        return -1;
    const struct vk_disk_def *nd = &dev->disks[0];
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom) {
        vk_domain_def_free(dev);
        return -1;
    }
    int ret = -1;
    pthread_mutex_lock(&dom->lock);
    int r = vk_hp_resolve_affect(dom, &flags);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    struct vk_domain_def *live = (flags & VK_AFFECT_LIVE) && r == 0 ? vk_domain_def_copy(dom->def)
                                                                     : NULL;
    struct vk_domain_def *cfg = NULL;
    if (r == 0 && (flags & VK_AFFECT_CONFIG)) {
        struct vk_domain_def *cur = vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
        cfg = cur ? vk_domain_def_copy(cur) : NULL;
        if (!cfg)
            r = -1;
    }
    pthread_mutex_unlock(&dom->lock);
    if (r < 0)
        goto out;
    /* Check both before changing either. */
    if (cfg && set_source(cfg, nd->target_dev, nd) < 0)
        goto out;
    if (flags & VK_AFFECT_LIVE) {
        if (!live || !mon)
            goto out;
        ssize_t i = vk_hp_find_disk(live, nd->target_dev);
        char id[128], args[8192];
        if (i < 0) {
            vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "disk %s not found",
                         nd->target_dev);
            goto out;
        }
        if (media_qdev_id(live, (size_t)i, id, sizeof(id)) < 0 ||
            set_source(live, nd->target_dev, nd) < 0)
            goto out;
        struct json_object *a = json_object_new_object();
        json_object_object_add(a, "id", json_object_new_string(id));
        const char *cmd = "eject";
        if (nd->source) {
            cmd = "blockdev-change-medium";
            json_object_object_add(a, "filename", json_object_new_string(nd->source));
            const char *fmt = live->disks[i].format ? live->disks[i].format : "raw";
            json_object_object_add(a, "format", json_object_new_string(fmt));
            json_object_object_add(a, "read-only-mode", json_object_new_string("retain"));
        } else {
            json_object_object_add(a, "force", json_object_new_boolean(force));
        }
        snprintf(args, sizeof(args), "%s", json_object_to_json_string(a));
        json_object_put(a);
        if (vk_qmp_command(mon, cmd, args, NULL, HP_QMP_TIMEOUT_MS) < 0)
            goto out;
        vk_hp_live_swap(dom, live);
        live = NULL;
    }
    if (cfg) {
        if (vk_qemu_config_save(dom->drv, cfg) < 0)
            goto out;
        vk_hp_config_swap(dom, cfg);
        cfg = NULL;
    }
    ret = 0;
out:
    if (ret < 0)
        vk_qemu_error_name_domain(dom->name);
    vk_domain_def_free(cfg);
    vk_domain_def_free(live);
    vk_domain_def_free(dev);
    vk_qemu_job_end(dom);
    return ret;
}
