/* Feature "hotplug": attach-device, detach-device, attach-disk, detach-disk
 * with virsh's options and messages. Like virsh, attach-disk builds the
 * <disk> XML here and detach-disk sends the domain's own <disk> element
 * (found by target or source); --live/--config/--persistent/--current map
 * to the AFFECT flags, and with none of them the plain call (the running
 * domain) is made, as virsh does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/xml_lazy.h" /* libxml2, loaded on first use */

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_file.h"
#include "vksh.h"
#include "vksh_hotplug.h"

#define MAX_DEVICE_XML (1024 * 1024)

/* virsh's flag rules: --current excludes --live/--config/--persistent;
 * --persistent is --config plus --live when the domain runs. *use_flags
 * false: the plain call. */
int vksh_hotplug_flags(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, vk_domain *dom,
                       unsigned int *flags, bool *use_flags)
{
    bool current = vksh_opt_bool(cmd, "current"), live = vksh_opt_bool(cmd, "live"),
         config = vksh_opt_bool(cmd, "config"), persistent = vksh_opt_bool(cmd, "persistent");
    if (current && (live || config || persistent)) {
        vksh_error_only(ctl, "Options --current and --%s are mutually exclusive",
                        live ? "live" : config ? "config" : "persistent");
        return -1;
    }
    *flags = 0;
    if (config || persistent)
        *flags |= VK_DOMAIN_AFFECT_CONFIG;
    if (live)
        *flags |= VK_DOMAIN_AFFECT_LIVE;
    if (persistent && vk_domain_is_active(dom) == 1)
        *flags |= VK_DOMAIN_AFFECT_LIVE;
    *use_flags = *flags || current;
    return 0;
}

int vksh_device_op(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, vk_domain *dom,
                     const char *xml, bool attach)
{
    unsigned int flags;
    bool use_flags;
    if (vksh_hotplug_flags(ctl, cmd, dom, &flags, &use_flags) < 0)
        return -1;
    if (use_flags)
        return attach ? vk_domain_attach_device_flags(dom, xml, flags)
                      : vk_domain_detach_device_flags(dom, xml, flags);
    return attach ? vk_domain_attach_device(dom, xml) : vk_domain_detach_device(dom, xml);
}

void vksh_json_done(struct vksh_ctl *ctl, const char *action, vk_domain *dom)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "action", json_object_new_string(action));
    json_object_object_add(doc, "domain", vksh_json_domain(dom));
    vksh_json_print(ctl, doc);
}

int vksh_attach_built(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, const char *xml,
                      const char *what)
{
    if (vksh_opt_bool(cmd, "print-xml")) {
        vksh_print(ctl, "%s", xml);
        return 0;
    }
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = vksh_device_op(ctl, cmd, dom, xml, true);
    if (rc < 0) {
        vksh_error(ctl, "Failed to attach %s", what);
    } else if (ctl->json) {
        vk_autofree char *action = vk_asprintf("%s attached", what);
        vksh_json_done(ctl, action, dom);
    } else {
        vksh_print(ctl, "%c%s attached successfully\n", what[0] - 'a' + 'A', what + 1);
    }
    vk_domain_free(dom);
    return rc < 0 ? -1 : 0;
}

