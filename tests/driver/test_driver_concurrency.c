/* Many workers on the driver at once, as the daemon's pool does: starts,
 * destroys, suspends, external kills and queries on two domains interleave.
 * Every call must succeed or fail with a state error (never hang, crash or
 * leave state behind), and the end state must be consistent. */
#include "driver_test.h"

#define UA "d1b2c3d4-0000-4000-8000-0000000000a1"
#define UB "d1b2c3d4-0000-4000-8000-0000000000b2"
#define ROUNDS 6

static struct vk_qemu_driver *drv;
static uint8_t ua[VK_UUID_LEN], ub[VK_UUID_LEN];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop_queries, lifecycles_done;

/* An error is fine when it is about state (not running, already running,
 * QEMU went away mid-command); anything else is a failure. */
static void allow_state_error(int r, const char *what)
{
    if (r >= 0)
        return;
    int code = vk_error_last()->code;
    if (code == VK_ERR_OPERATION_INVALID || code == VK_ERR_OPERATION_FAILED)
        return;
    pthread_mutex_lock(&fail_lock);
    fprintf(stderr, "%s: unexpected error %d: %s\n", what, code, vk_error_last()->message);
    vk_test_failures++;
    pthread_mutex_unlock(&fail_lock);
}

static void *lifecycle(void *opaque)
{
    const uint8_t *u = opaque;
    for (int i = 0; i < ROUNDS; i++) {
        allow_state_error(vk_qemu_domain_create(drv, u, 0, NULL), "create");
        allow_state_error(vk_qemu_domain_suspend(drv, u), "suspend");
        allow_state_error(vk_qemu_domain_resume(drv, u), "resume");
        allow_state_error(vk_qemu_domain_destroy(drv, u, 0), "destroy");
    }
    return NULL;
}

static void *meddler(void *opaque)
{
    const uint8_t *u = opaque;
    while (!__atomic_load_n(&lifecycles_done, __ATOMIC_SEQ_CST)) {
        allow_state_error(vk_qemu_domain_suspend(drv, u), "suspend");
        allow_state_error(vk_qemu_domain_resume(drv, u), "resume");
        allow_state_error(vk_qemu_domain_reboot(drv, u, 0), "reboot");
        usleep(20000);
    }
    return NULL;
}

/* Kills the QEMUs from outside now and then (takes no driver lock). */
static void *killer(void *opaque)
{
    for (int i = 0; !__atomic_load_n(&lifecycles_done, __ATOMIC_SEQ_CST); i++) {
        if (i % 7 == 3)
            dt_kill_qemu("conc-a"); /* may not be running: fine */
        if (i % 11 == 5)
            dt_kill_qemu("conc-b");
        usleep(30000);
    }
    return NULL;
}

static void *queries(void *opaque)
{
    while (!__atomic_load_n(&stop_queries, __ATOMIC_SEQ_CST)) {
        struct vk_dom_ref *refs = NULL;
        int *states = NULL;
        size_t n = 0;
        if (vk_qemu_list_domains(drv, 0, &refs, &states, &n) == 0) {
            for (size_t i = 0; i < n; i++) {
                char *xml = vk_qemu_domain_get_xml(drv, refs[i].uuid, 0);
                if (!xml) {
                    pthread_mutex_lock(&fail_lock);
                    fprintf(stderr, "get_xml: %s\n", vk_error_last()->message);
                    vk_test_failures++;
                    pthread_mutex_unlock(&fail_lock);
                }
                free(xml);
                struct vk_dom_info info;
                if (vk_qemu_domain_get_info(drv, refs[i].uuid, &info) < 0 ||
                    info.max_mem_kib != 65536) {
                    pthread_mutex_lock(&fail_lock);
                    fprintf(stderr, "get_info failed or wrong\n");
                    vk_test_failures++;
                    pthread_mutex_unlock(&fail_lock);
                }
                if (refs[i].id >= 0) {
                    struct vk_dom_ref r = {0};
                    /* It may stop between list and lookup: NO_DOMAIN is fine. */
                    if (vk_qemu_domain_lookup_by_id(drv, refs[i].id, &r) == 0 &&
                        strcmp(r.name, refs[i].name)) {
                        pthread_mutex_lock(&fail_lock);
                        fprintf(stderr, "id %d names %s, not %s\n", refs[i].id, r.name,
                                refs[i].name);
                        vk_test_failures++;
                        pthread_mutex_unlock(&fail_lock);
                    }
                    vk_dom_ref_clear(&r);
                }
            }
            vk_dom_refs_free(refs, n);
            free(states);
        }
        usleep(5000);
    }
    return NULL;
}

int main(void)
{
    dt_setup();
    vk_uuid_parse(UA, ua);
    vk_uuid_parse(UB, ub);
    drv = vk_qemu_driver_open(&dt_paths, dt_loop);
    CHECK(drv != NULL);
    if (!drv)
        goto out;
    char *xa = dt_xml("conc-a", UA, NULL, NULL), *xb = dt_xml("conc-b", UB, NULL, NULL);
    CHECK_OK(vk_qemu_domain_define(drv, xa, 0, NULL));
    CHECK_OK(vk_qemu_domain_define(drv, xb, 0, NULL));
    free(xa);
    free(xb);

    pthread_t t[6];
    pthread_create(&t[0], NULL, lifecycle, ua);
    pthread_create(&t[1], NULL, lifecycle, ub);
    pthread_create(&t[2], NULL, meddler, ua);
    pthread_create(&t[3], NULL, meddler, ub);
    pthread_create(&t[4], NULL, queries, NULL);
    pthread_create(&t[5], NULL, killer, NULL);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    __atomic_store_n(&lifecycles_done, 1, __ATOMIC_SEQ_CST);
    pthread_join(t[2], NULL);
    pthread_join(t[3], NULL);
    pthread_join(t[5], NULL);
    __atomic_store_n(&stop_queries, 1, __ATOMIC_SEQ_CST);
    pthread_join(t[4], NULL);

    /* Every round ended in destroy (or a kill): both are shut off, clean. */
    int st = -1;
    CHECK(dt_wait_state(drv, ua, VK_DOM_SHUTOFF, NULL) == VK_DOM_SHUTOFF);
    CHECK(dt_wait_state(drv, ub, VK_DOM_SHUTOFF, NULL) == VK_DOM_SHUTOFF);
    CHECK(!dt_status_exists("conc-a") && !dt_status_exists("conc-b"));
    /* And still usable. */
    CHECK_OK(vk_qemu_domain_create(drv, ua, 0, NULL));
    dt_pid_of("conc-a");
    CHECK_OK(vk_qemu_domain_get_state(drv, ua, &st, NULL));
    CHECK(st == VK_DOM_RUNNING);
    CHECK_OK(vk_qemu_domain_destroy(drv, ua, 0));
    vk_qemu_driver_close(drv);
out:
    dt_teardown();
    TEST_MAIN_END();
}
