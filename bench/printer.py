#!/usr/bin/env python3
"""The kill9 scenario's app: prints "line N pid P" on stdout every MS milliseconds, forever, and
after each line that the kernel took records N in SIDE.P (so lines lost between the app and the
log file can be counted). SIGPIPE kills it, as it does a C or shell program writing to a pipe
whose reader is gone. Usage: printer.py SIDE MS"""
import os
import signal
import sys
import time

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
side = os.open(f"{sys.argv[1]}.{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
period = int(sys.argv[2]) / 1000
pid = os.getpid()
due = time.monotonic()
n = 0
while True:
    n += 1
    os.write(1, f"line {n} pid {pid}\n".encode())
    os.pwrite(side, f"{n:>12}\n".encode(), 0)
    due += period
    time.sleep(max(0.0, due - time.monotonic()))
