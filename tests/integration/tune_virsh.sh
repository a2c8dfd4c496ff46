#!/bin/bash
# Feature "tune" through stock virsh against virtkitd and real QEMU: each
# QEMU runs in its own cgroup; memtune and schedinfo change the cgroup
# files live and <memtune>/<cputune> with --config (applied at the next
# start); cpu-stats shows per-CPU blocks; nothing is left behind.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

cat > "$ROOT/tn.xml" <<XML
<domain type='qemu'>
  <name>tn</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
XML
vsh define "$ROOT/tn.xml"
expect_ok define
vsh start tn
expect_ok start
qpid=$(vk_status_pids)
[ -n "$qpid" ] || vk_fail "no QEMU pid recorded"
cg_track "$qpid"
mem=$(cg_dir "$qpid" memory) || vk_fail "QEMU is in no memory cgroup"
cpu=$(cg_dir "$qpid" cpu) || vk_fail "QEMU is in no cpu cgroup"
case "$mem" in */dom-tn) ;; *) vk_fail "QEMU's memory cgroup '$mem' is not its domain's" ;; esac
case "$cpu" in */dom-tn) ;; *) vk_fail "QEMU's cpu cgroup '$cpu' is not its domain's" ;; esac
grep -qx "$qpid" "$mem/cgroup.procs" || vk_fail "QEMU $qpid is not in $mem/cgroup.procs"

# ---- memtune: defaults unlimited, a live change lands in the cgroup file
vsh memtune tn
expect_ok memtune
expect_line "hard_limit     : unlimited"
expect_line "soft_limit     : unlimited"
vsh memtune tn --hard-limit 2097152
expect_ok memtune --hard-limit
[ "$(cat "$mem/$(cg_mem_file hard)")" = 2147483648 ] ||
    vk_fail "hard limit file says $(cat "$mem/$(cg_mem_file hard)"), not 2147483648"
vsh memtune tn --soft-limit 1048576
expect_ok memtune --soft-limit
[ "$(cat "$mem/$(cg_mem_file soft)")" = 1073741824 ] || vk_fail "soft limit file not 1 GiB"
vsh memtune tn
expect_line "hard_limit     : 2097152"
expect_line "soft_limit     : 1048576"
vsh dumpxml tn
expect_contains "<hard_limit unit='KiB'>2097152</hard_limit>"
# ---- bad values: clear errors, files unchanged
vsh memtune tn --swap-hard-limit 1024
expect_fail memtune swap below hard
expect_contains "hard_limit tunable value must be lower than or equal to swap_hard_limit"
vsh memtune tn --min-guarantee 1024
expect_fail memtune --min-guarantee
expect_contains "min_guarantee"
[ "$(cat "$mem/$(cg_mem_file hard)")" = 2147483648 ] || vk_fail "a refused change moved the limit"

# ---- schedinfo
vsh schedinfo tn
expect_ok schedinfo
expect_line "Scheduler      : posix"
expect_line "cpu_shares     : [0-9]+"
expect_line "global_quota   : -1"
vsh schedinfo tn --set cpu_shares=512
expect_ok schedinfo --set cpu_shares
expect_line "cpu_shares     : 512"
if [ "$(cg_version cpu)" = 1 ]; then
    [ "$(cat "$cpu/cpu.shares")" = 512 ] || vk_fail "cpu.shares is $(cat "$cpu/cpu.shares")"
else
    [ "$(cat "$cpu/cpu.weight")" = 512 ] || vk_fail "cpu.weight is $(cat "$cpu/cpu.weight")"
fi
# vcpu threads have sub-groups of their own (as libvirt places them), a
# hot-added one too
[ -d "$cpu/vcpu0" ] && [ ! -d "$cpu/vcpu1" ] || vk_fail "expected only vcpu0 before hotplug"
vsh setvcpus tn 2 --live
expect_ok setvcpus 2 --live
[ -d "$cpu/vcpu1" ] || vk_fail "the hot-added vcpu has no vcpu1 group"
nv=0
for t in $(ls "/proc/$qpid/task"); do
    case "$(cat "/proc/$qpid/task/$t/comm")" in
        CPU*) grep -q "/dom-tn/vcpu[0-9]*$" "/proc/$qpid/task/$t/cgroup" ||
                  vk_fail "vcpu thread $t is not in a vcpu sub-group" ; nv=$((nv + 1)) ;;
    esac
