/* Conformance over libvirt's domain XML corpus: every file either round-trips
 * (format(parse(x)) re-parses and formats identically) or is rejected as
 * unsupported, naming the element or attribute. The outcome per file is
 * compared with corpus-expected.txt so support never silently regresses;
 * VK_REGENERATE=1 rewrites that file (review the diff). Files that are
 * libvirt's own canonical output must come back byte-identical.
 *
 * usage: test_conf_corpus CORPUS_DIR EXPECTED_FILE */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_file.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct vk_buf b = VK_BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        vk_buf_add(&b, tmp, n);
    fclose(f);
    return vk_buf_steal(&b);
}

/* A short stable name for what was rejected, from the error message. */
static char *reject_name(const char *msg)
{
    const char *p;
    char a[256], e[256];
    if ((p = strstr(msg, "unsupported element <")) &&
        sscanf(p, "unsupported element <%255[^>]> in <%255[^>]>", a, e) == 2)
        return vk_asprintf("%s/%s", e, a);
    if ((p = strstr(msg, "unsupported attribute '")) &&
        sscanf(p, "unsupported attribute '%255[^']' of <%255[^>]>", a, e) == 2)
        return vk_asprintf("%s@%s", e, a);
    if ((p = strstr(msg, "unsupported address type '")) &&
        sscanf(p, "unsupported address type '%255[^']' in <%255[^>]>", a, e) == 2)
        return vk_asprintf("%s/address[type=%s]", e, a);
    if ((p = strstr(msg, "unsupported value '")) &&
        sscanf(p, "unsupported value '%255[^']' for <%255[^>]>", a, e) == 2)
        return vk_asprintf("%s=%s", e, a);
    if ((p = strstr(msg, "unsupported ")) &&
        sscanf(p, "unsupported %255s type '%255[^']'", e, a) == 2)
        return vk_asprintf("%s[type=%s]", e, a);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the first differing line of two texts. */
static void show_diff(const char *want, const char *got)
{
    int line = 1;
    while (*want && *want == *got) {
        if (*want == '\n')
            line++;
        want++, got++;
    }
    const char *we = strchr(want, '\n'), *ge = strchr(got, '\n');
    fprintf(stderr, "    first difference at line %d:\n      libvirt: %.*s\n      virtkit: %.*s\n",
            line, we ? (int)(we - want) : (int)strlen(want), want,
            ge ? (int)(ge - got) : (int)strlen(got), got);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR EXPECTED_FILE\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    vk_autofree char *domdir = vk_asprintf("%s/domain", dir);
    vk_autofree char *manifest_path = vk_asprintf("%s/MANIFEST.tsv", dir);
    vk_autofree char *manifest = slurp(manifest_path);
    vk_autofree char *expected = slurp(argv[2]);
    bool regen = getenv("VK_REGENERATE") != NULL;
    if (!manifest) {
        fprintf(stderr, "cannot read %s\n", manifest_path);
        return 1;
    }
    if (!expected && !regen) {
        fprintf(stderr, "cannot read %s (VK_REGENERATE=1 creates it)\n", argv[2]);
        return 1;
    }

    DIR *d = opendir(domdir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", domdir);
        return 1;
    }
    char **names = NULL;
    size_t nnames = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".xml"))
            *VK_APPEND(names, nnames) = vk_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nnames, sizeof(*names), cmp_str);

    struct vk_buf outcomes = VK_BUF_INIT;
    int failures = 0, roundtrip = 0, rejected = 0, canonical = 0, canonical_same = 0;
    for (size_t i = 0; i < nnames; i++) {
        vk_autofree char *path = vk_asprintf("%s/%s", domdir, names[i]);
        vk_autofree char *xml = slurp(path);
        vk_autofree char *outcome = NULL;
        if (!xml) {
            fprintf(stderr, "FAIL %s: cannot read\n", names[i]);
            failures++;
            continue;
        }
        vk_autofree char *key = vk_asprintf("domain/%s\t", names[i]);
        const char *mline = strstr(manifest, key);
        const char *mend = mline ? strchr(mline, '\n') : NULL;
        const char *canon =
            mline ? strstr(mline, "input taken from libvirt expected-output") : NULL;
        bool is_canonical = canon && (!mend || canon < mend);

        struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
        if (!def) {
            const struct vk_error *err = vk_error_last();
            vk_autofree char *name = reject_name(err->message);
            if (err->code != VK_ERR_CONFIG_UNSUPPORTED || !name) {
                fprintf(stderr,
                        "FAIL %s: rejected for a reason other than unsupported: "
                        "[code %d] %s\n",
                        names[i], err->code, err->message);
                failures++;
                outcome = vk_asprintf("error");
            } else {
                printf("rejected %s: %s\n", names[i], err->message);
                outcome = vk_asprintf("rejected:%s", name);
                rejected++;
            }
        } else {
            char *out1 = vk_domain_def_format(def, 0, -1);
            struct vk_domain_def *def2 = vk_domain_def_parse(out1, 0);
            char *out2 = def2 ? vk_domain_def_format(def2, 0, -1) : NULL;
            if (!def2) {
                fprintf(stderr, "FAIL %s: our own output does not parse: %s\n%s", names[i],
                        vk_error_last()->message, out1);
                failures++;
                outcome = vk_asprintf("error");
            } else if (strcmp(out1, out2)) {
                fprintf(stderr, "FAIL %s: format/parse is not a fixed point\n", names[i]);
                show_diff(out1, out2);
                failures++;
                outcome = vk_asprintf("error");
            } else {
                roundtrip++;
                outcome = vk_asprintf("roundtrip");
                if (is_canonical) {
                    canonical++;
                    if (!strcmp(xml, out1)) {
                        canonical_same++;
                    } else {
                        fprintf(stderr, "FAIL %s: differs from libvirt's canonical output\n",
                                names[i]);
                        show_diff(xml, out1);
                        failures++;
                    }
                }
            }
            free(out1);
            free(out2);
            vk_domain_def_free(def2);
            vk_domain_def_free(def);
        }
        vk_buf_addf(&outcomes, "%s\t%s\n", names[i], outcome);

        if (!regen) {
            vk_autofree char *want = vk_asprintf("%s\t%s\n", names[i], outcome);
            vk_autofree char *prefix = vk_asprintf("%s\t", names[i]);
            const char *line = strstr(expected, prefix);
            while (line && line != expected && line[-1] != '\n')
                line = strstr(line + 1, prefix);
            if (!line) {
                fprintf(stderr, "FAIL %s: not listed in the expected file (now %s)\n", names[i],
                        outcome);
                failures++;
            } else if (strncmp(line, want, strlen(want))) {
                const char *e = strchr(line, '\n');
                fprintf(stderr, "FAIL %s: expected '%.*s', got '%s'\n", names[i],
                        e ? (int)(e - line) : (int)strlen(line), line, outcome);
                failures++;
            }
        }
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);

    if (regen) {
        vk_buf_adds(&outcomes, "");
        FILE *f = fopen(argv[2], "w");
        if (!f ||
            fputs("# corpus file\toutcome (roundtrip | rejected:<what>); "
                  "regenerate with VK_REGENERATE=1\n",
                  f) < 0 ||
            fputs(outcomes.data ? outcomes.data : "", f) < 0 || fclose(f)) {
            fprintf(stderr, "cannot write %s\n", argv[2]);
            failures++;
        }
    }
    vk_buf_free(&outcomes);
    printf("corpus: %zu files, %d round-trip, %d rejected as unsupported, %d failures; "
           "libvirt canonical outputs identical: %d/%d\n",
           nnames, roundtrip, rejected, failures, canonical_same, canonical);
    return failures ? 1 : 0;
}
