#!/usr/bin/python3
"""DOMAIN_OPEN_CONSOLE and its stream at the packet level (no guest needed):
the server's answers to finish/abort/data on streams, and that a console
session is released however it ends (finish, abort, the client vanishing),
so the next open succeeds without --force.

  console_raw.py RW_SOCKET RO_SOCKET DOMAIN_NAME"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from vkwire import (CALL, CONTINUE, ERROR, KEEPALIVE, OK, REPLY, STREAM, Raw,  # noqa: E402
                    error_of, packet, xdr_string)

LOOKUP_BY_NAME, OPEN_CONSOLE = 23, 201
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("CHECK failed:", what, file=sys.stderr)
    else:
        print("ok:", what)


class Conn(Raw):
    """An opened connection that reads past keepalive and stream traffic."""

    def __init__(self, path):
        super().__init__(path)
        assert self.open(), "AUTH_LIST / CONNECT_OPEN failed"

    def recv_packet(self):
        """The next packet that is not keepalive (None at EOF)."""
        while True:
            r = super().recv_packet()
            if r is None or r["prog"] != KEEPALIVE:
                return r

    def send(self, proc, payload=b"", mtype=CALL, status=OK, serial=None):
        if serial is None:
            self.serial += 1
            serial = self.serial
        self.s.sendall(packet(proc, serial, payload, mtype=mtype, status=status))
        return serial

    def call(self, proc, payload=b""):
        serial = self.send(proc, payload)
        while True:
            r = self.recv_packet()
            if r is None or (r["type"] == REPLY and r["serial"] == serial):
                return r

    def wait_for(self, serial, mtype, status):
        """Skips stream data until the packet of serial with type/status."""
        while True:
            r = self.recv_packet()
            if r is None:
                return None
            if r["serial"] == serial and r["type"] == mtype and r["status"] == status:
                return r
            if r["serial"] == serial and r["status"] != CONTINUE:
                return r  # something else ended it: the caller's check fails

    def close(self):
        self.s.close()


def open_console(c, dom, flags=0):
    serial = c.send(OPEN_CONSOLE, dom + struct.pack(">II", 0, flags))
    while True:
        r = c.recv_packet()
        if r is None or (r["type"] == REPLY and r["serial"] == serial):
            return serial, r


def main():
    rw, ro, name = sys.argv[1], sys.argv[2], sys.argv[3]
    c = Conn(rw)
    r = c.call(LOOKUP_BY_NAME, xdr_string(name))
    check(r["status"] == OK, "lookup of %s" % name)
    dom = r["payload"]  # remote_nonnull_domain, as the server encoded it

    # Streams nobody opened: finish confirmed, abort answered, data dropped.
    c.send(OPEN_CONSOLE, mtype=STREAM, status=OK, serial=9000)
    r = c.recv_packet()
    check(r and r["type"] == STREAM and r["status"] == OK and r["serial"] == 9000 and
          r["proc"] == OPEN_CONSOLE and r["payload"] == b"",
          "finish of an unknown stream gets its empty STREAM OK confirmation")
    c.send(OPEN_CONSOLE, mtype=STREAM, status=ERROR, serial=9001)
    r = c.recv_packet()
    check(r and r["type"] == REPLY and r["status"] == ERROR and r["serial"] == 9001 and
          "stream aborted at client request" in error_of(r)[1],
          "abort of an unknown stream gets an error reply")
    c.send(OPEN_CONSOLE, b"stray bytes", mtype=STREAM, status=CONTINUE, serial=9002)
    r = c.call(LOOKUP_BY_NAME, xdr_string(name))
    check(r and r["status"] == OK, "data for an unknown stream is dropped, the connection goes on")

    # open, send, finish: confirmed; the session is released
    s1, r = open_console(c, dom)
    check(r and r["status"] == OK and r["payload"] == b"", "OPEN_CONSOLE: empty OK reply")
    c.send(OPEN_CONSOLE, b"\r", mtype=STREAM, status=CONTINUE, serial=s1)
    c.send(OPEN_CONSOLE, mtype=STREAM, status=OK, serial=s1)
    r = c.wait_for(s1, STREAM, OK)
    check(r and r["type"] == STREAM and r["status"] == OK and r["payload"] == b"",
          "finish of the console stream is confirmed")

    # a new open works (finish released the session); a second one without
    # FORCE is refused while it is open
    s2, r = open_console(c, dom)
    check(r and r["status"] == OK, "open after finish succeeds")
    c2 = Conn(rw)
    _, r2 = open_console(c2, dom)
    check(r2 and r2["status"] == ERROR and error_of(r2) ==
          (9, "operation failed: Active console session exists for this domain"),
          "second open without FORCE: OPERATION_FAILED, libvirt's message")

    # abort: an error reply, and the session is released
    c.send(OPEN_CONSOLE, mtype=STREAM, status=ERROR, serial=s2)
    r = c.wait_for(s2, REPLY, ERROR)
    check(r and r["type"] == REPLY and r["status"] == ERROR,
          "abort of the console stream gets an error reply")
    s3, r2 = open_console(c2, dom)
    check(r2 and r2["status"] == OK, "open after abort succeeds")

    # the client vanishes: released with the connection
    c2.close()
    for _ in range(50):
        _, r = open_console(c, dom)
        if r["status"] == OK:
            break
        # the server notices the closed socket in its loop: retry briefly
        time.sleep(0.1)
    check(r["status"] == OK, "open after the owning client disconnected succeeds")

    # FORCE while it is open: the old stream gets a stream error
    c3 = Conn(rw)
    _, r3 = open_console(c3, dom, flags=1)
    check(r3 and r3["status"] == OK, "FORCE open succeeds while another session is open")
    r = c.wait_for(c.serial, STREAM, ERROR)
    check(r and r["type"] == STREAM and r["status"] == ERROR and
          "taken over" in error_of(r)[1],
          "the old stream gets a STREAM error naming the takeover")
    c3.close()
    c.close()

    # read-only connections cannot open a console
    cr = Conn(ro)
    r = cr.call(LOOKUP_BY_NAME, xdr_string(name))
    _, r = open_console(cr, r["payload"])
    check(r and r["status"] == ERROR and "read only" in error_of(r)[1],
          "OPEN_CONSOLE on the read-only socket is refused")
    cr.close()
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
