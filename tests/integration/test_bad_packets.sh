#!/bin/bash
# Malformed, truncated, oversized and out-of-order packets (raw socket).
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
/usr/bin/python3 "$(dirname "$0")/bad_packets_check.py" "$ROOT/run/virtkit-sock" ||
    vk_fail "bad packet checks failed"
# The daemon is still alive and serves stock virsh.
kill -0 "$VK_DAEMON_PID" || vk_fail "virtkitd died"
vsh list --all
expect_ok list-after
expect_line ' Id   Name   State'
echo "PASS: bad packets"
