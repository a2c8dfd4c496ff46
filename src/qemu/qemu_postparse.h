/* Feature "postparse": define-time defaults. libvirt fills in a domain's
 * defaults when it is defined and stores them, so dumpxml shows the
 * canonical form and device addresses stay put across restarts (a device
 * added later never moves the ones the guest already knows). */
#pragma once
#include "conf/domain_conf.h"

struct vk_qemu_driver;

/* Fills def in place, as libvirt 9.0 does at define: the versioned machine
 * for an alias (pc, q35) of the def's emulator, the TCG default CPU, the
 * implicit devices (serial for a serial console, ps2 inputs, audio, USB,
 * PCI root, q35 SATA, virtio-serial, memballoon), <boot dev='hd'/>, video
 * defaults and every device's address (the argv builder's own assignment,
 * qemu_command_addr.c). Idempotent: a def it filled comes back unchanged.
 * drv may be NULL (no machine alias expansion cache is shared then: the
 * cache is per process anyway). 0, or -1 with the error set. */
int vk_qemu_postparse(struct vk_qemu_driver *drv, struct vk_domain_def *def);
