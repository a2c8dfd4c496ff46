/* The argv builder's entry point and the machine-wide options: machine,
 * accelerator, CPU, memory, SMP, NUMA, monitor, clock, lifecycle, PM and
 * boot. Devices are in the other qemu_command_*.c files. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qemu/qemu_command_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_uuid.h"

#define DEFAULT_EMULATOR "/usr/bin/qemu-system-x86_64"

const char vk_key_auto_usb[] = "auto-usb";
const char vk_key_auto_vserial[] = "auto-virtio-serial";
const char vk_key_auto_balloon[] = "auto-balloon";

void vk_cmd_add(struct vk_cmd *c, const char *arg)
{
    if (c->argc + 2 > c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->argv = vk_realloc(c->argv, c->cap * sizeof(*c->argv));
    }
    /* Never a NULL inside argv: it would end the array early. */
    c->argv[c->argc++] = vk_strdup(arg ? arg : "");
    c->argv[c->argc] = NULL;
}

void vk_cmd_add2(struct vk_cmd *c, const char *opt, const char *val)
{
    vk_cmd_add(c, opt);
    vk_cmd_add(c, val);
}

void vk_cmd_addf(struct vk_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (c->argc + 2 > c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->argv = vk_realloc(c->argv, c->cap * sizeof(*c->argv));
    }
    c->argv[c->argc++] = s;
    c->argv[c->argc] = NULL;
}

void vk_cmd_add_json(struct vk_cmd *c, const char *opt, struct json_object *obj)
{
    vk_cmd_add(c, opt);
    vk_cmd_add(c, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}

int vk_cmd_unsupported(struct vk_cmd *c, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->failed = true;
    return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU, "domain '%s': %s",
                        c->def->name ? c->def->name : "", msg);
}

