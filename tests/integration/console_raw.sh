#!/bin/bash
# Feature "console" at the packet level (console_raw.py) on a small domain
# whose serial port is a pty (no guest needed: the firmware idles).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
vk_daemon_start

cat > "$ROOT/raw.xml" <<XML
<domain type='qemu'>
  <name>vk-console-raw</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
XML
vsh create "$ROOT/raw.xml"
expect_ok create
/usr/bin/python3 "$here/console_raw.py" "$ROOT/run/virtkit-sock" "$ROOT/run/virtkit-sock-ro" \
    vk-console-raw || vk_fail "raw console checks failed"
vsh destroy vk-console-raw
expect_ok destroy

# Device names: a serial console without <serial> (it is serial0 itself) and
# a virtio console; each pty is in the live XML and opens by its name.
cat > "$ROOT/devs.xml" <<XML
<domain type='qemu'>
  <name>vk-console-devs</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <console type='pty'><target type='serial' port='0'/></console>
    <console type='pty'><target type='virtio' port='1'/></console>
  </devices>
</domain>
XML
vsh create "$ROOT/devs.xml"
expect_ok create
vsh dumpxml vk-console-devs
# Two distinct ptys: define writes serial0 out for the serial console (as
# libvirt does), and the console shows serial0's pty too.
[ "$(printf '%s\n' "$OUT" | grep -o "<source path='/dev/pts/[0-9]*'/>" | sort -u | wc -l)" -eq 2 ] ||
    vk_fail "live XML should name two ptys: $OUT"
/usr/bin/python3 - "$VK_URI" <<'PY' || vk_fail "opening consoles by device name failed"
import sys
import libvirt
conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName("vk-console-devs")
for dev, ok in ((None, True), ("serial0", True), ("console0", True), ("console1", True),
                ("channel7", False)):
    st = conn.newStream(0)
    try:
        dom.openConsole(dev, st, 0)
        st.finish()
        got = True
    except libvirt.libvirtError as e:
        got = False
        if ok or "cannot find character device channel7" not in str(e):
            sys.exit("open %s: %s" % (dev, e))
    if got != ok:
        sys.exit("open %s: expected %s" % (dev, "success" if ok else "failure"))
    print("ok: console device %s: %s" % (dev, "opens" if ok else "unknown, clear error"))
PY
vsh destroy vk-console-devs
expect_ok destroy
echo "PASS: console_raw"
