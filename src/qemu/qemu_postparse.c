/* Feature "postparse": libvirt's define-time defaults (see qemu_postparse.h).
 * Each step only adds what is missing, so running it on its own output is a
 * no-op (define -> dumpxml -> define is a fixed point). Addresses come from
 * the argv builder's assignment (vk_qemu_def_assign_addresses), so a def
 * that carries them starts exactly as the builder would have placed it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "qemu/qemu_command_priv.h"
#include "qemu/qemu_domain.h"
#include "qemu/qemu_postparse.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ---- machine alias -> versioned machine, cached per binary + mtime ---- */

struct alias_entry {
    char *path;
    long long mtime_ns;
    char *pc, *q35; /* what "pc" / "q35" are aliases of; NULL unknown */
};
static pthread_mutex_t alias_lock = PTHREAD_MUTEX_INITIALIZER;
static struct alias_entry *aliases;
static size_t naliases;

/* From `-machine help` lines like
 * "pc    Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)". */
static char *alias_target(const char *out, const char *alias)
{
    size_t n = strlen(alias);
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, alias, n) != 0 || l[n] != ' ')
            continue;
        const char *end = strchr(l, '\n');
        const char *p = strstr(l, "(alias of ");
        if (!p || (end && p > end))
            return NULL;
        p += 10;
        size_t len = strcspn(p, ")\n");
        char *r = vk_calloc(1, len + 1);
        memcpy(r, p, len);
        return r;
    }
    return NULL;
}

/* The versioned machine an alias stands for, NULL (no error) when the
 * emulator cannot tell: the alias is then kept and still works. */
static char *expand_machine(const char *emulator, const char *alias)
{
    struct stat st;
    if (emulator[0] != '/' || stat(emulator, &st) < 0)
        return NULL;
    long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    char *r = NULL;
    pthread_mutex_lock(&alias_lock);
    for (size_t i = 0; i < naliases; i++)
        if (streq(aliases[i].path, emulator) && aliases[i].mtime_ns == mtime) {
            r = vk_strdup(streq(alias, "pc") ? aliases[i].pc : aliases[i].q35);
            pthread_mutex_unlock(&alias_lock);
            return r;
        }
    pthread_mutex_unlock(&alias_lock);

    char *argv[] = {(char *)emulator, "-machine", "help", NULL};
    vk_autofree char *out = NULL;
    vk_autofree char *err = NULL;
    int rc = vk_run(argv, &out, &err);
    if (rc != 0 || !out) {
        vk_error_reset();
        return NULL;
    }
    pthread_mutex_lock(&alias_lock);
    struct alias_entry *e = NULL;
    for (size_t i = 0; i < naliases && !e; i++)
        if (streq(aliases[i].path, emulator))
            e = &aliases[i]; /* the binary was replaced */
    if (!e) {
        e = VK_APPEND(aliases, naliases);
        e->path = vk_strdup(emulator);
    } else {
        free(e->pc);
        free(e->q35);
    }
    e->mtime_ns = mtime;
    e->pc = alias_target(out, "pc");
    e->q35 = alias_target(out, "q35");
    r = vk_strdup(streq(alias, "pc") ? e->pc : e->q35);
    pthread_mutex_unlock(&alias_lock);
    return r;
}

static void fill_machine(struct vk_domain_def *def)
{
    if (!def->os.machine)
        def->os.machine = vk_strdup("pc");
    if (!streq(def->os.machine, "pc") && !streq(def->os.machine, "q35"))
        return;
    char *m = expand_machine(vk_qemu_emulator_of(def), def->os.machine);
    if (m) {
        free(def->os.machine);
        def->os.machine = m;
    }
}

static bool is_q35(const struct vk_domain_def *def)
{
    const char *m = def->os.machine;
    return streq(m, "q35") || (m && strncmp(m, "pc-q35-", 7) == 0);
}

/* ---- CPU, boot ---- */

