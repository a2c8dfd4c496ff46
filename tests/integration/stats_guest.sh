#!/bin/bash
# Balloon statistics and live memory on the real test guest (TCG, virtio
# balloon driver loaded): dommemstat --period makes the guest report its
# memory (unused, available appear); setmem --live moves the balloon, and
# the guest follows (dommemstat actual reaches the new size).
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
vk_daemon_start

log=$ROOT/g-stats.serial
sed -e "s|@NAME@|g-stats|g" -e "s|@GUEST_DIR@|$GUEST_DIR|g" -e "s|@SERIAL_LOG@|$log|g" \
    -e "/<interface type='user'>/,/<\/interface>/d" "$GUEST_DOMAIN_XML_IN" > "$ROOT/g-stats.xml"
vsh define "$ROOT/g-stats.xml"
expect_ok define
vsh start g-stats
expect_ok start
# bounded wait for the guest's readiness line (TCG boot on a busy host)
for i in $(seq 1 900); do
    tr -d '\r' < "$log" 2>/dev/null | grep -q "^VIRTKIT-GUEST-READY" && break
    sleep 0.2
done
tr -d '\r' < "$log" | grep -q "^VIRTKIT-GUEST-READY" || vk_fail "the guest did not boot"

vsh dommemstat g-stats --period 1 --live
expect_ok dommemstat --period
# the guest reports within a few polling periods (bounded wait)
for i in $(seq 1 150); do
    vsh dommemstat g-stats
    case "$OUT" in *unused*) break ;; esac
    sleep 0.2
done
expect_ok dommemstat
expect_line 'actual 196608'
expect_line 'unused [0-9]+'
expect_line 'available [0-9]+'
expect_line 'last_update [0-9]+'
avail=$(printf '%s\n' "$OUT" | awk '$1 == "available" {print $2}')
[ "$avail" -gt 100000 ] && [ "$avail" -le 196608 ] ||
    vk_fail "guest-reported available memory $avail KiB is not plausible for 192 MiB"

vsh setmem g-stats 128M --live
expect_ok setmem --live
for i in $(seq 1 300); do
    vsh dommemstat g-stats
    case "$OUT" in *"actual 131072"*) break ;; esac
    sleep 0.2
done
expect_line 'actual 131072'
vsh domstats --balloon g-stats
expect_line '  balloon.current=131072'
vsh dumpxml g-stats
expect_line "  <currentMemory unit='KiB'>131072</currentMemory>"

vsh destroy g-stats
echo "PASS: balloon stats and live memory on the test guest"
