/* Escaping: a domain name and paths with commas, quotes and spaces reach
 * QEMU intact: QemuOpts values have commas doubled, JSON values are JSON
 * strings (checked by parsing them back). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command.h"
#include "../unit/vk_test.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

static const char *after(char **argv, const char *opt, const char *prefix)
{
    for (char **p = argv; *p && p[1]; p++)
        if (strcmp(*p, opt) == 0 && strncmp(p[1], prefix, strlen(prefix)) == 0)
            return p[1];
    return NULL;
}

/* The JSON argument of opt whose key equals value, parsed; NULL if none. */
static struct json_object *json_after(char **argv, const char *opt, const char *key,
                                      const char *value)
{
    for (char **p = argv; *p && p[1]; p++) {
        if (strcmp(*p, opt) != 0 || p[1][0] != '{')
            continue;
        struct json_object *o = json_tokener_parse(p[1]);
        struct json_object *v;
        if (o && json_object_object_get_ex(o, key, &v) &&
            strcmp(json_object_get_string(v), value) == 0)
            return o;
        json_object_put(o);
    }
    return NULL;
}

int main(void)
{
    const char *name = "we,ird \"name\" 'x'";
    const char *disk = "/tmp/a dir,with \"quotes\"/disk,1.img";
    const char *log = "/tmp/log dir,x/serial \"0\".log";
    struct vk_disk_def d = {
        .type = VK_DISK_FILE,
        .device = VK_DISK_DEV_DISK,
        .format = (char *)"raw",
        .source = (char *)disk,
        .target_dev = (char *)"vda",
        .bus = VK_BUS_VIRTIO,
        .info = {.addr = {.type = VK_ADDR_NONE}},
    };
    struct vk_chr_def serial = {
        .type = VK_CHR_FILE,
        .path = (char *)log,
        .target_port = -1,
        .info = {.addr = {.type = VK_ADDR_NONE}},
    };
    struct vk_domain_def def = {
        .virt_type = VK_VIRT_QEMU,
        .name = (char *)name,
        .memory_kib = 65536,
        .vcpus = 1,
        .os = {.type = (char *)"hvm",
               .machine = (char *)"pc",
               .bootmenu_timeout = -1,
               .reboot_timeout = -1},
        .disks = &d,
        .ndisks = 1,
        .serials = &serial,
        .nserials = 1,
        .memballoon = {.present = true, .model = (char *)"none"},
    };
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 3};

    char **argv = vk_qemu_build_argv(&def, &ctx);
    CHECK(argv != NULL);
    if (!argv) {
        fprintf(stderr, "%s\n", vk_error_last()->message);
        return 1;
    }
    CHECK_STREQ(after(argv, "-name", "guest="), "guest=we,,ird \"name\" 'x',debug-threads=on");
    CHECK_STREQ(after(argv, "-chardev", "file,"),
                "file,id=charserial0,path=/tmp/log dir,,x/serial \"0\".log");
    struct json_object *o = json_after(argv, "-blockdev", "node-name", "libvirt-1-storage");
    CHECK(o != NULL);
    struct json_object *fn;
    CHECK(o && json_object_object_get_ex(o, "filename", &fn) &&
          strcmp(json_object_get_string(fn), disk) == 0);
    json_object_put(o);
    vk_qemu_argv_free(argv);

    /* A comma in the machine type or CPU model cannot inject options. */
    def.os.machine = (char *)"pc,accel=kvm";
    argv = vk_qemu_build_argv(&def, &ctx);
    CHECK(argv == NULL || after(argv, "-machine", "pc,,accel=kvm,") != NULL);
    vk_qemu_argv_free(argv);
    def.os.machine = (char *)"pc";
    def.cpu.model = (char *)"qemu64,+vmx";
    argv = vk_qemu_build_argv(&def, &ctx);
    CHECK(argv && after(argv, "-cpu", "qemu64,,+vmx") != NULL);
    vk_qemu_argv_free(argv);
    def.cpu.model = NULL;

    /* Errors name what cannot be expressed. */
    struct vk_net_def net = {.type = VK_NET_NETWORK, .source = (char *)"default"};
    def.nets = &net;
    def.nnets = 1;
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(vk_error_last()->code == VK_ERR_CONFIG_UNSUPPORTED);
    CHECK(strstr(vk_error_last()->message, "interface type 'network'") != NULL);
    def.nnets = 0;
    def.cpu.mode = VK_CPU_HOST_PASSTHROUGH;
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(strstr(vk_error_last()->message, "host-passthrough") != NULL);
    def.virt_type = VK_VIRT_KVM;
    argv = vk_qemu_build_argv(&def, &ctx);
    CHECK(argv && after(argv, "-cpu", "host,migratable=on") && after(argv, "-accel", "kvm"));
    vk_qemu_argv_free(argv);
    TEST_MAIN_END();
}
