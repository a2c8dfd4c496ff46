/* Host network devices for guest interfaces: tap devices (TUNSETIFF) and
 * their link settings (rtnetlink through libmnl: address, up, bridge port,
 * delete). Everything acts in the caller's network namespace. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define VK_IFNAMSIZ 16

/* Opens a tap. name may hold a kernel template ("vnet%d"). With must_exist
 * the tap has to be there already (an unmanaged one); without it, an
 * existing device of that name is an error. ifname receives the name the
 * kernel gave. Returns the fd (O_CLOEXEC) or -1 (error set). */
int vk_tap_open(const char *name, bool vnet_hdr, bool must_exist, char ifname[VK_IFNAMSIZ]);

/* Brings ifname up with the given MAC; with bridge (non-NULL) it first
 * becomes a port of that bridge, which must exist and be a bridge. 0 or -1
 * (error set naming the device). */
int vk_netdev_tap_setup(const char *ifname, const uint8_t mac[6], const char *bridge);

/* Deletes the link; a device that is already gone is success. */
int vk_netdev_delete(const char *ifname);

bool vk_netdev_exists(const char *ifname);

/* Traffic counters of ifname from /sys/class/net/<ifname>/statistics, as
 * the host sees them: rx_bytes, rx_packets, rx_errors, rx_dropped,
 * tx_bytes, tx_packets, tx_errors, tx_dropped. 0 or -1 (error set). */
int vk_netdev_stats(const char *ifname, long long out[8]);
