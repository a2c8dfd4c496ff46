#!/bin/bash
# Feature "hotplug" through python3-libvirt: attachDeviceFlags /
# detachDeviceFlags with AFFECT_CONFIG on a shut-off domain change its
# persistent XML; a duplicate target and a live attach on a shut-off domain
# raise libvirtError with a message naming the fault.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
vk_domain_xml pyhp > "$ROOT/p.xml"
vsh define "$ROOT/p.xml"
expect_ok define
qemu-img create -f raw "$ROOT/x.img" 1M >/dev/null || vk_fail "qemu-img create failed"
OUT=$(VK_URI="$VK_URI" IMG="$ROOT/x.img" timeout 120 /usr/bin/python3 - 2>&1 <<'PY'
import os, sys
import libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(os.environ["VK_URI"])
d = c.lookupByName("pyhp")
x = ("<disk type='file' device='disk'><source file='%s'/><target dev='vdb'/></disk>"
     % os.environ["IMG"])
INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
CONFIG = libvirt.VIR_DOMAIN_AFFECT_CONFIG
d.attachDeviceFlags(x, CONFIG)
assert "<target dev='vdb' bus='virtio'/>" in d.XMLDesc(INACTIVE), "vdb not in the config"
try:
    d.attachDeviceFlags(x, CONFIG)
    sys.exit("a duplicate target was accepted")
except libvirt.libvirtError as e:
    assert "vdb already exists" in str(e), str(e)
d.detachDeviceFlags(x, CONFIG)
assert "dev='vdb'" not in d.XMLDesc(INACTIVE), "vdb still in the config"
try:
    d.attachDevice(x)
    sys.exit("a live attach on a shut-off domain was accepted")
except libvirt.libvirtError as e:
    assert "not running" in str(e), str(e)
print("python ok")
PY
)
RC=$?
expect_ok python3-libvirt hotplug
expect_contains "python ok"
echo PASS
