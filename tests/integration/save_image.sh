#!/bin/bash
# Feature "save": the domain XML inside save images, with stock virsh,
# python3-libvirt and vksh. save-image-dumpxml / managedsave-dumpxml show the
# XML the image carries; save-image-define / managedsave-define replace it by
# one of the same guest (a changed <description> is taken, a changed memory
# size is refused by name and leaves the image as it was) and --paused /
# --running change how restore or start resumes it; save --xml and
# restore --xml do the same in passing. The images stay restorable.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/vk_daemon.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
vk_daemon_start
PY=/usr/bin/python3
vk() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; vk_track_qemus; }

name=img1
vk_domain_xml $name > "$ROOT/$name.xml"
vsh define "$ROOT/$name.xml"; expect_ok define
vsh start $name; expect_ok start

# save; the image's XML is the domain's
img=$ROOT/$name.save
vsh save $name "$img"; expect_ok save
vsh save-image-dumpxml "$img"; expect_ok save-image-dumpxml
expect_contains "<name>$name</name>"
printf '%s\n' "$OUT" > "$ROOT/saved.xml"
sum_before=$(md5sum < "$img")

# a changed description is taken; the image still restores, paused on request
sed "s|</name>|</name>\n  <description>moved to new storage</description>|" "$ROOT/saved.xml" > "$ROOT/desc.xml"
vsh save-image-define "$img" "$ROOT/desc.xml" --paused; expect_ok save-image-define
expect_line "State file $img updated."
vsh save-image-dumpxml "$img"; expect_ok dumpxml after define
expect_contains "<description>moved to new storage</description>"

# the XML as first written (no implicit devices, no addresses) is the same
# guest once define's defaults are filled in
uuid=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$ROOT/saved.xml")
[ -n "$uuid" ] || vk_fail "saved XML has no uuid"
vk_domain_xml $name | sed "s|</name>|</name>\n  <uuid>$uuid</uuid>\n  <description>moved to new storage</description>|" > "$ROOT/short.xml"
vsh save-image-define "$img" "$ROOT/short.xml" --paused; expect_ok save-image-define of the short XML
vsh save-image-dumpxml "$img"; expect_contains "<description>moved to new storage</description>"
expect_contains "<controller type='pci' index='0' model='pci-root'/>"

# another guest (more memory) is refused by name; the image is unchanged
sed "s|<memory unit='KiB'>65536</memory>|<memory unit='KiB'>131072</memory>|" "$ROOT/desc.xml" > "$ROOT/mem.xml"
grep -q 131072 "$ROOT/mem.xml" || vk_fail "test XML: memory not changed"
sum_defined=$(md5sum < "$img")
[ "$sum_defined" != "$sum_before" ] || vk_fail "save-image-define did not change the image"
vsh save-image-define "$img" "$ROOT/mem.xml"; expect_fail save-image-define other memory
expect_contains "the memory (KiB) is '65536' in the image, '131072' in the new XML"
[ "$(md5sum < "$img")" = "$sum_defined" ] || vk_fail "a refused save-image-define changed the image"
ls "$ROOT"/*.tmp.* >/dev/null 2>&1 && vk_fail "a temporary image was left behind"

vsh restore "$img"; expect_ok restore
vsh domstate $name; [ "$OUT" = paused ] || vk_fail "restore after define --paused: state '$OUT'"
vsh dumpxml $name; expect_contains "<description>moved to new storage</description>"
vsh resume $name; expect_ok resume

# save --xml and restore --xml
sed "s|moved to new storage|given to save|" "$ROOT/desc.xml" > "$ROOT/save-xml.xml"
vsh save $name "$img" --xml "$ROOT/save-xml.xml"; expect_ok save --xml
vsh save-image-dumpxml "$img"; expect_contains "<description>given to save</description>"
sed "s|moved to new storage|given to restore|" "$ROOT/desc.xml" > "$ROOT/restore-xml.xml"
vsh restore "$img" --xml "$ROOT/restore-xml.xml"; expect_ok restore --xml
vsh dumpxml $name; expect_contains "<description>given to restore</description>"
vsh restore "$img" --xml "$ROOT/mem.xml"; expect_fail "restore --xml of another guest"

# managed save: dumpxml, define --paused, start resumes paused with the new XML
vsh managedsave $name; expect_ok managedsave
vsh managedsave-dumpxml $name; expect_ok managedsave-dumpxml
expect_contains "<name>$name</name>"
sed "s|moved to new storage|managed|" "$ROOT/desc.xml" > "$ROOT/managed.xml"
vsh managedsave-define $name "$ROOT/managed.xml" --paused; expect_ok managedsave-define
expect_line "Managed save state file of domain '$name' updated."
# python3-libvirt reads the same XML
OUT=$($PY - "$VK_URI" "$name" "$img" <<'PY' 2>&1
import sys, libvirt
c = libvirt.open(sys.argv[1])
d = c.lookupByName(sys.argv[2])
assert "<description>managed</description>" in d.managedSaveGetXMLDesc(0), "managed XML"
assert "<description>given to save</description>" in c.saveImageGetXMLDesc(sys.argv[3], 0), "image XML"
print("python ok")
PY
)
[ "$OUT" = "python ok" ] || vk_fail "python3-libvirt: $OUT"
vsh start $name; expect_ok start
vsh domstate $name; [ "$OUT" = paused ] || vk_fail "start after managedsave-define --paused: state '$OUT'"
vsh dumpxml $name; expect_contains "<description>managed</description>"
vsh managedsave-dumpxml $name; expect_fail "managedsave-dumpxml without an image"
expect_contains "does not have a managed save image"

# vksh: the same commands, --json
vk managedsave $name; [ $RC -eq 0 ] || vk_fail "vksh managedsave: $OUT"
vk --json managedsave-dumpxml $name; [ $RC -eq 0 ] || vk_fail "vksh managedsave-dumpxml: $OUT"
printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); assert "<description>managed</description>" in d["xml"]' ||
    vk_fail "vksh managedsave-dumpxml --json: $OUT"
vk managedsave-define $name "$ROOT/desc.xml" --running
[ $RC -eq 0 ] || vk_fail "vksh managedsave-define: $OUT"
expect_line "Managed save state file of domain '$name' updated."
vk save-image-dumpxml "$img"; [ $RC -eq 0 ] || vk_fail "vksh save-image-dumpxml: $OUT"
expect_contains "<description>given to save</description>"
vk save-image-define "$img" "$ROOT/mem.xml"; [ $RC -ne 0 ] || vk_fail "vksh save-image-define of another guest succeeded"
expect_contains "is '65536' in the image, '131072' in the new XML"
vsh start $name; expect_ok start
vsh domstate $name; [ "$OUT" = running ] || vk_fail "start after managedsave-define --running: state '$OUT'"

# not an image
echo "not an image" > "$ROOT/junk"
vsh save-image-dumpxml "$ROOT/junk"; expect_fail save-image-dumpxml junk
expect_contains "is not a virtkit save image"
vsh destroy $name; expect_ok destroy
echo "PASS: save image XML read and redefined through virsh, python3-libvirt and vksh"
