/* Domain configuration: libvirt's domain XML as C structs.
 *
 * Parsing validates completely: an element or attribute virtkit does not
 * support is an error naming it (VK_ERR_CONFIG_UNSUPPORTED), never dropped.
 * Formatting writes back everything parsed, so define -> dumpxml -> define
 * is stable. This layer knows nothing of QEMU's command line.
 *
 * Units: memory sizes are KiB. Strings are owned by the struct (NULL = not
 * given). Enums use 0 for "not given / default" so a zeroed struct is valid. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/vk_uuid.h"

enum vk_virt_type { VK_VIRT_QEMU, VK_VIRT_KVM };

/* A device address as libvirt writes it: <address type='pci' domain=.. bus=..
 * slot=.. function=.. multifunction=../> or type='drive' controller bus
 * target unit, 'virtio-serial' controller bus port, 'usb' bus port,
 * 'isa' iobase irq, 'ccid' controller slot. Unset numeric fields are -1
 * (usb port: NULL string). */
enum vk_addr_type {
    VK_ADDR_NONE,
    VK_ADDR_PCI,
    VK_ADDR_DRIVE,
    VK_ADDR_VIRTIO_SERIAL,
    VK_ADDR_USB,
    VK_ADDR_ISA,
    VK_ADDR_CCID,         /* controller slot */
    VK_ADDR_VIRTIO_MMIO,  /* no fields */
    VK_ADDR_UNASSIGNED,   /* no fields (hostdevs left unplugged) */
};
struct vk_dev_addr {
    enum vk_addr_type type;
    int domain, bus, slot, function; /* pci */
    int multifunction;               /* -1 unset, 0 off, 1 on */
    int controller, target, unit;    /* drive (bus shared with pci) */
    int port;                        /* virtio-serial */
    char *usb_port;                  /* usb: "1" or "1.2" */
    int iobase, irq;                 /* isa */
};

/* <boot order='N'/> on a device, 0 = none. */
struct vk_dev_info {
    struct vk_dev_addr addr;
    char *alias;     /* <alias name='ua-...'/>: only user aliases are kept,
                      * except with VK_PARSE_STATUS (runtime names too) */
    int boot_order;
};

enum vk_boot_dev { VK_BOOT_HD = 1, VK_BOOT_CDROM, VK_BOOT_NETWORK, VK_BOOT_FD };

enum vk_tristate { VK_TRI_ABSENT = 0, VK_TRI_YES, VK_TRI_NO };

struct vk_os_def {
    char *type;     /* "hvm" */
    char *arch;     /* "x86_64" */
    char *machine;  /* "pc", "q35", "pc-i440fx-7.2", ... */
    enum vk_boot_dev boot[4];
    int nboot;
    enum vk_tristate bootmenu;
    int bootmenu_timeout;  /* ms, -1 unset */
    int reboot_timeout;    /* <bios rebootTimeout>, -1 unset */
    bool reboot_timeout_given; /* rebootTimeout='-1' (never reboot) was written */
    char *kernel, *initrd, *cmdline;
};

struct vk_features_def {
    bool acpi, apic, pae;
    enum vk_tristate vmport; /* <vmport state=/> */
    enum vk_tristate smm;    /* <smm state=/> */
};

enum vk_cpu_mode { VK_CPU_DEFAULT, VK_CPU_CUSTOM, VK_CPU_HOST_MODEL, VK_CPU_HOST_PASSTHROUGH,
                   VK_CPU_MAXIMUM };
enum vk_cpu_feature_policy { VK_CPU_FEAT_REQUIRE = 1, VK_CPU_FEAT_DISABLE, VK_CPU_FEAT_FORCE,
                             VK_CPU_FEAT_OPTIONAL, VK_CPU_FEAT_FORBID };
