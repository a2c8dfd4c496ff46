#!/bin/bash
# Issue 2 with stock python3-libvirt (Debian's, so /usr/bin/python3): the three
# virt-install fixtures through defineXML, create, info, XMLDesc, destroy and
# undefine (compat_python_check.py), with only file paths moved into ROOT.
set -u
. "$VK_TESTS_DIR/compat/compat_lib.sh"
. "$VK_TESTS_DIR/guest/guest-env.sh" || vk_fail "the test guest could not be built"
vk_daemon_start

compat_xml rewrite "$FIX/vi-basic.xml" "$ROOT/vi-basic.xml" \
    kernel="$GUEST_KERNEL" initrd="$GUEST_INITRD" || vk_fail "could not rewrite vi-basic.xml"
args=("vi-basic=$ROOT/vi-basic.xml")
for n in vi-disk-vnc vi-q35-spice; do
    qemu-img create -q -f qcow2 "$ROOT/$n.qcow2" 64M || vk_fail "qemu-img create"
    compat_xml rewrite "$FIX/$n.xml" "$ROOT/$n.xml" disk="$ROOT/$n.qcow2" ||
        vk_fail "could not rewrite $n.xml"
    args+=("$n=$ROOT/$n.xml")
done

# The check runs in the background so a QEMU it starts is tracked for cleanup
# even if it is killed midway.
timeout 300 /usr/bin/python3 "$VK_TESTS_DIR/compat/compat_python_check.py" \
    "$VK_URI" "$FIX" "${args[@]}" &
py=$!
while kill -0 "$py" 2>/dev/null; do
    vk_track_qemus
    sleep 0.2
done
wait "$py" || vk_fail "python3-libvirt checks failed (see above)"
for n in $FIXTURES; do
    expect_config "$n" no
done
