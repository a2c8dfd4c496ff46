#!/bin/bash
# Define-time defaults against stock libvirtd: each hand-written domain in
# tests/fixtures/postparse (a bare pc or q35 machine, graphics without video,
# IDE/SATA/SCSI/floppy disks without controllers, a channel without its
# virtio-serial controller, a NIC without a model) is defined through stock
# virsh and `virsh dumpxml` must print what libvirtd 9.0 printed for it
# (recorded by record.py there): the same implicit controllers, video,
# inputs, drivers, in the same order at the same addresses.
set -u
. "$VK_TESTS_DIR/compat/compat_lib.sh"
vk_daemon_start
PP=$VK_TESTS_DIR/fixtures/postparse

n=0
for f in "$PP"/pp-*.xml; do
    case $f in *.libvirt.xml) continue ;; esac
    name=$(basename "$f" .xml)
    define_ok "$name" "$f"
    vsh_exact dumpxml "$name"
    [ "$RC" -eq 0 ] || vk_fail "dumpxml $name failed: $OUT"
    # virsh prints the XML and one blank line; the recording is the XML itself.
    sed -i '$ { /^$/d }' "$ROOT/out"
    expect_recorded "$PP/$name.libvirt.xml"
    undefine_ok "$name"
    n=$((n + 1))
done
[ "$n" -ge 8 ] || vk_fail "only $n postparse fixtures found in $PP"
echo "PASS: $n domains defined as libvirtd defines them"