struct vk_cpu_feature {
    char *name;
    enum vk_cpu_feature_policy policy;
};
struct vk_numa_cell {
    int id;
    char *cpus;
    unsigned long long memory_kib;
    char *memAccess; /* "shared" / "private" or NULL */
};
struct vk_cpu_def {
    bool present;          /* a <cpu> element was given */
    enum vk_cpu_mode mode;
    char *match;           /* "exact", "minimum", "strict" */
    char *check;           /* "none", "partial", "full" */
    char *migratable;      /* "on"/"off" */
    char *model;
    char *model_fallback;  /* "allow" / "forbid" */
    char *vendor;
    int sockets, dies, clusters, cores, threads; /* 0 = topology not given */
    struct vk_cpu_feature *features;
    size_t nfeatures;
    struct vk_numa_cell *cells;
    size_t ncells;
};

struct vk_timer_def {
    char *name;       /* rtc, pit, hpet, kvmclock, tsc, hypervclock */
    enum vk_tristate present;
    char *tickpolicy; /* delay, catchup, merge, discard */
    char *track;      /* rtc: boot, guest, wall */
};
struct vk_clock_def {
    char *offset;     /* utc (default), localtime, timezone, variable */
    char *timezone;
    long long adjustment;
    bool has_adjustment;
    char *basis;
    struct vk_timer_def *timers;
    size_t ntimers;
};

enum vk_lifecycle_action { VK_LIFE_DEFAULT, VK_LIFE_DESTROY, VK_LIFE_RESTART, VK_LIFE_PRESERVE,
                           VK_LIFE_RENAME_RESTART, VK_LIFE_COREDUMP_DESTROY,
                           VK_LIFE_COREDUMP_RESTART };

enum vk_disk_type { VK_DISK_FILE = 1, VK_DISK_BLOCK };
enum vk_disk_device { VK_DISK_DEV_DISK = 1, VK_DISK_DEV_CDROM, VK_DISK_DEV_FLOPPY };
enum vk_disk_bus { VK_BUS_NONE, VK_BUS_VIRTIO, VK_BUS_SATA, VK_BUS_SCSI, VK_BUS_IDE, VK_BUS_FDC,
                   VK_BUS_USB };
struct vk_disk_def {
    enum vk_disk_type type;
    enum vk_disk_device device;
    char *driver_name;   /* "qemu" */
    char *format;        /* raw, qcow2 (driver type=) */
    char *cache;         /* default, none, writethrough, writeback, directsync, unsafe */
    char *io;            /* threads, native, io_uring */
    char *discard;       /* unmap, ignore */
    char *source;        /* file= or dev=, NULL for an empty cdrom */
    char *target_dev;    /* vda, sda, hdc */
    enum vk_disk_bus bus;
    bool readonly;
    bool shareable;
    char *serial;
    struct vk_dev_info info;
};

struct vk_controller_def {
    char *type;   /* usb, ide, pci, scsi, sata, virtio-serial, fdc */
    int index;
    char *model;  /* piix3-uhci, qemu-xhci, pcie-root, pcie-root-port, virtio-scsi, none ... */
    int ports;    /* -1 unset (usb, virtio-serial) */
    int vectors;  /* -1 unset */
    /* pci controllers: <model name=/> and <target chassis= port=/> */
    char *model_name;
    int target_chassis, target_port; /* -1 unset */
    int master_startport;            /* usb companion <master startport=/>, -1 unset */
    struct vk_dev_info info;
};

enum vk_net_type { VK_NET_USER = 1, VK_NET_NETWORK, VK_NET_BRIDGE, VK_NET_ETHERNET };
struct vk_net_def {
    enum vk_net_type type;
    uint8_t mac[6];
    bool mac_given;      /* false: generated at parse time (and then formatted) */
    char *source;        /* network name or bridge name */
    char *model;         /* virtio, e1000, rtl8139, e1000e */
    char *backend_type;  /* <backend type='passt'/> */
    int mtu;             /* 0 unset */
    char *target_dev;    /* <target dev=/>; a libvirt-style auto name (vnetN) is
                          * runtime data, kept only with VK_PARSE_STATUS */
    bool target_unmanaged; /* <target managed='no'/>: an existing tap, not ours */
    struct vk_dev_info info;
};

