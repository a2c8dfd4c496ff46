#!/bin/bash
# Feature "net": hot-plugging interfaces with stock virsh (attach-interface,
# detach-interface, attach-device / detach-device with <interface> XML) on
# the real test guest, with virtkitd in a network namespace of this test's
# own. The guest sees each new NIC (and pings over the bridge) and loses it
# on detach; `virsh event --all --loop` shows device-added and
# device-removed for interfaces and disks; --config edits the persistent
# XML only; errors name what is wrong.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
. "$here/../lib/vk_netns.sh"
vk_netns_start 192.168.78.1/24
vk_daemon_start
wait_event() { vk_wait_line "$ROOT/events.txt" "$1"; }

name=vk-nethp
vk_guest_xml $name "unix:$ROOT/serial.sock" > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"
vsh define "$ROOT/$name.xml"
expect_ok define
vsh start $name
expect_ok start
timeout 600 virsh -c "$VK_URI" event --all --loop > "$ROOT/events.txt" 2>&1 &
VK_NETNS_KILL=$!
guest 300 'NH-ALIVE' 'echo NH-ALIVE' >/dev/null || vk_fail "the guest shell did not answer"
out=$(guest 60 'NICS' 'ls /sys/class/net; echo NICS') || vk_fail "guest did not list its NICs"
case "$out" in *eth*) vk_fail "the guest has a NIC before any attach: $out" ;; esac

# attach-interface (virsh builds <interface type='bridge'> and calls ATTACH_DEVICE_FLAGS)
vsh attach-interface $name bridge br0 --model virtio --mac 52:54:00:78:00:02 --live
expect_ok attach-interface bridge
expect_contains "Interface attached successfully"
wait_event "event 'device-added' for domain '$name': net0"
vsh domiflist $name
expect_line " *vnet0 +bridge +br0 +virtio +52:54:00:78:00:02 *"
nsx ip -o link show vnet0 | grep -q "master br0" || vk_fail "vnet0 is not on br0: $(links)"
vsh dumpxml $name --inactive
case "$OUT" in *52:54:00:78:00:02*) vk_fail "--live changed the persistent XML" ;; esac
guest 120 '^52:54:00:78:00:02$' 'cat /sys/class/net/eth*/address' >/dev/null ||
    vk_fail "the guest never saw the hot-added NIC"
guest 120 ' 0% packet loss' \
    'ip link set eth0 up; ip addr add 192.168.78.2/24 dev eth0 2>/dev/null; ping -c 2 -W 2 192.168.78.1' \
    >/dev/null || vk_fail "the guest could not ping over the hot-added NIC"
vsh domifstat $name vnet0
expect_ok domifstat on the hot-added NIC
expect_line "vnet0 rx_packets [1-9][0-9]*"

# the same MAC again is refused
vsh attach-interface $name bridge br0 --mac 52:54:00:78:00:02 --live
expect_fail attach-interface duplicate MAC
expect_contains "52:54:00:78:00:02"
# a missing bridge is a clear error and leaves no tap
vsh attach-interface $name bridge nobr0 --live
expect_fail attach-interface missing bridge
expect_contains "bridge 'nobr0' does not exist"
links | grep -q vnet1 && vk_fail "a tap is left after a failed attach: $(links)"
# type network is not available
vsh attach-interface $name network default --live
expect_fail attach-interface network
expect_contains "not available"

# attach-device with ethernet and user interfaces
cat > "$ROOT/eth.xml" <<XML
<interface type='ethernet'>
  <mac address='52:54:00:78:00:03'/>
  <target dev='hptap0'/>
  <model type='virtio'/>
</interface>
XML
cat > "$ROOT/user.xml" <<XML
<interface type='user'>
  <mac address='52:54:00:78:00:04'/>
  <model type='virtio'/>
