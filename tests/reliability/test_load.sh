#!/bin/bash
# Load: 50 concurrent python3-libvirt clients, bounded calls per round;
# no unexpected error, no lost reply, daemon VmRSS flat after warm-up.
# VK_RELIABILITY_LOAD_ROUNDS (default 6, 2 of them warm-up) and
# VK_RELIABILITY_OPS (calls per client per round, default 21).
set -u
here=$(dirname "$0")
# Under ASan, freed memory sits in a quarantine (256 MiB by default) and
# would read as RSS growth: none here (LeakSanitizer still runs at exit).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
. "$here/../lib/vk_daemon.sh"
. "$here/rel_lib.sh"
vk_daemon_start
rel_trap_orphans
/usr/bin/python3 "$here/load_clients.py" "$ROOT" "$VK_DAEMON_PID" "$REL_TAG" \
    "${VK_RELIABILITY_LOAD_ROUNDS:-6}" "${VK_RELIABILITY_OPS:-21}" ||
    vk_fail "load test failed (above)"
kill -0 "$VK_DAEMON_PID" || vk_fail "virtkitd died under load"
echo "PASS: load"