void vk_js(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

void vk_ji(struct json_object *o, const char *k, long long v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

void vk_jb(struct json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

struct json_object *vk_jdev(const char *driver, const char *id)
{
    struct json_object *o = json_object_new_object();
    vk_js(o, "driver", driver);
    if (id)
        vk_js(o, "id", id);
    return o;
}

int vk_cmd_dev_id(struct vk_cmd *c, const struct vk_dev_info *info, char *buf, size_t len,
                  const char *fmt, ...)
{
    /* Only user aliases (ua-*) name devices; runtime names in a def parsed
     * from live status are ours to regenerate. */
    if (info && info->alias && strncmp(info->alias, "ua-", 3) == 0) {
        const char *a = info->alias;
        if (!*a ||
            strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                strlen(a) ||
            strlen(a) >= len)
            return vk_cmd_unsupported(c, "device alias '%s' is not a valid id", a);
        snprintf(buf, len, "%s", a);
        return 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return 0;
}

int vk_cmd_add_isa_addr(struct vk_cmd *c, struct json_object *dev, const struct vk_dev_info *info,
                        bool has_props, const char *what)
{
    const struct vk_dev_addr *a = &info->addr;
    if (a->type == VK_ADDR_NONE)
        return 0;
    if (a->type != VK_ADDR_ISA || (!has_props && (a->iobase >= 0 || a->irq >= 0)))
        return vk_cmd_unsupported(c, "%s: this address cannot be expressed for an ISA device",
                                  what);
    if (a->iobase >= 0)
        vk_ji(dev, "iobase", a->iobase);
    if (a->irq >= 0)
        vk_ji(dev, "irq", a->irq);
    return 0;
}

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool machine_is_q35(const char *m)
{
    return streq(m, "q35") || (m && strncmp(m, "pc-q35-", 7) == 0);
}

static bool machine_is_i440fx(const char *m)
{
    return !m || streq(m, "pc") || strncmp(m, "pc-i440fx-", 10) == 0 ||
           (strncmp(m, "pc-", 3) == 0 && strncmp(m, "pc-q35", 6) != 0 && m[3] >= '0' &&
            m[3] <= '9');
}

static int build_name(struct vk_cmd *c)
{
    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "guest=");
    vk_buf_add_qemu_escaped(&b, c->def->name);
    vk_buf_adds(&b, ",debug-threads=on");
    vk_cmd_add(c, "-name");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

static bool has_numa(const struct vk_cmd *c)
{
    return c->def->cpu.ncells > 0;
}

/* QEMU 8.0 deprecated -no-hpet/-no-acpi for the machine properties; for
 * 7.2 we use the options (as libvirt does for 7.2). */
static bool machine_props_for_hpet_acpi(const struct vk_cmd *c)
{
    return c->ctx->qemu_version >= 8000000;
}

static const struct vk_timer_def *find_timer(const struct vk_cmd *c, const char *name);

static int build_machine(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    const char *m = def->os.machine ? def->os.machine : "pc";
    struct vk_buf b = VK_BUF_INIT;
    vk_buf_add_qemu_escaped(&b, m);
    vk_buf_adds(&b, ",usb=off");
    if (def->features.vmport)
        vk_buf_addf(&b, ",vmport=%s", def->features.vmport == VK_TRI_YES ? "on" : "off");
    if (def->features.smm)
        vk_buf_addf(&b, ",smm=%s", def->features.smm == VK_TRI_YES ? "on" : "off");
    vk_buf_adds(&b, ",dump-guest-core=off");
    if (!has_numa(c))
        vk_buf_adds(&b, ",memory-backend=pc.ram");
    /* The PC speaker is part of the machine; it only needs its backend. */
    for (size_t i = 0; i < def->nsounds; i++)
        if (streq(def->sounds[i].model, "pcspk")) {
            vk_buf_addf(&b, ",pcspk-audiodev=%s", c->audio_id);
            break;
        }
    if (machine_props_for_hpet_acpi(c)) {
        const struct vk_timer_def *hpet = find_timer(c, "hpet");
        if (hpet && hpet->present)
            vk_buf_addf(&b, ",hpet=%s", hpet->present == VK_TRI_YES ? "on" : "off");
        vk_buf_addf(&b, ",acpi=%s", def->features.acpi ? "on" : "off");
    }
    vk_cmd_add(c, "-machine");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    vk_cmd_add2(c, "-accel", def->virt_type == VK_VIRT_KVM ? "kvm" : "tcg");
    return 0;
}

static const char *timer_cpu_flag(const struct vk_timer_def *t)
{
    if (streq(t->name, "kvmclock"))
        return "kvmclock";
    if (streq(t->name, "hypervclock"))
        return "hv-time";
    return NULL;
}

/* host-passthrough needs KVM: the TCG accelerator has no host CPU to pass
 * through, so that is an error rather than a silently different CPU.
 * host-model means "the closest model the hypervisor offers": without
 * probed CPU capabilities that is "host" under KVM and "max" under TCG. */
static int build_cpu(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    const struct vk_cpu_def *cpu = &def->cpu;
    bool kvm = def->virt_type == VK_VIRT_KVM;
    struct vk_buf b = VK_BUF_INIT;

    switch (cpu->mode) {
    case VK_CPU_HOST_PASSTHROUGH:
        if (!kvm) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "CPU mode 'host-passthrough' needs KVM "
                                         "(domain type='kvm'); use mode='maximum' under TCG");
        }
        vk_buf_adds(&b, "host");
        vk_buf_addf(&b, ",migratable=%s", streq(cpu->migratable, "off") ? "off" : "on");
        break;
    case VK_CPU_HOST_MODEL:
        vk_buf_adds(&b, kvm ? "host" : "max");
        break;
    case VK_CPU_MAXIMUM:
        vk_buf_adds(&b, "max");
        if (kvm && cpu->migratable)
            vk_buf_addf(&b, ",migratable=%s", streq(cpu->migratable, "off") ? "off" : "on");
        break;
    case VK_CPU_CUSTOM:
    case VK_CPU_DEFAULT:
        if (cpu->model)
            vk_buf_add_qemu_escaped(&b, cpu->model);
        else
            vk_buf_adds(&b, "qemu64");
        break;
    default:
        vk_buf_free(&b);
        return vk_cmd_unsupported(c, "CPU mode %d is not supported", (int)cpu->mode);
    }
    if (cpu->vendor) {
        if (cpu->mode != VK_CPU_CUSTOM || !cpu->model) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "CPU vendor needs mode='custom' with a model");
        }
        vk_buf_adds(&b, ",vendor=");
        vk_buf_add_qemu_escaped(&b, cpu->vendor);
    }
    for (size_t i = 0; i < cpu->nfeatures; i++) {
        const struct vk_cpu_feature *f = &cpu->features[i];
        if (!f->name || !*f->name || strpbrk(f->name, ",=")) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "CPU feature '%s' is not a valid name",
                                      f->name ? f->name : "");
        }
        bool on = f->policy != VK_CPU_FEAT_DISABLE && f->policy != VK_CPU_FEAT_FORBID;
        vk_buf_addf(&b, ",%s=%s", f->name, on ? "on" : "off");
    }
    for (size_t i = 0; i < def->clock.ntimers; i++) {
        const struct vk_timer_def *t = &def->clock.timers[i];
        const char *flag = timer_cpu_flag(t);
        if (!flag || !t->present)
            continue;
        if (!kvm) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "timer '%s' needs KVM (domain type='kvm')", t->name);
        }
        vk_buf_addf(&b, ",%s=%s", flag, t->present == VK_TRI_YES ? "on" : "off");
    }
    vk_cmd_add(c, "-cpu");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

