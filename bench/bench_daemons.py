"""The two daemons under test, started by hand (no systemd) and stopped by PID.

virtkitd runs in a private root (config, state, sockets, logs under one
temporary directory). Stock libvirtd runs under `tini -s` (a child subreaper:
QEMU daemonizes and would otherwise escape to init) with its own libvirtd.conf
whose unix_sock_dir is a temporary directory, so it never touches the system
sockets. libvirt's QEMU driver paths (/etc/libvirt/qemu, /run/libvirt/qemu,
/var/log/libvirt/qemu) are fixed for a privileged daemon: the harness only
ever creates domains named PREFIX* there and removes all of them at the end.
"""

import glob
import os
import socket
import subprocess
import time

import libvirt

import bench_procs

PREFIX = "vkbench-"

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
</domain>
"""


def domain_xml(name):
    return DOMAIN_XML.format(name=name)


def socket_live(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Daemon:
    """Common part: spawn, wait until it answers, stop, connections."""

    name = "?"

    def __init__(self, workdir):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.proc = None
        self.log_path = os.path.join(workdir, "daemon.log")

    # -- implemented by subclasses
    def argv(self):
        raise NotImplementedError

    def socket_path(self):
        raise NotImplementedError

    def daemon_pid(self):
        """PID of the daemon process itself (for its RSS)."""
        raise NotImplementedError

    @property
    def uri(self):
        return "qemu+unix:///system?socket=" + self.socket_path()

    def spawn(self):
        """Starts the daemon; returns the perf_counter() just before exec."""
        log = open(self.log_path, "ab")
        t0 = time.perf_counter()
        # Own session: a ^C at the terminal reaches only the harness, which
        # then destroys its domains through the API before stopping daemons.
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return t0

    def wait_ready(self, t0, expect_defined=None, timeout=120.0):
        """Polls until a fresh client gets an answer (with expect_defined
        inactive domains when given); returns seconds since t0."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} daemon exited ({self.proc.returncode}) during "
                                   f"startup; log: {self.log_path}\n{self.log_tail()}")
            try:
                conn = libvirt.open(self.uri)
            except libvirt.libvirtError:
                time.sleep(0.002)
                continue
            try:
                n = conn.numOfDefinedDomains()
                if expect_defined is None or n >= expect_defined:
                    return time.perf_counter() - t0
            except libvirt.libvirtError:
                pass
            finally:
                conn.close()
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} daemon did not answer within {timeout:.0f} s; "
                           f"log: {self.log_path}\n{self.log_tail()}")

    def start(self, expect_defined=None):
        return self.wait_ready(self.spawn(), expect_defined)

    def stop(self):
        if self.proc is None:
            return
        bench_procs.stop_pid(self.proc.pid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self, field="VmRSS"):
        return bench_procs.rss_kib(self.daemon_pid(), field)

    def log_tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def remove_bench_domains(self):
        """Destroys and undefines every PREFIX* domain (best effort)."""
        if not self.running():
            return
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return
        try:
            for dom in conn.listAllDomains():
                if not dom.name().startswith(PREFIX):
                    continue
                try:
                    if dom.isActive():
                        dom.destroy()
                    if dom.isPersistent():
                        dom.undefine()
                except libvirt.libvirtError:
                    pass
        finally:
            conn.close()

    def cleanup_files(self):
        pass


class VirtkitDaemon(Daemon):
    name = "virtkit"

    def __init__(self, workdir, binary):
        super().__init__(workdir)
        self.binary = binary
        self.root = os.path.join(workdir, "root")

    def argv(self):
        return [self.binary, "--root", self.root]

    def socket_path(self):
        return os.path.join(self.root, "run", "virtkit-sock")

    def daemon_pid(self):
        return self.proc.pid

    def qemu_pids(self):
        return [p for p in bench_procs.descendants(self.proc.pid)
                if "qemu-system" in bench_procs.cmdline(p)]


