"""Shared helpers of the reliability tests: test domain XML, connection-loss
classification for python3-libvirt, a scan of QEMU processes by uuid, and a
tiny raw-socket client of the libvirt remote protocol (for bad packets)."""
import os
import socket
import struct
import time
import xml.etree.ElementTree as ET

import libvirt

# libvirt prints every error on stderr by default; the tests report their own.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

PROG, KEEPALIVE = 0x20008086, 0x6B656570
CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS = 0, 1, 2, 3, 4
OK, ERROR = 0, 1


def uri(root, ro=False):
    sock = os.path.join(root, "run", "virtkit-sock-ro" if ro else "virtkit-sock")
    return "qemu+unix:///system?socket=" + sock


def domain_xml(name, uuid, description, disk=None):
    """A small real domain: TCG, 64 MiB, no disks unless one is given."""
    devices = ""
    if disk:
        devices = ("<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                   f"<source file='{disk}'/><target dev='vda' bus='virtio'/></disk></devices>")
    root = ET.Element("domain", type="qemu")
    ET.SubElement(root, "name").text = name
    ET.SubElement(root, "uuid").text = uuid
    ET.SubElement(root, "description").text = description
    ET.SubElement(root, "memory", unit="KiB").text = "65536"
    ET.SubElement(root, "vcpu").text = "1"
    os_el = ET.SubElement(root, "os")
    ET.SubElement(os_el, "type", arch="x86_64", machine="pc").text = "hvm"
    text = ET.tostring(root, encoding="unicode")
    if devices:
        text = text.replace("</domain>", devices + "</domain>")
    return text


def written_fields(xml):
    """The fields a test client writes, read back from a domain's XML."""
    root = ET.fromstring(xml)
    mem = root.find("memory")
    kib = int(mem.text) * {"KiB": 1, "MiB": 1024, "GiB": 1024 * 1024}[mem.get("unit", "KiB")]
    return dict(type=root.get("type"), name=root.findtext("name"), uuid=root.findtext("uuid"),
                description=root.findtext("description"), memory_kib=kib,
                vcpu=int(root.findtext("vcpu")),
                os_type=root.findtext("os/type"), arch=root.find("os/type").get("arch"))


def connection_lost(conn, err):
    """True when a failed call failed because the daemon went away (the
    connection is dead), as opposed to an error the daemon answered."""
    if conn is None:
        return True
    try:
        if conn.isAlive() == 1:
            return False
    except libvirt.libvirtError:
        pass
    return err.get_error_domain() == libvirt.VIR_FROM_RPC or \
        err.get_error_code() in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC,
                                 libvirt.VIR_ERR_INTERNAL_ERROR)


def open_retry(u, deadline_s=60):
    """Opens a connection, retrying while the daemon is down (bounded)."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            return libvirt.open(u)
        except libvirt.libvirtError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def qemu_processes(uuids, name_prefix):
    """{pid: uuid-or-None} of live QEMUs whose command line carries one of
    the uuids or a guest name starting with name_prefix."""
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{d}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if not argv or b"qemu-system" not in argv[0] or state == "Z":
            continue
        args = [a.decode(errors="replace") for a in argv]
        uuid = args[args.index("-uuid") + 1] if "-uuid" in args[:-1] else None
        named = any(a.startswith("guest=" + name_prefix) for a in args)
        if uuid in uuids or named:
            found[int(d)] = uuid
    return found


def kill_pids(pids):
    for p in pids:
        try:
            os.kill(p, 9)
        except OSError:
            pass


# ---- raw protocol ---------------------------------------------------------

def xdr_string(s):
    b = s if isinstance(s, bytes) else s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def packet(proc, serial, payload=b"", prog=PROG, vers=1, mtype=CALL, status=OK):
    body = struct.pack(">IIiIII", prog, vers, proc, mtype, serial, status) + payload
    return struct.pack(">I", len(body) + 4) + body


class Raw:
    """One raw connection; call() returns the reply dict or None when the
    server closed the connection."""

    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        end = time.monotonic() + timeout
        while True:
            try:
                self.s.connect(path)
                break
            except BlockingIOError:
                # The listen backlog is full: the daemon has not accepted
                # the previous connections yet.
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)
        self.serial = 0

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except (ConnectionResetError, BrokenPipeError):
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv_packet(self):
        head = self.recv_exact(4)
        if head is None:
            return None
        (length,) = struct.unpack(">I", head)
        body = self.recv_exact(length - 4)
        if body is None:
            return None
        prog, vers, proc, mtype, serial, status = struct.unpack(">IIiIII", body[:24])
        return dict(prog=prog, vers=vers, proc=proc, type=mtype, serial=serial,
                    status=status, payload=body[24:])

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except (ConnectionResetError, BrokenPipeError):
            return False

    def call(self, proc, payload=b"", **kw):
        self.serial += 1
        if not self.send(packet(proc, self.serial, payload, **kw)):
            return None
        while True:
            r = self.recv_packet()
            if r is None or r["prog"] != KEEPALIVE:
                return r

    def open(self, flags=0):
        r1 = self.call(66)
        r2 = self.call(1, struct.pack(">I", 1) + xdr_string("qemu:///system") +
                       struct.pack(">I", flags))
        return r1 is not None and r1["status"] == OK and r2 is not None and r2["status"] == OK

    def closed_by_server(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def error_of(r):
    """(code, message) of an error reply."""
    p = r["payload"]
    code, _domain, has_msg = struct.unpack(">iiI", p[:12])
    msg = ""
    if has_msg:
        (n,) = struct.unpack(">I", p[12:16])
        msg = p[16:16 + n].decode(errors="replace")
    return code, msg