/* libvirt rounds guest RAM up to whole MiB on x86. */
static unsigned long long mem_kib_aligned(unsigned long long kib)
{
    return (kib + 1023) / 1024 * 1024;
}

static int add_numa_cpus(struct vk_buf *b, const char *cpus)
{
    /* "0-3,6" becomes cpus=0-3,cpus=6: QEMU's list syntax. */
    const char *p = cpus;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || strspn(p, "0123456789-") < n)
            return -1;
        vk_buf_adds(b, ",cpus=");
        vk_buf_add(b, p, n);
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int build_memory(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    if (def->memory_kib == 0)
        return vk_cmd_unsupported(c, "memory size must be given");
    if (def->memory_kib > (1ULL << 34)) /* 16 TiB: beyond any x86 guest here */
        return vk_cmd_unsupported(c, "memory size %llu KiB is too large", def->memory_kib);
    if (def->current_memory_kib && def->current_memory_kib > def->memory_kib)
        return vk_cmd_unsupported(c, "currentMemory is larger than memory");
    unsigned long long kib = mem_kib_aligned(def->memory_kib);
    vk_cmd_add(c, "-m");
    vk_cmd_addf(c, "size=%lluk", kib);
    if (!has_numa(c)) {
        struct json_object *o = json_object_new_object();
        vk_js(o, "qom-type", "memory-backend-ram");
        vk_js(o, "id", "pc.ram");
        vk_ji(o, "size", (long long)(kib * 1024));
        vk_cmd_add_json(c, "-object", o);
    }
    vk_cmd_add2(c, "-overcommit", "mem-lock=off");
    return 0;
}

