/* Tap devices and their links (see vk_netdev.h). */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* net/if.h clashes with linux/if.h; if_nametoindex is all we need of it. */
extern unsigned int if_nametoindex(const char *ifname);

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_netdev.h"

bool vk_netdev_exists(const char *ifname)
{
    return if_nametoindex(ifname) != 0;
}

int vk_tap_open(const char *name, bool vnet_hdr, bool must_exist, char ifname[VK_IFNAMSIZ])
{
    if (strlen(name) >= VK_IFNAMSIZ)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "tap device name '%s' is longer than %d bytes", name, VK_IFNAMSIZ - 1);
    bool templ = strchr(name, '%') != NULL;
    if (!templ && must_exist && !vk_netdev_exists(name))
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                            "tap device '%s' does not exist (managed='no' uses an existing tap)",
                            name);
    if (!templ && !must_exist && vk_netdev_exists(name))
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                            "network device '%s' already exists (use managed='no' to use an "
                            "existing tap)",
                            name);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return vk_error_system(errno, "cannot open /dev/net/tun to create tap '%s'", name);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return vk_error_system(e, "cannot %s tap device '%s'", must_exist ? "attach to" : "create",
                               name);
    }
    snprintf(ifname, VK_IFNAMSIZ, "%s", ifr.ifr_name);
    return fd;
}

/* Sends one rtnetlink request and waits for its acknowledgement. */
static int rtnl_request(struct nlmsghdr *nlh, const char *ifname, const char *what)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return vk_error_system(errno, "cannot open a netlink socket to %s '%s'", what, ifname);
    int ret = -1;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        vk_error_system(errno, "cannot bind a netlink socket to %s '%s'", what, ifname);
        goto out;
    }
    unsigned portid = mnl_socket_get_portid(nl);
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = (unsigned)time(NULL);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        vk_error_system(errno, "cannot %s '%s'", what, ifname);
        goto out;
    }
    char buf[8192];
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    if (n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0) {
        vk_error_system(errno, "cannot %s '%s'", what, ifname);
        goto out;
    }
    ret = 0;
out:
    mnl_socket_close(nl);
    return ret;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, unsigned index)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)index;
    return nlh;
}

static bool is_bridge(const char *ifname)
{
    char path[96];
    struct stat st;
    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", ifname);
    return stat(path, &st) == 0;
}

int vk_netdev_tap_setup(const char *ifname, const uint8_t mac[6], const char *bridge)
{
    unsigned index = if_nametoindex(ifname);
    if (!index)
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                            "tap device '%s' vanished while being set up", ifname);
    unsigned master = 0;
    if (bridge) {
        master = if_nametoindex(bridge);
        if (!master)
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                                "bridge '%s' does not exist", bridge);
        if (!is_bridge(bridge))
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                                "network device '%s' is not a bridge", bridge);
    }
    char buf[8192];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, index);
    struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
    ifm->ifi_change = IFF_UP;
    ifm->ifi_flags = IFF_UP;
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    if (master)
        mnl_attr_put_u32(nlh, IFLA_MASTER, master);
    if (rtnl_request(nlh, ifname, bridge ? "add to its bridge and bring up tap" : "bring up tap") <
        0)
        return -1;
    return 0;
}

int vk_netdev_delete(const char *ifname)
{
    unsigned index = if_nametoindex(ifname);
    if (!index)
        return 0;
    char buf[8192];
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, index);
    if (rtnl_request(nlh, ifname, "delete network device") < 0) {
        if (vk_error_last()->code == VK_ERR_SYSTEM_ERROR && !vk_netdev_exists(ifname)) {
            vk_error_reset(); /* gone meanwhile (QEMU closed the last fd) */
            return 0;
        }
        return -1;
    }
    return 0;
}

int vk_netdev_stats(const char *ifname, long long out[8])
{
    static const char *const names[8] = {"rx_bytes", "rx_packets", "rx_errors", "rx_dropped",
                                         "tx_bytes", "tx_packets", "tx_errors", "tx_dropped"};
    for (int i = 0; i < 8; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, names[i]);
        vk_autofree char *text = NULL;
        size_t len;
        if (vk_file_read(path, 64, &text, &len) < 0)
            return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_NONE,
                                "cannot read the traffic counters of network device '%s'",
                                ifname);
        out[i] = strtoll(text, NULL, 10);
    }
    return 0;
}
