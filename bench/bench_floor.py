"""The floors, measured in the same run as the daemons:

- bare QEMU: spawn `qemu-system-x86_64 -S` and time until QMP is usable
  (greeting read, qmp_capabilities answered). The monitor is a listening
  socket we bind ourselves and pass by fd, as virtkitd does, so no polling
  for a socket file is involved.
- durable write: what one atomic state write costs on the filesystem the
  daemons keep their configs on (write, fsync, rename, fsync directory).
"""

import json
import os
import re
import socket
import subprocess
import threading
import time

QEMU = "qemu-system-x86_64"

# A minimal machine comparable to the benchmark domain (TCG, 64 MiB, no disks).
BARE_ARGV = [QEMU, "-S", "-machine", "pc", "-accel", "tcg", "-m", "64",
             "-display", "none", "-no-user-config", "-nodefaults",
             "-chardev", "socket,id=mon,fd={fd},server=on,wait=off",
             "-mon", "chardev=mon,mode=control"]


def _read_json_line(f, want):
    """Reads QMP lines until one has key want (events are skipped)."""
    while True:
        line = f.readline()
        if not line:
            raise RuntimeError("QMP closed before '%s'" % want)
        msg = json.loads(line)
        if want in msg:
            return msg
        if "error" in msg:
            raise RuntimeError("QMP error: %s" % msg["error"])


def qemu_to_qmp(argv_template, workdir, log, tag="floor"):
    """Seconds from spawn to QMP usable for one QEMU (then killed)."""
    path = os.path.join(workdir, tag + ".qmp")
    if os.path.exists(path):
        os.unlink(path)
    lsock = socket.socket(socket.AF_UNIX)
    lsock.bind(path)
    lsock.listen(1)
    fd = lsock.fileno()
    argv = [a.replace("{fd}", str(fd)) for a in argv_template]
    client = socket.socket(socket.AF_UNIX)
    proc = None
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, pass_fds=(fd,), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        # If QEMU dies (bad argv), closing the listener resets our queued
        # connection, so the read below fails at once instead of waiting.
        threading.Thread(target=lambda: (proc.wait(), lsock.close()), daemon=True).start()
        client.settimeout(60)
        client.connect(path)  # queued in the backlog until QEMU accepts
        f = client.makefile("rwb", buffering=0)
        _read_json_line(f, "QMP")
        f.write(b'{"execute":"qmp_capabilities"}\n')
        _read_json_line(f, "return")
        elapsed = time.perf_counter() - t0
        f.close()
        return elapsed
    finally:
        client.close()
        lsock.close()
        if proc is not None:
            proc.kill()
            proc.wait()
        if os.path.exists(path):
            os.unlink(path)


def argv_from_virtkit_qemu(pid):
    """The argv a virtkit QEMU runs with, its monitor fd made a template
    slot, so the floor can be measured with exactly virtkit's machine."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    out, found, skip = [], False, False
    for a in argv:
        if skip:  # the value of -pidfile: a per-domain directory that is gone
            skip = False
            continue
        if a == "-pidfile":
            skip = True
            continue
        if a.startswith("socket,id=charmonitor,") and re.search(r"\bfd=\d+", a):
            a = re.sub(r"\bfd=\d+", "fd={fd}", a)
            found = True
        elif re.search(r"\bfd=\d+", a):
            return None  # other inherited fds: cannot replay faithfully
        out.append(a)
    return out if found else None


def durable_write(directory, size=400):
    """Seconds for one atomic small-file write in directory."""
    data = b"x" * size
    tmp = os.path.join(directory, ".bench-durable.tmp")
    dst = os.path.join(directory, ".bench-durable")
    t0 = time.perf_counter()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, dst)
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    elapsed = time.perf_counter() - t0
    os.unlink(dst)
    return elapsed