static void fill_cpu(struct vk_domain_def *def)
{
    struct vk_cpu_def *cpu = &def->cpu;
    if (def->virt_type != VK_VIRT_QEMU)
        return;
    if (!cpu->present) {
        /* What the builder runs anyway (-cpu qemu64), said in the def. */
        cpu->present = true;
        cpu->mode = VK_CPU_CUSTOM;
        cpu->match = vk_strdup("exact");
        cpu->check = vk_strdup("none");
        cpu->model = vk_strdup("qemu64");
        cpu->model_fallback = vk_strdup("forbid");
        return;
    }
    if ((cpu->mode == VK_CPU_CUSTOM || cpu->mode == VK_CPU_DEFAULT) && cpu->model) {
        cpu->mode = VK_CPU_CUSTOM;
        if (!cpu->match)
            cpu->match = vk_strdup("exact");
        if (!cpu->check)
            cpu->check = vk_strdup("none");
        if (!cpu->model_fallback)
            cpu->model_fallback = vk_strdup("allow");
    }
}

static bool has_boot_order(const struct vk_domain_def *def)
{
#define VK_ANY(arr, n)                                                                             \
    for (size_t i = 0; i < def->n; i++)                                                            \
        if (def->arr[i].info.boot_order > 0)                                                       \
            return true;
    VK_ANY(disks, ndisks)
    VK_ANY(nets, nnets)
#undef VK_ANY
    return false;
}

/* Not with a kernel: the builder would then give the first disk
 * bootindex=1 (libvirt writes it anyway; see tests/driver/test_postparse.c). */
static void fill_boot(struct vk_domain_def *def)
{
    if (def->os.nboot == 0 && !def->os.kernel && !has_boot_order(def)) {
        def->os.boot[0] = VK_BOOT_HD;
        def->os.nboot = 1;
    }
}

/* ---- implicit devices ---- */

static bool has_ctrl(const struct vk_domain_def *def, const char *type, int index)
{
    for (size_t i = 0; i < def->ncontrollers; i++)
        if (streq(def->controllers[i].type, type) && def->controllers[i].index == index)
            return true;
    return false;
}

static void init_chr(struct vk_chr_def *ch)
{
    memset(ch, 0, sizeof(*ch));
    ch->target_port = -1;
    struct vk_dev_addr *a = &ch->info.addr;
    a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
    a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
}

static void fill_chr(struct vk_domain_def *def)
{
    /* A serial console is serial0: libvirt writes that serial out. */
    if (def->nconsoles > 0 &&
        (!def->consoles[0].target_type || streq(def->consoles[0].target_type, "serial"))) {
        struct vk_chr_def *con = &def->consoles[0];
        if (def->nserials == 0) {
            struct vk_chr_def *s = VK_APPEND(def->serials, def->nserials);
            init_chr(s);
            s->type = con->type;
            s->path = vk_strdup(con->path);
            s->mode = vk_strdup(con->mode);
            s->append_given = con->append_given;
            s->append = con->append;
            s->info.alias = vk_strdup(con->info.alias);
        }
        if (!con->target_type)
            con->target_type = vk_strdup("serial");
        if (con->target_port < 0)
            con->target_port = 0;
    }
    for (size_t i = 0; i < def->nserials; i++) {
        struct vk_chr_def *s = &def->serials[i];
        if (!s->target_type)
            s->target_type = vk_strdup("isa-serial");
        if (s->target_port < 0)
            s->target_port = (int)i;
        if (!s->target_model && streq(s->target_type, "isa-serial"))
            s->target_model = vk_strdup("isa-serial");
    }
}

static bool has_input(const struct vk_domain_def *def, const char *type, const char *bus)
{
    for (size_t i = 0; i < def->ninputs; i++)
        if (streq(def->inputs[i].type, type) && streq(vk_input_bus(&def->inputs[i]), bus))
            return true;
    return false;
}

static void fill_inputs(struct vk_domain_def *def)
{
    /* The i8042 of pc and q35 always has them. */
    static const char *const types[] = {"mouse", "keyboard"};
    for (size_t i = 0; i < 2; i++) {
        if (has_input(def, types[i], "ps2"))
            continue;
        struct vk_input_def *in = VK_APPEND(def->inputs, def->ninputs);
        memset(in, 0, sizeof(*in));
        in->type = vk_strdup(types[i]);
        in->bus = vk_strdup("ps2");
        struct vk_dev_addr *a = &in->info.addr;
        a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
        a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
    }
    for (size_t i = 0; i < def->ninputs; i++)
        if (!def->inputs[i].bus)
            def->inputs[i].bus = vk_strdup(vk_input_bus(&def->inputs[i]));
}

