#!/usr/bin/python3
"""python3-libvirt's event loop against virtkitd: a lifecycle callback
registered for all domains sees define, start, suspend, resume, destroy and
undefine of a real domain, in order, with libvirt's detail codes; a callback
filtered to another domain sees nothing; deregistering stops delivery.

usage: events_python.py URI XMLFILE"""
import sys
import threading
import time

import libvirt

uri, xmlfile = sys.argv[1], sys.argv[2]
libvirt.virEventRegisterDefaultImpl()


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()

conn = libvirt.open(uri)
got = []
other = []
cond = threading.Condition()


def cb(c, dom, event, detail, opaque):
    with cond:
        opaque.append((dom.name(), event, detail))
        cond.notify_all()


def wait_for(n, what):
    # Bounded wait for a count, not a timing assertion.
    with cond:
        if not cond.wait_for(lambda: len(got) >= n, timeout=60):
            sys.exit("FAIL: waited for %s; events so far: %r" % (what, got))


xml = open(xmlfile).read()
all_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, got)
# A filter on a domain that is not the one we drive: must never fire.
decoy = conn.defineXML(xml.replace("<name>vk-pyev</name>", "<name>vk-decoy</name>"))
other_id = conn.domainEventRegisterAny(decoy, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, other)
wait_for(1, "decoy defined")
del got[:]
reboots = []


def reboot_cb(c, dom, opaque):
    with cond:
        reboots.append(dom.name())
        cond.notify_all()


# REBOOT fires on a machine reset; the other ids register and never fire.
extra = [conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, reboot_cb, None)]
for eid in (libvirt.VIR_DOMAIN_EVENT_ID_RTC_CHANGE, libvirt.VIR_DOMAIN_EVENT_ID_WATCHDOG,
            libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED):
    extra.append(conn.domainEventRegisterAny(None, eid, lambda *a: None, None))

dom = conn.defineXML(xml)
wait_for(1, "DEFINED")
dom.create()
wait_for(2, "STARTED")
# virDomainReset: the machine resets in place (no lifecycle event), and the
# REBOOT callback hears of it.
dom.reset(0)
with cond:
    if not cond.wait_for(lambda: reboots, timeout=60):
        sys.exit("FAIL: no reboot event after reset")
if set(reboots) != {"vk-pyev"} or dom.ID() < 1 or not dom.isActive():
    sys.exit("FAIL: reset: reboots %r, active %r" % (reboots, dom.isActive()))
try:
    dom.reset(1)
    sys.exit("FAIL: reset with flags 1 succeeded")
except libvirt.libvirtError as e:
    if "flags" not in str(e):
        sys.exit("FAIL: reset flags error does not name them: %s" % e)
dom.suspend()
wait_for(3, "SUSPENDED")
dom.resume()
wait_for(4, "RESUMED")
dom.destroy()
wait_for(5, "STOPPED")
dom.undefine()
wait_for(6, "UNDEFINED")

E = libvirt
want = [
    ("vk-pyev", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED),
    ("vk-pyev", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
    ("vk-pyev", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
    ("vk-pyev", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
    ("vk-pyev", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
    ("vk-pyev", E.VIR_DOMAIN_EVENT_UNDEFINED, E.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
]
if got[:6] != want:
    sys.exit("FAIL: events %r, expected %r" % (got, want))
if other:
    sys.exit("FAIL: the callback filtered to vk-decoy got %r" % other)

# After deregistering, nothing more arrives (a marker callback registered
# later proves events still flow).
conn.domainEventDeregisterAny(all_id)
marker = []
mid = conn.domainEventRegisterAny(None, E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, marker)
decoy.undefine()
with cond:
    if not cond.wait_for(lambda: marker, timeout=60):
        sys.exit("FAIL: no event after re-registering")
if len(got) != 6:
    sys.exit("FAIL: deregistered callback still got %r" % got[6:])
if other != [("vk-decoy", E.VIR_DOMAIN_EVENT_UNDEFINED, E.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)]:
    sys.exit("FAIL: decoy filter got %r" % other)

# Deregistering an unknown callback is an error, not a crash.
try:
    conn.domainEventDeregisterAny(12345)
    sys.exit("FAIL: deregistering an unknown callback succeeded")
except libvirt.libvirtError:
    pass
for i in extra + [mid, other_id]:
    conn.domainEventDeregisterAny(i)
conn.close()
print("PASS: python3-libvirt events")
