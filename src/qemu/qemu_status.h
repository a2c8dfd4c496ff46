/* Status-file records written around a QEMU start (qemu_status.c). */
#pragma once

#include "qemu_domain.h"

/* The pidfile every QEMU of ours is started with (-pidfile): it lies in the
 * domain's runtime dir, so its path in /proc/PID/cmdline tells this daemon's
 * QEMU from another daemon's QEMU of the same uuid. Caller frees. */
char *vk_qemu_status_pidfile(struct vk_qemu_driver *drv, const uint8_t *uuid);

/* Before spawning: records durably (one atomic write) that a QEMU with this
 * uuid, id and monitor may be starting, no pid yet, so a daemon killed
 * before the next save can still find and stop it (see load). Under
 * dom->lock; dom->def is the one QEMU gets. */
int vk_qemu_status_save_starting(struct vk_qemu_dom *dom, int id, const char *mon_path);
