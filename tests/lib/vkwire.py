"""A tiny raw-socket client of libvirt's remote protocol, for the tests that
send what no well-behaved client sends (bad packets, stream abuse) and read
the replies byte for byte. python3-libvirt covers everything else.

Import it with tests/lib on sys.path (see the scripts that use it)."""
import socket
import struct
import time

PROG, KEEPALIVE = 0x20008086, 0x6B656570
CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS = 0, 1, 2, 3, 4
OK, ERROR, CONTINUE = 0, 1, 2
AUTH_LIST, CONNECT_OPEN = 66, 1


def xdr_string(s):
    b = s if isinstance(s, bytes) else s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def packet(proc, serial, payload=b"", prog=PROG, vers=1, mtype=CALL, status=OK):
    body = struct.pack(">IIiIII", prog, vers, proc, mtype, serial, status) + payload
    return struct.pack(">I", len(body) + 4) + body


class Raw:
    """One raw connection; call() returns the reply dict or None when the
    server closed the connection."""

    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        end = time.monotonic() + timeout
        while True:
            try:
                self.s.connect(path)
                break
            except BlockingIOError:
                # The listen backlog is full: the daemon has not accepted
                # the previous connections yet.
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)
        self.serial = 0

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except (ConnectionResetError, BrokenPipeError):
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv_packet(self):
        head = self.recv_exact(4)
        if head is None:
            return None
        (length,) = struct.unpack(">I", head)
        body = self.recv_exact(length - 4)
        if body is None:
            return None
        prog, vers, proc, mtype, serial, status = struct.unpack(">IIiIII", body[:24])
        return dict(prog=prog, vers=vers, proc=proc, type=mtype, serial=serial,
                    status=status, payload=body[24:])

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except (ConnectionResetError, BrokenPipeError):
            return False

    def call(self, proc, payload=b"", **kw):
        self.serial += 1
        if not self.send(packet(proc, self.serial, payload, **kw)):
            return None
        while True:
            r = self.recv_packet()
            if r is None or r["prog"] != KEEPALIVE:
                return r

    def open(self, flags=0):
        r1 = self.call(AUTH_LIST)
        r2 = self.call(CONNECT_OPEN, struct.pack(">I", 1) + xdr_string("qemu:///system") +
                       struct.pack(">I", flags))
        return r1 is not None and r1["status"] == OK and r2 is not None and r2["status"] == OK

    def closed_by_server(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def error_of(r):
    """(code, message) of an error reply."""
    p = r["payload"]
    code, _domain, has_msg = struct.unpack(">iiI", p[:12])
    msg = ""
    if has_msg:
        (n,) = struct.unpack(">I", p[12:16])
        msg = p[16:16 + n].decode(errors="replace")
    return code, msg
