/* CONNECT_GET_DOMAIN_CAPABILITIES (feature "stats"): what virt-install and
 * virt-manager read before building a domain: the emulator, the machine,
 * vcpu maximum, firmware, CPU modes and models, and the device kinds we can
 * run. Machine and CPU lists come from QEMU itself (-machine help, -cpu
 * help), asked on the first request for a binary and cached by path and
 * mtime (never at daemon start); device enums are what our argv builder
 * supports. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "qemu/qemu_domain.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"

struct machine {
    char *name, *canonical; /* canonical: alias target, or name */
    bool is_default;
};

struct probe {
    char *path;
    long long mtime_ns;
    struct machine *machines;
    size_t nmachines;
    char **cpus;
    size_t ncpus;
};

/* Reachable for the process's life: one entry per emulator binary. */
static pthread_mutex_t probes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct probe *probes;
static size_t nprobes;

static void probe_clear(struct probe *p)
{
    for (size_t i = 0; i < p->nmachines; i++) {
        free(p->machines[i].name);
        free(p->machines[i].canonical);
    }
    free(p->machines);
    for (size_t i = 0; i < p->ncpus; i++)
        free(p->cpus[i]);
    free(p->cpus);
    p->machines = NULL;
    p->cpus = NULL;
    p->nmachines = p->ncpus = 0;
}

static char *run_help(const char *path, const char *what)
{
    char *out = NULL;
    char *argv[] = {(char *)path, (char *)what, "help", NULL};
    if (vk_run(argv, &out, NULL) != 0) {
        free(out);
        vk_error_prefix("cannot ask %s for its %s types", path, what + 1);
        return NULL;
    }
    return out;
}

/* "pc    Standard PC (...) (alias of pc-i440fx-7.2)", "... (default)". */
static void parse_machines(struct probe *p, char *help)
{
    char *save = NULL;
    for (char *l = strtok_r(help, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == ' ' || strncmp(l, "Supported machines", 18) == 0)
            continue;
        size_t nlen = strcspn(l, " \t");
        if (nlen == 0 || strncmp(l, "none", nlen) == 0)
            continue;
        struct machine *m = VK_APPEND(p->machines, p->nmachines);
        m->name = vk_strndup(l, nlen);
        const char *alias = strstr(l, "(alias of ");
        m->canonical = alias ? vk_strndup(alias + 10, strcspn(alias + 10, ")"))
                             : vk_strdup(m->name);
        m->is_default = strstr(l, "(default)") != NULL;
    }
}

/* "x86 Skylake-Client    Intel Core ..." up to the flags section. */
static void parse_cpus(struct probe *p, char *help)
{
    char *save = NULL;
    for (char *l = strtok_r(help, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "Recognized", 10) == 0)
            break;
        if (strncmp(l, "x86 ", 4) != 0)
            continue;
        const char *n = l + 4;
        n += strspn(n, " ");
        size_t len = strcspn(n, " \t");
        if (len == 0 || strncmp(n, "host", len) == 0 || strncmp(n, "max", len) == 0 ||
            strncmp(n, "base", len) == 0)
            continue;
        *(char **)VK_APPEND(p->cpus, p->ncpus) = vk_strndup(n, len);
    }
}

/* Fills out (a copy, caller clears) from the cache or by asking QEMU. */
static int probe_get(const char *path, struct probe *out)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "emulator '%s' is not an executable file", path);
    long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    int ret = 0;
    pthread_mutex_lock(&probes_lock);
    struct probe *p = NULL;
    for (size_t i = 0; i < nprobes; i++)
        if (strcmp(probes[i].path, path) == 0)
            p = &probes[i];
    if (!p || p->mtime_ns != mtime) {
        /* Asked under the lock: concurrent first requests wait instead of
         * starting QEMU twice. */
        char *mh = run_help(path, "-machine");
        char *ch = mh ? run_help(path, "-cpu") : NULL;
        if (!ch) {
            free(mh);
            ret = -1;
            goto out;
        }
        if (!p) {
            p = VK_APPEND(probes, nprobes);
            p->path = vk_strdup(path);
        }
        probe_clear(p);
        p->mtime_ns = mtime;
        parse_machines(p, mh);
        parse_cpus(p, ch);
        free(mh);
        free(ch);
    }
    memset(out, 0, sizeof(*out));
    out->path = vk_strdup(p->path);
    for (size_t i = 0; i < p->nmachines; i++) {
        struct machine *m = VK_APPEND(out->machines, out->nmachines);
        m->name = vk_strdup(p->machines[i].name);
        m->canonical = vk_strdup(p->machines[i].canonical);
        m->is_default = p->machines[i].is_default;
    }
    for (size_t i = 0; i < p->ncpus; i++)
        *(char **)VK_APPEND(out->cpus, out->ncpus) = vk_strdup(p->cpus[i]);
out:
    pthread_mutex_unlock(&probes_lock);
    return ret;
}

static void add_enum(struct vk_buf *b, int indent, const char *name, const char *const *vals)
{
    vk_buf_indent(b, indent);
    vk_buf_addf(b, "<enum name='%s'>\n", name);
    for (; *vals; vals++) {
        vk_buf_indent(b, indent + 2);
        vk_buf_addf(b, "<value>%s</value>\n", *vals);
    }
    vk_buf_indent(b, indent);
    vk_buf_adds(b, "</enum>\n");
}