class LibvirtDaemon(Daemon):
    name = "libvirt"
    LIBVIRTD = "/usr/sbin/libvirtd"
    VIRTLOGD = "/usr/sbin/virtlogd"
    VIRTLOGD_SOCK = "/run/libvirt/virtlogd-sock"

    def __init__(self, workdir):
        super().__init__(workdir)
        self.sockdir = os.path.join(workdir, "sock")
        os.makedirs(self.sockdir, exist_ok=True)
        self.conf = os.path.join(workdir, "libvirtd.conf")
        self.pidfile = os.path.join(workdir, "libvirtd.pid")
        with open(self.conf, "w") as f:
            f.write(f'unix_sock_dir = "{self.sockdir}"\n'
                    'unix_sock_group = "root"\n'
                    'unix_sock_ro_perms = "0777"\n'
                    'unix_sock_rw_perms = "0700"\n'
                    'auth_unix_ro = "none"\n'
                    'auth_unix_rw = "none"\n')
        self.virtlogd = None

    def argv(self):
        return ["tini", "-s", "--", self.LIBVIRTD, "-f", self.conf, "-p", self.pidfile]

    def socket_path(self):
        return os.path.join(self.sockdir, "libvirt-sock")

    def daemon_pid(self):
        # tini's only child is libvirtd.
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            kids = f.read().split()
        for k in kids:
            if "libvirtd" in bench_procs.cmdline(int(k)):
                return int(k)
        raise RuntimeError("libvirtd is not running under tini")

    def ensure_virtlogd(self):
        """A privileged libvirtd hands QEMU's stdio to virtlogd at a fixed
        socket and does not start it without systemd: start ours unless one
        already serves that socket (then it is not ours to stop)."""
        if socket_live(self.VIRTLOGD_SOCK):
            return
        log = open(os.path.join(self.workdir, "virtlogd.log"), "ab")
        self.virtlogd = subprocess.Popen(["tini", "-s", "--", self.VIRTLOGD], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        for _ in range(1000):
            if socket_live(self.VIRTLOGD_SOCK):
                return
            if self.virtlogd.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError("virtlogd did not start (see virtlogd.log in " + self.workdir + ")")

    def suppress_autostart(self):
        """libvirtd autostarts networks (a bridge, dnsmasq, NAT rules) and
        domains once per boot, unless its driver's `autostarted` marker in
        /run/libvirt exists. The benchmark must not touch the host network or
        start anyone's guests: when something is marked for autostart and the
        marker is missing, create the marker (what a first libvirtd start
        would have done after autostarting)."""
        for conf, run in (("/etc/libvirt/qemu/networks/autostart", "/run/libvirt/network"),
                          ("/etc/libvirt/qemu/autostart", "/run/libvirt/qemu")):
            marker = os.path.join(run, "autostarted")
            if glob.glob(conf + "/*.xml") and not os.path.exists(marker):
                os.makedirs(run, exist_ok=True)
                open(marker, "a").close()
                print(f"bench: created {marker} so libvirtd does not autostart {conf}/*",
                      flush=True)

    def spawn(self):
        self.ensure_virtlogd()
        self.suppress_autostart()
        return super().spawn()

    def stop_virtlogd(self):
        if self.virtlogd is not None:
            bench_procs.stop_pid(self.virtlogd.pid)
            self.virtlogd.wait()
            self.virtlogd = None

    def qemu_pids(self):
        return [p for p in bench_procs.descendants(self.proc.pid)
                if "qemu-system" in bench_procs.cmdline(p)]

    def cleanup_files(self):
        # Only files of domains this harness named; libvirtd keeps logs (and,
        # if it died mid-way, configs and status files) after undefine.
        for pattern in ("/etc/libvirt/qemu/" + PREFIX + "*.xml",
                        "/etc/libvirt/qemu/autostart/" + PREFIX + "*.xml",
                        "/run/libvirt/qemu/" + PREFIX + "*",
                        "/var/log/libvirt/qemu/" + PREFIX + "*.log*"):
            for path in glob.glob(pattern):
                try:
                    os.unlink(path)
                except OSError:
                    pass
