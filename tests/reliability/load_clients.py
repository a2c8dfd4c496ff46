"""Load: 50 python3-libvirt clients (threads, one connection each) run a
bounded number of calls per round (lookups, list, state, dumpxml, define
and undefine of their own domain). Every call must return without an
unexpected error; the daemon's VmRSS is sampled after each round and must
stay roughly flat after the warm-up rounds (a leak check, not a timing one).

Usage: load_clients.py ROOT DAEMON_PID TAG ROUNDS OPS_PER_CLIENT"""
import sys
import threading
import time
import uuid as uuidlib

import libvirt

import vkrel

CLIENTS = 50
WARMUP = 2
SLACK = 0.20  # allowed RSS growth across the measured rounds


def vmrss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Client(threading.Thread):
    def __init__(self, idx, u, tag, shared, ops, failures, lock):
        super().__init__(daemon=True)
        self.idx, self.u, self.tag, self.shared, self.ops = idx, u, tag, shared, ops
        self.failures, self.lock = failures, lock
        self.conn = libvirt.open(u)
        self.name = f"{tag}-load{idx}"
        self.uuid = str(uuidlib.uuid4())
        self.calls = self.returned = 0
        self.go = threading.Event()
        self.done = threading.Event()
        self.stop = False

    def fail(self, msg):
        with self.lock:
            self.failures.append(f"client {self.idx}: {msg}")

    def call(self, what, fn, *args):
        self.calls += 1
        try:
            r = fn(*args)
            self.returned += 1
            return r
        except libvirt.libvirtError as e:
            self.returned += 1
            self.fail(f"{what}: unexpected error {e.get_error_code()}: {e}")
            return None

    def one(self, k):
        c, s = self.conn, self.shared[k % len(self.shared)]
        op = k % 7
        if op == 0:
            d = self.call("lookupByName", c.lookupByName, s)
            if d is not None and d.name() != s:
                self.fail(f"lookupByName({s}) answered {d.name()}")
        elif op == 1:
            doms = self.call("listAllDomains", c.listAllDomains, 0)
            if doms is not None and not set(self.shared) <= {d.name() for d in doms}:
                self.fail("listAllDomains lacks the shared domains")
        elif op == 2:
            d = self.call("lookupByName", c.lookupByName, s)
            if d is not None:
                self.call("state", d.state)
        elif op == 3:
            d = self.call("lookupByName", c.lookupByName, s)
            x = d and self.call("XMLDesc", d.XMLDesc, 0)
            if x is not None and f"<name>{s}</name>" not in x:
                self.fail(f"dumpxml of {s} lacks its name")
        elif op == 4:
            x = vkrel.domain_xml(self.name, self.uuid, f"load client {self.idx}")
            d = self.call("defineXML", c.defineXML, x)
            if d is not None and d.UUIDString() != self.uuid:
                self.fail(f"defined {self.name} has uuid {d.UUIDString()}")
        elif op == 5:
            self.call("lookupByUUIDString", c.lookupByUUIDString, self.uuid)
        else:
            d = self.call("lookupByName", c.lookupByName, self.name)
            if d is not None:
                self.call("undefine", d.undefine)

    def run(self):
        while True:
            self.go.wait()
            self.go.clear()
            if self.stop:
                break
            for k in range(self.ops):
                self.one(k)
            self.done.set()
        try:
            self.conn.close()
        except libvirt.libvirtError as e:
            self.fail(f"close: {e}")


def main(root, pid, tag, rounds, ops):
    pid, rounds, ops = int(pid), int(rounds), int(ops)
    u = vkrel.uri(root)
    admin = libvirt.open(u)
    shared = [f"{tag}-shared{i}" for i in range(3)]
    for i, n in enumerate(shared):
        d = admin.defineXML(vkrel.domain_xml(n, str(uuidlib.uuid4()), "shared"))
        if i == 0:
            d.create()  # one running domain: lookups and dumpxml of a live one
    failures, lock = [], threading.Lock()
    clients = [Client(i, u, tag, shared, ops, failures, lock) for i in range(CLIENTS)]
    for c in clients:
        c.start()
    samples = []
    for r in range(1, rounds + 1):
        t0 = time.monotonic()
        for c in clients:
            c.done.clear()
            c.go.set()
        for c in clients:
            if not c.done.wait(120):
                failures.append(f"round {r}: client {c.idx} did not finish: "
                                f"{c.calls - c.returned} call(s) never returned")
        if failures:
            break
        rss = vmrss_kib(pid)
        samples.append(rss)
        calls = sum(c.calls for c in clients)
        print(f"round {r}: {CLIENTS} clients x {ops} ops in {time.monotonic() - t0:.1f}s; "
              f"calls so far {calls}, all returned; daemon VmRSS {rss} KiB"
              f"{' (warm-up)' if r <= WARMUP else ''}")
    for c in clients:
        c.stop = True
        c.go.set()
    for c in clients:
        c.join(60)
    calls = sum(c.calls for c in clients)
    returned = sum(c.returned for c in clients)
    if calls != returned:
        failures.append(f"{calls - returned} of {calls} calls never returned")
    measured = samples[WARMUP - 1:] if len(samples) > WARMUP else []
    if len(measured) >= 2 and not failures:
        growth = (max(measured[1:]) - measured[0]) / measured[0]
        print(f"VmRSS after warm-up {measured[0]} KiB, max later {max(measured[1:])} KiB: "
              f"growth {growth * 100:.1f}% (limit {SLACK * 100:.0f}%)")
        if growth > SLACK:
            failures.append(f"daemon VmRSS grew {growth * 100:.1f}% across rounds {WARMUP}.."
                            f"{rounds}: {measured} KiB (leak?)")
    # Nothing of the clients may remain: they undefined what they defined.
    names = {d.name() for d in admin.listAllDomains(0)}
    extra = names - set(shared) - {c.name for c in clients}
    if extra:
        failures.append(f"unexpected domains: {sorted(extra)}")
    for n in shared:
        d = admin.lookupByName(n)
        if d.isActive():
            d.destroy()
        d.undefine()
    for c in clients:
        try:
            admin.lookupByName(c.name).undefine()
        except libvirt.libvirtError:
            pass
    admin.close()
    print(f"load: {CLIENTS} clients, {rounds} rounds, {calls} calls, {returned} returned, "
          f"{len(failures)} failures")
    for f in failures[:30]:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
