/* <domain>: the top level, general settings and <os>. Devices, <cpu> and
 * <clock> have their own files. */
#include <limits.h>
#include <string.h>

#include "xml_lazy.h" /* libxml2, loaded on first use */

#include "domain_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_name.h"
#include "xml_util.h"

/* Largest size libvirt accepts: bytes must fit in an unsigned long long. */
#define MAX_MEMORY_KIB (ULLONG_MAX >> 10)

static int parse_string_elem(xmlNodePtr n, char **dst)
{
    if (*dst)
        return xu_err_dup(n);
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    *dst = xu_text(n);
    return *dst ? 0 : -1;
}

static int parse_memory(xmlNodePtr n, unsigned long long *kib)
{
    static const char *const attrs[] = {"unit", NULL};
    if (*kib)
        return xu_err_dup(n);
    if (xu_check_attrs(n, attrs) < 0)
        return -1;
    const char *unit = xu_attr(n, "unit");
    vk_autofree char *text = xu_text(n);
    if (!text)
        return -1;
    unsigned long long v;
    if (xu_parse_ull(text, false, &v) < 0)
        return xu_err_value(n, NULL, text);
    if (xu_scale_kib(v, unit, kib) < 0) {
        if (unit && xu_scale_kib(1, unit, kib) < 0)
            return xu_err_value(n, "unit", unit);
        return xu_err_value(n, NULL, text);
    }
    if (*kib == 0 || *kib > MAX_MEMORY_KIB)
        return xu_err_value(n, NULL, text);
    return 0;
}

static int parse_vcpu(xmlNodePtr n, struct vk_domain_def *def)
{
    static const char *const attrs[] = {"placement", "cpuset", "current", NULL};
    static const char *const placements[] = {"static", "auto", NULL};
    if (def->vcpus)
        return xu_err_dup(n);
    int p;
    if (xu_check_attrs(n, attrs) < 0 || xu_attr_enum(n, "placement", placements, &p) < 0 ||
        xu_attr_int(n, "current", 1, 16384, false, &def->vcpus_current) < 0 ||
        xu_text_int(n, 1, 16384, &def->vcpus) < 0)
        return -1;
    xu_attr_dup(n, "placement", &def->vcpu_placement);
    const char *cpuset = xu_attr(n, "cpuset");
    if (cpuset) {
        if (!*cpuset || strspn(cpuset, "0123456789,-^ ") != strlen(cpuset))
            return xu_err_value(n, "cpuset", cpuset);
        def->vcpu_cpuset = vk_strdup(cpuset);
    }
    if (def->vcpus_current > def->vcpus)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "<vcpu current> %d is more than the maximum %d", def->vcpus_current,
                            def->vcpus);
    return 0;
}

static int parse_os(xmlNodePtr os, struct vk_os_def *d)
{
    static const char *const type_attrs[] = {"arch", "machine", NULL};
    static const char *const boot_attrs[] = {"dev", NULL};
    static const char *const menu_attrs[] = {"enable", "timeout", NULL};
    static const char *const bios_attrs[] = {"rebootTimeout", NULL};
    bool err = false;

    if (xu_check_attrs(os, NULL) < 0)
        return -1;
    for (xmlNodePtr c = xu_first(os, &err); c; c = xu_next(c, &err)) {
        if (xu_is(c, "type")) {
            if (d->type)
                return xu_err_dup(c);
            if (xu_check_attrs(c, type_attrs) < 0 || !(d->type = xu_text(c)))
                return -1;
            if (strcmp(d->type, "hvm"))
                return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                                    "unsupported OS type '%s' in <os/type>, only 'hvm'", d->type);
            xu_attr_dup(c, "arch", &d->arch);
            xu_attr_dup(c, "machine", &d->machine);
        } else if (xu_is(c, "boot")) {
            int dev;
            if (xu_check_attrs(c, boot_attrs) < 0 || xu_check_empty(c) < 0)
                return -1;
            int r = xu_attr_enum(c, "dev", conf_boot_names, &dev);
            if (r < 0)
                return -1;
            if (r == 0)
                return xu_err_missing(c, "dev");
            if (d->nboot >= 4)
                return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                    "at most 4 <os/boot> elements are allowed");
            d->boot[d->nboot++] = (enum vk_boot_dev)dev;
        } else if (xu_is(c, "bootmenu")) {
            int en = 0;
            if (d->bootmenu)
                return xu_err_dup(c);
            if (xu_check_attrs(c, menu_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_yesno(c, "enable", "yes", "no", &en) < 0 ||
                xu_attr_int(c, "timeout", 0, 65535, false, &d->bootmenu_timeout) < 0)
                return -1;
            if (!en)
                return xu_err_missing(c, "enable");
            d->bootmenu = en == 1 ? VK_TRI_YES : VK_TRI_NO;
        } else if (xu_is(c, "bios")) {
            if (xu_check_attrs(c, bios_attrs) < 0 || xu_check_empty(c) < 0 ||
                xu_attr_int(c, "rebootTimeout", -1, 65535, false, &d->reboot_timeout) < 0)
                return -1;
            d->reboot_timeout_given = xu_attr(c, "rebootTimeout") != NULL;
        } else if (xu_is(c, "kernel")) {
            if (parse_string_elem(c, &d->kernel) < 0)
                return -1;
        } else if (xu_is(c, "initrd")) {
            if (parse_string_elem(c, &d->initrd) < 0)
                return -1;
        } else if (xu_is(c, "cmdline")) {
            if (parse_string_elem(c, &d->cmdline) < 0)
                return -1;
        } else {
            return xu_err_elem(c);
        }
    }
    if (err)
        return -1;
    if (!d->type)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing <os/type>");
    return 0;
}

