"""Hostile input against a live virtkitd, each with its expected result:
XML bombs and external entities, odd domain names (rejected with an error
naming the fault, or accepted and started with QEMU when legal), a disk that
is a directory, mutating calls on the read-only socket (also from a raw
client that claims read-write), and raw packets that
tests/integration/bad_packets_check.py does not send (other message types,
oversized strings, dropped and stalled connections, a connection flood).

Usage: bad_input_check.py ROOT TAG   (prints one line per input tried)"""
import os
import socket
import struct
import sys
import time
import uuid as uuidlib

import libvirt

import vkrel

ROOT, TAG = sys.argv[1], sys.argv[2]
RW_SOCK = os.path.join(ROOT, "run", "virtkit-sock")
RO_SOCK = os.path.join(ROOT, "run", "virtkit-sock-ro")
with open("/etc/passwd") as f:
    PASSWD_MARK = f.readline().strip()  # e.g. root:x:0:0:root:/root:/bin/bash
failures = []
tried = 0
replies = []  # every error text and XML the daemon sent, searched for /etc/passwd


def check(cond, what):
    global tried
    tried += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def expect_error(what, fn, code, *texts):
    """fn() must raise a libvirt error with code whose message names each text."""
    try:
        r = fn()
        check(False, f"{what}: succeeded ({r}), expected error {code}")
        return None
    except libvirt.libvirtError as e:
        msg = str(e)
        replies.append(msg)
        ok = e.get_error_code() == code and all(t in msg for t in texts)
        check(ok, f"{what}: error {e.get_error_code()} {msg!r}" +
              ("" if ok else f" (expected {code} naming {texts})"))
        return e


conn = libvirt.open(vkrel.uri(ROOT))


def new_xml(name, desc="bad input", disk=None):
    return vkrel.domain_xml(name, str(uuidlib.uuid4()), desc, disk)


def inside_root(path):
    real = os.path.realpath(path)
    return real.startswith(os.path.realpath(ROOT) + os.sep)


# ---- XML bombs and external entities -------------------------------------
base = new_xml(TAG + "-xml")
lol = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
bomb = ('<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY lol0 "lol">' + lol + ']>' +
        base.replace("bad input", "&lol9;"))
xxe = ('<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
       base.replace("bad input", "&x;"))
ext_dtd = '<?xml version="1.0"?><!DOCTYPE domain SYSTEM "file:///etc/passwd">' + base
param = ('<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
         + base)
xml_cases = [("billion laughs (10^9 expansion)", bomb), ("external entity file:///etc/passwd", xxe),
             ("external DTD file:///etc/passwd", ext_dtd),
             ("external parameter entity", param)]
for what, doc in xml_cases:
    t0 = time.monotonic()
    expect_error(f"define {what}", lambda d=doc: conn.defineXML(d), libvirt.VIR_ERR_XML_ERROR,
                 "DOCTYPE")
    print(f"     (answered in {time.monotonic() - t0:.2f}s)")
expect_error("create (transient) with billion laughs", lambda: conn.createXML(bomb, 0),
             libvirt.VIR_ERR_XML_ERROR, "DOCTYPE")
expect_error("reference to an undeclared entity",
             lambda: conn.defineXML(base.replace("bad input", "&x;")),
             libvirt.VIR_ERR_XML_ERROR, "Entity 'x' not defined")
# XInclude is never processed: either refused, or kept inert.
xi = base.replace("bad input", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                  'href="file:///etc/passwd" parse="text"/>')
try:
    d = conn.defineXML(xi)
    x = d.XMLDesc(0)
    replies.append(x)
    check(PASSWD_MARK not in x, "XInclude of /etc/passwd accepted but not loaded")
    d.undefine()
except libvirt.libvirtError as e:
    replies.append(str(e))
    check("xi:include" in str(e), f"XInclude of /etc/passwd refused: {e}")
check(not any(c.name().startswith(TAG + "-xml") for c in conn.listAllDomains(0)),
      "no domain left by the XML attacks")

# ---- names -----------------------------------------------------------------
bad_names = [("a '/'", TAG + "-a/b", "must not contain '/'"),
             ("'..'", "..", "must not start with '.'"),
             ("'../escape'", "../" + TAG + "-escape", "must not start with '.'"),
             ("a newline", TAG + "-a\nb", "control characters"),
             ("10,000 characters", "n" * 10000, "10000 bytes long")]
for what, name, text in bad_names:
    expect_error(f"define a name with {what}", lambda n=name: conn.defineXML(new_xml(n)),
                 libvirt.VIR_ERR_INVALID_ARG, text)
    expect_error(f"create (transient) a name with {what}",
                 lambda n=name: conn.createXML(new_xml(n), 0), libvirt.VIR_ERR_INVALID_ARG, text)
    expect_error(f"look up a name with {what}", lambda n=name: conn.lookupByName(n),
                 libvirt.VIR_ERR_NO_DOMAIN)
# A newline in a name must not let a client forge lines of the daemon log.
FORGED = "2001-01-01 00:00:00.000 info: forged by a client"
expect_error("define a name carrying a forged log line",
             lambda: conn.defineXML(new_xml(TAG + "-x\n" + FORGED)), libvirt.VIR_ERR_INVALID_ARG,
             "control characters")
