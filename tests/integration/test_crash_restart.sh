#!/bin/bash
# kill -9 virtkitd with three running domains: QEMU keeps running, a new
# virtkitd re-attaches and lists them running with the same ids, and they
# can be destroyed.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
for n in 1 2 3; do
    vk_domain_xml "vk-crash$n" > "$ROOT/vk-crash$n.xml"
    vsh define "$ROOT/vk-crash$n.xml"
    expect_ok define
    vsh start "vk-crash$n"
    expect_ok start
done
vsh list --all
before=$(printf '%s\n' "$OUT" | awk '$3 == "running" {print $1, $2}' | sort)
[ "$(printf '%s\n' "$before" | grep -c vk-crash)" = 3 ] || vk_fail "3 domains not running: $OUT"
qemus=$(vk_status_pids)

vk_daemon_kill9
for p in $qemus; do
    vk_is_qemu_pid "$p" || vk_fail "QEMU $p died with the daemon"
done
# Stale socket files are left behind; the new daemon must replace them.
[ -S "$ROOT/run/virtkit-sock" ] || vk_fail "expected a stale socket file after kill -9"

vk_daemon_restart
vsh list --all
expect_ok list-after-restart
after=$(printf '%s\n' "$OUT" | awk '$3 == "running" {print $1, $2}' | sort)
[ "$before" = "$after" ] || vk_fail "after restart, running domains differ:
before: $before
after:  $after"

for n in 1 2 3; do
    vsh destroy "vk-crash$n"
    expect_ok destroy
    expect_contains "Domain 'vk-crash$n' destroyed"
done
for p in $qemus; do
    for i in $(seq 1 100); do vk_is_qemu_pid "$p" || break; sleep 0.1; done
    vk_is_qemu_pid "$p" && vk_fail "QEMU $p still running after destroy"
done
vsh list --all
expect_line ' -    vk-crash1   shut off'
echo "PASS: crash and restart"
