#!/bin/bash
# vksh, feature "stats": nodeinfo, capabilities, domcapabilities, domstats,
# dommemstat, domblkstat, cpu-stats, vcpucount, vcpuinfo, setmem,
# setmaxmem, setvcpus against a real virtkitd and QEMU; --json output
# parsed; human output of domstats, nodeinfo, dommemstat's keys and
# vcpucount compared with stock virsh on the same daemon.
set -u
VKSH=${VKSH:?VKSH must point at vksh}
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
PY=/usr/bin/python3

vk() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; vk_track_qemus; }
json_get() { # python expression over the document j
    printf '%s' "$OUT" | $PY -c "import json,sys; j=json.load(sys.stdin); print($1)" ||
        vk_fail "vksh --json $2 is not the expected JSON: $OUT"
}

qemu-img create -f raw "$ROOT/disk.raw" 8M >/dev/null || vk_fail "qemu-img create failed"
for n in a c; do
    cat > "$ROOT/vs-$n.xml" <<XML
<domain type='qemu'>
  <name>vs-$n</name>
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
  </devices>
</domain>
XML
    vk define "$ROOT/vs-$n.xml"
    expect_ok define
done
vk start vs-a
expect_ok start

# nodeinfo: host facts, JSON, same text as virsh
vk --json nodeinfo
expect_ok nodeinfo --json
[ "$(json_get "j['cpus']" nodeinfo)" = "$(grep -c '^processor' /proc/cpuinfo)" ] ||
    vk_fail "nodeinfo cpus differs from /proc/cpuinfo"
[ "$(json_get "j['memory_kib']" nodeinfo)" = "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" ] ||
    vk_fail "nodeinfo memory differs from /proc/meminfo"
# (the frequency line is left out: the host's CPU clock may move between
# the two calls)
vk nodeinfo
mine=$(printf '%s\n' "$OUT" | grep -v '^CPU frequency:')
vsh nodeinfo
OUT=$(printf '%s\n' "$OUT" | grep -v '^CPU frequency:')
[ "$mine" = "$OUT" ] || vk_fail "vksh nodeinfo differs from virsh:
$mine
---
$OUT"

# capabilities / domcapabilities: XML
vk capabilities
expect_ok capabilities
expect_contains '<capabilities>'
vk domcapabilities --virttype qemu
expect_ok domcapabilities
printf '%s' "$OUT" | xmllint --noout - || vk_fail "domcapabilities is not XML"
expect_contains '<path>/usr/bin/qemu-system-x86_64</path>'
vk --json domcapabilities
expect_ok domcapabilities --json
json_get "j['xml'][:20]" domcapabilities >/dev/null

# domstats: both domains in one call; JSON; text as virsh (state and vcpu
# groups, vcpu times left out: they move between the two calls)
vk --json domstats
expect_ok domstats --json
[ "$(json_get "sorted(r['domain']['name'] for r in j)" domstats)" = "['vs-a', 'vs-c']" ] ||
    vk_fail "domstats --json does not list both domains: $OUT"
[ "$(json_get "[r['stats']['state.state'] for r in j if r['domain']['name']=='vs-a'][0]" domstats)" = 1 ] ||
    vk_fail "vs-a is not running in domstats"
[ "$(json_get "[r['stats']['cpu.time'] > 0 for r in j if r['domain']['name']=='vs-a'][0]" domstats)" = True ] ||
    vk_fail "vs-a cpu.time is not > 0"
[ "$(json_get "[r['stats']['block.0.path'] for r in j if r['domain']['name']=='vs-c'][0]" domstats)" = "$ROOT/disk.raw" ] ||
    vk_fail "vs-c block.0.path"
vk domstats --state --vcpu
mine=$(printf '%s\n' "$OUT" | grep -v '\.time=')
vsh domstats --state --vcpu
OUT=$(printf '%s\n' "$OUT" | grep -v '\.time=')
[ "$mine" = "$OUT" ] || vk_fail "vksh domstats differs from virsh:
$mine
---
$OUT"
vk domstats vs-c --state
expect_ok domstats one domain
expect_line "Domain: 'vs-c'"
case "$OUT" in *vs-a*) vk_fail "domstats vs-c shows vs-a" ;; esac

# per-domain stats
vk --json dommemstat vs-a
expect_ok dommemstat --json
[ "$(json_get "j['actual']" dommemstat)" = 65536 ] || vk_fail "dommemstat actual"
vk dommemstat vs-a --period 2 --live
expect_ok dommemstat --period
vk dommemstat vs-a --period -1
expect_fail dommemstat --period -1
expect_contains "malformed"
vk dommemstat vs-c --period 3 --config
expect_ok dommemstat --period --config
vk dumpxml --inactive vs-c
expect_line "      <stats period='3'/>"
vk dommemstat vs-c
expect_fail dommemstat on a shut off domain
expect_contains "not running"
vk domblkstat vs-a vda
expect_ok domblkstat
expect_line 'vda rd_req [0-9]+'
expect_line 'vda wr_bytes 0'
vk --json domblkstat vs-a vda
json_get "j['rd_req']" domblkstat >/dev/null
vk cpu-stats vs-a --total
expect_ok cpu-stats
expect_line $'\tcpu_time +[0-9]+\\.[0-9]{9} seconds'
vk vcpucount vs-a
mine=$OUT
vsh vcpucount vs-a
[ "$mine" = "$OUT" ] || vk_fail "vksh vcpucount differs from virsh:
$mine
---
$OUT"
vk --json vcpuinfo vs-a
expect_ok vcpuinfo --json
[ "$(json_get "j[0]['state']" vcpuinfo)" = running ] || vk_fail "vcpuinfo state"

# resources
vk setmem vs-c 32M --config
expect_ok setmem
vk setmaxmem vs-c 96M --config
expect_ok setmaxmem
vk setvcpus vs-c 3 --config --maximum
expect_ok setvcpus --maximum
vk setvcpus vs-c 2 --config
expect_ok setvcpus
vk dumpxml --inactive vs-c
expect_line "  <memory unit='KiB'>98304</memory>"
expect_line "  <currentMemory unit='KiB'>32768</currentMemory>"
expect_line "  <vcpu placement='static' current='2'>3</vcpu>"
vk setmem vs-c 1T --config
expect_fail setmem above the maximum
expect_contains "above its maximum"
vk setmem vs-c lots
expect_fail setmem malformed
expect_contains "malformed"
vk setvcpus vs-a 2 --live
expect_ok setvcpus --live
vk --json vcpuinfo vs-a
[ "$(json_get "len(j)" vcpuinfo)" = 2 ] || vk_fail "vcpuinfo after hotplug: $OUT"
vk --json setmem vs-a 48M --live
expect_ok setmem --live --json
vk dominfo vs-a
expect_line 'Used memory: +49152 KiB'

vk destroy vs-a
echo "PASS: vksh stats"
