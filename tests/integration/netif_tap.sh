#!/bin/bash
# Feature "net": tap-backed interfaces (type bridge and ethernet) through
# stock virsh. virtkitd runs inside a network namespace this test creates
# (the host's interfaces are never touched), with a bridge br0 there. The
# real test guest pings the namespace's address over br0; domifstat and
# domstats count that traffic (rx/tx as the guest sees it); the taps the
# daemon created are gone after destroy and after a daemon restart that
# finds the QEMU dead, while a managed='no' tap stays.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
. "$here/../lib/vk_netns.sh"
vk_netns_start 192.168.77.1/24
nsx ip tuntap add dev utap0 mode tap
vk_daemon_start

# a missing bridge is a clear error, and nothing is left behind
vk_domain_xml vk-nobr | sed "s|</os>|</os><devices><interface type='bridge'><source bridge='nobr0'/></interface></devices>|" > "$ROOT/nobr.xml"
vsh define "$ROOT/nobr.xml"
expect_ok define nobr
vsh start vk-nobr
expect_fail start with a missing bridge
expect_contains "bridge 'nobr0' does not exist"
links | grep -q vnet && vk_fail "a tap is left after the failed start: $(links)"
# an existing name for a managed tap is refused (not taken over)
vk_domain_xml vk-dup | sed "s|</os>|</os><devices><interface type='ethernet'><target dev='br0'/></interface></devices>|" > "$ROOT/dup.xml"
vsh define "$ROOT/dup.xml"
vsh start vk-dup
expect_fail start with the name of an existing device
expect_contains "'br0' already exists"
nsx ip link show br0 >/dev/null 2>&1 || vk_fail "a failed start deleted br0"
# type network stays a clear error
vk_domain_xml vk-netw | sed "s|</os>|</os><devices><interface type='network'><source network='default'/></interface></devices>|" > "$ROOT/netw.xml"
vsh define "$ROOT/netw.xml"
vsh start vk-netw
expect_fail start type network
expect_contains "not available"

name=vk-netif
nics="    <interface type='bridge'>
      <mac address='52:54:00:77:00:02'/>
      <source bridge='br0'/>
      <model type='virtio'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:77:00:03'/>
      <target dev='mytap0'/>
      <model type='virtio'/>
    </interface>
    <interface type='ethernet'>
      <target dev='utap0' managed='no'/>
      <model type='virtio'/>
    </interface>"
vk_guest_xml $name "unix:$ROOT/serial.sock" "$nics" > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"
vsh define "$ROOT/$name.xml"
expect_ok define
vsh start $name
expect_ok start
vsh dumpxml $name
expect_contains "<target dev='vnet0'/>"
expect_contains "<target dev='mytap0'/>"
expect_contains "<target dev='utap0' managed='no'/>"
vsh dumpxml $name --inactive
case "$OUT" in *vnet0*) vk_fail "the runtime tap name is in the persistent XML: $OUT" ;; esac
out=$(nsx ip -o link show vnet0) || vk_fail "no tap vnet0 in the namespace: $(links)"
case "$out" in *"master br0"*) ;; *) vk_fail "vnet0 is not a port of br0: $out" ;; esac
case "$out" in *"fe:54:00:77:00:02"*) ;; *) vk_fail "vnet0 does not have the host-side MAC: $out" ;; esac
out=$(nsx ip -o link show mytap0) || vk_fail "no tap mytap0: $(links)"
case "$out" in *"master"*) vk_fail "mytap0 (ethernet) joined a bridge: $out" ;; esac
case "$out" in *",UP"*|*"<UP"*) ;; *) vk_fail "mytap0 is not up: $out" ;; esac
grep -q '"type":"tap","fd":"[0-9]*","id":"hostnet0"' "$ROOT/log/qemu/$name.log" ||
    vk_fail "QEMU was not given the tap by fd: $(grep -o 'netdev [^ ]*' "$ROOT/log/qemu/$name.log")"

