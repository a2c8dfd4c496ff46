/* Feature "net": attach-interface, detach-interface and domiflist with
 * virsh's options and messages. attach-interface builds the <interface>
 * XML here (types user, ethernet and bridge; virsh 9.0 itself refuses user
 * and ethernet); detach-interface sends the domain's own <interface>
 * element, found by type and MAC, as virsh does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/xml_lazy.h" /* libxml2, loaded on first use */

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "vksh.h"
#include "vksh_hotplug.h"

/* The <interface> elements of a domain XML, in order. */
struct iface {
    xmlNodePtr node;
    char *type, *target, *source, *model, *mac;
};

static char *child_attr(xmlNodePtr n, const char *elem, const char *attr)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, elem) != 0)
            continue;
        xmlChar *v = xmlGetProp(c, (const xmlChar *)attr);
        if (!v)
            continue;
        char *s = vk_strdup((const char *)v);
        xmlFree(v);
        return s;
    }
    return NULL;
}

static size_t list_ifaces(xmlDocPtr doc, struct iface **out)
{
    size_t n = 0;
    *out = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr devs = root ? root->children : NULL; devs; devs = devs->next) {
        if (devs->type != XML_ELEMENT_NODE || strcmp((const char *)devs->name, "devices") != 0)
            continue;
        for (xmlNodePtr d = devs->children; d; d = d->next) {
            if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "interface") != 0)
                continue;
            struct iface *f = VK_APPEND(*out, n);
            xmlChar *t = xmlGetProp(d, (const xmlChar *)"type");
            f->node = d;
            f->type = vk_strdup(t ? (const char *)t : "");
            xmlFree(t);
            f->target = child_attr(d, "target", "dev");
            f->model = child_attr(d, "model", "type");
            f->mac = child_attr(d, "mac", "address");
            f->source = child_attr(d, "source", "bridge");
            if (!f->source)
                f->source = child_attr(d, "source", "network");
            if (!f->source)
                f->source = child_attr(d, "source", "dev");
        }
    }
    return n;
}

static void free_ifaces(struct iface *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].type);
        free(v[i].target);
        free(v[i].source);
        free(v[i].model);
        free(v[i].mac);
    }
    free(v);
}

/* The domain's XML (xflags) parsed, and its interfaces; -1 after
 * reporting the error. */
static int load_ifaces(struct vksh_ctl *ctl, vk_domain *dom, unsigned int xflags,
                       xmlDocPtr *doc, struct iface **v, size_t *n)
{
    *doc = NULL;
    *v = NULL;
    *n = 0;
    char *domxml = vk_domain_get_xml_desc(dom, xflags);
    if (!domxml)
        return vksh_error_lib(ctl);
    *doc = xmlReadMemory(domxml, (int)strlen(domxml), "domain.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    free(domxml);
    if (!*doc)
        return vksh_error_only(ctl, "Failed to parse the domain XML");
    *n = list_ifaces(*doc, v);
    return 0;
}

static void add_elem(struct vk_buf *b, const char *elem, const char *attr, const char *val)
{
    vk_buf_addf(b, "  <%s %s='", elem, attr);
    vk_buf_add_xml_escaped(b, val);
    vk_buf_adds(b, "'/>\n");
}

/*--------------------------------------------------------------------------
 * attach-interface TYPE [SOURCE]
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def attach_iface_opts[] = {
    DOMAIN_OPT,
    {"type", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "network interface type (user, ethernet, bridge)"},
    {"source", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "source of network interface"},
    {"target", VKSH_OT_STRING, 0, "target network name"},
    {"mac", VKSH_OT_STRING, 0, "MAC address"},
    {"model", VKSH_OT_STRING, 0, "model type"},
    {"print-xml", VKSH_OT_BOOL, 0, "print XML document rather than attach the interface"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_attach_interface(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *type = vksh_opt_string(cmd, "type"), *source = vksh_opt_string(cmd, "source");
    const char *target = vksh_opt_string(cmd, "target"), *mac = vksh_opt_string(cmd, "mac");
    const char *model = vksh_opt_string(cmd, "model");
    bool bridge = !strcmp(type, "bridge");
    if (!bridge && strcmp(type, "user") != 0 && strcmp(type, "ethernet") != 0 &&
        strcmp(type, "network") != 0)
        return vksh_error_only(ctl, "No support for %s in command 'attach-interface'", type);
    if ((bridge || !strcmp(type, "network")) && !source)
        return vksh_error_only(ctl, "interface type '%s' needs a source (%s name)", type,
                               bridge ? "bridge" : "network");

    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "<interface type='");
    vk_buf_add_xml_escaped(&b, type);
    vk_buf_adds(&b, "'>\n");
    if (source && (bridge || !strcmp(type, "network")))
        add_elem(&b, "source", bridge ? "bridge" : "network", source);
    if (target)
        add_elem(&b, "target", "dev", target);
    if (mac)
        add_elem(&b, "mac", "address", mac);
    if (model)
        add_elem(&b, "model", "type", model);
    vk_buf_adds(&b, "</interface>\n");
    vk_autofree char *xml = vk_buf_steal(&b);
    return vksh_attach_built(ctl, cmd, xml, "interface");
}

const struct vksh_cmd_def vksh_cmd_attach_interface = {
    .name = "attach-interface",
    .opts = attach_iface_opts,
    .help = "attach network interface",
    .desc = "Attach new network interface.",
    .handler = cmd_attach_interface,
};

/*--------------------------------------------------------------------------
 * detach-interface TYPE [--mac MAC]
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def detach_iface_opts[] = {
    DOMAIN_OPT,
    {"type", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "network interface type"},
    {"mac", VKSH_OT_STRING, 0, "MAC address"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_detach_interface(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *type = vksh_opt_string(cmd, "type"), *mac = vksh_opt_string(cmd, "mac");
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = -1;
    unsigned int flags;
    bool use_flags;
    char *xml = NULL;
    xmlDocPtr doc = NULL;
    struct iface *v = NULL;
    size_t n = 0;
    if (vksh_hotplug_flags(ctl, cmd, dom, &flags, &use_flags) < 0)
        goto out;
    /* virsh reads the inactive XML when only the config is affected */
    unsigned int xflags = (flags & VK_DOMAIN_AFFECT_CONFIG) && !(flags & VK_DOMAIN_AFFECT_LIVE)
                              ? VK_DOMAIN_XML_INACTIVE
                              : 0;
    if (load_ifaces(ctl, dom, xflags, &doc, &v, &n) < 0)
        goto out;
    ssize_t hit = -1;
    size_t matches = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].type, type) != 0 || (mac && (!v[i].mac || strcasecmp(v[i].mac, mac))))
            continue;
        if (hit < 0)
            hit = (ssize_t)i;
        matches++;
    }
    if (!matches) {
        if (mac)
            vksh_error_only(ctl, "No interface found whose type is %s and MAC address is %s",
                            type, mac);
        else
            vksh_error_only(ctl, "No interface found whose type is %s", type);
        goto out;
    }
    if (matches > 1) {
        vksh_error_only(ctl,
                        "Domain has %zu interfaces. Please specify which one to detach using "
                        "--mac",
                        matches);
        goto out;
    }
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, v[hit].node, 0, 1);
    xml = vk_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    rc = vksh_device_op(ctl, cmd, dom, xml, false);
    if (rc < 0)
        vksh_error(ctl, "Failed to detach interface");
    else if (ctl->json)
        vksh_json_done(ctl, "interface detached", dom);
    else
        vksh_print(ctl, "Interface detached successfully\n");
