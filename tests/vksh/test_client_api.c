/* libvirtkit's API end to end against a real virtkitd (temporary root) and
 * real QEMU: connection calls, lookups and their error codes, lifecycle,
 * pipelined states (with one failing call inside the batch), a connection
 * shared by threads, domains outliving vk_connect_close, and a daemon that
 * dies under a connection. The daemon and any QEMU are killed on exit. */
#include <dirent.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/vk_exec.h"
#include "virtkit/virtkit.h"
#include "vk_test.h"

static char root[] = "/tmp/vksh-api.XXXXXX";
static pid_t daemon_pid = -1;
static char uri[512];

static void kill_guests(void)
{
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/run/qemu", root);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 7, ".status") != 0)
            continue;
        char path[1200];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        json_object *st = json_object_from_file(path), *pid = NULL, *mon = NULL;
        if (st && json_object_object_get_ex(st, "pid", &pid) &&
            json_object_object_get_ex(st, "monitor", &mon)) {
            /* Only if that pid is still this guest's QEMU (its -uuid). */
            const char *m = json_object_get_string(mon);
            const char *slash = strrchr(m, '/');
            char cmdpath[64], cmd[8192] = "";
            snprintf(cmdpath, sizeof(cmdpath), "/proc/%d/cmdline", json_object_get_int(pid));
            FILE *f = fopen(cmdpath, "r");
            if (f) {
                size_t len = fread(cmd, 1, sizeof(cmd) - 1, f);
                fclose(f);
                for (size_t i = 0; i < len; i++)
                    if (!cmd[i])
                        cmd[i] = ' ';
                cmd[len] = '\0';
                if (slash && strlen(slash) > 37) {
                    char uuid[37];
                    memcpy(uuid, slash + 1, 36);
                    uuid[36] = '\0';
                    if (strstr(cmd, uuid))
                        kill(json_object_get_int(pid), SIGKILL);
                }
            }
        }
        json_object_put(st);
    }
    closedir(d);
}

static void cleanup(void)
{
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGKILL);
        waitpid(daemon_pid, NULL, 0);
        daemon_pid = -1;
    }
    kill_guests();
    char *argv[] = {"rm", "-rf", root, NULL};
    vk_run(argv, NULL, NULL);
}

static void on_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int start_daemon(void)
{
    const char *bin = getenv("VIRTKITD");
    if (!bin || !mkdtemp(root))
        return -1;
    atexit(cleanup);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char *argv[] = {(char *)bin, "--root", root, NULL};
    struct vk_spawn_opts o = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = 2};
    if (vk_spawn(argv, &o, &daemon_pid) < 0)
        return -1;
    snprintf(uri, sizeof(uri), "qemu+unix:///system?socket=%s/run/virtkit-sock", root);
    /* Ready when a connection opens (the socket file alone may exist a
     * moment before the daemon listens on it). */
    for (int i = 0; i < 300; i++) {
        vk_connect *c = vk_connect_open(uri, 0);
        if (c) {
            vk_connect_close(c);
            return 0;
        }
        if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
            daemon_pid = -1;
            return -1;
        }
        usleep(100000);
    }
    return -1;
}

static char *domain_xml(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
             "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
             name);
    return buf;
}

static void test_connection(vk_connect *c)
{
    char *type = vk_connect_get_type(c);
    CHECK_STREQ(type, "QEMU");
    free(type);
    unsigned long long v = 0;
    CHECK(vk_connect_get_version(c, &v) == 0 && v >= 1000000);
    CHECK(vk_connect_get_lib_version(c, &v) == 0 && v > 0);
    char *host = vk_connect_get_hostname(c), me[256] = "";
    gethostname(me, sizeof(me));
    CHECK_STREQ(host, me);
    free(host);
    char *u = vk_connect_get_uri(c);
    CHECK(u && strncmp(u, "qemu:///system", 14) == 0);
    free(u);
}

