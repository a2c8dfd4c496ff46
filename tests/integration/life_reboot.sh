#!/bin/bash
# Feature "lifecycle": reboot as libvirt does it, on the real test guest (TCG).
#  - virsh reboot presses the ACPI power button and marks a fake reboot: the
#    guest powers off, QEMU (-no-shutdown) stays, the driver resets and
#    continues it: the guest boots again in the same QEMU (same pid and id),
#    the domain stays running and only a 'reboot' event is seen (virsh event
#    and vksh event); vksh reboot and python's dom.reboot(0) do the same;
#  - reboot --mode agent: a clear error (no guest agent);
#  - a guest that ignores ACPI (firmware only): reboot returns, it runs on;
#  - a transient domain (virsh create) with on_poweroff='restart' comes back
#    when the guest powers off (same QEMU), and is still listed.
set -u
. "$(dirname "$0")/life_lib.sh"

# Event watchers first, so they see everything from the start on.
timeout 500 virsh -c "$VK_URI" event --all --loop --timeout 490 > "$ROOT/virsh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
timeout 500 "$VKSH" -c "$VK_URI" event --all --loop --timeout 490 > "$ROOT/vksh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
life_xml g-boot destroy destroy > "$ROOT/g-boot.xml"
# Defining sends 'Defined Added' / 'Updated': repeat until both watchers
# show it, so they are registered (no guessed delay).
for i in $(seq 1 100); do
    vsh define "$ROOT/g-boot.xml"; expect_ok define
    grep -q "g-boot': Defined" "$ROOT/virsh-ev.out" &&
        grep -q "g-boot': Defined" "$ROOT/vksh-ev.out" && break
    sleep 0.3
done
life_relay g-boot
vsh start g-boot; expect_ok start
life_wait_ready g-boot 1
pid=$(life_pid g-boot)
[ -n "$pid" ] || vk_fail "no QEMU pid in the status file"
vsh domid g-boot; id=$OUT

# virsh reboot: the guest boots a second time in the same QEMU.
vsh reboot g-boot; expect_ok reboot
expect_contains "Domain 'g-boot' is being rebooted"
life_wait_ready g-boot 2
[ "$(life_pid g-boot)" = "$pid" ] || vk_fail "QEMU pid changed: $pid -> $(life_pid g-boot)"
vsh domid g-boot; expect_line "$id"
vsh domstate g-boot --reason; expect_line 'running \(booted\)'
life_wait_grep "$ROOT/virsh-ev.out" "^event 'reboot' for domain 'g-boot'$"
life_wait_grep "$ROOT/vksh-ev.out" "^event 'reboot' for domain 'g-boot'$"

# vksh reboot: a third boot, same QEMU.
OUT=$(timeout 60 "$VKSH" -c "$VK_URI" reboot g-boot 2>&1) || vk_fail "vksh reboot: $OUT"
expect_contains "Domain 'g-boot' is being rebooted"
life_wait_ready g-boot 3
[ "$(life_pid g-boot)" = "$pid" ] || vk_fail "QEMU pid changed after vksh reboot"

# python3-libvirt: dom.reboot(0), a fourth boot.
/usr/bin/python3 - "$VK_URI" <<'PY' || vk_fail "python reboot failed"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
d = c.lookupByName("g-boot")
d.reboot(0)
try:
    d.reboot(libvirt.VIR_DOMAIN_REBOOT_GUEST_AGENT)
    sys.exit("reboot with GUEST_AGENT succeeded")
except libvirt.libvirtError as e:
    assert e.get_error_code() == libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, e.get_error_code()
    assert "guest agent is not configured" in str(e), str(e)
PY
life_wait_ready g-boot 4
[ "$(life_pid g-boot)" = "$pid" ] || vk_fail "QEMU pid changed after python's reboot"
vsh domstate g-boot; expect_line running

# No guest agent: --mode agent fails clearly (virsh and vksh).
vsh reboot g-boot --mode agent; expect_fail "reboot --mode agent"
expect_contains "QEMU guest agent is not configured"
OUT=$(timeout 60 "$VKSH" -c "$VK_URI" reboot g-boot --mode agent 2>&1) &&
    vk_fail "vksh reboot --mode agent succeeded: $OUT"
expect_contains "QEMU guest agent is not configured"
OUT=$(timeout 60 "$VKSH" -c "$VK_URI" reboot g-boot --mode bogus 2>&1) &&
    vk_fail "vksh reboot --mode bogus succeeded: $OUT"
expect_contains "Unknown mode bogus value"
OUT=$(timeout 60 "$VKSH" -c "$VK_URI" reboot g-boot --mode acpi 2>&1) ||
    vk_fail "vksh reboot --mode acpi: $OUT"
life_wait_ready g-boot 5

vsh destroy g-boot; expect_ok destroy
life_wait_grep "$ROOT/virsh-ev.out" "g-boot': Stopped Destroyed"
life_wait_grep "$ROOT/vksh-ev.out" "g-boot': Stopped Destroyed"
# The whole lifecycle seen by both: started once, reboots, destroyed once
# (no Shutdown/Stopped/Started for the reboots).
for f in virsh-ev.out vksh-ev.out; do
    OUT=$(grep "for domain 'g-boot'" "$ROOT/$f" | grep -v "Defined" | uniq)
    want="event 'lifecycle' for domain 'g-boot': Started Booted
event 'reboot' for domain 'g-boot'
event 'lifecycle' for domain 'g-boot': Stopped Destroyed"
    [ "$OUT" = "$want" ] || vk_fail "$f: got
$OUT
expected
$want"
done
vsh reboot g-boot; expect_fail "reboot of a shut-off domain"
expect_contains "not running"

# A guest that ignores ACPI (no OS: the firmware idles): reboot returns and
# the domain runs on in the same QEMU.
vk_domain_xml g-noacpi > "$ROOT/g-noacpi.xml"
vsh create "$ROOT/g-noacpi.xml"; expect_ok create
p1=$(life_pid g-noacpi)
vsh reboot g-noacpi; expect_ok "reboot (ACPI ignored)"
vsh domstate g-noacpi; expect_line running
[ "$(life_pid g-noacpi)" = "$p1" ] || vk_fail "g-noacpi: QEMU changed"
vsh destroy g-noacpi; expect_ok destroy

# Transient with on_poweroff='restart': the guest's power-off restarts it
# in the same QEMU and it stays listed.
life_xml g-trans restart destroy > "$ROOT/g-trans.xml"
life_relay g-trans
vsh create "$ROOT/g-trans.xml"; expect_ok create
life_wait_ready g-trans 1
tp=$(life_pid g-trans)
vsh shutdown g-trans; expect_ok shutdown
life_wait_ready g-trans 2
vsh domstate g-trans; expect_line running
[ "$(life_pid g-trans)" = "$tp" ] || vk_fail "g-trans: QEMU changed"
vsh list --transient --name; expect_line g-trans
# ... and the guest powering off by itself too.
life_type g-trans "poweroff -f"
life_wait_ready g-trans 3
vsh domstate g-trans; expect_line running
vsh destroy g-trans; expect_ok destroy
vsh list --all --name
case "$OUT" in *g-trans*) vk_fail "destroyed transient domain still listed: $OUT" ;; esac
echo PASS