static int parse_feature_state(xmlNodePtr c, enum vk_tristate *dst)
{
    static const char *const attrs[] = {"state", NULL};
    int st = 0;
    if (xu_check_attrs(c, attrs) < 0 || xu_check_empty(c) < 0 ||
        xu_attr_yesno(c, "state", "on", "off", &st) < 0)
        return -1;
    *dst = st == 2 ? VK_TRI_NO : VK_TRI_YES; /* a bare <smm/> means on */
    return 0;
}

static int parse_features(xmlNodePtr n, struct vk_features_def *f)
{
    bool err = false;
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        bool *flag = xu_is(c, "acpi")   ? &f->acpi
                     : xu_is(c, "apic") ? &f->apic
                     : xu_is(c, "pae")  ? &f->pae
                                        : NULL;
        if (flag) {
            if (xu_check_attrs(c, NULL) < 0 || xu_check_empty(c) < 0)
                return -1;
            *flag = true;
        } else if (xu_is(c, "vmport")) {
            if (parse_feature_state(c, &f->vmport) < 0)
                return -1;
        } else if (xu_is(c, "smm")) {
            if (parse_feature_state(c, &f->smm) < 0)
                return -1;
        } else {
            return xu_err_elem(c);
        }
    }
    return err ? -1 : 0;
}

static int parse_lifecycle(xmlNodePtr n, enum vk_lifecycle_action *dst, bool coredump_ok)
{
    if (*dst)
        return xu_err_dup(n);
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    vk_autofree char *t = xu_text(n);
    if (!t)
        return -1;
    int v = xu_lookup(conf_lifecycle_names, t);
    if (v < 0 || (!coredump_ok && v >= VK_LIFE_COREDUMP_DESTROY))
        return xu_err_value(n, NULL, t);
    *dst = (enum vk_lifecycle_action)v;
    return 0;
}

static int parse_pm(xmlNodePtr n, struct vk_pm_def *pm)
{
    static const char *const attrs[] = {"enabled", NULL};
    bool err = false;
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    for (xmlNodePtr c = xu_first(n, &err); c; c = xu_next(c, &err)) {
        enum vk_tristate *dst = xu_is(c, "suspend-to-mem")    ? &pm->suspend_to_mem
                                : xu_is(c, "suspend-to-disk") ? &pm->suspend_to_disk
                                                              : NULL;
        if (!dst)
            return xu_err_elem(c);
        int v = 0;
        if (xu_check_attrs(c, attrs) < 0 || xu_check_empty(c) < 0 ||
            xu_attr_yesno(c, "enabled", "yes", "no", &v) < 0)
            return -1;
        if (!v)
            return xu_err_missing(c, "enabled");
        *dst = v == 1 ? VK_TRI_YES : VK_TRI_NO;
    }
    return err ? -1 : 0;
}