static int build_smp(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    const struct vk_cpu_def *cpu = &def->cpu;
    /* QEMU 7.2's x86 limit is 288 (q35) / 255 (pc); bounds keep math safe. */
    if (def->vcpus > 1024 || def->vcpus_current > 1024 || def->vcpus_current < 0)
        return vk_cmd_unsupported(c, "vcpu count %d (current %d) is out of range", def->vcpus,
                                  def->vcpus_current);
    int max = def->vcpus > 0 ? def->vcpus : 1;
    int cur = def->vcpus_current > 0 ? def->vcpus_current : max;
    if (cur > max)
        return vk_cmd_unsupported(c, "vcpu current=%d is more than vcpu %d", cur, max);
    int sockets = max, dies = 1, cores = 1, threads = 1;
    if (cpu->sockets < 0 || cpu->cores < 0 || cpu->threads < 0 || cpu->dies < 0 ||
        cpu->sockets > 1024 || cpu->cores > 1024 || cpu->threads > 1024 || cpu->dies > 1024)
        return vk_cmd_unsupported(c, "CPU topology value out of range");
    if (cpu->sockets || cpu->cores || cpu->threads) {
        sockets = cpu->sockets ? cpu->sockets : 1;
        dies = cpu->dies ? cpu->dies : 1;
        cores = cpu->cores ? cpu->cores : 1;
        threads = cpu->threads ? cpu->threads : 1;
        if ((long long)sockets * dies * cores * threads != max)
            return vk_cmd_unsupported(c,
                                      "CPU topology %d sockets x %d dies x %d cores x %d "
                                      "threads does not match %d vcpus",
                                      sockets, dies, cores, threads, max);
    }
    if (cpu->clusters > 1)
        return vk_cmd_unsupported(c, "CPU topology clusters are not supported on x86_64");
    struct vk_buf b = VK_BUF_INIT;
    vk_buf_addf(&b, "%d", cur);
    if (cur != max)
        vk_buf_addf(&b, ",maxcpus=%d", max);
    vk_buf_addf(&b, ",sockets=%d", sockets);
    if (dies > 1)
        vk_buf_addf(&b, ",dies=%d", dies);
    vk_buf_addf(&b, ",cores=%d,threads=%d", cores, threads);
    vk_cmd_add(c, "-smp");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    return 0;
}

static int build_numa(struct vk_cmd *c)
{
    const struct vk_cpu_def *cpu = &c->def->cpu;
    unsigned long long total = 0;
    for (size_t i = 0; i < cpu->ncells; i++) {
        const struct vk_numa_cell *cell = &cpu->cells[i];
        if (cell->memory_kib > (1ULL << 34) || cell->id < 0)
            return vk_cmd_unsupported(c, "NUMA cell %d: id or memory out of range", cell->id);
        char id[32];
        snprintf(id, sizeof(id), "ram-node%d", cell->id);
        struct json_object *o = json_object_new_object();
        vk_js(o, "qom-type", "memory-backend-ram");
        vk_js(o, "id", id);
        if (cell->memAccess)
            vk_jb(o, "share", streq(cell->memAccess, "shared"));
        vk_ji(o, "size", (long long)(mem_kib_aligned(cell->memory_kib) * 1024));
        vk_cmd_add_json(c, "-object", o);
        struct vk_buf b = VK_BUF_INIT;
        vk_buf_addf(&b, "node,nodeid=%d", cell->id);
        if (cell->cpus && add_numa_cpus(&b, cell->cpus) < 0) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "NUMA cell %d: cpus '%s' is not a CPU list", cell->id,
                                      cell->cpus);
        }
        vk_buf_addf(&b, ",memdev=%s", id);
        vk_cmd_add(c, "-numa");
        vk_cmd_add(c, b.data);
        vk_buf_free(&b);
        total += mem_kib_aligned(cell->memory_kib);
    }
    if (total != mem_kib_aligned(c->def->memory_kib))
        return vk_cmd_unsupported(c, "NUMA cells hold %llu KiB but memory is %llu KiB", total,
                                  c->def->memory_kib);
    return 0;
}

static int build_monitor(struct vk_cmd *c)
{
    if (c->ctx->monitor_fd < 0) {
        c->failed = true;
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "domain '%s': no monitor socket fd", c->def->name);
    }
    vk_cmd_add(c, "-chardev");
    vk_cmd_addf(c, "socket,id=charmonitor,fd=%d,server=on,wait=off", c->ctx->monitor_fd);
    vk_cmd_add2(c, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    return 0;
}

static const struct vk_timer_def *find_timer(const struct vk_cmd *c, const char *name)
{
    for (size_t i = 0; i < c->def->clock.ntimers; i++)
        if (streq(c->def->clock.timers[i].name, name))
            return &c->def->clock.timers[i];
    return NULL;
}

