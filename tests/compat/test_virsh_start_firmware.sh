#!/bin/bash
# Issue 2, running half for a fixture with a blank qcow2 disk (vi-disk-vnc:
# i440fx, virtio disk, VNC; vi-q35-spice: q35, SATA, SPICE + QXL, e1000e):
# stock virsh starts the XML virt-install wrote, with only the disk path moved
# into the test's root; it idles in firmware (no OS) until destroyed.
# Usage: test_virsh_start_firmware.sh NAME
set -u
name=${1:?usage: test_virsh_start_firmware.sh NAME}
. "$VK_TESTS_DIR/compat/compat_lib.sh"
vk_daemon_start

disk=$ROOT/$name.qcow2
qemu-img create -q -f qcow2 "$disk" 64M || vk_fail "qemu-img create $disk"
compat_xml rewrite "$FIX/$name.xml" "$ROOT/$name.xml" disk="$disk" ||
    vk_fail "could not rewrite $name.xml"
define_ok "$name" "$ROOT/$name.xml"

start_ok "$name"
vsh_exact list
grep -Eq "^ [1-9][0-9]* +$name +running\$" "$ROOT/out" ||
    vk_fail "list does not show $name running with an Id: $(cat "$ROOT/out")"
vsh domstate --reason "$name"
[ "$OUT" = "running (booted)" ] || vk_fail "domstate --reason after start: expected 'running (booted)', got '$OUT'"

# domdisplay names the graphics server the live XML records (VNC display
# number = port - 5900; SPICE the port itself), and QEMU listens there.
vsh dumpxml "$name"
expect_ok dumpxml
gtype=$(printf '%s\n' "$OUT" | sed -n "s/.*<graphics type='\([a-z]*\)' port='\([0-9]*\)'.*/\1/p" | head -1)
gport=$(printf '%s\n' "$OUT" | sed -n "s/.*<graphics type='\([a-z]*\)' port='\([0-9]*\)'.*/\2/p" | head -1)
[ -n "$gport" ] && [ "$gport" -ge 5900 ] || vk_fail "live XML has no graphics port: $OUT"
ss -Hltn "sport = :$gport" | grep -q LISTEN || vk_fail "nothing listens on graphics port $gport"
vsh domdisplay "$name"
expect_ok domdisplay
case $gtype in
    vnc) expect_line "vnc://127.0.0.1:$((gport - 5900))" ;;
    spice) expect_line "spice://127.0.0.1:$gport" ;;
    *) vk_fail "unexpected graphics type '$gtype' in the live XML" ;;
esac

# libvirtd recorded dominfo only shut off for this fixture; running, it is the
# same with State running, a CPU time line after CPU(s) (as in
# vi-basic.running.dominfo.txt) and an Id, both masked.
sed -e 's/^Id: .*/Id:             <varies>/' -e 's/^State: .*/State:          running/' \
    -e '/^CPU(s):/a CPU time:       <varies>' "$FIX/$name.dominfo.txt" >"$ROOT/running.dominfo.txt"
expect_running_dominfo "$name" "$ROOT/running.dominfo.txt"

destroy_ok "$name"
[ -z "$(vk_status_pids)" ] || vk_fail "a status file still records a QEMU after destroy"
vsh_exact dominfo "$name"
expect_recorded "$FIX/$name.dominfo.txt"
undefine_ok "$name"
echo "PASS: $name started (idling in firmware), listed running and was destroyed"
