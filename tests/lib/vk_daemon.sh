# Shell helpers for tests that run a real virtkitd (source this file).
#
#   . tests/lib/vk_daemon.sh
#   vk_daemon_start            # ROOT=<fresh mktemp dir>, starts virtkitd --root $ROOT
#   virsh -c "$VK_URI" list --all
#   vk_daemon_kill9 / vk_daemon_restart
#
# A trap (installed by vk_daemon_start) kills the daemon and every QEMU it
# recorded (ROOT/run/qemu/*.status, pids checked to be QEMU first), even
# when the test fails, with the cgroups they leave (vk_cgroup.sh), then
# removes ROOT.
#
# VIRTKITD: path of the virtkitd binary (meson passes it).
# VK_DAEMON_PREFIX (optional): a command the daemon runs under, word-split,
# e.g. "ip netns exec vk-netif-123" (it must exec virtkitd, keeping the pid).

: "${VIRTKITD:?VIRTKITD must point at the virtkitd binary}"

VK_DAEMON_PID=
VK_QEMU_PIDS=

. "$(dirname "${BASH_SOURCE[0]}")/vk_cgroup.sh"

vk_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Pids of QEMUs recorded in the status files (running domains).
vk_status_pids() {
    local f
    for f in "$ROOT"/run/qemu/*.status; do
        [ -f "$f" ] || continue
        sed -n 's/^ *"pid": *\([0-9][0-9]*\).*/\1/p' "$f"
    done
}

# Remembers the QEMU pids now recorded, so cleanup can kill them even if a
# status file vanished later (e.g. the test killed the daemon mid-way).
vk_track_qemus() {
    local p
    for p in $(vk_status_pids); do
        case " $VK_QEMU_PIDS " in *" $p "*) ;; *) VK_QEMU_PIDS="$VK_QEMU_PIDS $p" ;; esac
    done
}

vk_is_qemu_pid() {
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q qemu-system
}

vk_cleanup() {
    local rc=$?
    [ -n "${ROOT:-}" ] || return $rc
    vk_track_qemus
    if [ -n "$VK_DAEMON_PID" ]; then
        kill -TERM "$VK_DAEMON_PID" 2>/dev/null
        wait "$VK_DAEMON_PID" 2>/dev/null
        local drc=$?
        # A clean SIGTERM exit is part of every test; sanitizer builds
        # report leaks through the exit status and UB in the log.
        if [ $drc -ne 0 ]; then
            echo "FAIL: virtkitd exited with status $drc on SIGTERM" >&2
            rc=1
        fi
    fi
    if [ -f "$ROOT/daemon.log" ] &&
       grep -Eq 'runtime error:|Sanitizer|LeakSanitizer' "$ROOT/daemon.log"; then
        echo "FAIL: sanitizer report in the daemon log:" >&2
        grep -E -A20 'runtime error:|Sanitizer' "$ROOT/daemon.log" | head -60 >&2
        rc=1
    fi
    local p
    for p in $VK_QEMU_PIDS; do
        vk_is_qemu_pid "$p" || continue
        cg_track "$p" # its cgroup outlives it when no daemon is left to remove it
        kill -KILL "$p" 2>/dev/null
    done
    cg_cleanup
    # A test's own leftovers outside ROOT, after the QEMUs.
    [ -n "${VK_CLEANUP_HOOK:-}" ] && "$VK_CLEANUP_HOOK"
    if [ $rc -ne 0 ] && [ -f "$ROOT/daemon.log" ]; then
        echo "--- daemon log (test failed):" >&2
        grep -v " debug: " "$ROOT/daemon.log" | tail -n 40 >&2
    fi
    rm -rf "$ROOT"
    # VK_CLEANUP_HOOK (optional): what the test set up around the daemon
    # (e.g. its network namespace), undone after the daemon and QEMUs died.
    [ -z "${VK_CLEANUP_HOOK:-}" ] || "$VK_CLEANUP_HOOK"
    exit $rc
}

# True when something accepts connections on the UNIX socket $1 (a stale
# socket file left by a killed daemon refuses them).
vk_socket_live() {
    /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])' "$1" 2>/dev/null
}

# Waits (bounded) until this daemon's sockets accept connections.
vk_wait_socket() {
    local i
    for i in $(seq 1 600); do
        if [ "$(cat "$ROOT/run/virtkitd.pid" 2>/dev/null)" = "$VK_DAEMON_PID" ] &&
           vk_socket_live "$ROOT/run/virtkit-sock" && vk_socket_live "$ROOT/run/virtkit-sock-ro"; then
            return 0
        fi
        kill -0 "$VK_DAEMON_PID" 2>/dev/null || vk_fail "virtkitd exited during startup"
        sleep 0.1
    done
    vk_fail "virtkitd did not start listening"
}

vk_daemon_spawn() {
    # shellcheck disable=SC2086 # the prefix is a command line on purpose
    ${VK_DAEMON_PREFIX:-} "$VIRTKITD" --root "$ROOT" --verbose >> "$ROOT/daemon.log" 2>&1 &
    VK_DAEMON_PID=$!
    vk_wait_socket
}

vk_daemon_start() {
    ROOT=$(mktemp -d /tmp/vk-test.XXXXXX)
    trap vk_cleanup EXIT
    trap 'exit 130' INT TERM
    VK_URI="qemu+unix:///system?socket=$ROOT/run/virtkit-sock"
    VK_URI_RO="qemu+unix:///system?socket=$ROOT/run/virtkit-sock-ro"
    export ROOT VK_URI VK_URI_RO
    vk_daemon_spawn
}

vk_daemon_kill9() {
    vk_track_qemus
    kill -KILL "$VK_DAEMON_PID"
    wait "$VK_DAEMON_PID" 2>/dev/null
    VK_DAEMON_PID=
}

vk_daemon_restart() {
    vk_daemon_spawn
}

# Writes a small real domain: TCG, 64 MiB, no disks (QEMU idles in firmware).
vk_domain_xml() {
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
</domain>
XML
}

# Runs virsh on the rw socket with a bounded time; output in $OUT, status
# in $RC (never fails the script by itself).
vsh() {
    OUT=$(timeout 60 virsh -c "$VK_URI" "$@" 2>&1)
    RC=$?
    vk_track_qemus
}

expect_ok() {
    [ "$RC" -eq 0 ] || vk_fail "'$*' failed (rc $RC): $OUT"
}
expect_fail() {
    [ "$RC" -ne 0 ] || vk_fail "'$*' succeeded but should fail: $OUT"
}
expect_contains() {
    case "$OUT" in *"$1"*) ;; *) vk_fail "expected output to contain '$1', got: $OUT" ;; esac
}
expect_line() {
    # $1: a regular expression one whole line must match
    printf '%s\n' "$OUT" | grep -Eq "^$1\$" || vk_fail "expected a line matching '$1', got:
$OUT"
}
