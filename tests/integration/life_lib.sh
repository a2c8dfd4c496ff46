# Start of every "lifecycle" test (life_*.sh sources it): a daemon in a temp
# root, the test guest built, and helpers for the guest on a unix-socket
# serial port that a relay (life_serial.py) logs and types into for the
# whole test. Background helpers in LIFE_BG_PIDS are killed on exit.
LIFE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LIFE_DIR/../lib/vk_daemon.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
. "$LIFE_DIR/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start
LIFE_BG_PIDS=
life_kill_bg() {
    local p
    for p in $LIFE_BG_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    LIFE_BG_PIDS=
}
trap 'life_rc=$?; life_kill_bg; (exit $life_rc); vk_cleanup' EXIT

# life_xml NAME ON_POWEROFF ON_CRASH [DEVICES]: the guest's XML, serial on
# $ROOT/NAME.sock.
life_xml() {
    vk_guest_xml "$1" "unix:$ROOT/$1.sock" "${4:-}" |
        sed "s|<on_poweroff>destroy</on_poweroff>|<on_poweroff>$2</on_poweroff>\n  <on_crash>$3</on_crash>|"
}

# life_relay NAME: relays $ROOT/NAME.sock to $ROOT/NAME.log and from
# $ROOT/NAME.in (a FIFO; see life_type).
life_relay() {
    mkfifo "$ROOT/$1.in" && : > "$ROOT/$1.log" || vk_fail "cannot create the relay files of $1"
    /usr/bin/python3 "$LIFE_DIR/life_serial.py" "$ROOT/$1.sock" "$ROOT/$1.log" "$ROOT/$1.in" &
    LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
}

# life_type NAME COMMAND: types a command into the guest's root shell.
life_type() {
    printf '\n%s\n' "$2" > "$ROOT/$1.in"
}

life_ready_count() {
    tr -d '\r' < "$ROOT/$1.log" 2>/dev/null | grep -c "^VIRTKIT-GUEST-READY $GUEST_KVER" || true
}
# life_wait_ready NAME N: until the guest has printed N readiness lines
# (bounded generously: TCG boots on a busy host).
life_wait_ready() {
    local i
    for i in $(seq 1 1500); do
        [ "$(life_ready_count "$1")" -ge "$2" ] && return 0
        sleep 0.2
    done
    vk_fail "$1: readiness line count never reached $2 (is $(life_ready_count "$1"))"
}

# life_pid NAME: the QEMU pid in the domain's status file (empty if none).
life_pid() {
    sed -n 's/^ *"pid": *\([0-9][0-9]*\).*/\1/p' "$ROOT/run/qemu/$1.status" 2>/dev/null
}

# life_wait_state NAME "STATE (REASON)": until domstate --reason says so.
life_wait_state() {
    local i
    for i in $(seq 1 600); do
        vsh domstate "$1" --reason
        [ "$OUT" = "$2" ] && return 0
        sleep 0.2
    done
    vk_fail "$1: state never became '$2' (is '$OUT')"
}

# life_wait_grep FILE REGEX: until a line of FILE matches.
life_wait_grep() {
    local i
    for i in $(seq 1 600); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    vk_fail "no line matching '$2' in $1:
$(cat "$1" 2>/dev/null)"
}
