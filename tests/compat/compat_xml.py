#!/usr/bin/python3
"""Domain XML comparisons for the compat suite (run with /usr/bin/python3).

  compat_xml.py keys FILE
      prints the key fields of a domain XML, one "field=value" a line
  compat_xml.py same-keys EXPECTED GOT
      exit 1 (listing each field) unless GOT carries every key field of EXPECTED
      with the same value: what virt-install wrote must survive define + dumpxml
  compat_xml.py vs-libvirt INPUT LIBVIRT GOT
      compares with libvirt's own dumpxml of the same INPUT: exit 1 on a key
      field that differs (machine excepted: libvirt expands the alias), then
      prints, without failing, the defaults libvirt added that GOT lacks
  compat_xml.py rewrite IN OUT key=value...
      writes a copy of IN with kernel=, initrd=, disk=PATH (every file disk's
      source) or serial-file=PATH (the <console type='pty'/> becomes a file
      serial) changed; nothing else is touched
"""
import re
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

UNITS = {"b": 1, "bytes": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024**2,
         "mib": 1024**2, "mb": 1000**2, "g": 1024**3, "gib": 1024**3, "gb": 1000**3}


def kib(el):
    if el is None:
        return None
    unit = (el.get("unit") or "KiB").lower()
    return str(int(el.text.strip()) * UNITS[unit] // 1024)


def text(root, path):
    el = root.find(path)
    return None if el is None or el.text is None else el.text.strip()


def keys(path):
    """Ordered (field, value) pairs; a device field is numbered by its position."""
    root = ET.parse(path).getroot()
    if root.tag != "domain":
        raise SystemExit(f"{path}: root element is <{root.tag}>, not <domain>")
    out = [("type", root.get("type")), ("name", text(root, "name")),
           ("uuid", text(root, "uuid")), ("memory", kib(root.find("memory"))),
           ("currentMemory", kib(root.find("currentMemory"))), ("vcpu", text(root, "vcpu"))]
    ostype = root.find("os/type")
    out += [("os/type", ostype.text.strip() if ostype is not None else None),
            ("os/type@arch", ostype.get("arch") if ostype is not None else None),
            ("os/type@machine", ostype.get("machine") if ostype is not None else None),
            ("os/kernel", text(root, "os/kernel")), ("os/initrd", text(root, "os/initrd")),
            ("os/cmdline", text(root, "os/cmdline"))]
    cpu = root.find("cpu")
    if cpu is not None and cpu.find("model") is not None:
        out.append(("cpu/model", cpu.find("model").text.strip()))
    dev = root.find("devices")
    devs = [] if dev is None else list(dev)
    for i, d in enumerate(x for x in devs if x.tag == "disk"):
        src = d.find("source")
        tgt = d.find("target")
        drv = d.find("driver")
        out += [(f"disk[{i}]@device", d.get("device")),
                (f"disk[{i}]/source", None if src is None else
                 src.get("file") or src.get("dev") or src.get("name")),
                (f"disk[{i}]/driver@type", None if drv is None else drv.get("type")),
                (f"disk[{i}]/target@dev", None if tgt is None else tgt.get("dev")),
                (f"disk[{i}]/target@bus", None if tgt is None else tgt.get("bus"))]
    for i, n in enumerate(x for x in devs if x.tag == "interface"):
        mac = n.find("mac")
        model = n.find("model")
        out += [(f"interface[{i}]@type", n.get("type")),
                (f"interface[{i}]/mac", None if mac is None else mac.get("address")),
                (f"interface[{i}]/model", None if model is None else model.get("type"))]
    for i, g in enumerate(x for x in devs if x.tag == "graphics"):
        out += [(f"graphics[{i}]@type", g.get("type")),
                (f"graphics[{i}]@listen", g.get("listen"))]
    for i, v in enumerate(x for x in devs if x.tag == "video"):
        m = v.find("model")
        out.append((f"video[{i}]/model", None if m is None else m.get("type")))
    for i, c in enumerate(x for x in devs if x.tag == "console"):
        out.append((f"console[{i}]@type", c.get("type")))
    return [(k, v) for k, v in out if v is not None]


def signatures(path):
    """Element paths (with the type/model that tells devices apart) and their counts."""
    root = ET.parse(path).getroot()
    counts = {}

    def walk(el, prefix):
        label = el.tag
        for a in ("type", "model", "name"):
            if el.get(a) is not None and el.tag not in ("timer",):
                label += f"[{a}={el.get(a)}]"
                break
        p = f"{prefix}/{label}" if prefix else label
        counts[p] = counts.get(p, 0) + 1
        for child in el:
            if child.tag == "address" or "}" in child.tag:
                continue  # addresses are libvirt's allocation; metadata is opaque
            walk(child, p)

    walk(root, "")
    return counts


def machine_expanded(k, alias, got):
    """Defining replaces a machine alias by the versioned type it stands for
    (pc -> pc-i440fx-7.2, q35 -> pc-q35-7.2), as libvirt does."""
    prefix = {"pc": "pc-i440fx-", "q35": "pc-q35-"}.get(alias)
    return k == "os/type@machine" and prefix is not None and (got or "").startswith(prefix)


def same_keys(expected, got):
    want, have = keys(expected), dict(keys(got))
    bad = [f"  {k}: expected '{v}', got '{have.get(k)}'" for k, v in want
           if have.get(k) != v and not machine_expanded(k, v, have.get(k))]
    if bad:
        print(f"{got}: key fields differ from {expected}:\n" + "\n".join(bad))
        return 1
    return 0


def vs_libvirt(given, libvirt, got):
    lv, have, inp = keys(libvirt), dict(keys(got)), dict(keys(given))
    rc = 0
    for k, v in lv:
        if have.get(k) == v:
            continue
        if k not in inp and k not in have:
            print(f"  note: libvirt adds the default {k}='{v}'")
            continue
        if k == "os/type@machine":
            # libvirt replaces the alias (pc, q35) by the versioned type it resolves to.
            print(f"  note: {k}: libvirt '{v}', virtkit '{have.get(k)}'")
            continue
        print(f"  MISMATCH {k}: libvirt '{v}', virtkit '{have.get(k)}'")
        rc = 1
    a, b = signatures(libvirt), signatures(got)
    extra = [f"{p} x{n - b.get(p, 0)}" for p, n in a.items() if n > b.get(p, 0)]
    only = [f"{p} x{n - a.get(p, 0)}" for p, n in b.items() if n > a.get(p, 0)]
    for p in extra:
        print(f"  note: libvirt adds {p}")
    for p in only:
        print(f"  note: virtkit has, libvirt not, {p}")
    return rc


def rewrite(src, dst, changes):
    """Edits the text itself (not a re-serialized tree) so every other byte
    stays as virt-install wrote it."""
    with open(src, encoding="utf-8") as f:
        doc = f.read()
    for ch in changes:
        key, _, val = ch.partition("=")
        if key in ("kernel", "initrd"):
            doc, n = re.subn(f"<{key}>[^<]*</{key}>", lambda m: f"<{key}>{escape(val)}</{key}>", doc)
        elif key == "disk":
            doc, n = re.subn(r"<source file=(\"[^\"]*\"|'[^']*')",
                             lambda m: f"<source file={quoteattr(val)}", doc)
        elif key == "serial-file":
            doc, n = re.subn(r"<console type=[\"']pty[\"']/>",
                             lambda m: f"<serial type=\"file\">\n      <source path={quoteattr(val)}/>"
                                       "\n    </serial>", doc)
        else:
            raise SystemExit(f"unknown rewrite '{key}'")
        if n == 0:
            raise SystemExit(f"{src}: nothing to rewrite for '{key}'")
    ET.fromstring(doc)  # still well-formed
    with open(dst, "w", encoding="utf-8") as f:
        f.write(doc)


def main(argv):
    if len(argv) == 3 and argv[1] == "keys":
        for k, v in keys(argv[2]):
            print(f"{k}={v}")
        return 0
    if len(argv) == 4 and argv[1] == "same-keys":
        return same_keys(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "vs-libvirt":
        return vs_libvirt(argv[2], argv[3], argv[4])
    if len(argv) >= 4 and argv[1] == "rewrite":
        rewrite(argv[2], argv[3], argv[4:])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
