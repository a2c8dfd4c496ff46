#!/bin/bash
# Feature "stats" through stock virsh against virtkitd and real QEMU: host
# info, domain capabilities, bulk stats for running and shut off domains in
# one call, per-domain stats, and memory/vcpu resource changes.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

qemu-img create -f raw "$ROOT/disk.raw" 8M >/dev/null || vk_fail "qemu-img create failed"
# Three domains with a raw disk and a user-mode NIC; vcpu current 1 of 2.
for n in a b c; do
    cat > "$ROOT/st-$n.xml" <<XML
<domain type='qemu'>
  <name>st-$n</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$ROOT/disk.raw'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>
    </disk>
    <interface type='user'><mac address='52:54:00:5a:00:a$n'/><model type='virtio'/></interface>
  </devices>
</domain>
XML
    vsh define "$ROOT/st-$n.xml"
    expect_ok define st-$n
done
vsh start st-a
expect_ok start st-a
vsh start st-b
expect_ok start st-b

# ---- nodeinfo: matches the host
vsh nodeinfo
expect_ok nodeinfo
ncpu=$(grep -c '^processor' /proc/cpuinfo)
memkib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
expect_line "CPU\(s\): +$ncpu"
expect_line "Memory size: +$memkib KiB"

# ---- capabilities: parses, names the emulator and domain type qemu
vsh capabilities
expect_ok capabilities
printf '%s\n' "$OUT" > "$ROOT/caps.xml"
xmllint --noout "$ROOT/caps.xml" || vk_fail "capabilities is not well-formed XML"
expect_contains "<domain type='qemu'/>"
# virt-install takes the first machine listed as the default: it must be
# QEMU's default, not the first line of -machine help (microvm)
first=$(xmllint --xpath 'string(/capabilities/guest/arch/machine[1])' "$ROOT/caps.xml")
qemu-system-x86_64 -machine help | grep -q "^$first .*(default)" ||
    vk_fail "first machine in capabilities is '$first', not QEMU's default"

# ---- domcapabilities: what virt-install reads
vsh domcapabilities --virttype qemu
expect_ok domcapabilities
printf '%s\n' "$OUT" > "$ROOT/domcaps.xml"
xmllint --noout "$ROOT/domcaps.xml" || vk_fail "domcapabilities is not well-formed XML"
[ "$(xmllint --xpath 'string(/domainCapabilities/path)' "$ROOT/domcaps.xml")" = \
  /usr/bin/qemu-system-x86_64 ] || vk_fail "domcapabilities path is not the emulator: $OUT"
[ "$(xmllint --xpath 'string(/domainCapabilities/domain)' "$ROOT/domcaps.xml")" = qemu ] ||
    vk_fail "domcapabilities domain is not qemu"
m=$(xmllint --xpath 'string(/domainCapabilities/machine)' "$ROOT/domcaps.xml")
qemu-system-x86_64 -machine help | grep -q "^$m " || vk_fail "machine '$m' is not one of QEMU's"
xmllint --xpath "/domainCapabilities/cpu/mode[@name='custom']/model[text()='qemu64']" \
    "$ROOT/domcaps.xml" >/dev/null || vk_fail "CPU model qemu64 missing from domcapabilities"
xmllint --xpath "/domainCapabilities/devices/disk/enum[@name='bus']/value[text()='virtio']" \
    "$ROOT/domcaps.xml" >/dev/null || vk_fail "disk bus virtio missing from domcapabilities"
vsh domcapabilities --machine q35 --virttype qemu
expect_ok domcapabilities q35
expect_contains '<machine>pc-q35-'
vsh domcapabilities --arch aarch64
expect_fail domcapabilities aarch64
expect_contains "architecture 'aarch64' is not supported"

# ---- domstats: one call, all three domains
vsh domstats
expect_ok domstats
printf '%s\n' "$OUT" > "$ROOT/domstats.txt"
for n in a b c; do
    expect_line "Domain: 'st-$n'"
done
# per-domain blocks: "Domain: 'x'" then indented key=value lines
stat_of() { # domain key
    awk -v d="Domain: '$1'" -v k="$2" '
        /^Domain: / {cur = $0; next}
        cur == d && index($0, "  " k "=") == 1 {sub(/^  [^=]*=/, ""); print; exit}' \
        "$ROOT/domstats.txt"
}
[ "$(stat_of st-a state.state)" = 1 ] || vk_fail "st-a state.state is not running"
[ "$(stat_of st-b state.state)" = 1 ] || vk_fail "st-b state.state is not running"
[ "$(stat_of st-c state.state)" = 5 ] || vk_fail "st-c state.state is not shut off"
for n in a b; do
    t=$(stat_of st-$n cpu.time)
    [ -n "$t" ] && [ "$t" -gt 0 ] || vk_fail "st-$n cpu.time is not > 0: '$t'"
    [ "$(stat_of st-$n balloon.maximum)" = 65536 ] || vk_fail "st-$n balloon.maximum"
    [ "$(stat_of st-$n balloon.current)" = 65536 ] || vk_fail "st-$n balloon.current"
    [ "$(stat_of st-$n vcpu.current)" = 1 ] || vk_fail "st-$n vcpu.current"
    [ "$(stat_of st-$n vcpu.maximum)" = 2 ] || vk_fail "st-$n vcpu.maximum"
    [ -n "$(stat_of st-$n vcpu.0.time)" ] || vk_fail "st-$n vcpu.0.time missing"
    [ "$(stat_of st-$n block.count)" = 1 ] || vk_fail "st-$n block.count"
    [ "$(stat_of st-$n block.0.name)" = vda ] || vk_fail "st-$n block.0.name"
    [ "$(stat_of st-$n block.0.path)" = "$ROOT/disk.raw" ] || vk_fail "st-$n block.0.path"
    [ -n "$(stat_of st-$n block.0.rd.reqs)" ] || vk_fail "st-$n block.0.rd.reqs missing"
    [ "$(stat_of st-$n net.count)" = 1 ] || vk_fail "st-$n net.count"
