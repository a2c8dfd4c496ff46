#!/bin/bash
# Lifecycle actions and reset on the real test guest (TCG):
#  - on_poweroff='restart': virsh shutdown powers the guest off and the
#    domain comes back by itself in the same QEMU (libvirt's fake reboot:
#    same id, a second readiness line, only a 'reboot' event);
#  - reset (virsh and vksh): the guest boots again in the same QEMU (same id,
#    one more readiness line) and a 'reboot' event is sent;
#  - on_reboot='destroy' (QMP set-action reboot=shutdown): a reset ends the domain, shut off
#    with reason shutdown, and it stays off.
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start

# $1 name, $2 serial log, $3 on_poweroff, $4 on_reboot
guest_xml() {
    sed -e "s|@NAME@|$1|g" -e "s|@GUEST_DIR@|$GUEST_DIR|g" \
        -e "s|<source path='@SERIAL_LOG@'/>|<source path='$2' append='on'/>|" \
        -e "s|<on_poweroff>destroy</on_poweroff>|<on_poweroff>$3</on_poweroff>|" \
        -e "s|<on_reboot>restart</on_reboot>|<on_reboot>$4</on_reboot>|" \
        -e "/<interface type='user'>/,/<\/interface>/d" "$GUEST_DOMAIN_XML_IN"
}
ready_count() {
    tr -d '\r' < "$1" 2>/dev/null | grep -c "^VIRTKIT-GUEST-READY $GUEST_KVER" || true
}
# Waits (bounded: a TCG boot on a busy host) for the readiness line count.
wait_ready_count() {
    local i
    for i in $(seq 1 900); do
        [ "$(ready_count "$1")" -ge "$2" ] && return 0
        sleep 0.2
    done
    vk_fail "readiness line count in $1 never reached $2 (is $(ready_count "$1"))"
}

log=$ROOT/g-restart.serial
guest_xml g-restart "$log" restart restart > "$ROOT/g-restart.xml"
vsh define "$ROOT/g-restart.xml"; expect_ok define
vsh dumpxml g-restart
expect_contains "<on_poweroff>restart</on_poweroff>"

timeout 280 "$VKSH" -c "$VK_URI" event --all --loop --timeout 270 g-restart \
    > "$ROOT/events.out" 2>&1 &
evpid=$!
timeout 280 virsh -c "$VK_URI" event --all --loop --timeout 270 --domain g-restart \
    > "$ROOT/virsh-events.out" 2>&1 &
evpid2=$!
# Re-defining sends 'Defined Updated': repeat until both watchers show it,
# so they are registered before the domain starts (no guessed delay).
timeout 60 virsh -c "$VK_URI" dumpxml --inactive g-restart > "$ROOT/g-restart-def.xml" ||
    vk_fail "dumpxml g-restart"
for i in $(seq 1 100); do
    vsh define "$ROOT/g-restart-def.xml"; expect_ok define again
    grep -q "Defined Updated" "$ROOT/events.out" &&
        grep -q "Defined Updated" "$ROOT/virsh-events.out" && break
    sleep 0.3
done
vsh start g-restart; expect_ok start
wait_ready_count "$log" 1
vsh domid g-restart; id1=$OUT

# The guest powers off; on_poweroff='restart' brings it back.
vsh shutdown g-restart; expect_ok shutdown
wait_ready_count "$log" 2
vsh domstate g-restart
expect_line running
vsh domid g-restart; id2=$OUT
[ "$id1" = "$id2" ] || vk_fail "restarted domain changed id $id1 -> $id2 (expected the same QEMU)"

# reset: same QEMU, the guest boots again.
vsh reset g-restart
expect_ok reset
expect_contains "Domain 'g-restart' was reset"
wait_ready_count "$log" 3
vsh domid g-restart
expect_line "$id2"
OUT=$("$VKSH" -c "$VK_URI" reset g-restart 2>&1) || vk_fail "vksh reset failed: $OUT"
expect_contains "Domain 'g-restart' was reset"
wait_ready_count "$log" 4
vsh domid g-restart
expect_line "$id2"

vsh destroy g-restart; expect_ok destroy
for i in $(seq 1 100); do
    grep -q "Stopped Destroyed" "$ROOT/events.out" &&
        grep -q "Stopped Destroyed" "$ROOT/virsh-events.out" && break
    sleep 0.2
done
kill -INT $evpid $evpid2 2>/dev/null; wait $evpid $evpid2 2>/dev/null
# Firmware may reset the machine once more while rebooting (QEMU reports
# each RESET; libvirt sends a reboot event for each): compare runs of them.
nreboot=$(grep -c "^event 'reboot' for domain 'g-restart'$" "$ROOT/events.out")
[ "$nreboot" -ge 2 ] || vk_fail "expected a reboot event per reset, got $nreboot"
OUT=$(grep "^event '" "$ROOT/events.out" | grep -v "Defined Updated" | uniq)
want="event 'lifecycle' for domain 'g-restart': Started Booted
event 'reboot' for domain 'g-restart'
event 'lifecycle' for domain 'g-restart': Stopped Destroyed"
[ "$OUT" = "$want" ] || vk_fail "vksh events: got
$OUT
expected
$want"
OUT=$(grep "^event '" "$ROOT/virsh-events.out" | grep -v "Defined Updated" | uniq)
[ "$OUT" = "$want" ] || vk_fail "virsh events: got
$OUT
expected
$want"

# Errors: reset of a domain that is not running; reset flags.
vsh reset g-restart
expect_fail reset shut-off
expect_contains "Failed to reset domain 'g-restart'"

# on_reboot='destroy': a reset ends the domain (set-action reboot=shutdown).
log2=$ROOT/g-noreboot.serial
guest_xml g-noreboot "$log2" destroy destroy > "$ROOT/g-noreboot.xml"
vsh define "$ROOT/g-noreboot.xml"; expect_ok define
vsh start g-noreboot; expect_ok start
wait_ready_count "$log2" 1
vsh reset g-noreboot
for i in $(seq 1 300); do
    vsh domstate g-noreboot --reason
    [ "$OUT" = "shut off (shutdown)" ] && break
    sleep 0.2
done
expect_line 'shut off \(shutdown\)'
[ "$(ready_count "$log2")" = 1 ] || vk_fail "g-noreboot booted again"
echo PASS
