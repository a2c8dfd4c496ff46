# Helpers for the guest tests (sourced, bash). Every QEMU and helper process started here is
# killed by PID on exit, whatever happened.
#   GUEST_DIR   where build.sh puts (or finds) the guest; set by the caller
#   BOOT_BOUND  seconds a boot may take before the test gives up (TCG on a busy 2-core host)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOOT_BOUND=${BOOT_BOUND:-180}
work=$(mktemp -d /tmp/vk-guest-test.XXXXXX)
qemu_pid=
helper_pids=()

fail() {
  echo "FAIL: $*" >&2
  if [ -n "${serial_log:-}" ] && [ -f "$serial_log" ]; then
    echo "--- guest serial output ($serial_log) ---" >&2
    tr -d '\r' <"$serial_log" | tail -n 40 >&2
  fi
  [ -f "$work/qemu.err" ] && { echo "--- qemu stderr ---" >&2; cat "$work/qemu.err" >&2; }
  exit 1
}

cleanup() {
  local p
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill -9 "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
  fi
  for p in "${helper_pids[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

guest_build() {
  bash "$here/build.sh" "$GUEST_DIR" || fail "building the guest into $GUEST_DIR"
  GUEST_DIR=$(cd "$GUEST_DIR" && pwd)
  GUEST_KVER=$(sed -n 's/^kernel //p' "$GUEST_DIR/stamp")
}

# qemu_start SERIAL-OPTION...: boots the guest under TCG with a QMP socket at $work/qmp.sock,
# a virtio NIC on user networking and a virtio balloon (the devices of domain.xml.in).
qemu_start() {
  qmp_sock=$work/qmp.sock
  qemu-system-x86_64 -accel tcg -machine pc -m 192 -smp 1 -nodefaults -display none \
    -kernel "$GUEST_DIR/kernel" -initrd "$GUEST_DIR/initrd.img" -append "$(cat "$GUEST_DIR/cmdline")" \
    -netdev user,id=net0 -device virtio-net-pci,netdev=net0 -device virtio-balloon-pci \
    -qmp "unix:$qmp_sock,server=on,wait=off" "$@" 2>"$work/qemu.err" &
  qemu_pid=$!
}

# True while QEMU runs (a zombie counts as exited: it is our child until waited for).
qemu_running() {
  local stat
  stat=$(cat "/proc/$qemu_pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# wait_for_line REGEX SECONDS: polls the serial log until a line matches (CRs removed).
wait_for_line() {
  local regex=$1 bound=$2 i
  for ((i = 0; i < bound * 5; i++)); do
    [ -f "$serial_log" ] && tr -d '\r' <"$serial_log" | grep -qE -- "$regex" && return 0
    qemu_running || fail "QEMU exited while waiting for '$regex'"
    sleep 0.2
  done
  return 1
}

wait_ready() {
  local t0=$SECONDS
  wait_for_line '^VIRTKIT-GUEST-READY ' "$BOOT_BOUND" ||
    fail "no VIRTKIT-GUEST-READY on the serial console within $BOOT_BOUND s"
  echo "guest ready after about $((SECONDS - t0)) s"
}

qmp() {
  /usr/bin/python3 "$here/qmp.py" "$qmp_sock" "$@"
}
