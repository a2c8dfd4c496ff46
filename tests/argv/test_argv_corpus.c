/* Against libvirt's own expected argv (corpus <name>.args): for every
 * corpus case we build, each -device libvirt emits must appear in ours with
 * the same id, driver, bus and PCI/USB address, and we must add no device
 * libvirt lacks; the -machine line must match both libvirt's "latest" argv
 * (built for a new QEMU) and its QEMU 7.2 argv where the corpus has one.
 * Known, documented differences are listed below. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv_cases.h"
#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static const char *const props[] = {"driver",  "bus",    "addr", "port",      "unit", "scsi-id",
                                    "chardev", "netdev", "mac",  "bootindex", "nr"};

static const char *get(struct json_object *o, const char *k)
{
    struct json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

/* The -device JSON objects of a libvirt .args text (quoted '...'). */
static size_t libvirt_devices(const char *args, struct json_object ***out)
{
    size_t n = 0;
    struct json_object **devs = NULL;
    for (const char *p = args; (p = strstr(p, "-device '{")); p++) {
        const char *start = p + 9, *end = strchr(start, '\'');
        if (!end)
            break;
        char *js = vk_strndup(start, (size_t)(end - start));
        struct json_object *o = json_tokener_parse(js);
        free(js);
        if (o)
            *(struct json_object **)VK_APPEND(devs, n) = o;
    }
    *out = devs;
    return n;
}

