#!/bin/bash
# Feature "save" through python3-libvirt (save_python.py) against virtkitd
# and real QEMU.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
timeout 240 /usr/bin/python3 "$(dirname "$0")/save_python.py" "$VK_URI" "$ROOT" ||
    vk_fail "python3-libvirt save checks failed"
vk_track_qemus
echo "PASS: save via python3-libvirt"
