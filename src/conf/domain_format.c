/* Writes a domain definition in libvirt's canonical layout: its element
 * order, attribute order and 2-space indentation, so that libvirt's own
 * output comes back byte for byte. */
#include <string.h>

#include "domain_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"

void conf_escape(struct vk_buf *b, const char *s, bool attr)
{
    /* Copies runs of plain bytes at once. In attributes, whitespace other
     * than ' ' is written as a character reference, else a re-parse would
     * normalise it to a space; \r likewise in text. */
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '\'':
            rep = attr ? "&apos;" : NULL;
            break;
        case '"':
            rep = attr ? "&quot;" : NULL;
            break;
        case '\n':
            rep = attr ? "&#10;" : NULL;
            break;
        case '\t':
            rep = attr ? "&#9;" : NULL;
            break;
        case '\r':
            rep = "&#13;";
            break;
        default:
            rep = NULL;
        }
        if (!rep)
            continue;
        vk_buf_add(b, run, (size_t)(s - run));
        vk_buf_adds(b, rep);
        run = s + 1;
    }
    vk_buf_add(b, run, (size_t)(s - run));
}

void conf_attr(struct vk_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    vk_buf_addf(b, " %s='", name);
    conf_escape(b, value, true);
    vk_buf_adds(b, "'");
}

void conf_text_elem(struct vk_buf *b, int indent, const char *name, const char *text)
{
    if (!text)
        return;
    vk_buf_indent(b, indent);
    vk_buf_addf(b, "<%s>", name);
    conf_escape(b, text, false);
    vk_buf_addf(b, "</%s>\n", name);
}

static const char *tri_name(enum vk_tristate t, const char *yes, const char *no)
{
    return t == VK_TRI_YES ? yes : t == VK_TRI_NO ? no : NULL;
}

static void format_os(struct vk_buf *b, const struct vk_os_def *os)
{
    vk_buf_adds(b, "  <os>\n    <type");
    conf_attr(b, "arch", os->arch);
    conf_attr(b, "machine", os->machine);
    vk_buf_adds(b, ">");
    conf_escape(b, os->type ? os->type : "hvm", false);
    vk_buf_adds(b, "</type>\n");
    conf_text_elem(b, 4, "kernel", os->kernel);
    conf_text_elem(b, 4, "initrd", os->initrd);
    conf_text_elem(b, 4, "cmdline", os->cmdline);
    for (int i = 0; i < os->nboot && i < 4; i++)
        vk_buf_addf(b, "    <boot dev='%s'/>\n",
                    conf_enum_name(conf_boot_names, (int)os->boot[i], "hd"));
    if (os->bootmenu) {
        vk_buf_addf(b, "    <bootmenu enable='%s'", os->bootmenu == VK_TRI_YES ? "yes" : "no");
        if (os->bootmenu_timeout >= 0)
            vk_buf_addf(b, " timeout='%d'", os->bootmenu_timeout);
        vk_buf_adds(b, "/>\n");
    }
    if (os->reboot_timeout != -1 || os->reboot_timeout_given)
        vk_buf_addf(b, "    <bios rebootTimeout='%d'/>\n", os->reboot_timeout);
    vk_buf_adds(b, "  </os>\n");
}

static void format_features(struct vk_buf *b, const struct vk_features_def *f)
{
    if (!f->acpi && !f->apic && !f->pae && !f->vmport && !f->smm)
        return;
    vk_buf_adds(b, "  <features>\n");
    if (f->acpi)
        vk_buf_adds(b, "    <acpi/>\n");
    if (f->apic)
        vk_buf_adds(b, "    <apic/>\n");
    if (f->pae)
        vk_buf_adds(b, "    <pae/>\n");
    if (f->vmport)
        vk_buf_addf(b, "    <vmport state='%s'/>\n", tri_name(f->vmport, "on", "off"));
    if (f->smm)
        vk_buf_addf(b, "    <smm state='%s'/>\n", tri_name(f->smm, "on", "off"));
    vk_buf_adds(b, "  </features>\n");
}

static void format_cpu(struct vk_buf *b, const struct vk_cpu_def *cpu)
{
    if (!cpu->present)
        return;
    vk_buf_adds(b, "  <cpu");
    if (cpu->mode)
        conf_attr(b, "mode", conf_enum_name(conf_cpu_mode_names, (int)cpu->mode, NULL));
    conf_attr(b, "match", cpu->match);
    conf_attr(b, "check", cpu->check);
    conf_attr(b, "migratable", cpu->migratable);
    if (!cpu->model && !cpu->vendor && !cpu->sockets && !cpu->nfeatures && !cpu->ncells) {
        vk_buf_adds(b, "/>\n");
        return;
    }
    vk_buf_adds(b, ">\n");
    if (cpu->model) {
        vk_buf_adds(b, "    <model");
        conf_attr(b, "fallback", cpu->model_fallback);
        vk_buf_adds(b, ">");
        conf_escape(b, cpu->model, false);
        vk_buf_adds(b, "</model>\n");
    }
    conf_text_elem(b, 4, "vendor", cpu->vendor);
    if (cpu->sockets)
        vk_buf_addf(b,
                    "    <topology sockets='%d' dies='%d' clusters='%d' cores='%d' "
                    "threads='%d'/>\n",
                    cpu->sockets, cpu->dies ? cpu->dies : 1, cpu->clusters ? cpu->clusters : 1,
                    cpu->cores, cpu->threads);
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        vk_buf_adds(b, "    <feature");
        conf_attr(b, "policy",
                  conf_enum_name(conf_cpu_policy_names, (int)cpu->features[i].policy, "require"));
        conf_attr(b, "name", cpu->features[i].name);
        vk_buf_adds(b, "/>\n");
    }
    if (cpu->ncells) {
        vk_buf_adds(b, "    <numa>\n");
        for (size_t i = 0; i < cpu->ncells; i++) {
            const struct vk_numa_cell *c = &cpu->cells[i];
            vk_buf_addf(b, "      <cell id='%d'", c->id);
            conf_attr(b, "cpus", c->cpus);
            vk_buf_addf(b, " memory='%llu' unit='KiB'", c->memory_kib);
            conf_attr(b, "memAccess", c->memAccess);
            vk_buf_adds(b, "/>\n");
        }
        vk_buf_adds(b, "    </numa>\n");
    }
    vk_buf_adds(b, "  </cpu>\n");
}

