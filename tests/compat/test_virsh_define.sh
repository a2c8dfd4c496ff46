#!/bin/bash
# Issue 2, offline half: stock virsh defines the XML stock virt-install wrote,
# and dominfo / list --all / dumpxml / undefine print what they print against
# stock libvirtd (tests/fixtures/virt-install).
set -u
. "$VK_TESTS_DIR/compat/compat_lib.sh"
vk_daemon_start

for n in $FIXTURES; do
    define_ok "$n" "$FIX/$n.xml"

    # Shut off: every line as libvirtd printed it, "Security model: none" and
    # "Security DOI: 0" included (libvirtd ran without a security driver too),
    # so nothing is masked.
    vsh_exact dominfo "$n"
    [ "$RC" -eq 0 ] || vk_fail "dominfo $n failed: $OUT"
    expect_recorded "$FIX/$n.dominfo.txt"
    # The recording's UUID is the one in the XML (not a fresh one).
    uuid=$(compat_xml keys "$FIX/$n.xml" | sed -n 's/^uuid=//p')
    [ "$(info_field "$ROOT/out" UUID)" = "$uuid" ] || vk_fail "$n: dominfo UUID is not $uuid"
done

vsh_exact list --all
[ "$RC" -eq 0 ] || vk_fail "list --all failed: $OUT"
expect_recorded "$FIX/list.txt"

for n in $FIXTURES; do
    vsh_exact dumpxml "$n"
    [ "$RC" -eq 0 ] || vk_fail "dumpxml $n failed: $OUT"
    cp "$ROOT/out" "$ROOT/$n.dump1.xml"
    # Valid by libvirt's own schema (libvirt-clients ships it).
    virt-xml-validate "$ROOT/$n.dump1.xml" domain >"$ROOT/validate" 2>&1 ||
        vk_fail "dumpxml $n is not valid domain XML: $(cat "$ROOT/validate")
$(cat "$ROOT/$n.dump1.xml")"
    # What virt-install wrote survives define + dumpxml.
    compat_xml same-keys "$FIX/$n.xml" "$ROOT/$n.dump1.xml" ||
        vk_fail "dumpxml $n lost or changed what virt-install wrote"
    echo "$n: against libvirt's dumpxml ($n.defined.xml):"
    compat_xml vs-libvirt "$FIX/$n.xml" "$FIX/$n.defined.xml" "$ROOT/$n.dump1.xml" ||
        vk_fail "dumpxml $n differs from libvirt's on a key field"

    # Re-defining the dump is a fixed point: same XML back.
    define_ok "$n" "$ROOT/$n.dump1.xml"
    vsh_exact dumpxml "$n"
    [ "$RC" -eq 0 ] || vk_fail "dumpxml $n after re-define failed: $OUT"
    diff -u "$ROOT/$n.dump1.xml" "$ROOT/out" >"$ROOT/diff" ||
        vk_fail "$n: define(dumpxml) then dumpxml is not the same XML:
$(cat "$ROOT/diff")"
    # And dominfo still reads as libvirtd's.
    vsh_exact dominfo "$n"
    expect_recorded "$FIX/$n.dominfo.txt"
done

for n in $FIXTURES; do
    undefine_ok "$n"
    vsh dominfo "$n"
    expect_fail "dominfo of undefined $n"
    expect_contains "error: failed to get domain '$n'"
done
vsh_exact list --all
[ "$RC" -eq 0 ] || vk_fail "list --all failed: $OUT"
printf ' Id   Name   State\n--------------------\n\n' | cmp -s - "$ROOT/out" ||
    vk_fail "list --all after undefining all is not empty: $(cat "$ROOT/out")"
echo "PASS: define/dominfo/list/dumpxml/undefine of the virt-install fixtures"