static void add_devices(struct vk_buf *b)
{
    static const char *const disk_dev[] = {"disk", "cdrom", "floppy", NULL};
    static const char *const disk_bus[] = {"ide", "fdc", "scsi", "virtio", "usb", "sata", NULL};
    static const char *const disk_model[] = {"virtio", NULL};
    static const char *const gfx[] = {"vnc", "spice", NULL};
    static const char *const video[] = {"vga", "cirrus", "virtio", "qxl", "bochs", "none", NULL};
    static const char *const rng_model[] = {"virtio", NULL};
    static const char *const rng_backend[] = {"random", NULL};
    vk_buf_adds(b, "  <devices>\n    <disk supported='yes'>\n");
    add_enum(b, 6, "diskDevice", disk_dev);
    add_enum(b, 6, "bus", disk_bus);
    add_enum(b, 6, "model", disk_model);
    vk_buf_adds(b, "    </disk>\n    <graphics supported='yes'>\n");
    add_enum(b, 6, "type", gfx);
    vk_buf_adds(b, "    </graphics>\n    <video supported='yes'>\n");
    add_enum(b, 6, "modelType", video);
    vk_buf_adds(b, "    </video>\n"
                   "    <hostdev supported='no'/>\n"
                   "    <rng supported='yes'>\n");
    add_enum(b, 6, "model", rng_model);
    add_enum(b, 6, "backendModel", rng_backend);
    vk_buf_adds(b, "    </rng>\n"
                   "    <filesystem supported='no'/>\n"
                   "    <tpm supported='no'/>\n"
                   "    <redirdev supported='yes'>\n");
    static const char *const usb[] = {"usb", NULL};
    add_enum(b, 6, "bus", usb);
    vk_buf_adds(b, "    </redirdev>\n  </devices>\n");
}

static char *build(const struct probe *p, const struct machine *m, const char *virttype)
{
    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "<domainCapabilities>\n  <path>");
    vk_buf_add_xml_escaped(&b, p->path);
    vk_buf_adds(&b, "</path>\n  <domain>");
    vk_buf_add_xml_escaped(&b, virttype);
    vk_buf_adds(&b, "</domain>\n  <machine>");
    vk_buf_add_xml_escaped(&b, m->canonical);
    vk_buf_adds(&b, "</machine>\n  <arch>x86_64</arch>\n"
                    "  <vcpu max='255'/>\n"
                    "  <iothreads supported='no'/>\n"
                    /* No firmware images are configured: BIOS only. */
                    "  <os supported='yes'>\n"
                    "    <enum name='firmware'/>\n"
                    "    <loader supported='no'/>\n"
                    "  </os>\n"
                    "  <cpu>\n"
                    /* TCG cannot pass the host CPU through. */
                    "    <mode name='host-passthrough' supported='no'/>\n"
                    "    <mode name='maximum' supported='yes'>\n");
    static const char *const onoff[] = {"on", "off", NULL};
    add_enum(&b, 6, "maximumMigratable", onoff);
    vk_buf_adds(&b, "    </mode>\n"
                    "    <mode name='host-model' supported='no'/>\n"
                    "    <mode name='custom' supported='yes'>\n");
    for (size_t i = 0; i < p->ncpus; i++) {
        vk_buf_adds(&b, "      <model usable='unknown' vendor='unknown'>");
        vk_buf_add_xml_escaped(&b, p->cpus[i]);
        vk_buf_adds(&b, "</model>\n");
    }
    vk_buf_adds(&b, "    </mode>\n  </cpu>\n  <memoryBacking supported='no'/>\n");
    add_devices(&b);
    vk_buf_adds(&b, "  <features>\n"
                    "    <gic supported='no'/>\n"
                    "    <vmcoreinfo supported='yes'/>\n"
                    "    <genid supported='no'/>\n"
                    "    <backingStoreInput supported='yes'/>\n"
                    "    <backup supported='no'/>\n"
                    "    <sev supported='no'/>\n"
                    "  </features>\n</domainCapabilities>\n");
    return vk_buf_steal(&b);
}

char *vk_qemu_domain_capabilities(struct vk_qemu_driver *drv, const char *emulator,
                                  const char *arch, const char *machine, const char *virttype,
                                  unsigned flags)
{
    (void)drv;
    if (flags) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                     "unsupported flags 0x%x for domain capabilities", flags);
        return NULL;
    }
    if (arch && *arch && strcmp(arch, "x86_64") != 0) {
        vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                     "architecture '%s' is not supported (only x86_64)", arch);
        return NULL;
    }
    if (!virttype || !*virttype)
        virttype = access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "qemu";
    if (strcmp(virttype, "qemu") != 0 &&
        !(strcmp(virttype, "kvm") == 0 && access("/dev/kvm", R_OK | W_OK) == 0)) {
        vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                     "virttype '%s' is not supported on this host (use 'qemu'%s)", virttype,
                     access("/dev/kvm", F_OK) == 0 ? " or 'kvm'" : "");
        return NULL;
    }
    const char *path = emulator && *emulator ? emulator : vk_qemu_emulator_of(NULL);
    struct probe p = {0};
    if (probe_get(path, &p) < 0)
        return NULL;
    const struct machine *m = NULL;
    for (size_t i = 0; i < p.nmachines && !m; i++) {
        if (machine && *machine ? strcmp(p.machines[i].name, machine) == 0
                                : p.machines[i].is_default)
            m = &p.machines[i];
    }
    /* Without a default line the first 'pc' alias is the default, as
     * libvirt picks for x86_64. */
    for (size_t i = 0; i < p.nmachines && !m && !(machine && *machine); i++)
        if (strcmp(p.machines[i].name, "pc") == 0)
            m = &p.machines[i];
    char *xml = NULL;
    if (!m)
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "emulator '%s' has no machine type '%s'",
                     path, machine && *machine ? machine : "(default)");
    else
        xml = build(&p, m, virttype);
    probe_clear(&p);
    free(p.path);
    return xml;
}
