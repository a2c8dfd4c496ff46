#!/bin/bash
# vksh end to end: a real virtkitd in a temporary root, real QEMU (TCG)
# guests, every vksh command in human and --json form, errors, and the
# human output compared byte for byte with stock virsh on the same daemon.
# The daemon and every QEMU it started are killed by PID on exit, pass or
# fail (tests/lib/vk_daemon.sh).
set -u
VKSH=${VKSH:?VKSH must point at vksh}
VIRTKITD=${VIRTKITD:?VIRTKITD must point at virtkitd}
PY=/usr/bin/python3
fails=0
checks=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# The shared helpers start virtkitd in a fresh root and, on exit, check it
# stops cleanly and kill it and every QEMU it ran (by PID).
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start
U=$VK_URI
URO=$VK_URI_RO

OUT=$ROOT/out ERR=$ROOT/err VOUT=$ROOT/vout VERR=$ROOT/verr
# vk ARGS: runs vksh on the test daemon; sets RC.
vk() {
    "$VKSH" -c "$U" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    vk_track_qemus
}

# ok "expected stdout" ARGS: exit 0, exact stdout (virsh's trailing empty
# line included), empty stderr.
ok() {
    local want=$1; shift
    checks=$((checks + 1))
    vk "$@"
    if [ "$RC" -ne 0 ]; then
        fail "vksh $* exited $RC: $(cat "$ERR")"
    elif [ "$(cat "$OUT"; echo x)" != "$(printf '%s\n\nx' "$want")" ]; then
        fail "vksh $*: stdout differs"; diff <(printf '%s\n\n' "$want") "$OUT" | head -20
    elif [ -s "$ERR" ]; then
        fail "vksh $*: unexpected stderr: $(cat "$ERR")"
    fi
}

# err "first stderr line" ARGS: exit 1 and the stderr's first line exact.
err() {
    local want=$1; shift
    checks=$((checks + 1))
    vk "$@"
    if [ "$RC" -ne 1 ]; then
        fail "vksh $* exited $RC, expected 1 (stdout: $(cat "$OUT"))"
    elif [ "$(head -1 "$ERR")" != "$want" ]; then
        fail "vksh $*: stderr first line: '$(head -1 "$ERR")', expected '$want'"
    fi
}

# same_as_virsh ARGS: vksh and stock virsh print the same bytes and exit alike.
same_as_virsh() {
    checks=$((checks + 1))
    vk "$@"
    local vrc
    virsh -c "$U" "$@" >"$VOUT" 2>"$VERR"
    vrc=$?
    if [ "$RC" -ne "$vrc" ]; then
        fail "vksh $* exited $RC, virsh $vrc"
    fi
    if ! cmp -s "$OUT" "$VOUT"; then
        fail "vksh $*: stdout differs from virsh's"; diff "$VOUT" "$OUT" | head -20
    fi
    if ! cmp -s "$ERR" "$VERR"; then
        fail "vksh $*: stderr differs from virsh's"; diff "$VERR" "$ERR" | head -20
    fi
}

# json 'python expression over d' ARGS: --json output parses and satisfies it.
json() {
    local expr=$1; shift
    checks=$((checks + 1))
    vk --json "$@"
    if [ "$RC" -ne 0 ]; then
        fail "vksh --json $* exited $RC: $(cat "$ERR")"; return
    fi
    if ! $PY -c "import json,sys; d=json.load(open(sys.argv[1])); assert $expr, d" "$OUT" 2>"$ROOT/pyerr"; then
        fail "vksh --json $*: $expr: $(tail -1 "$ROOT/pyerr")"
    fi
}

# json_err code 'message' ARGS: exit 1, stdout empty, one JSON error on stderr.
json_err() {
    local code=$1 msg=$2; shift 2
    checks=$((checks + 1))
    vk "$@" --json
    if [ "$RC" -ne 1 ] || [ -s "$OUT" ]; then
        fail "vksh $* --json: rc=$RC stdout=$(cat "$OUT")"; return
    fi
    if ! $PY -c "
import json,sys
e = json.load(open(sys.argv[1]))['error']
assert e['code'] == $code and e['message'] == sys.argv[2], e
" "$ERR" "$msg" 2>"$ROOT/pyerr"; then
        fail "vksh $* --json error: $(tail -1 "$ROOT/pyerr")"
    fi
}

domxml() { # name -> file
    cat >"$ROOT/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
EOF
    echo "$ROOT/$1.xml"
}

#---------------------------------------------------------------------------
# Host and empty daemon
#---------------------------------------------------------------------------
checks=$((checks + 1))
vk version
if [ "$RC" -ne 0 ] || ! grep -qE '^Running hypervisor: QEMU [0-9]+\.[0-9]+\.[0-9]+$' "$OUT" ||
    ! grep -qE '^Compiled against library: virtkit [0-9.]+$' "$OUT"; then
    fail "version: rc=$RC $(cat "$OUT" "$ERR")"
fi
json 'd["hypervisor_type"] == "QEMU" and d["hypervisor_version"].count(".") == 2' version
json '"daemon_version" in d' version --daemon
ok " Id   Name   State
--------------------" list --all
same_as_virsh list --all
json 'd == {"domains": []}' list --all

