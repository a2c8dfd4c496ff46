#!/usr/bin/env bash
# The guest build: what it puts in OUT, its cache (a rebuild only when an input changes), a
# clear error for a kernel that is not installed, and that domain.xml.in is valid libvirt XML.
# Usage: test_build.sh GUEST_DIR
set -uo pipefail
GUEST_DIR=${1:?usage: test_build.sh GUEST_DIR}
source "$(dirname "$0")/lib.sh"

guest_build
for f in kernel initrd.img cmdline stamp; do
  [ -s "$GUEST_DIR/$f" ] || fail "$GUEST_DIR/$f is missing or empty"
done
[ "$(cat "$GUEST_DIR/cmdline")" = "console=ttyS0 quiet" ] || fail "cmdline is '$(cat "$GUEST_DIR/cmdline")'"
[ -d "/lib/modules/$GUEST_KVER" ] || fail "stamp names kernel '$GUEST_KVER', which has no /lib/modules"

# The initramfs: /init is init.sh, busybox is static, every listed module is there, deps first.
mkdir "$work/root"
(cd "$work/root" && gzip -dc "$GUEST_DIR/initrd.img" | cpio -id --quiet) || fail "initrd.img does not unpack"
cmp -s "$work/root/init" "$here/init.sh" || fail "/init in the initramfs is not init.sh"
[ -x "$work/root/bin/busybox" ] && [ -L "$work/root/bin/sh" ] || fail "no busybox / sh in the initramfs"
for m in virtio_pci virtio_blk virtio_net virtio_console virtio_balloon virtio-rng button evdev; do
  grep -q "/$m\.ko\$" "$work/root/etc/modules.list" || fail "module $m is not in /etc/modules.list"
done
while read -r mod; do
  [ -f "$work/root/lib/modules/$mod" ] || fail "/etc/modules.list names $mod, which is not in the initramfs"
done <"$work/root/etc/modules.list"
awk '/\/virtio\.ko$/ { v = NR } /\/virtio_pci\.ko$/ { p = NR } END { exit !(v && p && v < p) }' \
  "$work/root/etc/modules.list" || fail "virtio.ko is not loaded before virtio_pci.ko"

# Cached: a second run changes nothing.
before=$(stat -c %Y.%i "$GUEST_DIR/kernel" "$GUEST_DIR/initrd.img")
bash "$here/build.sh" "$GUEST_DIR" || fail "second build"
[ "$(stat -c %Y.%i "$GUEST_DIR/kernel" "$GUEST_DIR/initrd.img")" = "$before" ] ||
  fail "a second build with the same inputs rebuilt the guest"

# A changed init script is a changed input: rebuilt, and the new /init is in the initramfs.
mkdir "$work/src"
cp "$here"/build.sh "$here"/init.sh "$here"/udhcpc.script "$work/src/"
echo "# changed by test_build.sh" >>"$work/src/init.sh"
cp -a "$GUEST_DIR" "$work/out"
bash "$work/src/build.sh" "$work/out" 2>/dev/null || fail "build with a changed init.sh"
gzip -dc "$work/out/initrd.img" | cpio -i --quiet --to-stdout init | grep -q 'changed by test_build.sh' ||
  fail "changing init.sh did not rebuild the initramfs"
cmp -s "$work/out/stamp" "$GUEST_DIR/stamp" && fail "changing init.sh left the stamp unchanged"

# A kernel that is not installed: a clear error naming it, nothing built.
err=$(VK_GUEST_KVER=0.0.0-not-installed bash "$here/build.sh" "$work/none" 2>&1) &&
  fail "build.sh accepted a kernel that is not installed"
[[ $err == *"/boot/vmlinuz-0.0.0-not-installed"* ]] || fail "unclear error for a missing kernel: $err"
[ -e "$work/none/stamp" ] && fail "a failed build left a stamp"

# The domain template, filled in, is valid libvirt domain XML.
sed -e "s|@NAME@|guest-test|g" -e "s|@GUEST_DIR@|$GUEST_DIR|g" -e "s|@SERIAL_LOG@|$work/serial.log|g" \
  "$here/domain.xml.in" >"$work/domain.xml"
grep -n '@[A-Z_]*@' "$work/domain.xml" && fail "unfilled placeholder in domain.xml.in"
if command -v virt-xml-validate >/dev/null; then
  virt-xml-validate "$work/domain.xml" domain >"$work/validate.log" 2>&1 ||
    fail "domain.xml.in is not valid libvirt domain XML: $(cat "$work/validate.log")"
else
  echo "note: virt-xml-validate (libvirt-clients) missing: domain.xml.in not validated"
fi
echo "PASS: guest build contents, cache, rebuild on change, error for a missing kernel, domain.xml.in"