</interface>
XML
vsh attach-device $name "$ROOT/eth.xml" --live
expect_ok attach-device ethernet
wait_event "event 'device-added' for domain '$name': net1"
nsx ip link show hptap0 >/dev/null 2>&1 || vk_fail "no tap hptap0 after attach-device: $(links)"
vsh attach-device $name "$ROOT/user.xml" --live
expect_ok attach-device user
wait_event "event 'device-added' for domain '$name': net2"
guest 120 '^3$' 'ls -d /sys/class/net/eth* | wc -l' >/dev/null ||
    vk_fail "the guest does not have three NICs"
vsh domifstat $name 52:54:00:78:00:04
expect_fail domifstat on a user interface
expect_contains "user-mode networking"

# detach-interface by MAC: device_del, DEVICE_DELETED, netdev_del, tap gone
vsh detach-interface $name bridge --mac 52:54:00:78:00:02 --live
expect_ok detach-interface
expect_contains "Interface detached successfully"
wait_event "event 'device-removed' for domain '$name': net0"
vsh domiflist $name
case "$OUT" in *52:54:00:78:00:02*) vk_fail "domiflist still lists the detached NIC: $OUT" ;; esac
expect_line " *hptap0 +ethernet +- +virtio +52:54:00:78:00:03 *"
links | grep -q 'vnet0' && vk_fail "vnet0 is left after detach: $(links)"
guest 120 '^gone$' 'grep -q 52:54:00:78:00:02 /sys/class/net/eth*/address && echo still || echo gone' \
    >/dev/null || vk_fail "the guest still has the detached NIC"
# detach-device with the XML used to attach; the other NIC keeps its id
vsh detach-device $name "$ROOT/eth.xml" --live
expect_ok detach-device ethernet
wait_event "event 'device-removed' for domain '$name': net1"
nsx ip link show hptap0 >/dev/null 2>&1 && vk_fail "hptap0 is left after detach-device"
vsh detach-device $name "$ROOT/user.xml" --live
expect_ok detach-device user
wait_event "event 'device-removed' for domain '$name': net2"
vsh detach-interface $name bridge --mac 52:54:00:78:00:09 --live
expect_fail detach of an unknown MAC

# disks get the same events (detach waits for DEVICE_DELETED too)
qemu-img create -f raw "$ROOT/d.img" 8M >/dev/null || vk_fail "qemu-img failed"
vsh attach-disk $name "$ROOT/d.img" vdb --live
expect_ok attach-disk
wait_event "event 'device-added' for domain '$name': virtio-disk1"
vsh detach-disk $name vdb --live
expect_ok detach-disk
wait_event "event 'device-removed' for domain '$name': virtio-disk1"

# --config on the running domain: persistent XML only
vsh attach-interface $name bridge br0 --mac 52:54:00:78:00:05 --config
expect_ok attach-interface --config
vsh dumpxml $name --inactive
expect_contains "52:54:00:78:00:05"
vsh dumpxml $name
case "$OUT" in *52:54:00:78:00:05*) vk_fail "--config changed the live XML" ;; esac
vsh detach-interface $name bridge --mac 52:54:00:78:00:05 --config
expect_ok detach-interface --config
vsh dumpxml $name --inactive
case "$OUT" in *52:54:00:78:00:05*) vk_fail "detach --config left the interface" ;; esac
# --persistent: both
vsh attach-interface $name bridge br0 --mac 52:54:00:78:00:06 --model virtio --persistent
expect_ok attach-interface --persistent
vsh dumpxml $name --inactive
expect_contains "52:54:00:78:00:06"
vsh domiflist $name
expect_line " *vnet[0-9]+ +bridge +br0 +virtio +52:54:00:78:00:06 *"

vsh destroy $name
expect_ok destroy
links | grep -q vnet && vk_fail "taps left after destroy: $(links)"
# --current on the shut-off domain is the config
vsh detach-interface $name bridge --mac 52:54:00:78:00:06 --current
expect_ok detach-interface --current
vsh dumpxml $name --inactive
case "$OUT" in *52:54:00:78:00:06*) vk_fail "detach --current left the interface" ;; esac
vsh attach-interface $name bridge br0 --live
expect_fail attach-interface --live on a shut-off domain
expect_contains "not running"
echo PASS
