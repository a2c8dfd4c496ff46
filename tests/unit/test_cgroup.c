/* Feature "tune": the pure parts of the cgroup layer (mountinfo,
 * /proc/PID/cgroup, counters, escaping) and <memtune>/<cputune> XML. */
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/vk_cgroup.h"
#include "util/vk_error.h"
#include "vk_test.h"

/* A hybrid host: v1 controllers (cpu and cpuacct apart) plus an empty cgroup2. */
static const char hybrid[] =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
/* A systemd-style host: cpu,cpuacct joined. */
static const char joined[] =
    "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
    "26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n";
/* Pure v2, seen from a container whose mount root is its own group. */
static const char pure_v2[] =
    "22 1 0:5 / /proc rw - proc proc rw\n"
    "29 22 0:26 /kube/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

static void test_mountinfo(void)
{
    struct vk_cg_mounts m;
    vk_cgroup_parse_mountinfo(hybrid, &m);
    CHECK_STREQ(m.mnt[VK_CG_CPU], "/sys/fs/cgroup/cpu");
    CHECK_STREQ(m.mnt[VK_CG_CPUACCT], "/sys/fs/cgroup/cpuacct");
    CHECK_STREQ(m.mnt[VK_CG_MEMORY], "/sys/fs/cgroup/memory");
    CHECK_STREQ(m.v2_mnt, "/sys/fs/cgroup/unified");
    vk_cg_mounts_clear(&m);

    vk_cgroup_parse_mountinfo(joined, &m);
    CHECK_STREQ(m.mnt[VK_CG_CPU], "/sys/fs/cgroup/cpu,cpuacct");
    CHECK_STREQ(m.mnt[VK_CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(m.v2_mnt == NULL);
    vk_cg_mounts_clear(&m);

    vk_cgroup_parse_mountinfo(pure_v2, &m);
    CHECK(m.mnt[VK_CG_CPU] == NULL && m.mnt[VK_CG_MEMORY] == NULL);
    CHECK_STREQ(m.v2_mnt, "/sys/fs/cgroup");
    CHECK_STREQ(m.v2_root, "/kube/pod1");
    vk_cg_mounts_clear(&m);

    vk_cgroup_parse_mountinfo("garbage\n\n1 2 3\n", &m);
    CHECK(m.mnt[VK_CG_CPU] == NULL && m.v2_mnt == NULL);
    vk_cg_mounts_clear(&m);
}

static void test_proc(void)
{
    const char *t = "9:name=systemd:/\n4:memory:/process_api/a4\n2:cpuacct:/x/y\n"
                    "1:cpu,cpuacct:/joined\n0::/v2/path\n";
    char *s;
    CHECK_STREQ(s = vk_cgroup_parse_proc(t, "memory"), "/process_api/a4");
    free(s);
    CHECK_STREQ(s = vk_cgroup_parse_proc(t, "cpuacct"), "/x/y");
    free(s);
    CHECK_STREQ(s = vk_cgroup_parse_proc(t, "cpu"), "/joined");
    free(s);
    CHECK_STREQ(s = vk_cgroup_parse_proc(t, NULL), "/v2/path");
    free(s);
    CHECK(vk_cgroup_parse_proc(t, "pids") == NULL);
    CHECK(vk_cgroup_parse_proc("", NULL) == NULL);
    /* "systemd" is not "name=systemd" */
    CHECK(vk_cgroup_parse_proc(t, "systemd") == NULL);
}

static void test_resolve(void)
{
    char *s;
    CHECK_STREQ(s = vk_cgroup_resolve("/sys/fs/cgroup/cpu", "/", "/a/b"), "/sys/fs/cgroup/cpu/a/b");
    free(s);
    CHECK_STREQ(s = vk_cgroup_resolve("/sys/fs/cgroup/cpu", "/", "/"), "/sys/fs/cgroup/cpu");
    free(s);
    CHECK_STREQ(s = vk_cgroup_resolve("/sys/fs/cgroup", "/kube/pod1", "/kube/pod1/c"),
                "/sys/fs/cgroup/c");
    free(s);
    /* outside what the mount shows, or a prefix that is not a component */
    CHECK(vk_cgroup_resolve("/sys/fs/cgroup", "/kube/pod1", "/kube/pod2/c") == NULL);
    CHECK(vk_cgroup_resolve("/sys/fs/cgroup", "/kube/pod1", "/kube/pod10") == NULL);
    CHECK(vk_cgroup_resolve("/m", "/", "relative") == NULL);
}

static void test_counters(void)
{
    unsigned long long *v = NULL, x = 0;
    CHECK(vk_cgroup_parse_list("12 0 345 \n", &v) == 3);
    CHECK(v && v[0] == 12 && v[1] == 0 && v[2] == 345);
    free(v);
    CHECK(vk_cgroup_parse_list("", &v) == 0);
    free(v);
    CHECK(vk_cgroup_parse_list("1 x 2", &v) == -1 && v == NULL);
    CHECK(vk_cgroup_parse_list("1 -2", &v) == -1);

    const char *stat = "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\n";
    CHECK(vk_cgroup_parse_keyed(stat, "user_usec", &x) == 0 && x == 600);
    CHECK(vk_cgroup_parse_keyed(stat, "usage_usec", &x) == 0 && x == 1000);
    CHECK(vk_cgroup_parse_keyed(stat, "usage", &x) == -1);
    CHECK(vk_cgroup_parse_keyed("user 5\nsystem 7\n", "system", &x) == 0 && x == 7);

    long long q;
    unsigned long long p;
    CHECK(vk_cgroup_parse_cpu_max("max 100000\n", &q, &p) == 0 && q == -1 && p == 100000);
    CHECK(vk_cgroup_parse_cpu_max("50000 200000\n", &q, &p) == 0 && q == 50000 && p == 200000);
    CHECK(vk_cgroup_parse_cpu_max("max\n", &q, &p) == -1);
    CHECK(vk_cgroup_parse_cpu_max("-5 100\n", &q, &p) == -1);
}

static void test_escape(void)
{
    char *s;
    CHECK_STREQ(s = vk_cgroup_escape("web-1_a.b"), "web-1_a.b");
    free(s);
    CHECK_STREQ(s = vk_cgroup_escape("a b/c"), "a\\x20b\\x2fc");
    free(s);
    CHECK_STREQ(s = vk_cgroup_escape(".."), "\\x2e.");
    free(s);
    CHECK_STREQ(s = vk_cgroup_escape("\\"), "\\x5c");
    free(s);
}

static const char dom_head[] = "<domain type='qemu'><name>t</name><memory>65536</memory>"
                               "<os><type>hvm</type></os>";

static char *tune_xml(const char *inner)
{
    size_t n = strlen(dom_head) + strlen(inner) + 32;
    char *x = malloc(n);
    snprintf(x, n, "%s%s</domain>", dom_head, inner);
    return x;
}

static void test_conf(void)
{
    char *x = tune_xml("<memtune><hard_limit unit='MiB'>2048</hard_limit>"
                       "<swap_hard_limit unit='GiB'>4</swap_hard_limit>"
                       "<min_guarantee>100</min_guarantee></memtune>"
                       "<cputune><shares>512</shares><period>100000</period><quota>-1</quota>"
                       "<global_quota>50000</global_quota><emulator_period>20000</emulator_period>"
                       "</cputune>");
    struct vk_domain_def *def = vk_domain_def_parse(x, 0);
    free(x);
    CHECK(def != NULL);
    if (def) {
        CHECK(def->memtune.hard_limit_kib == 2097152);
        CHECK(def->memtune.swap_hard_limit_kib == 4194304);
        CHECK(!def->memtune.has_soft_limit && def->memtune.has_hard_limit);
        CHECK(def->cputune.shares == 512 && def->cputune.quota == -1);
        char *out = vk_domain_def_format(def, 0, -1);
        CHECK(out && strstr(out, "  <memtune>\n    <hard_limit unit='KiB'>2097152</hard_limit>\n"
                                 "    <min_guarantee unit='KiB'>100</min_guarantee>\n"
                                 "    <swap_hard_limit unit='KiB'>4194304</swap_hard_limit>\n"
                                 "  </memtune>\n"));
        CHECK(out && strstr(out, "<shares>512</shares>\n    <period>100000</period>\n"
                                 "    <quota>-1</quota>\n    <global_quota>50000</global_quota>\n"
                                 "    <emulator_period>20000</emulator_period>\n  </cputune>"));
        /* memtune comes after currentMemory, cputune after vcpu (libvirt's order) */
        CHECK(out && strstr(out, "</currentMemory>\n  <memtune>"));
        CHECK(out && strstr(out, "</vcpu>\n  <cputune>"));
        free(out);
        vk_domain_def_free(def);
    }
    /* unlimited is the same as absent */
    x = tune_xml("<memtune><hard_limit>9007199254740991</hard_limit></memtune>");
    def = vk_domain_def_parse(x, 0);
    free(x);
    CHECK(def && !def->memtune.has_hard_limit);
    vk_domain_def_free(def);

    static const struct {
        const char *xml, *msg;
    } bad[] = {
        {"<cputune><period>10</period></cputune>", "range [1000, 1000000]"},
        {"<cputune><quota>5</quota></cputune>", "quota"},
        {"<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>", "vcpupin"},
        {"<memtune><hard_limit>x</hard_limit></memtune>", "hard_limit"},
        {"<memtune><hard_limit>10</hard_limit><swap_hard_limit>5</swap_hard_limit></memtune>",
         "swap_hard_limit"},
        {"<memtune><bogus/></memtune>", "bogus"},
        {"<cputune><shares>1</shares><shares>2</shares></cputune>", "shares"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        x = tune_xml(bad[i].xml);
        def = vk_domain_def_parse(x, 0);
        free(x);
        CHECK(def == NULL);
        if (def) {
            fprintf(stderr, "accepted: %s\n", bad[i].xml);
            vk_domain_def_free(def);
        } else if (!strstr(vk_error_last()->message, bad[i].msg)) {
            fprintf(stderr, "error for %s: '%s' lacks '%s'\n", bad[i].xml,
                    vk_error_last()->message, bad[i].msg);
            vk_test_failures++;
        }
    }
}

int main(void)
{
    test_mountinfo();
    test_proc();
    test_resolve();
    test_counters();
    test_escape();
    test_conf();
    TEST_MAIN_END();
}
