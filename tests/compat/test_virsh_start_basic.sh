#!/bin/bash
# Issue 2, running half for vi-basic (direct kernel boot, q35, user network):
# stock virsh starts the XML virt-install wrote, with only <kernel>/<initrd>
# pointed at the built test guest, and it boots, lists, dominfo's, powers off
# on `virsh shutdown` (ACPI) and is destroyed as under libvirtd.
#
# Run 1 also turns <console type='pty'/> into a file serial: the readiness
# line of the guest is read there (virsh console needs DOMAIN_OPEN_CONSOLE).
# Run 2 keeps the pty console unchanged and only starts, lists, destroys.
set -u
. "$VK_TESTS_DIR/compat/compat_lib.sh"
. "$VK_TESTS_DIR/guest/guest-env.sh" || vk_fail "the test guest could not be built"
vk_daemon_start

# The other two defined as well, so list --all can be compared with libvirtd's.
define_ok vi-disk-vnc "$FIX/vi-disk-vnc.xml"
define_ok vi-q35-spice "$FIX/vi-q35-spice.xml"

# The running list against libvirtd's: the Id column is masked (libvirtd's 3
# was its third start) and checked against dominfo's Id instead.
expect_running_list() {
    vsh_exact list --all
    [ "$RC" -eq 0 ] || vk_fail "list --all failed: $OUT"
    grep -Eq "^ $1 +vi-basic +running\$" "$ROOT/out" ||
        vk_fail "list --all does not show vi-basic running with Id $1: $(cat "$ROOT/out")"
    expect_recorded "$FIX/vi-basic.running.list.txt" 's/^ [0-9][0-9]* *vi-basic /<id> vi-basic /'
    vsh_exact list
    grep -Eq "^ $1 +vi-basic +running\$" "$ROOT/out" ||
        vk_fail "list does not show vi-basic running with Id $1: $(cat "$ROOT/out")"
    ! grep -q 'shut off' "$ROOT/out" || vk_fail "list without --all shows inactive domains: $(cat "$ROOT/out")"
}

# --- run 1: boot the guest, wait for its readiness line, ACPI shutdown
serial=$ROOT/vi-basic.serial.log
compat_xml rewrite "$FIX/vi-basic.xml" "$ROOT/vi-basic.serial.xml" \
    kernel="$GUEST_KERNEL" initrd="$GUEST_INITRD" serial-file="$serial" ||
    vk_fail "could not rewrite vi-basic.xml"
define_ok vi-basic "$ROOT/vi-basic.serial.xml"
start_ok vi-basic
expect_running_dominfo vi-basic "$FIX/vi-basic.running.dominfo.txt"
expect_running_list "$RUN_ID"
vsh domstate --reason vi-basic
[ "$OUT" = "running (booted)" ] || vk_fail "domstate --reason after start: expected 'running (booted)', got '$OUT'"

# TCG boot on a shared machine: bounded wait, failing early if the domain stops.
for ((i = 0; i < 300 * 2; i++)); do
    grep -q 'VIRTKIT-GUEST-READY' "$serial" 2>/dev/null && break
    if ((i % 10 == 0)); then
        vsh domstate vi-basic
        [ "$OUT" = running ] || vk_fail "vi-basic left 'running' ('$OUT') before the guest was ready:
$(tail -n 20 "$serial" 2>/dev/null)"
    fi
    sleep 0.5
done
# Not anchored: the guest's shell prompt can race onto the same line, before it.
ready=$(tr -d '\r' <"$serial" 2>/dev/null | grep -o 'VIRTKIT-GUEST-READY.*')
[ "$ready" = "VIRTKIT-GUEST-READY $GUEST_KVER" ] ||
    vk_fail "no readiness line 'VIRTKIT-GUEST-READY $GUEST_KVER' on the serial within 300 s (got '$ready'):
$(tail -n 20 "$serial" 2>/dev/null)"
# Still the same run, unaffected by the boot.
expect_running_dominfo vi-basic "$FIX/vi-basic.running.dominfo.txt"

vsh_exact shutdown vi-basic
[ "$RC" -eq 0 ] || vk_fail "virsh shutdown failed (rc $RC): $OUT"
expect_stdout "Domain 'vi-basic' is being shutdown"
wait_state vi-basic "shut off" 60
vsh domstate --reason vi-basic
[ "$OUT" = "shut off (shutdown)" ] ||
    vk_fail "domstate --reason after the guest powered off: expected 'shut off (shutdown)', got '$OUT'"
tr -d '\r' <"$serial" | grep -q 'power button pressed' ||
    vk_fail "vi-basic is shut off but the guest never saw the power button"
[ -z "$(vk_status_pids)" ] || vk_fail "a status file still records a QEMU after shutdown"
vsh_exact dominfo vi-basic
expect_recorded "$FIX/vi-basic.dominfo.txt"

# --- run 2: the console left as virt-install wrote it (pty); start, destroy
compat_xml rewrite "$FIX/vi-basic.xml" "$ROOT/vi-basic.pty.xml" \
    kernel="$GUEST_KERNEL" initrd="$GUEST_INITRD" || vk_fail "could not rewrite vi-basic.xml"
define_ok vi-basic "$ROOT/vi-basic.pty.xml"
start_ok vi-basic
expect_running_dominfo vi-basic "$FIX/vi-basic.running.dominfo.txt"
expect_running_list "$RUN_ID"
# The live XML: valid, carries the Id, keeps what was defined.
vsh_exact dumpxml vi-basic
[ "$RC" -eq 0 ] || vk_fail "dumpxml of running vi-basic failed: $OUT"
cp "$ROOT/out" "$ROOT/vi-basic.live.xml"
head -n 1 "$ROOT/vi-basic.live.xml" | grep -qx "<domain type='qemu' id='$RUN_ID'>" ||
    vk_fail "live dumpxml does not open with <domain type='qemu' id='$RUN_ID'>: $(head -n 1 "$ROOT/vi-basic.live.xml")"
virt-xml-validate "$ROOT/vi-basic.live.xml" domain >"$ROOT/validate" 2>&1 ||
    vk_fail "live dumpxml is not valid domain XML: $(cat "$ROOT/validate")"
compat_xml same-keys "$ROOT/vi-basic.pty.xml" "$ROOT/vi-basic.live.xml" ||
    vk_fail "live dumpxml of vi-basic lost or changed what was defined"
destroy_ok vi-basic
[ -z "$(vk_status_pids)" ] || vk_fail "a status file still records a QEMU after destroy"
vsh_exact list --all
expect_recorded "$FIX/list.txt"

for n in $FIXTURES; do
    undefine_ok "$n"
done
echo "PASS: vi-basic booted the test guest, powered off on virsh shutdown, started and was destroyed with its pty console"
