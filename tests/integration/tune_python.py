"""Feature "tune" through python3-libvirt: memoryParameters,
schedulerType/Parameters(Flags), getCPUStats per CPU and total, against
virtkitd and a real QEMU. The cgroup files are checked beside the API.

argv: URI; prints the QEMU pid's partition dirs for the shell's cleanup."""
import os
import sys

import libvirt

UNLIMITED = 9007199254740991


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def cg_dirs(pid):
    """controller -> directory of pid's group, as virtkitd finds it."""
    mounts_v1, v2 = {}, None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, sup = fields[sep + 1], fields[sep + 3]
            if fstype == "cgroup":
                for c in sup.split(","):
                    mounts_v1.setdefault(c, (fields[4], fields[3]))
            elif fstype == "cgroup2" and v2 is None:
                v2 = (fields[4], fields[3])
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in ("cpu", "cpuacct", "memory"):
                if mounts_v1.get(c) and c in ctrls.split(","):
                    mnt, root = mounts_v1[c]
                elif not mounts_v1.get(c) and hid == "0" and v2:
                    mnt, root = v2
                else:
                    continue
                if root != "/":
                    path = path[len(root):]
                if path.endswith("/emulator"):
                    path = path[: -len("/emulator")]
                out[c] = (mnt + path, c in mounts_v1)
    return out


def read(path):
    with open(path) as f:
        return f.read().strip()


uri = sys.argv[1]
conn = libvirt.open(uri)
xml = """<domain type='qemu'><name>tp</name><memory unit='MiB'>64</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>
<memtune><soft_limit unit='MiB'>512</soft_limit></memtune>
<cputune><shares>300</shares></cputune></domain>"""
dom = conn.defineXML(xml)
dom.create()
pid = None
# the pid: whichever qemu has our uuid on its command line
uuid = dom.UUIDString()
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if uuid.encode() in f.read():
                    pid = int(p)
        except OSError:
            pass
if not pid:
    fail("no QEMU process with the domain's uuid")
dirs = cg_dirs(pid)
print(" ".join(os.path.dirname(d) for d, _ in dirs.values()))
sys.stdout.flush()
mem, v1 = dirs["memory"]
cpu, cpu_v1 = dirs["cpu"]

# memoryParameters: <memtune> applied at start, the rest unlimited
mp = dom.memoryParameters(0)
if mp != {"hard_limit": UNLIMITED, "soft_limit": 524288, "swap_hard_limit": UNLIMITED}:
    fail(f"memoryParameters: {mp}")
soft = "memory.soft_limit_in_bytes" if v1 else "memory.high"
if read(os.path.join(mem, soft)) != str(512 << 20):
    fail(f"{soft} is {read(os.path.join(mem, soft))}")
dom.setMemoryParameters({"hard_limit": 1048576}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
hard = "memory.limit_in_bytes" if v1 else "memory.max"
if read(os.path.join(mem, hard)) != str(1 << 30):
    fail(f"{hard} is {read(os.path.join(mem, hard))} after setMemoryParameters")
if dom.memoryParameters(libvirt.VIR_DOMAIN_AFFECT_LIVE)["hard_limit"] != 1048576:
    fail("memoryParameters does not show the new hard_limit")
if dom.memoryParameters(libvirt.VIR_DOMAIN_AFFECT_CONFIG)["hard_limit"] != UNLIMITED:
    fail("a live change leaked into the config")
# scheduler
stype = dom.schedulerType()
if stype[0] != "posix" or stype[1] < 3:
    fail(f"schedulerType: {stype}")
sp = dom.schedulerParameters()
if sp.get("cpu_shares") != 300:
    fail(f"<cputune><shares> not applied: {sp}")
dom.setSchedulerParameters({"cpu_shares": 700})
if read(os.path.join(cpu, "cpu.shares" if cpu_v1 else "cpu.weight")) != "700":
    fail("cpu_shares 700 not in the cgroup file")
dom.setSchedulerParametersFlags({"global_quota": 40000}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
spf = dom.schedulerParametersFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE)
if spf["cpu_shares"] != 700 or spf["global_quota"] != 40000:
    fail(f"schedulerParametersFlags: {spf}")
if cpu_v1 and read(os.path.join(cpu, "cpu.cfs_quota_us")) != "40000":
    fail("global_quota not in cpu.cfs_quota_us")
dom.setSchedulerParametersFlags({"cpu_shares": 128}, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
if dom.schedulerParametersFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG)["cpu_shares"] != 128:
    fail("config cpu_shares not 128")
if "<shares>128</shares>" not in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE):
    fail("config XML lacks <shares>128</shares>")
try:
    dom.setSchedulerParameters({"vcpu_period": 5})
    fail("vcpu_period 5 accepted")
except libvirt.libvirtError as e:
    if "vcpu_period" not in str(e):
        fail(f"error does not name vcpu_period: {e}")

# getCPUStats: one dict per host CPU (v1), and the total
total = dom.getCPUStats(True)
if len(total) != 1 or not {"cpu_time", "user_time", "system_time"} <= set(total[0]):
    fail(f"total CPU stats: {total}")
if v1:
    per = dom.getCPUStats(False)
    usage = read(os.path.join(dirs["cpuacct"][0], "cpuacct.usage_percpu")).split()
    if len(per) != len(usage):
        fail(f"{len(per)} per-CPU entries for {len(usage)} host CPUs")
    if not all("cpu_time" in p for p in per):
        fail(f"per-CPU entries without cpu_time: {per}")
    if sum(p["cpu_time"] for p in per) == 0:
        fail("per-CPU cpu_time all zero")

dom.destroy()
for d, _ in dirs.values():
    if os.path.exists(d):
        fail(f"cgroup {d} left after destroy")
dom.undefine()
print("python checks passed", file=sys.stderr)
