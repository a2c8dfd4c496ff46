#!/usr/bin/python3
"""Drives interactive consoles (stock `virsh console`, `vksh console`) on a
pseudo-terminal, the way a user at a terminal does, against the real test
guest's root shell on its serial port.

  console_check.py URI NAME [--vksh PATH]

Checks, in order:
  1. `virsh console NAME` connects; the shell answers `echo vk-<random>-ok`;
  2. a second `virsh console NAME` fails with libvirt's active-session error;
  3. `virsh console --force NAME` takes over: the first virsh ends, the new
     session reaches the shell, Ctrl+] detaches it and virsh exits 0;
  4. with --vksh: the same round trip through `vksh console` (banner,
     shell answer, Ctrl+] exits 0, terminal restored), and vksh's own
     active-session error.
Every bound below is a limit for a hung test, not a timing assertion."""
import os
import random
import re
import select
import subprocess
import sys
import termios
import time

BOOT_BOUND = 240  # the guest may still be booting under a loaded TCG host
STEP_BOUND = 60


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Term:
    """A program on its own pty; we are the terminal."""

    def __init__(self, argv):
        self.master, slave = os.openpty()
        self.slave_attrs = termios.tcgetattr(slave)
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True)
        self.slave = slave
        self.out = b""
        self.argv = argv

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            self.out += data
            return len(data)
        return 0

    def send(self, data):
        os.write(self.master, data)

    def wait_for(self, pattern, bound, poke=None, poke_every=3.0):
        """Reads until pattern (bytes regex) matches the output after the
        current mark; pokes (writes poke) every poke_every seconds."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + bound
        last_poke = 0.0
        while time.monotonic() < end:
            m = rx.search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return m
            if poke is not None and time.monotonic() - last_poke > poke_every:
                self.send(poke)
                last_poke = time.monotonic()
            self.pump(0.2)
            if self.proc.poll() is not None:
                self.pump(0.2)
                m = rx.search(self.out, self.mark)
                if m:
                    self.mark = m.end()
                    return m
                return None
        return None

    mark = 0

    def finish(self, bound=STEP_BOUND):
        end = time.monotonic() + bound
        while self.proc.poll() is None and time.monotonic() < end:
            self.pump(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            fail("%s did not exit; output: %r" % (" ".join(self.argv), self.out[-2000:]))
        while self.pump(0.05):
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def shell_round_trip(t, what, bound):
    """Reaches the guest's prompt and checks it runs a command."""
    # The root shell's prompt ends in "# " (virtkit-guest# or busybox's "/ # ").
    if not t.wait_for(rb"# ", bound, poke=b"\r"):
        fail("%s: no shell prompt from the guest; output: %r" % (what, t.out[-2000:]))
    token = "vk-%d-ok" % random.randint(1, 10 ** 9)
    t.send(("echo %s\r" % token).encode())
    # The answer is the token alone on a line (the typed command echoes
    # as "echo TOKEN").
    if not t.wait_for(rb"^" + token.encode() + rb"\r?$", STEP_BOUND):
        fail("%s: the shell did not answer %s; output: %r" % (what, token, t.out[-2000:]))
    print("ok: %s: the guest shell answered %s" % (what, token))


def main():
    uri, name = sys.argv[1], sys.argv[2]
    vksh = None
    if len(sys.argv) > 4 and sys.argv[3] == "--vksh":
        vksh = sys.argv[4]
    virsh = ["virsh", "-c", uri]

    # 1. the first session
    a = Term(virsh + ["console", name])
    if not a.wait_for(rb"Connected to domain '" + name.encode() + rb"'", STEP_BOUND):
        fail("virsh console: no banner; output: %r" % a.out)
    if not a.wait_for(rb"Escape character is \^\] \(Ctrl \+ \]\)", STEP_BOUND):
        fail("virsh console: no escape line; output: %r" % a.out)
    shell_round_trip(a, "virsh console", BOOT_BOUND)

    # 2. a second session without --force is refused
    b = Term(virsh + ["console", name])
    rc = b.finish()
    if rc == 0:
        fail("a second virsh console succeeded; output: %r" % b.out)
    if b"Active console session exists for this domain" not in b.out:
        fail("a second virsh console: expected the active-session error, got %r" % b.out)
    b.close()
    print("ok: a second console without --force fails: active session exists")

    # 3. --force takes over; the first session ends
    c = Term(virsh + ["console", "--force", name])
    if not c.wait_for(rb"Escape character is", STEP_BOUND):
        fail("virsh console --force: no banner; output: %r" % c.out)
    rc_a = a.finish()
    print("ok: the first virsh console ended on takeover (exit %d)" % rc_a)
    a.close()
    shell_round_trip(c, "virsh console --force", STEP_BOUND)
    c.send(b"\x1d")
    rc = c.finish()
    if rc != 0:
        fail("virsh console: Ctrl+] should exit 0, got %d; output: %r" % (rc, c.out[-2000:]))
    c.close()
    print("ok: Ctrl+] detached virsh console, exit 0")

    if not vksh:
        return
    # 4. vksh console
    v = Term([vksh, "-c", uri, "console", name])
    if not v.wait_for(rb"Connected to domain '" + name.encode() + rb"'\r?\n"
                      rb"Escape character is \^\] \(Ctrl \+ \]\)", STEP_BOUND):
        fail("vksh console: no banner; output: %r" % v.out)
    shell_round_trip(v, "vksh console", STEP_BOUND)
    # while it is open, vksh's own second session is refused
    w = Term([vksh, "-c", uri, "console", name])
    rc = w.finish()
    if rc == 0 or b"Active console session exists for this domain" not in w.out:
        fail("a second vksh console: expected the active-session error, got rc %d %r"
             % (rc, w.out))
    w.close()
    print("ok: a second vksh console without --force fails: active session exists")
    v.send(b"\x1d")
    rc = v.finish()
    if rc != 0:
        fail("vksh console: Ctrl+] should exit 0, got %d; output: %r" % (rc, v.out[-2000:]))
    # the terminal is back in the mode it had before (vksh restored it)
    if termios.tcgetattr(v.slave) != v.slave_attrs:
        fail("vksh console did not restore the terminal mode")
    v.close()
    print("ok: Ctrl+] detached vksh console, exit 0, terminal restored")

    # vksh console --force takes over from a virsh session
    a = Term(virsh + ["console", name])
    if not a.wait_for(rb"Escape character is", STEP_BOUND):
        fail("virsh console (before vksh --force): no banner; output: %r" % a.out)
    v = Term([vksh, "-c", uri, "console", "--force", name])
    if not v.wait_for(rb"Escape character is", STEP_BOUND):
        fail("vksh console --force: no banner; output: %r" % v.out)
    a.finish()
    a.close()
    shell_round_trip(v, "vksh console --force", STEP_BOUND)
    v.send(b"\x1d")
    rc = v.finish()
    if rc != 0:
        fail("vksh console --force: Ctrl+] should exit 0, got %d" % rc)
    v.close()
    print("ok: vksh console --force took over from virsh")


if __name__ == "__main__":
    main()
