#!/bin/bash
# Feature "tune" through vksh: memtune, schedinfo and cpu-stats print what
# stock virsh prints on the same daemon (times masked), --json carries the
# values, and changes land in the domain's cgroup files.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
vk() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; vk_track_qemus; }
PY=/usr/bin/python3
json_get() { # python expression over the document j
    printf '%s' "$OUT" | $PY -c "import json,sys; j=json.load(sys.stdin); print($1)" ||
        vk_fail "vksh --json $2 is not the expected JSON: $OUT"
}
same_as_virsh() { # command...: vksh and virsh print the same (digits of times masked)
    local mask='s/[0-9]+\.[0-9]{9} seconds/T seconds/'
    vk "$@"
    expect_ok vksh "$*"
    local mine
    mine=$(printf '%s\n' "$OUT" | sed -E "$mask")
    vsh "$@"
    expect_ok virsh "$*"
    [ "$mine" = "$(printf '%s\n' "$OUT" | sed -E "$mask")" ] || vk_fail "vksh $* differs from virsh:
$mine
---
$OUT"
}

cat > "$ROOT/tv.xml" <<XML
<domain type='qemu'>
  <name>tv</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
XML
vk define "$ROOT/tv.xml"
expect_ok define
vk start tv
expect_ok start
qpid=$(vk_status_pids)
cg_track "$qpid"
mem=$(cg_dir "$qpid" memory)
cpu=$(cg_dir "$qpid" cpu)

same_as_virsh memtune tv
vk memtune tv --hard-limit 1G
expect_ok memtune --hard-limit 1G
[ "$(cat "$mem/$(cg_mem_file hard)")" = 1073741824 ] || vk_fail "vksh memtune did not set the limit"
same_as_virsh memtune tv
expect_line "hard_limit     : 1048576"
vk --json memtune tv
[ "$(json_get "j['hard_limit']" memtune)" = 1048576 ] || vk_fail "memtune --json hard_limit"
[ "$(json_get "j['soft_limit']" memtune)" = None ] || vk_fail "memtune --json unlimited is not null"
vk memtune tv --hard-limit -1
expect_ok memtune --hard-limit -1
vk memtune tv
expect_line "hard_limit     : unlimited"
vk memtune tv --min-guarantee 1024
expect_fail memtune --min-guarantee
expect_contains "min_guarantee"
vk memtune tv --hard-limit lots
expect_fail memtune bad number
expect_contains "hard-limit"

same_as_virsh schedinfo tv
vk schedinfo tv --set cpu_shares=333
expect_ok schedinfo --set
expect_line "cpu_shares     : 333"
if [ "$(cg_version cpu)" = 1 ]; then f=cpu.shares; else f=cpu.weight; fi
[ "$(cat "$cpu/$f")" = 333 ] || vk_fail "vksh schedinfo did not set $f"
same_as_virsh schedinfo tv
vk schedinfo tv --set emulator_quota=20000
expect_ok schedinfo emulator_quota
expect_line "emulator_quota : 20000"
vk schedinfo tv --set bogus=1
expect_fail schedinfo bogus
expect_contains "invalid scheduler option: bogus"
vk schedinfo tv --set vcpu_period=1
expect_fail schedinfo vcpu_period=1
expect_contains "out of range"
vk --json schedinfo tv
[ "$(json_get "j['scheduler']" schedinfo)" = posix ] || vk_fail "schedinfo --json scheduler"
[ "$(json_get "j['cpu_shares']" schedinfo)" = 333 ] || vk_fail "schedinfo --json cpu_shares"
vk schedinfo tv --config --set cpu_shares=111
expect_ok schedinfo --config
vk dumpxml tv --inactive
expect_contains "<shares>111</shares>"

same_as_virsh cpu-stats tv
same_as_virsh cpu-stats tv --total
same_as_virsh cpu-stats tv --start 1 --count 1
vk cpu-stats tv --start 99999
expect_fail cpu-stats --start 99999
expect_contains "out of range"
vk --json cpu-stats tv
[ "$(json_get "len(j['cpus']) > 0 and j['cpus'][0]['cpu'] == 0 and j['total']['cpu_time'] > 0" cpu-stats)" = True ] ||
    vk_fail "cpu-stats --json: $OUT"

vk destroy tv
expect_ok destroy
for p in $CG_PARTITIONS; do [ -e "$p" ] && vk_fail "partition $p left after destroy"; done
vk undefine tv
expect_ok undefine
echo "PASS: tune vksh"
