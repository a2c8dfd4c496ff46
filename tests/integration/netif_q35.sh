#!/bin/bash
# Feature "net": hot-plug on a q35 machine, where new PCIe devices go into an
# empty pcie-root-port (libvirt's placement; define leaves one spare). The
# real test guest (q35) sees a hot-added virtio disk, then, once the disk is
# gone, a hot-added NIC on the same port; while the port is taken a second
# device is refused with a message saying what to add.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
. "$here/../lib/vk_netns.sh"
vk_netns_start
vk_daemon_start

name=vk-q35hp
vk_guest_xml $name "unix:$ROOT/serial.sock" | sed "s/machine='pc'/machine='q35'/" > "$ROOT/$name.xml" ||
    vk_fail "cannot write the domain XML"
grep -q "machine='q35'" "$ROOT/$name.xml" || vk_fail "the guest XML is not q35"
qemu-img create -f raw "$ROOT/q.img" 16M >/dev/null || vk_fail "qemu-img failed"
vsh define "$ROOT/$name.xml"
expect_ok define
vsh start $name
expect_ok start
guest 300 'Q-ALIVE' 'echo Q-ALIVE' >/dev/null || vk_fail "the guest shell did not answer"

vsh attach-disk $name "$ROOT/q.img" vdb --live
expect_ok attach-disk on q35
vsh dumpxml $name
printf '%s\n' "$OUT" | grep -A8 "dev='vdb'" | grep -Eq "<address type='pci' domain='0x0000' bus='0x0[1-9a-f]' slot='0x00'" ||
    vk_fail "vdb is not on a root port in the live XML: $OUT"
guest 120 '^32768$' 'cat /sys/block/vd*/size 2>/dev/null' >/dev/null ||
    vk_fail "the q35 guest never saw the hot-added disk"
# the spare port is taken now
vsh attach-interface $name bridge br0 --model virtio --live
expect_fail attach-interface with no free root port
expect_contains "no free pcie-root-port"
links | grep -q vnet && vk_fail "a tap is left after the refused attach: $(links)"

vsh detach-disk $name vdb --live
expect_ok detach-disk on q35
guest 120 '^gone$' 'ls /sys/block | grep -q ^vd && echo still || echo gone' >/dev/null ||
    vk_fail "the q35 guest still has vdb"
vsh attach-interface $name bridge br0 --model virtio --mac 52:54:00:7b:00:02 --live
expect_ok attach-interface on q35
guest 120 '^52:54:00:7b:00:02$' 'cat /sys/class/net/eth*/address' >/dev/null ||
    vk_fail "the q35 guest never saw the hot-added NIC"
vsh detach-interface $name bridge --mac 52:54:00:7b:00:02 --live
expect_ok detach-interface on q35
guest 120 '^gone$' 'ls /sys/class/net | grep -q eth && echo still || echo gone' >/dev/null ||
    vk_fail "the q35 guest still has the NIC"
vsh destroy $name
expect_ok destroy
echo PASS