/*--------------------------------------------------------------------------
 * attach-device / detach-device FILE
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def device_opts[] = {
    DOMAIN_OPT,
    {"file", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "XML file"},
    AFFECT_OPTS,
    {NULL},
};

static int device_file_cmd(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, bool attach)
{
    const char *file = vksh_opt_string(cmd, "file");
    char *xml = NULL;
    size_t len;
    if (vk_file_read(file, MAX_DEVICE_XML, &xml, &len) < 0)
        return vksh_error(ctl, "Failed to read file '%s'", file);
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom) {
        free(xml);
        return -1;
    }
    int rc = vksh_device_op(ctl, cmd, dom, xml, attach);
    free(xml);
    if (rc < 0) {
        vksh_error(ctl, "Failed to %s device from %s", attach ? "attach" : "detach", file);
    } else if (ctl->json) {
        vksh_json_done(ctl, attach ? "device attached" : "device detached", dom);
    } else {
        vksh_print(ctl, "Device %s successfully\n", attach ? "attached" : "detached");
    }
    vk_domain_free(dom);
    return rc < 0 ? -1 : 0;
}

static int cmd_attach_device(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return device_file_cmd(ctl, cmd, true);
}

static int cmd_detach_device(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    return device_file_cmd(ctl, cmd, false);
}

const struct vksh_cmd_def vksh_cmd_attach_device = {
    .name = "attach-device",
    .opts = device_opts,
    .help = "attach device from an XML file",
    .desc = "Attach device from an XML <file>.",
    .handler = cmd_attach_device,
};

const struct vksh_cmd_def vksh_cmd_detach_device = {
    .name = "detach-device",
    .opts = device_opts,
    .help = "detach device from an XML file",
    .desc = "Detach device from an XML <file>",
    .handler = cmd_detach_device,
};

/*--------------------------------------------------------------------------
 * attach-disk SOURCE TARGET
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def attach_disk_opts[] = {
    DOMAIN_OPT,
    {"source", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "source of disk device or name of network disk"},
    {"target", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "target of disk device"},
    {"targetbus", VKSH_OT_STRING, 0, "target bus of disk device"},
    {"driver", VKSH_OT_STRING, 0, "driver of disk device"},
    {"subdriver", VKSH_OT_STRING, 0, "subdriver of disk device"},
    {"cache", VKSH_OT_STRING, 0, "cache mode of disk device"},
    {"io", VKSH_OT_STRING, 0, "io policy of disk device"},
    {"type", VKSH_OT_STRING, 0, "target device type"},
    {"mode", VKSH_OT_STRING, 0, "mode of device reading and writing"},
    {"sourcetype", VKSH_OT_STRING, 0, "type of source (block|file|network)"},
    {"serial", VKSH_OT_STRING, 0, "serial of disk device"},
    {"print-xml", VKSH_OT_BOOL, 0, "print XML document rather than attach the disk"},
    AFFECT_OPTS,
    {NULL},
};

static int cmd_attach_disk(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *source = vksh_opt_string(cmd, "source"), *target = vksh_opt_string(cmd, "target");
    const char *bus = vksh_opt_string(cmd, "targetbus"), *driver = vksh_opt_string(cmd, "driver");
    const char *subdriver = vksh_opt_string(cmd, "subdriver"), *cache = vksh_opt_string(cmd, "cache");
    const char *io = vksh_opt_string(cmd, "io"), *type = vksh_opt_string(cmd, "type");
    const char *mode = vksh_opt_string(cmd, "mode"), *stype = vksh_opt_string(cmd, "sourcetype");
    const char *serial = vksh_opt_string(cmd, "serial");

    if (mode && strcmp(mode, "readonly") != 0 && strcmp(mode, "shareable") != 0)
        return vksh_error_only(ctl, "No support for %s in command 'attach-disk'", mode);
    if (!stype) { /* virsh: a block device when the source is one */
        struct stat st;
        stype = stat(source, &st) == 0 && S_ISBLK(st.st_mode) ? "block" : "file";
    }
    if (strcmp(stype, "file") != 0 && strcmp(stype, "block") != 0)
        return vksh_error_only(ctl, "Unknown source type: '%s'", stype);

    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "<disk type='");
    vk_buf_add_xml_escaped(&b, stype);
    vk_buf_adds(&b, "' device='");
    vk_buf_add_xml_escaped(&b, type ? type : "disk");
    vk_buf_adds(&b, "'>\n");
    if (driver || subdriver || cache || io) {
        vk_buf_adds(&b, "  <driver");
        const char *names[] = {"name", "type", "cache", "io"};
        const char *vals[] = {driver, subdriver, cache, io};
        for (int i = 0; i < 4; i++)
            if (vals[i]) {
                vk_buf_addf(&b, " %s='", names[i]);
                vk_buf_add_xml_escaped(&b, vals[i]);
                vk_buf_adds(&b, "'");
            }
        vk_buf_adds(&b, "/>\n");
    }
    vk_buf_addf(&b, "  <source %s='", strcmp(stype, "block") == 0 ? "dev" : "file");
    vk_buf_add_xml_escaped(&b, source);
    vk_buf_adds(&b, "'/>\n  <target dev='");
    vk_buf_add_xml_escaped(&b, target);
    if (bus) {
        vk_buf_adds(&b, "' bus='");
        vk_buf_add_xml_escaped(&b, bus);
    }
    vk_buf_adds(&b, "'/>\n");
    if (mode)
        vk_buf_addf(&b, "  <%s/>\n", mode);
    if (serial) {
        vk_buf_adds(&b, "  <serial>");
        vk_buf_add_xml_escaped(&b, serial);
        vk_buf_adds(&b, "</serial>\n");
    }
    vk_buf_adds(&b, "</disk>\n");
    vk_autofree char *xml = vk_buf_steal(&b);
    return vksh_attach_built(ctl, cmd, xml, "disk");
}

const struct vksh_cmd_def vksh_cmd_attach_disk = {
    .name = "attach-disk",
    .opts = attach_disk_opts,
    .help = "attach disk device",
    .desc = "Attach new disk device.",
    .handler = cmd_attach_disk,
};

