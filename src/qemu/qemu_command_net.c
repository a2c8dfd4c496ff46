/* Network interfaces: -netdev backend + -device frontend (hostnetN/netN). */
#include <stdio.h>
#include <string.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_error.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int vk_cmd_build_nets(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    for (size_t i = 0; i < def->nnets; i++) {
        const struct vk_net_def *n = &def->nets[i];
        char hostnet[80], id[64], mac[18];
        switch (n->type) {
        case VK_NET_USER:
        case VK_NET_BRIDGE:
        case VK_NET_ETHERNET:
            break;
        case VK_NET_NETWORK:
            return vk_cmd_unsupported(c, "interface type 'network' needs virtual networking, "
                                         "not available yet");
        default:
            return vk_cmd_unsupported(c, "interface %zu: type is not supported", i);
        }
        if (n->backend_type && !streq(n->backend_type, "default"))
            return vk_cmd_unsupported(c,
                                      "interface %zu: backend type '%s' is not supported "
                                      "(passt needs its helper process, not available yet)",
                                      i, n->backend_type);
        const char *drv = vk_qemu_net_model(n);
        if (vk_cmd_dev_id(c, &n->info, id, sizeof(id), "net%zu", i) < 0)
            return -1;
        snprintf(hostnet, sizeof(hostnet), "host%s", id);
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
                 n->mac[3], n->mac[4], n->mac[5]);

        struct json_object *nd = json_object_new_object();
        if (n->type == VK_NET_USER) {
            vk_js(nd, "type", "user");
        } else {
            char fd[16];
            snprintf(fd, sizeof(fd), "%d",
                     c->ctx->net_fds && i < c->ctx->nnet_fds ? c->ctx->net_fds[i] : -1);
            vk_js(nd, "type", "tap");
            vk_js(nd, "fd", fd);
        }
        vk_js(nd, "id", hostnet);
        vk_cmd_add_json(c, "-netdev", nd);

        struct json_object *o = vk_jdev(drv, NULL);
        if (n->mtu > 0) {
            if (!streq(drv, "virtio-net-pci")) {
                json_object_put(o);
                return vk_cmd_unsupported(c, "interface %zu: <mtu> needs model 'virtio'", i);
            }
            vk_ji(o, "host_mtu", n->mtu);
        }
        vk_js(o, "netdev", hostnet);
        vk_js(o, "id", id);
        vk_js(o, "mac", mac);
        int bi = vk_cmd_boot_index(c, VK_BOOT_NETWORK, &n->info, i == 0);
        if (bi)
            vk_ji(o, "bootindex", bi);
        if (vk_cmd_add_pci_addr(c, o, n) < 0) {
            json_object_put(o);
            return -1;
        }
        vk_cmd_add_json(c, "-device", o);
    }
    return 0;
}