static int build_clock(struct vk_cmd *c)
{
    const struct vk_clock_def *clk = &c->def->clock;
    struct vk_buf b = VK_BUF_INIT;
    if (!clk->offset || streq(clk->offset, "utc")) {
        vk_buf_adds(&b, "base=utc");
        if (clk->has_adjustment && clk->adjustment != 0) {
            vk_buf_free(&b);
            return vk_cmd_unsupported(c, "clock offset='utc' with an adjustment");
        }
    } else if (streq(clk->offset, "localtime")) {
        vk_buf_adds(&b, "base=localtime");
    } else if (streq(clk->offset, "variable")) {
        /* The guest clock starts at now + adjustment (basis utc/localtime). */
        time_t now = c->ctx->now > 0 ? (time_t)c->ctx->now : time(NULL);
        now += (time_t)clk->adjustment;
        struct tm tm;
        if (streq(clk->basis, "localtime"))
            localtime_r(&now, &tm);
        else
            gmtime_r(&now, &tm);
        vk_buf_addf(&b, "base=%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    } else {
        vk_buf_free(&b);
        return vk_cmd_unsupported(c, "clock offset '%s' is not supported",
                                  clk->offset ? clk->offset : "");
    }
    const char *n = "";
    for (size_t i = 0; i < clk->ntimers; i++) {
        const struct vk_timer_def *t = &clk->timers[i];
        n = t->name ? t->name : "";
        if (streq(n, "rtc")) {
            if (t->track) {
                if (streq(t->track, "guest"))
                    vk_buf_adds(&b, ",clock=vm");
                else if (streq(t->track, "wall"))
                    vk_buf_adds(&b, ",clock=rt");
                else if (streq(t->track, "boot"))
                    vk_buf_adds(&b, ",clock=host");
                else
                    goto bad_timer;
            }
            if (streq(t->tickpolicy, "catchup"))
                vk_buf_adds(&b, ",driftfix=slew");
            else if (t->tickpolicy && !streq(t->tickpolicy, "delay"))
                goto bad_timer;
            if (t->present == VK_TRI_NO)
                goto bad_timer;
        } else if (streq(n, "pit")) {
            if (t->tickpolicy && !streq(t->tickpolicy, "delay") &&
                !streq(t->tickpolicy, "catchup") && !streq(t->tickpolicy, "discard"))
                goto bad_timer;
            if (t->present == VK_TRI_NO)
                goto bad_timer;
        } else if (streq(n, "hpet")) {
            if (t->tickpolicy)
                goto bad_timer;
        } else if (!timer_cpu_flag(t) || t->tickpolicy) {
            goto bad_timer;
        }
    }
    vk_cmd_add(c, "-rtc");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);

    const struct vk_timer_def *pit = find_timer(c, "pit");
    if (pit && pit->tickpolicy) {
        const char *p = streq(pit->tickpolicy, "catchup") ? "slew" : pit->tickpolicy;
        vk_cmd_add(c, "-global");
        vk_cmd_addf(c, "kvm-pit.lost_tick_policy=%s", p);
    }
    const struct vk_timer_def *hpet = find_timer(c, "hpet");
    if (hpet && hpet->present == VK_TRI_NO && !machine_props_for_hpet_acpi(c))
        vk_cmd_add(c, "-no-hpet");
    return 0;

bad_timer:
    vk_buf_free(&b);
    return vk_cmd_unsupported(c,
                              "clock timer '%s' with these settings (present/tickpolicy/"
                              "track) cannot be expressed",
                              n);
}

