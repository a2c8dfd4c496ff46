#!/usr/bin/python3
"""Stock python3-libvirt against virtkitd on virt-install's XML.

Usage: compat_python_check.py URI FIXTURE_DIR NAME=XMLFILE...
For each domain: defineXML(the file), info() as libvirt gives it shut off
(values from the fixture), create(), info()/ID()/state() running, XMLDesc()
carries what virt-install wrote, destroy(), state() reason, undefine(), gone.
"""
import os
import sys
import xml.etree.ElementTree as ET

import libvirt

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def expected(fixture_xml):
    """memory (KiB), vcpus, uuid, macs, disk targets from virt-install's XML."""
    root = ET.parse(fixture_xml).getroot()
    return {
        "uuid": root.findtext("uuid").strip(),
        "memory": int(root.findtext("memory")),
        "current": int(root.findtext("currentMemory")),
        "vcpu": int(root.findtext("vcpu")),
        "macs": [m.get("address") for m in root.findall("devices/interface/mac")],
        "targets": [t.get("dev") for t in root.findall("devices/disk/target")],
        "graphics": [g.get("type") for g in root.findall("devices/graphics")],
    }


def one(conn, name, xmlfile, fixture_dir):
    want = expected(os.path.join(fixture_dir, name + ".xml"))
    with open(xmlfile, encoding="utf-8") as f:
        dom = conn.defineXML(f.read())
    check(dom.name() == name, f"{name}: defineXML returned domain '{dom.name()}'")
    check(dom.UUIDString() == want["uuid"], f"{name}: UUID {dom.UUIDString()} != {want['uuid']}")
    check(dom.isPersistent() == 1, f"{name}: not persistent after defineXML")
    check(dom.isActive() == 0, f"{name}: active right after defineXML")
    check(dom.ID() == -1, f"{name}: ID() of an inactive domain is {dom.ID()}, libvirt gives -1")
    info = dom.info()
    check(info[:4] == [libvirt.VIR_DOMAIN_SHUTOFF, want["memory"], want["current"], want["vcpu"]],
          f"{name}: info() shut off is {info}, expected "
          f"[SHUTOFF=5, {want['memory']}, {want['current']}, {want['vcpu']}, 0]")
    check(info[4] == 0, f"{name}: cpuTime {info[4]} of a domain that never ran")
    check(dom.autostart() == 0, f"{name}: autostart() {dom.autostart()}")
    check(dom.hasManagedSaveImage() == 0, f"{name}: hasManagedSaveImage()")
    check(conn.lookupByUUIDString(want["uuid"]).name() == name, f"{name}: lookupByUUIDString")

    check(dom.create() == 0, f"{name}: create()")
    info = dom.info()
    check(info[0] == libvirt.VIR_DOMAIN_RUNNING, f"{name}: info()[0] after create is {info[0]}")
    check(info[1:4] == [want["memory"], want["current"], want["vcpu"]],
          f"{name}: info() running is {info}")
    check(dom.ID() > 0, f"{name}: ID() {dom.ID()} of a running domain")
    check(dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED],
          f"{name}: state() {dom.state()}, expected [RUNNING, BOOTED]")
    check(dom.ID() in conn.listDomainsID(), f"{name}: ID not in listDomainsID()")

    desc = dom.XMLDesc(0)
    root = ET.fromstring(desc)
    check(root.get("id") == str(dom.ID()), f"{name}: XMLDesc <domain id> {root.get('id')} != ID()")
    check(root.findtext("name") == name, f"{name}: XMLDesc name")
    check(root.findtext("uuid") == want["uuid"], f"{name}: XMLDesc uuid")
    macs = [m.get("address") for m in root.findall("devices/interface/mac")]
    check(macs == want["macs"], f"{name}: XMLDesc MACs {macs} != {want['macs']}")
    targets = [t.get("dev") for t in root.findall("devices/disk/target")]
    check(targets == want["targets"], f"{name}: XMLDesc disk targets {targets} != {want['targets']}")
    gfx = [g.get("type") for g in root.findall("devices/graphics")]
    check(gfx == want["graphics"], f"{name}: XMLDesc graphics {gfx} != {want['graphics']}")
    inactive = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    check(inactive.get("id") is None, f"{name}: XMLDesc(INACTIVE) carries id='{inactive.get('id')}'")

    check(dom.destroy() == 0, f"{name}: destroy()")
    check(dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED],
          f"{name}: state() after destroy {dom.state()}, expected [SHUTOFF, DESTROYED]")
    check(dom.ID() == -1, f"{name}: ID() after destroy {dom.ID()}")

    check(dom.undefine() == 0, f"{name}: undefine()")
    try:
        conn.lookupByName(name)
        check(False, f"{name}: lookupByName still finds it after undefine()")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN,
              f"{name}: lookup after undefine: error code {e.get_error_code()} ({e}), "
              f"expected VIR_ERR_NO_DOMAIN")


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    libvirt.registerErrorHandler(lambda ctx, err: None, None)  # errors are checked, not printed
    conn = libvirt.open(argv[1])
    check(conn.getType() == "QEMU", f"getType() {conn.getType()}")
    for arg in argv[3:]:
        name, _, xmlfile = arg.partition("=")
        try:
            one(conn, name, xmlfile, argv[2])
        except libvirt.libvirtError as e:
            check(False, f"{name}: libvirt error: {e}")
    conn.close()
    if FAILS:
        return 1
    print(f"PASS: python3-libvirt define/create/info/XMLDesc/destroy/undefine on {len(argv) - 3} domains")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
