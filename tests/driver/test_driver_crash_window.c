/* The crash window of a start: the daemon wrote the 'starting' status record
 * and spawned QEMU, then died before recording the pid. The next driver must
 * find that QEMU (by -uuid and this daemon's -pidfile), kill it and leave the
 * domain shut off (transient: gone), and must leave alone a QEMU of the same
 * uuid that is not this daemon's. A normal start then records what re-attach
 * needs. */
#include <errno.h>

#include "driver_test.h"
#include "util/vk_exec.h"

#define UP "c1c2c3d4-0000-4000-8000-0000000000a1"
#define UT "c1c2c3d4-0000-4000-8000-0000000000a2"

/* A record as the daemon writes it before spawning: no pid yet. with_flag:
 * "starting": true (else just no pid field, which must mean the same). */
static void write_starting(const char *name, const char *uuid, bool with_flag)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    if (with_flag) {
        json_object_object_add(o, "pid", json_object_new_int64(0));
        json_object_object_add(o, "start_time", json_object_new_uint64(0));
        json_object_object_add(o, "starting", json_object_new_boolean(true));
    }
    json_object_object_add(o, "id", json_object_new_int(5));
    json_object_object_add(o, "state", json_object_new_int(VK_DOM_PAUSED));
    json_object_object_add(o, "reason", json_object_new_int(10));
    dt_write_status(name, uuid, o);
}

/* A paused QEMU with -uuid uuid; pidfile NULL: one that is not ours. */
static pid_t spawn_qemu(const char *name, const char *uuid, const char *pidfile)
{
    char *guest = vk_asprintf("guest=%s", name);
    char *argv[] = {"qemu-system-x86_64", "-S", "-nodefaults", "-display", "none",
                    "-accel", "tcg", "-m", "64", "-name", guest, "-uuid", (char *)uuid,
                    pidfile ? "-pidfile" : NULL, (char *)pidfile, NULL};
    pid_t pid = 0;
    CHECK(vk_spawn(argv, NULL, &pid) == 0);
    dt_record_pid(pid);
    free(guest);
    return pid;
}

/* Waits (bounded) until /proc/PID/cmdline shows the process exec'd QEMU, so
 * the driver sees its arguments (not our forked copy). */
static void wait_exec(pid_t pid, const char *uuid)
{
    for (int i = 0; i < 200; i++) {
        char *path = vk_asprintf("/proc/%d/cmdline", (int)pid);
        char *text = NULL;
        size_t len = 0;
        bool done = false;
        if (vk_file_read(path, 1 << 20, &text, &len) == 0) {
            for (size_t off = 0; off < len; off += strlen(text + off) + 1)
                done |= !strcmp(text + off, uuid);
        } else {
            vk_error_reset();
        }
        free(text);
        free(path);
        if (done)
            return;
        usleep(20000);
    }
}

static bool cmdline_has(pid_t pid, const char *arg)
{
    char *path = vk_asprintf("/proc/%d/cmdline", (int)pid);
    char *text = NULL;
    size_t len = 0;
    bool found = false;
    if (vk_file_read(path, 1 << 20, &text, &len) == 0) {
        for (size_t off = 0; off < len; off += strlen(text + off) + 1)
            found |= !strcmp(text + off, arg);
    } else {
        vk_error_reset();
    }
    free(text);
    free(path);
    return found;
}

int main(void)
{
    dt_setup();
    uint8_t up[VK_UUID_LEN], ut[VK_UUID_LEN];
    vk_uuid_parse(UP, up);
    vk_uuid_parse(UT, ut);

    /* A persistent domain defined by the "previous daemon". */
    struct vk_qemu_driver *drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    char *xp = dt_xml("window-p", UP, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, xp, 0, NULL));
    free(xp);
    vk_qemu_driver_close(drv);

    /* The window: records written, QEMUs spawned, pids never saved. */
    char *dir_p = vk_asprintf("%s/qemu/%s", dt_paths.run_dir, UP);
    char *dir_t = vk_asprintf("%s/qemu/%s", dt_paths.run_dir, UT);
    CHECK(vk_mkdir_p(dir_p, 0700) == 0 && vk_mkdir_p(dir_t, 0700) == 0);
    char *pf_p = vk_asprintf("%s/qemu.pid", dir_p);
    char *pf_t = vk_asprintf("%s/qemu.pid", dir_t);
    write_starting("window-p", UP, true);
    write_starting("window-t", UT, false);
    pid_t qp = spawn_qemu("window-p", UP, pf_p);
    pid_t qt = spawn_qemu("window-t", UT, pf_t);
    /* Another daemon's QEMU with the same uuid (no pidfile of ours). */
    pid_t decoy = spawn_qemu("window-p", UP, NULL);
    wait_exec(qp, UP);
    wait_exec(qt, UT);
    wait_exec(decoy, UP);
    CHECK(kill(qp, 0) == 0 && kill(qt, 0) == 0 && kill(decoy, 0) == 0);

    drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    /* Killed and reaped by the driver (they are this process's children):
     * the pids no longer exist. */
    CHECK(kill(qp, 0) < 0 && errno == ESRCH);
    CHECK(kill(qt, 0) < 0 && errno == ESRCH);
    CHECK(waitpid(decoy, NULL, WNOHANG) == 0); /* not ours: still alive */
    int st = -1, reason = -1;
    CHECK_OK(vk_qemu_domain_get_state(drv, up, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "window-t", NULL), VK_ERR_NO_DOMAIN);
    CHECK(!dt_status_exists("window-p") && !dt_status_exists("window-t"));
    CHECK(access(dir_p, F_OK) < 0 && access(dir_t, F_OK) < 0);

    /* A normal start records a full status (pid, start time, monitor) and
     * the QEMU carries the pidfile that marks it as ours. */
    struct vk_dom_ref r = {0};
    CHECK_OK(vk_qemu_domain_create(drv, up, 0, &r));
    pid_t pid = dt_pid_of("window-p");
    CHECK(pid > 0);
    CHECK(dt_status_int("window-p", "start_time") > 0);
    CHECK(dt_status_int("window-p", "starting") == -1);
    CHECK(pid > 0 && cmdline_has(pid, "-pidfile") && cmdline_has(pid, pf_p));
    CHECK_OK(vk_qemu_domain_get_state(drv, up, &st, &reason));
    CHECK(st == VK_DOM_RUNNING);
    CHECK_OK(vk_qemu_domain_destroy(drv, up, 0));
    CHECK(!dt_status_exists("window-p"));
    vk_dom_ref_clear(&r);
    vk_qemu_driver_close(drv);

    kill(decoy, SIGKILL);
    waitpid(decoy, NULL, 0);
    free(dir_p);
    free(dir_t);
    free(pf_p);
    free(pf_t);
out:
    dt_teardown();
    TEST_MAIN_END();
}