#---------------------------------------------------------------------------
# define, lookups, inactive domain
#---------------------------------------------------------------------------
F1=$(domxml vkt1)
F2=$(domxml vk-second-guest)
ok "Domain 'vkt1' defined from $F1" define "$F1"
ok "Domain 'vk-second-guest' defined from $F2" define --validate "$F2"
err "error: Failed to define domain from $ROOT/bad.xml" define "$(echo '<domain' >"$ROOT/bad.xml"; echo "$ROOT/bad.xml")"
[ "$(wc -l <"$ERR")" -eq 2 ] || fail "define of bad XML: expected the daemon's reason on a second line: $(cat "$ERR")"

ok " Id   Name              State
----------------------------------
 -    vk-second-guest   shut off
 -    vkt1              shut off" list --all
same_as_virsh list --all
same_as_virsh list --inactive
same_as_virsh list
ok "vk-second-guest
vkt1" list --all --name
UUID1=$(sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' <("$VKSH" -c "$U" dumpxml vkt1))
[ ${#UUID1} -eq 36 ] || fail "dumpxml vkt1 has no <uuid>: '$UUID1'"
ok "$UUID1" domuuid vkt1
ok "vkt1" domname "$UUID1"
ok "-" domid vkt1
ok "-" domid "$UUID1"
ok "shut off" domstate vkt1
same_as_virsh domstate vkt1 --reason
same_as_virsh dominfo vkt1
same_as_virsh dominfo "$UUID1"
same_as_virsh dumpxml vkt1
same_as_virsh dumpxml --inactive --security-info vkt1
checks=$((checks + 1))
vk dumpxml vkt1
grep -q "<name>vkt1</name>" "$OUT" || fail "dumpxml lacks the name: $(head -3 "$OUT")"
grep -q "<memory unit='KiB'>65536</memory>" "$OUT" || fail "dumpxml lacks 64 MiB memory"
json 'd["name"] == "vkt1" and d["id"] is None and d["state"] == "shut off" and d["persistent"] is True and d["max_memory_kib"] == 65536 and d["cpus"] == 1 and d["messages"] == [] and d["security_model"] == "none"' dominfo vkt1
json 'd["xml"].startswith("<domain") and "<name>vkt1</name>" in d["xml"]' dumpxml vkt1
json 'd == {"id": None}' domid vkt1
json 'd == {"uuid": "'"$UUID1"'"}' domuuid vkt1
json 'd == {"name": "vkt1"}' domname "$UUID1"
json 'd["state"] == "shut off" and d["state_code"] == 5' domstate vkt1
json 'sorted(x["name"] for x in d["domains"]) == ["vk-second-guest", "vkt1"] and all(x["id"] is None and x["state"] == "shut off" for x in d["domains"])' list --all

#---------------------------------------------------------------------------
# Errors on missing domains and invalid operations
#---------------------------------------------------------------------------
err "error: failed to get domain 'nosuch'" dominfo nosuch
[ "$(wc -l <"$ERR")" -eq 1 ] || fail "failed lookup should print one line, as virsh: $(cat "$ERR")"
same_as_virsh dominfo nosuch
same_as_virsh domstate 4242
same_as_virsh domname 00000000-0000-0000-0000-000000000000
err "error: failed to get domain 'nosuch'" start nosuch
err "error: Failed to destroy domain 'vkt1'" destroy vkt1
[ "$(wc -l <"$ERR")" -eq 2 ] && grep -q "^error: ..*" <(sed -n 2p "$ERR") ||
    fail "destroy of an inactive domain: expected the daemon's reason: $(cat "$ERR")"
same_as_virsh destroy vkt1
err "error: Failed to suspend domain 'vkt1'" suspend vkt1
json_err 42 "failed to get domain 'nosuch'" dominfo nosuch
err "error: Options --table and --uuid are mutually exclusive" list --table --uuid
same_as_virsh list --table --name
err "error: Failed to open file '$ROOT/none.xml': No such file or directory" define "$ROOT/none.xml"
same_as_virsh define "$ROOT/none.xml"
same_as_virsh create "$ROOT/none.xml"
json_err 55 "Failed to destroy domain 'vkt1'" destroy vkt1

#---------------------------------------------------------------------------
# Running: start, ids, suspend/resume, reboot, shutdown, destroy
#---------------------------------------------------------------------------
ok "Domain 'vkt1' started" start vkt1
vk domid vkt1
ID1=$(head -1 "$OUT")
case "$ID1" in '' | *[!0-9]*) fail "domid of a running domain: '$ID1'" ;; esac
ok "vkt1" domname "$ID1"
ok "$UUID1" domuuid "$ID1"
ok "running" domstate "$ID1"
ok "running (booted)" domstate vkt1 --reason
ok " Id   Name              State
----------------------------------
 -    vk-second-guest   shut off" list --all --state-shutoff
checks=$((checks + 1))
vk list
grep -qE "^ $ID1 +vkt1 +running\$" "$OUT" && ! grep -q vk-second-guest "$OUT" ||
    fail "list of running domains: $(cat "$OUT")"
same_as_virsh list --all
same_as_virsh list
checks=$((checks + 1))
vk dominfo "$ID1"
grep -qxF "Id:             $ID1" "$OUT" && grep -qxF "State:          running" "$OUT" &&
    grep -qE '^CPU time:       [0-9]+\.[0-9]s$' "$OUT" || fail "dominfo running: $(cat "$OUT")"
err "error: Domain is already active" start vkt1
json 'd["state"] == "running" and d["reason"] == "booted"' domstate vkt1
json '[x["id"] for x in d["domains"] if x["name"] == "vkt1"] == ['"$ID1"']' list --all

ok "Domain 'vkt1' suspended" suspend vkt1
ok "paused (user)" domstate vkt1 --reason
ok "vkt1" list --state-paused --name
same_as_virsh list --all
ok "Domain '$ID1' resumed" resume "$ID1"
ok "running" domstate vkt1
ok "Domain 'vkt1' is being rebooted" reboot vkt1
ok "Domain 'vkt1' is being shutdown" shutdown vkt1
ok "Domain 'vkt1' destroyed" destroy --graceful vkt1
ok "shut off" domstate vkt1

ok "Domain 'vkt1' started" start --paused vkt1
ok "paused" domstate vkt1
json 'd["action"] == "destroyed" and d["domain"]["name"] == "vkt1"' destroy vkt1
ok "-" domid vkt1
json 'd["action"] == "started" and isinstance(d["domain"]["id"], int) and d["domain"]["id"] > 0' start vkt1
json 'd["action"] == "suspended"' suspend vkt1
json 'd["action"] == "resumed"' resume vkt1
ok "Domain '$UUID1' destroyed" destroy "$UUID1"

#---------------------------------------------------------------------------
# Transient domains: create (and --paused)
#---------------------------------------------------------------------------
F3=$(domxml vkt3)
ok "Domain 'vkt3' created from $F3" create "$F3"
checks=$((checks + 1))
vk dominfo vkt3
grep -qxF "Persistent:     no" "$OUT" && grep -qxF "State:          running" "$OUT" ||
    fail "transient dominfo: $(cat "$OUT")"
same_as_virsh list --all
ok "Domain 'vkt3' destroyed" destroy vkt3
err "error: failed to get domain 'vkt3'" dominfo vkt3
json 'd["action"] == "created" and d["domain"]["name"] == "vkt3" and d["file"] == "'"$F3"'"' create --paused "$F3"
ok "paused" domstate vkt3
ok "Domain 'vkt3' destroyed" destroy vkt3

#---------------------------------------------------------------------------
# Read-only socket: reading works, changing is refused
#---------------------------------------------------------------------------
checks=$((checks + 1))
"$VKSH" -r -c "$URO" list --all --name >"$OUT" 2>"$ERR" && grep -qx vkt1 "$OUT" ||
    fail "read-only list: $(cat "$OUT" "$ERR")"
checks=$((checks + 1))
"$VKSH" -r -c "$URO" start vkt1 >"$OUT" 2>"$ERR"
[ $? -eq 1 ] && [ "$(head -1 "$ERR")" = "error: Failed to start domain 'vkt1'" ] ||
    fail "read-only start was not refused: $(cat "$OUT" "$ERR")"

# VIRTKIT_DEFAULT_URI is the connection when -c is not given.
checks=$((checks + 1))
VIRTKIT_DEFAULT_URI="$U" "$VKSH" domstate vkt1 >"$OUT" 2>"$ERR" && [ "$(head -1 "$OUT")" = "shut off" ] ||
    fail "VIRTKIT_DEFAULT_URI: $(cat "$OUT" "$ERR")"

#---------------------------------------------------------------------------
# undefine
#---------------------------------------------------------------------------
ok "Domain 'vk-second-guest' has been undefined" undefine vk-second-guest
ok "vkt1" list --all --name
json 'd["action"] == "undefined"' undefine vkt1
ok " Id   Name   State
--------------------" list --all
err "error: failed to get domain 'vkt1'" undefine vkt1

#---------------------------------------------------------------------------
# Many domains: one listing, pipelined states, same table as virsh
#---------------------------------------------------------------------------
for i in $(seq -w 1 60); do
    "$VKSH" -c "$U" define "$(domxml "bulk-$i")" >/dev/null 2>&1 || fail "define bulk-$i"
done
same_as_virsh list --all
checks=$((checks + 1))
vk list --all --name
[ "$(grep -c '^bulk-' "$OUT")" -eq 60 ] || fail "list --all --name: $(grep -c '^bulk-' "$OUT") of 60"
json 'len(d["domains"]) == 60 and all(x["state"] == "shut off" for x in d["domains"])' list --all
same_as_virsh list --uuid --all
same_as_virsh list --name --uuid --all
# Column widths count display cells, as virsh's do (a CJK character is two).
"$VKSH" -c "$U" define "$(domxml "vmé漢字")" >/dev/null 2>&1 || fail "define of a UTF-8 name"
LC_ALL=C.UTF-8 same_as_virsh list --all

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
