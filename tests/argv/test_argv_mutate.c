/* Robustness: definitions with out-of-range addresses, indices and enum
 * values (what a parser bug or a hand-built def could hand us) give an argv
 * or a CONFIG_UNSUPPORTED error, never a crash or undefined behaviour (run
 * under ASan/UBSan in CI). Mutations are deterministic (fixed seed). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv_cases.h"
#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static int any_int(void)
{
    static const int v[] = {-1, 0, 1, 2, 3, 5, 7, 8, 15, 31, 32, 64, 255, -7, INT_MAX, INT_MIN};
    return v[rnd(sizeof(v) / sizeof(v[0]))];
}

static void mutate_info(struct vk_dev_info *info)
{
    static const char *const ports[] = {NULL, "1", "0", "1.2", "x", "99999999999", ""};
    struct vk_dev_addr *a = &info->addr;
    switch (rnd(6)) {
    case 0:
        a->type = (enum vk_addr_type)rnd(9);
        break;
    case 1:
        a->domain = any_int(), a->bus = any_int(), a->slot = any_int(), a->function = any_int();
        a->type = VK_ADDR_PCI;
        a->multifunction = (int)rnd(3) - 1;
        break;
    case 2:
        a->controller = any_int(), a->bus = any_int(), a->target = any_int(), a->unit = any_int();
        a->type = VK_ADDR_DRIVE;
        break;
    case 3:
        a->controller = any_int(), a->port = any_int();
        a->type = VK_ADDR_VIRTIO_SERIAL;
        break;
    case 4:
        free(a->usb_port);
        a->usb_port = vk_strdup(ports[rnd(sizeof(ports) / sizeof(ports[0]))]);
        a->bus = any_int();
        a->type = VK_ADDR_USB;
        break;
    default:
        info->boot_order = any_int();
        if (rnd(2)) {
            free(info->alias);
            info->alias = vk_strdup(rnd(2) ? "ua-x,y" : "ua-ok");
        }
        break;
    }
}

static void set_model(char **field)
{
    static const char *const models[] = {
        NULL,          "",          "none",       "virtio",         "qxl",
        "ich9",        "pcspk",     "usb",        "itco",           "i6300esb",
        "bogus,",      "qemu-xhci", "ich9-uhci2", "pcie-root-port", "pci-bridge",
        "virtio-scsi", "tablet",    "ps2"};
    free(*field);
    *field = vk_strdup(models[rnd(sizeof(models) / sizeof(models[0]))]);
}

/* One random mutation somewhere in def. */
static void mutate(struct vk_domain_def *d)
{
    switch (rnd(11)) {
    case 10:
        if (d->ncontrollers)
            set_model(&d->controllers[rnd((unsigned)d->ncontrollers)].model);
        if (d->nvideos)
            set_model(&d->videos[rnd((unsigned)d->nvideos)].model);
        if (d->nsounds)
            set_model(&d->sounds[rnd((unsigned)d->nsounds)].model);
        if (d->ninputs)
            set_model(&d->inputs[rnd((unsigned)d->ninputs)].bus);
        if (d->nnets)
            set_model(&d->nets[rnd((unsigned)d->nnets)].model);
        if (d->nwatchdogs)
            set_model(&d->watchdogs[0].model);
        set_model(&d->memballoon.model);
        break;
    case 0:
        if (d->ndisks) {
            struct vk_disk_def *x = &d->disks[rnd((unsigned)d->ndisks)];
            x->bus = (enum vk_disk_bus)rnd(9);
            x->device = (enum vk_disk_device)rnd(5);
            x->type = (enum vk_disk_type)rnd(4);
            mutate_info(&x->info);
        }
        break;
    case 1:
        if (d->ncontrollers) {
            struct vk_controller_def *x = &d->controllers[rnd((unsigned)d->ncontrollers)];
            x->index = any_int();
            x->ports = any_int();
            x->vectors = any_int();
            x->target_port = any_int();
            x->master_startport = any_int();
            mutate_info(&x->info);
        }
        break;
    case 2:
        if (d->nnets) {
            struct vk_net_def *x = &d->nets[rnd((unsigned)d->nnets)];
            x->type = (enum vk_net_type)rnd(5);
            x->mtu = any_int();
            mutate_info(&x->info);
        }
        break;
    case 3: {
        struct vk_chr_def *lists[3] = {d->serials, d->consoles, d->channels};
        size_t counts[3] = {d->nserials, d->nconsoles, d->nchannels};
        int l = (int)rnd(3);
        if (counts[l]) {
            struct vk_chr_def *x = &lists[l][rnd((unsigned)counts[l])];
            x->type = (enum vk_chr_type)rnd(8);
            x->target_port = any_int();
            mutate_info(&x->info);
        }
        break;
    }
    case 4:
        if (d->ngraphics) {
            struct vk_graphics_def *x = &d->graphics[rnd((unsigned)d->ngraphics)];
            x->type = (enum vk_graphics_type)rnd(4);
            x->port = any_int();
            x->autoport = rnd(2);
            x->tls_port = any_int();
        }
        break;
    case 5:
        if (d->nvideos) {
            struct vk_video_def *x = &d->videos[rnd((unsigned)d->nvideos)];
            x->heads = any_int(), x->vram = any_int(), x->ram = any_int(), x->vgamem = any_int();
            x->primary = rnd(2);
            mutate_info(&x->info);
        }
        break;
    case 6:
        d->memory_kib = rnd(2) ? (unsigned long long)any_int() : ~0ULL;
        d->vcpus = any_int();
        d->vcpus_current = any_int();
        d->cpu.sockets = any_int(), d->cpu.cores = any_int(), d->cpu.threads = any_int();
        d->cpu.mode = (enum vk_cpu_mode)rnd(6);
        break;
    case 7:
        d->on_poweroff = (enum vk_lifecycle_action)rnd(8);
        d->on_reboot = (enum vk_lifecycle_action)rnd(8);
        d->os.bootmenu_timeout = any_int();
        d->os.reboot_timeout = any_int();
        d->os.nboot = (int)rnd(5);
        break;
    case 8:
        if (d->nrngs) {
            d->rngs[0].rate_bytes = any_int();
            d->rngs[0].rate_period = any_int();
            mutate_info(&d->rngs[0].info);
        }
        if (d->naudios)
            d->audios[0].id = any_int();
        if (d->ninputs)
            mutate_info(&d->inputs[rnd((unsigned)d->ninputs)].info);
        break;
    default:
        mutate_info(&d->memballoon.info);
        d->memballoon.present = rnd(2);
        if (d->nsounds)
            mutate_info(&d->sounds[rnd((unsigned)d->nsounds)].info);
        if (d->nwatchdogs)
            mutate_info(&d->watchdogs[0].info);
        break;
    }
}

