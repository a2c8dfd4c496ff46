/* What every device may carry: <address>, <alias>, <boot order>; and MACs. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "domain_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "xml_util.h"

void conf_info_init(struct vk_dev_info *info)
{
    struct vk_dev_addr *a = &info->addr;
    a->domain = a->bus = a->slot = a->function = -1;
    a->multifunction = -1;
    a->controller = a->target = a->unit = -1;
    a->port = -1;
    a->iobase = a->irq = -1;
}

/* libvirt writes every field of these address types, defaulting to 0. */
static void zero_unset(int *v)
{
    if (*v < 0)
        *v = 0;
}

static int parse_usb_port(xmlNodePtr node, const char *v, char **dst)
{
    /* "1" or "1.2.3": up to four hub levels, each 1..255 (0 alone allowed). */
    int levels = 0;
    const char *p = v;
    while (*p) {
        if (*p < '0' || *p > '9')
            return xu_err_value(node, "port", v);
        unsigned n = 0;
        while (*p >= '0' && *p <= '9') {
            n = n * 10 + (unsigned)(*p++ - '0');
            if (n > 255)
                return xu_err_value(node, "port", v);
        }
        if (++levels > 4)
            return xu_err_value(node, "port", v);
        if (*p == '.') {
            p++;
            if (!*p)
                return xu_err_value(node, "port", v);
        }
    }
    if (!levels)
        return xu_err_value(node, "port", v);
    *dst = vk_strdup(v);
    return 0;
}

static int parse_address(xmlNodePtr node, struct vk_dev_addr *a)
{
    static const char *const pci[] = {"type",     "domain",        "bus", "slot",
                                      "function", "multifunction", NULL};
    static const char *const drive[] = {"type", "controller", "bus", "target", "unit", NULL};
    static const char *const vser[] = {"type", "controller", "bus", "port", NULL};
    static const char *const usb[] = {"type", "bus", "port", NULL};
    static const char *const isa[] = {"type", "iobase", "irq", NULL};
    static const char *const ccid[] = {"type", "controller", "slot", NULL};
    static const char *const none[] = {"type", NULL};

    if (a->type != VK_ADDR_NONE)
        return xu_err_dup(node);
    const char *type = xu_attr(node, "type");
    if (!type)
        return xu_err_missing(node, "type");
    int t = xu_lookup(conf_addr_type_names, type);
    if (t < 0)
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                            "unsupported address type '%s' in <%s>", type, xu_path(node->parent));
    if (xu_check_empty(node) < 0)
        return -1;
    a->type = (enum vk_addr_type)t;
    int r = 0;
    switch (a->type) {
    case VK_ADDR_PCI: {
        if (xu_check_attrs(node, pci) < 0 ||
            xu_attr_int(node, "domain", 0, 0xffff, true, &a->domain) < 0 ||
            xu_attr_int(node, "bus", 0, 0xff, true, &a->bus) < 0 ||
            xu_attr_int(node, "slot", 0, 0x1f, true, &a->slot) < 0 ||
            xu_attr_int(node, "function", 0, 7, true, &a->function) < 0 ||
            xu_attr_yesno(node, "multifunction", "on", "off", &a->multifunction) < 0)
            return -1;
        if (a->multifunction == 2)
            a->multifunction = 0;
        zero_unset(&a->domain);
        zero_unset(&a->bus);
        zero_unset(&a->slot);
        zero_unset(&a->function);
        break;
    }
    case VK_ADDR_DRIVE:
        if (xu_check_attrs(node, drive) < 0 ||
            xu_attr_int(node, "controller", 0, 65535, true, &a->controller) < 0 ||
            xu_attr_int(node, "bus", 0, 65535, true, &a->bus) < 0 ||
            xu_attr_int(node, "target", 0, 65535, true, &a->target) < 0 ||
            xu_attr_int(node, "unit", 0, 65535, true, &a->unit) < 0)
            return -1;
        zero_unset(&a->controller);
        zero_unset(&a->bus);
        zero_unset(&a->target);
        zero_unset(&a->unit);
        break;
    case VK_ADDR_VIRTIO_SERIAL:
        if (xu_check_attrs(node, vser) < 0 ||
            xu_attr_int(node, "controller", 0, 65535, true, &a->controller) < 0 ||
            xu_attr_int(node, "bus", 0, 65535, true, &a->bus) < 0 ||
            xu_attr_int(node, "port", 0, 65535, true, &a->port) < 0)
            return -1;
        zero_unset(&a->controller);
        zero_unset(&a->bus);
        zero_unset(&a->port);
        break;
    case VK_ADDR_USB: {
        if (xu_check_attrs(node, usb) < 0 || xu_attr_int(node, "bus", 0, 65535, true, &a->bus) < 0)
            return -1;
        const char *port = xu_attr(node, "port");
        if (port && parse_usb_port(node, port, &a->usb_port) < 0)
            return -1;
        zero_unset(&a->bus);
        break;
    }
    case VK_ADDR_ISA:
        if (xu_check_attrs(node, isa) < 0 ||
            xu_attr_int(node, "iobase", 0, 0xffff, true, &a->iobase) < 0 ||
            xu_attr_int(node, "irq", 0, 0xff, true, &a->irq) < 0)
            return -1;
        break;
    case VK_ADDR_CCID:
        if (xu_check_attrs(node, ccid) < 0 ||
            xu_attr_int(node, "controller", 0, 65535, true, &a->controller) < 0 ||
            xu_attr_int(node, "slot", 0, 255, true, &a->slot) < 0)
            return -1;
        zero_unset(&a->controller);
        zero_unset(&a->slot);
        break;
    default:
        r = xu_check_attrs(node, none);
        break;
    }
    return r;
}

