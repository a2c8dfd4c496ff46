#!/usr/bin/python3
"""python3-libvirt against virtkitd for hot-plugged interfaces: device-added
and device-removed callbacks (libvirt's event ids and arguments) fire for a
bridge interface attached and detached live with attachDeviceFlags /
detachDeviceFlags; interfaceStats and getAllDomainStats report its tap's
counters; a user interface's interfaceStats raises libvirtError.

usage: netif_python.py URI DOMAIN"""
import sys
import threading

import libvirt

uri, name = sys.argv[1], sys.argv[2]
libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
events = []
cond = threading.Condition()


def on_added(c, d, alias, opaque):
    with cond:
        events.append(("added", d.name(), alias))
        cond.notify_all()


def on_removed(c, d, alias, opaque):
    with cond:
        events.append(("removed", d.name(), alias))
        cond.notify_all()


conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, on_added, None)
conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_removed, None)


def wait_event(ev):
    with cond:
        if not cond.wait_for(lambda: ev in events, timeout=120):
            sys.exit("no event %r; got %r" % (ev, events))


LIVE = libvirt.VIR_DOMAIN_AFFECT_LIVE
br = ("<interface type='bridge'><mac address='52:54:00:79:00:02'/>"
      "<source bridge='br0'/><model type='virtio'/></interface>")
dom.attachDeviceFlags(br, LIVE)
wait_event(("added", name, "net0"))
xml = dom.XMLDesc(0)
assert "<target dev='vnet0'/>" in xml, xml
st = dom.interfaceStats("vnet0")
assert len(st) == 8 and all(v >= 0 for v in st), st
st2 = dom.interfaceStats("52:54:00:79:00:02")
assert len(st2) == 8, st2
recs = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_INTERFACE)
rec = [r for d, r in recs if d.name() == name][0]
assert rec["net.count"] == 1 and rec["net.0.name"] == "vnet0", rec
assert "net.0.rx.bytes" in rec and "net.0.tx.pkts" in rec, rec

user = ("<interface type='user'><mac address='52:54:00:79:00:03'/>"
        "<model type='virtio'/></interface>")
dom.attachDeviceFlags(user, LIVE)
wait_event(("added", name, "net1"))
try:
    dom.interfaceStats("52:54:00:79:00:03")
    sys.exit("interfaceStats of a user interface succeeded")
except libvirt.libvirtError as e:
    assert "user-mode" in str(e), str(e)

dom.detachDeviceFlags(br, LIVE)
wait_event(("removed", name, "net0"))
assert "52:54:00:79:00:02" not in dom.XMLDesc(0), "the detached NIC is still in the live XML"
dom.detachDeviceFlags(user, LIVE)
wait_event(("removed", name, "net1"))
try:
    dom.detachDeviceFlags(user, LIVE)
    sys.exit("a second detach succeeded")
except libvirt.libvirtError as e:
    assert "52:54:00:79:00:03" in str(e), str(e)
print("python ok")
