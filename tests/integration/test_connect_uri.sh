#!/bin/bash
# URIs virtkitd serves (qemu:///system, qemu:///session) and a clear
# refusal naming any other.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

OUT=$(timeout 60 virsh -c "qemu+unix:///session?socket=$ROOT/run/virtkit-sock" uri 2>&1)
[ $? -eq 0 ] || vk_fail "qemu:///session refused: $OUT"

OUT=$(timeout 60 virsh -c "xen+unix:///system?socket=$ROOT/run/virtkit-sock" list 2>&1)
RC=$?
expect_fail xen-uri
expect_contains "failed to connect to the hypervisor"
expect_contains "no connection driver available for xen:///system"

OUT=$(timeout 60 virsh -c "lxc+unix:///?socket=$ROOT/run/virtkit-sock" list 2>&1)
RC=$?
expect_fail lxc-uri
expect_contains "no connection driver available for lxc:///"

vsh hostname
expect_ok hostname
expect_line "$(hostname)"
vsh capabilities
expect_ok capabilities
expect_contains "<os_type>hvm</os_type>"
expect_contains "<domain type='qemu'/>"
expect_contains "<machine"
vsh nodeinfo
expect_ok nodeinfo
expect_line "CPU\(s\): +$(nproc)"
expect_line "Memory size: +$(awk '/^MemTotal:/ {print $2}' /proc/meminfo) KiB"
echo "PASS: connect URIs"
