"""Turns the collected samples into the results table (text and Markdown)
and checks the targets of the issue against them."""

import statistics

# (key, label, unit). Times are stored in seconds, memory in KiB.
ROWS = [
    ("define", "define (python defineXML, fresh name)", "ms"),
    ("define_bulk", "define, median of the 1000 bulk defines", "ms"),
    ("undefine", "undefine (python)", "ms"),
    ("start", "start: call to running (python create)", "ms"),
    ("destroy", "destroy (python)", "ms"),
    ("virsh_floor", "client floor: `virsh uri` (exec + connect)", "ms"),
    ("vksh_floor", "client floor: `vksh version` (exec + connect + 1 call)", "ms"),
    ("virsh_list_1", "virsh list --all, 1 domain", "ms"),
    ("virsh_list_100", "virsh list --all, 100 domains", "ms"),
    ("virsh_list_1000", "virsh list --all, 1000 domains", "ms"),
    ("vksh_list_1", "vksh list --all, 1 domain", "ms"),
    ("vksh_list_100", "vksh list --all, 100 domains", "ms"),
    ("vksh_list_1000", "vksh list --all, 1000 domains", "ms"),
    ("api_list_1", "python listAllDomains, 1 domain", "ms"),
    ("api_list_100", "python listAllDomains, 100 domains", "ms"),
    ("api_list_1000", "python listAllDomains, 1000 domains", "ms"),
    ("api_lookup_1", "python lookupByName, 1 domain", "ms"),
    ("api_lookup_1000", "python lookupByName, 1000 domains", "ms"),
    ("api_state_1", "python dom.state(), 1 domain", "ms"),
    ("api_state_1000", "python dom.state(), 1000 domains", "ms"),
    ("call_floor_1", "call floor: python getLibVersion (no-op RPC)", "ms"),
    ("call_floor_1000", "call floor, 1000 domains", "ms"),
    ("rss_idle", "daemon RSS, idle (0 domains, 1 client)", "MiB"),
    ("rss_warm", "daemon RSS, 0 domains after one define/start/destroy/undefine", "MiB"),
    ("rss_1000_live", "daemon RSS, 1000 domains (defined live)", "MiB"),
    ("rss_1000_restart", "daemon RSS, 1000 domains (after restart)", "MiB"),
    ("anon_idle", "daemon private memory (RssAnon), idle", "MiB"),
    ("anon_warm", "daemon private memory (RssAnon), after that warm-up", "MiB"),
    ("anon_1000_restart", "daemon private memory (RssAnon), 1000 domains", "MiB"),
    ("daemon_start_0", "daemon start to first answer, 0 domains (first start)", "ms"),
    ("daemon_start_1000", "daemon start to first answer, 1000 domains", "ms"),
    ("conc_start_10", "10 concurrent starts (wall, 10 connections)", "ms"),
    ("conc_destroy_10", "10 concurrent destroys (wall)", "ms"),
]

FLOOR_ROWS = [
    ("qemu_floor", "bare `qemu-system-x86_64 -S` to QMP usable", "ms"),
    ("qemu_floor_vkargv", "same, with virtkit's exact QEMU argv", "ms"),
    ("qemu_floor_conc", "10 bare QEMUs at once to QMP usable (wall, until the last)", "ms"),
    ("durable_write", "durable write: 400 B write+fsync+rename+fsync(dir)", "ms"),
]


def med(samples):
    return statistics.median(samples) if samples else None


def scaled(value, unit):
    if value is None:
        return None
    return value * 1000.0 if unit == "ms" else value / 1024.0


def fmt(value):
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


