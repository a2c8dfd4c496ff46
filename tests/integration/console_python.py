#!/usr/bin/python3
"""python3-libvirt's console API against virtkitd: virDomainOpenConsole on a
blocking stream, a command typed into the guest's shell and its answer read
back, the active-session error for a second open, a forced open taking
over, then the domain destroyed under an open console: the stream ends
(EOF, recv returns nothing) instead of hanging.

  console_python.py URI NAME"""
import random
import signal
import sys

import libvirt


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def bounded(seconds, what):
    """A hung recv fails the test instead of hanging it."""
    def on_alarm(signum, frame):
        fail("timed out (%d s bound): %s" % (seconds, what))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)


def read_until(st, needle, what):
    bounded(120, what)
    got = b""
    while needle not in got:
        data = st.recv(4096)
        if isinstance(data, int) or not data:
            fail("%s: stream ended (%r) before %r; got %r" % (what, data, needle, got[-500:]))
        got += data
    signal.alarm(0)
    return got


def main():
    uri, name = sys.argv[1], sys.argv[2]
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)

    st = conn.newStream(0)
    dom.openConsole(None, st, 0)
    token = "vk-py-%d-ok" % random.randint(1, 10 ** 9)
    st.send(("\recho %s\r" % token).encode())
    read_until(st, ("\r\n%s\r\n" % token).encode(), "python console answer")
    print("ok: python3-libvirt console: the guest shell answered " + token)

    # a second open without FORCE is refused with libvirt's error
    st2 = conn.newStream(0)
    try:
        dom.openConsole(None, st2, 0)
        fail("a second openConsole succeeded")
    except libvirt.libvirtError as e:
        if "Active console session exists for this domain" not in str(e):
            fail("a second openConsole: unexpected error: %s" % e)
        if e.get_error_code() != libvirt.VIR_ERR_OPERATION_FAILED:
            fail("a second openConsole: error code %d, expected OPERATION_FAILED"
                 % e.get_error_code())
    print("ok: a second openConsole fails: active session exists")

    # FORCE takes over: the old stream ends with an error
    st3 = conn.newStream(0)
    dom.openConsole(None, st3, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    bounded(60, "old stream after takeover")
    try:
        while True:
            data = st.recv(4096)
            if isinstance(data, int) or not data:
                break
    except libvirt.libvirtError as e:
        print("ok: the old stream ended on takeover: %s" % e)
    signal.alarm(0)
    try:
        st.abort()
    except libvirt.libvirtError:
        pass

    token = "vk-py-%d-ok" % random.randint(1, 10 ** 9)
    st3.send(("echo %s\r" % token).encode())
    read_until(st3, ("\r\n%s\r\n" % token).encode(), "forced console answer")
    print("ok: forced openConsole reaches the shell: " + token)

    # the domain stops under the open console: EOF, not a hang
    dom.destroy()
    bounded(60, "console stream after destroy")
    while True:
        data = st3.recv(4096)
        if isinstance(data, int):
            continue
        if not data:
            break
    signal.alarm(0)
    st3.finish()
    print("ok: destroying the domain ends its console stream (EOF)")

    # not running: a clear error
    st4 = conn.newStream(0)
    try:
        dom.openConsole(None, st4, 0)
        fail("openConsole on a stopped domain succeeded")
    except libvirt.libvirtError as e:
        if "not running" not in str(e):
            fail("openConsole on a stopped domain: unexpected error: %s" % e)
        print("ok: openConsole on a stopped domain: %s" % e)
    conn.close()


if __name__ == "__main__":
    main()
