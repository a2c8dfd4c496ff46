#!/bin/bash
# Crash safety: four python3-libvirt clients cycle define/start/destroy/
# undefine on their own domains while virtkitd is killed with SIGKILL at a
# random moment (every other round: while a QEMU is being started) and
# restarted, VK_RELIABILITY_ROUNDS times (default 3; VK_RELIABILITY_AIM=0:
# random moments only).
# After every restart crash_clients.py verify checks domains, XML, states
# and QEMU processes against what the clients were told.
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
. "$here/rel_lib.sh"
rounds=${VK_RELIABILITY_ROUNDS:-3}
vk_daemon_start
rel_trap_orphans
ledger="$ROOT/ledger.json"
kills=0
aimed=0
for r in $(seq 1 "$rounds"); do
    rm -f "$ROOT/started" "$ROOT/stop"
    /usr/bin/python3 "$here/crash_clients.py" run "$ROOT" "$ledger" "$ROOT/started" \
        "$ROOT/stop" "$REL_TAG" &
    py=$!
    for i in $(seq 1 900); do
        [ -e "$ROOT/started" ] && break
        kill -0 "$py" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$ROOT/started" ] || vk_fail "round $r: clients did not start"
    if [ "${VK_RELIABILITY_AIM:-1}" = 1 ] && [ $((r % 2)) = 1 ]; then
        # Aimed: the moment a QEMU of this run exists that no status file
        # records yet (a start in progress), else after at most ~5 s.
        sleep 0.$((RANDOM % 9 + 1))
        for i in $(seq 1 200); do
            [ -n "$(rel_untracked_qemus)" ] && { aimed=$((aimed + 1)); break; }
        done
    else
        # A random moment 0.1 .. 2.9 s into the clients' work.
        sleep "$((RANDOM % 3)).$((RANDOM % 9 + 1))"
    fi
    vk_daemon_kill9
    kills=$((kills + 1))
    vk_daemon_restart
    touch "$ROOT/stop"
    wait "$py" || vk_fail "round $r: clients reported failures (above)"
    vk_track_qemus
    /usr/bin/python3 "$here/crash_clients.py" verify "$ROOT" "$ledger" "$REL_TAG" ||
        vk_fail "round $r: state after restart is wrong (above)"
    # Clients 0 and 1 left their domains running: a quiet kill now checks
    # that the next daemon re-attaches to them (same QEMU, still running).
    vk_daemon_kill9
    kills=$((kills + 1))
    vk_daemon_restart
    /usr/bin/python3 "$here/crash_clients.py" verify "$ROOT" "$ledger" "$REL_TAG" \
        "after a quiet kill" || vk_fail "round $r: state after a quiet restart is wrong (above)"
done
# Leave nothing running: destroy and undefine what the clients left.
/usr/bin/python3 "$here/rel_cleanup.py" "$ROOT" "$REL_TAG" || vk_fail "final cleanup failed"
echo "PASS: crash safety: $rounds rounds, $kills SIGKILLs ($aimed during a QEMU start), 4 clients, nothing lost"
