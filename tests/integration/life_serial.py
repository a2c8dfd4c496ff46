#!/usr/bin/python3
"""Relays the test guest's unix-socket serial port for a whole test.

usage: life_serial.py SOCKET LOG FIFO

Connects to the serial socket (QEMU listens; retried until it does), appends
everything the guest prints to LOG (so a test counts readiness lines across
reboots in the same QEMU) and types every line written to FIFO into the
guest's shell. Reconnects when QEMU goes away and comes back; ends when
killed."""
import os
import select
import socket
import sys
import time


def connect(path):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.3)


def main():
    path, log_path, fifo_path = sys.argv[1:4]
    # O_RDWR: the FIFO never reports EOF when a writer closes it.
    fifo = os.open(fifo_path, os.O_RDWR | os.O_NONBLOCK)
    with open(log_path, "ab", buffering=0) as log:
        while True:
            sock = connect(path)
            while True:
                r, _, _ = select.select([sock, fifo], [], [])
                if sock in r:
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        break
                    log.write(data)
                if fifo in r:
                    data = os.read(fifo, 4096)
                    try:
                        sock.sendall(data)
                    except OSError:
                        break
            sock.close()


sys.exit(main())
