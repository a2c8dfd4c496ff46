#!/bin/bash
# Feature "save": job info while a save runs and domjobabort, with stock
# virsh. The daemon runs with VIRTKIT_TEST_SAVE_MAX_BANDWIDTH (bytes/s, a
# debug knob of the save code) so the save of a 512 MiB domain idling in
# firmware is slow enough to watch; domjobinfo must answer while the save
# holds the domain's job, domjobabort cancels it, the domain keeps running
# and no image is left. If the save still ends before it is seen running,
# the test is skipped (exit 77) rather than guessing.
set -u
here=$(dirname "$0")
. "$here/../lib/vk_daemon.sh"
export VIRTKIT_TEST_SAVE_MAX_BANDWIDTH=100000
vk_daemon_start

name=big
sed "s|<memory unit='MiB'>64</memory>|<memory unit='MiB'>512</memory>|" \
    <(vk_domain_xml $name) > "$ROOT/$name.xml"
grep -q ">512<" "$ROOT/$name.xml" || vk_fail "test XML: memory not set"
vsh define "$ROOT/$name.xml"; expect_ok define
vsh start "$name"; expect_ok start
sleep 1

vsh domjobinfo "$name"; expect_ok domjobinfo idle
expect_line 'Job type: +None *'
vsh domjobabort "$name"; expect_fail domjobabort idle
expect_contains "no job is active"

img=$ROOT/big.img
timeout 300 virsh -c "$VK_URI" save "$name" "$img" > "$ROOT/save.out" 2>&1 &
save_pid=$!
seen=
for _ in $(seq 1 300); do
    vsh domjobinfo "$name"
    expect_ok domjobinfo during save
    # the first query-migrate poll fills the byte counts
    case "$OUT" in *Unbounded*"Memory total"*) seen=1; break ;; esac
    kill -0 $save_pid 2>/dev/null || break
    sleep 0.1
done
if [ -z "$seen" ]; then
    wait $save_pid
    echo "SKIP: the save finished before its job could be observed"
    exit 77
fi
expect_line 'Operation: +Save *'
expect_line 'Memory total: +[0-9.]+ [KMG]iB *'
expect_line 'Memory processed: +[0-9.]+ [KMG]?i?B *'
vsh domjobabort "$name"; expect_ok domjobabort
wait $save_pid
save_rc=$?
[ $save_rc -ne 0 ] || vk_fail "save succeeded although it was aborted: $(cat "$ROOT/save.out")"
grep -q "cancel" "$ROOT/save.out" || vk_fail "save error does not say it was cancelled: $(cat "$ROOT/save.out")"
vsh domstate "$name" --reason; expect_ok domstate
expect_line 'running \(unpaused\) *'
[ ! -e "$img" ] && [ -z "$(ls "$ROOT"/*.vktmp 2>/dev/null)" ] || vk_fail "an aborted save left a file"
vsh domjobinfo "$name"; expect_line 'Job type: +None *'
vsh destroy "$name"; expect_ok destroy
echo "PASS: domjobinfo during a save and domjobabort"
