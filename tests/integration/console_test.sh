#!/bin/bash
# Feature "console": the real test guest with its serial port and console on
# a pty under virtkitd; stock `virsh console` and `vksh console` reach its
# root shell (console_check.py drives them on a pty); the live XML names the
# pty; virsh domdisplay / vncdisplay and vksh's print the VNC server of an
# autoport domain; a console on a stopped domain fails clearly.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
. "$here/../guest/guest-env.sh" || vk_fail "cannot build the test guest"
VKSH=${VKSH:-}
vk_daemon_start

name=vk-console
vk_guest_xml $name pty "    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>" \
    > "$ROOT/$name.xml" || vk_fail "cannot write the domain XML"

vsh define "$ROOT/$name.xml"
expect_ok define

# Not running: virsh refuses before opening; the API gives a clear error.
vsh console $name
expect_fail "console on a stopped domain"
expect_contains "not running"

vsh start $name
expect_ok start

# The live XML names the pty, like libvirt's: <source path='/dev/pts/N'/>
# on the serial, and tty= on the console.
vsh dumpxml $name
expect_ok dumpxml
pts=$(printf '%s\n' "$OUT" | sed -n "s|.*<source path='\(/dev/pts/[0-9]*\)'/>.*|\1|p" | head -1)
[ -n "$pts" ] || vk_fail "live XML has no pty source path: $OUT"
[ -c "$pts" ] || vk_fail "live XML names $pts, which is not a character device"
expect_contains "<console type='pty' tty='$pts'>"
# ... and the VNC port QEMU listens on.
port=$(printf '%s\n' "$OUT" | sed -n "s|.*<graphics type='vnc' port='\([0-9]*\)' autoport='yes'.*|\1|p")
[ -n "$port" ] && [ "$port" -ge 5900 ] || vk_fail "live XML has no VNC port: $OUT"
/usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)' "$port" ||
    vk_fail "nothing listens on the VNC port $port named in the live XML"
display=$((port - 5900))

vsh domdisplay $name
expect_ok domdisplay
expect_line "vnc://127.0.0.1:$display"
vsh vncdisplay $name
expect_ok vncdisplay
expect_line "127.0.0.1:$display"
if [ -n "$VKSH" ]; then
    OUT=$(timeout 60 "$VKSH" -c "$VK_URI" domdisplay $name 2>&1); RC=$?
    expect_ok "vksh domdisplay"
    expect_line "vnc://127.0.0.1:$display"
    OUT=$(timeout 60 "$VKSH" -c "$VK_URI" vncdisplay $name 2>&1); RC=$?
    expect_ok "vksh vncdisplay"
    expect_line "127.0.0.1:$display"
    # byte for byte what virsh prints (trailing empty lines included)
    for c in domdisplay vncdisplay; do
        timeout 60 virsh -c "$VK_URI" $c $name > "$ROOT/virsh.$c" 2>&1
        timeout 60 "$VKSH" -c "$VK_URI" $c $name > "$ROOT/vksh.$c" 2>&1
        cmp -s "$ROOT/virsh.$c" "$ROOT/vksh.$c" ||
            vk_fail "vksh $c differs from virsh: $(od -c "$ROOT/vksh.$c") vs $(od -c "$ROOT/virsh.$c")"
    done
fi

# The interactive part: virsh console, takeover, vksh console.
args=("$VK_URI" "$name")
[ -n "$VKSH" ] && args+=(--vksh "$VKSH")
/usr/bin/python3 "$here/console_check.py" "${args[@]}" || vk_fail "console checks failed"

# After a daemon restart (re-attach) the pty is still known.
vk_daemon_kill9
vk_daemon_restart
vsh dumpxml $name
expect_contains "<source path='$pts'/>"
expect_contains "<console type='pty' tty='$pts'>"

# python3-libvirt's stream API; it ends by destroying the domain under an
# open console (the stream must end, not hang).
/usr/bin/python3 "$here/console_python.py" "$VK_URI" "$name" || vk_fail "python console checks failed"
vsh domstate $name
expect_line 'shut off'
echo "PASS: console"