done
[ -z "$(stat_of st-c cpu.time)" ] || vk_fail "a shut off domain reports cpu.time"
[ "$(stat_of st-c vcpu.maximum)" = 2 ] || vk_fail "st-c vcpu.maximum"
# group and state filters
vsh domstats --state --list-shutoff
expect_ok domstats shutoff
expect_line "Domain: 'st-c'"
case "$OUT" in *"st-a"*|*"cpu.time"*) vk_fail "filters not applied: $OUT" ;; esac

# ---- per-domain stats
vsh dommemstat st-a
expect_ok dommemstat
expect_line 'actual 65536'
expect_line 'rss [0-9]+'
vsh dommemstat st-c
expect_fail dommemstat on a shut off domain
vsh domblkstat st-a vda
expect_ok domblkstat
expect_line 'vda rd_req [0-9]+'
expect_line 'vda rd_bytes [0-9]+'
expect_line 'vda wr_req 0'
vsh domblkstat st-a "$ROOT/disk.raw"
expect_ok domblkstat by path
vsh domblkstat st-a
expect_ok domblkstat summed over all disks
expect_line ' rd_req [0-9]+'
vsh domblkstat st-a vdz
expect_fail domblkstat vdz
expect_contains "no disk 'vdz'"
vsh domifstat st-a 52:54:00:5a:00:aa
expect_fail domifstat user-mode
expect_contains "user-mode networking"
vsh cpu-stats st-a --total
expect_ok cpu-stats
expect_line $'\tcpu_time +[0-9.]+ seconds'
vsh vcpucount st-a
expect_ok vcpucount
expect_line 'maximum +live +2'
expect_line 'current +live +1'
vsh vcpuinfo st-a
expect_ok vcpuinfo
expect_line 'VCPU: +0'
expect_line 'State: +running'

# ---- resources: config changes show in the inactive XML
vsh setmem st-c 32M --config
expect_ok setmem --config
vsh dumpxml --inactive st-c
expect_line "  <currentMemory unit='KiB'>32768</currentMemory>"
vsh setmaxmem st-c 128M --config
expect_ok setmaxmem --config
vsh dumpxml --inactive st-c
expect_line "  <memory unit='KiB'>131072</memory>"
vsh setmem st-c 256M --config
expect_fail setmem above maximum
vsh setvcpus st-c 4 --config --maximum
expect_ok setvcpus --maximum
vsh setvcpus st-c 3 --config
expect_ok setvcpus count
vsh dumpxml --inactive st-c
expect_line "  <vcpu placement='static' current='3'>4</vcpu>"
vsh vcpucount st-c --config --maximum
expect_line 4
# running domain: config change leaves the live one alone
vsh setmaxmem st-a 96M --config
expect_ok setmaxmem running --config
vsh dumpxml --inactive st-a
expect_line "  <memory unit='KiB'>98304</memory>"
vsh dominfo st-a
expect_line 'Max memory: +65536 KiB'
# live balloon target
vsh setmem st-a 48M --live
expect_ok setmem --live
vsh dominfo st-a
expect_line 'Used memory: +49152 KiB'
# live vcpu hotplug up to the maximum (QMP device_add); removal refused
vsh setvcpus st-a 2 --live
expect_ok setvcpus --live
vsh vcpucount st-a --live
expect_line 2
vsh domstats --vcpu st-a
expect_line '  vcpu.current=2'
expect_line '  vcpu.1.state=1'
vsh setvcpus st-a 1 --live
expect_fail setvcpus --live removal
expect_contains "removing vcpus"
vsh setvcpus st-a 3 --live
expect_fail setvcpus --live above the maximum
expect_contains "above its maximum"
# persisted across a daemon restart
vk_daemon_kill9
vk_daemon_restart
vsh dumpxml --inactive st-c
expect_line "  <vcpu placement='static' current='3'>4</vcpu>"
expect_line "  <memory unit='KiB'>131072</memory>"

vsh destroy st-a
vsh destroy st-b
echo "PASS: stats via virsh"
