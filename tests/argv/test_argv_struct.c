/* Defs built in C for what the XML parser cannot express (yet): USB2
 * EHCI + UHCI companions sharing one slot, and rejections of values no XML
 * would produce. */
#include <json-c/json.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "qemu/qemu_command.h"
#include "../unit/vk_test.h"
#include "util/vk_error.h"

static struct json_object *device(char **argv, const char *driver)
{
    for (char **p = argv; *p && p[1]; p++) {
        if (strcmp(*p, "-device") != 0)
            continue;
        struct json_object *o = json_tokener_parse(p[1]), *v;
        if (o && json_object_object_get_ex(o, "driver", &v) &&
            strcmp(json_object_get_string(v), driver) == 0)
            return o;
        json_object_put(o);
    }
    return NULL;
}

static const char *prop(struct json_object *o, const char *k)
{
    struct json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "(none)";
}

#define NOADDR                                                                                     \
    {                                                                                              \
        .addr = {.type = VK_ADDR_NONE }                                                            \
    }

int main(void)
{
    struct vk_controller_def usb[4] = {
        {.type = "usb",
         .index = 0,
         .model = "ich9-ehci1",
         .ports = -1,
         .vectors = -1,
         .target_chassis = -1,
         .target_port = -1,
         .master_startport = -1,
         .info = NOADDR},
        {.type = "usb",
         .index = 0,
         .model = "ich9-uhci1",
         .ports = -1,
         .vectors = -1,
         .target_chassis = -1,
         .target_port = -1,
         .master_startport = 0,
         .info = NOADDR},
        {.type = "usb",
         .index = 0,
         .model = "ich9-uhci2",
         .ports = -1,
         .vectors = -1,
         .target_chassis = -1,
         .target_port = -1,
         .master_startport = 2,
         .info = NOADDR},
        {.type = "usb",
         .index = 0,
         .model = "ich9-uhci3",
         .ports = -1,
         .vectors = -1,
         .target_chassis = -1,
         .target_port = -1,
         .master_startport = 4,
         .info = NOADDR},
    };
    /* A runtime alias (from a live status def) is not a user alias. */
    usb[0].info.alias = "usb";
    struct vk_input_def tablet = {.type = "tablet", .bus = "usb", .info = NOADDR};
    struct vk_domain_def def = {
        .virt_type = VK_VIRT_QEMU,
        .name = "usb2",
        .memory_kib = 65536,
        .vcpus = 1,
        .os = {.machine = "pc", .bootmenu_timeout = -1, .reboot_timeout = -1},
        .controllers = usb,
        .ncontrollers = 4,
        .inputs = &tablet,
        .ninputs = 1,
        .memballoon = {.present = true, .model = "none"},
    };
    struct vk_qemu_cmd_ctx ctx = {.monitor_fd = 3};
    char **argv = vk_qemu_build_argv(&def, &ctx);
    CHECK(argv != NULL);
    if (!argv) {
        fprintf(stderr, "%s\n", vk_error_last()->message);
        return 1;
    }
    struct json_object *ehci = device(argv, "ich9-usb-ehci1");
    struct json_object *u1 = device(argv, "ich9-usb-uhci1");
    struct json_object *u2 = device(argv, "ich9-usb-uhci2");
    struct json_object *u3 = device(argv, "ich9-usb-uhci3");
    /* One slot: EHCI at function 7, companions at 0..2, function 0 multifunction. */
    CHECK_STREQ(prop(ehci, "addr"), "0x2.0x7");
    CHECK_STREQ(prop(ehci, "id"), "usb");
    CHECK_STREQ(prop(u1, "addr"), "0x2");
    CHECK_STREQ(prop(u1, "multifunction"), "true");
    CHECK_STREQ(prop(u2, "addr"), "0x2.0x1");
    CHECK_STREQ(prop(u3, "addr"), "0x2.0x2");
    CHECK_STREQ(prop(u2, "masterbus"), "usb.0");
    CHECK_STREQ(prop(u3, "firstport"), "4");
    CHECK_STREQ(prop(u1, "id"), "(none)");
    struct json_object *t = device(argv, "usb-tablet");
    CHECK_STREQ(prop(t, "bus"), "usb.0");
    CHECK_STREQ(prop(t, "port"), "1");
    json_object_put(ehci), json_object_put(u1), json_object_put(u2), json_object_put(u3);
    json_object_put(t);
    vk_qemu_argv_free(argv);

    /* libvirt's x86_64-q35-default-models (whose XML also has a TPM we do
     * not model): conventional devices on an added pcie-pci-bridge. */
    {
        struct vk_controller_def ctls[2] = {
            {.type = "usb",
             .index = 0,
             .ports = -1,
             .vectors = -1,
             .target_chassis = -1,
             .target_port = -1,
             .master_startport = -1,
             .info = NOADDR},
            {.type = "scsi",
             .index = 0,
             .ports = -1,
             .vectors = -1,
             .target_chassis = -1,
             .target_port = -1,
             .master_startport = -1,
             .info = NOADDR},
        };
        struct vk_net_def net = {.type = VK_NET_USER, .mac_given = true, .info = NOADDR};
        struct vk_chr_def ser = {.type = VK_CHR_PTY, .target_port = -1, .info = NOADDR};
        struct vk_video_def vid = {.info = NOADDR};
        struct vk_domain_def q = {
            .virt_type = VK_VIRT_QEMU,
            .name = "guest",
            .memory_kib = 4194304,
            .vcpus = 4,
            .os = {.machine = "q35", .bootmenu_timeout = -1, .reboot_timeout = -1},
            .controllers = ctls,
            .ncontrollers = 2,
            .nets = &net,
            .nnets = 1,
            .serials = &ser,
            .nserials = 1,
            .videos = &vid,
            .nvideos = 1,
            .memballoon = {.present = true, .model = "none"},
        };
        char **qa = vk_qemu_build_argv(&q, &ctx);
        CHECK(qa != NULL);
        static const char *const want[][4] = {
            /* driver, id, bus, addr: as in libvirt's .args */
            {"pcie-root-port", "pci.1", "pcie.0", "0x2"},
            {"pcie-pci-bridge", "pci.2", "pci.1", "0x0"},
            {"pcie-root-port", "pci.3", "pcie.0", "0x2.0x1"},
            {"piix3-usb-uhci", "usb", "pci.2", "0x2"},
            {"lsi", "scsi0", "pci.2", "0x3"},
            {"rtl8139", "net0", "pci.2", "0x1"},
            {"cirrus-vga", "video0", "pcie.0", "0x1"},
        };
        for (size_t k = 0; qa && k < sizeof(want) / sizeof(want[0]); k++) {
            struct json_object *o = device(qa, want[k][0]);
            if (!strcmp(want[k][0], "pcie-root-port") && !strcmp(want[k][1], "pci.3")) {
                /* the second root port: find it by id */
                json_object_put(o);
                o = NULL;
                for (char **p = qa; *p && p[1]; p++)
                    if (!strcmp(*p, "-device") && strstr(p[1], "\"id\":\"pci.3\""))
                        o = json_tokener_parse(p[1]);
                CHECK_STREQ(prop(o, "chassis"), "3");
            }
            CHECK_STREQ(prop(o, "id"), want[k][1]);
            CHECK_STREQ(prop(o, "bus"), want[k][2]);
            CHECK_STREQ(prop(o, "addr"), want[k][3]);
            json_object_put(o);
        }
        vk_qemu_argv_free(qa);
    }

    /* VNC and SPICE both on autoport: SPICE keeps clear of the VNC port. */
    {
        struct vk_graphics_def g[2] = {
            {.type = VK_GRAPHICS_VNC, .port = -1, .autoport = true},
            {.type = VK_GRAPHICS_SPICE, .port = -1, .autoport = true},
        };
        struct vk_domain_def gd = {
            .virt_type = VK_VIRT_QEMU,
            .name = "gfx",
            .memory_kib = 65536,
            .vcpus = 1,
            .os = {.machine = "pc", .bootmenu_timeout = -1, .reboot_timeout = -1},
            .graphics = g,
            .ngraphics = 2,
            .memballoon = {.present = true, .model = "none"},
        };
        struct vk_qemu_cmd_ctx gctx = {.monitor_fd = 3, .vnc_port = 5905};
        char **ga = vk_qemu_build_argv(&gd, &gctx);
        CHECK(ga != NULL);
        const char *vnc = NULL, *spice = NULL;
        for (char **p = ga; ga && *p && p[1]; p++) {
            if (!strcmp(*p, "-vnc"))
                vnc = p[1];
            if (!strcmp(*p, "-spice"))
                spice = p[1];
        }
        CHECK_STREQ(vnc, "127.0.0.1:5,audiodev=audio1");
        CHECK(spice && strncmp(spice, "port=5906,", 10) == 0);
        vk_qemu_argv_free(ga);
    }

    /* A usb device without a USB controller is an error, not a lost device. */
    struct vk_controller_def none = {
        .type = "usb", .index = 0, .model = "none", .ports = -1, .vectors = -1, .info = NOADDR};
    usb[0].info.alias = NULL;
    def.controllers = &none;
    def.ncontrollers = 1;
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(strstr(vk_error_last()->message, "needs a USB controller") != NULL);
    def.ninputs = 0;

    /* A disk without source (not a cdrom) and a bad target name. */
    struct vk_disk_def d = {.type = VK_DISK_FILE,
                            .device = VK_DISK_DEV_DISK,
                            .target_dev = "vda",
                            .bus = VK_BUS_VIRTIO,
                            .info = NOADDR};
    def.disks = &d;
    def.ndisks = 1;
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(vk_error_last()->code == VK_ERR_CONFIG_UNSUPPORTED);
    d.source = "/x.img";
    d.target_dev = "vd1";
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(strstr(vk_error_last()->message, "'vd1'") != NULL);
    d.target_dev = "vda";
    d.format = "vvfat";
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    CHECK(strstr(vk_error_last()->message, "vvfat") != NULL);
    d.format = NULL;
    /* No monitor fd: an error, never a QEMU without a monitor. */
    ctx.monitor_fd = -1;
    CHECK(vk_qemu_build_argv(&def, &ctx) == NULL);
    TEST_MAIN_END();
}