done
[ "$nv" = 2 ] || vk_fail "$nv vcpu threads found, not 2"
vsh schedinfo tn --set vcpu_quota=50000 --set global_period=200000
expect_ok schedinfo --set vcpu_quota
expect_line "vcpu_quota     : 50000"
expect_line "global_period  : 200000"
if [ "$(cg_version cpu)" = 1 ]; then
    [ "$(cat "$cpu/vcpu1/cpu.cfs_quota_us")" = 50000 ] || vk_fail "vcpu1 quota not 50000"
    [ "$(cat "$cpu/cpu.cfs_period_us")" = 200000 ] || vk_fail "global period not 200000"
else
    [ "$(cut -d' ' -f1 "$cpu/vcpu1/cpu.max")" = 50000 ] || vk_fail "vcpu1 cpu.max quota not 50000"
fi
vsh schedinfo tn --set vcpu_period=10
expect_fail schedinfo vcpu_period=10
expect_contains "vcpu_period"
expect_contains "out of range"
vsh schedinfo tn --set no_such=1
expect_fail schedinfo no_such

# ---- cpu-stats: per-CPU blocks and the total
ncpu=$(wc -w < "$(cg_dir "$qpid" cpuacct)/cpuacct.usage_percpu" 2>/dev/null || nproc)
vsh cpu-stats tn
expect_ok cpu-stats
for i in $(seq 0 $((ncpu - 1))); do expect_line "CPU$i:"; done
expect_line "Total:"
expect_line "	cpu_time +[0-9]+\.[0-9]{9} seconds"
expect_line "	vcpu_time +[0-9]+\.[0-9]{9} seconds"
expect_line "	user_time +[0-9]+\.[0-9]{9} seconds"
vsh cpu-stats tn --start 1 --count 1
expect_ok cpu-stats --start 1
expect_line "CPU1:"
printf '%s\n' "$OUT" | grep -q '^CPU0:' && vk_fail "cpu-stats --start 1 showed CPU0"

# ---- --config: kept in the XML, applied at the next start
vsh memtune tn --config --hard-limit 1048576
expect_ok memtune --config
vsh schedinfo tn --config --set cpu_shares=256
expect_ok schedinfo --config
vsh dumpxml tn --inactive
expect_contains "<hard_limit unit='KiB'>1048576</hard_limit>"
expect_contains "<shares>256</shares>"
[ "$(cat "$mem/$(cg_mem_file hard)")" = 2147483648 ] || vk_fail "--config changed the live limit"
vsh destroy tn
expect_ok destroy
for p in $CG_PARTITIONS; do [ -e "$p" ] && vk_fail "partition $p left after the last domain stopped"; done
vsh start tn
expect_ok start again
qpid=$(vk_status_pids)
mem=$(cg_dir "$qpid" memory)
cpu=$(cg_dir "$qpid" cpu)
[ "$(cat "$mem/$(cg_mem_file hard)")" = 1073741824 ] || vk_fail "<memtune> not applied at start"
vsh memtune tn
expect_line "hard_limit     : 1048576"
vsh schedinfo tn
expect_line "cpu_shares     : 256"

# ---- a restarted daemon finds the running domain's cgroup again
vk_daemon_kill9
vk_daemon_restart
vsh memtune tn --hard-limit 3145728
expect_ok memtune after restart
[ "$(cat "$mem/$(cg_mem_file hard)")" = 3221225472 ] || vk_fail "re-attached domain lost its cgroup"
vsh schedinfo tn
expect_line "cpu_shares     : 256"

# ---- a name that is not a safe directory name is escaped
vk_domain_xml 'tn two' > "$ROOT/tn2.xml"
vsh create "$ROOT/tn2.xml"
expect_ok create 'tn two'
p2=""
for p in $(vk_status_pids); do [ "$p" != "$qpid" ] && p2=$p; done
cg_track "$p2"
grep -q '/dom-tn\\x20two$' "/proc/$p2/cgroup" || vk_fail "'tn two' not in dom-tn\\x20two: $(cat "/proc/$p2/cgroup")"

vsh destroy 'tn two'
expect_ok destroy 'tn two'
vsh destroy tn
expect_ok destroy
for p in $CG_PARTITIONS; do [ -e "$p" ] && vk_fail "partition $p left after destroy"; done
vsh undefine tn
expect_ok undefine
echo "PASS: tune virsh"