/* Character devices: serial, console, channel. */
enum vk_chr_type { VK_CHR_PTY = 1, VK_CHR_FILE, VK_CHR_UNIX, VK_CHR_SPICEVMC, VK_CHR_NULL,
                   VK_CHR_STDIO };
struct vk_chr_def {
    enum vk_chr_type type;
    char *path;          /* file: path; unix: socket path; pty: the /dev/pts
                          * name, runtime data (kept with VK_PARSE_STATUS) */
    char *mode;          /* unix: bind / connect */
    bool append_given; bool append; /* <source append='on|off'/> for file */
    /* <target>: serial type (isa-serial, pci-serial, usb-serial) and port;
     * console type (serial, virtio); channel type virtio + name. */
    char *target_type;
    int target_port;     /* -1 unset */
    char *target_name;   /* channel: org.qemu.guest_agent.0 */
    char *target_model;  /* <target><model name=/></target> e.g. isa-serial */
    struct vk_dev_info info;
};

enum vk_graphics_type { VK_GRAPHICS_VNC = 1, VK_GRAPHICS_SPICE };
struct vk_graphics_def {
    enum vk_graphics_type type;
    int port;            /* -1 autoport; with autoport the driver may store the
                          * port in use: written in live XML only */
    bool autoport;
    char *listen;        /* address */
    char *listen_type;   /* address, none, socket */
    char *passwd;
    char *keymap;
    int tls_port;        /* spice tlsPort: 0 unset, -1 automatic */
    char *image_compression; /* spice <image compression=/> */
};

struct vk_video_def {
    char *model;     /* cirrus, vga, qxl, virtio, bochs, none */
    int vram, ram, vgamem, heads; /* KiB / count, 0 unset */
    bool primary;
    struct vk_dev_info info;
};

struct vk_input_def {
    char *type;  /* tablet, mouse, keyboard */
    char *bus;   /* usb, ps2, virtio */
    struct vk_dev_info info;
};

struct vk_sound_def {
    char *model; /* ich6, ich9, ac97, es1370, sb16, pcspk, usb */
    struct vk_dev_info info;
};

struct vk_audio_def {
    int id;
    char *type; /* none, pa, spice, alsa, ... */
};

struct vk_memballoon_def {
    bool present;
    char *model;   /* virtio, none */
    int period;    /* <stats period=/>, -1 unset */
    bool autodeflate_given; bool autodeflate;
    struct vk_dev_info info;
};

/* <redirdev bus='usb' type='spicevmc'/>: USB redirection over SPICE. */
struct vk_redirdev_def {
    char *bus;              /* usb */
    enum vk_chr_type type;  /* spicevmc */
    struct vk_dev_info info;
};

struct vk_rng_def {
    char *model;       /* virtio */
    char *backend_model; /* random, egd */
    char *backend;     /* /dev/urandom */
    int rate_bytes, rate_period; /* 0 unset */
    struct vk_dev_info info;
};

struct vk_watchdog_def {
    char *model;   /* i6300esb, ib700, itco */
    char *action;  /* reset, shutdown, poweroff, pause, none, dump, inject-nmi */
    struct vk_dev_info info;
};

/* <panic model='isa|pvpanic|...'/>: how the guest reports a panic (feature
 * "lifecycle": on_crash acts on it). */
struct vk_panic_def {
    char *model; /* isa (the default on x86), pvpanic (PCI), hyperv, pseries, s390 */
    struct vk_dev_info info;
};

struct vk_pm_def {
    enum vk_tristate suspend_to_mem, suspend_to_disk;
};

/* Feature "tune": <memtune> limits in KiB, each with a has_ flag (0 KiB
 * is a limit; libvirt's "unlimited" is the same as not set) and <cputune>
 * (microseconds; 0 = not set, quotas -1 = unlimited). */