with open(os.path.join(ROOT, "daemon.log"), errors="replace") as f:
    check(not any(ln.startswith(FORGED) for ln in f),
          "the daemon log escapes control characters (no forged line)")
check(not os.path.exists(os.path.join(ROOT, "etc", TAG + "-escape.xml")),
      "no file written outside etc/qemu for '../'")
check(not os.path.exists(os.path.join(ROOT, "etc", "qemu", TAG + "-a")),
      "no directory made for a name with '/'")

# Legal names that need escaping in QEMU's argv and care in file names.
good_names = [TAG + "-a,b", TAG + '-q"uote', TAG + "-q'uote", TAG + "-sp ace",
              TAG + "-$(id);`id`|&"]
for name in good_names:
    try:
        d = conn.defineXML(new_xml(name))
        d.create()
    except libvirt.libvirtError as e:
        check(False, f"name {name!r}: define+start failed: {e}")
        continue
    uuid = d.UUIDString()
    procs = vkrel.qemu_processes({uuid}, "\0")
    check(d.state()[0] == libvirt.VIR_DOMAIN_RUNNING and len(procs) == 1,
          f"name {name!r}: running with one QEMU ({list(procs)})")
    if procs:
        with open(f"/proc/{next(iter(procs))}/cmdline", "rb") as f:
            argv = f.read().decode().split("\0")
        want = "guest=" + name.replace(",", ",,") + ",debug-threads=on"
        check(want in argv, f"name {name!r}: QEMU got -name {want!r}")
    files = [os.path.join(ROOT, "etc", "qemu", name + ".xml"),
             os.path.join(ROOT, "run", "qemu", name + ".status"),
             os.path.join(ROOT, "log", "qemu", name + ".log")]
    check(all(os.path.isfile(p) and inside_root(p) for p in files),
          f"name {name!r}: config, status and log files inside ROOT")
    check(d.name() == name and vkrel.written_fields(d.XMLDesc(0))["name"] == name,
          f"name {name!r}: dumpxml names it")
    d.destroy()
    d.undefine()
    check(not vkrel.qemu_processes({uuid}, "\0") and not os.path.exists(files[0]),
          f"name {name!r}: destroy and undefine leave no QEMU and no config")

# ---- disks -------------------------------------------------------------------
adir = os.path.join(ROOT, "a-dir,as-disk")
os.mkdir(adir)
d = conn.defineXML(new_xml(TAG + "-dirdisk", disk=adir))
e = expect_error("start with a disk that is a directory", d.create,
                 libvirt.VIR_ERR_INTERNAL_ERROR, adir)
check(d.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF and
      not vkrel.qemu_processes({d.UUIDString()}, "\0"),
      "failed start leaves the domain shut off and no QEMU")
d.undefine()
img = os.path.join(ROOT, "disk,with comma.img")
with open(img, "wb") as f:
    f.truncate(1 << 20)
d = conn.defineXML(new_xml(TAG + "-commadisk", disk=img))
try:
    d.create()
    check(d.state()[0] == libvirt.VIR_DOMAIN_RUNNING, "disk path with a comma: starts")
    d.destroy()
except libvirt.libvirtError as e:
    check(False, f"disk path with a comma: start failed: {e}")
d.undefine()

# ---- read-only socket ---------------------------------------------------------
keep = conn.defineXML(new_xml(TAG + "-keep"))
ro = libvirt.openReadOnly(vkrel.uri(ROOT, ro=True))
denied = libvirt.VIR_ERR_OPERATION_DENIED
expect_error("read-only: defineXML", lambda: ro.defineXML(new_xml(TAG + "-ro")), denied,
             "read only")
expect_error("read-only: create", lambda: ro.lookupByName(TAG + "-keep").create(), denied)
expect_error("read-only: undefine", lambda: ro.lookupByName(TAG + "-keep").undefine(), denied)
ro.close()
# A raw client on the read-only socket that claims read-write at CONNECT_OPEN.
r = vkrel.Raw(RO_SOCK)
check(r.open(flags=0), "raw read-write open on the read-only socket is answered")
dom_arg = vkrel.xdr_string(TAG + "-keep") + uuidlib.UUID(keep.UUIDString()).bytes + \
    struct.pack(">i", -1)
for what, proc, payload in [
        ("DOMAIN_DEFINE_XML", 11, vkrel.xdr_string(new_xml(TAG + "-ro"))),
        ("DOMAIN_CREATE", 9, dom_arg), ("DOMAIN_UNDEFINE", 35, dom_arg),
        ("DOMAIN_UNDEFINE_FLAGS", 231, dom_arg + struct.pack(">I", 0)),
        ("DOMAIN_CREATE_XML", 10, vkrel.xdr_string(new_xml(TAG + "-ro")) + struct.pack(">I", 0))]:
    x = r.call(proc, payload)
    got = vkrel.error_of(x) if x and x["status"] == vkrel.ERROR else None
    check(got is not None and got[0] == denied,
          f"raw {what} on the read-only socket opened read-write: {got}")
