#include "argv_cases.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/vk_alloc.h"

static int cmp_case(const void *a, const void *b)
{
    return strcmp(((const struct argv_case *)a)->name, ((const struct argv_case *)b)->name);
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Appends one case per *.xml in dir. */
static void scan(const char *dir, const char *prefix, bool corpus, struct argv_case **cases,
                 size_t *n)
{
    const char *data = env_or("VK_ARGV_DATA", "tests/argv/data");
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    size_t first = *n;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        struct argv_case *c = VK_APPEND(*cases, *n);
        c->name = vk_asprintf("%s%.*s", prefix, (int)(len - 4), e->d_name);
        c->xml_path = vk_asprintf("%s/%s", dir, e->d_name);
        c->golden_base = vk_asprintf("%s/%s", data, c->name);
        c->corpus = corpus;
    }
    closedir(d);
    qsort(*cases + first, *n - first, sizeof(**cases), cmp_case);
}

size_t argv_cases_list(struct argv_case **out)
{
    struct argv_case *cases = NULL;
    size_t n = 0;
    scan(env_or("VK_ARGV_DATA", "tests/argv/data"), "", false, &cases, &n);
    scan(env_or("VK_CORPUS", "/work/shared/corpus/domain"), "corpus-", true, &cases, &n);
    *out = cases;
    return n;
}

void argv_cases_free(struct argv_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cases[i].name);
        free(cases[i].xml_path);
        free(cases[i].golden_base);
    }
    free(cases);
}

char *argv_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, r;
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = vk_realloc(buf, cap);
        }
        r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
    } while (r > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

struct vk_qemu_cmd_ctx argv_test_ctx(void)
{
    /* Tap fds the driver would have opened (feature "net"), by interface. */
    static const int net_fds[] = {2800, 2801, 2802, 2803};
    struct vk_qemu_cmd_ctx ctx = {
        .net_fds = net_fds,
        .nnet_fds = sizeof(net_fds) / sizeof(net_fds[0]),
        .monitor_fd = 1729,
        .qemu_version = 7002000,
        .run_dir = "/run/virtkit/qemu/test",
        .vnc_port = 5900,
        .spice_port = 5901,
        .now = 1700000000,
    };
    return ctx;
}

void argv_case_stabilize(struct vk_domain_def *def, const char *xml)
{
    if (!strstr(xml, "<uuid>"))
        for (int i = 0; i < VK_UUID_LEN; i++)
            def->uuid[i] = (uint8_t)(0x11 * (i % 16));
    for (size_t i = 0; i < def->nnets; i++)
        if (!def->nets[i].mac_given) {
            static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x00};
            memcpy(def->nets[i].mac, mac, 6);
            def->nets[i].mac[5] = (uint8_t)i;
        }
}
