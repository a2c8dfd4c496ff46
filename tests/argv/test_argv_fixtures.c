/* Against real libvirtd 9.0 + QEMU 7.2: tests/fixtures/virt-install holds
 * virt-install's XML, libvirt's normalized (defined) XML and the argv
 * libvirtd ran. For both XMLs our argv must equal libvirtd's, argument by
 * argument, after these documented normalizations:
 *  - environment assignments and the masterKey secret object are dropped
 *    (the driver's business / secrets we do not have);
 *  - -m: libvirt's "N" (MiB) equals our "size=Kk" when K = N * 1024;
 *  - fds: libvirt passes pre-opened fds (monitor, unix channels), we pass
 *    the monitor fd and channel paths: "fd=N" / "path=P" become "<endpoint>";
 *  - machine alias vs canonical name (pc/q35 vs pc-i440fx-7.2/pc-q35-7.2);
 *  - libvirt's "backing":null on qcow2 format nodes (it probed the image and
 *    found no backing file; we do not probe, QEMU follows the header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv_cases.h"
#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"

#define FIXDIR "/tests/fixtures/virt-install/"

/* libvirt's rendering (one option and its value per line) back into arguments. */
static size_t split_args(char *text, char ***out)
{
    char **v = NULL;
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        size_t len = strlen(line);
        if (len >= 2 && strcmp(line + len - 2, " \\") == 0)
            line[len -= 2] = '\0';
        /* "-opt value" share a line; the value may be single-quoted. */
        char *val = line[0] == '-' ? strchr(line, ' ') : NULL;
        if (val)
            *val++ = '\0';
        *(char **)VK_APPEND(v, n) = line;
        if (val) {
            size_t vl = strlen(val);
            if (vl >= 2 && val[0] == '\'' && val[vl - 1] == '\'') {
                val[vl - 1] = '\0';
                val++;
            }
            *(char **)VK_APPEND(v, n) = val;
        }
    }
    *out = v;
    return n;
}

static char *normalize(const char *prev, const char *arg)
{
    if (prev && strcmp(prev, "-m") == 0) {
        unsigned long long k;
        if (sscanf(arg, "size=%lluk", &k) == 1)
            return vk_asprintf("%llu", k / 1024);
        return vk_strdup(arg);
    }
    if (prev && strcmp(prev, "-machine") == 0) {
        const char *comma = strchr(arg, ',');
        size_t l = comma ? (size_t)(comma - arg) : strlen(arg);
        const char *type =
            strncmp(arg, "pc-q35-", 7) == 0 || (l == 3 && !strncmp(arg, "q35", 3)) ? "q35" : "pc";
        return vk_asprintf("%s%s", type, comma ? comma : "");
    }
    if (prev && strcmp(prev, "-chardev") == 0 && strncmp(arg, "socket,", 7) == 0) {
        struct vk_buf b = VK_BUF_INIT;
        const char *p = arg;
        while (*p) {
            size_t l = strcspn(p, ",");
            if (strncmp(p, "fd=", 3) == 0 || strncmp(p, "path=", 5) == 0)
                vk_buf_adds(&b, "<endpoint>");
            else
                vk_buf_add(&b, p, l);
            p += l;
            if (*p == ',') {
                vk_buf_adds(&b, ",");
                p++;
            }
        }
        return vk_buf_steal(&b);
    }
    if (prev && strcmp(prev, "-blockdev") == 0) {
        const char *bn = strstr(arg, ",\"backing\":null");
        if (bn)
            return vk_asprintf("%.*s%s", (int)(bn - arg), arg, bn + strlen(",\"backing\":null"));
    }
    return vk_strdup(arg);
}

/* Normalized argv as one text, one argument per line. */
static char *render(char **argv, size_t n)
{
    struct vk_buf b = VK_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *a = argv[i];
        if (i == 0 && strchr(a, '=') && a[0] != '/')
            continue;
        if (strchr(a, '=') && !strchr(a, ',') && a[0] >= 'A' && a[0] <= 'Z')
            continue; /* environment */
        if (strcmp(a, "-object") == 0 && i + 1 < n && strstr(argv[i + 1], "\"masterKey0\"")) {
            i++;
            continue;
        }
        char *x = normalize(i ? argv[i - 1] : NULL, a);
        vk_buf_adds(&b, x);
        vk_buf_adds(&b, "\n");
        free(x);
    }
    return vk_buf_steal(&b);
}

static int check(const char *root, const char *name, const char *xmlname)
{
    vk_autofree char *xp = vk_asprintf("%s" FIXDIR "%s", root, xmlname);
    vk_autofree char *ap = vk_asprintf("%s" FIXDIR "%s.qemu-argv.txt", root, name);
    vk_autofree char *xml = argv_read_file(xp);
    vk_autofree char *args = argv_read_file(ap);
    if (!xml || !args) {
        fprintf(stderr, "FAIL %s: cannot read %s or %s\n", xmlname, xp, ap);
        return 1;
    }
    struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
    if (!def) {
        fprintf(stderr, "FAIL %s: parse: %s\n", xmlname, vk_error_last()->message);
        return 1;
    }
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 29,
                                  .qemu_version = 7002000,
                                  .run_dir = "/run/virtkit/qemu/x",
                                  .vnc_port = 5900,
                                  .spice_port = 5900};
    char **ours = vk_qemu_build_argv(def, &ctx);
    vk_domain_def_free(def);
    if (!ours) {
        fprintf(stderr, "FAIL %s: build: %s\n", xmlname, vk_error_last()->message);
        return 1;
    }
    size_t nours = 0;
    while (ours[nours])
        nours++;
    char **theirs;
    size_t ntheirs = split_args(args, &theirs);
    vk_autofree char *a = render(theirs, ntheirs);
    vk_autofree char *b = render(ours, nours);
    free(theirs);
    vk_qemu_argv_free(ours);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "FAIL %s: differs from libvirtd's argv\n--- libvirtd\n%s--- ours\n%s",
                xmlname, a, b);
        return 1;
    }
    printf("ok   %s\n", xmlname);
    return 0;
}

int main(void)
{
    const char *root = getenv("VK_SOURCE_ROOT") ? getenv("VK_SOURCE_ROOT") : ".";
    static const char *const names[] = {"vi-basic", "vi-disk-vnc", "vi-q35-spice"};
    int failures = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        vk_autofree char *x1 = vk_asprintf("%s.xml", names[i]);
        vk_autofree char *x2 = vk_asprintf("%s.defined.xml", names[i]);
        failures += check(root, names[i], x1);
        failures += check(root, names[i], x2);
    }
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
