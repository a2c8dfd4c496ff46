/* The QEMU argv builder: a pure function from a domain definition to the
 * command line QEMU 7.2 runs with. No I/O, no global state, so it is tested
 * by golden files (tests/argv) and is safe to call from any thread. */
/* Choices where QEMU 7.2 or our scope differ from libvirt (all tested):
 *  - CPU: host-passthrough needs type='kvm' (error under TCG); host-model is
 *    "host" under KVM and "max" under TCG (no probed host CPU model).
 *  - Implicit devices libvirt adds at define time are added here when the
 *    def lacks them: USB controller (piix3-uhci on pc, qemu-xhci on q35),
 *    virtio memballoon, virtio-serial 0 for virtio ports, lsi/ahci for
 *    disks that name a missing SCSI/SATA controller, q35 root ports (+1
 *    spare), a pcie-pci-bridge for conventional-PCI devices on q35.
 *  - Interface type network and the passt backend are rejected (need the
 *    virtual network layer / the passt helper). Types ethernet and bridge
 *    use a tap the driver opened: -netdev tap,fd=N as libvirt (no vhost,
 *    as libvirt under TCG).
 *  - Images are not probed: a qcow2 overlay's backing file is opened by QEMU
 *    from the image header (libvirt probes and names each layer instead).
 *  - Disks always get an explicit format node (as libvirt for QEMU 7.2);
 *    node names libvirt-N-storage/-format; device ids as libvirt
 *    (virtio-disk0, ide0-0-0, net0, serial0, ...) or the user alias. */
#pragma once
#include "conf/domain_conf.h"

struct vk_qemu_cmd_ctx {
    /* Listening QMP socket fd passed to QEMU:
     * -chardev socket,id=charmonitor,fd=N,server=on,wait=off */
    int monitor_fd;
    /* major*1000000 + minor*1000 + micro, e.g. 7002000; 0 means 7.2.0. */
    unsigned long long qemu_version;
    /* Per-domain runtime dir for sockets (e.g. guest agent channels without
     * a path); may be NULL, then such channels are an error. */
    const char *run_dir;
    /* VNC display port chosen by the driver for <graphics autoport='yes'>
     * (the TCP port, >= 5900); 0 or less: use display 0 (port 5900). */
    int vnc_port;
    /* SPICE port for autoport; 0 or less: 5900, or the VNC port + 1 when an
     * autoport VNC display is there too. */
    int spice_port;
    /* Current time (seconds since the epoch) for <clock offset='variable'>;
     * 0: time(NULL). Tests pass a fixed value. */
    long long now;
    /* Feature "save": add -incoming defer (restore then sends QMP
     * migrate-incoming with the saved stream). */
    bool incoming_defer;
    /* Feature "net": the open tap fd of each interface (indexed as
     * def->nets; -1 or past nnet_fds for user ones). A tap interface without
     * one renders fd -1: only for callers that render without running. */
    const int *net_fds;
    size_t nnet_fds;
};

/* Paths the builder derives from run_dir (the driver creates run_dir):
 *   virtio channel of type unix without a source path:
 *     <run_dir>/<target name>      e.g. .../org.qemu.guest_agent.0
 *   VNC/SPICE with <listen type='socket'/> and no path: <run_dir>/vnc.sock
 * Passwords of VNC/SPICE are not on the command line: the builder emits
 * password=on and the driver sets them with QMP set_password before 'cont'. */

/* Returns a NULL-terminated argv (argv[0] = def->emulator or
 * /usr/bin/qemu-system-x86_64), or NULL with the error set
 * (VK_ERR_CONFIG_UNSUPPORTED naming the device/option that cannot be
 * expressed). Free with vk_qemu_argv_free. */
char **vk_qemu_build_argv(const struct vk_domain_def *def, const struct vk_qemu_cmd_ctx *ctx);
void vk_qemu_argv_free(char **argv);
