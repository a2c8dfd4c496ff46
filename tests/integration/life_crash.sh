#!/bin/bash
# Feature "lifecycle": on_crash on the real test guest (TCG) with a
# <panic model='isa'/> device (QEMU's pvpanic; the guest loads its driver).
# A panic is typed on the guest's serial shell (echo c > /proc/sysrq-trigger;
# the guest kernel has no panic= timeout, so it never reboots by itself).
# QEMU reports GUEST_PANICKED; the domain becomes crashed (event 'Crashed
# Panicked'), then per on_crash:
#  - destroy: shut off (crashed), event 'Stopped Crashed';
#  - restart: the guest boots again in the same QEMU, running (crashed);
#  - preserve: stays crashed (panicked), QEMU kept (python sees the state);
#  - coredump-destroy / coredump-restart: first an ELF memory dump in
#    <root>/lib/qemu/dump, then as destroy / restart;
#  - <panic model='pvpanic'> (pvpanic-pci) reports the panic the same way.
set -u
. "$(dirname "$0")/life_lib.sh"
PANIC="    <panic model='isa'/>"

timeout 890 virsh -c "$VK_URI" event --all --loop --timeout 880 > "$ROOT/virsh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
timeout 890 "$VKSH" -c "$VK_URI" event --all --loop --timeout 880 > "$ROOT/vksh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"

# XML: the panic device round-trips; a bad model is rejected by name.
life_xml g-x destroy destroy "    <panic model='bogus'/>" > "$ROOT/g-x.xml"
vsh define "$ROOT/g-x.xml"; expect_fail "define with panic model bogus"
expect_contains "bogus"

# $1 name, $2 on_crash [, $3 panic device XML]: defines (until both watchers saw it: they are
# registered), starts, waits for the boot, panics the guest.
boot_and_panic() {
    life_xml "$1" destroy "$2" "${3:-$PANIC}" > "$ROOT/$1.xml"
    for i in $(seq 1 100); do
        vsh define "$ROOT/$1.xml"; expect_ok "define $1"
        grep -q "'$1': Defined" "$ROOT/virsh-ev.out" &&
            grep -q "'$1': Defined" "$ROOT/vksh-ev.out" && break
        sleep 0.3
    done
    vsh dumpxml "$1"; expect_contains "<panic model='${4:-isa}'"
    expect_contains "<on_crash>$2</on_crash>"
    life_relay "$1"
    vsh start "$1"; expect_ok "start $1"
    life_wait_ready "$1" 1
    PID=$(life_pid "$1")
    # the guest's pvpanic driver is loaded before the readiness line
    life_type "$1" "echo c > /proc/sysrq-trigger"
}
# $1 name, $2 expected events (after Defined/Started), both watchers.
expect_events() {
    local f got
    for f in virsh-ev.out vksh-ev.out; do
        got=$(grep "for domain '$1'" "$ROOT/$f" | grep -v "Defined\|Started Booted" | uniq)
        [ "$got" = "$2" ] || vk_fail "$1: $f: got
$got
expected
$2"
    done
}
dumps() { ls "$ROOT/lib/qemu/dump/" 2>/dev/null | grep -c -- "-$1-" || true; }
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# destroy
boot_and_panic g-destroy destroy
life_wait_state g-destroy "shut off (crashed)"
life_wait_grep "$ROOT/vksh-ev.out" "'g-destroy': Stopped Crashed"
life_wait_grep "$ROOT/virsh-ev.out" "'g-destroy': Stopped Crashed"
expect_events g-destroy "event 'lifecycle' for domain 'g-destroy': Crashed Panicked
event 'lifecycle' for domain 'g-destroy': Stopped Crashed"
[ "$(dumps g-destroy)" = 0 ] || vk_fail "destroy wrote a dump"

# the PCI model (pvpanic-pci, its slot assigned at define) works the same
boot_and_panic g-pci destroy "    <panic model='pvpanic'/>" pvpanic
life_wait_state g-pci "shut off (crashed)"
vsh dumpxml g-pci; expect_contains "<address type='pci'"

# restart: same QEMU, a second boot
boot_and_panic g-restart restart
life_wait_ready g-restart 2
life_wait_state g-restart "running (crashed)"
[ "$(life_pid g-restart)" = "$PID" ] || vk_fail "g-restart: QEMU changed"
life_wait_grep "$ROOT/virsh-ev.out" "'g-restart': Crashed Panicked"
life_wait_grep "$ROOT/vksh-ev.out" "'g-restart': Crashed Panicked"
life_wait_grep "$ROOT/vksh-ev.out" "^event 'reboot' for domain 'g-restart'$"
vsh destroy g-restart; expect_ok destroy

# preserve: stays crashed with its QEMU
boot_and_panic g-keep preserve
life_wait_state g-keep "crashed (panicked)"
[ "$(life_pid g-keep)" = "$PID" ] && kill -0 "$PID" || vk_fail "g-keep: QEMU gone"
/usr/bin/python3 - "$VK_URI" <<'PY' || vk_fail "python: crashed state"
import sys, libvirt
c = libvirt.open(sys.argv[1])
st = c.lookupByName("g-keep").state()
assert st == [libvirt.VIR_DOMAIN_CRASHED, libvirt.VIR_DOMAIN_CRASHED_PANICKED], st
PY
OUT=$(timeout 60 "$VKSH" -c "$VK_URI" domstate g-keep --reason 2>&1)
expect_line 'crashed \(panicked\)'
vsh destroy g-keep; expect_ok destroy
expect_events g-keep "event 'lifecycle' for domain 'g-keep': Crashed Panicked
event 'lifecycle' for domain 'g-keep': Stopped Destroyed"

# coredump-destroy: an ELF dump, then shut off (crashed)
boot_and_panic g-dump coredump-destroy
life_wait_state g-dump "shut off (crashed)"
[ "$(dumps g-dump)" = 1 ] || vk_fail "no dump of g-dump: $(ls -l "$ROOT/lib/qemu/dump/" 2>&1)"
is_elf "$ROOT"/lib/qemu/dump/*-g-dump-* || vk_fail "the dump of g-dump is not an ELF core"

# coredump-restart: a dump, then a second boot in the same QEMU
boot_and_panic g-dumpr coredump-restart
life_wait_ready g-dumpr 2
[ "$(life_pid g-dumpr)" = "$PID" ] || vk_fail "g-dumpr: QEMU changed"
[ "$(dumps g-dumpr)" = 1 ] || vk_fail "no dump of g-dumpr"
vsh destroy g-dumpr; expect_ok destroy
echo PASS
