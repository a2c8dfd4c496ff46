#!/bin/bash
# Stock virt-install itself against virtkitd (not its recorded XML): it asks
# for capabilities and domcapabilities, defines the domain it generated,
# starts it and finds it running, as it would under libvirtd. No disks or
# virtual networks (those need storage pools and the network layer):
# --import with direct kernel boot of the test guest, user networking, VNC.
# Its USB2 set (an ich9 EHCI and three UHCI companions written without
# indexes) must come out as libvirt makes it: one bus, index 0, one slot.
set -u
. "$VK_TESTS_DIR/compat/compat_lib.sh"
. "$VK_TESTS_DIR/guest/guest-env.sh" || vk_fail "the test guest could not be built"
vk_daemon_start

OUT=$(timeout 300 virt-install --connect "$VK_URI" --name vi-live --memory 192 --vcpus 1 \
    --import --disk none --network user,model=virtio --graphics vnc,listen=127.0.0.1 \
    --boot "kernel=$GUEST_KERNEL,initrd=$GUEST_INITRD,kernel_args=console=ttyS0 quiet" \
    --osinfo detect=on,require=off --virt-type qemu --noautoconsole 2>&1)
RC=$?
vk_track_qemus
expect_ok virt-install
expect_contains "Domain creation completed"

vsh domstate vi-live
expect_ok domstate
[ "$OUT" = running ] || vk_fail "virt-install's domain is not running: $OUT"

vsh dumpxml vi-live
expect_ok dumpxml
usb=$(printf '%s\n' "$OUT" | grep -A2 "<controller type='usb'")
for m in ich9-ehci1 ich9-uhci1 ich9-uhci2 ich9-uhci3; do
    printf '%s\n' "$usb" | grep -q "<controller type='usb' index='0' model='$m'>" ||
        vk_fail "USB controller $m is not on bus index 0: $usb"
done
slots=$(printf '%s\n' "$usb" | sed -n "s/.*<address type='pci'.* slot='\([^']*\)'.*/\1/p" | sort -u)
[ "$(printf '%s\n' "$slots" | wc -l)" -eq 1 ] ||
    vk_fail "the EHCI and its companions are not on one PCI slot: $usb"
printf '%s\n' "$usb" | grep -q "function='0x7'" || vk_fail "the EHCI is not at function 7: $usb"

vsh domdisplay vi-live
expect_ok domdisplay
expect_line "vnc://127.0.0.1:[0-9]+"

destroy_ok vi-live
undefine_ok vi-live
