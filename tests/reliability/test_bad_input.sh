#!/bin/bash
# Hostile input (XML bombs, external entities, odd names, a directory as a
# disk, the read-only socket, raw packets): each gets its expected answer,
# and afterwards the daemon still serves stock virsh (the sanitizer check of
# its log runs on exit, in vk_cleanup).
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
. "$here/rel_lib.sh"
vk_daemon_start
rel_trap_orphans
/usr/bin/python3 "$here/bad_input_check.py" "$ROOT" "$REL_TAG" || vk_fail "bad input checks failed"
kill -0 "$VK_DAEMON_PID" || vk_fail "virtkitd died"
vsh list --all
expect_ok list-after
expect_line ' Id   Name   State'
echo "PASS: bad input"
