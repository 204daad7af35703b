#!/usr/bin/python3
"""Tests of the harness itself where a mistake would make other tests
fail at random: the ports its servers take."""
import os
import socket
import sys

import harness
from harness import test, Server

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import freeport  # noqa: E402


@test
def free_ports_are_never_the_kernel_s_ephemeral_ones(s):
    # An ephemeral port may go the next moment to an outgoing connection
    # (the server's own to PostgreSQL): the CI failed once that way.
    lo, hi = freeport.ephemeral_range()
    ports = {freeport.free_port() for _ in range(50)}
    inside = sorted(p for p in ports if lo <= p <= hi)
    assert not inside, (lo, hi, inside)
    assert all(1024 < p < 65536 and freeport.bindable(p) for p in ports), ports
    assert len(ports) > 40, "free ports are drawn at random: %d distinct of 50" % len(ports)


@test
def a_server_whose_port_was_taken_starts_on_another(s):
    held = socket.socket()
    held.bind(("127.0.0.1", freeport.free_port()))
    held.listen()
    taken = held.getsockname()[1]
    real = harness.free_port
    given = []

    def first_taken():
        given.append(taken if not given else real())
        return given[-1]
    harness.free_port = first_taken
    try:
        srv = Server(s.db)
    finally:
        harness.free_port = real
        held.close()
    try:
        assert srv.port != taken and srv.port in given, (taken, given, srv.port)
        assert srv.request("GET", "/healthz")[0] == 200
        assert "cannot listen" not in srv.stderr()
    finally:
        srv.stop()
