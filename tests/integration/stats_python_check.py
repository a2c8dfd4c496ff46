"""python3-libvirt checks of feature "stats" (run by stats_python.sh)."""
import sys
import xml.etree.ElementTree as ET

import libvirt

uri, root = sys.argv[1], sys.argv[2]
conn = libvirt.open(uri)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='{root}/disk.raw'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>
    </disk>
  </devices>
</domain>"""

doms = {n: conn.defineXML(XML.format(name=n, root=root)) for n in ("py-a", "py-b", "py-c")}
try:
    doms["py-a"].create()
    doms["py-b"].create()

    # one call, every domain
    stats = {d.name(): s for d, s in conn.getAllDomainStats()}
    check(set(stats) == set(doms), "getAllDomainStats lists all three: %s" % sorted(stats))
    for n in ("py-a", "py-b"):
        s = stats.get(n, {})
        check(s.get("state.state") == libvirt.VIR_DOMAIN_RUNNING, n + " running")
        check(s.get("cpu.time", 0) > 0, n + " cpu.time > 0")
        for key in ("balloon.current", "balloon.maximum", "vcpu.current", "vcpu.maximum",
                    "block.count", "block.0.name", "block.0.rd.reqs", "net.count"):
            check(key in s, "%s has %s" % (n, key))
        check(s.get("balloon.maximum") == 65536, n + " balloon.maximum")
        check(s.get("vcpu.maximum") == 2 and s.get("vcpu.current") == 1, n + " vcpu counts")
        check(s.get("block.0.path") == root + "/disk.raw", n + " block.0.path")
    c = stats.get("py-c", {})
    check(c.get("state.state") == libvirt.VIR_DOMAIN_SHUTOFF, "py-c shut off")
    check("cpu.time" not in c, "py-c reports no cpu.time")

    # groups and filters
    only = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE,
                                  libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
    check(sorted(d.name() for d, _ in only) == ["py-a", "py-b"], "ACTIVE filter")
    check(all(set(s) == {"state.state", "state.reason"} for _, s in only), "STATE group only")
    listed = conn.domainListGetStats([doms["py-c"]], libvirt.VIR_DOMAIN_STATS_VCPU)
    check(len(listed) == 1 and listed[0][1].get("vcpu.maximum") == 2, "domainListGetStats")
    try:
        conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_PERF,
                               libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
        check(False, "ENFORCE_STATS with perf must fail")
    except libvirt.libvirtError as e:
        check("not supported" in str(e), "ENFORCE_STATS error names the fault: %s" % e)

    a = doms["py-a"]
    mem = a.memoryStats()
    check(mem.get("actual") == 65536, "memoryStats actual: %s" % mem)
    check(mem.get("rss", 0) > 0, "memoryStats rss")
    bs = a.blockStats("vda")
    check(len(bs) == 5 and bs[0] >= 0 and bs[2] == 0, "blockStats: %s" % (bs,))
    bsf = a.blockStatsFlags("vda")
    check("rd_operations" in bsf and "wr_bytes" in bsf, "blockStatsFlags: %s" % bsf)
    info, maps = a.vcpus()
    check(len(info) == 1 and info[0][1] == libvirt.VIR_VCPU_RUNNING, "vcpus: %s" % (info,))
    check(a.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_MAXIMUM) == 2, "vcpusFlags maximum")
    check(a.maxVcpus() == 2, "maxVcpus")
    check(a.maxMemory() == 65536, "maxMemory")
    total = a.getCPUStats(True)
    check(total and total[0].get("cpu_time", 0) > 0, "getCPUStats total: %s" % total)

    cdom = doms["py-c"]
    cdom.setMemoryFlags(40960, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    cdom.setMemoryFlags(131072, libvirt.VIR_DOMAIN_AFFECT_CONFIG | libvirt.VIR_DOMAIN_MEM_MAXIMUM)
    cdom.setVcpusFlags(3, libvirt.VIR_DOMAIN_AFFECT_CONFIG | libvirt.VIR_DOMAIN_VCPU_MAXIMUM)
    x = ET.fromstring(cdom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    check(x.findtext("currentMemory") == "40960", "currentMemory after setMemoryFlags")
    check(x.findtext("memory") == "131072", "memory after MEM_MAXIMUM")
    check(x.find("vcpu").text == "3" and x.find("vcpu").get("current") == "1",
          "vcpu after setVcpusFlags maximum")
    try:
        cdom.setVcpusFlags(5, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        check(False, "setVcpusFlags above the maximum must fail")
    except libvirt.libvirtError as e:
        check("above its maximum" in str(e), "vcpu error names the fault: %s" % e)
finally:
    for d in doms.values():
        try:
            if d.isActive():
                d.destroy()
            d.undefine()
        except libvirt.libvirtError:
            pass
    conn.close()

sys.exit(1 if failures else 0)
