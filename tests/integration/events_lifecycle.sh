#!/bin/bash
# Domain events end to end: python3-libvirt's event loop, stock `virsh event
# --all --loop` and `vksh event --all --loop` (text and --json) each see
# define, start, suspend, resume, destroy and undefine of a real domain, in
# order, with the words virsh prints.
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
: "${VKSH:?VKSH must point at the vksh binary}"
vk_daemon_start
here=$(dirname "$0")

vk_domain_xml vk-pyev > "$ROOT/pyev.xml"
timeout 200 /usr/bin/python3 "$here/events_python.py" "$VK_URI" "$ROOT/pyev.xml" ||
    vk_fail "python3-libvirt event checks failed"

# The watchers run until their timeout; the test waits until each has
# registered (its first line can only come after that) by watching for the
# event of a marker domain defined once all are started.
vk_domain_xml vk-ev > "$ROOT/ev.xml"
vk_domain_xml vk-mark > "$ROOT/mark.xml"
timeout 170 virsh -c "$VK_URI" event --all --loop --timeout 150 > "$ROOT/virsh.out" 2>&1 &
p1=$!
timeout 170 "$VKSH" -c "$VK_URI" event --all --loop --timeout 150 > "$ROOT/vksh.out" 2>&1 &
p2=$!
timeout 170 "$VKSH" -c "$VK_URI" --json event --loop --timeout 150 --event lifecycle \
    > "$ROOT/vksh.json" 2>&1 &
p3=$!
# Define/undefine the marker until every watcher has seen it: this proves
# each is registered without guessing a delay.
for i in $(seq 1 100); do
    vsh define "$ROOT/mark.xml"; expect_ok define marker
    vsh undefine vk-mark; expect_ok undefine marker
    grep -q "vk-mark" "$ROOT/virsh.out" && grep -q "vk-mark" "$ROOT/vksh.out" &&
        grep -q "vk-mark" "$ROOT/vksh.json" && break
    sleep 0.3
done
grep -q "vk-mark" "$ROOT/vksh.out" || vk_fail "vksh event never registered: $(cat "$ROOT/vksh.out")"

vsh define "$ROOT/ev.xml"; expect_ok define
vsh start vk-ev; expect_ok start
vsh suspend vk-ev; expect_ok suspend
vsh resume vk-ev; expect_ok resume
vsh destroy vk-ev; expect_ok destroy
vsh undefine vk-ev; expect_ok undefine

want="event 'lifecycle' for domain 'vk-ev': Defined Added
event 'lifecycle' for domain 'vk-ev': Started Booted
event 'lifecycle' for domain 'vk-ev': Suspended Paused
event 'lifecycle' for domain 'vk-ev': Resumed Unpaused
event 'lifecycle' for domain 'vk-ev': Stopped Destroyed
event 'lifecycle' for domain 'vk-ev': Undefined Removed"

# Wait (bounded) for the last event to show up in each output.
for f in virsh.out vksh.out vksh.json; do
    for i in $(seq 1 200); do
        grep -q "Undefined\|\"Removed\"" "$ROOT/$f" && break
        sleep 0.2
    done
done
kill -INT $p1 $p2 $p3 2>/dev/null
wait $p1 $p2 $p3 2>/dev/null

for f in virsh.out vksh.out; do
    got=$(grep "domain 'vk-ev'" "$ROOT/$f")
    [ "$got" = "$want" ] || vk_fail "$f: got
$got
expected
$want"
done
/usr/bin/python3 - "$ROOT/vksh.json" <<'PY' || vk_fail "vksh --json events are wrong"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
objs = [o for o in objs if o["event"] == "lifecycle" and o["domain"]["name"] == "vk-ev"]
got = [(o["domain"]["name"], o["type"], o["detail"], o["type_code"], o["detail_code"]) for o in objs]
want = [("vk-ev", "Defined", "Added", 0, 0), ("vk-ev", "Started", "Booted", 2, 0),
        ("vk-ev", "Suspended", "Paused", 3, 0), ("vk-ev", "Resumed", "Unpaused", 4, 0),
        ("vk-ev", "Stopped", "Destroyed", 5, 1), ("vk-ev", "Undefined", "Removed", 1, 0)]
sys.exit(0 if got == want else "got %r" % got)
PY

# One-shot mode (no --loop), filtered to one domain: exits after the first
# event of that domain (never one of the marker's), with virsh's summary.
vk_domain_xml vk-one > "$ROOT/one.xml"
vsh define "$ROOT/one.xml"; expect_ok define
timeout 60 "$VKSH" -c "$VK_URI" event --event lifecycle --timeout 50 vk-one > "$ROOT/one.out" 2>&1 &
p4=$!
for i in $(seq 1 100); do
    vsh define "$ROOT/mark.xml"; vsh undefine vk-mark
    vsh start vk-one; vsh destroy vk-one
    kill -0 $p4 2>/dev/null || break
    sleep 0.3
done
wait $p4 || vk_fail "vksh event one-shot failed: $(cat "$ROOT/one.out")"
OUT=$(cat "$ROOT/one.out")
expect_line "event 'lifecycle' for domain 'vk-one': (Started Booted|Stopped Destroyed)"
expect_line "events received: 1"
[ "$(grep -c "^event " "$ROOT/one.out")" = 1 ] || vk_fail "one-shot printed more: $OUT"

# Bad options are clear errors.
OUT=$("$VKSH" -c "$VK_URI" event 2>&1) && vk_fail "event without --all/--event succeeded"
expect_contains "--all"
OUT=$("$VKSH" -c "$VK_URI" event --event nosuch 2>&1) && vk_fail "unknown event type accepted"
expect_contains "unknown event type nosuch"
echo PASS