/* Serialises the children of <metadata> as written. Each element is copied
 * first so namespaces declared on an ancestor come along. */
static int parse_metadata(xmlNodePtr n, struct vk_domain_def *def)
{
    if (def->metadata_xml)
        return xu_err_dup(n);
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        return vk_error_set(VK_ERR_NO_MEMORY, VK_FROM_CONF, "out of memory");
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            xmlNodePtr copy = xmlDocCopyNode(c, n->doc, 1);
            if (!copy) {
                xmlBufferFree(buf);
                return vk_error_set(VK_ERR_NO_MEMORY, VK_FROM_CONF, "out of memory");
            }
            xmlNodeDump(buf, n->doc, copy, 0, 0);
            xmlFreeNode(copy);
        } else {
            xmlNodeDump(buf, n->doc, c, 0, 0);
        }
    }
    def->metadata_xml = vk_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return 0;
}

static int parse_uuid(xmlNodePtr n, struct vk_domain_def *def, bool *have)
{
    if (*have)
        return xu_err_dup(n);
    if (xu_check_attrs(n, NULL) < 0)
        return -1;
    vk_autofree char *t = xu_text(n);
    if (!t)
        return -1;
    if (vk_uuid_parse(t, def->uuid) < 0)
        return xu_err_value(n, NULL, t);
    *have = true;
    return 0;
}

static int parse_root_child(xmlNodePtr c, struct vk_domain_def *def, unsigned flags,
                            bool *have_uuid, bool *have_devices)
{
    if (xu_is(c, "name")) {
        if (def->name)
            return xu_err_dup(c);
        if (xu_check_attrs(c, NULL) < 0 || !(def->name = xu_text(c)))
            return -1;
        return vk_name_check("domain", def->name);
    }
    if (xu_is(c, "uuid"))
        return parse_uuid(c, def, have_uuid);
    if (xu_is(c, "title")) {
        if (parse_string_elem(c, &def->title) < 0)
            return -1;
        if (strchr(def->title, '\n'))
            return xu_err_value(c, NULL, def->title);
        return 0;
    }
    if (xu_is(c, "description"))
        return parse_string_elem(c, &def->description);
    if (xu_is(c, "metadata"))
        return parse_metadata(c, def);
    if (xu_is(c, "memory"))
        return parse_memory(c, &def->memory_kib);
    if (xu_is(c, "currentMemory"))
        return parse_memory(c, &def->current_memory_kib);
    if (xu_is(c, "vcpu"))
        return parse_vcpu(c, def);
    if (xu_is(c, "memtune"))
        return conf_parse_memtune(c, &def->memtune);
    if (xu_is(c, "cputune"))
        return conf_parse_cputune(c, &def->cputune);
    if (xu_is(c, "os"))
        return def->os.type ? xu_err_dup(c) : parse_os(c, &def->os);
    if (xu_is(c, "features"))
        return parse_features(c, &def->features);
    if (xu_is(c, "cpu"))
        return def->cpu.present ? xu_err_dup(c) : conf_parse_cpu(c, &def->cpu);
    if (xu_is(c, "clock"))
        return def->clock.offset ? xu_err_dup(c) : conf_parse_clock(c, &def->clock);
    if (xu_is(c, "on_poweroff"))
        return parse_lifecycle(c, &def->on_poweroff, false);
    if (xu_is(c, "on_reboot"))
        return parse_lifecycle(c, &def->on_reboot, false);
    if (xu_is(c, "on_crash"))
        return parse_lifecycle(c, &def->on_crash, true);
    if (xu_is(c, "pm"))
        return parse_pm(c, &def->pm);
    if (xu_is(c, "devices")) {
        if (*have_devices)
            return xu_err_dup(c);
        *have_devices = true;
        return conf_parse_devices(c, def, flags);
    }
    return xu_err_elem(c);
}