static void test_inactive(vk_connect *c)
{
    vk_domain *d = vk_domain_define_xml(c, domain_xml("api1"), 0);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_STREQ(vk_domain_get_name(d), "api1");
    CHECK(vk_domain_get_id(d) == -1);
    char uuid[VK_UUID_STRING_BUFLEN];
    vk_domain_get_uuid_string(d, uuid);

    vk_domain *byname = vk_domain_lookup_by_name(c, "api1");
    vk_domain *byuuid = vk_domain_lookup_by_uuid_string(c, uuid);
    CHECK(byname && memcmp(vk_domain_get_uuid(byname), vk_domain_get_uuid(d), 16) == 0);
    CHECK(byuuid && strcmp(vk_domain_get_name(byuuid), "api1") == 0);
    vk_domain_free(byname);
    vk_domain_free(byuuid);

    CHECK(vk_domain_lookup_by_name(c, "nosuch") == NULL);
    CHECK(vk_last_error_code() == 42); /* VIR_ERR_NO_DOMAIN */
    CHECK(strstr(vk_last_error_message(), "nosuch") != NULL);
    CHECK(vk_domain_lookup_by_id(c, 4242) == NULL);
    CHECK(vk_last_error_code() == 42);
    CHECK(vk_domain_lookup_by_uuid_string(c, "not-a-uuid") == NULL);
    CHECK(vk_last_error_code() == 8);

    struct vk_domain_info info;
    CHECK(vk_domain_get_info(d, &info) == 0);
    CHECK(info.state == VK_DOMAIN_SHUTOFF && info.max_mem == 65536 && info.nr_virt_cpu == 1);
    int state = -1, reason = -1, autostart = -1;
    CHECK(vk_domain_get_state(d, &state, &reason, 0) == 0 && state == VK_DOMAIN_SHUTOFF);
    CHECK(vk_domain_is_active(d) == 0);
    CHECK(vk_domain_is_persistent(d) == 1);
    CHECK(vk_domain_get_autostart(d, &autostart) == 0 && autostart == 0);
    CHECK(vk_domain_has_managed_save_image(d, 0) == 0);
    char *os = vk_domain_get_os_type(d);
    CHECK_STREQ(os, "hvm");
    free(os);
    char **msgs = NULL;
    CHECK(vk_domain_get_messages(d, &msgs, 0) == 0 && msgs && msgs[0] == NULL);
    free(msgs);
    char *model = NULL, *doi = NULL;
    CHECK(vk_node_get_security_model(c, &model, &doi) == 0);
    CHECK_STREQ(model, "none");
    free(model);
    free(doi);
    char *xml = vk_domain_get_xml_desc(d, 0);
    CHECK(xml && strstr(xml, "<name>api1</name>") && strstr(xml, uuid));
    free(xml);

    /* Invalid operations carry the server's code. */
    CHECK(vk_domain_destroy(d, 0) == -1);
    CHECK(vk_last_error_code() == 55); /* VIR_ERR_OPERATION_INVALID */

    /* Running it: defined domain started paused, then destroyed. */
    CHECK(vk_domain_create(d, VK_DOMAIN_START_PAUSED) == 0);
    CHECK(vk_domain_get_id(d) > 0);
    CHECK(vk_domain_get_state(d, &state, &reason, 0) == 0 && state == VK_DOMAIN_PAUSED);
    vk_domain *byid = vk_domain_lookup_by_id(c, vk_domain_get_id(d));
    CHECK(byid && strcmp(vk_domain_get_name(byid), "api1") == 0);
    vk_domain_free(byid);
    vk_domain **list = NULL;
    int n = vk_connect_list_all_domains(c, &list, VK_LIST_DOMAINS_ACTIVE);
    CHECK(n == 1 && strcmp(vk_domain_get_name(list[0]), "api1") == 0);
    vk_domain_list_free(list, n);
    CHECK(vk_domain_resume(d) == 0);
    CHECK(vk_domain_get_state(d, &state, &reason, 0) == 0 && state == VK_DOMAIN_RUNNING);
    CHECK(vk_domain_suspend(d) == 0);
    CHECK(vk_domain_destroy(d, 0) == 0);
    CHECK(vk_domain_get_id(d) == -1);
    CHECK(vk_domain_is_active(d) == 0);
    CHECK(vk_domain_undefine(d, 0) == 0);
    CHECK(vk_domain_lookup_by_name(c, "api1") == NULL);
    vk_domain_free(d);
}

