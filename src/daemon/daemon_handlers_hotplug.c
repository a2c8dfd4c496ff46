/* Handlers of feature "hotplug": attach / detach one device given as XML.
 * Wire structs <-> qemu_driver.h's attach/detach calls. */
#include "daemon/daemon_priv.h"

#define DRV(call) ((call)->client->daemon->drv)
#define UUID(args) ((const uint8_t *)(args)->dom.uuid)
#define AFFECT_LIVE 1

/* virDomainAttachDevice / DetachDevice: libvirt's QEMU driver treats them
 * as AFFECT_LIVE (hotplug on a running domain). */
int vk_h_attach_device(struct vk_call *call, void *a, void *r)
{
    (void)r;
    remote_domain_attach_device_args *args = a;
    return vk_qemu_domain_attach_device(DRV(call), UUID(args), args->xml, AFFECT_LIVE);
}

int vk_h_detach_device(struct vk_call *call, void *a, void *r)
{
    (void)r;
    remote_domain_detach_device_args *args = a;
    return vk_qemu_domain_detach_device(DRV(call), UUID(args), args->xml, AFFECT_LIVE);
}

int vk_h_attach_device_flags(struct vk_call *call, void *a, void *r)
{
    (void)r;
    remote_domain_attach_device_flags_args *args = a;
    return vk_qemu_domain_attach_device(DRV(call), UUID(args), args->xml, args->flags);
}

int vk_h_detach_device_flags(struct vk_call *call, void *a, void *r)
{
    (void)r;
    remote_domain_detach_device_flags_args *args = a;
    return vk_qemu_domain_detach_device(DRV(call), UUID(args), args->xml, args->flags);
}

int vk_h_update_device_flags(struct vk_call *call, void *a, void *r)
{
    (void)r;
    remote_domain_update_device_flags_args *args = a;
    return vk_qemu_domain_update_device(DRV(call), UUID(args), args->xml, args->flags);
}
