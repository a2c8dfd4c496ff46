#!/bin/bash
# Feature "hotplug": stock virsh attach-disk / detach-disk against virtkitd.
# Live: the real test guest (serial port on a unix socket, driven by
# hotplug_serial.py) sees a hot-added virtio disk (a /sys/block/vd* with the
# image's size: the guest kernel names disks in probe order, so vdb is vda
# there, as under libvirt) and loses it again on detach; domblklist and dumpxml follow
# each step, the persistent XML is untouched. Config: on a shut-off domain
# attach-disk --config persists in dumpxml --inactive, detach-disk --config
# removes it. Errors: --live on a shut-off domain, a duplicate target, an
# unknown target, an unsupported device kind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start
PY=/usr/bin/python3
guest() { # timeout expect-regex command
    $PY "$here/hotplug_serial.py" "$ROOT/serial.sock" "$@"
}

name=vk-hotplug
vk_guest_xml $name "unix:$ROOT/serial.sock" > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"
qemu-img create -f raw "$ROOT/hp.img" 16M >/dev/null || vk_fail "qemu-img create failed"

vsh define "$ROOT/$name.xml"
expect_ok define

# --live on a shut-off domain is refused, nothing changes
vsh attach-disk $name "$ROOT/hp.img" vdb --live
expect_fail attach-disk --live on a shut-off domain
expect_contains "not running"

vsh start $name
expect_ok start
out=$(guest 300 'HP-ALIVE' 'echo HP-ALIVE; ls /sys/block') || vk_fail "the guest shell did not answer"
case "$out" in *vd*) vk_fail "guest has a virtio disk before the attach: $out" ;; esac

# attach: virsh builds the <disk> XML and calls ATTACH_DEVICE_FLAGS (live)
vsh attach-disk $name "$ROOT/hp.img" vdb --live
expect_ok attach-disk --live
expect_contains "Disk attached successfully"
vsh domblklist $name
expect_ok domblklist
expect_line " *vdb +$ROOT/hp.img *"
vsh dumpxml $name --inactive
case "$OUT" in *"dev='vdb'"*) vk_fail "--live changed the persistent XML: $OUT" ;; esac
# the guest sees it: 16 MiB = 32768 sectors
out=$(guest 120 '^32768$' 'cat /sys/block/vd*/size 2>/dev/null') ||
    vk_fail "the guest never saw the hot-added disk vdb"

# a second attach of the same target fails and names it
vsh attach-disk $name "$ROOT/hp.img" vdb --live
expect_fail attach-disk duplicate
expect_contains "vdb"

# detach: device_del, the guest releases it, blockdev-del
vsh detach-disk $name vdb --live
expect_ok detach-disk --live
expect_contains "Disk detached successfully"
vsh domblklist $name
case "$OUT" in *vdb*) vk_fail "domblklist still lists vdb after detach: $OUT" ;; esac
guest 120 '^gone$' 'ls /sys/block | grep -q ^vd && echo still || echo gone' >/dev/null ||
    vk_fail "the guest still has vdb after detach-disk"
# the same disk can be attached again (nodes and PCI slot were released)
vsh attach-disk $name "$ROOT/hp.img" vdb --live
expect_ok attach-disk again
guest 120 '^32768$' 'cat /sys/block/vd*/size 2>/dev/null' >/dev/null ||
    vk_fail "the guest did not see the disk attached a second time"

# unknown target
vsh detach-disk $name vdz --live
expect_fail detach-disk unknown target
expect_contains "vdz"

# an unsupported device kind is a clear error
cat > "$ROOT/ctrl.xml" <<XML
<controller type='scsi' index='3' model='virtio-scsi'/>
XML
vsh attach-device $name "$ROOT/ctrl.xml" --live
expect_fail attach-device controller
expect_contains "not supported"

# --config on a shut-off domain persists
vk_domain_xml vk-hpcfg > "$ROOT/cfg.xml"
vsh define "$ROOT/cfg.xml"
expect_ok define cfg
vsh attach-disk vk-hpcfg "$ROOT/hp.img" vdc --config
expect_ok attach-disk --config
vsh dumpxml vk-hpcfg --inactive
expect_contains "<target dev='vdc' bus='virtio'/>"
expect_contains "$ROOT/hp.img"
[ -f "$ROOT/etc/qemu/vk-hpcfg.xml" ] && grep -q "dev='vdc'" "$ROOT/etc/qemu/vk-hpcfg.xml" ||
    vk_fail "the config file does not hold vdc"
vsh detach-disk vk-hpcfg vdc --config
expect_ok detach-disk --config
vsh dumpxml vk-hpcfg --inactive
case "$OUT" in *"dev='vdc'"*) vk_fail "vdc still defined after detach-disk --config" ;; esac

vsh destroy $name
expect_ok destroy
echo PASS
