/* Taps for guest interfaces (see qemu_interface.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command_priv.h"
#include "qemu/qemu_interface.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"
#include "util/vk_netdev.h"

bool vk_qemu_net_is_tap(const struct vk_net_def *net)
{
    return net->type == VK_NET_ETHERNET || net->type == VK_NET_BRIDGE;
}

static void name_error(const char *domname, const struct vk_net_def *net)
{
    struct vk_error e = *vk_error_last();
    char mac[18];
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1],
             net->mac[2], net->mac[3], net->mac[4], net->mac[5]);
    vk_error_set(e.code ? e.code : VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                 "domain '%s': interface %s: %s", domname, mac, e.message);
}

int vk_qemu_interface_open(const char *domname, struct vk_net_def *net)
{
    char ifname[VK_IFNAMSIZ];
    const char *want = net->target_dev ? net->target_dev : "vnet%d";
    const char *model = vk_qemu_net_model(net);
    bool vnet_hdr = model && !strcmp(model, "virtio-net-pci");
    int fd = vk_tap_open(want, vnet_hdr, net->target_unmanaged, ifname);
    if (fd < 0) {
        name_error(domname, net);
        return -1;
    }
    if (net->target_unmanaged) /* the user's tap: used as it is */
        goto done;
    /* Ours until the domain stops, not until QEMU closes it: the name stays
     * reserved so a stop never deletes another domain's new tap. */
    if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
        vk_error_system(errno, "cannot make tap '%s' persistent", ifname);
        goto fail;
    }
    /* As libvirt: the host side gets the guest MAC with 0xfe first, so a
     * bridge never takes the guest's address as its own. */
    uint8_t mac[6];
    memcpy(mac, net->mac, 6);
    mac[0] = 0xfe;
    if (vk_netdev_tap_setup(ifname, mac, net->type == VK_NET_BRIDGE ? net->source : NULL) < 0)
        goto fail;
done:
    if (!net->target_dev)
        net->target_dev = vk_strdup(ifname);
    VK_DEBUG("domain '%s': tap '%s' opened (fd %d)", domname, ifname, fd);
    return fd;
fail:
    name_error(domname, net);
    close(fd);
    struct vk_error e = *vk_error_last();
    vk_netdev_delete(ifname);
    vk_error_set(e.code, e.domain, "%s", e.message);
    return -1;
}

int vk_qemu_interfaces_open(const char *domname, struct vk_domain_def *def, int **fds)
{
    *fds = vk_calloc(def->nnets ? def->nnets : 1, sizeof(int));
    for (size_t i = 0; i < def->nnets; i++)
        (*fds)[i] = -1;
    for (size_t i = 0; i < def->nnets; i++) {
        if (!vk_qemu_net_is_tap(&def->nets[i]))
            continue;
        (*fds)[i] = vk_qemu_interface_open(domname, &def->nets[i]);
        if ((*fds)[i] < 0) {
            struct vk_error e = *vk_error_last();
            for (size_t k = 0; k < i; k++)
                if ((*fds)[k] >= 0)
                    vk_qemu_interface_release(&def->nets[k]);
            vk_qemu_interfaces_close_fds(*fds, def->nnets);
            *fds = NULL;
            vk_error_set(e.code, e.domain, "%s", e.message);
            return -1;
        }
    }
    return 0;
}

void vk_qemu_interfaces_close_fds(int *fds, size_t n)
{
    if (!fds)
        return;
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

void vk_qemu_interface_release(const struct vk_net_def *net)
{
    if (!vk_qemu_net_is_tap(net) || !net->target_dev || net->target_unmanaged)
        return;
    if (vk_netdev_delete(net->target_dev) < 0) {
        VK_WARN("%s", vk_error_last()->message);
        vk_error_reset();
    }
}

void vk_qemu_interfaces_release(const struct vk_domain_def *def)
{
    for (size_t i = 0; def && i < def->nnets; i++)
        vk_qemu_interface_release(&def->nets[i]);
}

int vk_qemu_interface_counters(int net_type, const char *ifname, long long out[8])
{
    long long host[8];
    if (vk_netdev_stats(ifname, host) < 0)
        return -1;
    bool swap = net_type != VK_NET_ETHERNET;
    for (int k = 0; k < 8; k++)
        out[k] = host[swap ? (k + 4) % 8 : k];
    return 0;
}