/*--------------------------------------------------------------------------
 * detach-disk TARGET
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def detach_disk_opts[] = {
    DOMAIN_OPT,
    {"target", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "target of disk device"},
    AFFECT_OPTS,
    {NULL},
};

/* The domain's <disk> whose target dev or source is `target`, as XML. */
static char *find_disk_xml(const char *domxml, const char *target)
{
    xmlDocPtr doc = xmlReadMemory(domxml, (int)strlen(domxml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc)
        return NULL;
    char *out = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr devs = root ? root->children : NULL; devs && !out; devs = devs->next) {
        if (devs->type != XML_ELEMENT_NODE || strcmp((const char *)devs->name, "devices") != 0)
            continue;
        for (xmlNodePtr d = devs->children; d && !out; d = d->next) {
            if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "disk") != 0)
                continue;
            bool match = false;
            for (xmlNodePtr c = d->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                    continue;
                const char *attrs[] = {"dev", "file", NULL};
                if (strcmp((const char *)c->name, "target") != 0 &&
                    strcmp((const char *)c->name, "source") != 0)
                    continue;
                for (int i = 0; attrs[i]; i++) {
                    xmlChar *v = xmlGetProp(c, (const xmlChar *)attrs[i]);
                    if (v && strcmp((const char *)v, target) == 0)
                        match = true;
                    xmlFree(v);
                }
            }
            if (match) {
                xmlBufferPtr buf = xmlBufferCreate();
                xmlNodeDump(buf, doc, d, 0, 1);
                out = vk_strdup((const char *)xmlBufferContent(buf));
                xmlBufferFree(buf);
            }
        }
    }
    xmlFreeDoc(doc);
    return out;
}

static int cmd_detach_disk(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *target = vksh_opt_string(cmd, "target");
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = -1;
    unsigned int flags;
    bool use_flags;
    char *domxml = NULL, *disk = NULL;
    if (vksh_hotplug_flags(ctl, cmd, dom, &flags, &use_flags) < 0)
        goto out;
    /* virsh reads the inactive XML when only the config is affected */
    unsigned int xflags = (flags & VK_DOMAIN_AFFECT_CONFIG) && !(flags & VK_DOMAIN_AFFECT_LIVE)
                              ? VK_DOMAIN_XML_INACTIVE
                              : 0;
    if (!(domxml = vk_domain_get_xml_desc(dom, xflags))) {
        vksh_error_lib(ctl);
        goto out;
    }
    if (!(disk = find_disk_xml(domxml, target))) {
        vksh_error_only(ctl, "No disk found whose source path or target is %s", target);
        goto out;
    }
    rc = vksh_device_op(ctl, cmd, dom, disk, false);
    if (rc < 0)
        vksh_error(ctl, "Failed to detach disk");
    else if (ctl->json)
        vksh_json_done(ctl, "disk detached", dom);
    else
        vksh_print(ctl, "Disk detached successfully\n");
out:
    free(domxml);
    free(disk);
    vk_domain_free(dom);
    return rc < 0 ? -1 : 0;
}

const struct vksh_cmd_def vksh_cmd_detach_disk = {
    .name = "detach-disk",
    .opts = detach_disk_opts,
    .help = "detach disk device",
    .desc = "Detach disk device.",
    .handler = cmd_detach_disk,
};

/*--------------------------------------------------------------------------
 * change-media PATH [SOURCE] --eject | --insert | --update
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def change_media_opts[] = {
    DOMAIN_OPT,
    {"path", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,
     "Fully-qualified path or target of disk device"},
    {"source", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "source of the media"},
    {"eject", VKSH_OT_BOOL, 0, "Eject the media"},
    {"insert", VKSH_OT_BOOL, 0, "Insert the media"},
    {"update", VKSH_OT_BOOL, 0, "Update the media"},
    {"current", VKSH_OT_BOOL, 0, "can be either or both of --live and --config"},
    {"live", VKSH_OT_BOOL, 0, "alter live configuration of running domain"},
    {"config", VKSH_OT_BOOL, 0, "alter persistent configuration, effect observed on next boot"},
    {"force", VKSH_OT_BOOL, 0, "force media changing"},
    {"print-xml", VKSH_OT_BOOL, 0, "print XML document rather than change media"},
    {NULL},
};

enum media_op { MEDIA_EJECT, MEDIA_INSERT, MEDIA_UPDATE };

/* The domain's cdrom/floppy <disk> for path, changed by op, as XML; NULL
 * after reporting why not. */