/* Cross-element checks and libvirt's defaults. */
static int finish(struct vk_domain_def *def, bool have_uuid)
{
    if (!def->name)
        return vk_error_set(VK_ERR_NO_NAME, VK_FROM_CONF, "missing domain <name>");
    if (!have_uuid && vk_uuid_generate(def->uuid) < 0)
        return -1;
    if (!def->os.type)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "domain '%s': missing <os> with <type>hvm</type>", def->name);
    if (def->cpu.ncells) {
        /* As libvirt: with NUMA cells, their sum is the memory size. */
        unsigned long long sum = 0;
        for (size_t i = 0; i < def->cpu.ncells; i++) {
            if (def->cpu.cells[i].memory_kib > (ULLONG_MAX >> 10) - sum)
                return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                    "domain '%s': NUMA cell sizes overflow", def->name);
            sum += def->cpu.cells[i].memory_kib;
        }
        def->memory_kib = sum;
    }
    if (!def->memory_kib)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "domain '%s': missing <memory>",
                            def->name);
    if (!def->current_memory_kib || def->current_memory_kib > def->memory_kib)
        def->current_memory_kib = def->memory_kib;
    if (!def->vcpus)
        def->vcpus = 1;
    if (def->vcpus_current == def->vcpus)
        def->vcpus_current = 0; /* libvirt writes current= only when it differs */
    if (def->cpu.sockets) {
        /* each factor is at most 65535: stop multiplying past any vcpu count */
        int f[] = {def->cpu.dies, def->cpu.clusters, def->cpu.cores, def->cpu.threads};
        long long n = def->cpu.sockets;
        for (int i = 0; i < 4 && n <= 65536; i++)
            n *= f[i];
        if (n != def->vcpus)
            return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                                "domain '%s': CPU topology (sockets*dies*clusters*cores*threads) "
                                "does not match the <vcpu> count %d",
                                def->name, def->vcpus);
    }
    if (!def->vcpu_placement)
        def->vcpu_placement = vk_strdup("static");

    bool dev_boot = false;
    for (size_t i = 0; i < def->ndisks; i++)
        dev_boot |= def->disks[i].info.boot_order > 0;
    for (size_t i = 0; i < def->nnets; i++)
        dev_boot |= def->nets[i].info.boot_order > 0;
    if (dev_boot && def->os.nboot)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "domain '%s': per-device <boot order> cannot be used together "
                            "with <os/boot>",
                            def->name);
    return 0;
}

struct vk_domain_def *vk_domain_def_parse(const char *xml, unsigned flags)
{
    static const char *const root_attrs[] = {"type", "id", NULL};
    xmlDocPtr doc = xu_read(xml, "domain");
    if (!doc)
        return NULL;
    struct vk_domain_def *def = vk_calloc(1, sizeof(*def));
    def->os.bootmenu_timeout = -1;
    def->os.reboot_timeout = -1;
    def->memballoon.period = -1;
    conf_info_init(&def->memballoon.info);

    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool have_uuid = false, have_devices = false, err = false;
    if (!xu_is(root, "domain")) {
        vk_error_set(VK_ERR_XML_ERROR, VK_FROM_CONF, "expected root element <domain>, not <%s>",
                     (const char *)root->name);
        goto fail;
    }
    if (xu_check_attrs(root, root_attrs) < 0)
        goto fail;
    const char *type = xu_attr(root, "type");
    if (!type) {
        xu_err_missing(root, "type");
        goto fail;
    }
    if (!strcmp(type, "qemu")) {
        def->virt_type = VK_VIRT_QEMU;
    } else if (!strcmp(type, "kvm")) {
        def->virt_type = VK_VIRT_KVM;
    } else {
        vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                     "unsupported domain type '%s', only 'qemu' and 'kvm'", type);
        goto fail;
    }
    /* The runtime id of a live XML is accepted and ignored, as libvirt
     * does: the driver assigns ids. */
    int id;
    if (xu_attr_int(root, "id", -1, INT_MAX, false, &id) < 0)
        goto fail;

    for (xmlNodePtr c = xu_first(root, &err); c; c = xu_next(c, &err))
        if (parse_root_child(c, def, flags, &have_uuid, &have_devices) < 0)
            goto fail;
    if (err || finish(def, have_uuid) < 0)
        goto fail;
    xmlFreeDoc(doc);
    return def;

fail:
    if (def->name && strlen(def->name) <= VK_NAME_MAX && vk_error_last()->code &&
        !strstr(vk_error_last()->message, def->name))
        vk_error_prefix("domain '%s'", def->name);
    vk_domain_def_free(def);
    xmlFreeDoc(doc);
    return NULL;
}
