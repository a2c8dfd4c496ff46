/* Internals shared by the qemu_command*.c files: the argv under
 * construction, address assignment results and small option helpers. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>

#include "qemu/qemu_command.h"
#include "util/vk_buf.h"

#define VK_PCI_MAX_BUSES 64

/* A PCI address decided before emission: explicit from the def or
 * assigned the way libvirt would. */
struct vk_pci_assigned {
    const void *key; /* the device def (or an auto-added device) */
    int bus, slot, fn;
    int multifunction; /* -1 derive, 0 off, 1 on */
};

enum vk_pci_bus_model {
    VK_PCIBUS_NONE,
    VK_PCIBUS_ROOT,            /* pci.0 (i440fx) */
    VK_PCIBUS_PCIE_ROOT,       /* pcie.0 (q35) */
    VK_PCIBUS_ROOT_PORT,       /* one slot (0), PCIe */
    VK_PCIBUS_PCI_BRIDGE,      /* slots 1..31, conventional */
    VK_PCIBUS_PCIE_PCI_BRIDGE, /* slots 0..31, conventional */
};

struct vk_pci_bus {
    enum vk_pci_bus_model model;
    const struct vk_controller_def *ctrl; /* NULL for root and auto ports */
    bool auto_added;
    int chassis, port;      /* auto root ports */
    unsigned char used[32]; /* bitmask of used functions per slot */
};

/* A USB port given to a device that had none. */
struct vk_usb_assigned {
    const void *key;
    int port;
};

struct vk_cmd {
    const struct vk_domain_def *def;
    const struct vk_qemu_cmd_ctx *ctx;
    char **argv;
    size_t argc, cap;
    bool q35;
    bool failed;

    struct vk_pci_bus buses[VK_PCI_MAX_BUSES];
    int nbuses; /* highest bus index + 1 */
    struct vk_pci_assigned *pci;
    size_t npci;

    struct vk_usb_assigned *usb;
    size_t nusb;
    int usb_next_port;
    const struct vk_controller_def *usb_ctrl; /* index 0, or NULL */
    bool usb_auto;                            /* a default USB controller is added */
    bool vserial_auto;                        /* a virtio-serial controller index 0 is added */

    /* SCSI (lsi) and SATA (ahci, i440fx) controllers that disks refer to
     * but the def lacks: added as libvirt does. Entries are their keys. */
    char auto_scsi[8], auto_sata[8];

    char audio_id[32]; /* id of the audiodev sound/graphics use */
};

/* Keys for devices the builder adds on its own. */
extern const char vk_key_auto_usb[], vk_key_auto_vserial[], vk_key_auto_balloon[];

