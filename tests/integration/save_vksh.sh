#!/bin/bash
# Feature "save" through vksh (libvirtkit) on a small domain idling in
# firmware: save --verbose (progress, 100 % at the end), restore, managedsave
# (virsh sees the image; start resumes it), managedsave-remove, domjobinfo
# (--json too) and domjobabort without a job.
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
vk_daemon_start
vk() { OUT=$(timeout 120 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; vk_track_qemus; }

name=s1
vk_domain_xml $name > "$ROOT/$name.xml"
vk define "$ROOT/$name.xml"; expect_ok define
vk start $name; expect_ok start

img=$ROOT/s1.img
vk save $name "$img" --verbose; expect_ok vksh save
expect_contains "Save: [100 %]"
expect_contains "Domain '$name' saved to $img"
vsh domstate $name --reason; expect_line 'shut off \(saved\) *'
[ "$(head -c 11 "$img")" = VirtKitSave ] || vk_fail "vksh save: no VirtKitSave header"

vk save $name "$img"; expect_fail save of a stopped domain
expect_contains "is not running"
# a truncated image: the header and XML are fine, QEMU rejects the stream
head -c 4096 "$img" > "$ROOT/trunc.img"
vk restore "$ROOT/trunc.img"; expect_fail restore of a truncated image
expect_contains "is the image complete?"
vsh domstate $name; expect_line 'shut off *'
vk restore "$img" --paused; expect_ok vksh restore
expect_contains "Domain restored from $img"
vsh domstate $name; expect_line 'paused *'
vk resume $name; expect_ok resume

vk domjobinfo $name; expect_ok domjobinfo
expect_line 'Job type: +None *'
vk --json domjobinfo $name; expect_ok domjobinfo --json
printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["type"]=="None", d' ||
    vk_fail "domjobinfo --json: $OUT"
vk domjobabort $name; expect_fail domjobabort without a job
expect_contains "no job is active"

vk managedsave $name; expect_ok vksh managedsave
expect_contains "Domain '$name' state saved by libvirt"
vsh dominfo $name; expect_line 'Managed save: +yes'
vk start $name; expect_ok start from managed save
vsh domstate $name --reason; expect_line 'running \(restored\) *'
vsh dominfo $name; expect_line 'Managed save: +no'

vk managedsave $name; expect_ok managedsave
vk --json managedsave-remove $name; expect_ok managedsave-remove
printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["removed"] is True, d' ||
    vk_fail "managedsave-remove --json: $OUT"
vk managedsave-remove $name; expect_ok managedsave-remove again
expect_contains "has no manage save image; removal skipped"
vk start $name; expect_ok start fresh
vsh domstate $name --reason; expect_line 'running \(booted\) *'
vk destroy $name; expect_ok destroy
echo "PASS: vksh save, restore, managedsave, managedsave-remove, domjobinfo, domjobabort"