static void format_clock(struct vk_buf *b, const struct vk_clock_def *clock)
{
    vk_buf_adds(b, "  <clock");
    conf_attr(b, "offset", clock->offset ? clock->offset : "utc");
    conf_attr(b, "timezone", clock->timezone);
    if (clock->has_adjustment)
        vk_buf_addf(b, " adjustment='%lld'", clock->adjustment);
    conf_attr(b, "basis", clock->basis);
    if (!clock->ntimers) {
        vk_buf_adds(b, "/>\n");
        return;
    }
    vk_buf_adds(b, ">\n");
    for (size_t i = 0; i < clock->ntimers; i++) {
        const struct vk_timer_def *t = &clock->timers[i];
        vk_buf_adds(b, "    <timer");
        conf_attr(b, "name", t->name);
        conf_attr(b, "present", tri_name(t->present, "yes", "no"));
        conf_attr(b, "tickpolicy", t->tickpolicy);
        conf_attr(b, "track", t->track);
        vk_buf_adds(b, "/>\n");
    }
    vk_buf_adds(b, "  </clock>\n");
}

static void format_lifecycle(struct vk_buf *b, const char *name, enum vk_lifecycle_action a,
                             enum vk_lifecycle_action dflt)
{
    vk_buf_addf(b, "  <%s>%s</%s>\n", name,
                conf_enum_name(conf_lifecycle_names, (int)a, conf_lifecycle_names[dflt]), name);
}

static void format_pm(struct vk_buf *b, const struct vk_pm_def *pm)
{
    if (!pm->suspend_to_mem && !pm->suspend_to_disk)
        return;
    vk_buf_adds(b, "  <pm>\n");
    if (pm->suspend_to_mem)
        vk_buf_addf(b, "    <suspend-to-mem enabled='%s'/>\n",
                    tri_name(pm->suspend_to_mem, "yes", "no"));
    if (pm->suspend_to_disk)
        vk_buf_addf(b, "    <suspend-to-disk enabled='%s'/>\n",
                    tri_name(pm->suspend_to_disk, "yes", "no"));
    vk_buf_adds(b, "  </pm>\n");
}

char *vk_domain_def_format(const struct vk_domain_def *def, unsigned flags, int live_id)
{
    if (!def)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_CONF, "no domain definition to format"),
               NULL;
    /* a typical domain is a few KiB: start there rather than grow from 64 B */
    struct vk_buf b = {vk_malloc(8192), 0, 8192};
    b.data[0] = 0;
    char uuid[VK_UUID_STRLEN];

    vk_buf_addf(&b, "<domain type='%s'", def->virt_type == VK_VIRT_KVM ? "kvm" : "qemu");
    if ((flags & VK_FORMAT_LIVE) && live_id >= 0)
        vk_buf_addf(&b, " id='%d'", live_id);
    vk_buf_adds(&b, ">\n");
    conf_text_elem(&b, 2, "name", def->name);
    vk_uuid_format(def->uuid, uuid);
    vk_buf_addf(&b, "  <uuid>%s</uuid>\n", uuid);
    conf_text_elem(&b, 2, "title", def->title);
    conf_text_elem(&b, 2, "description", def->description);
    if (def->metadata_xml) {
        /* written back exactly as it was given */
        vk_buf_adds(&b, "  <metadata>");
        vk_buf_adds(&b, def->metadata_xml);
        vk_buf_adds(&b, "</metadata>\n");
    }
    vk_buf_addf(&b, "  <memory unit='KiB'>%llu</memory>\n", def->memory_kib);
    vk_buf_addf(&b, "  <currentMemory unit='KiB'>%llu</currentMemory>\n",
                def->current_memory_kib ? def->current_memory_kib : def->memory_kib);
    conf_format_memtune(&b, &def->memtune);
    vk_buf_adds(&b, "  <vcpu");
    conf_attr(&b, "placement", def->vcpu_placement ? def->vcpu_placement : "static");
    conf_attr(&b, "cpuset", def->vcpu_cpuset);
    if (def->vcpus_current)
        vk_buf_addf(&b, " current='%d'", def->vcpus_current);
    vk_buf_addf(&b, ">%d</vcpu>\n", def->vcpus ? def->vcpus : 1);
    conf_format_cputune(&b, &def->cputune);
    format_os(&b, &def->os);
    format_features(&b, &def->features);
    format_cpu(&b, &def->cpu);
    format_clock(&b, &def->clock);
    format_lifecycle(&b, "on_poweroff", def->on_poweroff, VK_LIFE_DESTROY);
    format_lifecycle(&b, "on_reboot", def->on_reboot, VK_LIFE_RESTART);
    format_lifecycle(&b, "on_crash", def->on_crash, VK_LIFE_DESTROY);
    format_pm(&b, &def->pm);
    conf_format_devices(&b, def, flags);
    vk_buf_adds(&b, "</domain>\n");
    return vk_buf_steal(&b);
}
