/* The QEMU driver against real QEMU (TCG): define, start, suspend, resume,
 * destroy, undefine, start paused, transient domains, listing, status files,
 * redefinition while running, and the errors a user meets. */
#include "driver_test.h"

#define U1 "a1b2c3d4-0000-4000-8000-000000000001"
#define U2 "a1b2c3d4-0000-4000-8000-000000000002"
#define U3 "a1b2c3d4-0000-4000-8000-000000000003"

/* Lifecycle events of domain 'life1', as "event/detail" words. */
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static char ev_seen[512];

static void on_event(const struct vk_dom_ref *dom, int event, int detail, void *opaque)
{
    /* Resets (QEMU's RESET, e.g. the firmware's own at boot) come as reboot
     * events; this test follows the lifecycle events only. */
    if (strcmp(dom->name, "life1") || event == VK_EVENT_X_REBOOT)
        return;
    pthread_mutex_lock(&ev_lock);
    size_t n = strlen(ev_seen);
    snprintf(ev_seen + n, sizeof(ev_seen) - n, "%s%d/%d", n ? " " : "", event, detail);
    pthread_mutex_unlock(&ev_lock);
}

static void test_define_start_stop(struct vk_qemu_driver *drv)
{
    vk_qemu_driver_set_event_cb(drv, on_event, NULL);
    struct vk_dom_ref ref = {0};
    char *xml = dt_xml("life1", U1, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, xml, 0, &ref));
    CHECK_STREQ(ref.name, "life1");
    CHECK(ref.id == -1);
    uint8_t uuid[VK_UUID_LEN];
    vk_uuid_parse(U1, uuid);
    CHECK(!memcmp(ref.uuid, uuid, VK_UUID_LEN));
    vk_dom_ref_clear(&ref);

    /* The config file is there and is the domain's XML. */
    char *cfg = vk_asprintf("%s/qemu/life1.xml", dt_paths.config_dir);
    char *text = NULL;
    size_t len;
    CHECK(vk_file_read(cfg, 1 << 20, &text, &len) == 0);
    CHECK(text && strstr(text, "<name>life1</name>"));
    free(text);

    int st, reason;
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF);
    CHECK(vk_qemu_domain_is_active(drv, uuid) == 0);
    CHECK(vk_qemu_domain_is_persistent(drv, uuid) == 1);
    CHECK_ERR(vk_qemu_domain_suspend(drv, uuid), VK_ERR_OPERATION_INVALID);
    CHECK_ERR(vk_qemu_domain_destroy(drv, uuid, 0), VK_ERR_OPERATION_INVALID);

    /* Same name, another uuid: refused, naming the existing uuid. */
    char *clash = dt_xml("life1", U2, NULL, NULL);
    CHECK_ERR(vk_qemu_domain_define(drv, clash, 0, NULL), VK_ERR_OPERATION_FAILED);
    CHECK(strstr(vk_error_last()->message, U1) != NULL);
    free(clash);
    /* Same uuid, another name: refused too. */
    char *renamed = dt_xml("life1-other", U1, NULL, NULL);
    CHECK_ERR(vk_qemu_domain_define(drv, renamed, 0, NULL), VK_ERR_OPERATION_FAILED);
    free(renamed);

    /* Start. */
    CHECK_OK(vk_qemu_domain_create(drv, uuid, 0, &ref));
    CHECK(ref.id >= 1);
    int id = ref.id;
    vk_dom_ref_clear(&ref);
    pid_t pid = dt_pid_of("life1");
    CHECK(pid > 0);
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_RUNNING);
    CHECK(reason == 1); /* booted */
    CHECK(vk_qemu_domain_is_active(drv, uuid) == 1);
    CHECK_OK(vk_qemu_domain_lookup_by_id(drv, id, &ref));
    CHECK_STREQ(ref.name, "life1");
    vk_dom_ref_clear(&ref);
    CHECK_ERR(vk_qemu_domain_create(drv, uuid, 0, NULL), VK_ERR_OPERATION_INVALID);

    /* Status file: pid, id, state, the start time /proc reports, live XML. */
    CHECK(dt_status_int("life1", "id") == id);
    CHECK(dt_status_int("life1", "state") == VK_DOM_RUNNING);
    CHECK(dt_status_int("life1", "start_time") > 0);
    char *status = vk_asprintf("%s/qemu/life1.status", dt_paths.run_dir);
    text = NULL;
    CHECK(vk_file_read(status, 1 << 24, &text, &len) == 0);
    CHECK(text && strstr(text, "life1") && strstr(text, ".qmp"));
    free(text);

    /* Live XML carries the id; the inactive one does not. */
    char *live = vk_qemu_domain_get_xml(drv, uuid, 0);
    /* The id is an attribute of <domain> (other elements, like <audio id=>,
     * have ids of their own). */
    char *idattr = vk_asprintf("<domain type='qemu' id='%d'>", id);
    CHECK(live && strstr(live, idattr));
    free(live);
    char *inactive = vk_qemu_domain_get_xml(drv, uuid, VK_XML_INACTIVE);
    CHECK(inactive && !strstr(inactive, idattr));
    free(inactive);
    free(idattr);

    struct vk_dom_info info;
    CHECK_OK(vk_qemu_domain_get_info(drv, uuid, &info));
    CHECK(info.state == VK_DOM_RUNNING);
    CHECK(info.max_mem_kib == 65536);
    CHECK(info.nr_vcpus == 1);

    /* Suspend / resume. */
    CHECK_OK(vk_qemu_domain_suspend(drv, uuid));
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_PAUSED);
    CHECK(reason == 1); /* user */
    CHECK(dt_status_int("life1", "state") == VK_DOM_PAUSED);
    CHECK_OK(vk_qemu_domain_resume(drv, uuid));
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_RUNNING);
    CHECK(reason == 5); /* unpaused */
    CHECK_OK(vk_qemu_domain_reboot(drv, uuid, 0));
    CHECK_OK(vk_qemu_domain_shutdown(drv, uuid, 0)); /* firmware ignores ACPI: still runs */

    /* Redefine while running: only the config changes. */
    char *bigger = vk_asprintf("<domain type='qemu'><name>life1</name><uuid>" U1 "</uuid>"
                               "<memory unit='MiB'>96</memory><vcpu>1</vcpu>"
                               "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                               "</domain>");
    CHECK_OK(vk_qemu_domain_define(drv, bigger, 0, NULL));
    free(bigger);
    CHECK_OK(vk_qemu_domain_get_info(drv, uuid, &info));
    CHECK(info.max_mem_kib == 65536);
    CHECK(vk_qemu_domain_is_active(drv, uuid) == 1);

    /* Destroy. */
    CHECK_OK(vk_qemu_domain_destroy(drv, uuid, 0));
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF);
    CHECK(reason == 2);                     /* destroyed */
    CHECK(waitpid(pid, NULL, WNOHANG) < 0); /* reaped by the driver */
    CHECK(!dt_status_exists("life1"));
    CHECK(access(status, F_OK) < 0);
    CHECK_ERR(vk_qemu_domain_lookup_by_id(drv, id, NULL), VK_ERR_NO_DOMAIN);
    /* The new config applies now. */
    CHECK_OK(vk_qemu_domain_get_info(drv, uuid, &info));
    CHECK(info.max_mem_kib == 96 * 1024);
    free(status);

    /* Events so far: defined (added), started, suspended, resumed, defined
     * (updated, while running), stopped (destroyed). */
    pthread_mutex_lock(&ev_lock);
    CHECK_STREQ(ev_seen, "0/0 2/0 3/0 4/0 0/1 5/1");
    ev_seen[0] = '\0';
    pthread_mutex_unlock(&ev_lock);

    /* The log has our header line with the argv. */
    char *logp = vk_asprintf("%s/qemu/life1.log", dt_paths.log_dir);
    text = NULL;
    CHECK(vk_file_read(logp, 1 << 24, &text, &len) == 0);
    CHECK(text && strstr(text, "starting up") && strstr(text, "qemu-system-x86_64"));
    free(text);
    free(logp);

    /* Start paused. */
    CHECK_OK(vk_qemu_domain_create(drv, uuid, VK_START_PAUSED, NULL));
    dt_pid_of("life1");
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, &reason));
    CHECK(st == VK_DOM_PAUSED);
    CHECK(reason == 1);
    CHECK_OK(vk_qemu_domain_resume(drv, uuid));
    CHECK_OK(vk_qemu_domain_get_state(drv, uuid, &st, NULL));
    CHECK(st == VK_DOM_RUNNING);

    /* Undefine while running: transient until it stops, then gone. */
    CHECK_OK(vk_qemu_domain_undefine(drv, uuid, 0));
    CHECK(access(cfg, F_OK) < 0);
    CHECK(vk_qemu_domain_is_persistent(drv, uuid) == 0);
    CHECK(vk_qemu_domain_is_active(drv, uuid) == 1);
    CHECK_OK(vk_qemu_domain_destroy(drv, uuid, 0));
    CHECK_ERR(vk_qemu_domain_lookup_by_uuid(drv, uuid, NULL), VK_ERR_NO_DOMAIN);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "life1", NULL), VK_ERR_NO_DOMAIN);
    /* Started + suspended (paused start), resumed, undefined, stopped. */
    pthread_mutex_lock(&ev_lock);
    CHECK_STREQ(ev_seen, "2/0 3/0 4/0 1/0 5/1");
    pthread_mutex_unlock(&ev_lock);
    vk_qemu_driver_set_event_cb(drv, NULL, NULL);
    free(cfg);
    free(xml);
}

