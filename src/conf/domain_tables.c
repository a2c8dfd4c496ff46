/* XML spellings of the domain_conf.h enums, indexed by enum value. */
#include "domain_priv.h"

const char *const conf_lifecycle_names[] = {
    "",
    "destroy",
    "restart",
    "preserve",
    "rename-restart",
    "coredump-destroy",
    "coredump-restart",
    NULL,
};
const char *const conf_boot_names[] = {"", "hd", "cdrom", "network", "fd", NULL};
const char *const conf_cpu_mode_names[] = {
    "", "custom", "host-model", "host-passthrough", "maximum", NULL,
};
const char *const conf_cpu_policy_names[] = {
    "", "require", "disable", "force", "optional", "forbid", NULL,
};
const char *const conf_disk_type_names[] = {"", "file", "block", NULL};
const char *const conf_disk_device_names[] = {"", "disk", "cdrom", "floppy", NULL};
const char *const conf_disk_bus_names[] = {"", "virtio", "sata", "scsi", "ide", "fdc", "usb", NULL};
const char *const conf_net_type_names[] = {"", "user", "network", "bridge", "ethernet", NULL};
const char *const conf_chr_type_names[] = {
    "", "pty", "file", "unix", "spicevmc", "null", "stdio", NULL,
};
const char *const conf_graphics_type_names[] = {"", "vnc", "spice", NULL};
const char *const conf_addr_type_names[] = {
    "", "pci", "drive", "virtio-serial", "usb", "isa", "ccid", "virtio-mmio", "unassigned", NULL,
};

const char *conf_enum_name(const char *const *table, int v, const char *dflt)
{
    for (int i = 0; table[i]; i++)
        if (i == v)
            return table[i][0] ? table[i] : dflt;
    return dflt;
}
