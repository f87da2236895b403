#!/usr/bin/env python3
"""Prints a port free on 127.0.0.1 for TCP and UDP, for a test to listen on a moment later.

The port is drawn from below the kernel's ephemeral range (net.ipv4.ip_local_port_range), so an outgoing
connection of another test cannot take it between this pick and the listener's bind: with port 0 the kernel
hands out ephemeral ports, which every loopback connection running in parallel also draws from. Tests that run
at the same time do not get the same port: each pick is reserved by creating a directory in
$TMPDIR/anvil-test-ports, and reservations older than an hour are taken back. tests/support/loopback.cc
(FreePort) follows the same rule for the C++ tests and shares the reservations.
"""
import os
import random
import socket
import sys
import tempfile
import time

LOWEST = 10000
STALE_SECONDS = 3600


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def reserve(directory, port):
    path = os.path.join(directory, str(port))
    try:
        os.mkdir(path)
        return True
    except FileExistsError:
        try:
            if time.time() - os.stat(path).st_mtime > STALE_SECONDS:
                os.utime(path)  # Taken back; a second taker in the same instant only risks what port 0 did.
                return True
        except OSError:
            pass
        return False


def main():
    high = ephemeral_low() - 1
    if high - LOWEST < 1000:  # No room below the ephemeral range on this machine: let the kernel choose.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
        return 0
    directory = os.path.join(tempfile.gettempdir(), "anvil-test-ports")
    os.makedirs(directory, exist_ok=True)
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randint(LOWEST, high)
        if bindable(port) and reserve(directory, port):
            print(port)
            return 0
    print("no free port on 127.0.0.1 below the ephemeral range", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
