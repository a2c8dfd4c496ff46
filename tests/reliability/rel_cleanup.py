"""Destroys and undefines every domain of this run (name starts with TAG).
Usage: rel_cleanup.py ROOT TAG"""
import sys

import libvirt

import vkrel

conn = vkrel.open_retry(vkrel.uri(sys.argv[1]), 60)
for d in conn.listAllDomains(0):
    if not d.name().startswith(sys.argv[2]):
        continue
    if d.isActive():
        d.destroy()
    if d.isPersistent():
        d.undefine()
left = [d.name() for d in conn.listAllDomains(0)]
conn.close()
if left:
    print("FAIL: domains left after cleanup:", left, file=sys.stderr)
sys.exit(1 if left else 0)
