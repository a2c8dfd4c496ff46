#!/usr/bin/env bash
# Boots the test guest under plain QEMU (TCG), waits for its readiness line on a file serial,
# then presses the ACPI power button over QMP: the guest must power off and QEMU exit by itself.
# Usage: test_powerdown.sh GUEST_DIR
set -uo pipefail
GUEST_DIR=${1:?usage: test_powerdown.sh GUEST_DIR}
source "$(dirname "$0")/lib.sh"

guest_build
serial_log=$work/serial.log
qemu_start -serial "file:$serial_log"
wait_ready

ready=$(tr -d '\r' <"$serial_log" | grep -E '^VIRTKIT-GUEST-READY ')
[ "$ready" = "VIRTKIT-GUEST-READY $GUEST_KVER" ] ||
  fail "readiness line '$ready' does not name the kernel $GUEST_KVER"

status=$(qmp query-status) || fail "QMP query-status"
[[ $status == *'"running": true'* ]] || fail "QMP says the guest is not running: $status"

qmp system_powerdown >/dev/null || fail "QMP system_powerdown"
for ((i = 0; i < 60 * 5; i++)); do
  qemu_running || break
  sleep 0.2
done
qemu_running && fail "QEMU still runs 60 s after system_powerdown: the guest ignored the power button"
wait "$qemu_pid"
rc=$?
qemu_pid=
[ "$rc" -eq 0 ] || fail "QEMU exited with status $rc after the guest powered off"
tr -d '\r' <"$serial_log" | grep -q 'power button pressed' ||
  fail "QEMU exited but the guest never saw the power button"
echo "PASS: guest booted, printed its readiness line and powered off on the ACPI power button"
