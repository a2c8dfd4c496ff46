/* The driver with a real guest (tests/guest: Debian kernel + busybox, TCG):
 * reboot is a machine reset (the guest boots again), shutdown presses the
 * ACPI power button and the guest's poweroff ends the domain as
 * SHUTOFF/shutdown. Skipped (77) when the test guest is not built. */
#include "driver_test.h"

#define UG "c1b2c3d4-0000-4000-8000-0000000000aa"

static char *replace(const char *s, const char *key, const char *val)
{
    struct vk_buf b = VK_BUF_INIT;
    const char *p;
    while ((p = strstr(s, key))) {
        vk_buf_add(&b, s, (size_t)(p - s));
        vk_buf_adds(&b, val);
        s = p + strlen(key);
    }
    vk_buf_adds(&b, s);
    return vk_buf_steal(&b);
}

/* Bounded wait for the n-th readiness line on the serial log. */
static bool wait_ready(const char *serial, int n)
{
    for (int i = 0; i < 3000; i++) { /* up to 300 s on a loaded host */
        char *text = NULL;
        size_t len;
        int count = 0;
        if (vk_file_read(serial, 1 << 24, &text, &len) == 0) {
            for (const char *p = text; (p = strstr(p, "VIRTKIT-GUEST-READY")); p++)
                count++;
        } else {
            vk_error_reset();
        }
        free(text);
        if (count >= n)
            return true;
        usleep(100000);
    }
    return false;
}

int main(int argc, char **argv)
{
    const char *gdir = argc > 1 ? argv[1] : getenv("VK_GUEST_DIR");
    char *kernel = gdir ? vk_asprintf("%s/kernel", gdir) : NULL;
    if (!kernel || access(kernel, R_OK) < 0) {
        fprintf(stderr, "test guest not built (run: bash tests/guest/guest-env.sh); skipping\n");
        free(kernel);
        return 77;
    }
    free(kernel);
    char *tmpl_path = vk_asprintf("%s/domain.xml.in", SRCDIR);
    char *tmpl = NULL;
    size_t len;
    if (vk_file_read(tmpl_path, 1 << 20, &tmpl, &len) < 0) {
        fprintf(stderr, "%s\n", vk_error_last()->message);
        return 1;
    }
    free(tmpl_path);

    dt_setup();
    char *serial = vk_asprintf("%s/serial.log", dt_root);
    char *x1 = replace(tmpl, "@NAME@", "guest1");
    char *x2 = replace(x1, "@GUEST_DIR@", gdir);
    char *xml = replace(x2, "@SERIAL_LOG@", serial);
    free(x1);
    free(x2);
    free(tmpl);
    char *withuuid = replace(xml, "<name>guest1</name>", "<name>guest1</name><uuid>" UG "</uuid>");
    free(xml);
    uint8_t u[VK_UUID_LEN];
    vk_uuid_parse(UG, u);

    struct vk_qemu_driver *drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    CHECK_OK(vk_qemu_domain_define(drv, withuuid, 0, NULL));
    CHECK_OK(vk_qemu_domain_create(drv, u, 0, NULL));
    dt_pid_of("guest1");
    CHECK(wait_ready(serial, 1));

    /* Reboot = reset: the guest comes up a second time, the domain runs on. */
    CHECK_OK(vk_qemu_domain_reboot(drv, u, 0));
    CHECK(wait_ready(serial, 2));
    int st = -1, reason = -1;
    CHECK_OK(vk_qemu_domain_get_state(drv, u, &st, NULL));
    CHECK(st == VK_DOM_RUNNING);

    /* Shutdown: ACPI power button -> guest poweroff -> SHUTOFF (shutdown). */
    CHECK_OK(vk_qemu_domain_shutdown(drv, u, 0));
    CHECK(dt_wait_state(drv, u, VK_DOM_SHUTOFF, &reason) == VK_DOM_SHUTOFF);
    CHECK(reason == 1);
    CHECK(!dt_status_exists("guest1"));
    CHECK_OK(vk_qemu_domain_undefine(drv, u, 0));
    vk_qemu_driver_close(drv);
out:
    free(withuuid);
    free(serial);
    dt_teardown();
    TEST_MAIN_END();
}
