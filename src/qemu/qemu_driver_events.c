/* Features "events" and "lifecycle" in the QEMU driver: what the guest's
 * own lifecycle actions make us do, as libvirt does with QEMU >= 6.0.
 * QEMU always runs with -no-shutdown, so it stays after a guest power-off
 * (SHUTDOWN) or panic (GUEST_PANICKED, the machine paused):
 *  - a power-off ends the process (on_poweroff 'destroy'), stays
 *    (preserve), or, after virDomainReboot or with on_poweroff 'restart',
 *    becomes a "fake reboot": system_reset + cont in the same QEMU, so the
 *    domain keeps its id and pid and only a REBOOT event is seen;
 *  - on_reboot 'destroy' is set-action reboot=shutdown at start: a guest
 *    reset arrives as a power-off;
 *  - a panic makes the domain crashed (event CRASHED panicked), then
 *    on_crash: destroy (shut off, reason crashed), restart (fake reboot),
 *    preserve, or the coredump-* variants, which first write the guest's
 *    memory (QMP dump-guest-memory, ELF) to <state_dir>/qemu/dump. */
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>

#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"

#define COMMAND_TIMEOUT_MS 30000
/* Writing a guest's memory to disk: seconds per GiB on a busy host. */
#define DUMP_TIMEOUT_MS 600000
/* libvirt's VIR_DOMAIN_RUNNING_CRASHED, VIR_DOMAIN_CRASHED_PANICKED. */
enum { RUNNING_BOOTED = 1, RUNNING_CRASHED = 9, CRASHED_PANICKED = 1 };

void vk_qemu_lifecycle_shutdown_event(struct vk_qemu_dom *dom, struct json_object *data)
{
    /* libvirt's SHUTDOWN details: 1 the guest asked, 2 the host did, 0
     * when QEMU does not say. */
    struct json_object *v;
    dom->shutdown_detail = 0;
    if (data && json_object_object_get_ex(data, "guest", &v))
        dom->shutdown_detail = json_object_get_boolean(v) ? 1 : 2;
}

/* Starts fn(dom) on a detached thread holding a reference: what it does
 * blocks (the job lock, QMP), never in the loop thread. */
static int run_detached(struct vk_qemu_dom *dom, void *(*fn)(void *))
{
    vk_qemu_dom_ref(dom);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int r = pthread_create(&t, &attr, fn, dom);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        vk_qemu_dom_unref(dom);
        return -1;
    }
    return 0;
}

/* With the job held: the monitor of the running domain, or NULL. */
static struct vk_qemu_monitor *job_monitor(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    pthread_mutex_unlock(&dom->lock);
    return mon;
}

/* Ends the process without marking it destroyed: the exit reason stays
 * what the caller arranged (crashed after a panic). */
static void kill_process(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom) && dom->pidfd >= 0)
        pidfd_send_signal(dom->pidfd, SIGTERM, NULL, 0);
    pthread_mutex_unlock(&dom->lock);
}

/* With the job held: system_reset + cont; the domain runs again (reason
 * crashed after a panic, else booted). A failure kills the process, as
 * libvirt does: a machine stuck powered off is of no use. */
static void fake_reboot_locked(struct vk_qemu_dom *dom)
{
    struct vk_qemu_monitor *mon = job_monitor(dom);
    bool ok = mon && vk_qmp_command(mon, "system_reset", NULL, NULL, COMMAND_TIMEOUT_MS) == 0 &&
              vk_qmp_command(mon, "cont", NULL, NULL, COMMAND_TIMEOUT_MS) == 0;
    pthread_mutex_lock(&dom->lock);
    dom->fake_reboot = false;
    dom->paused_shutdown = false;
    if (ok && vk_qemu_dom_is_active(dom))
        vk_qemu_dom_set_state(dom, VK_DOM_RUNNING,
                              dom->state == VK_DOM_CRASHED ? RUNNING_CRASHED : RUNNING_BOOTED);
    pthread_mutex_unlock(&dom->lock);
    if (!ok && mon) {
        VK_ERROR("domain '%s': reboot failed, stopping it: %s", dom->name,
                 vk_error_last()->message);
        kill_process(dom);
    }
}

