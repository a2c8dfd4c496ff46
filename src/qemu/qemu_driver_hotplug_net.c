/* Feature "net" (hotplug): attach and detach of <interface> devices, on the
 * persistent definition (--config) and/or the running QEMU (--live).
 *
 * Live attach: the tap is opened here (as at start) and handed to QEMU with
 * getfd; netdev_add then device_add with the -device JSON the argv builder
 * renders for the interface, so a hot-added NIC is configured exactly as a
 * cold-plugged one. Its id is the first free netN (libvirt's alias), kept in
 * the live def as the alias. Live detach: device_del and the removal
 * finishes when QEMU says DEVICE_DELETED (qemu_driver_unplug.c: netdev_del,
 * tap deleted, device-removed event). */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command.h"
#include "qemu/qemu_command_priv.h"
#include "qemu/qemu_domain.h"
#include "qemu/qemu_driver_hotplug_priv.h"
#include "qemu/qemu_interface.h"
#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

void vk_hp_net_qdev_id(const struct vk_domain_def *def, size_t i, char *buf, size_t len)
{
    const char *alias = def->nets[i].info.alias;
    if (alias)
        snprintf(buf, len, "%s", alias);
    else
        snprintf(buf, len, "net%zu", i);
}

ssize_t vk_hp_find_net_id(const struct vk_domain_def *def, const char *id)
{
    for (size_t i = 0; i < def->nnets; i++) {
        char nid[128];
        vk_hp_net_qdev_id(def, i, nid, sizeof(nid));
        if (!strcmp(nid, id))
            return (ssize_t)i;
    }
    return -1;
}

static void mac_str(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Moves net out of its def into a def of its own and frees that. */
static void net_free(struct vk_net_def *n)
{
    struct vk_domain_def *tmp = vk_calloc(1, sizeof(*tmp));
    tmp->nets = vk_calloc(1, sizeof(*n));
    tmp->nets[0] = *n;
    tmp->nnets = 1;
    vk_domain_def_free(tmp);
    memset(n, 0, sizeof(*n));
}

static void remove_net(struct vk_domain_def *def, size_t i)
{
    net_free(&def->nets[i]);
    memmove(&def->nets[i], &def->nets[i + 1], (def->nnets - i - 1) * sizeof(def->nets[0]));
    def->nnets--;
}

struct vk_domain_def *vk_hp_live_without_net(const struct vk_domain_def *def, size_t i)
{
    struct vk_domain_def *copy = vk_domain_def_copy(def);
    if (!copy)
        return NULL;
    for (size_t j = 0; j < copy->nnets; j++) {
        if (j == i || copy->nets[j].info.alias)
            continue;
        char id[32];
        vk_hp_net_qdev_id(copy, j, id, sizeof(id));
        copy->nets[j].info.alias = vk_strdup(id);
    }
    remove_net(copy, i);
    return copy;
}

/* The interface of def that `want` (a detach request) names: by MAC when
 * it has one, else by target device, else the only one. */
static ssize_t match_net(const struct vk_domain_def *def, const struct vk_net_def *want)
{
    char mac[18];
    mac_str(want->mac, mac);
    ssize_t found = -1;
    for (size_t i = 0; i < def->nnets; i++) {
        const struct vk_net_def *n = &def->nets[i];
        bool hit = want->mac_given ? !memcmp(n->mac, want->mac, 6)
                   : want->target_dev
                       ? n->target_dev && !strcmp(n->target_dev, want->target_dev)
                       : true;
        if (!hit)
            continue;
        if (found >= 0)
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                                "more than one interface matches; give its MAC address");
        found = (ssize_t)i;
    }
    if (found < 0) {
        if (want->mac_given)
            vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU,
                         "no interface with MAC address %s", mac);
        else
            vk_error_set(VK_ERR_DEVICE_MISSING, VK_FROM_QEMU, "no interface %s%s found",
                         want->target_dev ? "with target device " : "",
                         want->target_dev ? want->target_dev : "");
    }
    return found;
}

