#!/usr/bin/python3
"""Runs one shell command in the test guest over its unix-socket serial port.

usage: hotplug_serial.py SOCKET TIMEOUT_S EXPECT_REGEX COMMAND

Connects to the serial socket (QEMU listens), types COMMAND wrapped in
markers whose text only appears when the shell runs it (echo of an
arithmetic expansion), and prints the command's output. With a non-empty
EXPECT_REGEX the command is re-run (every 2 s) until its output matches;
exit 1 when TIMEOUT_S passes first (the guest still booting is covered by
the same retries)."""
import random
import re
import socket
import sys
import time


def run_once(sock, cmd, wait_s):
    n = random.randint(100000, 899999)
    sock.sendall(("\n echo HPB-$((%d+1)); %s; echo HPE-$((%d+1))\n" % (n, cmd, n)).encode())
    begin, end = "HPB-%d" % (n + 1), "HPE-%d" % (n + 1)
    buf = b""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            raise SystemExit("serial socket closed")
        buf += chunk
        text = buf.decode(errors="replace").replace("\r", "")
        # the markers at the start of a line are output, not the typed echo
        m = re.search(r"(?m)^%s\n(.*?)^%s$" % (begin, end), text, re.S)
        if m:
            return m.group(1)
    return None


def main():
    path, timeout, expect, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    deadline = time.monotonic() + timeout
    sock = None
    while sock is None:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
        except OSError:
            sock = None
            if time.monotonic() > deadline:
                print("cannot connect to %s" % path, file=sys.stderr)
                return 1
            time.sleep(0.5)
    last = None
    while time.monotonic() < deadline:
        out = run_once(sock, cmd, min(5.0, max(0.5, deadline - time.monotonic())))
        if out is not None:
            last = out
            if not expect or re.search(expect, out):
                sys.stdout.write(out)
                return 0
            time.sleep(2)
    print("guest command %r: no output matching %r within %ss; last output: %r"
          % (cmd, expect, timeout, last), file=sys.stderr)
    return 1


sys.exit(main())
