#!/usr/bin/python3
"""Feature "save" through python3-libvirt: dom.save / conn.restore /
conn.restoreFlags(PAUSED), managedSave / hasManagedSaveImage /
managedSaveRemove, jobInfo / jobStats with no job, abortJob error, and
listAllDomains(MANAGEDSAVE). Args: URI ROOT."""
import os
import sys

import libvirt

uri, root = sys.argv[1], sys.argv[2]
conn = libvirt.open(uri)
libvirt.registerErrorHandler(lambda *a: None, None)


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


xml = """<domain type='qemu'><name>py-save</name><memory unit='MiB'>64</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"""
dom = conn.defineXML(xml)
dom.create()
img = os.path.join(root, "py.img")

check(dom.jobInfo()[0] == libvirt.VIR_DOMAIN_JOB_NONE, "jobInfo type none when idle")
check(dom.jobStats().get("type") == libvirt.VIR_DOMAIN_JOB_NONE, "jobStats type none when idle")
try:
    dom.abortJob()
    check(False, "abortJob without a job must fail")
except libvirt.libvirtError as e:
    check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID, "abortJob error code: %s" % e)

dom.save(img)
check(dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SAVED],
      "state after save: %s" % dom.state())
with open(img, "rb") as f:
    check(f.read(11) == b"VirtKitSave", "image header")
conn.restore(img)
check(dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_RESTORED],
      "state after restore: %s" % dom.state())
dom.saveFlags(img, None, libvirt.VIR_DOMAIN_SAVE_PAUSED)
conn.restoreFlags(img, None, 0)
check(dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED, "saved with PAUSED restores paused: %s" % dom.state())
dom.resume()
try:
    conn.restore(img)
    check(False, "restoring over a running domain must fail")
except libvirt.libvirtError as e:
    check("already active" in str(e), "restore over running: %s" % e)

dom.managedSave()
check(dom.hasManagedSaveImage() == 1, "hasManagedSaveImage after managedSave")
names = [d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)]
check(names == ["py-save"], "listAllDomains(MANAGEDSAVE): %s" % names)
try:
    dom.undefine()
    check(False, "undefine with a managed save image must fail without the flag")
except libvirt.libvirtError as e:
    check("managed save image exists" in str(e), "undefine refusal: %s" % e)
dom.create()
check(dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_RESTORED],
      "start from managed save: %s" % dom.state())
check(dom.hasManagedSaveImage() == 0, "image removed after start")
dom.managedSave()
dom.managedSaveRemove()
check(dom.hasManagedSaveImage() == 0, "managedSaveRemove")
dom.create()
check(dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED],
      "start after managedSaveRemove boots: %s" % dom.state())
dom.managedSave()
dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
check(not os.path.exists(os.path.join(root, "lib/qemu/save/py-save.save")),
      "undefine --managed-save removes the image")
print("PASS: python3-libvirt save checks")