static void test_transient(vk_connect *c)
{
    vk_domain *d = vk_domain_create_xml(c, domain_xml("api-transient"), 0);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(vk_domain_get_id(d) > 0);
    CHECK(vk_domain_is_active(d) == 1);
    CHECK(vk_domain_is_persistent(d) == 0);
    CHECK(vk_domain_destroy(d, 0) == 0);
    CHECK(vk_domain_lookup_by_name(c, "api-transient") == NULL);
    vk_domain_free(d);
}

#define MANY 200

/* All states in one pipelined batch, with one domain undefined after the
 * listing: its slot fails alone, the others are right. */
static void test_pipelined_states(vk_connect *c)
{
    for (int i = 0; i < MANY; i++) {
        char name[32];
        snprintf(name, sizeof(name), "many-%03d", i);
        vk_domain *d = vk_domain_define_xml(c, domain_xml(name), 0);
        CHECK(d != NULL);
        vk_domain_free(d);
    }
    vk_domain **list = NULL;
    int n = vk_connect_list_all_domains(c, &list, 0);
    CHECK(n == MANY);
    if (n != MANY) {
        vk_domain_list_free(list, n < 0 ? 0 : n);
        return;
    }
    vk_domain *gone = vk_domain_lookup_by_name(c, vk_domain_get_name(list[MANY / 2]));
    CHECK(gone && vk_domain_undefine(gone, 0) == 0);
    vk_domain_free(gone);

    int states[MANY], reasons[MANY];
    CHECK(vk_domain_get_states(list, n, states, reasons, 0) == 0);
    int good = 0;
    for (int i = 0; i < n; i++)
        good += i == MANY / 2 ? states[i] == -1 : states[i] == VK_DOMAIN_SHUTOFF;
    CHECK(good == MANY);
    vk_domain_list_free(list, n);
}

struct worker {
    vk_connect *c;
    int ok;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof(name), "many-%03d", i);
        vk_domain *d = vk_domain_lookup_by_name(w->c, name);
        int state = -1;
        if (d && vk_domain_get_state(d, &state, NULL, 0) == 0 && state == VK_DOMAIN_SHUTOFF &&
            strcmp(vk_domain_get_name(d), name) == 0)
            w->ok++;
        vk_domain_free(d);
    }
    return NULL;
}

static void test_threads(vk_connect *c)
{
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){c, 0};
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].ok == 100);
    }
}

/* A domain keeps its connection open after vk_connect_close. */
static void test_refcount(void)
{
    vk_connect *c = vk_connect_open(uri, 0);
    CHECK(c != NULL);
    vk_domain *d = vk_domain_lookup_by_name(c, "many-001");
    CHECK(d != NULL);
    CHECK(vk_connect_close(c) == 1);
    int state = -1;
    CHECK(vk_domain_get_state(d, &state, NULL, 0) == 0 && state == VK_DOMAIN_SHUTOFF);
    vk_domain_free(d);
}

/* An idle connection outlives the server's keepalive window (5 PINGs 5 s
 * apart): the library answers PINGs between calls. */
static void test_idle_survives(vk_connect *c)
{
    sleep(35);
    char *type = vk_connect_get_type(c);
    if (!type)
        fprintf(stderr, "after idling: %s\n", vk_last_error_message());
    CHECK_STREQ(type, "QEMU");
    free(type);
}

/* The daemon dies: calls fail with an RPC error, no hang, no crash. */
static void test_daemon_death(vk_connect *c)
{
    kill(daemon_pid, SIGKILL);
    waitpid(daemon_pid, NULL, 0);
    daemon_pid = -1;
    CHECK(vk_connect_get_type(c) == NULL);
    CHECK(vk_last_error_code() == 39); /* VIR_ERR_RPC */
    CHECK(vk_connect_get_type(c) == NULL);
    CHECK(vk_connect_close(c) == 0);
}

int main(void)
{
    if (start_daemon() < 0) {
        fprintf(stderr, "cannot start virtkitd (VIRTKITD=%s)\n", getenv("VIRTKITD"));
        return 1;
    }
    vk_connect *c = vk_connect_open(uri, 0);
    if (!c) {
        fprintf(stderr, "vk_connect_open: %s\n", vk_last_error_message());
        return 1;
    }
    test_connection(c);
    test_inactive(c);
    test_transient(c);
    test_pipelined_states(c);
    test_threads(c);
    test_refcount();
    test_idle_survives(c);
    test_daemon_death(c);
    TEST_MAIN_END();
}
