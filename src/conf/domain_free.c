/* Freeing and copying a domain definition. */
#include <stdlib.h>

#include "domain_priv.h"

void conf_info_clear(struct vk_dev_info *info)
{
    free(info->addr.usb_port);
    free(info->alias);
}

static void free_chrs(struct vk_chr_def *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].path);
        free(c[i].mode);
        free(c[i].target_type);
        free(c[i].target_name);
        free(c[i].target_model);
        conf_info_clear(&c[i].info);
    }
    free(c);
}

static void free_cpu(struct vk_cpu_def *cpu)
{
    free(cpu->match);
    free(cpu->check);
    free(cpu->migratable);
    free(cpu->model);
    free(cpu->model_fallback);
    free(cpu->vendor);
    for (size_t i = 0; i < cpu->nfeatures; i++)
        free(cpu->features[i].name);
    free(cpu->features);
    for (size_t i = 0; i < cpu->ncells; i++) {
        free(cpu->cells[i].cpus);
        free(cpu->cells[i].memAccess);
    }
    free(cpu->cells);
}

static void free_clock(struct vk_clock_def *clock)
{
    free(clock->offset);
    free(clock->timezone);
    free(clock->basis);
    for (size_t i = 0; i < clock->ntimers; i++) {
        free(clock->timers[i].name);
        free(clock->timers[i].tickpolicy);
        free(clock->timers[i].track);
    }
    free(clock->timers);
}

static void free_devices(struct vk_domain_def *def)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        struct vk_disk_def *d = &def->disks[i];
        free(d->driver_name);
        free(d->format);
        free(d->cache);
        free(d->io);
        free(d->discard);
        free(d->source);
        free(d->target_dev);
        free(d->serial);
        conf_info_clear(&d->info);
    }
    free(def->disks);
    for (size_t i = 0; i < def->ncontrollers; i++) {
        free(def->controllers[i].type);
        free(def->controllers[i].model);
        free(def->controllers[i].model_name);
        conf_info_clear(&def->controllers[i].info);
    }
    free(def->controllers);
    for (size_t i = 0; i < def->nnets; i++) {
        free(def->nets[i].source);
        free(def->nets[i].model);
        free(def->nets[i].backend_type);
        free(def->nets[i].target_dev);
        conf_info_clear(&def->nets[i].info);
    }
    free(def->nets);
    free_chrs(def->serials, def->nserials);
    free_chrs(def->consoles, def->nconsoles);
    free_chrs(def->channels, def->nchannels);
    for (size_t i = 0; i < def->ngraphics; i++) {
        free(def->graphics[i].listen);
        free(def->graphics[i].listen_type);
        free(def->graphics[i].passwd);
        free(def->graphics[i].keymap);
        free(def->graphics[i].image_compression);
    }
    free(def->graphics);
    for (size_t i = 0; i < def->nvideos; i++) {
        free(def->videos[i].model);
        conf_info_clear(&def->videos[i].info);
    }
    free(def->videos);
    for (size_t i = 0; i < def->ninputs; i++) {
        free(def->inputs[i].type);
        free(def->inputs[i].bus);
        conf_info_clear(&def->inputs[i].info);
    }
    free(def->inputs);
    for (size_t i = 0; i < def->nsounds; i++) {
        free(def->sounds[i].model);
        conf_info_clear(&def->sounds[i].info);
    }
    free(def->sounds);
    for (size_t i = 0; i < def->naudios; i++)
        free(def->audios[i].type);
    free(def->audios);
    for (size_t i = 0; i < def->nrngs; i++) {
        free(def->rngs[i].model);
        free(def->rngs[i].backend_model);
        free(def->rngs[i].backend);
        conf_info_clear(&def->rngs[i].info);
    }
    free(def->rngs);
    for (size_t i = 0; i < def->nwatchdogs; i++) {
        free(def->watchdogs[i].model);
        free(def->watchdogs[i].action);
        conf_info_clear(&def->watchdogs[i].info);
    }
    free(def->watchdogs);
    for (size_t i = 0; i < def->npanics; i++) {
        free(def->panics[i].model);
        conf_info_clear(&def->panics[i].info);
    }
    free(def->panics);
    for (size_t i = 0; i < def->nredirdevs; i++) {
        free(def->redirdevs[i].bus);
        conf_info_clear(&def->redirdevs[i].info);
    }
    free(def->redirdevs);
    free(def->memballoon.model);
    conf_info_clear(&def->memballoon.info);
}

void vk_domain_def_free(struct vk_domain_def *def)
{
    if (!def)
        return;
    free(def->name);
    free(def->title);
    free(def->description);
    free(def->metadata_xml);
    free(def->vcpu_placement);
    free(def->vcpu_cpuset);
    free(def->os.type);
    free(def->os.arch);
    free(def->os.machine);
    free(def->os.kernel);
    free(def->os.initrd);
    free(def->os.cmdline);
    free_cpu(&def->cpu);
    free_clock(&def->clock);
    free(def->emulator);
    free_devices(def);
    free(def);
}

struct vk_domain_def *vk_domain_def_copy(const struct vk_domain_def *def)
{
    /* Format + parse keeps one definition of what a domain holds. Live and
     * status mode carry the runtime data too (aliases, ports in use, pty
     * paths, passwords), so the copy is complete. */
    char *xml = vk_domain_def_format(def, VK_FORMAT_LIVE, -1);
    if (!xml)
        return NULL;
    struct vk_domain_def *copy = vk_domain_def_parse(xml, VK_PARSE_STATUS);
    free(xml);
    return copy;
}
