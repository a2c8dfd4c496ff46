#!/usr/bin/env bash
# Boots the test guest with its serial port on a pair of FIFOs (QEMU's pipe chardev: PATH.in is
# the guest's input, PATH.out its output), waits for readiness, then types a command into the
# root shell on ttyS0 and reads its output back.
# Usage: test_shell.sh GUEST_DIR
set -uo pipefail
GUEST_DIR=${1:?usage: test_shell.sh GUEST_DIR}
source "$(dirname "$0")/lib.sh"

guest_build
serial_log=$work/serial.log
mkfifo "$work/ser.in" "$work/ser.out" || fail "mkfifo"
# Read-write opens of a FIFO never block, so neither side waits for the other to start.
exec 3<>"$work/ser.in"
cat 0<>"$work/ser.out" >"$serial_log" &
helper_pids+=($!)
qemu_start -serial "pipe:$work/ser"
wait_ready

# Input typed before the shell owns the tty can be lost: retype with a new token until one
# comes back, within a bound.
got=
for ((try = 1; try <= 10; try++)); do
  [ -z "$got" ] || break
  token=hello-$RANDOM$RANDOM
  printf 'echo %s\n' "$token" >&3
  for ((i = 0; i < 5 * 5; i++)); do
    # The shell's output is the token alone on its line; the typed command echoes as "echo TOKEN".
    if tr -d '\r' <"$serial_log" | grep -qx -- "$token"; then
      got=$token
      break
    fi
    qemu_running || fail "QEMU exited while waiting for the shell"
    sleep 0.2
  done
done
[ -n "$got" ] || fail "the shell on ttyS0 never answered 'echo hello-...'"

# And it is root's shell on the guest's own kernel.
printf 'echo "id=$(id -u) kernel=$(uname -r)"\n' >&3
wait_for_line "^id=0 kernel=$GUEST_KVER\$" 30 || fail "the shell did not report uid 0 on kernel $GUEST_KVER"

echo "PASS: the root shell on ttyS0 answered '$got'"
