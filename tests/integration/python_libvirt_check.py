"""python3-libvirt against virtkitd: the calls scripts and virt-manager make.
Usage: python_libvirt_check.py URI ROOT (ROOT holds vk-py.xml, vk-pytrans.xml)."""
import sys

import libvirt

uri, root = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("CHECK failed:", what, file=sys.stderr)


def read(name):
    with open(f"{root}/{name}") as f:
        return f.read()


conn = libvirt.open(uri)
check(conn.getType() == "QEMU", f"getType {conn.getType()!r}")
check(conn.getURI().startswith("qemu+unix:///system"), f"getURI {conn.getURI()!r}")
check(conn.getLibVersion() == 9000000, f"getLibVersion {conn.getLibVersion()}")
check(conn.getVersion() >= 7000000, f"getVersion {conn.getVersion()}")
caps = conn.getCapabilities()
check("<os_type>hvm</os_type>" in caps and "<domain type='qemu'/>" in caps,
      "capabilities lack hvm guest with domain type qemu")
check(conn.listAllDomains() == [], "fresh daemon lists domains")

dom = conn.defineXML(read("vk-py.xml"))
check(dom.name() == "vk-py", "defineXML name")
check(dom.ID() == -1, "inactive ID is -1")
names = [d.name() for d in conn.listAllDomains()]
check(names == ["vk-py"], f"listAllDomains {names}")
check([d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)] == [],
      "no active domains yet")

d = conn.lookupByName("vk-py")
check(d.UUIDString() == dom.UUIDString(), "lookupByName uuid")
state, maxmem, mem, ncpu, _ = d.info()
check(state == libvirt.VIR_DOMAIN_SHUTOFF, f"info state {state}")
check(maxmem == 65536 and mem == 65536 and ncpu == 1, f"info mem {maxmem} {mem} {ncpu}")
check("<name>vk-py</name>" in d.XMLDesc(0), "XMLDesc name")
check(d.isPersistent() == 1 and d.isActive() == 0, "persistent, inactive")

d.create()
check(d.isActive() == 1, "active after create()")
d2 = conn.lookupByUUIDString(dom.UUIDString())
check(d2.ID() > 0, f"running ID {d2.ID()}")
check(conn.lookupByID(d2.ID()).name() == "vk-py", "lookupByID")
check(d2.info()[0] == libvirt.VIR_DOMAIN_RUNNING, "info running")
check(d2.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED],
      f"state {d2.state()}")
check(conn.listDomainsID() == [d2.ID()], f"listDomainsID {conn.listDomainsID()}")
check(conn.numOfDomains() == 1 and conn.numOfDefinedDomains() == 0, "numOf(Defined)Domains")
check(conn.listDefinedDomains() == [], "listDefinedDomains while running")
check(conn.getInfo()[2] >= 1, "getInfo cpus")
check(conn.isSecure() == 1, "isSecure")
active = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
check([x.name() for x in active] == ["vk-py"], "listAllDomains active")

t = conn.createXML(read("vk-pytrans.xml"), 0)
check(t.ID() > 0 and t.isPersistent() == 0, "transient domain running")
t.destroy()
try:
    conn.lookupByName("vk-pytrans")
    check(False, "transient domain still exists after destroy")
except libvirt.libvirtError as e:
    check(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, f"lookup error code {e.get_error_code()}")

d2.destroy()
check(d2.isActive() == 0, "inactive after destroy")
check(conn.listDefinedDomains() == ["vk-py"], f"listDefinedDomains {conn.listDefinedDomains()}")
check(conn.listDomainsID() == [], "no ids after destroy")
try:
    conn.lookupByName("no-such-domain")
    check(False, "lookup of a missing domain succeeded")
except libvirt.libvirtError as e:
    check(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, "missing domain -> VIR_ERR_NO_DOMAIN")
    check("no-such-domain" in str(e), f"error names the domain: {e}")
d2.undefine()
check(conn.listAllDomains() == [], "empty after undefine")
conn.close()
print("python3-libvirt checks:", "FAIL" if failures else "OK")
sys.exit(1 if failures else 0)
