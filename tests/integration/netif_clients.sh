#!/bin/bash
# Feature "net" through python3-libvirt (netif_python.py) and vksh, with
# virtkitd in a network namespace of this test's own and the real test
# guest: device events, interface stats, vksh attach-interface /
# detach-interface / domiflist / domifstat / event --json. Last, a detach
# while the guest is paused (it cannot release the NIC): the call returns as
# libvirt's does, the NIC stays in the live XML, and once the guest runs
# again the removal finishes and device-removed arrives.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
. "$here/../lib/vk_netns.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
vk_netns_start
vk_daemon_start
PY=/usr/bin/python3
vk() { OUT=$(timeout 120 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; }
wait_event() { vk_wait_line "$ROOT/events.json" "$1"; }

name=vk-netcl
vk_guest_xml $name "unix:$ROOT/serial.sock" > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"
vsh define "$ROOT/$name.xml"
expect_ok define
vsh start $name
expect_ok start
guest 300 'NC-ALIVE' 'echo NC-ALIVE' >/dev/null || vk_fail "the guest shell did not answer"

# python3-libvirt
OUT=$(timeout 300 $PY "$here/netif_python.py" "$VK_URI" $name 2>&1)
RC=$?
expect_ok python3-libvirt
expect_contains "python ok"

# vksh
timeout 600 "$VKSH" -c "$VK_URI" --json event --all --loop > "$ROOT/events.json" 2>&1 &
VK_NETNS_KILL=$!
# the listener is registered once a lifecycle event reaches it
for _ in $(seq 1 60); do
    vk suspend $name; vk resume $name
    grep -q '"event":"lifecycle"' "$ROOT/events.json" && break
    sleep 0.5
done
grep -q '"event":"lifecycle"' "$ROOT/events.json" || vk_fail "vksh event never received an event"
vk attach-interface $name bridge br0 --mac 52:54:00:7a:00:02 --model virtio --print-xml
expect_ok vksh attach-interface --print-xml
expect_contains "<source bridge='br0'/>"
vk attach-interface $name bridge br0 --mac 52:54:00:7a:00:02 --model virtio --live
expect_ok vksh attach-interface bridge
expect_contains "Interface attached successfully"
wait_event '"event":"device-added".*"alias":"net0"'
vk attach-interface $name user --mac 52:54:00:7a:00:03 --live
expect_ok vksh attach-interface user
wait_event '"event":"device-added".*"alias":"net1"'
vk domiflist $name
expect_ok vksh domiflist
expect_line " *vnet0 +bridge +br0 +virtio +52:54:00:7a:00:02 *"
expect_line " *- +user +- +- +52:54:00:7a:00:03 *"
vk --json domiflist $name
OUT=$(printf '%s' "$OUT" | tr -d ' \n')
expect_contains '{"interface":"vnet0","type":"bridge","source":"br0","model":"virtio","mac":"52:54:00:7a:00:02"}'
vk domifstat $name vnet0
expect_ok vksh domifstat
expect_line "vnet0 rx_bytes [0-9]+"
vk detach-interface $name user --live
expect_ok vksh detach-interface user
expect_contains "Interface detached successfully"
wait_event '"event":"device-removed".*"alias":"net1"'
vk detach-interface $name bridge --mac 52:54:00:7a:00:09
expect_fail vksh detach-interface unknown MAC
expect_contains "No interface found whose type is bridge and MAC address is 52:54:00:7a:00:09"
guest 120 '^1$' 'ls -d /sys/class/net/eth* | wc -l' >/dev/null ||
    vk_fail "the guest does not have exactly the one NIC left"

# detach while the guest cannot answer (paused): returns, the NIC stays...
vk suspend $name
expect_ok suspend
vk detach-interface $name bridge --mac 52:54:00:7a:00:02 --live
expect_ok "detach of a NIC the paused guest cannot release"
vk dumpxml $name
expect_contains "52:54:00:7a:00:02"
grep -q '"alias":"net0".*' <(grep device-removed "$ROOT/events.json") &&
    vk_fail "device-removed came before the guest released the NIC"
nsx ip link show vnet0 >/dev/null 2>&1 || vk_fail "vnet0 was deleted while the NIC is still plugged"
# ...and goes when the guest runs again
vk resume $name
expect_ok resume
wait_event '"event":"device-removed".*"alias":"net0"'
for _ in $(seq 1 300); do
    vk dumpxml $name
    case "$OUT" in *52:54:00:7a:00:02*) sleep 0.1 ;; *) break ;; esac
done
case "$OUT" in *52:54:00:7a:00:02*) vk_fail "the NIC stayed in the live XML after the guest released it" ;; esac
nsx ip link show vnet0 >/dev/null 2>&1 && vk_fail "vnet0 is left after the late removal"
vsh destroy $name
expect_ok destroy
echo PASS
