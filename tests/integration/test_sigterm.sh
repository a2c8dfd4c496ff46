#!/bin/bash
# SIGTERM while clients are busy: virtkitd exits 0, removes its sockets and
# pid file, and leaves running domains running for the next daemon.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
vk_domain_xml vk-term > "$ROOT/vk-term.xml"
vsh define "$ROOT/vk-term.xml"
expect_ok define
vsh start vk-term
expect_ok start
vsh domid vk-term
id=$OUT
qemu=$(vk_status_pids)
[ -n "$qemu" ] || vk_fail "no QEMU recorded"

# A client hammering the daemon with calls until it goes away.
/usr/bin/python3 - "$ROOT/run/virtkit-sock" <<'PY' &
import socket, struct, sys
def pkt(proc, serial, payload=b""):
    body = struct.pack(">IIiIII", 0x20008086, 1, proc, 0, serial, 0) + payload
    return struct.pack(">I", len(body) + 4) + body
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
uri = b"qemu:///system"
s.sendall(pkt(66, 0) + pkt(1, 1, struct.pack(">II", 1, len(uri)) + uri + b"\0\0" + struct.pack(">I", 0)))
try:
    for i in range(2, 1000000):
        s.sendall(b"".join(pkt(273, i * 10 + k, struct.pack(">iI", 1, 3)) for k in range(10)))
        s.recv(65536)
except OSError:
    pass
PY
hammer=$!
sleep 1

kill -TERM "$VK_DAEMON_PID"
wait "$VK_DAEMON_PID"
rc=$?
VK_DAEMON_PID=
[ $rc -eq 0 ] || vk_fail "virtkitd exited with $rc on SIGTERM"
wait "$hammer"
for f in virtkit-sock virtkit-sock-ro virtkitd.pid; do
    [ ! -e "$ROOT/run/$f" ] || vk_fail "$f left behind after a clean exit"
done
grep -Eq 'runtime error:|Sanitizer' "$ROOT/daemon.log" && vk_fail "sanitizer report"
for p in $qemu; do
    vk_is_qemu_pid "$p" || vk_fail "QEMU $p did not survive the daemon's clean exit"
done

vk_daemon_restart
vsh list --all
expect_line " $id +vk-term +running"
vsh destroy vk-term
expect_ok destroy
echo "PASS: SIGTERM"
