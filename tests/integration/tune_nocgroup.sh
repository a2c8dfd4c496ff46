#!/bin/bash
# Feature "tune" without usable cgroups: virtkitd runs in a mount namespace
# where every cgroup file system is read-only. Domains still start and
# stop; tuning calls fail with a clear "cgroups are not available"; a
# domain whose XML asks for tuning refuses to start and says why.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
WRAP=$(mktemp /tmp/vk-nocg.XXXXXX)
VK_CLEANUP_HOOK=rm_wrap
rm_wrap() { rm -f "$WRAP"; }
cat > "$WRAP" <<'SH'
#!/bin/bash
[ -n "${VK_IN_NS:-}" ] || VK_IN_NS=1 exec unshare --mount --propagation private "$0" "$@"
# In this private mount namespace only: cgroup mounts become read-only.
for m in $(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' /proc/self/mountinfo); do
    mount -o remount,bind,ro "$m" || exit 1
done
exec "$REAL_VIRTKITD" "$@"
SH
chmod +x "$WRAP"
export REAL_VIRTKITD=$VIRTKITD
unshare --mount --propagation private true 2>/dev/null || { echo "SKIP: cannot unshare a mount namespace"; rm_wrap; exit 77; }
VIRTKITD=$WRAP
vk_daemon_start

vk_domain_xml nc > "$ROOT/nc.xml"
vsh define "$ROOT/nc.xml"
expect_ok define
vsh start nc
expect_ok start without cgroups
qpid=$(vk_status_pids)
grep -q virtkit "/proc/$qpid/cgroup" && vk_fail "QEMU got a cgroup on read-only cgroup mounts"
vsh memtune nc
expect_fail memtune
expect_contains "cgroups are not available"
vsh schedinfo nc --set cpu_shares=512
expect_fail schedinfo --set
expect_contains "cgroups are not available"
vsh cpu-stats nc --total
expect_ok cpu-stats --total falls back to the process times
expect_line "Total:"
grep -q "runs without resource tuning" "$ROOT/daemon.log" || vk_fail "no warning in the daemon log"
vsh destroy nc
expect_ok destroy
# Tuning in the XML cannot be honoured: the start fails and says why.
vsh memtune nc --config --hard-limit 1048576
expect_ok memtune --config works without cgroups
vsh start nc
expect_fail start with memtune
expect_contains "cgroups are not available"
vsh domstate nc
expect_line "shut off"
echo "PASS: tune without cgroups"
