/* One device element (<disk>, <interface>, ...) as hotplug receives it:
 * parsed by the same per-device parsers as a whole domain, by placing the
 * element under a <devices> node of its own, so a device means the same
 * thing in both places. */
#include "xml_lazy.h" /* libxml2, loaded on first use */

#include "conf/domain_parse_dev.h"
#include "conf/domain_priv.h"
#include "conf/xml_util.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

struct vk_domain_def *vk_domain_device_parse(const char *xml, unsigned flags)
{
    xmlDocPtr doc = xu_read(xml, "device");
    if (!doc)
        return NULL;
    struct vk_domain_def *def = vk_calloc(1, sizeof(*def));
    def->os.bootmenu_timeout = -1;
    def->os.reboot_timeout = -1;
    def->memballoon.period = -1;
    conf_info_init(&def->memballoon.info);

    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr devices = xmlNewDocNode(doc, NULL, (const xmlChar *)"devices", NULL);
    xmlUnlinkNode(root);
    xmlDocSetRootElement(doc, devices);
    xmlAddChild(devices, root);
    if (xu_is(root, "emulator")) {
        vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF, "<emulator> is not a device");
        goto fail;
    }
    if (conf_parse_devices(devices, def, flags) < 0)
        goto fail;
    xmlFreeDoc(doc);
    return def;
fail:
    vk_domain_def_free(def);
    xmlFreeDoc(doc);
    return NULL;
}
