#!/bin/bash
# Feature "hotplug" through vksh (libvirtkit): attach-disk / detach-disk
# --live on the real guest (it sees the disk appear and go), --config on a
# shut-off domain, attach-device / detach-device from a file, --print-xml,
# option errors; messages as virsh prints them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
VKSH=${VKSH:?VKSH must point at vksh}
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start
PY=/usr/bin/python3
guest() { $PY "$here/hotplug_serial.py" "$ROOT/serial.sock" "$@"; }
vk() { OUT=$(timeout 120 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; vk_track_qemus; }

qemu-img create -f raw "$ROOT/hp.img" 16M >/dev/null || vk_fail "qemu-img create failed"

# --config on a shut-off domain; attach-device / detach-device from a file
vk_domain_xml vk-hpc > "$ROOT/cfg.xml"
vk define "$ROOT/cfg.xml"
expect_ok define
vk attach-disk vk-hpc "$ROOT/hp.img" vdb --config --mode readonly --subdriver raw
expect_ok attach-disk --config
expect_line "Disk attached successfully"
vk dumpxml vk-hpc --inactive
expect_contains "<target dev='vdb' bus='virtio'/>"
expect_contains "<readonly/>"
vk detach-disk vk-hpc vdb --config
expect_ok detach-disk --config
expect_line "Disk detached successfully"
vk dumpxml vk-hpc --inactive
case "$OUT" in *"dev='vdb'"*) vk_fail "vdb still defined: $OUT" ;; esac
cat > "$ROOT/disk.xml" <<XML
<disk type='file' device='disk'>
  <driver name='qemu' type='raw'/>
  <source file='$ROOT/hp.img'/>
  <target dev='vdc' bus='virtio'/>
</disk>
XML
vk attach-device vk-hpc "$ROOT/disk.xml" --config
expect_ok attach-device --config
expect_line "Device attached successfully"
vk dumpxml vk-hpc --inactive
expect_contains "<target dev='vdc' bus='virtio'/>"
vk detach-device vk-hpc "$ROOT/disk.xml" --config
expect_ok detach-device --config
expect_line "Device detached successfully"
# errors: a plain attach (live) on a shut-off domain; unknown target;
# conflicting options; --print-xml attaches nothing
vk attach-disk vk-hpc "$ROOT/hp.img" vdb
expect_fail attach-disk on shut-off domain
expect_contains "not running"
vk detach-disk vk-hpc vdz --config
expect_fail detach-disk unknown
expect_contains "No disk found whose source path or target is vdz"
vk attach-disk vk-hpc "$ROOT/hp.img" vdb --current --live
expect_fail --current --live
expect_contains "mutually exclusive"
vk attach-disk vk-hpc "$ROOT/hp.img" vdb --print-xml --targetbus virtio
expect_ok --print-xml
expect_contains "<target dev='vdb' bus='virtio'/>"
vk dumpxml vk-hpc --inactive
case "$OUT" in *"dev='vdb'"*) vk_fail "--print-xml attached the disk" ;; esac

# --live on the real guest
name=vk-hpv
vk_guest_xml $name "unix:$ROOT/serial.sock" > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"
vk create "$ROOT/$name.xml"
expect_ok create
guest 300 'HP-ALIVE' 'echo HP-ALIVE' >/dev/null || vk_fail "the guest shell did not answer"
vk attach-disk $name "$ROOT/hp.img" vdb --live
expect_ok attach-disk --live
expect_line "Disk attached successfully"
guest 120 '^32768$' 'cat /sys/block/vd*/size 2>/dev/null' >/dev/null ||
    vk_fail "the guest never saw the disk attached by vksh"
vk dumpxml $name
expect_contains "<target dev='vdb' bus='virtio'/>"
vk detach-disk $name vdb
expect_ok detach-disk
expect_line "Disk detached successfully"
guest 120 '^gone$' 'ls /sys/block | grep -q ^vd && echo still || echo gone' >/dev/null ||
    vk_fail "the guest still has the disk after vksh detach-disk"
vk dumpxml $name
case "$OUT" in *"dev='vdb'"*) vk_fail "vdb still in the live XML after detach: $OUT" ;; esac
vk destroy $name
expect_ok destroy
echo PASS