/* argv building; strings are copied. */
void vk_cmd_add(struct vk_cmd *c, const char *arg);
void vk_cmd_add2(struct vk_cmd *c, const char *opt, const char *val);
void vk_cmd_addf(struct vk_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds opt then the JSON text of obj, and releases obj. */
void vk_cmd_add_json(struct vk_cmd *c, const char *opt, struct json_object *obj);
/* Sets VK_ERR_CONFIG_UNSUPPORTED naming the domain; returns -1. */
int vk_cmd_unsupported(struct vk_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* json-c shorthands (insertion order is kept, as libvirt's args show). */
void vk_js(struct json_object *o, const char *k, const char *v);
void vk_ji(struct json_object *o, const char *k, long long v);
void vk_jb(struct json_object *o, const char *k, bool v);
struct json_object *vk_jdev(const char *driver, const char *id);

/* The id of a device: its user alias (<alias name='ua-...'/>) when given,
 * as libvirt does, else the default from fmt. -1 (error set) when the alias
 * holds characters a QEMU id cannot. */
int vk_cmd_dev_id(struct vk_cmd *c, const struct vk_dev_info *info, char *buf, size_t len,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* For ISA devices: iobase/irq from an ISA address (when the device has
 * those properties), error for any other address type. */
int vk_cmd_add_isa_addr(struct vk_cmd *c, struct json_object *dev, const struct vk_dev_info *info,
                        bool has_props, const char *what);

/* Address assignment (qemu_command_addr.c). */
int vk_cmd_assign_addresses(struct vk_cmd *c);
/* Adds "bus" and "addr" (and "multifunction") for key; 0 or -1. */
int vk_cmd_add_pci_addr(struct vk_cmd *c, struct json_object *dev, const void *key);
bool vk_cmd_has_pci_addr(const struct vk_cmd *c, const void *key);
/* Adds "bus":"usb.0" and "port" for key. */
int vk_cmd_add_usb_addr(struct vk_cmd *c, struct json_object *dev, const void *key,
                        const struct vk_dev_info *info);
const char *vk_cmd_bus_name(const struct vk_cmd *c, int bus, char *buf, size_t len);
/* True when the device model is PCIe-capable (goes on a root port on q35). */
bool vk_pci_model_is_pcie(const char *qemu_driver);

/* Emitters. Each returns 0 or -1 (error set). */
int vk_cmd_build_controllers(struct vk_cmd *c);
int vk_cmd_build_disks(struct vk_cmd *c);
int vk_cmd_build_nets(struct vk_cmd *c);
int vk_cmd_build_chardevs(struct vk_cmd *c);
int vk_cmd_build_inputs(struct vk_cmd *c);
int vk_cmd_build_audio(struct vk_cmd *c);
int vk_cmd_build_graphics(struct vk_cmd *c);
int vk_cmd_build_videos(struct vk_cmd *c);
int vk_cmd_build_sounds(struct vk_cmd *c);
int vk_cmd_build_watchdogs(struct vk_cmd *c);
/* Feature "lifecycle": <panic> devices (libvirt puts them after -sandbox). */
int vk_cmd_build_panics(struct vk_cmd *c);
int vk_cmd_build_redirdevs(struct vk_cmd *c);
int vk_cmd_build_balloon(struct vk_cmd *c);
int vk_cmd_build_rngs(struct vk_cmd *c);

/* Device model names (shared by address assignment and emitters);
 * NULL when the model cannot be expressed. */
const char *vk_qemu_usb_model(const struct vk_cmd *c, const struct vk_controller_def *ctl);
const char *vk_qemu_scsi_model(const struct vk_controller_def *ctl);
const char *vk_qemu_net_model(const struct vk_net_def *net);
const char *vk_qemu_video_model(const struct vk_video_def *v, bool primary);
const char *vk_qemu_sound_model(const struct vk_sound_def *s);
bool vk_disk_needs_pci(const struct vk_disk_def *d);
struct vk_drive_addr {
    int controller, bus, target, unit;
};
/* A disk's drive address from the def or derived from its target name. */
int vk_cmd_drive_address(struct vk_cmd *c, const struct vk_disk_def *d, struct vk_drive_addr *a);
const struct vk_controller_def *vk_cmd_find_ctrl(const struct vk_cmd *c, const char *type, int idx);
/* Index from a target name like vda, sdb, hdc, fdaa: -1 when malformed. */
int vk_disk_target_index(const char *dev);
bool vk_cmd_is_q35_sata_builtin(const struct vk_cmd *c, const struct vk_controller_def *ctl);
/* bootindex for the first device of a boot class (from <os><boot dev=>),
 * 0 when none; per-device <boot order=> wins over the list. */
int vk_cmd_boot_index(const struct vk_cmd *c, enum vk_boot_dev dev, const struct vk_dev_info *info,
                      bool first_of_class);
/* Index of the primary video in def->videos, or -1 (none, or model none). */
long vk_cmd_primary_video(const struct vk_cmd *c);
/* An input's bus with libvirt's default: tablet usb, mouse/keyboard ps2. */
const char *vk_input_bus(const struct vk_input_def *in);
/* The libvirt-style default for an unset memballoon is a virtio balloon. */
bool vk_cmd_has_balloon(const struct vk_cmd *c);
/* Channels/consoles on virtio-serial need a controller. */
bool vk_cmd_needs_vserial(const struct vk_cmd *c);

/* Define time (qemu_postparse.c): runs the address assignment above on def
 * and writes the result into it: PCI, USB and drive addresses of devices
 * that had none, and the controllers the assignment adds (pcie-root-ports,
 * pcie-pci-bridge, SCSI/SATA controllers that disks refer to). Addresses
 * already in the def are kept. 0, or -1 with the error set. */
int vk_qemu_def_assign_addresses(struct vk_domain_def *def);
/* Appends a controller with nothing set but type, index and model. */
struct vk_controller_def *vk_qemu_def_append_ctrl(struct vk_domain_def *def, const char *type,
                                                  int index, const char *model);