static struct vk_domain_def *parse_one_net(const char *xml)
{
    struct vk_domain_def *dev = vk_domain_device_parse(xml, 0);
    if (dev && dev->nnets != 1) {
        vk_domain_def_free(dev);
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU, "not one <interface> element");
        return NULL;
    }
    return dev;
}

static int check_supported(const struct vk_net_def *n)
{
    if (n->type == VK_NET_NETWORK)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                            "interface type 'network' needs virtual networking, not available "
                            "yet");
    if (n->backend_type && strcmp(n->backend_type, "default") != 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                            "interface backend type '%s' is not supported", n->backend_type);
    if (!vk_qemu_net_model(n))
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                            "interface model '%s' is not supported", n->model);
    return 0;
}

/* cur + the interface n (copied), with a PCI address assigned and checked
 * through format + parse. NULL (error set) on a clash. */
static struct vk_domain_def *config_with_net(const struct vk_domain_def *cur,
                                             const struct vk_net_def *n)
{
    char mac[18];
    mac_str(n->mac, mac);
    for (size_t i = 0; i < cur->nnets; i++)
        if (!memcmp(cur->nets[i].mac, n->mac, 6)) {
            vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                         "an interface with MAC address %s already exists", mac);
            return NULL;
        }
    struct vk_domain_def *copy = vk_domain_def_copy(cur);
    if (!copy)
        return NULL;
    /* n is lent to the copy, which is checked through XML (the result owns
     * every string), then taken back. */
    *VK_APPEND(copy->nets, copy->nnets) = *n;
    struct vk_domain_def *checked = NULL;
    if (vk_qemu_def_assign_addresses(copy) == 0)
        checked = vk_domain_def_copy(copy);
    memset(&copy->nets[--copy->nnets], 0, sizeof(*n));
    vk_domain_def_free(copy);
    copy = checked;
    return copy;
}

static int config_edit(struct vk_qemu_dom *dom, const struct vk_net_def *add,
                       const struct vk_net_def *remove, bool check_only)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_domain_def *cur = vk_qemu_dom_is_active(dom) ? dom->newdef : dom->def;
    struct vk_domain_def *copy = cur ? vk_domain_def_copy(cur) : NULL;
    pthread_mutex_unlock(&dom->lock);
    if (!copy)
        return cur ? -1
                   : vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                                  "domain '%s' has no persistent configuration", dom->name);
    struct vk_domain_def *n = NULL;
    if (add) {
        n = config_with_net(copy, add);
    } else {
        ssize_t i = match_net(copy, remove);
        if (i >= 0) {
            remove_net(copy, (size_t)i);
            n = copy;
            copy = NULL;
        }
    }
    vk_domain_def_free(copy);
    if (!n)
        return -1;
    if (check_only) {
        vk_domain_def_free(n);
        return 0;
    }
    if (vk_qemu_config_save(dom->drv, n) < 0) {
        vk_domain_def_free(n);
        return -1;
    }
    vk_hp_config_swap(dom, n);
    return 0;
}

/* The -device JSON the argv builder writes for interface n alone. */
static struct json_object *render_device(const struct vk_domain_def *live,
                                         const struct vk_net_def *n)
{
    struct vk_domain_def *one = vk_hp_render_def(live);
    if (!one)
        return NULL;
    *VK_APPEND(one->nets, one->nnets) = *n; /* lent for the copy below */
    struct vk_domain_def *rendered = vk_domain_def_copy(one);
    memset(&one->nets[0], 0, sizeof(one->nets[0]));
    one->nnets = 0;
    vk_domain_def_free(one);
    if (!rendered)
        return NULL;
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 3};
    char **argv = vk_qemu_build_argv(rendered, &ctx);
    vk_domain_def_free(rendered);
    if (!argv)
        return NULL;
    struct json_object *dev = NULL;
    for (size_t i = 0; argv[i] && argv[i + 1] && !dev; i++) {
        if (strcmp(argv[i], "-device") != 0 || argv[i + 1][0] != '{')
            continue;
        struct json_object *d = json_tokener_parse(argv[i + 1]), *v;
        if (d && json_object_object_get_ex(d, "netdev", &v))
            dev = d;
        else
            json_object_put(d);
    }
    vk_qemu_argv_free(argv);
    if (!dev)
        vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                     "could not render the interface's QEMU options");
    return dev;
}