static int build_lifecycle(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    const enum vk_lifecycle_action acts[3] = {def->on_poweroff, def->on_reboot, def->on_crash};
    static const char *const names[3] = {"on_poweroff", "on_reboot", "on_crash"};
    for (int i = 0; i < 3; i++) {
        switch (acts[i]) {
        case VK_LIFE_RENAME_RESTART:
            return vk_cmd_unsupported(c, "%s action 'rename-restart' is not supported", names[i]);
        case VK_LIFE_COREDUMP_DESTROY:
        case VK_LIFE_COREDUMP_RESTART:
            /* The driver dumps the guest's memory after a panic (on_crash). */
            if (i != 2)
                return vk_cmd_unsupported(c, "%s action '%s' is only valid for on_crash",
                                          names[i],
                                          acts[i] == VK_LIFE_COREDUMP_DESTROY
                                              ? "coredump-destroy"
                                              : "coredump-restart");
            break;
        case VK_LIFE_PRESERVE:
            if (i == 1)
                return vk_cmd_unsupported(c, "on_reboot 'preserve' is not supported");
            break;
        default:
            break;
        }
    }
    /* As libvirt with QEMU >= 6.0: QEMU always stays after a guest power-off
     * or panic (the driver applies on_poweroff/on_crash, fakes reboots);
     * on_reboot 'destroy' is a QMP set-action at start, not -no-reboot. */
    vk_cmd_add(c, "-no-shutdown");
    if (!def->features.acpi && !machine_props_for_hpet_acpi(c))
        vk_cmd_add(c, "-no-acpi");
    return 0;
}

static int build_pm(struct vk_cmd *c)
{
    const char *dev = c->q35 ? "ICH9-LPC" : "PIIX4_PM";
    if (c->def->pm.suspend_to_mem) {
        vk_cmd_add(c, "-global");
        vk_cmd_addf(c, "%s.disable_s3=%d", dev, c->def->pm.suspend_to_mem == VK_TRI_NO);
    }
    if (c->def->pm.suspend_to_disk) {
        vk_cmd_add(c, "-global");
        vk_cmd_addf(c, "%s.disable_s4=%d", dev, c->def->pm.suspend_to_disk == VK_TRI_NO);
    }
    return 0;
}

static int build_boot(struct vk_cmd *c)
{
    const struct vk_os_def *os = &c->def->os;
    struct vk_buf b = VK_BUF_INIT;
    if (os->bootmenu == VK_TRI_YES) {
        vk_buf_adds(&b, "menu=on,");
        if (os->bootmenu_timeout >= 0)
            vk_buf_addf(&b, "splash-time=%d,", os->bootmenu_timeout);
    } else if (os->bootmenu == VK_TRI_NO) {
        vk_buf_adds(&b, "menu=off,");
    }
    if (os->reboot_timeout >= 0 || (os->reboot_timeout_given && os->reboot_timeout == -1))
        vk_buf_addf(&b, "reboot-timeout=%d,", os->reboot_timeout);
    vk_buf_adds(&b, "strict=on");
    vk_cmd_add(c, "-boot");
    vk_cmd_add(c, b.data);
    vk_buf_free(&b);
    /* Plain strings, not QemuOpts: no escaping. */
    if (os->kernel)
        vk_cmd_add2(c, "-kernel", os->kernel);
    if (os->initrd)
        vk_cmd_add2(c, "-initrd", os->initrd);
    if (os->cmdline)
        vk_cmd_add2(c, "-append", os->cmdline);
    if ((os->initrd || os->cmdline) && !os->kernel)
        return vk_cmd_unsupported(c, "<initrd>/<cmdline> without <kernel>");
    return 0;
}

static bool any_boot_order(const struct vk_domain_def *def)
{
    for (size_t i = 0; i < def->ndisks; i++)
        if (def->disks[i].info.boot_order > 0)
            return true;
    for (size_t i = 0; i < def->nnets; i++)
        if (def->nets[i].info.boot_order > 0)
            return true;
    return false;
}

