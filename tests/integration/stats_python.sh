#!/bin/bash
# Feature "stats" through python3-libvirt: getAllDomainStats (one call for
# running and shut off domains), memoryStats, blockStats, vcpus, and the
# resource setters, against virtkitd and real QEMU.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
qemu-img create -f raw "$ROOT/disk.raw" 8M >/dev/null || vk_fail "qemu-img create failed"
timeout 240 /usr/bin/python3 "$(dirname "$0")/stats_python_check.py" "$VK_URI" "$ROOT" ||
    vk_fail "python3-libvirt stats checks failed"
vk_track_qemus
echo "PASS: stats via python3-libvirt"