static char *media_disk_xml(struct vksh_ctl *ctl, const char *domxml, const char *path,
                            enum media_op op, const char *source)
{
    vk_autofree char *disk = find_disk_xml(domxml, path);
    if (!disk) {
        vksh_error_only(ctl, "No disk found whose source path or target is %s", path);
        return NULL;
    }
    xmlDocPtr d = xmlReadMemory(disk, (int)strlen(disk), "disk.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!d) {
        vksh_error_only(ctl, "Failed to parse the disk XML");
        return NULL;
    }
    xmlNodePtr n = xmlDocGetRootElement(d);
    xmlChar *dev = xmlGetProp(n, (const xmlChar *)"device");
    bool media = dev && (!strcmp((const char *)dev, "cdrom") || !strcmp((const char *)dev, "floppy"));
    xmlFree(dev);
    char *out = NULL;
    xmlNodePtr src = NULL;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "source"))
            src = c;
    if (!media) {
        vksh_error_only(ctl, "The disk device '%s' is not removable", path);
        goto done;
    }
    if (op == MEDIA_EJECT && !src) {
        vksh_error_only(ctl, "The disk device '%s' doesn't have media", path);
        goto done;
    }
    if (op == MEDIA_INSERT && src) {
        vksh_error_only(ctl, "The disk device '%s' already has media", path);
        goto done;
    }
    if (src) {
        xmlUnlinkNode(src);
        xmlFreeNode(src);
    }
    if (source) {
        xmlChar *type = xmlGetProp(n, (const xmlChar *)"type");
        src = xmlNewChild(n, NULL, (const xmlChar *)"source", NULL);
        xmlNewProp(src, (const xmlChar *)(type && !strcmp((const char *)type, "block") ? "dev" : "file"),
                   (const xmlChar *)source);
        xmlFree(type);
    }
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, d, n, 0, 1);
    out = vk_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
done:
    xmlFreeDoc(d);
    return out;
}

static int cmd_change_media(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *path = vksh_opt_string(cmd, "path"), *source = vksh_opt_string(cmd, "source");
    bool eject = vksh_opt_bool(cmd, "eject"), insert = vksh_opt_bool(cmd, "insert"),
         update = vksh_opt_bool(cmd, "update");
    if (eject + insert + update > 1)
        return vksh_error_only(ctl, "Options --%s and --%s are mutually exclusive",
                               eject ? "eject" : "insert", update ? "update" : "insert");
    if (!eject && !insert && !update)
        return vksh_error_only(ctl, "No operation is specified");
    if (insert && !source)
        return vksh_error_only(ctl, "No disk source specified for inserting");
    if (eject && source)
        return vksh_error_only(ctl, "Source is not needed for ejecting");
    bool current = vksh_opt_bool(cmd, "current"), live = vksh_opt_bool(cmd, "live"),
         config = vksh_opt_bool(cmd, "config");
    if (current && (live || config))
        return vksh_error_only(ctl, "Options --current and --%s are mutually exclusive",
                               live ? "live" : "config");
    unsigned int flags = (live ? VK_DOMAIN_AFFECT_LIVE : 0) | (config ? VK_DOMAIN_AFFECT_CONFIG : 0) |
                         (vksh_opt_bool(cmd, "force") ? VK_DOMAIN_DEVICE_MODIFY_FORCE : 0);
    enum media_op op = eject ? MEDIA_EJECT : insert ? MEDIA_INSERT : MEDIA_UPDATE;

    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = -1;
    char *disk = NULL;
    char *domxml = vk_domain_get_xml_desc(dom, config && !live ? VK_DOMAIN_XML_INACTIVE : 0);
    if (!domxml) {
        vksh_error_lib(ctl);
        goto out;
    }
    if (!(disk = media_disk_xml(ctl, domxml, path, op, source)))
        goto out;
    if (vksh_opt_bool(cmd, "print-xml")) {
        vksh_print(ctl, "%s\n", disk);
        rc = 0;
        goto out;
    }
    static const char *const verbs[] = {"eject", "insert", "update"};
    static const char *const done_verbs[] = {"ejected", "inserted", "updated"};
    if (vk_domain_update_device_flags(dom, disk, flags) < 0) {
        vksh_error(ctl, "Failed to complete action %s on media", verbs[op]);
        goto out;
    }
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "action", json_object_new_string(done_verbs[op]));
        json_object_object_add(doc, "domain", vksh_json_domain(dom));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "Successfully %s media.\n", done_verbs[op]);
    }
    rc = 0;
out:
    free(domxml);
    free(disk);
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_change_media = {
    .name = "change-media",
    .opts = change_media_opts,
    .help = "Change media of CD or floppy drive",
    .desc = "Change media of CD or floppy drive.",
    .handler = cmd_change_media,
};