static void fill_audio(struct vk_domain_def *def)
{
    if (def->naudios)
        return;
    bool spice = false;
    for (size_t i = 0; i < def->ngraphics; i++)
        spice |= def->graphics[i].type == VK_GRAPHICS_SPICE;
    struct vk_audio_def *a = VK_APPEND(def->audios, def->naudios);
    a->id = 1;
    a->type = vk_strdup(spice ? "spice" : "none");
}

static void fill_videos(struct vk_domain_def *def)
{
    if (def->ngraphics && !def->nvideos) {
        /* A display needs a video card: libvirt's x86 default. */
        struct vk_video_def *v = VK_APPEND(def->videos, def->nvideos);
        memset(v, 0, sizeof(*v));
        v->model = vk_strdup("cirrus");
        struct vk_dev_addr *a = &v->info.addr;
        a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
        a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
    }
    bool have_primary = false;
    for (size_t i = 0; i < def->nvideos; i++)
        have_primary |= def->videos[i].primary;
    for (size_t i = 0; i < def->nvideos; i++) {
        struct vk_video_def *v = &def->videos[i];
        if (streq(v->model, "none"))
            continue;
        if (!have_primary) {
            v->primary = true;
            have_primary = true;
        }
        if (!v->heads)
            v->heads = 1;
        if (streq(v->model, "qxl")) {
            /* libvirt's qxl sizes (KiB); vgamem only for the primary (qxl-vga). */
            if (!v->ram)
                v->ram = 65536;
            if (!v->vram)
                v->vram = 65536;
            if (!v->vgamem && v->primary)
                v->vgamem = 16384;
        } else if ((!v->model || streq(v->model, "cirrus") || streq(v->model, "vga")) && !v->vram) {
            v->vram = 16384;
        }
    }
}

/* In libvirt's order: USB, q35's built-in SATA, the PCI root. Controllers
 * the disks and channels need come with the addresses (after these). */
static void fill_controllers(struct vk_domain_def *def)
{
    bool q35 = is_q35(def);
    bool usb = false;
    for (size_t i = 0; i < def->ncontrollers; i++)
        usb |= streq(def->controllers[i].type, "usb");
    if (!usb)
        vk_qemu_def_append_ctrl(def, "usb", 0, q35 ? "qemu-xhci" : "piix3-uhci");
    if (q35 && !has_ctrl(def, "sata", 0)) {
        /* The ICH9 AHCI built into q35, at its fixed 00:1f.2. */
        struct vk_dev_addr *a = &vk_qemu_def_append_ctrl(def, "sata", 0, NULL)->info.addr;
        a->type = VK_ADDR_PCI;
        a->domain = a->bus = 0;
        a->slot = 0x1f;
        a->function = 2;
    }
    if (!has_ctrl(def, "pci", 0))
        vk_qemu_def_append_ctrl(def, "pci", 0, q35 ? "pcie-root" : "pci-root");
    if (!def->memballoon.present) {
        def->memballoon.present = true;
        def->memballoon.model = vk_strdup("virtio");
        def->memballoon.period = -1;
        struct vk_dev_addr *a = &def->memballoon.info.addr;
        a->domain = a->bus = a->slot = a->function = a->multifunction = -1;
        a->controller = a->target = a->unit = a->port = a->iobase = a->irq = -1;
    }
}

/* ---- disks, graphics, emulator ---- */

/* libvirt keeps the disks of one bus sorted by target, each disk going in
 * before the first later one of its bus, or after the last of its bus. */
