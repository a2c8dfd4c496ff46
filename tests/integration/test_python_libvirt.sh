#!/bin/bash
# python3-libvirt (Debian's, hence /usr/bin/python3) against virtkitd.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
vk_domain_xml vk-py > "$ROOT/vk-py.xml"
vk_domain_xml vk-pytrans > "$ROOT/vk-pytrans.xml"
/usr/bin/python3 "$(dirname "$0")/python_libvirt_check.py" "$VK_URI" "$ROOT" ||
    vk_fail "python3-libvirt checks failed"
echo "PASS: python3-libvirt"
