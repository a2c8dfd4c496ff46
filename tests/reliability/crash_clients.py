"""Crash-safety clients: four python3-libvirt clients (threads, one
connection each) cycle define / start / destroy / undefine on their own
domain while the test script kills virtkitd with SIGKILL and restarts it.

  crash_clients.py run ROOT LEDGER STARTED STOP TAG
      runs the clients until the file STOP exists (each then finishes and
      settles its current operation); a call cut by the kill is re-checked
      after reconnecting (the outcome must be the state before or after it).
  crash_clients.py verify ROOT LEDGER TAG [LABEL]
      checks what the daemon reports and the QEMU processes against the
      ledger: every domain whose define succeeded exists with the XML written,
      undefined ones are gone, running ones have exactly one QEMU, shut off
      ones none, and no other QEMU of this test exists.

The ledger (JSON) carries each client's expected state across rounds."""
import json
import os
import sys
import threading
import time
import uuid as uuidlib

import libvirt

import vkrel

CLIENTS = 4
CYCLE = ["define", "start", "destroy", "undefine"]
# What a cut operation may have left behind: the state before or after it.
OUTCOMES = {"define": ("absent", "defined"), "start": ("defined", "running"),
            "destroy": ("running", "defined"), "undefine": ("defined", "absent")}
AFTER = {"define": "defined", "start": "running", "destroy": "defined", "undefine": "absent"}


def load(path, tag):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    clients = {str(i): dict(name=f"{tag}-c{i}", state="absent", next="define", xml=None,
                            uuid=None) for i in range(CLIENTS)}
    return dict(clients=clients, uuids={},
                stats=dict(ops=0, cut=0, reconnects=0, defines=0, starts=0, rounds=0))


def save(path, ledger):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ledger, f, indent=1)
    os.replace(tmp, path)


class Client(threading.Thread):
    def __init__(self, idx, st, ledger, u, stop_path, lock, failures):
        super().__init__(daemon=True)
        self.idx, self.st, self.ledger, self.u = idx, st, ledger, u
        self.stop_path, self.lock, self.failures = stop_path, lock, failures
        self.conn = None
        self.pending = None
        self.started = threading.Event()

    def fail(self, msg):
        with self.lock:
            self.failures.append(f"client {self.idx} ({self.st['name']}): {msg}")

    def stat(self, key):
        with self.lock:
            self.ledger["stats"][key] += 1

    def reconnect(self):
        try:
            if self.conn is not None:
                self.conn.close()
        except libvirt.libvirtError:
            pass
        self.conn = None
        self.conn = vkrel.open_retry(self.u, 60)
        self.stat("reconnects")

    def lookup_state(self):
        """'absent', 'defined' or 'running' as the daemon reports it now,
        reconnecting as often as needed (bounded by open_retry)."""
        while True:
            try:
                dom = self.conn.lookupByName(self.st["name"])
                return "running" if dom.isActive() else "defined"
            except libvirt.libvirtError as e:
                if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return "absent"
                if not vkrel.connection_lost(self.conn, e):
                    self.fail(f"lookup after a cut call: {e.get_error_code()} {e}")
                    raise
                self.reconnect()

    def do(self, op):
        st, c = self.st, self.conn
        if op == "define":
            st["uuid"] = str(uuidlib.uuid4())
            with self.lock:
                self.ledger["uuids"][st["uuid"]] = st["name"]
            desc = f"reliability client {self.idx} define {self.ledger['stats']['ops']}"
            self.pending = vkrel.domain_xml(st["name"], st["uuid"], desc)
            c.defineXML(self.pending)
            st["xml"] = self.pending
            self.stat("defines")
        elif op == "start":
            c.lookupByName(st["name"]).create()
            self.stat("starts")
        elif op == "destroy":
            c.lookupByName(st["name"]).destroy()
        else:
            c.lookupByName(st["name"]).undefine()

    def step(self):
        st = self.st
        st["pid"] = None  # the QEMU pid verify saw is stale from here on
        op = st["next"]
        try:
            self.do(op)
            st["state"] = AFTER[op]
        except libvirt.libvirtError as e:
            if not vkrel.connection_lost(self.conn, e):
                self.fail(f"{op}: unexpected error {e.get_error_code()}: {e}")
            else:
                self.stat("cut")
            self.reconnect()
            got = self.lookup_state()
            if got not in OUTCOMES[op]:
                self.fail(f"{op} was cut with the domain {st['state']}; afterwards it is {got}, "
                          f"expected one of {OUTCOMES[op]}")
            if op == "define" and got == "defined":
                # The define took effect although its reply was lost: the
                # daemon must hold exactly what was sent (checked by verify).
                st["xml"] = self.pending
            st["state"] = got
        self.stat("ops")
        st["next"] = {"absent": "define", "running": "destroy"}.get(
            st["state"], "undefine" if op in ("destroy", "undefine") else "start")

    def run(self):
        try:
            self.conn = vkrel.open_retry(self.u, 60)
            self.started.set()
            while not os.path.exists(self.stop_path):
                self.step()
            # One more call after the restart: the new daemon must serve.
            # Clients 0 and 1 then stop only once their domain runs, so the
            # next kill also finds running domains to re-attach.
            self.step()
            for _ in range(len(CYCLE)):
                if self.idx >= 2 or self.st["state"] == "running":
                    break
                self.step()
        except Exception as e:  # noqa: BLE001 - any failure is reported
            self.fail(f"client thread died: {type(e).__name__}: {e}")
            self.started.set()
        finally:
            try:
                if self.conn is not None:
                    self.conn.close()
            except libvirt.libvirtError:
                pass


