#!/bin/bash
# Feature "lifecycle" on the real test guest (TCG): what starts, saves and
# restores report.
#  - <memballoon><stats period='2'/>: applied at start, so dommemstat (virsh
#    and vksh) shows the guest's own statistics (unused, available) with no
#    dommemstat --period call;
#  - managedsave: the JOB_COMPLETED event (virsh event, vksh event --json)
#    with the save's stats; domjobinfo --completed (virsh, vksh) shows them
#    until read without --keep-completed;
#  - the start that resumes the managed save image: 'Started Restored'
#    (libvirt's STARTED_RESTORED), not 'Booted'; also after virsh restore;
#  - python3-libvirt: the JOB_COMPLETED callback gets the stats, jobStats()
#    with VIR_DOMAIN_JOB_STATS_COMPLETED, and restore's STARTED detail.
set -u
. "$(dirname "$0")/life_lib.sh"
vksh() { OUT=$(timeout 60 "$VKSH" -c "$VK_URI" "$@" 2>&1); RC=$?; }

timeout 590 virsh -c "$VK_URI" event --all --loop --timeout 580 > "$ROOT/virsh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
timeout 590 "$VKSH" -c "$VK_URI" event --all --loop --timeout 580 --json > "$ROOT/vksh-ev.out" 2>&1 &
LIFE_BG_PIDS="$LIFE_BG_PIDS $!"
life_xml g-job destroy destroy "    <memballoon model='virtio'>
      <stats period='2'/>
    </memballoon>" > "$ROOT/g-job.xml"
for i in $(seq 1 100); do
    vsh define "$ROOT/g-job.xml"; expect_ok define
    grep -q "'g-job': Defined" "$ROOT/virsh-ev.out" &&
        grep -q '"name":"g-job"' "$ROOT/vksh-ev.out" && break
    sleep 0.3
done
vsh dumpxml g-job; expect_contains "<stats period='2'/>"
life_relay g-job
vsh start g-job; expect_ok start
life_wait_ready g-job 1

# The balloon driver reports every 2 s: the guest's keys appear by
# themselves (bounded wait: TCG on a busy host).
for i in $(seq 1 300); do
    vsh dommemstat g-job
    case "$OUT" in *unused*available*) break ;; esac
    sleep 0.3
done
expect_line 'unused [0-9]+'
expect_line 'available [0-9]+'
vksh dommemstat g-job
expect_line 'unused [0-9]+'
expect_line 'available [0-9]+'

# Nothing completed yet.
vsh domjobinfo g-job --completed; expect_ok "domjobinfo --completed"
expect_line 'Job type: +None *'

# managedsave: JOB_COMPLETED and the completed stats.
vsh managedsave g-job; expect_ok managedsave
life_wait_grep "$ROOT/virsh-ev.out" "^event 'job-completed' for domain 'g-job':$"
life_wait_grep "$ROOT/vksh-ev.out" '"event":"job-completed"'
grep -A3 "^event 'job-completed' for domain 'g-job':$" "$ROOT/virsh-ev.out" |
    grep -q "^	operation: 2$" || vk_fail "virsh: job-completed without operation 2:
$(cat "$ROOT/virsh-ev.out")"
grep '"event":"job-completed"' "$ROOT/vksh-ev.out" | /usr/bin/python3 -c '
import json, sys
e = json.loads(sys.stdin.readline())
p = e["params"]
assert e["domain"]["name"] == "g-job", e
assert p["operation"] == 2 and p["data_total"] > 0 and p["data_remaining"] == 0, p
' || vk_fail "vksh: bad job-completed event: $(grep job-completed "$ROOT/vksh-ev.out")"
vsh domjobinfo g-job --completed --keep-completed; expect_ok "domjobinfo --completed --keep"
expect_line 'Job type: +Completed *'
expect_line 'Operation: +Save *'
expect_line 'Memory total: +[0-9.]+ [KMG]iB'
vksh domjobinfo g-job --completed; [ "$RC" = 0 ] || vk_fail "vksh domjobinfo --completed: $OUT"
expect_line 'Job type: +Completed *'
expect_line 'Operation: +Save *'
# read without --keep-completed: gone now
vsh domjobinfo g-job --completed; expect_line 'Job type: +None *'
vksh --json domjobinfo g-job --completed
[ "$RC" = 0 ] && printf '%s' "$OUT" |
    /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)["type"] == "None"' ||
    vk_fail "vksh --json domjobinfo --completed: $OUT"

# Resuming the managed save image is a restore: Started Restored.
vsh start g-job; expect_ok "start (managed save)"
life_wait_grep "$ROOT/virsh-ev.out" "^event 'lifecycle' for domain 'g-job': Started Restored$"
life_wait_grep "$ROOT/vksh-ev.out" '"type":"Started","detail":"Restored"'
n=$(grep -c "'g-job': Started Booted" "$ROOT/virsh-ev.out")
[ "$n" = 1 ] || vk_fail "expected one 'Started Booted' (the first start), got $n"

# python3-libvirt: save + restore with callbacks, completed stats.
/usr/bin/python3 - "$VK_URI" "$ROOT/g-job.img" <<'PY' || vk_fail "python: save/restore events"
import sys, threading, libvirt
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
cond = threading.Condition()
jobs, starts = [], []
def on_job(c, dom, params, opaque):
    with cond:
        jobs.append((dom.name(), params)); cond.notify_all()
def on_life(c, dom, event, detail, opaque):
    if event == libvirt.VIR_DOMAIN_EVENT_STARTED:
        with cond:
            starts.append((dom.name(), detail)); cond.notify_all()
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, on_job, None)
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_life, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
dom = conn.lookupByName("g-job")
dom.save(sys.argv[2])
with cond:
    assert cond.wait_for(lambda: jobs, timeout=120), "no JOB_COMPLETED callback"
name, params = jobs[0]
assert name == "g-job" and params["operation"] == libvirt.VIR_DOMAIN_JOB_OPERATION_SAVE, jobs
assert params["memory_total"] > 0, params
st = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
assert st["type"] == libvirt.VIR_DOMAIN_JOB_COMPLETED, st
assert st["operation"] == libvirt.VIR_DOMAIN_JOB_OPERATION_SAVE, st
conn.restore(sys.argv[2])
with cond:
    assert cond.wait_for(lambda: starts, timeout=120), "no STARTED callback"
assert starts[0] == ("g-job", libvirt.VIR_DOMAIN_EVENT_STARTED_RESTORED), starts
PY
vsh domstate g-job; expect_line running
vsh destroy g-job; expect_ok destroy
echo PASS
