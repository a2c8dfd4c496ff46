/* A daemon restart: the driver closes without stopping its QEMUs; a new
 * driver on the same root finds them running (same ids, same state), can
 * control and destroy them, and forgets QEMUs that died meanwhile. Also:
 * bad config files are skipped, not fatal. */
#include <errno.h>
#include "driver_test.h"
#include "util/vk_exec.h"

#define UA "b1b2c3d4-0000-4000-8000-00000000000a"
#define UB "b1b2c3d4-0000-4000-8000-00000000000b"
#define UC "b1b2c3d4-0000-4000-8000-00000000000c"

#define US "b1b2c3d4-0000-4000-8000-0000000000ee"
#define UM "b1b2c3d4-0000-4000-8000-0000000000ff"
#define UD "b1b2c3d4-0000-4000-8000-0000000000dd"

/* A status file for a transient domain 'name' claiming pid (as a crashed
 * daemon could leave behind, or a damaged one). */
static void write_status(const char *name, const char *uuid, pid_t pid, unsigned long long start)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "pid", json_object_new_int64(pid));
    json_object_object_add(o, "start_time", json_object_new_uint64(start));
    json_object_object_add(o, "id", json_object_new_int(77));
    json_object_object_add(o, "state", json_object_new_int(1));
    json_object_object_add(o, "reason", json_object_new_int(1));
    dt_write_status(name, uuid, o);
}

