#!/bin/bash
# vksh edit (feature "hotplug"): the editor ($EDITOR, split on spaces, no
# shell) changes the memory and the domain is redefined; an unchanged file
# is reported as such; an edit the daemon rejects (unknown element) asks
# "Failed. Try again?" and 'y' reruns the editor, whose second pass fixes it;
# 'n' discards the edit. Checked with dumpxml --inactive each time, and
# virsh edit is run on the same daemon for the same messages.
set -u
VKSH=${VKSH:?VKSH must point at vksh}
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

vk() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; }
vk_in() { local input=$1; shift; OUT=$(printf '%s' "$input" | timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; }

vk_domain_xml ed1 > "$ROOT/ed1.xml"
vk define "$ROOT/ed1.xml"
expect_ok define

# Editor 1: memory 64 MiB -> 96 MiB (sed -i with an argument: EDITOR has words).
ed_mem="$ROOT/ed-mem.sh"
cat > "$ed_mem" <<'SH'
#!/bin/sh
# $1: the word given in EDITOR, $2: the file
[ "$1" = "--marker" ] || { echo "editor got no argument" >&2; exit 3; }
sed -i -e 's|<memory unit=.KiB.>65536</memory>|<memory unit="KiB">98304</memory>|' "$2"
SH
chmod +x "$ed_mem"
EDITOR="$ed_mem --marker" vk edit ed1
expect_ok edit memory
expect_line "Domain 'ed1' XML configuration edited\\."
vk dumpxml ed1 --inactive
expect_contains "<memory unit='KiB'>98304</memory>"

# An editor that changes nothing.
EDITOR=true vk edit ed1
expect_ok edit unchanged
expect_line "Domain 'ed1' XML configuration not changed\\."

# Editor 2: first pass adds an unknown element, second pass removes it and
# sets the memory to 128 MiB. The state lives in a counter file.
ed_bad="$ROOT/ed-bad.sh"
cat > "$ed_bad" <<SH
#!/bin/sh
n=\$(cat "$ROOT/count" 2>/dev/null || echo 0)
echo \$((n + 1)) > "$ROOT/count"
if [ "\$n" = 0 ]; then
    sed -i -e 's|</devices>|<bogusdevice/></devices>|' -e 's|<devices/>|<devices><bogusdevice/></devices>|' "\$1"
else
    sed -i -e 's|<bogusdevice/>||' -e 's|98304</memory>|131072</memory>|' "\$1"
fi
SH
chmod +x "$ed_bad"
grep -q '<devices' "$ROOT/ed1.xml" || true
EDITOR="$ed_bad" vk_in "y
" edit ed1
expect_ok edit retry
expect_contains "Failed. Try again? [y,n,i,f,?]:"
expect_contains "bogusdevice"
expect_line "Domain 'ed1' XML configuration edited\\."
[ "$(cat "$ROOT/count")" = 2 ] || vk_fail "editor ran $(cat "$ROOT/count") times, expected 2"
vk dumpxml ed1 --inactive
expect_contains "<memory unit='KiB'>131072</memory>"
case "$OUT" in *bogus*) vk_fail "unknown element kept: $OUT" ;; esac

# 'n' discards: the definition stays as it was.
rm -f "$ROOT/count"
EDITOR="$ed_bad" vk_in "n
" edit ed1
expect_fail edit discard
expect_contains "Failed. Try again? [y,n,i,f,?]:"
vk dumpxml ed1 --inactive
expect_contains "<memory unit='KiB'>131072</memory>"

# A missing editor is an error naming it, and the temp file is removed.
EDITOR="/nonexistent/editor -x" TMPDIR="$ROOT" vk edit ed1
expect_fail edit missing editor
expect_contains "/nonexistent/editor"
ls "$ROOT"/virsh*.xml >/dev/null 2>&1 && vk_fail "temp file left behind"

# virsh edit on the same daemon prints the same success line.
EDITOR=true vsh edit ed1
expect_ok virsh edit
expect_line "Domain 'ed1' XML configuration not changed\\."
echo "PASS"
