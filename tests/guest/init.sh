#!/bin/sh
# /init (PID 1) of the virtkit test guest: busybox sh on Debian's kernel.
# Kernel command line: "console=ttyS0 quiet" (the console and the shell are on ttyS0).
# It loads the virtio drivers, starts networking and a root shell on ttyS0, powers off on
# the ACPI power button, and prints "VIRTKIT-GUEST-READY <kernel version>" once all that is up.
export PATH=/sbin:/bin HOME=/root TERM=vt100

# Nothing is open yet: the initramfs carries no /dev/console node (the build runs unprivileged).
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
hostname virtkit-guest

# Dependencies come first in the list: the build resolved them from modules.dep.
while read -r mod; do
  [ -n "$mod" ] || continue
  insmod "/lib/modules/$mod" || echo "virtkit-guest: cannot load $mod"
done </etc/modules.list

ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  # In the background: readiness never waits for a DHCP server that may not exist.
  command -v udhcpc >/dev/null &&
    udhcpc -i eth0 -q -t 5 -T 2 -s /etc/udhcpc.script >/dev/null 2>&1 &
fi

power_off() {
  echo "virtkit-guest: power button pressed, powering off"
  sync
  poweroff -f
}

# One event at a time; struct input_event on x86-64 is a 16-byte timeval, then u16 type,
# u16 code, s32 value, which od prints as twelve u16 words (type = 9th, code = 10th).
watch_power_button() {
  while :; do
    set -- $(dd if="$1" bs=24 count=1 2>/dev/null | od -An -tu2)
    if [ $# -lt 12 ]; then
      sleep 1 # device gone or short read: don't spin
      continue
    fi
    # EV_KEY (1), KEY_POWER (116), pressed (1)
    [ "$9" = 1 ] && [ "${10}" = 116 ] && [ "${11}" = 1 ] && power_off
  done
}

# ACPI's power button is an input device named "Power Button" (drivers/acpi/button.c).
watching=0
for name in /sys/class/input/input*/name; do
  [ "$(cat "$name" 2>/dev/null)" = "Power Button" ] || continue
  for ev in "${name%/name}"/event*; do
    [ -e "$ev" ] || continue
    dev=/dev/input/${ev##*/}
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -c "$dev" ] && break; sleep 0.1; done
    watch_power_button "$dev" &
    watching=$((watching + 1))
  done
done
[ "$watching" -gt 0 ] || echo "virtkit-guest: no ACPI power button found; shutdown will not work"

# Readiness means the shell listens. The login shell prints the line itself
# from its profile, once, before its first prompt: printed by init, the line
# could interleave with the prompt and its terminal query on the same line.
cat >/etc/profile <<'PROFILE'
if [ ! -e /run/virtkit-ready ]; then
  : >/run/virtkit-ready
  echo
  echo "VIRTKIT-GUEST-READY $(uname -r)"
fi
PROFILE
mkdir -p /run

# A root shell on the console (ttyS0), respawned when it exits.
(
  while :; do
    setsid cttyhack sh -l
    sleep 1
  done
) &

# PID 1 must never exit; waiting here also reaps orphans.
while :; do
  sleep 3600
done