static void test_transient_and_list(struct vk_qemu_driver *drv)
{
    struct vk_dom_ref ref = {0};
    uint8_t u2[VK_UUID_LEN], u3[VK_UUID_LEN];
    vk_uuid_parse(U2, u2);
    vk_uuid_parse(U3, u3);

    char *x2 = dt_xml("trans2", U2, NULL, NULL);
    CHECK_OK(vk_qemu_domain_create_xml(drv, x2, 0, &ref));
    CHECK(ref.id >= 1);
    vk_dom_ref_clear(&ref);
    pid_t pid = dt_pid_of("trans2");
    CHECK(vk_qemu_domain_is_persistent(drv, u2) == 0);
    CHECK_ERR(vk_qemu_domain_undefine(drv, u2, 0), VK_ERR_OPERATION_INVALID);
    /* A second create of the same running domain is refused. */
    CHECK_ERR(vk_qemu_domain_create_xml(drv, x2, 0, NULL), VK_ERR_OPERATION_INVALID);

    char *x3 = dt_xml("inactive3", U3, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, x3, 0, NULL));

    struct vk_dom_ref *refs = NULL;
    int *states = NULL;
    size_t n = 0;
    CHECK_OK(vk_qemu_list_domains(drv, 0, &refs, &states, &n));
    CHECK(n == 2);
    if (n == 2) {
        /* Active first. */
        CHECK_STREQ(refs[0].name, "trans2");
        CHECK(states[0] == VK_DOM_RUNNING);
        CHECK_STREQ(refs[1].name, "inactive3");
        CHECK(refs[1].id == -1);
        CHECK(states[1] == VK_DOM_SHUTOFF);
    }
    vk_dom_refs_free(refs, n);
    free(states);

    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_ACTIVE, &refs, NULL, &n));
    CHECK(n == 1 && !strcmp(refs[0].name, "trans2"));
    vk_dom_refs_free(refs, n);
    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_INACTIVE, &refs, NULL, &n));
    CHECK(n == 1 && !strcmp(refs[0].name, "inactive3"));
    vk_dom_refs_free(refs, n);
    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_TRANSIENT, &refs, NULL, &n));
    CHECK(n == 1 && !strcmp(refs[0].name, "trans2"));
    vk_dom_refs_free(refs, n);
    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_PERSISTENT | VK_LIST_SHUTOFF, &refs, NULL, &n));
    CHECK(n == 1 && !strcmp(refs[0].name, "inactive3"));
    vk_dom_refs_free(refs, n);
    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_PAUSED, &refs, NULL, &n));
    CHECK(n == 0);
    vk_dom_refs_free(refs, n);

    /* A transient domain killed from outside: noticed, and gone. */
    CHECK(pid > 0 && dt_kill_qemu("trans2") == 0);
    for (int i = 0; i < 1200 && vk_qemu_domain_lookup_by_uuid(drv, u2, NULL) == 0; i++)
        usleep(50000);
    CHECK_ERR(vk_qemu_domain_lookup_by_uuid(drv, u2, NULL), VK_ERR_NO_DOMAIN);
    CHECK(!dt_status_exists("trans2"));

    /* A persistent domain killed from outside: shut off, crashed. */
    CHECK_OK(vk_qemu_domain_create(drv, u3, 0, NULL));
    CHECK(dt_kill_qemu("inactive3") == 0);
    int reason = -1;
    CHECK(dt_wait_state(drv, u3, VK_DOM_SHUTOFF, &reason) == VK_DOM_SHUTOFF);
    CHECK(reason == 3); /* crashed */
    CHECK(!dt_status_exists("inactive3"));
    /* It starts again afterwards. */
    CHECK_OK(vk_qemu_domain_create(drv, u3, 0, NULL));
    dt_pid_of("inactive3");
    CHECK_OK(vk_qemu_domain_destroy(drv, u3, 0));
    CHECK_OK(vk_qemu_domain_undefine(drv, u3, 0));
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "inactive3", NULL), VK_ERR_NO_DOMAIN);
    free(x2);
    free(x3);
}

