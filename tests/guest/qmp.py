#!/usr/bin/python3
"""Sends one QMP command to a QEMU monitor socket and prints its "return" as JSON.

Usage: qmp.py SOCKET COMMAND [ARGUMENTS-JSON]
Exit status 0 on a "return", 1 on an "error" reply or a dead monitor, 2 on bad usage.
Standard library only: the tests' bash cannot speak to a UNIX socket by itself.
"""
import json
import socket
import sys


def read_message(stream):
    """Next non-event message; QMP sends one JSON object per line."""
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("monitor closed the connection")
        msg = json.loads(line)
        if "event" not in msg:
            return msg


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, command = argv[1], argv[2]
    try:
        arguments = json.loads(argv[3]) if len(argv) == 4 else None
    except json.JSONDecodeError as e:
        print(f"qmp.py: arguments are not JSON: {e}", file=sys.stderr)
        return 2
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        sock.connect(path)
        stream = sock.makefile("rw", encoding="utf-8", newline="\n")
        greeting = read_message(stream)
        if "QMP" not in greeting:
            print(f"qmp.py: {path}: no QMP greeting: {greeting}", file=sys.stderr)
            return 1
        for name, args in (("qmp_capabilities", None), (command, arguments)):
            req = {"execute": name}
            if args is not None:
                req["arguments"] = args
            stream.write(json.dumps(req) + "\n")
            stream.flush()
            reply = read_message(stream)
            if "error" in reply:
                err = reply["error"]
                print(f"qmp.py: {name}: {err.get('class')}: {err.get('desc')}", file=sys.stderr)
                return 1
        print(json.dumps(reply.get("return")))
        return 0
    except (OSError, EOFError, ValueError) as e:
        print(f"qmp.py: {path}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