int main(void)
{
    dt_setup();
    uint8_t ua[VK_UUID_LEN], ub[VK_UUID_LEN], uc[VK_UUID_LEN], ud[VK_UUID_LEN];
    vk_uuid_parse(UD, ud);
    vk_uuid_parse(UA, ua);
    vk_uuid_parse(UB, ub);
    vk_uuid_parse(UC, uc);

    struct vk_qemu_driver *drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    char *xa = dt_xml("persist-a", UA, NULL, NULL);
    char *xb = dt_xml("transient-b", UB, NULL, NULL);
    char *xc = dt_xml("doomed-c", UC, NULL, NULL);
    struct vk_dom_ref ra = {0}, rb = {0}, rc = {0};
    CHECK_OK(vk_qemu_domain_define(drv, xa, 0, NULL));
    CHECK_OK(vk_qemu_domain_create(drv, ua, 0, &ra));
    CHECK_OK(vk_qemu_domain_create_xml(drv, xb, VK_START_PAUSED, &rb));
    CHECK_OK(vk_qemu_domain_define(drv, xc, 0, NULL));
    CHECK_OK(vk_qemu_domain_create(drv, uc, 0, &rc));
    pid_t pa = dt_pid_of("persist-a"), pb = dt_pid_of("transient-b");
    pid_t pc = dt_pid_of("doomed-c");
    /* A fourth one looks (from its status file) as if the daemon died while
     * starting it: the next daemon must stop it, not adopt it. */
    char *xd = dt_xml("midstart-d", UD, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, xd, 0, NULL));
    CHECK_OK(vk_qemu_domain_create(drv, ud, 0, NULL));
    free(xd);
    pid_t pd = dt_pid_of("midstart-d");
    CHECK(pa > 0 && pb > 0 && pc > 0);
    /* A running domain's config changes; the change must survive the restart. */
    char *xa2 = vk_asprintf("<domain type='qemu'><name>persist-a</name><uuid>" UA "</uuid>"
                            "<memory unit='MiB'>80</memory><vcpu>1</vcpu>"
                            "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
    CHECK_OK(vk_qemu_domain_define(drv, xa2, 0, NULL));

    /* "Daemon restart": close without stopping anything. */
    vk_qemu_driver_close(drv);
    CHECK(kill(pa, 0) == 0 && kill(pb, 0) == 0);
    {
        char *path = vk_asprintf("%s/qemu/midstart-d.status", dt_paths.run_dir);
        char *text = NULL;
        size_t len;
        CHECK(vk_file_read(path, 1 << 24, &text, &len) == 0);
        struct json_object *o = text ? json_tokener_parse(text) : NULL;
        CHECK(o != NULL);
        if (o) {
            json_object_object_add(o, "state", json_object_new_int(VK_DOM_PAUSED));
            json_object_object_add(o, "reason", json_object_new_int(10));
            const char *t = json_object_to_json_string(o);
            CHECK(vk_file_write_atomic(path, t, strlen(t), 0600) == 0);
            json_object_put(o);
        }
        free(text);
        free(path);
    }
    /* One QEMU dies while no daemon watches. */
    CHECK(kill(pc, SIGKILL) == 0);
    waitpid(pc, NULL, 0);
    /* A broken config file must not stop the driver from loading. */
    char *junk = vk_asprintf("%s/qemu/junk.xml", dt_paths.config_dir);
    CHECK(vk_file_write_atomic(junk, "<domain><name>oops", 18, 0600) == 0);
    free(junk);

    /* Bad status files: garbage; a live process that is not the domain's
     * QEMU (it must be left alone); our own pid with a wrong start time. */
    char *garbage = vk_asprintf("%s/qemu/garbage.status", dt_paths.run_dir);
    CHECK(vk_file_write_atomic(garbage, "{not json", 9, 0600) == 0);
    char *sleep_argv[] = {"sleep", "600", NULL};
    pid_t stranger = 0;
    CHECK(vk_spawn(sleep_argv, NULL, &stranger) == 0);
    dt_record_pid(stranger);
    write_status("stranger", US, stranger, dt_proc_start_time(stranger));
    write_status("myself", UM, getpid(), 1);

    drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    CHECK(access(garbage, F_OK) < 0);
    free(garbage);
    CHECK(!dt_status_exists("stranger") && !dt_status_exists("myself"));
    CHECK(stranger > 0 && waitpid(stranger, NULL, WNOHANG) == 0); /* still alive */
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "stranger", NULL), VK_ERR_NO_DOMAIN);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "myself", NULL), VK_ERR_NO_DOMAIN);
    if (stranger > 0) {
        kill(stranger, SIGKILL);
        waitpid(stranger, NULL, 0);
    }
    int st = -1, reason = -1;
    struct vk_dom_ref r = {0};
    CHECK_OK(vk_qemu_domain_lookup_by_uuid(drv, ua, &r));
    CHECK(r.id == ra.id);
    vk_dom_ref_clear(&r);
    CHECK_OK(vk_qemu_domain_get_state(drv, ua, &st, &reason));
    CHECK(st == VK_DOM_RUNNING);
    CHECK(reason == 1);
    CHECK(vk_qemu_domain_is_persistent(drv, ua) == 1);
    CHECK_OK(vk_qemu_domain_lookup_by_id(drv, rb.id, &r));
    CHECK_STREQ(r.name, "transient-b");
    vk_dom_ref_clear(&r);
    CHECK_OK(vk_qemu_domain_get_state(drv, ub, &st, &reason));
    CHECK(st == VK_DOM_PAUSED);
    CHECK(vk_qemu_domain_is_persistent(drv, ub) == 0);
    /* The dead one: shut off, its status gone. */
    CHECK_OK(vk_qemu_domain_get_state(drv, uc, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF);
    CHECK(!dt_status_exists("doomed-c"));
    char *qmp = vk_asprintf("%s/qemu/" UC ".qmp", dt_paths.run_dir);
    char *rdir = vk_asprintf("%s/qemu/" UC, dt_paths.run_dir);
    CHECK(access(qmp, F_OK) < 0);
    CHECK(access(rdir, F_OK) < 0);
    free(qmp);
    free(rdir);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "junk", NULL), VK_ERR_NO_DOMAIN);
    /* The half-started one: killed, shut off (failed). */
    CHECK_OK(vk_qemu_domain_get_state(drv, ud, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF && reason == 6);
    CHECK(!dt_status_exists("midstart-d"));
    /* Gone: killed by a signal, or already reaped by the driver (which
     * watches every QEMU it knows, and this test process is their parent). */
    int wst = 0;
    pid_t w = pd > 0 ? waitpid(pd, &wst, 0) : 0;
    CHECK(pd > 0 && ((w == pd && WIFSIGNALED(wst)) ||
                     (w < 0 && errno == ECHILD && kill(pd, 0) < 0 && errno == ESRCH)));

    /* Live def is the old one, the config the new one. */
    struct vk_dom_info info;
    CHECK_OK(vk_qemu_domain_get_info(drv, ua, &info));
    CHECK(info.max_mem_kib == 64 * 1024);
    char *inactive = vk_qemu_domain_get_xml(drv, ua, VK_XML_INACTIVE);
    CHECK(inactive && strstr(inactive, "81920"));
    free(inactive);

    /* New ids do not collide with re-attached ones. */
    struct vk_dom_ref rc2 = {0};
    CHECK_OK(vk_qemu_domain_create(drv, uc, 0, &rc2));
    dt_pid_of("doomed-c");
    CHECK(rc2.id > ra.id && rc2.id > rb.id);
    vk_dom_ref_clear(&rc2);

    /* The monitor works after re-attach. */
    CHECK_OK(vk_qemu_domain_resume(drv, ub));
    CHECK_OK(vk_qemu_domain_get_state(drv, ub, &st, NULL));
    CHECK(st == VK_DOM_RUNNING);
    CHECK_OK(vk_qemu_domain_suspend(drv, ua));
    CHECK_OK(vk_qemu_domain_get_state(drv, ua, &st, NULL));
    CHECK(st == VK_DOM_PAUSED);

    /* Exit of a re-attached QEMU is still noticed. */
    CHECK(dt_kill_qemu("persist-a") == 0);
    CHECK(dt_wait_state(drv, ua, VK_DOM_SHUTOFF, &reason) == VK_DOM_SHUTOFF);
    CHECK(reason == 3);
    CHECK_OK(vk_qemu_domain_get_info(drv, ua, &info));
    CHECK(info.max_mem_kib == 80 * 1024);

    CHECK_OK(vk_qemu_domain_destroy(drv, ub, 0));
    CHECK(waitpid(pb, NULL, WNOHANG) < 0); /* reaped by the driver */
    CHECK_ERR(vk_qemu_domain_lookup_by_uuid(drv, ub, NULL), VK_ERR_NO_DOMAIN);
    CHECK_OK(vk_qemu_domain_destroy(drv, uc, 0));

    vk_qemu_driver_close(drv);
    /* Closing after everything stopped leaves no status files. */
    CHECK(!dt_status_exists("persist-a") && !dt_status_exists("transient-b") &&
          !dt_status_exists("doomed-c"));
    vk_dom_ref_clear(&ra);
    vk_dom_ref_clear(&rb);
    vk_dom_ref_clear(&rc);
    free(xa);
    free(xa2);
    free(xb);
    free(xc);
out:
    dt_teardown();
    TEST_MAIN_END();
}