static void test_autostart(struct vk_qemu_driver *drv)
{
    struct vk_dom_ref ref = {0};
    char *xml = dt_xml("auto4", NULL, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, xml, 0, &ref));
    free(xml);
    CHECK(vk_qemu_domain_get_autostart(drv, ref.uuid) == 0);
    CHECK_OK(vk_qemu_domain_set_autostart(drv, ref.uuid, 1));
    CHECK(vk_qemu_domain_get_autostart(drv, ref.uuid) == 1);
    struct vk_dom_ref *refs = NULL;
    size_t n = 0;
    CHECK_OK(vk_qemu_list_domains(drv, VK_LIST_AUTOSTART, &refs, NULL, &n));
    CHECK(n == 1 && !strcmp(refs[0].name, "auto4"));
    vk_dom_refs_free(refs, n);

    vk_qemu_driver_autostart(drv);
    dt_pid_of("auto4");
    CHECK(vk_qemu_domain_is_active(drv, ref.uuid) == 1);
    /* Graceful destroy: SIGTERM is enough for QEMU. */
    CHECK_OK(vk_qemu_domain_destroy(drv, ref.uuid, VK_DESTROY_GRACEFUL));
    int st, reason;
    CHECK_OK(vk_qemu_domain_get_state(drv, ref.uuid, &st, &reason));
    CHECK(st == VK_DOM_SHUTOFF && reason == 2);

    CHECK_OK(vk_qemu_domain_set_autostart(drv, ref.uuid, 0));
    CHECK(vk_qemu_domain_get_autostart(drv, ref.uuid) == 0);
    CHECK_OK(vk_qemu_domain_set_autostart(drv, ref.uuid, 1));
    /* Undefine takes the autostart link with it. */
    CHECK_OK(vk_qemu_domain_undefine(drv, ref.uuid, 0));
    char *link = vk_asprintf("%s/qemu/autostart/auto4.xml", dt_paths.config_dir);
    CHECK(access(link, F_OK) < 0);
    free(link);
    vk_dom_ref_clear(&ref);

    /* Transient domains have no autostart; unsupported shutdown modes say so. */
    xml = dt_xml("auto5", NULL, NULL, NULL);
    CHECK_OK(vk_qemu_domain_create_xml(drv, xml, VK_START_PAUSED, &ref));
    free(xml);
    dt_pid_of("auto5");
    CHECK_ERR(vk_qemu_domain_set_autostart(drv, ref.uuid, 1), VK_ERR_OPERATION_INVALID);
    CHECK_ERR(vk_qemu_domain_shutdown(drv, ref.uuid, 2), VK_ERR_ARGUMENT_UNSUPPORTED);
    CHECK_OK(vk_qemu_domain_shutdown(drv, ref.uuid, 1));
    CHECK_OK(vk_qemu_domain_destroy(drv, ref.uuid, 0));
    vk_dom_ref_clear(&ref);
}

