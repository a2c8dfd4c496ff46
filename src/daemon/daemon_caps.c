/* CONNECT_GET_CAPABILITIES: a minimal but valid capabilities document:
 * the host (arch, security model) and one guest (hvm, x86_64) with the
 * machine types QEMU reports and the domain types we can run (qemu; kvm
 * only when /dev/kvm exists). Built once and cached: `-machine help` costs
 * a QEMU start. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/daemon_priv.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_exec.h"
#include "util/vk_log.h"

#define QEMU_BINARY "qemu-system-x86_64"

static const char *emulator_path(void)
{
    return access("/usr/bin/" QEMU_BINARY, X_OK) == 0 ? "/usr/bin/" QEMU_BINARY : QEMU_BINARY;
}

/* Lines like "pc    Standard PC (...) (alias of pc-i440fx-7.2)". With
 * want_default, only QEMU's "(default)" line, else all the others: clients
 * (virt-install) take the first machine listed as the default, so it goes
 * first, as libvirt lists it. */
static void add_machines(struct vk_buf *b, const char *help, bool want_default)
{
    const char *line = help;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *l = vk_strndup(line, len);
        line = end ? end + 1 : NULL;
        if (l[0] == '\0' || l[0] == ' ' || strncmp(l, "Supported machines", 18) == 0) {
            free(l);
            continue;
        }
        size_t nlen = strcspn(l, " \t");
        char *name = vk_strndup(l, nlen);
        char *canon = NULL;
        const char *alias = strstr(l, "(alias of ");
        if (alias) {
            alias += strlen("(alias of ");
            canon = vk_strndup(alias, strcspn(alias, ")"));
        }
        if (strcmp(name, "none") != 0 && (strstr(l, "(default)") != NULL) == want_default) {
            vk_buf_adds(b, "      <machine");
            if (canon) {
                vk_buf_adds(b, " canonical='");
                vk_buf_add_xml_escaped(b, canon);
                vk_buf_adds(b, "'");
            }
            vk_buf_adds(b, " maxCpus='255'>");
            vk_buf_add_xml_escaped(b, name);
            vk_buf_adds(b, "</machine>\n");
        }
        free(canon);
        free(name);
        free(l);
    }
}

static char *build_caps(void)
{
    struct utsname u;
    const char *arch = uname(&u) == 0 ? u.machine : "x86_64";
    char *help = NULL;
    char *argv[] = {(char *)emulator_path(), "-machine", "help", NULL};
    if (vk_run(argv, &help, NULL) != 0) {
        VK_WARN("cannot list QEMU machine types: %s", vk_error_last()->message);
        free(help);
        help = NULL;
    }

    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "<capabilities>\n\n  <host>\n    <cpu>\n      <arch>");
    vk_buf_add_xml_escaped(&b, arch);
    vk_buf_adds(&b, "</arch>\n    </cpu>\n"
                    "    <power_management/>\n"
                    "    <iommu support='no'/>\n"
                    "    <secmodel>\n      <model>none</model>\n      <doi>0</doi>\n"
                    "    </secmodel>\n  </host>\n\n");
    vk_buf_adds(&b, "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n"
                    "      <wordsize>64</wordsize>\n      <emulator>");
    vk_buf_add_xml_escaped(&b, emulator_path());
    vk_buf_adds(&b, "</emulator>\n");
    if (help) {
        add_machines(&b, help, true);
        add_machines(&b, help, false);
    }
    vk_buf_adds(&b, "      <domain type='qemu'/>\n");
    if (access("/dev/kvm", R_OK | W_OK) == 0)
        vk_buf_adds(&b, "      <domain type='kvm'/>\n");
    vk_buf_adds(&b, "    </arch>\n    <features>\n"
                    "      <acpi default='on' toggle='yes'/>\n"
                    "      <apic default='on' toggle='no'/>\n"
                    "      <cpuselection/>\n      <deviceboot/>\n"
                    "    </features>\n  </guest>\n\n</capabilities>\n");
    free(help);
    return vk_buf_steal(&b);
}

char *vk_daemon_capabilities(struct vk_daemon *d)
{
    pthread_mutex_lock(&d->caps_lock);
    if (!d->caps_xml)
        d->caps_xml = build_caps();
    char *copy = vk_strdup(d->caps_xml);
    pthread_mutex_unlock(&d->caps_lock);
    return copy;
}
