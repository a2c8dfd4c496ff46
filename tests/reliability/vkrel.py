"""Shared helpers of the reliability tests: test domain XML, connection-loss
classification for python3-libvirt, a scan of QEMU processes by uuid, and
(re-exported) the raw protocol client of tests/lib/vkwire.py."""
import os
import sys
import time
import xml.etree.ElementTree as ET

import libvirt

# libvirt prints every error on stderr by default; the tests report their own.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

# The raw protocol client lives in tests/lib/vkwire.py; re-exported here.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from vkwire import *  # noqa: E402,F401,F403


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