/* libvirt's mixes of persistent and transient: create_xml over an inactive
 * persistent domain runs the given def once; define over a running
 * transient domain makes it persistent. */
static void test_persistence_mix(struct vk_qemu_driver *drv)
{
    struct vk_dom_ref ref = {0};
    char *cfg = dt_xml("mix6", NULL, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, cfg, 0, &ref));
    char uuid[VK_UUID_STRLEN];
    vk_uuid_format(ref.uuid, uuid);
    char *once = vk_asprintf("<domain type='qemu'><name>mix6</name><uuid>%s</uuid>"
                             "<memory unit='MiB'>48</memory><vcpu>1</vcpu>"
                             "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                             uuid);
    CHECK_OK(vk_qemu_domain_create_xml(drv, once, 0, NULL));
    dt_pid_of("mix6");
    struct vk_dom_info info;
    CHECK_OK(vk_qemu_domain_get_info(drv, ref.uuid, &info));
    CHECK(info.max_mem_kib == 48 * 1024);
    CHECK(vk_qemu_domain_is_persistent(drv, ref.uuid) == 1);
    CHECK_OK(vk_qemu_domain_destroy(drv, ref.uuid, 0));
    CHECK_OK(vk_qemu_domain_get_info(drv, ref.uuid, &info));
    CHECK(info.max_mem_kib == 64 * 1024); /* the config is back */
    CHECK_OK(vk_qemu_domain_undefine(drv, ref.uuid, 0));
    vk_dom_ref_clear(&ref);
    free(once);
    free(cfg);

    char *t = dt_xml("mix7", NULL, NULL, NULL);
    CHECK_OK(vk_qemu_domain_create_xml(drv, t, 0, &ref));
    dt_pid_of("mix7");
    CHECK(vk_qemu_domain_is_persistent(drv, ref.uuid) == 0);
    vk_uuid_format(ref.uuid, uuid);
    char *def = vk_asprintf("<domain type='qemu'><name>mix7</name><uuid>%s</uuid>"
                            "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                            "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                            uuid);
    CHECK_OK(vk_qemu_domain_define(drv, def, 0, NULL));
    CHECK(vk_qemu_domain_is_persistent(drv, ref.uuid) == 1);
    CHECK(vk_qemu_domain_is_active(drv, ref.uuid) == 1);
    CHECK_OK(vk_qemu_domain_destroy(drv, ref.uuid, 0));
    CHECK_OK(vk_qemu_domain_lookup_by_name(drv, "mix7", NULL)); /* stays, defined */
    CHECK_OK(vk_qemu_domain_undefine(drv, ref.uuid, 0));
    vk_dom_ref_clear(&ref);
    free(def);
    free(t);
}

