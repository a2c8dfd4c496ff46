#!/bin/bash
# Feature "hotplug": change-media on an IDE cdrom of a running domain with
# stock virsh and vksh (DOMAIN_UPDATE_DEVICE_FLAGS: QMP eject /
# blockdev-change-medium), the live XML (domblklist) following each step;
# --config changes only the persistent XML; refusals: media already there,
# a plain disk, an unknown target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
VKSH=${VKSH:-}
vk_daemon_start
vk() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; }

for f in a b d; do
    qemu-img create -f raw "$ROOT/$f.img" 1M >/dev/null || vk_fail "qemu-img create failed"
done
name=vk-media
cat > "$ROOT/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$ROOT/d.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$ROOT/a.img'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
  </devices>
</domain>
XML
vsh define "$ROOT/$name.xml"
expect_ok define
vsh start $name
expect_ok start

vsh change-media $name hdc --eject
expect_ok eject
expect_contains "Successfully ejected media."
vsh domblklist $name
expect_line " *hdc +- *"
vsh change-media $name hdc "$ROOT/b.img" --insert
expect_ok insert
expect_contains "Successfully inserted media."
vsh domblklist $name
expect_line " *hdc +$ROOT/b.img *"
vsh change-media $name hdc "$ROOT/a.img" --insert
expect_fail insert over media
expect_contains "already has media"
vsh change-media $name vda "$ROOT/a.img" --update
expect_fail change-media on a disk
vsh change-media $name hdz --eject
expect_fail unknown target
expect_contains "hdz"

# --config: persistent XML only
vsh change-media $name hdc "$ROOT/d.img" --update --config
expect_ok update --config
vsh dumpxml $name --inactive
expect_contains "<source file='$ROOT/d.img'/>"
vsh domblklist $name
expect_line " *hdc +$ROOT/b.img *"

if [ -n "$VKSH" ]; then
    vk change-media $name hdc "$ROOT/a.img" --update --live
    expect_ok vksh update
    expect_contains "Successfully updated media."
    vsh domblklist $name
    expect_line " *hdc +$ROOT/a.img *"
    vk change-media $name hdc --eject
    expect_ok vksh eject
    expect_contains "Successfully ejected media."
    vsh domblklist $name
    expect_line " *hdc +- *"
    vk change-media $name hdc "$ROOT/b.img" --insert
    expect_ok vksh insert
    vsh domblklist $name
    expect_line " *hdc +$ROOT/b.img *"
fi
vsh destroy $name
expect_ok destroy
echo PASS