static int qmp_obj(struct vk_qemu_monitor *mon, const char *cmd, struct json_object *args)
{
    return vk_qmp_command(mon, cmd, json_object_to_json_string(args), NULL, HP_QMP_TIMEOUT_MS);
}

/* Adds n to the running QEMU; n gets its alias, address and tap name. */
static int live_attach(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon,
                       const struct vk_domain_def *live, struct vk_net_def *n, char *id,
                       size_t idlen)
{
    char mac[18];
    mac_str(n->mac, mac);
    for (size_t i = 0; i < live->nnets; i++)
        if (!memcmp(live->nets[i].mac, n->mac, 6))
            return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                                "an interface with MAC address %s already exists", mac);
    if (n->info.alias) /* a user alias (ua-) is its id, as at start */
        snprintf(id, idlen, "%s", n->info.alias);
    for (int k = 0; !n->info.alias; k++) {
        snprintf(id, idlen, "net%d", k);
        if (vk_hp_find_net_id(live, id) < 0)
            break;
    }
    if (vk_hp_find_net_id(live, id) >= 0)
        return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                            "a device with alias '%s' already exists", id);
    struct vk_dev_addr pci;
    if (vk_hp_pick_pci_addr(mon, live, dom->name, &pci) < 0)
        return -1;
    if (!n->info.alias)
        n->info.alias = vk_strdup(id);
    /* Rendered without an address (on q35 its root port is not in the
     * render def); the one picked goes into the JSON and the live def. */
    vk_hp_addr_clear(&n->info.addr);

    /* The builder names it net0 in a def of its own: ours is id. */
    struct json_object *dev = render_device(live, n);
    if (!dev)
        return -1;
    char hostnet[160], fdname[160];
    snprintf(hostnet, sizeof(hostnet), "host%s", id);
    snprintf(fdname, sizeof(fdname), "fd-%s", id);
    json_object_object_add(dev, "id", json_object_new_string(id));
    json_object_object_add(dev, "netdev", json_object_new_string(hostnet));
    json_object_object_del(dev, "bootindex");
    vk_hp_json_set_pci_addr(dev, live, &pci);
    n->info.addr = pci;

    int ret = -1, fd = -1;
    bool tap = vk_qemu_net_is_tap(n), fd_passed = false, netdev_added = false;
    struct json_object *nd = json_object_new_object();
    if (tap) {
        if ((fd = vk_qemu_interface_open(dom->name, n)) < 0)
            goto out;
        struct json_object *a = json_object_new_object();
        json_object_object_add(a, "fdname", json_object_new_string(fdname));
        int r = vk_qmp_command_fd(mon, "getfd", json_object_to_json_string(a), fd, NULL,
                                  HP_QMP_TIMEOUT_MS);
        json_object_put(a);
        if (r < 0)
            goto out;
        fd_passed = true;
        json_object_object_add(nd, "type", json_object_new_string("tap"));
        json_object_object_add(nd, "fd", json_object_new_string(fdname));
    } else {
        json_object_object_add(nd, "type", json_object_new_string("user"));
    }
    json_object_object_add(nd, "id", json_object_new_string(hostnet));
    if (qmp_obj(mon, "netdev_add", nd) < 0)
        goto out;
    netdev_added = true;
    fd_passed = false; /* the netdev owns the fd now */
    if (qmp_obj(mon, "device_add", dev) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0) { /* undo, keeping the first error */
        struct vk_error e = *vk_error_last();
        char args[256];
        if (netdev_added) {
            snprintf(args, sizeof(args), "{\"id\":\"%s\"}", hostnet);
            vk_qmp_command(mon, "netdev_del", args, NULL, HP_QMP_TIMEOUT_MS);
        }
        if (fd_passed) {
            snprintf(args, sizeof(args), "{\"fdname\":\"%s\"}", fdname);
            vk_qmp_command(mon, "closefd", args, NULL, HP_QMP_TIMEOUT_MS);
        }
        if (fd >= 0)
            vk_qemu_interface_release(n);
        vk_error_set(e.code, e.domain, "%s", e.message);
    }
    if (fd >= 0)
        close(fd);
    json_object_put(nd);
    json_object_put(dev);
    return ret;
}

