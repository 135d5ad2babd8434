#!/usr/bin/env python3
"""feed.py FIFO READY FILE: a live input that stays open.

Writes FILE into the named pipe FIFO, waits until the reader has taken every
byte of it out of the pipe (FIONREAD on the pipe says 0), creates READY, then
keeps the pipe open without writing (until killed, at most 5 minutes). A test
that signals the reader once READY exists knows the reader holds all of FILE:
nothing of it is still in the pipe.
"""
import fcntl
import os
import struct
import sys
import termios
import time


def queued(fd):
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def main():
    fifo, ready, path = sys.argv[1:4]
    with open(path, "rb") as f:
        data = f.read()
    fd = os.open(fifo, os.O_WRONLY)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    deadline = time.monotonic() + 300
    while queued(fd) and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(ready, "w"):
        pass
    while time.monotonic() < deadline:
        time.sleep(0.5)


main()