# domiflist as virsh prints it (from the live XML)
vsh domiflist $name
expect_ok domiflist
expect_line " *vnet0 +bridge +br0 +virtio +52:54:00:77:00:02 *"
expect_line " *mytap0 +ethernet +- +virtio +52:54:00:77:00:03 *"

# the guest reaches the namespace over br0
guest 300 'NI-ALIVE' 'echo NI-ALIVE' >/dev/null || vk_fail "the guest shell did not answer"
vsh domifstat $name vnet0
expect_ok domifstat
before=$(printf '%s\n' "$OUT" | awk '$2 == "rx_packets" {print $3}')
[ -n "$before" ] || vk_fail "domifstat printed no rx_packets: $OUT"
guest 120 ' 0% packet loss' \
    'ip link set eth0 up; ip addr add 192.168.77.2/24 dev eth0 2>/dev/null; ping -c 3 -W 2 192.168.77.1' \
    >/dev/null || vk_fail "the guest could not ping 192.168.77.1 over br0"
vsh domifstat $name vnet0
expect_ok domifstat after ping
after=$(printf '%s\n' "$OUT" | awk '$2 == "rx_packets" {print $3}')
txa=$(printf '%s\n' "$OUT" | awk '$2 == "tx_packets" {print $3}')
[ "$after" -ge $((before + 3)) ] || vk_fail "rx_packets did not grow by the guest's pings: $before -> $after"
[ "$txa" -ge 3 ] || vk_fail "tx_packets does not count the replies the guest got: $OUT"
# one-way traffic tells the directions apart: the guest asks for an
# address nobody has (ARP requests out, nothing back), so what the guest
# sent (tx, the tap's rx) grows and what it received does not
stat_of() { printf '%s\n' "$OUT" | awk -v k="$1" '$2 == k {print $3}'; }
rx0=$(stat_of rx_packets) tx0=$(stat_of tx_packets)
guest 60 'NOHOST' 'ping -c 4 -W 1 192.168.77.99 >/dev/null 2>&1; echo NOHOST' >/dev/null ||
    vk_fail "the guest shell did not answer"
vsh domifstat $name vnet0
expect_ok domifstat after the one-way traffic
rx1=$(stat_of rx_packets) tx1=$(stat_of tx_packets)
[ $((tx1 - tx0)) -ge 3 ] || vk_fail "tx_packets did not count the guest's ARP requests: $tx0 -> $tx1"
[ $((rx1 - rx0)) -lt $((tx1 - tx0)) ] ||
    vk_fail "rx/tx are the host's view, not the guest's: rx $rx0 -> $rx1, tx $tx0 -> $tx1"
host_rx=$(nsx cat /sys/class/net/vnet0/statistics/rx_packets)
[ "$host_rx" -ge "$tx1" ] || vk_fail "domifstat tx_packets $tx1 is not the tap's rx ($host_rx)"
vsh domifstat $name 52:54:00:77:00:02
expect_ok domifstat by MAC
vsh domstats $name --interface
expect_ok domstats --interface
expect_line " *net.count=3"
expect_line " *net.0.name=vnet0"
expect_line " *net.0.rx.pkts=[0-9]+"
expect_line " *net.1.name=mytap0"

vsh destroy $name
expect_ok destroy
links | grep -Eq 'vnet0|mytap0' && vk_fail "taps are left after destroy: $(links)"
nsx ip link show utap0 >/dev/null 2>&1 || vk_fail "the managed='no' tap utap0 was deleted"

# taps of a domain whose QEMU died while no daemon ran are removed by the next daemon
vsh start $name
expect_ok start again
nsx ip link show vnet0 >/dev/null 2>&1 || vk_fail "no vnet0 after the second start"
qpid=$(vk_status_pids)
vk_daemon_kill9
kill -KILL $qpid
for _ in $(seq 1 300); do # gone, or a zombie nobody reaps yet
    st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/$qpid/status 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.1
done
vk_daemon_restart
vsh domstate $name
expect_contains "shut off"
links | grep -Eq 'vnet0|mytap0' && vk_fail "taps are left after a restart found QEMU dead: $(links)"
echo PASS
