/* Feature "events" in the QEMU driver: reset, and what the guest's own
 * lifecycle actions make us do. QEMU handles on_reboot itself (-no-reboot
 * turns a guest reset into an exit: the domain ends shut off, reason
 * shutdown); on_poweroff='restart' is ours: when the guest powers off, QEMU
 * exits and we start the domain again (a new process, so a new id). */
#include <json-c/json.h>
#include <pthread.h>
#include <string.h>

#include "qemu_domain.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

/* libvirt's VIR_DOMAIN_SHUTOFF_SHUTDOWN. */
#define SHUTOFF_SHUTDOWN 1

int vk_qemu_domain_reset(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "reset flags 0x%x are not supported (must be 0)", flags);
    /* The driver's reboot already is a machine reset (no guest agent). */
    return vk_qemu_domain_reboot(drv, uuid, 0);
}

void vk_qemu_lifecycle_shutdown_event(struct vk_qemu_dom *dom, struct json_object *data)
{
    /* QEMU's SHUTDOWN reasons: "guest-shutdown" is the guest powering off;
     * "guest-reset" is a guest reboot under -no-reboot (on_reboot
     * 'destroy'), which must stay off. */
    struct json_object *v;
    const char *reason = data && json_object_object_get_ex(data, "reason", &v)
                             ? json_object_get_string(v)
                             : NULL;
    /* libvirt's SHUTDOWN details: 1 the guest asked, 2 the host did, 0
     * when QEMU does not say. */
    dom->shutdown_detail = 0;
    if (data && json_object_object_get_ex(data, "guest", &v))
        dom->shutdown_detail = json_object_get_boolean(v) ? 1 : 2;
    dom->restart_after = dom->def && dom->def->on_poweroff == VK_LIFE_RESTART && reason &&
                         !strcmp(reason, "guest-shutdown");
}

static void *restart_main(void *opaque)
{
    struct vk_qemu_dom *dom = opaque;
    struct vk_qemu_driver *drv = dom->drv;
    if (!__atomic_load_n(&drv->closed, __ATOMIC_SEQ_CST)) {
        vk_error_reset();
        if (vk_qemu_domain_create(drv, dom->uuid, 0, NULL) < 0)
            VK_ERROR("domain '%s': on_poweroff 'restart' failed: %s", dom->name,
                     vk_error_last()->message);
        else
            VK_INFO("domain '%s' restarted after the guest powered off (on_poweroff 'restart')",
                    dom->name);
    }
    vk_qemu_dom_unref(dom);
    return NULL;
}

void vk_qemu_lifecycle_stopped(struct vk_qemu_dom *dom, int reason)
{
    pthread_mutex_lock(&dom->lock);
    bool restart = dom->restart_after && reason == SHUTOFF_SHUTDOWN && dom->persistent &&
                   !dom->removed;
    dom->restart_after = false;
    pthread_mutex_unlock(&dom->lock);
    if (!restart || __atomic_load_n(&dom->drv->closed, __ATOMIC_SEQ_CST))
        return;
    /* Starting blocks (spawn, QMP): never in the loop thread that told us. */
    vk_qemu_dom_ref(dom);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, restart_main, dom) != 0) {
        VK_ERROR("domain '%s': cannot start a thread to restart it", dom->name);
        vk_qemu_dom_unref(dom);
    }
    pthread_attr_destroy(&attr);
}