static void sort_disks(struct vk_domain_def *def)
{
    size_t n = def->ndisks;
    if (n < 2)
        return;
    struct vk_disk_def *out = vk_calloc(n, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const struct vk_disk_def *d = &def->disks[i];
        size_t at = i; /* the end of what is placed so far */
        bool found = false;
        for (size_t j = i; j-- > 0;) {
            if (out[j].bus != d->bus)
                continue;
            if (vk_disk_target_index(out[j].target_dev) > vk_disk_target_index(d->target_dev)) {
                at = j;
                found = true;
            } else if (!found) {
                at = j + 1;
                found = true;
            }
        }
        memmove(&out[at + 1], &out[at], (i - at) * sizeof(*out));
        out[at] = *d;
    }
    memcpy(def->disks, out, n * sizeof(*out));
    free(out);
}

static void fill_disks(struct vk_domain_def *def)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        struct vk_disk_def *d = &def->disks[i];
        if (!d->driver_name)
            d->driver_name = vk_strdup("qemu");
        if (!d->format)
            d->format = vk_strdup("raw");
        if (d->device == VK_DISK_DEV_CDROM)
            d->readonly = true;
    }
    sort_disks(def);
}

/* VNC and SPICE listening on an address libvirt writes as <listen type='address'/>. */
static void fill_graphics(struct vk_domain_def *def)
{
    for (size_t i = 0; i < def->ngraphics; i++)
        if (!def->graphics[i].listen_type)
            def->graphics[i].listen_type = vk_strdup("address");
}

/* libvirt names the NIC model QEMU gives an interface without one. */
static void fill_nets(struct vk_domain_def *def)
{
    for (size_t i = 0; i < def->nnets; i++)
        if (!def->nets[i].model)
            def->nets[i].model = vk_strdup("rtl8139");
}

static void fill_emulator(struct vk_domain_def *def)
{
    if (!def->emulator)
        def->emulator = vk_strdup(vk_qemu_emulator_of(def));
}

/* virtio-serial ports as the builder numbers them: channels from 1, virtio
 * consoles from 0, skipping ports given in the def. */
static void fill_vserial_ports(struct vk_domain_def *def)
{
    enum { MAXC = 8, MAXP = 32 };
    unsigned char used[MAXC][MAXP] = {{0}};
    struct vk_chr_def *lists[2] = {def->channels, def->consoles};
    size_t counts[2] = {def->nchannels, def->nconsoles};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            const struct vk_dev_addr *a = &lists[l][i].info.addr;
            int ctl = a->controller < 0 ? 0 : a->controller;
            if (a->type == VK_ADDR_VIRTIO_SERIAL && a->port >= 0 && a->port < MAXP && ctl < MAXC)
                used[ctl][a->port] = 1;
        }
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            struct vk_chr_def *ch = &lists[l][i];
            bool virtio = l == 0 ? !ch->target_type || streq(ch->target_type, "virtio")
                                 : streq(ch->target_type, "virtio");
            struct vk_dev_addr *a = &ch->info.addr;
            if (!virtio || (a->type != VK_ADDR_NONE && a->type != VK_ADDR_VIRTIO_SERIAL) ||
                (a->type == VK_ADDR_VIRTIO_SERIAL && a->port >= 0))
                continue;
            int ctl = a->type == VK_ADDR_VIRTIO_SERIAL && a->controller > 0 ? a->controller : 0;
            if (ctl >= MAXC)
                continue; /* the builder reports it */
            for (int p = l == 0 ? 1 : 0; p < MAXP; p++)
                if (!used[ctl][p]) {
                    used[ctl][p] = 1;
                    a->type = VK_ADDR_VIRTIO_SERIAL;
                    a->controller = ctl;
                    a->bus = 0;
                    a->port = p;
                    break;
                }
        }
}

int vk_qemu_postparse(struct vk_qemu_driver *drv, struct vk_domain_def *def)
{
    (void)drv;
    fill_emulator(def);
    fill_machine(def);
    fill_cpu(def);
    fill_boot(def);
    fill_chr(def);
    fill_disks(def);
    fill_nets(def);
    fill_graphics(def);
    fill_controllers(def);
    fill_inputs(def);
    fill_audio(def);
    fill_videos(def);
    if (vk_qemu_def_assign_addresses(def) < 0)
        return -1;
    fill_vserial_ports(def);
    return 0;
}