r.close()
check(keep.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF and
      {d.name() for d in conn.listAllDomains(0)} == {TAG + "-keep"},
      "read-only attempts changed nothing")

# ---- raw packets not in bad_packets_check.py ---------------------------------
r = vkrel.Raw(RW_SOCK, timeout=30)
r.open()
for what, kw, text in [("REPLY", dict(mtype=vkrel.REPLY), "message type"),
                       ("MESSAGE", dict(mtype=vkrel.MESSAGE), "message type"),
                       ("CALL_WITH_FDS without fds", dict(mtype=vkrel.CALL_WITH_FDS), "descriptor")]:
    x = r.call(3, **kw)
    got = vkrel.error_of(x) if x and x["status"] == vkrel.ERROR else None
    check(got is not None and got[0] == libvirt.VIR_ERR_RPC and text in got[1],
          f"message type {what} to GET_TYPE: {got}")
# STREAM packets for no stream (end, data): libvirtd ignores them; any answer
# is fine as long as the connection keeps serving calls.
for what, status in [("end", vkrel.OK), ("data", 2)]:
    r.send(vkrel.packet(3, 5000, b"junk" if status == 2 else b"", mtype=vkrel.STREAM,
                        status=status))
    x = r.call(3)
    while x is not None and x["serial"] == 5000:
        x = r.recv_packet()
    check(x is not None and x["status"] == vkrel.OK,
          f"STREAM {what} packet for no stream: the connection still serves")
# A CALL to the keepalive program (not a MESSAGE): an error reply from it.
r.send(vkrel.packet(7, 4242, prog=vkrel.KEEPALIVE))
x = r.recv_packet()
check(x is not None and x["serial"] == 4242 and x["status"] == vkrel.ERROR,
      f"keepalive program CALL of unknown procedure 7: error reply {x and vkrel.error_of(x)}")
x = r.call(1, struct.pack(">I", 1) + vkrel.xdr_string("qemu:///system") + struct.pack(">I", 0))
got = vkrel.error_of(x) if x and x["status"] == vkrel.ERROR else None
check(got is not None and got[0] == libvirt.VIR_ERR_INTERNAL_ERROR and "already open" in got[1],
      f"second CONNECT_OPEN on one connection refused like libvirtd "
      f"(VIR_ERR_INTERNAL_ERROR 'connection already open'): {got}")
for what, payload in [
        ("a 5 MiB string (limit 4 MiB)", vkrel.xdr_string("x" * (5 << 20))),
        ("a string filling a 16 MiB packet", vkrel.xdr_string("x" * ((16 << 20) - 100))),
        ("a string length of 4 GiB", struct.pack(">I", 0xFFFFFFFF)),
        ("a string length past the packet", struct.pack(">I", 64) + b"<dom")]:
    x = r.call(11, payload)
    got = vkrel.error_of(x) if x and x["status"] == vkrel.ERROR else None
    check(got is not None and got[0] == libvirt.VIR_ERR_RPC and "decode" in got[1],
          f"DOMAIN_DEFINE_XML with {what}: {got and got[1][:90]}")
x = r.call(273, struct.pack(">iI", 0x7FFFFFFF, 0xFFFFFFFF))
check(x is not None and x["status"] == vkrel.OK, "LIST_ALL_DOMAINS asking 2^31-1 results, all flags")
x = r.call(273, struct.pack(">iI", -1, 0))
check(x is not None and x["status"] == vkrel.OK, "LIST_ALL_DOMAINS with need_results -1")
x = r.call(3)
check(x is not None and x["status"] == vkrel.OK, "the abused connection still answers")

# Clients that vanish with calls in flight, stall mid-packet, or flood.
for i in range(60):
    v = vkrel.Raw(RW_SOCK)
    v.open()
    v.send(b"".join(vkrel.packet(p, 100 + k, a) for k, (p, a) in enumerate(
        [(7, b""), (273, struct.pack(">iI", 1, 3)), (14, dom_arg + struct.pack(">I", 0))] * 5)))
    if i % 2:
        v.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    v.close()
check(r.call(3) is not None, "60 clients that hung up with 15 calls in flight each")
stalled = []
for i in range(40):
    v = vkrel.Raw(RW_SOCK)
    v.send(vkrel.packet(3, 1)[:[2, 4, 10, 27][i % 4]])
    stalled.append(v)
flood = [vkrel.Raw(RW_SOCK) for _ in range(300)]
t = vkrel.Raw(RW_SOCK, timeout=30)
check(t.open() and t.call(3)["status"] == vkrel.OK,
      "a new client is served beside 40 stalled half-packets and 300 idle connections")
for v in stalled + flood:
    v.close()
t.close()
r.close()

# Nothing read /etc/passwd into any reply or the log.
with open(os.path.join(ROOT, "daemon.log"), errors="replace") as f:
    log = f.read()
check(PASSWD_MARK not in log and not any(PASSWD_MARK in s for s in replies),
      f"/etc/passwd content ({PASSWD_MARK.split(':')[0]}:...) in no reply and not in the log")
keep.undefine()
conn.close()
print(f"bad input: {tried} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