out:
    free_ifaces(v, n);
    if (doc)
        xmlFreeDoc(doc);
    free(xml);
    vk_domain_free(dom);
    return rc < 0 ? -1 : 0;
}

const struct vksh_cmd_def vksh_cmd_detach_interface = {
    .name = "detach-interface",
    .opts = detach_iface_opts,
    .help = "detach network interface",
    .desc = "Detach network interface.",
    .handler = cmd_detach_interface,
};

/*--------------------------------------------------------------------------
 * domiflist
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def domiflist_opts[] = {
    DOMAIN_OPT,
    {"inactive", VKSH_OT_BOOL, 0, "get inactive rather than running configuration"},
    {NULL},
};

static int cmd_domiflist(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = -1;
    struct iface *v = NULL;
    size_t n = 0;
    xmlDocPtr doc = NULL;
    if (load_ifaces(ctl, dom, vksh_opt_bool(cmd, "inactive") ? VK_DOMAIN_XML_INACTIVE : 0, &doc,
                    &v, &n) < 0)
        goto out;
    if (ctl->json) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_new_object();
            const char *vals[] = {v[i].target, v[i].type, v[i].source, v[i].model, v[i].mac};
            const char *keys[] = {"interface", "type", "source", "model", "mac"};
            for (int k = 0; k < 5; k++)
                json_object_object_add(o, keys[k], vals[k] ? json_object_new_string(vals[k])
                                                           : NULL);
            json_object_array_add(arr, o);
        }
        vksh_json_print(ctl, arr);
    } else {
        static const char *const headers[] = {"Interface", "Type", "Source", "Model", "MAC"};
        struct vksh_table *t = vksh_table_new(5, headers);
        for (size_t i = 0; i < n; i++) {
            const char *cells[] = {v[i].target ? v[i].target : "-", v[i].type,
                                   v[i].source ? v[i].source : "-",
                                   v[i].model ? v[i].model : "-", v[i].mac ? v[i].mac : "-"};
            vksh_table_add(t, cells);
        }
        vksh_table_print(ctl, t);
        vksh_table_free(t);
    }
    rc = 0;
out:
    free_ifaces(v, n);
    if (doc)
        xmlFreeDoc(doc);
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_domiflist = {
    .name = "domiflist",
    .opts = domiflist_opts,
    .help = "list all domain virtual interfaces",
    .desc = "Get network interfaces' summary for a running domain.",
    .handler = cmd_domiflist,
};
