/* Golden argv files: every case's argv (one argument per line) or error
 * must equal data/<name>.argv or data/<name>.err. VK_REGENERATE=1 rewrites
 * them so intended changes are reviewed as diffs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv_cases.h"
#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"

static int failures, passes, skips, news;

static char *render(char **argv)
{
    struct vk_buf b = VK_BUF_INIT;
    for (char **p = argv; *p; p++) {
        vk_buf_adds(&b, *p);
        vk_buf_adds(&b, "\n");
    }
    return vk_buf_steal(&b);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* Compares got with the golden file ext, or rewrites it. */
static void check(const struct argv_case *c, const char *ext, const char *other_ext,
                  const char *got)
{
    vk_autofree char *path = vk_asprintf("%s.%s", c->golden_base, ext);
    vk_autofree char *other = vk_asprintf("%s.%s", c->golden_base, other_ext);
    if (getenv("VK_REGENERATE") && strcmp(getenv("VK_REGENERATE"), "1") == 0) {
        write_file(path, got);
        unlink(other);
        passes++;
        return;
    }
    vk_autofree char *want = argv_read_file(path);
    vk_autofree char *want_other = argv_read_file(other);
    if (!want && !want_other && c->corpus) {
        /* A corpus XML the parser newly accepts: reported, reviewed on regenerate. */
        printf("NEW %s: no golden yet (run with VK_REGENERATE=1)\n", c->name);
        news++;
        return;
    }
    if (!want) {
        fprintf(stderr, "FAIL %s: no golden %s (got:\n%s)\n", c->name, path, got);
        failures++;
        return;
    }
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "FAIL %s: differs from %s\n--- want\n%s--- got\n%s", c->name, path, want,
                got);
        failures++;
        return;
    }
    passes++;
}

int main(void)
{
    struct argv_case *cases;
    size_t n = argv_cases_list(&cases);
    struct vk_qemu_cmd_ctx ctx = argv_test_ctx();
    size_t own = 0;

    for (size_t i = 0; i < n; i++) {
        const struct argv_case *c = &cases[i];
        vk_autofree char *xml = argv_read_file(c->xml_path);
        if (!xml) {
            fprintf(stderr, "FAIL %s: cannot read %s\n", c->name, c->xml_path);
            failures++;
            continue;
        }
        own += !c->corpus;
        vk_error_reset();
        struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
        if (!def) {
            vk_autofree char *msg = vk_asprintf("parse: %s\n", vk_error_last()->message);
            if (c->corpus) {
                /* The XML parser decides what it supports; not ours to fail. */
                printf("SKIP %s: %s", c->name, msg);
                skips++;
            } else {
                check(c, "err", "argv", msg);
            }
            continue;
        }
        argv_case_stabilize(def, xml);
        char **argv = vk_qemu_build_argv(def, &ctx);
        if (!argv) {
            const struct vk_error *e = vk_error_last();
            vk_autofree char *msg = vk_asprintf("build: code %d: %s\n", e->code, e->message);
            if (e->code != VK_ERR_CONFIG_UNSUPPORTED) {
                fprintf(stderr, "FAIL %s: error is not CONFIG_UNSUPPORTED: %s", c->name, msg);
                failures++;
            }
            check(c, "err", "argv", msg);
        } else {
            vk_autofree char *got = render(argv);
            /* Pure function: a second build gives the same argv. */
            char **again = vk_qemu_build_argv(def, &ctx);
            vk_autofree char *got2 = again ? render(again) : NULL;
            if (!got2 || strcmp(got, got2) != 0) {
                fprintf(stderr, "FAIL %s: a second build differs\n", c->name);
                failures++;
            }
            vk_qemu_argv_free(again);
            check(c, "argv", "err", got);
            vk_qemu_argv_free(argv);
        }
        vk_domain_def_free(def);
    }
    if (own == 0) {
        fprintf(stderr, "FAIL: no own cases found in data dir\n");
        failures++;
    }
    argv_cases_free(cases, n);
    printf("%d passed, %d failed, %d skipped (corpus XML the parser rejects), %d new\n", passes,
           failures, skips, news);
    return failures ? 1 : 0;
}
