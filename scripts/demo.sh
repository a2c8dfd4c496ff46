#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine: installs what is missing, builds,
# starts virtkitd in a private root, defines and boots the test guest, shows
# `vksh list` and the guest's first console lines.
#   scripts/demo.sh          run it and stop everything at the end
#   scripts/demo.sh --keep   leave virtkitd and the guest running
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
keep=0
[ "${1:-}" = "--keep" ] && keep=1

bash scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

guest_dir="$top/build/tests/guest/out"
bash tests/guest/build.sh "$guest_dir" >/dev/null

root=$(mktemp -d /tmp/virtkit-demo.XXXXXX)
uri="qemu+unix:///system?socket=$root/run/virtkit-sock"
vksh() { "$top/build/tools/vksh/vksh" -c "$uri" "$@"; }

daemon_pid=
cleanup() {
  if [ "$keep" -eq 0 ]; then
    vksh destroy demo-guest >/dev/null 2>&1 || true
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    # Any QEMU the daemon left (it never should after destroy), by its recorded pid.
    for st in "$root"/run/qemu/*.status; do
      [ -e "$st" ] || continue
      pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$st")
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$root"
  fi
}
trap cleanup EXIT

echo "== starting virtkitd --root $root"
"$top/build/src/daemon/virtkitd" --root "$root" >"$root/virtkitd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$root/run/virtkit-sock" ] && break; sleep 0.05; done

serial="$root/demo-guest.serial.log"
sed -e "s|@NAME@|demo-guest|g" -e "s|@GUEST_DIR@|$guest_dir|g" -e "s|@SERIAL_LOG@|$serial|g" \
  tests/guest/domain.xml.in >"$root/demo-guest.xml"

echo "== vksh define + start"
vksh define "$root/demo-guest.xml"
vksh start demo-guest
echo "== vksh list --all"
vksh list --all

echo "== waiting for the guest to boot (TCG, ~10-30 s)"
for _ in $(seq 240); do
  grep -q VIRTKIT-GUEST-READY "$serial" 2>/dev/null && break
  sleep 0.5
done
echo "== the guest's first console lines ($serial)"
head -n 15 "$serial" | tr -d '\r'
grep -q VIRTKIT-GUEST-READY "$serial" || { echo "guest did not become ready" >&2; exit 1; }

echo "== vksh shutdown (ACPI power button)"
vksh shutdown demo-guest
for _ in $(seq 120); do
  [ "$(vksh domstate demo-guest)" = "shut off" ] && break
  sleep 0.5
done
vksh list --all
if [ "$keep" -eq 1 ]; then
  echo "virtkitd keeps running (pid $daemon_pid). Try: virsh -c '$uri' list --all"
fi