static void *fake_reboot_main(void *opaque)
{
    struct vk_qemu_dom *dom = opaque;
    vk_error_reset();
    struct vk_qemu_dom *j = vk_qemu_job_begin(dom->drv, dom->uuid);
    if (j) {
        fake_reboot_locked(j);
        vk_qemu_job_end(j);
    }
    vk_qemu_dom_unref(dom);
    return NULL;
}

void vk_qemu_lifecycle_fake_reboot(struct vk_qemu_dom *dom)
{
    dom->paused_shutdown = true;
    if (run_detached(dom, fake_reboot_main) < 0) {
        VK_ERROR("domain '%s': cannot start a thread to reboot it, stopping it", dom->name);
        dom->paused_shutdown = dom->fake_reboot = false;
        if (dom->pidfd >= 0)
            pidfd_send_signal(dom->pidfd, SIGTERM, NULL, 0);
    }
}

/* <state_dir>/qemu/dump/<id>-<name>-<time>, libvirt's auto dump name. */
static char *dump_path(struct vk_qemu_dom *dom, int id)
{
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d-%H:%M:%S", &tm);
    return vk_asprintf("%s/%d-%s-%s", dom->drv->dump_dir, id, dom->name, ts);
}

/* With the job held: the guest's memory as an ELF core (QEMU writes it). */
static int dump_memory(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon)
{
    if (vk_mkdir_p(dom->drv->dump_dir, 0700) < 0)
        return -1;
    pthread_mutex_lock(&dom->lock);
    int id = dom->id;
    pthread_mutex_unlock(&dom->lock);
    vk_autofree char *path = dump_path(dom, id);
    struct json_object *args = json_object_new_object();
    json_object_object_add(args, "paging", json_object_new_boolean(0));
    vk_autofree char *proto = vk_asprintf("file:%s", path);
    json_object_object_add(args, "protocol", json_object_new_string(proto));
    int r = vk_qmp_command(mon, "dump-guest-memory", json_object_to_json_string(args), NULL,
                           DUMP_TIMEOUT_MS);
    json_object_put(args);
    if (r == 0)
        VK_INFO("domain '%s': crash dump written to %s", dom->name, path);
    return r;
}

static void *crash_main(void *opaque)
{
    struct vk_qemu_dom *dom = opaque;
    vk_error_reset();
    struct vk_qemu_dom *j = vk_qemu_job_begin(dom->drv, dom->uuid);
    if (!j)
        goto out;
    pthread_mutex_lock(&dom->lock);
    enum vk_lifecycle_action act = dom->def->on_crash;
    bool crashed = vk_qemu_dom_is_active(dom) && dom->state == VK_DOM_CRASHED;
    pthread_mutex_unlock(&dom->lock);
    struct vk_qemu_monitor *mon = crashed ? job_monitor(dom) : NULL;
    if (mon && (act == VK_LIFE_COREDUMP_DESTROY || act == VK_LIFE_COREDUMP_RESTART) &&
        dump_memory(dom, mon) < 0)
        VK_ERROR("domain '%s': on_crash: cannot dump its memory: %s", dom->name,
                 vk_error_last()->message);
    if (mon && (act == VK_LIFE_RESTART || act == VK_LIFE_COREDUMP_RESTART))
        fake_reboot_locked(dom);
    else if (mon)
        kill_process(dom); /* exit reason crashed: no SHUTDOWN counts now */
    vk_qemu_job_end(j);
out:
    vk_qemu_dom_unref(dom);
    return NULL;
}

void vk_qemu_lifecycle_panicked(struct vk_qemu_dom *dom)
{
    if (dom->state == VK_DOM_CRASHED)
        return; /* one panic, one action */
    vk_qemu_dom_set_state(dom, VK_DOM_CRASHED, CRASHED_PANICKED);
    enum vk_lifecycle_action act = dom->def->on_crash;
    VK_INFO("domain '%s': the guest panicked", dom->name);
    if (act == VK_LIFE_PRESERVE)
        return;
    if (act == VK_LIFE_DESTROY || act == VK_LIFE_DEFAULT) {
        if (dom->pidfd >= 0)
            pidfd_send_signal(dom->pidfd, SIGTERM, NULL, 0);
        return;
    }
    if (run_detached(dom, crash_main) < 0 && dom->pidfd >= 0) {
        VK_ERROR("domain '%s': cannot start a thread for on_crash, stopping it", dom->name);
        pidfd_send_signal(dom->pidfd, SIGTERM, NULL, 0);
    }
}