struct vk_memtune_def {
    unsigned long long hard_limit_kib, soft_limit_kib, swap_hard_limit_kib, min_guarantee_kib;
    bool has_hard_limit, has_soft_limit, has_swap_hard_limit, has_min_guarantee;
};
struct vk_cputune_def {
    unsigned long long shares;
    unsigned long long period, global_period, emulator_period;
    long long quota, global_quota, emulator_quota;
};

struct vk_domain_def {
    enum vk_virt_type virt_type;
    char *name;
    uint8_t uuid[VK_UUID_LEN];
    char *title;
    char *description;
    char *metadata_xml;   /* <metadata> children, kept verbatim */

    unsigned long long memory_kib;         /* <memory>, the maximum */
    unsigned long long current_memory_kib; /* <currentMemory>, 0 = same as memory */
    struct vk_memtune_def memtune; /* feature "tune" */
    struct vk_cputune_def cputune; /* feature "tune" */
    int vcpus;            /* <vcpu> */
    int vcpus_current;    /* <vcpu current=>, 0 unset */
    char *vcpu_placement;
    char *vcpu_cpuset;

    struct vk_os_def os;
    struct vk_features_def features;
    struct vk_cpu_def cpu;
    struct vk_clock_def clock;
    enum vk_lifecycle_action on_poweroff, on_reboot, on_crash;
    struct vk_pm_def pm;

    char *emulator;
    struct vk_disk_def *disks;             size_t ndisks;
    struct vk_controller_def *controllers; size_t ncontrollers;
    struct vk_net_def *nets;               size_t nnets;
    struct vk_chr_def *serials;            size_t nserials;
    struct vk_chr_def *consoles;           size_t nconsoles;
    struct vk_chr_def *channels;           size_t nchannels;
    struct vk_graphics_def *graphics;      size_t ngraphics;
    struct vk_video_def *videos;           size_t nvideos;
    struct vk_input_def *inputs;           size_t ninputs;
    struct vk_sound_def *sounds;           size_t nsounds;
    struct vk_audio_def *audios;           size_t naudios;
    struct vk_rng_def *rngs;               size_t nrngs;
    struct vk_watchdog_def *watchdogs;     size_t nwatchdogs;
    struct vk_redirdev_def *redirdevs;     size_t nredirdevs;
    struct vk_memballoon_def memballoon;
    struct vk_panic_def *panics;           size_t npanics;
};

enum vk_domain_parse_flags {
    /* Accept runtime-only data (an <domain id=>) as in live status files. */
    VK_PARSE_STATUS = 1 << 0,
};

enum vk_domain_format_flags {
    /* Include the runtime id attribute (live XML of a running domain). */
    VK_FORMAT_LIVE = 1 << 0,
    /* Omit security-sensitive data (graphics passwords), as libvirt without
     * VIR_DOMAIN_XML_SECURE. */
    VK_FORMAT_NO_SECURE = 1 << 1,
};

/* Parses and validates domain XML. Never loads external entities or network
 * resources, never expands entities. Returns NULL with the error set
 * (VK_ERR_XML_ERROR for malformed XML, VK_ERR_CONFIG_UNSUPPORTED naming an
 * unknown element or attribute, VK_ERR_XML_DETAIL / VK_ERR_INVALID_ARG for bad
 * values). A missing uuid or interface mac is generated. */
struct vk_domain_def *vk_domain_def_parse(const char *xml, unsigned flags);
/* live_id: the runtime id written with VK_FORMAT_LIVE. */
char *vk_domain_def_format(const struct vk_domain_def *def, unsigned flags, int live_id);
void vk_domain_def_free(struct vk_domain_def *def);
/* Deep copy via format + parse. */
struct vk_domain_def *vk_domain_def_copy(const struct vk_domain_def *def);

/* Feature "hotplug" (domain_parse_device_fragment.c): parses XML holding one
 * device element (<disk>, <interface>, ...) with the domain parser's rules.
 * Returns a def whose device arrays hold just that device (e.g. ndisks 1),
 * free with vk_domain_def_free; NULL with the error set. */
struct vk_domain_def *vk_domain_device_parse(const char *xml, unsigned flags);