def run(root, ledger_path, started_path, stop_path, tag):
    ledger = load(ledger_path, tag)
    lock, failures = threading.Lock(), []
    threads = [Client(i, ledger["clients"][str(i)], ledger, vkrel.uri(root), stop_path, lock,
                      failures) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.started.wait(90)
    open(started_path, "w").close()
    for t in threads:
        t.join(180)
        if t.is_alive():
            failures.append(f"client {t.idx}: a call never returned (lost reply)")
    ledger["stats"]["rounds"] += 1
    save(ledger_path, ledger)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


def owner_of(ledger, uuid):
    return ledger["uuids"].get(uuid, "?")


def log_about(root, words):
    """The daemon's non-debug log lines that mention one of words."""
    with open(os.path.join(root, "daemon.log"), errors="replace") as f:
        lines = [ln.rstrip() for ln in f if " debug: " not in ln and
                 any(w in ln for w in words)]
    return "\n".join(lines[-25:])


def verify(root, ledger_path, tag, label="after the kill"):
    ledger = load(ledger_path, tag)
    failures = []
    conn = vkrel.open_retry(vkrel.uri(root), 60)
    listed = {d.name() for d in conn.listAllDomains(0)}
    expected = {c["name"] for c in ledger["clients"].values() if c["state"] != "absent"}
    if listed != expected:
        failures.append(f"domains listed {sorted(listed)}, expected {sorted(expected)}")
    running_uuids = {}
    for c in ledger["clients"].values():
        name = c["name"]
        cfg = os.path.join(root, "etc", "qemu", name + ".xml")
        status = os.path.join(root, "run", "qemu", name + ".status")
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError as e:
            if c["state"] != "absent":
                failures.append(f"{name}: expected {c['state']}, lookup fails: {e}")
            if os.path.exists(cfg):
                failures.append(f"{name}: undefined but its config {cfg} remains")
            continue
        if c["state"] == "absent":
            failures.append(f"{name}: undefine succeeded (or never defined) but it exists")
            continue
        state = dom.state()[0]
        want = libvirt.VIR_DOMAIN_RUNNING if c["state"] == "running" else \
            libvirt.VIR_DOMAIN_SHUTOFF
        if state != want:
            failures.append(f"{name}: state {state}, expected {want} ({c['state']})")
        got = vkrel.written_fields(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        exp = vkrel.written_fields(c["xml"])
        if got != exp:
            failures.append(f"{name}: inactive XML differs from what was defined:\n"
                            f"  got      {got}\n  expected {exp}")
        if not os.path.exists(cfg):
            failures.append(f"{name}: defined but {cfg} is missing")
        if (c["state"] == "running") != os.path.exists(status):
            failures.append(f"{name}: {c['state']} but status file present="
                            f"{os.path.exists(status)}")
        if c["state"] == "running":
            running_uuids[c["uuid"]] = name
    conn.close()

    procs = vkrel.qemu_processes(set(ledger["uuids"]), tag + "-")
    per_uuid = {}
    for pid, u in procs.items():
        per_uuid.setdefault(u, []).append(pid)
    for u, name in running_uuids.items():
        pids = per_uuid.get(u, [])
        if len(pids) != 1:
            failures.append(f"{name}: running with {len(pids)} QEMU processes {pids}")
            continue
        c = next(c for c in ledger["clients"].values() if c["name"] == name)
        if c.get("pid") and c["pid"] != pids[0]:
            failures.append(f"{name}: ran as QEMU pid {c['pid']} before the restart, "
                            f"now pid {pids[0]} (not re-attached)")
        c["pid"] = pids[0]
    orphans = [p for p, u in procs.items() if u not in running_uuids]
    if orphans:
        # A QEMU killed a moment ago may still be exiting: look again.
        time.sleep(2)
        orphans = [p for p in orphans if p in vkrel.qemu_processes({procs[p]}, tag + "-")]
    if orphans:
        failures.append("QEMU without a running domain (orphans): " + ", ".join(
            f"pid {p} uuid {procs[p]} (domain {owner_of(ledger, procs[p])})" for p in orphans))
        failures.append("daemon log about them:\n" + log_about(
            root, [str(p) for p in orphans] + [owner_of(ledger, procs[p]) for p in orphans]))
        vkrel.kill_pids(orphans)  # ours (uuid or name of this test): never leak them
    s = ledger["stats"]
    print(f"round {s['rounds']} {label}: ok; totals: {s['ops']} ops, {s['cut']} failed by a kill, "
          f"{s['reconnects']} reconnects, {s['defines']} defines, {s['starts']} starts; "
          f"states now " + ", ".join(c["state"] for c in ledger["clients"].values())
          if not failures else f"round {s['rounds']}: FAILED")
    save(ledger_path, ledger)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        sys.exit(run(*sys.argv[2:7]))
    sys.exit(verify(*sys.argv[2:6]))