int vk_cmd_boot_index(const struct vk_cmd *c, enum vk_boot_dev dev, const struct vk_dev_info *info,
                      bool first_of_class)
{
    const struct vk_os_def *os = &c->def->os;
    if (info->boot_order > 0)
        return info->boot_order;
    if (!first_of_class || any_boot_order(c->def))
        return 0;
    if (os->nboot == 0) /* libvirt's default is <boot dev='hd'/> */
        return dev == VK_BOOT_HD && !os->kernel ? 1 : 0;
    for (int i = 0; i < os->nboot && i < 4; i++)
        if (os->boot[i] == dev)
            return i + 1;
    return 0;
}

static int check_os(struct vk_cmd *c)
{
    const struct vk_domain_def *def = c->def;
    if (!def->name || !*def->name)
        return vk_cmd_unsupported(c, "domain has no name");
    if (def->os.type && !streq(def->os.type, "hvm"))
        return vk_cmd_unsupported(c, "OS type '%s' is not supported (only 'hvm')", def->os.type);
    if (def->os.arch && !streq(def->os.arch, "x86_64") && !streq(def->os.arch, "i686"))
        return vk_cmd_unsupported(c, "architecture '%s' is not supported", def->os.arch);
    const char *m = def->os.machine;
    if (machine_is_q35(m))
        c->q35 = true;
    else if (!machine_is_i440fx(m))
        return vk_cmd_unsupported(c, "machine type '%s' is not supported (pc or q35 families)", m);
    return 0;
}

void vk_qemu_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

typedef int (*build_step)(struct vk_cmd *);

char **vk_qemu_build_argv(const struct vk_domain_def *def, const struct vk_qemu_cmd_ctx *ctx)
{
    struct vk_cmd c = {.def = def, .ctx = ctx};
    char uuid[VK_UUID_STRLEN];

    if (!def || !ctx) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "argv builder: no definition");
        return NULL;
    }
    if (check_os(&c) < 0)
        goto fail;
    /* Devices and graphics use the first <audio> (libvirt's default id 1). */
    snprintf(c.audio_id, sizeof(c.audio_id), "audio%d", def->naudios ? def->audios[0].id : 1);
    if (vk_cmd_assign_addresses(&c) < 0)
        goto fail;

    vk_cmd_add(&c, def->emulator ? def->emulator : DEFAULT_EMULATOR);
    build_name(&c);
    vk_cmd_add(&c, "-S");
    static const build_step head[] = {build_machine, build_cpu, build_memory, build_smp};
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        if (head[i](&c) < 0)
            goto fail;
    if (has_numa(&c) && build_numa(&c) < 0)
        goto fail;
    vk_uuid_format(def->uuid, uuid);
    vk_cmd_add2(&c, "-uuid", uuid);
    if (def->ngraphics == 0)
        vk_cmd_add2(&c, "-display", "none");
    vk_cmd_add(&c, "-no-user-config");
    vk_cmd_add(&c, "-nodefaults");
    static const build_step rest[] = {
        build_monitor,
        build_clock,
        build_lifecycle,
        build_pm,
        build_boot,
        vk_cmd_build_controllers,
        vk_cmd_build_disks,
        vk_cmd_build_nets,
        vk_cmd_build_chardevs,
        vk_cmd_build_inputs,
        vk_cmd_build_audio,
        vk_cmd_build_graphics,
        vk_cmd_build_videos,
        vk_cmd_build_sounds,
        vk_cmd_build_watchdogs,
        vk_cmd_build_redirdevs,
        vk_cmd_build_balloon,
        vk_cmd_build_rngs,
    };
    for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
        if (rest[i](&c) < 0)
            goto fail;
    if (c.ctx->incoming_defer) /* feature "save": restore feeds the stream via QMP */
        vk_cmd_add2(&c, "-incoming", "defer");
    vk_cmd_add2(&c, "-sandbox",
                "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                "resourcecontrol=deny");
    if (vk_cmd_build_panics(&c) < 0)
        goto fail;
    vk_cmd_add2(&c, "-msg", "timestamp=on");
    free(c.pci);
    free(c.usb);
    return c.argv;

fail:
    free(c.pci);
    free(c.usb);
    vk_qemu_argv_free(c.argv);
    return NULL;
}
