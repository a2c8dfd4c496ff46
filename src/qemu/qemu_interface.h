/* Feature "net": the host side of guest interfaces of type ethernet and
 * bridge. The daemon creates (persistent) taps named vnetN or as
 * <target dev=> says, joins them to their bridge, hands the fds to QEMU and
 * deletes the taps it created when the domain stops; managed='no' taps are
 * only opened. The live def records each tap name in <target dev=>, so a
 * daemon that restarts finds them in the status file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct vk_domain_def;
struct vk_net_def;

/* True for the interface types backed by a tap. */
bool vk_qemu_net_is_tap(const struct vk_net_def *net);

/* Opens the tap of one interface and records its name in net->target_dev
 * when it had none. Returns the fd, or -1 (error set naming the domain and
 * the interface); nothing is left behind on failure. */
int vk_qemu_interface_open(const char *domname, struct vk_net_def *net);

/* Opens the taps of every tap-backed interface of def (a live def owned by
 * the caller's job). *fds gets one entry per def->nets (-1 for others).
 * On failure, taps created so far are deleted. */
int vk_qemu_interfaces_open(const char *domname, struct vk_domain_def *def, int **fds);

/* Closes the daemon's copies of the fds (QEMU has its own). NULL is fine. */
void vk_qemu_interfaces_close_fds(int *fds, size_t n);

/* Deletes the taps the daemon created for one interface / all of def. */
void vk_qemu_interface_release(const struct vk_net_def *net);
void vk_qemu_interfaces_release(const struct vk_domain_def *def);

/* domifstat's counters of a tap (rx_bytes, rx_packets, rx_errs, rx_drop,
 * tx_bytes, ...) as libvirt reports them: for a bridge port the guest's
 * view (the tap's tx is what the guest received); an ethernet tap as the
 * host sees it (libvirt treats it as sharing the host's view). */
int vk_qemu_interface_counters(int net_type, const char *ifname, long long out[8]);
