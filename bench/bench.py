#!/usr/bin/python3
"""virtkit against stock libvirt, side by side: same machine, same domain XML,
same clients (python3-libvirt, stock virsh, vksh). Run it through bench/run.sh.

Every metric is a median over repeated runs that alternate the two daemons
(virtkit first on even runs, libvirt first on odd ones) so slow drift of a
shared machine hits both alike. Latencies are wall clock around the client
call. Nothing here is a test: no assertion on a time, only a report.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import libvirt  # noqa: E402  (Debian's python3-libvirt: run with /usr/bin/python3)

import bench_daemons  # noqa: E402
import bench_floor  # noqa: E402
import bench_procs  # noqa: E402
from bench_daemons import PREFIX, domain_xml  # noqa: E402
from bench_report import Results  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REPS = {
    #  lifecycle rounds (also QEMU floor samples), define rounds, list runs, API
    #  calls per daemon and procedure, daemon restarts, concurrent-start rounds
    "full": dict(life=15, define=15, list=11, calls=600, restart=5, conc=3),
    "quick": dict(life=5, define=5, list=5, calls=90, restart=2, conc=1),
}
COUNTS = (1, 100, 1000)
CONC = 10


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, file=sys.stderr, flush=True)


def timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def dom_name(i):
    return f"{PREFIX}{i:04d}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.n = REPS["quick" if args.quick else "full"]
        self.res = Results()
        self.work = tempfile.mkdtemp(prefix="vkbench.")
        # Private copies: a rebuild of the tree during the run must not swap
        # (or briefly remove) the binaries under test.
        os.makedirs(os.path.join(self.work, "bin"))
        os.makedirs(os.path.join(self.work, "lib"))
        for attr in ("virtkitd", "vksh"):
            copy = os.path.join(self.work, "bin", attr)
            copy_libs(getattr(args, attr), os.path.join(self.work, "lib"))
            shutil.copy2(getattr(args, attr), copy)
            setattr(args, attr, copy)
        # Build-tree libraries (e.g. libvirtkit.so) the copies link against.
        os.environ["LD_LIBRARY_PATH"] = os.path.join(self.work, "lib")
        self.vk = bench_daemons.VirtkitDaemon(os.path.join(self.work, "virtkit"), args.virtkitd)
        self.lv = bench_daemons.LibvirtDaemon(os.path.join(self.work, "libvirt"))
        self.daemons = [self.vk, self.lv]
        self.conns = {}
        self.defined = 0          # vkbench-0000 .. defined on both daemons
        self.vk_qemu_argv = None
        self.aborted = False

    # ---------------------------------------------------------------- helpers
    def alternate(self, reps, fn):
        """fn(daemon, i) for reps rounds, the order flipped every round."""
        for i in range(reps):
            for d in (self.daemons if i % 2 == 0 else self.daemons[::-1]):
                fn(d, i)

    def sample(self, key, d, fn, *args):
        """Times fn(*args) into key for daemon d; a failure is recorded once
        and the metric is skipped on that daemon from then on."""
        if (key, d.name) in self.res.errors:
            return None
        try:
            dt = timed(fn, *args)
        except (libvirt.libvirtError, RuntimeError, OSError, subprocess.SubprocessError) as e:
            self.res.error(key, d.name, str(e).strip().splitlines()[0] if str(e).strip() else repr(e))
            log(f"  {d.name}: {key} failed: {e}")
            return None
        self.res.add(key, d.name, dt)
        return dt

    def connect(self):
        for d in self.daemons:
            self.conns[d.name] = libvirt.open(d.uri)

    def disconnect(self):
        for c in self.conns.values():
            try:
                c.close()
            except libvirt.libvirtError:
                pass
        self.conns = {}

    def watchdog(self):
        """The whole run is bounded: a hung daemon is killed by PID, which
        makes the blocked client call return so cleanup can run."""
        log(f"time budget of {self.args.budget} s exceeded: killing the daemons")
        self.aborted = True
        for d in self.daemons:
            if d.proc is not None:
                for pid in bench_procs.descendants(d.proc.pid) + [d.proc.pid]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    # ----------------------------------------------------------------- phases
    def start_daemons(self):
        for d in self.daemons:
            log(f"starting {d.name} daemon ({d.uri})")
            self.res.add("daemon_start_0", d.name, d.start())
        self.connect()
        for d in self.daemons:
            self.conns[d.name].listAllDomains()
        self.rss("idle")

    def qemu_floors(self):
        """One sample of each QEMU floor (taken inside the lifecycle rounds,
        so the floor sees the same machine load as the starts)."""
        with open(os.path.join(self.work, "floor-qemu.log"), "ab") as qlog:
            for key, argv in (("qemu_floor", bench_floor.BARE_ARGV),
                              ("qemu_floor_vkargv", self.vk_qemu_argv)):
                if argv is None or (key, "floor") in self.res.errors:
                    continue
                try:
                    self.res.add(key, "floor", bench_floor.qemu_to_qmp(argv, self.work, qlog))
                except (RuntimeError, OSError, ValueError) as e:
                    self.res.error(key, "floor", str(e))

    def durable_floor(self):
        confdir = os.path.join(self.vk.root, "etc", "qemu")
        self.res.add("durable_write", "floor",
                     bench_floor.durable_write(confdir if os.path.isdir(confdir) else self.vk.root))

    def warmup(self):
        """One untimed define/start/destroy/undefine on each daemon (libvirt
        fills its capabilities cache, both page in their code); records the
        argv virtkit gives QEMU for the second floor."""
        log("warm-up lifecycle on both daemons")
        for d in self.daemons:
            c = self.conns[d.name]
            dom = c.defineXML(domain_xml(PREFIX + "warmup"))
            try:
                dom.create()
                if d is self.vk:
                    pids = self.vk.qemu_pids()
                    if pids:
                        self.vk_qemu_argv = bench_floor.argv_from_virtkit_qemu(pids[0])
                dom.destroy()
            except libvirt.libvirtError as e:
                log(f"  {d.name}: warm-up start/destroy failed: {e}")
            dom.undefine()

    def define_latency(self):
        log("define / undefine latency")

        def one(d, i):
            for _ in range(2):  # the durable-write floor, under the same load
                self.durable_floor()
            c = self.conns[d.name]
            name = f"{PREFIX}def-{i:03d}"
            self.sample("define", d, c.defineXML, domain_xml(name))
            try:
                dom = c.lookupByName(name)
            except libvirt.libvirtError:
                return
            self.sample("undefine", d, dom.undefine)
        self.alternate(self.n["define"], one)

    def define_up_to(self, count):
        log(f"defining domains up to {count}")
        for i in range(self.defined, count):
            for d in (self.daemons if i % 2 == 0 else self.daemons[::-1]):
                if self.sample("define_bulk", d, self.conns[d.name].defineXML, domain_xml(dom_name(i))) is None:
                    raise RuntimeError(f"{d.name}: cannot define {dom_name(i)}: "
                                       f"{self.res.errors.get(('define_bulk', d.name))}")
        self.defined = count

    def lifecycle(self):
        log("start / destroy latency (vkbench-0000), QEMU floors in the same rounds")

        def one(d, i):
            if d is None:
                return self.qemu_floors()
            dom = self.conns[d.name].lookupByName(dom_name(0))
            if self.sample("start", d, dom.create) is None:
                return
            state = dom.state()[0]
            if state != libvirt.VIR_DOMAIN_RUNNING:
                self.res.error("start", d.name, f"state {state} after start, not running")
            time.sleep(0.2)  # let QEMU settle in the firmware: destroy a real running guest
            self.sample("destroy", d, dom.destroy)
        for i in range(self.n["life"]):
            order = [self.vk, self.lv, None]
            for d in order[i % 3:] + order[:i % 3]:
                one(d, i)

    def list_cmds(self, count):
        log(f"virsh / vksh list --all with {count} domains")
        tools = {"virsh": "virsh", "vksh": self.args.vksh}

        def run(tool, d, cmd=("list", "--all")):
            out = subprocess.run([tools[tool], "-c", d.uri, *cmd], capture_output=True,
                                 text=True, timeout=120)
            if out.returncode != 0:
                raise RuntimeError(f"{tool} {' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()}")
            if cmd[0] != "list":
                return
            listed = sum(1 for line in out.stdout.splitlines() if PREFIX in line)
            if listed != count:
                raise RuntimeError(f"{tool} list --all shows {listed} domains, not {count}")

        # The client's own floor: process start + connect + one trivial call.
        floor_cmd = {"virsh": ("uri",), "vksh": ("version",)}

        def one(d, i):
            for tool in (("virsh", "vksh") if i % 2 == 0 else ("vksh", "virsh")):
                self.sample(f"{tool}_list_{count}", d, run, tool, d)
                if count == 1:
                    self.sample(f"{tool}_floor", d, run, tool, d, floor_cmd[tool])
        self.alternate(self.n["list"], one)

    def api_calls(self, count):
        """Per-call latency; daemons and procedures (the call floor among
        them) take turns call by call: these calls take ~0.1 ms, so load
        changes on a shared machine would otherwise land on one batch."""
        log(f"per-call API latency with {count} domains")
        doms = {d.name: self.conns[d.name].lookupByName(dom_name(0)) for d in self.daemons}
        keys = ["call_floor", "api_lookup", "api_state", "api_list"]

        def one(d, i):
            c = self.conns[d.name]
            calls = {"call_floor": (c.getLibVersion, ()),
                     "api_lookup": (c.lookupByName, (dom_name(0),)),
                     "api_state": (doms[d.name].state, ()),
                     "api_list": (c.listAllDomains, ())}
            for key in keys[i % 4:] + keys[:i % 4]:
                if key == "api_list" and count >= 1000 and i % 5:
                    continue  # a 1000-domain list costs ~40 calls: sample it less often
                fn, args = calls[key]
                self.sample(f"{key}_{count}", d, fn, *args)
        self.alternate(self.n["calls"], one)

    def rss(self, when):
        for d in self.daemons:
            self.res.add("rss_" + when, d.name, d.rss_kib())
            self.res.add("anon_" + when, d.name, d.rss_kib("RssAnon"))

    def concurrent(self):
        log(f"{CONC} concurrent starts / destroys")
        names = [dom_name(i) for i in range(1, CONC + 1)]

        def burst(d, doms, op):
            barrier = threading.Barrier(len(doms) + 1)
            ends, errors = [], []

            def worker(dom):
                barrier.wait()
                try:
                    getattr(dom, op)()
                except libvirt.libvirtError as e:
                    errors.append(str(e))
                ends.append(time.perf_counter())
            threads = [threading.Thread(target=worker, args=(dom,)) for dom in doms]
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            if errors:
                raise RuntimeError(f"{len(errors)} of {len(doms)} {op} calls failed: {errors[0]}")
            return max(ends) - t0

        def floor_burst():
            """The same burst of bare QEMUs (spawn to QMP usable), in parallel."""
            barrier = threading.Barrier(CONC + 1)
            times, errors = [], []

            def worker(k):
                barrier.wait()
                try:
                    with open(os.path.join(self.work, "floor-qemu.log"), "ab") as qlog:
                        times.append(bench_floor.qemu_to_qmp(bench_floor.BARE_ARGV, self.work, qlog,
                                                             f"conc{k}"))
                except (RuntimeError, OSError, ValueError) as e:
                    errors.append(str(e))
            threads = [threading.Thread(target=worker, args=(k,)) for k in range(CONC)]
            for t in threads:
                t.start()
            barrier.wait()
            for t in threads:
                t.join()
            if errors:
                self.res.error("qemu_floor_conc", "floor", errors[0])
            else:
                self.res.add("qemu_floor_conc", "floor", max(times))

        def one(d, i):
            if d is None:
                return floor_burst()
            conns = [libvirt.open(d.uri) for _ in names]
            try:
                doms = [c.lookupByName(n) for c, n in zip(conns, names)]
                for key, op in (("conc_start_10", "create"), ("conc_destroy_10", "destroy")):
                    if (key, d.name) in self.res.errors:
                        continue
                    try:
                        self.res.add(key, d.name, burst(d, doms, op))
                    except RuntimeError as e:
                        self.res.error(key, d.name, str(e))
                        log(f"  {d.name}: {key}: {e}")
                for dom in doms:  # whatever a failed burst left running
                    try:
                        if dom.isActive():
                            dom.destroy()
                    except libvirt.libvirtError:
                        pass
            finally:
                for c in conns:
                    c.close()
        for i in range(self.n["conc"]):
            order = [self.vk, self.lv, None]
            for d in order[i % 3:] + order[:i % 3]:
                one(d, i)

    def restarts(self):
        log(f"daemon start time with {self.defined} domains")
        self.disconnect()

        def one(d, i):
            d.stop()
            try:
                self.res.add(f"daemon_start_{self.defined}", d.name, d.start(expect_defined=self.defined))
            except RuntimeError as e:
                self.res.error(f"daemon_start_{self.defined}", d.name, str(e).splitlines()[0])
                log(f"  {d.name}: restart failed: {e}")
                if not d.running():
                    d.start()
        self.alternate(self.n["restart"], one)
        self.connect()
        for d in self.daemons:
            self.conns[d.name].listAllDomains()
        self.rss("1000_restart")

    def run(self):
        self.start_daemons()
        self.warmup()
        # virtkitd loads libxml2 on first use: idle above is before any XML,
        # this is with the parser loaded (and a QEMU started and gone).
        self.rss("warm")
        self.define_latency()
        self.define_up_to(1)
        self.lifecycle()
        for count in COUNTS:
            self.define_up_to(count)
            self.list_cmds(count)
            self.api_calls(count)
        self.rss("1000_live")
        self.concurrent()
        self.restarts()

    # ---------------------------------------------------------------- cleanup
    def cleanup(self):
        log("cleanup: destroying and undefining the benchmark domains, stopping daemons")
        self.disconnect()
        for d in self.daemons:
            try:
                d.remove_bench_domains()
            except Exception as e:  # keep going: the daemons must stop anyway
                log(f"  {d.name}: removing domains: {e}")
            d.stop()
            d.cleanup_files()
        self.lv.stop_virtlogd()
        left = bench_procs.kill_all_descendants()
        for pid, cmd in left:
            log(f"  killed leftover process {pid}: {cmd[:100]}")
        if self.args.keep:
            log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def copy_libs(binary, dest):
    """Copies the shared libraries binary resolves inside the source tree."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) == 2:
            path = parts[1].split("(")[0].strip()
            if path.startswith(TOP + "/"):
                shutil.copy2(path, os.path.join(dest, os.path.basename(parts[0].strip())))


