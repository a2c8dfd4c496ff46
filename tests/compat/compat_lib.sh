# Shared by the compat tests (source it): stock virsh against virtkitd on the
# domain XML stock virt-install wrote, compared with what virsh printed
# against stock libvirtd (tests/fixtures/virt-install, see its README.md).
#
# VIRTKITD: the daemon binary; VK_TESTS_DIR: the tests/ source directory.

: "${VK_TESTS_DIR:?VK_TESTS_DIR must point at the tests/ source directory}"
. "$VK_TESTS_DIR/lib/vk_daemon.sh"

FIX=$VK_TESTS_DIR/fixtures/virt-install
compat_xml() { /usr/bin/python3 "$VK_TESTS_DIR/compat/compat_xml.py" "$@"; }
FIXTURES="vi-basic vi-disk-vnc vi-q35-spice"

# Runs virsh with stdout kept byte for byte in $ROOT/out (virsh's trailing
# blank line included), stderr in $ROOT/err; $RC, and $OUT as text.
vsh_exact() {
    timeout 60 virsh -c "$VK_URI" "$@" >"$ROOT/out" 2>"$ROOT/err"
    RC=$?
    OUT=$(cat "$ROOT/out" "$ROOT/err")
    vk_track_qemus
}

# The exact stdout of the last vsh_exact must be $1 followed by virsh's blank line.
expect_stdout() {
    printf '%s\n\n' "$1" | cmp -s - "$ROOT/out" ||
        vk_fail "expected virsh to print exactly '$1' (and a blank line), got:
$(cat -A "$ROOT/out" "$ROOT/err")"
}

# Compares the last stdout with a recorded libvirtd file, line for line; $2 is a
# sed script applied to both first (the allowed differences, said by the caller).
expect_recorded() {
    local want=$1 sedscript=${2:-}
    if ! diff -u --label "libvirtd: ${want##*/}" --label "virtkitd" \
        <(sed -e "$sedscript" "$want") <(sed -e "$sedscript" "$ROOT/out") >"$ROOT/diff"; then
        vk_fail "virsh output differs from libvirtd's (${want##*/}):
$(cat "$ROOT/diff")
stderr: $(cat "$ROOT/err")"
    fi
}

# Prints the field $2 of `virsh dominfo`-style output in file $1.
info_field() {
    sed -n "s/^$2: *//p" "$1"
}

# Polls `virsh domstate` (bounded: $3 seconds) until it prints $2.
wait_state() {
    local name=$1 want=$2 limit=$3 i
    for ((i = 0; i < limit * 5; i++)); do
        vsh domstate "$name"
        [ "$RC" -eq 0 ] && [ "$OUT" = "$want" ] && return 0
        sleep 0.2
    done
    vk_fail "domain '$name' did not reach state '$want' within $limit s (last: rc $RC, '$OUT')"
}

# Asserts the domain's config file exists ($2 = yes) or not ($2 = no).
expect_config() {
    local f=$ROOT/etc/qemu/$1.xml
    case $2 in
        yes) [ -f "$f" ] || vk_fail "no config file $f after define" ;;
        no) [ ! -e "$f" ] || vk_fail "config file $f still there after undefine" ;;
    esac
}

# Defines $2 (a file) as domain $1 and checks virsh's message.
define_ok() {
    vsh_exact define "$2"
    [ "$RC" -eq 0 ] || vk_fail "virsh define $2 failed (rc $RC): $OUT"
    expect_stdout "Domain '$1' defined from $2"
    expect_config "$1" yes
}

undefine_ok() {
    vsh_exact undefine "$1"
    [ "$RC" -eq 0 ] || vk_fail "virsh undefine $1 failed (rc $RC): $OUT"
    expect_stdout "Domain '$1' has been undefined"
    expect_config "$1" no
}

# virsh start with the daemon's own error in the failure message (and the
# QEMU log, which names the device QEMU refused).
start_ok() {
    vsh_exact start "$1"
    if [ "$RC" -ne 0 ]; then
        vk_fail "virsh start $1 failed (rc $RC): $OUT
--- QEMU log of $1:
$(tail -n 20 "$ROOT/log/qemu/$1.log" 2>/dev/null)"
    fi
    expect_stdout "Domain '$1' started"
}

destroy_ok() {
    vsh_exact destroy "$1"
    [ "$RC" -eq 0 ] || vk_fail "virsh destroy $1 failed (rc $RC): $OUT"
    expect_stdout "Domain '$1' destroyed"
    vsh domstate --reason "$1"
    [ "$OUT" = "shut off (destroyed)" ] ||
        vk_fail "domstate --reason after destroy: expected 'shut off (destroyed)', got '$OUT'"
}

# dominfo of a running domain against libvirtd's recording: Id and CPU time
# legitimately differ (libvirtd's Id 3 was its third start; CPU time is
# measured), so both are checked for form here and masked in the comparison.
expect_running_dominfo() {
    local name=$1 want=$2 id
    vsh_exact dominfo "$name"
    [ "$RC" -eq 0 ] || vk_fail "dominfo $name failed: $OUT"
    id=$(info_field "$ROOT/out" Id)
    [[ $id =~ ^[1-9][0-9]*$ ]] || vk_fail "running $name: dominfo Id '$id' is not a positive id"
    [[ $(info_field "$ROOT/out" 'CPU time') =~ ^[0-9]+\.[0-9]s$ ]] ||
        vk_fail "running $name: dominfo CPU time '$(info_field "$ROOT/out" 'CPU time')' malformed"
    if [ -n "$want" ]; then
        expect_recorded "$want" 's/^\(Id\|CPU time\):\( *\).*/\1:\2<varies>/'
    else
        grep -qx 'State:          running' "$ROOT/out" ||
            vk_fail "dominfo of running $name does not say 'State: running':
$(cat "$ROOT/out")"
    fi
    RUN_ID=$id
}
