/* Internals shared by the hotplug files: qemu_driver_hotplug.c (disks and
 * the attach/detach entry points), qemu_driver_hotplug_net.c (interfaces)
 * and qemu_driver_unplug.c (waiting for QEMU's DEVICE_DELETED, finishing a
 * removal, device events). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct vk_dev_addr;
struct vk_disk_def;
struct vk_domain_def;
struct vk_net_def;
struct vk_qemu_dom;
struct vk_qemu_monitor;

#define HP_QMP_TIMEOUT_MS 30000

/* VK_AFFECT_* completed as libvirt's "current"; errors for --live on an
 * inactive domain and --config on a transient one. Under dom->lock. */
int vk_hp_resolve_affect(struct vk_qemu_dom *dom, unsigned *flags);
/* Saves newdef as the persistent config and swaps it in (job held). */
void vk_hp_config_swap(struct vk_qemu_dom *dom, struct vk_domain_def *newdef);
/* Replaces the live def (job held, dom active) and records it. */
void vk_hp_live_swap(struct vk_qemu_dom *dom, struct vk_domain_def *n);
/* The "return" of a QMP command as JSON, or NULL (error set). */
struct json_object *vk_hp_qmp_json(struct vk_qemu_monitor *mon, const char *cmd,
                                   const char *args);
/* A PCI address for a hot-plugged device: a free slot on bus 0 (pc), or
 * slot 0 of an empty pcie-root-port (q35). 0, or -1 with the error set. */
int vk_hp_pick_pci_addr(struct vk_qemu_monitor *mon, const struct vk_domain_def *live,
                        const char *name, struct vk_dev_addr *addr);
/* An unset address (what the parser leaves for a device without one). */
void vk_hp_addr_clear(struct vk_dev_addr *a);
/* Sets "bus"/"addr" of a -device JSON to addr (the builder's bus names). */
void vk_hp_json_set_pci_addr(struct json_object *dev, const struct vk_domain_def *live,
                             const struct vk_dev_addr *a);
/* An empty def of the live one's arch and machine, to render one device. */
struct vk_domain_def *vk_hp_render_def(const struct vk_domain_def *live);

/* The qdev id of a live disk (the argv builder's naming); -1 if unknown. */
int vk_hp_disk_qdev_id(const struct vk_disk_def *d, char *buf, size_t len);
ssize_t vk_hp_find_disk(const struct vk_domain_def *def, const char *target);
/* A copy of def without disk `target`, or NULL (error set). */
struct vk_domain_def *vk_hp_def_without_disk(const struct vk_domain_def *def,
                                             const char *target);

/* ---- interfaces (qemu_driver_hotplug_net.c) ---- */

/* The qdev id of interface i of a live def: its alias, else net<i>. */
void vk_hp_net_qdev_id(const struct vk_domain_def *def, size_t i, char *buf, size_t len);
/* Interface of def whose qdev id is id, or -1. */
ssize_t vk_hp_find_net_id(const struct vk_domain_def *def, const char *id);
/* A copy of the live def without interface i; the others keep their qdev
 * ids (recorded as aliases, since indexes shift). NULL on error. */
struct vk_domain_def *vk_hp_live_without_net(const struct vk_domain_def *def, size_t i);
/* Attach / detach of the one interface of dev (a device def). */
int vk_hp_attach_net(struct vk_qemu_dom *dom, const char *xml, unsigned flags);
int vk_hp_detach_net(struct vk_qemu_dom *dom, const char *xml, unsigned flags);

/* ---- unplug (qemu_driver_unplug.c) ---- */

/* device_del of id, then waits (bounded) for QEMU's DEVICE_DELETED. node:
 * a disk's format node to delete afterwards (NULL for others). Returns 1
 * when the device is gone and its removal finished (live def, backends,
 * tap, device-removed event), 0 when the guest has not released it yet
 * (as libvirt: not an error; the removal finishes when QEMU reports it),
 * -1 on error. Job held, dom active. */
int vk_hp_unplug(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon, const char *id,
                 const char *node);
/* The device-added event for a live attach. */
void vk_hp_emit_added(struct vk_qemu_dom *dom, const char *id);