def machine_info(virtkitd):
    def first_line(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    rev = first_line(["git", "-C", TOP, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", TOP, "diff", "--quiet", "HEAD", "--", "src"],
                           capture_output=True).returncode
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": os.cpu_count(),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                     if line.startswith("model name")), "?"),
        "qemu": first_line(["qemu-system-x86_64", "--version"]),
        "libvirt": first_line(["/usr/sbin/libvirtd", "--version"]),
        "python3-libvirt": libvirt.getVersion(),
        "virtkit": rev + (" (src/ modified in the working tree)" if dirty else ""),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "tmp_and_etc_libvirt_same_fs": (os.stat(tempfile.gettempdir()).st_dev ==
                                        os.stat("/etc/libvirt/qemu").st_dev),
    }


def other_libvirt_daemons():
    mine = set(bench_procs.descendants(os.getpid()))
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in mine:
            try:
                comm = open(f"/proc/{entry}/comm").read().strip()
            except OSError:
                continue
            if comm in ("libvirtd", "virtqemud"):
                found.append(f"{comm} (pid {entry})")
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a few minutes)")
    p.add_argument("--virtkitd", default=os.path.join(TOP, "build/src/daemon/virtkitd"))
    p.add_argument("--vksh", default=os.path.join(TOP, "build/tools/vksh/vksh"))
    p.add_argument("--virtkit-rev", metavar="TEXT",
                   help="what the virtkit binaries were built from (default: this tree's git HEAD)")
    p.add_argument("--json", metavar="FILE", help="write machine info and every sample as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the tables as Markdown")
    p.add_argument("--budget", type=int, default=1200, help="seconds before the run is aborted")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = p.parse_args()

    for path in (args.virtkitd, args.vksh):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} is not built (ninja -C build)")
    others = other_libvirt_daemons()
    if others:
        sys.exit("bench: another libvirt daemon runs already (" + ", ".join(others) +
                 "): its QEMU driver state would clash with ours; stop it first")

    libvirt.registerErrorHandler(lambda *_: None, None)  # errors arrive as exceptions
    bench_procs.become_subreaper()
    info = machine_info(args.virtkitd)
    if args.virtkit_rev:
        info["virtkit"] = args.virtkit_rev
    bench = Bench(args)
    bench.lv.cleanup_files()  # leftovers of an interrupted earlier run

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    dog = threading.Timer(args.budget, bench.watchdog)
    dog.daemon = True
    dog.start()
    t0 = time.monotonic()
    failed = None
    try:
        bench.run()
    except (Exception, KeyboardInterrupt) as e:
        failed = f"{type(e).__name__}: {e}"
        log("run stopped early: " + failed)
    finally:
        dog.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # cleanup must finish...
        dog = threading.Timer(300, bench.watchdog)  # ...and is bounded too
        dog.daemon = True
        dog.start()
        bench.cleanup()
        dog.cancel()
    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    info["duration_s"] = round(time.monotonic() - t0)
    info["mode"] = "quick" if args.quick else "full"

    print()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print()
    print(bench.res.table())
    print()
    print(bench.res.targets_text())
    if failed:
        print(f"\nrun stopped early ({failed}): the table holds what was measured before")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "samples": bench.res.samples,
                       "errors": {f"{k}/{w}": m for (k, w), m in bench.res.errors.items()},
                       "stopped_early": failed}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("".join(f"- {k}: {v}\n" for k, v in info.items()) + "\n")
            f.write(bench.res.table(markdown=True) + "\n\n" + bench.res.targets_text(markdown=True) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