static bool alias_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

int conf_parse_info_child(xmlNodePtr c, struct vk_dev_info *info, bool allow_boot, unsigned flags)
{
    static const char *const alias_attrs[] = {"name", NULL};
    static const char *const boot_attrs[] = {"order", NULL};

    if (xu_is(c, "address"))
        return parse_address(c, &info->addr) < 0 ? -1 : 1;
    if (xu_is(c, "alias")) {
        if (xu_check_attrs(c, alias_attrs) < 0 || xu_check_empty(c) < 0)
            return -1;
        const char *name = xu_attr(c, "name");
        if (!name)
            return xu_err_missing(c, "name");
        if (info->alias)
            return xu_err_dup(c);
        /* As libvirt: user aliases ("ua-") are configuration; other aliases
         * are names the driver assigned at run time, kept only in status. */
        if (!strncmp(name, "ua-", 3)) {
            if (!name[3] || !alias_chars_ok(name + 3))
                return xu_err_value(c, "name", name);
            info->alias = vk_strdup(name);
        } else if (flags & VK_PARSE_STATUS) {
            info->alias = vk_strdup(name);
        }
        return 1;
    }
    if (allow_boot && xu_is(c, "boot")) {
        if (xu_check_attrs(c, boot_attrs) < 0 || xu_check_empty(c) < 0)
            return -1;
        if (info->boot_order)
            return xu_err_dup(c);
        if (xu_attr_int(c, "order", 1, 65535, false, &info->boot_order) <= 0)
            return info->boot_order ? -1 : xu_err_missing(c, "order");
        return 1;
    }
    return 0;
}

int conf_mac_generate(uint8_t mac[6])
{
    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    if (getrandom(mac + 3, 3, 0) != 3)
        return vk_error_system(errno, "cannot generate a MAC address");
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int conf_mac_parse(const char *s, uint8_t mac[6])
{
    /* libvirt also accepts single-digit octets ("0:1:2:3:4:5"). */
    for (int i = 0; i < 6; i++) {
        int hi = hexval(*s);
        if (hi < 0)
            return -1;
        s++;
        int v = hi;
        int lo = hexval(*s);
        if (lo >= 0) {
            v = hi * 16 + lo;
            s++;
        }
        mac[i] = (uint8_t)v;
        if (i < 5) {
            if (*s != ':' && *s != '-')
                return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}