/* Completes flags; with LIVE, the monitor and a copy of the live def. */
static int affect_begin(struct vk_qemu_dom *dom, unsigned *flags, struct vk_qemu_monitor **mon,
                        struct vk_domain_def **live)
{
    pthread_mutex_lock(&dom->lock);
    int r = vk_hp_resolve_affect(dom, flags);
    *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    if (r == 0 && (*flags & VK_AFFECT_LIVE))
        *live = vk_domain_def_copy(dom->def);
    pthread_mutex_unlock(&dom->lock);
    return r;
}

int vk_hp_attach_net(struct vk_qemu_dom *dom, const char *xml, unsigned flags)
{
    struct vk_domain_def *dev = parse_one_net(xml);
    if (!dev)
        return -1;
    int ret = -1;
    struct vk_domain_def *live = NULL;
    struct vk_net_def *n = &dev->nets[0];
    if (check_supported(n) < 0)
        goto out;
    struct vk_qemu_monitor *mon = NULL;
    int r = affect_begin(dom, &flags, &mon, &live);
    if (r < 0)
        goto out;
    /* The config is checked first, saved after the live part worked. */
    if ((flags & VK_AFFECT_CONFIG) && config_edit(dom, n, NULL, true) < 0)
        goto out;
    if (flags & VK_AFFECT_LIVE) {
        if (!live || !mon)
            goto out;
        struct vk_domain_def *cfgdev = (flags & VK_AFFECT_CONFIG) ? parse_one_net(xml) : NULL;
        if (cfgdev) /* the same MAC for both, as given or generated once */
            memcpy(cfgdev->nets[0].mac, n->mac, 6), cfgdev->nets[0].mac_given = true;
        char id[64];
        if (live_attach(dom, mon, live, n, id, sizeof(id)) < 0) {
            vk_domain_def_free(cfgdev);
            goto out;
        }
        *VK_APPEND(live->nets, live->nnets) = *n;
        memset(n, 0, sizeof(*n));
        dev->nnets = 0;
        struct vk_domain_def *checked = vk_domain_def_copy(live);
        if (checked)
            vk_hp_live_swap(dom, checked);
        vk_hp_emit_added(dom, id);
        if (cfgdev) {
            r = config_edit(dom, &cfgdev->nets[0], NULL, false);
            vk_domain_def_free(cfgdev);
            if (r < 0)
                goto out;
        }
    } else if (config_edit(dom, n, NULL, false) < 0) {
        goto out;
    }
    ret = 0;
out:
    vk_domain_def_free(live);
    vk_domain_def_free(dev);
    return ret;
}

int vk_hp_detach_net(struct vk_qemu_dom *dom, const char *xml, unsigned flags)
{
    struct vk_domain_def *dev = parse_one_net(xml);
    if (!dev)
        return -1;
    int ret = -1;
    struct vk_domain_def *live = NULL;
    const struct vk_net_def *want = &dev->nets[0];
    struct vk_qemu_monitor *mon = NULL;
    int r = affect_begin(dom, &flags, &mon, &live);
    if (r < 0)
        goto out;
    if ((flags & VK_AFFECT_CONFIG) && config_edit(dom, NULL, want, true) < 0)
        goto out;
    if (flags & VK_AFFECT_LIVE) {
        if (!live || !mon)
            goto out;
        ssize_t i = match_net(live, want);
        if (i < 0)
            goto out;
        char id[128];
        vk_hp_net_qdev_id(live, (size_t)i, id, sizeof(id));
        if (vk_hp_unplug(dom, mon, id, NULL) < 0)
            goto out;
    }
    if ((flags & VK_AFFECT_CONFIG) && config_edit(dom, NULL, want, false) < 0)
        goto out;
    ret = 0;
out:
    vk_domain_def_free(live);
    vk_domain_def_free(dev);
    return ret;
}
