#!/bin/bash
# The read-only socket: listing and looking work, every change is refused
# with "operation forbidden" naming the API, and nothing changes.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
vk_domain_xml vk-ro > "$ROOT/vk-ro.xml"
vk_domain_xml vk-ro2 > "$ROOT/vk-ro2.xml"
vsh define "$ROOT/vk-ro.xml"
expect_ok define-rw

ro() {
    OUT=$(timeout 60 virsh -c "$VK_URI_RO" "$@" 2>&1)
    RC=$?
    vk_track_qemus
}

[ "$(stat -c %a "$ROOT/run/virtkit-sock")" = 600 ] || vk_fail "rw socket mode is not 0600"
[ "$(stat -c %a "$ROOT/run/virtkit-sock-ro")" = 666 ] || vk_fail "ro socket mode is not 0666"

ro list --all
expect_ok list-ro
expect_line ' -    vk-ro   shut off'
ro dominfo vk-ro
expect_ok dominfo-ro
expect_line 'Name:           vk-ro'

ro define "$ROOT/vk-ro2.xml"
expect_fail define-ro
expect_contains "operation forbidden"
expect_contains "read only access prevents virDomainDefineXML"

ro start vk-ro
expect_fail start-ro
expect_contains "operation forbidden"
expect_contains "virDomainCreate"

ro undefine vk-ro
expect_fail undefine-ro
expect_contains "operation forbidden"

ro create "$ROOT/vk-ro2.xml"
expect_fail create-ro
expect_contains "operation forbidden"

# nothing changed
vsh list --all
expect_line ' -    vk-ro   shut off'
case "$OUT" in *vk-ro2*) vk_fail "read-only define/create took effect: $OUT" ;; esac
vsh undefine vk-ro
expect_ok undefine-rw
echo "PASS: read-only socket"
