#!/bin/bash
# Autostart through stock virsh: the link is made and removed, `list
# --autostart` and dominfo show it, a restarted virtkitd starts the domain
# by itself, and a transient domain is refused with a clear error.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

vk_domain_xml vk-auto > "$ROOT/auto.xml"
vk_domain_xml vk-manual > "$ROOT/manual.xml"
vsh define "$ROOT/auto.xml"; expect_ok define
vsh define "$ROOT/manual.xml"; expect_ok define

vsh autostart vk-auto
expect_ok autostart
expect_contains "Domain 'vk-auto' marked as autostarted"
[ -L "$ROOT/etc/qemu/autostart/vk-auto.xml" ] || vk_fail "no autostart link for vk-auto"
vsh dominfo vk-auto
expect_line 'Autostart:      enable'
vsh dominfo vk-manual
expect_line 'Autostart:      disable'
vsh list --all --autostart
expect_line ' -    vk-auto   shut off'
printf '%s\n' "$OUT" | grep -q vk-manual && vk_fail "list --autostart shows vk-manual: $OUT"
vsh list --all --no-autostart
expect_contains vk-manual

# A restarted daemon starts the autostart domain and only that one.
kill -TERM "$VK_DAEMON_PID"
wait "$VK_DAEMON_PID" || vk_fail "virtkitd did not exit cleanly on SIGTERM"
VK_DAEMON_PID=
vk_daemon_restart
state=
for i in $(seq 1 300); do
    vsh domstate vk-auto
    state=$OUT
    [ "$state" = running ] && break
    sleep 0.2
done
[ "$state" = running ] || vk_fail "vk-auto was not autostarted (state: $state)"
vsh domstate vk-manual
expect_line 'shut off'
vsh domid vk-auto
expect_line '[0-9]+'

# --disable removes the link; a daemon restart then leaves it off.
vsh autostart --disable vk-auto
expect_ok autostart --disable
expect_contains "Domain 'vk-auto' unmarked as autostarted"
[ -e "$ROOT/etc/qemu/autostart/vk-auto.xml" ] && vk_fail "autostart link still there"
vsh dominfo vk-auto
expect_line 'Autostart:      disable'
vsh destroy vk-auto; expect_ok destroy
kill -TERM "$VK_DAEMON_PID"
wait "$VK_DAEMON_PID" || vk_fail "virtkitd did not exit cleanly on SIGTERM"
VK_DAEMON_PID=
vk_daemon_restart
sleep 1
vsh domstate vk-auto
expect_line 'shut off'

# Transient domains cannot be autostarted.
vk_domain_xml vk-trans > "$ROOT/trans.xml"
vsh create "$ROOT/trans.xml"; expect_ok create
vsh autostart vk-trans
expect_fail autostart transient
expect_contains "cannot set autostart for transient domain 'vk-trans'"
# Unknown domain: virsh's lookup error.
vsh autostart nosuch
expect_fail autostart nosuch
expect_contains "failed to get domain 'nosuch'"
vsh destroy vk-trans; expect_ok destroy
echo "PASS"
