"""Raw protocol abuse against virtkitd: every bad call gets an error reply
with the right code and the connection stays usable; framing errors close
only the offending connection. Usage: bad_packets_check.py SOCKET_PATH"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from vkwire import (ERROR, KEEPALIVE, MESSAGE, OK, REPLY, Raw, error_of,  # noqa: E402
                    packet, xdr_string)

VIR_ERR_NO_SUPPORT, VIR_ERR_INTERNAL, VIR_ERR_RPC = 3, 1, 39
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("CHECK failed:", what, file=sys.stderr)


class Conn(Raw):
    """A raw connection whose every reply must carry the serial of its call."""

    def call(self, proc, payload=b"", **kw):
        r = super().call(proc, payload, **kw)
        if r is not None:
            check(r["serial"] == self.serial, f"reply serial {r['serial']} != {self.serial}")
        return r


def expect_error(r, code, text, what):
    check(r is not None, f"{what}: connection dropped instead of an error reply")
    if r is None:
        return
    check(r["type"] == REPLY and r["status"] == ERROR, f"{what}: not an error reply")
    if r["status"] != ERROR:
        return
    c, msg = error_of(r)
    check(c == code, f"{what}: error code {c}, expected {code} ({msg})")
    check(text in msg, f"{what}: message {msg!r} lacks {text!r}")


def expect_ok(r, what):
    check(r is not None and r["status"] == OK, f"{what}: no OK reply")


def open_conn(c):
    expect_ok(c.call(66), "AUTH_LIST")
    expect_ok(c.call(1, struct.pack(">I", 1) + xdr_string("qemu:///system") + struct.pack(">I", 0)),
              "CONNECT_OPEN")


path = sys.argv[1]

# A healthy connection that must survive everything below.
good = Conn(path)
open_conn(good)
r = good.call(3)
expect_ok(r, "GET_TYPE")
check(r and r["payload"] == xdr_string("QEMU"), "GET_TYPE answers QEMU")

# Calls before AUTH_LIST / before CONNECT_OPEN.
c = Conn(path)
expect_error(c.call(3), VIR_ERR_RPC, "authentication required", "call before AUTH_LIST")
expect_error(c.call(273, struct.pack(">iI", 1, 3)), VIR_ERR_RPC, "authentication required",
             "list before AUTH_LIST")
expect_ok(c.call(66), "AUTH_LIST after refusal")
expect_error(c.call(3), VIR_ERR_INTERNAL, "connection not open", "call before CONNECT_OPEN")
r = c.call(60, struct.pack(">i", 10))
expect_ok(r, "keepalive feature before open")
check(r and struct.unpack(">i", r["payload"])[0] == 1, "keepalive feature supported")
open_conn(c)

# Unknown procedure / program / version / type / status; malformed args.
expect_error(c.call(9999), VIR_ERR_NO_SUPPORT, "unknown procedure: 9999", "unknown procedure")
expect_error(c.call(-5), VIR_ERR_NO_SUPPORT, "unknown procedure", "negative procedure")
expect_error(c.call(3, prog=0x12345678), VIR_ERR_RPC, "program", "unknown program")
expect_error(c.call(3, vers=7), VIR_ERR_RPC, "version", "unknown version")
expect_error(c.call(3, mtype=9), VIR_ERR_RPC, "message type", "unknown message type")
expect_error(c.call(3, status=ERROR), VIR_ERR_RPC, "status", "call with error status")
expect_error(c.call(23, b"\xff\xff\xff\xf0"), VIR_ERR_RPC, "decode", "malformed args")
expect_error(c.call(3, b"\0\0\0\0"), VIR_ERR_RPC, "payload", "payload on a void call")
r = c.call(60, struct.pack(">i", 14))
check(r and struct.unpack(">i", r["payload"])[0] == 1, "REMOTE_EVENT_CALLBACK feature")
r = c.call(60, struct.pack(">i", 15))
check(r and struct.unpack(">i", r["payload"])[0] == 1, "REMOTE_CLOSE_CALLBACK feature")
r = c.call(60, struct.pack(">i", 4))
check(r and struct.unpack(">i", r["payload"])[0] == 0, "P2P feature not claimed")
r = c.call(157)
check(r and struct.unpack(">Q", r["payload"])[0] == 9000000, "lib version 9.0.0")
expect_ok(c.call(3), "GET_TYPE after all errors")

# Keepalive: PING gets a PONG.
c.s.sendall(packet(1, 0, prog=KEEPALIVE, mtype=MESSAGE))
r = c.recv_packet()
check(r and r["prog"] == KEEPALIVE and r["proc"] == 2 and r["type"] == MESSAGE,
      "PING answered by PONG")

# Framing errors close that connection only.
for what, data in [
    ("oversized length word", struct.pack(">I", 0x7FFFFFFF) + b"\0" * 24),
    ("length above 16 MiB + 4", struct.pack(">I", 16 * 1024 * 1024 + 5)),
    ("zero-length packet", struct.pack(">I", 0)),
    ("length below the header", struct.pack(">I", 27) + b"\0" * 23),
]:
    b = Conn(path)
    b.s.sendall(data)
    check(b.closed_by_server(), f"{what}: connection not closed")
    expect_ok(good.call(3), f"other connection after {what}")

# Truncated packet: the peer stops mid-packet; we close it, others carry on.
b = Conn(path)
b.s.sendall(packet(3, 1)[:20])
b.s.shutdown(socket.SHUT_WR)
check(b.closed_by_server(), "truncated packet: connection not closed")
b = Conn(path)
full = packet(23, 1, xdr_string("x" * 100))
b.s.sendall(full[:60])
b.s.shutdown(socket.SHUT_WR)
check(b.closed_by_server(), "truncated body: connection not closed")

# Pipelined calls (more than the in-flight limit) all get their replies,
# matched by serial, in whatever order the workers finish them.
burst = b"".join(packet(3, 1000 + i) for i in range(100))
c.s.sendall(burst)
serials = set()
for _ in range(100):
    r = c.recv_packet()
    if r is None:
        break
    if r["prog"] == KEEPALIVE:
        continue
    check(r["status"] == OK and r["payload"] == xdr_string("QEMU"), "pipelined GET_TYPE reply")
    serials.add(r["serial"])
check(serials == set(range(1000, 1100)), f"pipelined replies: {len(serials)} of 100 serials")

# Server keepalive: a client that asked for the keepalive feature and then
# stays silent gets a PING (libvirtd's behaviour); answering keeps it open.
k = Conn(path)
expect_ok(k.call(66), "AUTH_LIST (keepalive client)")
expect_ok(k.call(60, struct.pack(">i", 10)), "keepalive feature")
k.s.settimeout(60)
r = k.recv_packet()
check(r is not None and r["prog"] == KEEPALIVE and r["proc"] == 1 and r["type"] == MESSAGE
      and r["serial"] == 0, f"server PING after silence, got {r}")
k.s.sendall(packet(2, 0, prog=KEEPALIVE, mtype=MESSAGE))
open_conn(k)
expect_ok(k.call(3), "keepalive client still served")

expect_ok(good.call(3), "healthy connection at the end")
expect_ok(c.call(273, struct.pack(">iI", 1, 3)), "list on the abused connection")
expect_ok(good.call(2), "CONNECT_CLOSE")
print("bad packet checks:", "FAIL" if failures else "OK")
sys.exit(1 if failures else 0)