int main(void)
{
    struct argv_case *cases;
    size_t n = argv_cases_list(&cases);
    struct vk_qemu_cmd_ctx ctx = argv_test_ctx();
    int failures = 0, built = 0, rejected = 0;
    for (size_t i = 0; i < n; i++) {
        vk_autofree char *xml = argv_read_file(cases[i].xml_path);
        for (int round = 0; xml && round < 60; round++) {
            struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
            if (!def)
                break;
            for (unsigned k = 0, m = 1 + rnd(3); k < m; k++)
                mutate(def);
            vk_error_reset();
            char **argv = vk_qemu_build_argv(def, &ctx);
            if (argv) {
                size_t len = 0;
                while (argv[len])
                    len++;
                if (len < 10 || argv[0][0] != '/') {
                    fprintf(stderr, "FAIL %s round %d: implausible argv\n", cases[i].name, round);
                    failures++;
                }
                built++;
            } else if (vk_error_last()->code != VK_ERR_CONFIG_UNSUPPORTED) {
                fprintf(stderr, "FAIL %s round %d: error code %d: %s\n", cases[i].name, round,
                        vk_error_last()->code, vk_error_last()->message);
                failures++;
            } else if (!strstr(vk_error_last()->message, "domain '")) {
                fprintf(stderr, "FAIL %s round %d: error does not name the domain: %s\n",
                        cases[i].name, round, vk_error_last()->message);
                failures++;
            } else {
                rejected++;
            }
            vk_qemu_argv_free(argv);
            vk_domain_def_free(def);
        }
    }
    argv_cases_free(cases, n);
    printf("%d built, %d rejected, %d failed\n", built, rejected, failures);
    if (built == 0 || rejected == 0)
        failures++;
    return failures ? 1 : 0;
}
