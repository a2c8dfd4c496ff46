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
echo "PASS: console_raw"
