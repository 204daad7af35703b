#!/usr/bin/python3
"""A free loopback TCP port for a test's server, taken outside the
kernel's range of ephemeral ports.

Asking the kernel for port 0 and closing the socket hands out a port of
that range, which the kernel may give the next moment to an outgoing
connection (a server's connections to PostgreSQL on 127.0.0.1, a test's
client): the server started on it then cannot listen. A port below the
range is never chosen for an outgoing connection; it is checked free by
binding it, chosen at random so that tests running side by side rarely
pick the same one (servers of the HTTP harness retry on another port if
that happens all the same).

Imported (free_port()) or run (prints a port).
"""
import random
import socket

LOWEST = 10000      # above the well-known and most registered services


def ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999     # Linux's default


def bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    lo, hi = ephemeral_range()
    spans = [(p, q) for p, q in ((LOWEST, lo - 1), (hi + 1, 65535)) if q - p >= 1000]
    for _ in range(200 if spans else 0):
        p, q = random.choice(spans)
        port = random.randint(p, q)
        if bindable(port):
            return port
    # No room outside the range (an unusual kernel setting): the kernel's choice.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    print(free_port())
