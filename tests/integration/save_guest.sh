#!/bin/bash
# Feature "save" on the real test guest (TCG), with stock virsh: save to a
# file and restore (the guest resumes, it does not boot again: its readiness
# line stays single in the serial log, kept with append='on'), managed save
# (start resumes and removes the image), managedsave-remove (next start boots
# fresh), save --verbose progress, and the guest answering the power button
# after a restore (it is alive, not a frozen image).
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start

name=g-save
log=$ROOT/$name.serial
sed -e "s|@NAME@|$name|g" -e "s|@GUEST_DIR@|$GUEST_DIR|g" \
    -e "s|<source path='@SERIAL_LOG@'/>|<source path='$log' append='on'/>|" \
    -e "/<interface type='user'>/,/<\/interface>/d" "$GUEST_DOMAIN_XML_IN" > "$ROOT/$name.xml"
grep -q "append='on'" "$ROOT/$name.xml" || vk_fail "test XML: serial append not set"

ready_count() { tr -d '\r' < "$log" 2>/dev/null | grep -c "^VIRTKIT-GUEST-READY"; }
wait_ready() { # $1: how many readiness lines to wait for (bounded wait)
    for _ in $(seq 1 900); do
        [ "$(ready_count)" -ge "$1" ] && return 0
        sleep 0.2
    done
    vk_fail "the guest did not reach readiness line #$1"
}
expect_state() {
    vsh domstate "$name" --reason
    expect_ok domstate
    expect_line "$1"
}

vsh define "$ROOT/$name.xml"; expect_ok define
vsh start "$name"; expect_ok start
wait_ready 1

# save --verbose: progress from job info while the save runs
img=$ROOT/saved.img
vsh save "$name" "$img" --verbose
expect_ok save
expect_contains "Save: ["
expect_contains "Domain '$name' saved to $img"
expect_state 'shut off \(saved\)'
[ -f "$img" ] || vk_fail "save image $img missing"
[ "$(head -c 11 "$img")" = "VirtKitSave" ] || vk_fail "save image lacks the VirtKitSave header"
grep -aq "<name>$name</name>" "$img" || vk_fail "save image does not carry the domain XML"
[ -z "$(ls "$ROOT"/*.vktmp 2>/dev/null)" ] || vk_fail "temporary save file left behind"
# restoring garbage fails clearly
printf 'not an image' > "$ROOT/bad.img"
vsh restore "$ROOT/bad.img"; expect_fail restore bad
expect_contains "not a virtkit save image"

vsh restore "$img"; expect_ok restore
expect_contains "Domain restored from $img"
expect_state 'running \(restored\)'
sleep 3 # a rebooting guest would print its readiness line again by now... and later:
vsh domjobinfo "$name"; expect_ok domjobinfo
expect_line 'Job type: +None *'

# managed save: list/dominfo show it, start resumes and removes the image
vsh managedsave "$name"; expect_ok managedsave
expect_state 'shut off \(saved\)'
msave=$ROOT/lib/qemu/save/$name.save
[ -f "$msave" ] || vk_fail "managed save image $msave missing"
vsh list --all; expect_ok list
expect_line " +-  +$name +shut off"
vsh dominfo "$name"; expect_ok dominfo
expect_line 'Managed save: +yes'
vsh list --all --managed-save; expect_ok list --managed-save
expect_contains "$name"
vsh start "$name"; expect_ok start
expect_state 'running \(restored\)'
[ ! -e "$msave" ] || vk_fail "managed save image not removed after start"
vsh dominfo "$name"; expect_line 'Managed save: +no'

# managedsave-remove: the next start boots fresh
vsh managedsave "$name"; expect_ok managedsave
vsh managedsave-remove "$name"; expect_ok managedsave-remove
[ ! -e "$msave" ] || vk_fail "managedsave-remove left the image"
vsh dominfo "$name"; expect_line 'Managed save: +no'
[ "$(ready_count)" -eq 1 ] ||
    vk_fail "the guest booted again during save/restore ($(ready_count) readiness lines)"
vsh start "$name"; expect_ok start
expect_state 'running \(booted\)'
wait_ready 2

# alive after a restore: save, restore, then the guest answers the power button
vsh save "$name" "$img"; expect_ok save
vsh restore "$img"; expect_ok restore
vsh shutdown "$name"; expect_ok shutdown
for _ in $(seq 1 600); do
    vsh domstate "$name"
    case "$OUT" in *"shut off"*) break ;; esac
    sleep 0.2
done
expect_state 'shut off \(shutdown\)'
tr -d '\r' < "$log" | grep -q "power button pressed" || vk_fail "the restored guest did not answer"
[ "$(ready_count)" -eq 2 ] || vk_fail "unexpected reboot: $(ready_count) readiness lines"
echo "PASS: save/restore/managedsave on the test guest"