/* The value after opt in a libvirt .args text ("opt value \\" lines). */
static char *args_value(const char *args, const char *opt)
{
    vk_autofree char *pat = vk_asprintf("\n%s ", opt);
    const char *p = strstr(args, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    return vk_strndup(p, strcspn(p, " \n"));
}

static const char *our_value(char **argv, const char *opt)
{
    for (char **p = argv; *p && p[1]; p++)
        if (strcmp(*p, opt) == 0)
            return p[1];
    return NULL;
}

static bool has_arg(char **argv, const char *a)
{
    for (char **p = argv; *p; p++)
        if (strcmp(*p, a) == 0)
            return true;
    return false;
}

/* The -machine line (and -no-hpet/-no-acpi) for a QEMU version equals
 * libvirt's .args for that version; machine names compared as families. */
static int compare_machine(const char *name, const char *args, char **argv, bool v72)
{
    vk_autofree char *want = args_value(args, "-machine");
    const char *got = our_value(argv, "-machine");
    int failures = 0;
    if (!want || !got)
        return 0;
    const char *wc = strchr(want, ','), *gc = strchr(got, ',');
    if (!wc || !gc || strcmp(wc, gc) != 0) {
        fprintf(stderr, "FAIL %s (%s): -machine libvirt %s, ours %s\n", name,
                v72 ? "7.2" : "latest", want, got);
        failures++;
    }
    if (v72) {
        static const char *const opts[] = {"-no-hpet", "-no-acpi"};
        for (int i = 0; i < 2; i++) {
            bool lv = strstr(args, opts[i]) != NULL;
            if (lv != has_arg(argv, opts[i])) {
                fprintf(stderr, "FAIL %s (7.2): %s libvirt %d, ours %d\n", name, opts[i], lv,
                        has_arg(argv, opts[i]));
                failures++;
            }
        }
    }
    return failures;
}

static struct json_object *find_id(char **argv, const char *id, const char *driver)
{
    for (char **p = argv; *p && p[1]; p++) {
        if (strcmp(*p, "-device") != 0)
            continue;
        struct json_object *o = json_tokener_parse(p[1]);
        const char *oid = o ? get(o, "id") : NULL;
        if (o && ((id && oid && strcmp(oid, id) == 0) ||
                  (!id && !oid && strcmp(get(o, "driver"), driver) == 0)))
            return o;
        json_object_put(o);
    }
    return NULL;
}

/* Devices libvirt adds from capabilities or other subsystems we do not
 * model: TPM and panic (not in our config), implicit itco. */
static bool known_extra(const char *driver)
{
    return strcmp(driver, "tpm-tis") == 0 || strcmp(driver, "pvpanic") == 0;
}

int main(void)
{
    struct argv_case *cases;
    size_t n = argv_cases_list(&cases);
    struct vk_qemu_cmd_ctx ctx = argv_test_ctx();
    int compared = 0, failures = 0, machines72 = 0;
    for (size_t i = 0; i < n; i++) {
        const struct argv_case *c = &cases[i];
        if (!c->corpus)
            continue;
        vk_autofree char *args_path = vk_strdup(c->xml_path);
        strcpy(args_path + strlen(args_path) - 4, ".arg");
        vk_autofree char *args_file = vk_asprintf("%ss", args_path);
        vk_autofree char *args = argv_read_file(args_file);
        vk_autofree char *xml = argv_read_file(c->xml_path);
        if (!args || !xml)
            continue;
        struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
        if (!def)
            continue;
        argv_case_stabilize(def, xml);
        char **argv = vk_qemu_build_argv(def, &ctx);
        struct vk_qemu_cmd_ctx latest = ctx;
        latest.qemu_version = 10000000;
        char **argv_latest = vk_qemu_build_argv(def, &latest);
        vk_domain_def_free(def);
        if (!argv || !argv_latest) {
            vk_qemu_argv_free(argv);
            vk_qemu_argv_free(argv_latest);
            continue;
        }
        compared++;
        failures += compare_machine(c->name, args, argv_latest, false);
        vk_qemu_argv_free(argv_latest);
        vk_autofree char *base = vk_strndup(c->xml_path, strlen(c->xml_path) - 4);
        vk_autofree char *path72 = vk_asprintf("%s.x86_64-7.2.0.args", base);
        vk_autofree char *args72 = argv_read_file(path72);
        if (args72) {
            failures += compare_machine(c->name, args72, argv, true);
            machines72++;
        }
        struct json_object **devs;
        size_t nd = libvirt_devices(args, &devs);
        size_t ours = 0;
        for (char **p = argv; *p; p++)
            ours += strcmp(*p, "-device") == 0;
        size_t matched = 0;
        for (size_t k = 0; k < nd; k++) {
            const char *driver = get(devs[k], "driver"), *id = get(devs[k], "id");
            if (known_extra(driver))
                continue;
            struct json_object *o = find_id(argv, id, driver);
            if (!o) {
                fprintf(stderr, "FAIL %s: libvirt has -device %s (id %s), we do not\n", c->name,
                        driver, id ? id : "-");
                failures++;
                continue;
            }
            matched++;
            for (size_t j = 0; j < sizeof(props) / sizeof(props[0]); j++) {
                const char *a = get(devs[k], props[j]), *b = get(o, props[j]);
                if ((a || b) && (!a || !b || strcmp(a, b) != 0)) {
                    fprintf(stderr, "FAIL %s: %s %s: libvirt %s, ours %s\n", c->name,
                            id ? id : driver, props[j], a ? a : "(none)", b ? b : "(none)");
                    failures++;
                }
            }
            json_object_put(o);
        }
        if (ours != matched) {
            fprintf(stderr, "FAIL %s: we emit %zu -device, libvirt's matching ones are %zu\n",
                    c->name, ours, matched);
            failures++;
        }
        for (size_t k = 0; k < nd; k++)
            json_object_put(devs[k]);
        free(devs);
        vk_qemu_argv_free(argv);
    }
    argv_cases_free(cases, n);
    if (machines72 < 1) {
        fprintf(stderr, "FAIL: only %d QEMU 7.2 argv files compared\n", machines72);
        failures++;
    }
    if (compared < 10) {
        fprintf(stderr, "FAIL: only %d corpus cases compared\n", compared);
        failures++;
    }
    printf("%d corpus cases compared, %d differences\n", compared, failures);
    return failures ? 1 : 0;
}