class Results:
    def __init__(self):
        self.samples = {}   # key -> {"virtkit": [...], "libvirt": [...]} or {"floor": [...]}
        self.errors = {}    # (key, daemon) -> message

    def add(self, key, who, value):
        self.samples.setdefault(key, {}).setdefault(who, []).append(value)

    def error(self, key, who, msg):
        self.errors.setdefault((key, who), msg)

    def value(self, key, who, unit):
        return scaled(med(self.samples.get(key, {}).get(who, [])), unit)

    def _cell(self, key, who, unit):
        if (key, who) in self.errors:
            return "FAILED"
        return fmt(self.value(key, who, unit))

    def table(self, markdown=False):
        lines = []
        head = ["metric", "unit", "virtkit", "libvirt", "libvirt/virtkit", "n"]
        rows = []
        for key, label, unit in ROWS:
            if key not in self.samples and not any(k == key for k, _ in self.errors):
                continue
            vk = self.value(key, "virtkit", unit)
            lv = self.value(key, "libvirt", unit)
            ratio = f"{lv / vk:.1f}x" if vk and lv else "-"
            n = len(self.samples.get(key, {}).get("virtkit", []))
            rows.append([label, unit, self._cell(key, "virtkit", unit),
                         self._cell(key, "libvirt", unit), ratio, str(n)])
        floors = []
        for key, label, unit in FLOOR_ROWS:
            if key in self.samples or (key, "floor") in self.errors:
                floors.append([label, unit, self._cell(key, "floor", unit),
                               str(len(self.samples.get(key, {}).get("floor", [])))])
        if markdown:
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            lines.append("")
            lines.append("| floor (same run) | unit | median | n |")
            lines.append("|---|---|---|---|")
            lines += ["| " + " | ".join(r) + " |" for r in floors]
        else:
            widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
            fmt_row = lambda r: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                          for i, c in enumerate(r))
            lines.append(fmt_row(head))
            lines.append("-" * len(fmt_row(head)))
            lines += [fmt_row(r) for r in rows]
            lines.append("")
            lines += [f"floor: {r[0]}: {r[2]} {r[1]} (n={r[3]})" for r in floors]
        if self.errors:
            lines.append("")
            for (key, who), msg in sorted(self.errors.items()):
                lines.append(f"{'- ' if markdown else ''}FAILED {key} on {who}: {msg}")
        return "\n".join(lines)

    def targets(self):
        """[(description, measured text, met: True/False/None)]."""
        v = lambda key, who, unit="ms": self.value(key, who, unit)
        out = []

        def check(desc, measured, goal_ok, detail):
            out.append((desc, detail if measured is not None else "not measured",
                        goal_ok if measured is not None else None))

        start, floor = v("start", "virtkit"), v("qemu_floor", "floor")
        r = start / floor if start and floor else None
        check("virtkit start <= 1.25x bare-QEMU floor", r, r is not None and r <= 1.25,
              f"{fmt(start)} ms / {fmt(floor)} ms = {r:.2f}x" if r else "")
        for key, what in (("start", "start"), ("destroy", "destroy"),
                          ("virsh_list_1000", "virsh list --all (1000), same client"),
                          ("api_list_1000", "listAllDomains (1000), same client")):
            a, b = v(key, "virtkit"), v(key, "libvirt")
            r = b / a if a and b else None
            check(f"{what}: >= 5x faster than libvirt", r, r is not None and r >= 5,
                  f"{fmt(b)} / {fmt(a)} ms = {r:.1f}x" if r else "")
        a, b = v("vksh_list_1000", "virtkit"), v("virsh_list_1000", "libvirt")
        r = b / a if a and b else None
        check("list --all (1000): vksh+virtkitd >= 5x faster than virsh+libvirtd", r,
              r is not None and r >= 5, f"{fmt(b)} / {fmt(a)} ms = {r:.1f}x" if r else "")
        check("vksh list --all (1000) < 10 ms", a, a is not None and a < 10, f"{fmt(a)} ms")
        d, cf, dw = v("define", "virtkit"), v("call_floor_1", "virtkit"), v("durable_write", "floor")
        if d and cf and dw:
            r = d / (cf + dw)
            check("define <= 1.5x (call floor + durable write)", r, r <= 1.5,
                  f"{fmt(d)} / ({fmt(cf)} + {fmt(dw)}) ms = {r:.2f}x")
        else:
            check("define <= 1.5x (call floor + durable write)", None, None, "")
        for n in ("1", "1000"):
            lk, cf = v("api_lookup_" + n, "virtkit"), v("call_floor_" + n, "virtkit")
            r = lk / cf if lk and cf else None
            check(f"lookup ({n} domains) <= 1.5x call floor", r, r is not None and r <= 1.5,
                  f"{fmt(lk)} / {fmt(cf)} ms = {r:.2f}x" if r else "")
        # The targets are in MB (10^6 bytes); RSS is reported in MiB.
        mb = 1.048576
        m = v("rss_idle", "virtkit", "MiB")
        check("daemon RSS idle < 5 MB", m, m is not None and m * mb < 5,
              f"{fmt(m)} MiB = {fmt(m * mb) if m else '-'} MB")
        m1 = v("rss_1000_live", "virtkit", "MiB")
        m2 = v("rss_1000_restart", "virtkit", "MiB")
        m = max(x for x in (m1, m2) if x is not None) if (m1 or m2) else None
        check("daemon RSS with 1000 domains < 15 MB", m, m is not None and m * mb < 15,
              f"{fmt(m1)} MiB live, {fmt(m2)} MiB after restart")
        s = v("daemon_start_1000", "virtkit")
        check("daemon start with 1000 domains < 100 ms", s, s is not None and s < 100, f"{fmt(s)} ms")
        return out

    def targets_text(self, markdown=False):
        lines = []
        if markdown:
            lines += ["| target | measured | met |", "|---|---|---|"]
        for desc, detail, ok in self.targets():
            mark = {True: "yes", False: "**no**" if markdown else "NO", None: "n/a"}[ok]
            lines.append(f"| {desc} | {detail} | {mark} |" if markdown
                         else f"[{mark:>3}] {desc}: {detail}")
        return "\n".join(lines)
