/* Feature "hotplug": attach / detach one device given as XML (the calls
 * behind vksh attach-device, detach-device, attach-disk, detach-disk). */
#include "client/vk_client_priv.h"
#include "util/vk_error.h"

static int device_call(vk_domain *dom, const char *xml, unsigned int flags, bool attach,
                       bool with_flags)
{
    vk_error_reset();
    if (!dom)
        return vk_error_set(VK_ERR_INVALID_DOMAIN, VK_FROM_NONE, "no domain");
    if (!xml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no device XML");
    if (with_flags) {
        remote_domain_attach_device_flags_args a; /* same shape for detach */
        vk_domain_to_wire(dom, &a.dom);
        a.xml = (char *)xml;
        a.flags = flags;
        return vk_connect_call(dom->conn,
                               attach ? REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS
                                      : REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS,
                               attach ? (xdrproc_t)xdr_remote_domain_attach_device_flags_args
                                      : (xdrproc_t)xdr_remote_domain_detach_device_flags_args,
                               &a, NULL, NULL);
    }
    remote_domain_attach_device_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.xml = (char *)xml;
    return vk_connect_call(dom->conn,
                           attach ? REMOTE_PROC_DOMAIN_ATTACH_DEVICE
                                  : REMOTE_PROC_DOMAIN_DETACH_DEVICE,
                           attach ? (xdrproc_t)xdr_remote_domain_attach_device_args
                                  : (xdrproc_t)xdr_remote_domain_detach_device_args,
                           &a, NULL, NULL);
}

int vk_domain_attach_device(vk_domain *dom, const char *xml)
{
    return device_call(dom, xml, 0, true, false);
}

int vk_domain_detach_device(vk_domain *dom, const char *xml)
{
    return device_call(dom, xml, 0, false, false);
}

int vk_domain_attach_device_flags(vk_domain *dom, const char *xml, unsigned int flags)
{
    return device_call(dom, xml, flags, true, true);
}

int vk_domain_detach_device_flags(vk_domain *dom, const char *xml, unsigned int flags)
{
    return device_call(dom, xml, flags, false, true);
}

int vk_domain_update_device_flags(vk_domain *dom, const char *xml, unsigned int flags)
{
    vk_error_reset();
    if (!dom)
        return vk_error_set(VK_ERR_INVALID_DOMAIN, VK_FROM_NONE, "no domain");
    if (!xml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "no device XML");
    remote_domain_update_device_flags_args a;
    vk_domain_to_wire(dom, &a.dom);
    a.xml = (char *)xml;
    a.flags = flags;
    return vk_connect_call(dom->conn, REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS,
                           (xdrproc_t)xdr_remote_domain_update_device_flags_args, &a, NULL, NULL);
}
