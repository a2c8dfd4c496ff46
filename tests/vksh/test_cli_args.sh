#!/bin/bash
# vksh argument errors: each bad command line exits 1 with a message naming
# what is wrong, before any connection is attempted (no daemon here: the
# URI points at a socket that does not exist, so a command that wrongly got
# as far as connecting would fail with a different message).
set -u
VKSH=${VKSH:?VKSH must point at the vksh binary}
NOSOCK="qemu+unix:///system?socket=/nonexistent/virtkit-sock"
fails=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect_fail "expected stderr line" args...
expect_fail() {
    local want=$1; shift
    "$VKSH" -c "$NOSOCK" "$@" >"$out" 2>"$err"
    local rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL: vksh $* exited $rc, expected 1"; fails=$((fails + 1)); return
    fi
    if ! grep -qxF -- "$want" "$err"; then
        echo "FAIL: vksh $*: stderr lacks line: $want"; echo "  got: $(cat "$err")"
        fails=$((fails + 1))
    fi
    # Nothing on stdout but, for a command that ran, virsh's closing empty line.
    if [ -s "$out" ] && [ "$(cat "$out"; echo x)" != "$(printf '\nx')" ]; then
        echo "FAIL: vksh $*: printed on stdout: $(cat "$out")"; fails=$((fails + 1))
    fi
}

expect_fail "error: command 'list' doesn't support option --bogus" list --bogus
expect_fail "error: command 'dominfo' requires <domain> option" dominfo
expect_fail "error: command 'start' requires <domain> option" start --paused
expect_fail "error: command 'define' requires <file> option" define --validate
expect_fail "error: unexpected data 'b'" dominfo a b
expect_fail "error: expected syntax: --domain <string>" dumpxml --domain
expect_fail "error: invalid '=' after option --all" list --all=yes
expect_fail "error: option --domain already seen" dominfo --domain a --domain b
expect_fail "error: unknown command: 'bogus'" bogus
expect_fail "error: unsupported option '--bogus'. See --help." --bogus list
expect_fail "error: option '-c' requires an argument (a URI)" -c
expect_fail "error: no command given (see 'vksh help')"
expect_fail "error: command or command group 'nosuch' doesn't exist" help nosuch

# Bad URIs: the connection error names the fault.
bad_uri() {
    local uri=$1 want=$2
    "$VKSH" -c "$uri" list >"$out" 2>"$err"
    local rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q -- "$want" "$err" ||
        ! grep -qxF "error: failed to connect to the hypervisor" "$err"; then
        echo "FAIL: -c $uri: rc=$rc stderr: $(cat "$err")"; fails=$((fails + 1))
    fi
}
bad_uri "qemu+ssh://host/system" "remote transport 'ssh' is not supported yet"
bad_uri "qemu:///system?sockt=/x" "unknown parameter 'sockt'"
bad_uri "xen:///system" "unsupported hypervisor driver 'xen'"
bad_uri "qemu+foo:///system" "unknown transport 'foo'"
bad_uri "$NOSOCK" "Failed to connect socket to '/nonexistent/virtkit-sock': No such file or directory"
VIRTKIT_DEFAULT_URI="qemu:///nowhere" "$VKSH" list >"$out" 2>"$err"
if ! grep -q "unknown path '/nowhere'" "$err"; then
    echo "FAIL: VIRTKIT_DEFAULT_URI not used: $(cat "$err")"; fails=$((fails + 1))
fi

# --json: errors are one JSON object on stderr, still exit 1.
"$VKSH" --json -c "$NOSOCK" list --bogus >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 1 ] || ! /usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["message"] == "command '"'"'list'"'"' doesn'"'"'t support option --bogus", e
assert e["code"] == 8, e
' "$err"; then
    echo "FAIL: --json argument error: rc=$rc $(cat "$err")"; fails=$((fails + 1))
fi
# --json after the command, with a connection error carrying the library's code.
"$VKSH" -c "$NOSOCK" list --json >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 1 ] || ! /usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["message"] == "failed to connect to the hypervisor", e
assert e["code"] == 38, e
assert "No such file or directory" in e["detail"], e
' "$err"; then
    echo "FAIL: --json connection error: rc=$rc $(cat "$err")"; fails=$((fails + 1))
fi

# Help needs no connection and names every command.
if ! "$VKSH" -c "$NOSOCK" help >"$out" 2>"$err"; then
    echo "FAIL: help exited non-zero: $(cat "$err")"; fails=$((fails + 1))
fi
for c in version list define undefine create start destroy shutdown reboot suspend resume \
    dumpxml dominfo domstate domid domname domuuid help; do
    grep -qE "^    $c +" "$out" || { echo "FAIL: help lacks $c"; fails=$((fails + 1)); }
done
"$VKSH" help dominfo >"$out" 2>&1
grep -qF "[--domain] <string>  domain name, id or uuid" "$out" ||
    { echo "FAIL: help dominfo: $(cat "$out")"; fails=$((fails + 1)); }
"$VKSH" list --help >"$out" 2>&1
grep -qF -- "--state-running" "$out" || { echo "FAIL: list --help"; fails=$((fails + 1)); }

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"; exit 1
fi
echo "all CLI argument checks passed"
