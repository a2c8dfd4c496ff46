/* Feature "events" in the QEMU driver: reset and what the guest's own
 * lifecycle actions (on_poweroff, on_reboot, on_crash) make us do. */
#include "qemu_domain.h"
#include "util/vk_error.h"

int vk_qemu_domain_reset(struct vk_qemu_driver *drv, const uint8_t *uuid, unsigned flags)
{
    if (flags)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "reset flags 0x%x are not supported (must be 0)", flags);
    /* The driver's reboot already is a machine reset (no guest agent). */
    return vk_qemu_domain_reboot(drv, uuid, 0);
}
