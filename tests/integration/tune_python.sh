#!/bin/bash
# Feature "tune" through python3-libvirt (tune_python.py does the checks).
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
out=$(timeout 240 /usr/bin/python3 "$(dirname "$0")/tune_python.py" "$VK_URI")
rc=$?
CG_PARTITIONS=$(printf '%s\n' "$out" | head -1)
vk_track_qemus
[ $rc -eq 0 ] || vk_fail "python3-libvirt tune checks failed"
for p in $CG_PARTITIONS; do [ -e "$p" ] && vk_fail "partition $p left after the test"; done
echo "PASS: tune via python3-libvirt"