static void test_errors(struct vk_qemu_driver *drv)
{
    uint8_t u[VK_UUID_LEN];

    /* Bad emulator: clear error naming it, nothing left behind. */
    char *bad = dt_xml("bademu", NULL, NULL, "/nonexistent/qemu-system-x86_64");
    struct vk_dom_ref ref = {0};
    CHECK_OK(vk_qemu_domain_define(drv, bad, 0, &ref));
    memcpy(u, ref.uuid, VK_UUID_LEN);
    vk_dom_ref_clear(&ref);
    CHECK_ERR(vk_qemu_domain_create(drv, u, 0, NULL), VK_ERR_SYSTEM_ERROR);
    CHECK(strstr(vk_error_last()->message, "/nonexistent/qemu-system-x86_64") != NULL);
    CHECK(!dt_status_exists("bademu"));
    int st;
    CHECK_OK(vk_qemu_domain_get_state(drv, u, &st, NULL));
    CHECK(st == VK_DOM_SHUTOFF);
    CHECK_OK(vk_qemu_domain_undefine(drv, u, 0));
    free(bad);
    /* Transient with a bad emulator: not left in the list. */
    bad = dt_xml("bademu2", NULL, NULL, "/nonexistent/qemu");
    CHECK_ERR(vk_qemu_domain_create_xml(drv, bad, 0, NULL), VK_ERR_SYSTEM_ERROR);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "bademu2", NULL), VK_ERR_NO_DOMAIN);
    free(bad);

    /* QEMU itself refuses (8 TiB of guest RAM on this host): its own message
     * is the error, and nothing is left behind. */
    char *huge = vk_asprintf("<domain type='qemu'><name>huge</name>"
                             "<memory unit='TiB'>8</memory><vcpu>1</vcpu>"
                             "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
    CHECK_ERR(vk_qemu_domain_create_xml(drv, huge, 0, NULL), VK_ERR_INTERNAL_ERROR);
    CHECK(strstr(vk_error_last()->message, "domain 'huge': QEMU failed to start") != NULL);
    CHECK(!dt_status_exists("huge"));
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "huge", NULL), VK_ERR_NO_DOMAIN);
    free(huge);
    /* Beyond any x86 guest (900 TiB): refused before QEMU runs, naming it. */
    huge = vk_asprintf("<domain type='qemu'><name>huge</name>"
                       "<memory unit='TiB'>900</memory><vcpu>1</vcpu>"
                       "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
    CHECK_ERR(vk_qemu_domain_create_xml(drv, huge, 0, NULL), VK_ERR_CONFIG_UNSUPPORTED);
    CHECK(strstr(vk_error_last()->message, "memory size") != NULL);
    CHECK(!dt_status_exists("huge"));
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "huge", NULL), VK_ERR_NO_DOMAIN);
    free(huge);
    /* Errors name the domain once. */
    char *badmach = vk_asprintf("<domain type='qemu'><name>mach</name>"
                                "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                                "<os><type arch='x86_64' machine='nosuch'>hvm</type></os>"
                                "</domain>");
    CHECK(vk_qemu_domain_create_xml(drv, badmach, 0, NULL) < 0);
    CHECK(strstr(vk_error_last()->message, "domain 'mach': domain 'mach'") == NULL);
    free(badmach);

    /* type='kvm': works where /dev/kvm is usable, else a clear error. */
    char *kvm = dt_xml("kvmdom", NULL, "kvm", NULL);
    int r = vk_qemu_domain_create_xml(drv, kvm, 0, &ref);
    if (access("/dev/kvm", R_OK | W_OK) == 0) {
        CHECK(r == 0);
        if (r == 0) {
            dt_pid_of("kvmdom");
            CHECK_OK(vk_qemu_domain_destroy(drv, ref.uuid, 0));
        }
    } else {
        CHECK(r < 0);
        CHECK(vk_error_last()->code == VK_ERR_CONFIG_UNSUPPORTED);
        CHECK(strstr(vk_error_last()->message, "/dev/kvm") != NULL);
        CHECK(!dt_status_exists("kvmdom"));
    }
    vk_dom_ref_clear(&ref);
    free(kvm);

    /* Unknown domains and bad XML. */
    memset(u, 0x42, sizeof(u));
    CHECK_ERR(vk_qemu_domain_create(drv, u, 0, NULL), VK_ERR_NO_DOMAIN);
    CHECK_ERR(vk_qemu_domain_get_state(drv, u, &st, NULL), VK_ERR_NO_DOMAIN);
    CHECK(vk_qemu_domain_get_xml(drv, u, 0) == NULL);
    CHECK_ERR(vk_qemu_domain_lookup_by_name(drv, "nosuch", NULL), VK_ERR_NO_DOMAIN);
    CHECK(vk_qemu_domain_define(drv, "<domain", 0, NULL) < 0);
    CHECK(vk_qemu_domain_define(drv, NULL, 0, NULL) < 0);
}

int main(void)
{
    dt_setup();
    struct vk_qemu_driver *drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv) {
        fprintf(stderr, "open: %s\n", vk_error_last()->message);
        dt_teardown();
        return 1;
    }
    unsigned long long version = 0;
    CHECK_OK(vk_qemu_get_version(drv, &version));
    CHECK(version >= 2000000);

    test_define_start_stop(drv);
    test_transient_and_list(drv);
    test_autostart(drv);
    test_persistence_mix(drv);
    test_errors(drv);

    vk_qemu_driver_close(drv);
    dt_teardown();
    TEST_MAIN_END();
}
