#!/usr/bin/env bash
# virtkit against stock libvirt on this machine, side by side; prints a table.
#   bench/run.sh [--quick] [--json FILE] [--markdown FILE] [--keep]
# Installs what is missing (Debian 12, root), builds virtkit if needed, then
# runs bench/bench.py with Debian's python3 (python3-libvirt). Starts stock
# libvirtd (under tini -s, private sockets) and virtkitd (private root) by
# hand and stops both, and every QEMU they started, by PID at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

need=()
for pkg in libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients python3-libvirt \
           qemu-system-x86 tini; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  # The maintainer scripts would start libvirtd/virtlogd system-wide; the
  # benchmark starts its own, so forbid that (policy-rc.d exit 101) meanwhile.
  policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    own_policy=1
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  if [ "$own_policy" = 1 ]; then rm -f "$policy"; trap - EXIT; fi
fi

# Always brought up to date (ninja does nothing when it is): a stale build
# would measure old code under the new commit's name.
[ -d "$top/build" ] || meson setup "$top/build" "$top" >&2
ninja -C "$top/build" >&2

exec /usr/bin/python3 "$top/bench/bench.py" "$@"
