"""HTTP tests of the server itself under stress: stopping while slow
requests are suspended, log floods an outsider can cause, a database
that cannot give a connection."""
import os
import re
import signal
import socket
import threading
import time
from urllib.parse import urlencode

import dbx
import harness
from harness import test, status_of
from test_auth import Browser, DEMO_EMAIL


def post_raw(port, path, fields, cookie, out, i):
    """Sends one POST and stores in out[i] what came back before the close."""
    body = urlencode(fields).encode()
    req = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\nCookie: %s\r\n"
           "Content-Length: %d\r\n\r\n" % (path, port, cookie, len(body))).encode() + body
    data = b""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(req)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        pass
    out[i] = data


# ------------------------------------------------------------ stopping

@test
def sigterm_while_slow_requests_are_suspended_exits_cleanly(_):
    """SIGTERM lands while POSTs wait on the slow-work pool, hash a
    password or sleep to their route's minimum answer time; with no
    grace (or a grace that expires first) libmicrohttpd used to find
    suspended connections at its stop and abort the process."""
    rounds, started = 0, time.time()
    while rounds < 24 and (rounds < 8 or time.time() - started < 90):
        grace = "0" if rounds % 2 == 0 else "1"
        s = harness.Server(harness.fresh_db(), env={
            "ROBINET_SHUTDOWN_GRACE": grace, "ROBINET_SLOW_WORKERS": "1"})
        try:
            b = Browser(s)
            b.get("/connexion")
            cookie = "; ".join("%s=%s" % kv for kv in b.cookies.items())
            posts = [("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "pas-le-bon-%d" % k,
                                     "csrf": b.csrf}) for k in range(2)]
            posts += [("/finaliser", {"demande": "x", "csrf": b.csrf})] * 3      # 400 ms minimum
            posts += [("/mot-de-passe-oublie", {"email": "x@robinet.test", "csrf": b.csrf})] * 2
            out = [None] * len(posts)
            threads = [threading.Thread(target=post_raw, args=(s.port, p, f, cookie, out, i))
                       for i, (p, f) in enumerate(posts)]
            for t in threads:
                t.start()
            # Vary the moment: waiting in the queue, hashing, sleeping.
            time.sleep(0.1 + 0.05 * (rounds % 5))
            rc = s.stop(timeout=30)
            for t in threads:
                t.join(30)
        finally:
            if s.proc.poll() is None:
                s.stop()
        log = s.final_log
        assert rc == 0, "round %d: exit status %d\n%s" % (rounds, rc, log[-2000:])
        assert "panic" not in log, log[-2000:]
        for i, data in enumerate(out):
            # Every client gets a whole answer or a closed connection,
            # never a half-written one.
            assert data == b"" or status_of(data) is not None, (i, data[:200])
            if status_of(data) == 503:
                assert b"retry-after:" in data.lower(), data[:400]
        rounds += 1


# ------------------------------------------------------------ log floods

def summary_lines(log, needle):
    return [l for l in log.splitlines() if needle in l and "[repeated " in l]


@test(env={"ROBINET_MAX_CONNECTIONS_PER_IP": "4"})
def a_connection_flood_past_the_per_address_limit_writes_a_few_log_lines(s):
    """1,000 connections past the per-address limit are refused; the log
    says so once, then once more with the count and the address, instead
    of one line per refusal."""
    time.sleep(1)      # let the server forget the start-up probe's connection
    held = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(4)]
    time.sleep(0.3)
    before = len(s.stderr().splitlines())
    refused = 0
    for _ in range(1000):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            if c.recv(100) == b"":
                refused += 1
        except OSError:
            refused += 1
        c.close()
    assert refused >= 990, refused
    deadline = time.time() + 20       # the interval is 10 s
    while time.time() < deadline and not summary_lines(s.stderr(), "max_connections_per_ip"):
        time.sleep(0.5)
    lines = s.stderr().splitlines()[before:]
    assert len(lines) < 20, (len(lines), lines[:5])
    limit = [l for l in lines if "max_connections_per_ip" in l]
    assert len(limit) == 2, (len(limit), limit[:5])
    assert "from 127.0.0.1" in limit[0], limit[0]
    m = re.search(r"\[repeated (\d+) more times in the last 10 s; "
                  r"top addresses: 127\.0\.0\.1 \((\d+)\)\]", limit[1])
    assert m and m.group(1) == m.group(2) and int(m.group(1)) + 1 >= refused, (refused, limit[1])
    for c in held:
        c.close()
    # The count goes down with the connections: a new one is served.
    time.sleep(0.5)
    assert s.request("GET", "/healthz")[0] == 200


@test(env={"ROBINET_THREADS": "4", "ROBINET_MAX_CONNECTIONS": "8"})
def a_burst_of_connections_up_to_the_limit_is_served_whole(s):
    """Each of the 4 threads serves its share of max_connections (2); a
    burst of 8 connections, accepted by whichever thread wakes first, is
    spread over all of them, so none of the 8 is refused."""
    time.sleep(1)      # let the server forget the start-up probe's connection
    conns = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(8)]
    time.sleep(0.3)
    answers = []
    for c in conns:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for c in conns:
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        answers.append(data.split(b"\r\n", 1)[0])
    for c in conns:
        c.close()
    assert answers == [b"HTTP/1.1 200 OK"] * 8, answers


def _get_healthz(c):
    """The status line of GET /healthz on connection c, or b"" when the
    server closed it."""
    data = b""
    try:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data.split(b"\r\n", 1)[0]


@test(env={"ROBINET_THREADS": "4", "ROBINET_MAX_CONNECTIONS": "8"})
def max_connections_counts_over_every_thread(s):
    """With 8 connections open (spread over 4 threads), a ninth is closed
    at once without an answer, whichever thread takes it; once one of
    the 8 is closed, a new connection is served, and so are the 7."""
    time.sleep(1)      # let the server forget the start-up probe's connection
    conns = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(8)]
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    assert _get_healthz(extra) == b"", "a ninth connection was served"
    extra.close()
    deadline = time.time() + 5      # the log file is read as written
    while "max_connections (8) open" not in s.stderr() and time.time() < deadline:
        time.sleep(0.05)
    assert "max_connections (8) open" in s.stderr(), s.stderr()[-1500:]
    conns.pop(0).close()
    time.sleep(0.5)
    again = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    assert _get_healthz(again) == b"HTTP/1.1 200 OK"
    assert [_get_healthz(c) for c in conns] == [b"HTTP/1.1 200 OK"] * 7
    for c in conns + [again]:
        c.close()


@test(own=True)
def repeated_bad_forms_are_counted_with_their_address(s):
    """An outsider's malformed forms: the first is logged, the others
    summed up with the address that sent them."""
    before = len(s.stderr().splitlines())
    body = "&".join("f%d=1" % i for i in range(100))    # past max_form_fields
    for _ in range(150):
        st, _, _ = s.request("POST", "/deconnexion", body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 413, st
    deadline = time.time() + 20
    while time.time() < deadline and not summary_lines(s.stderr(), "bad form"):
        time.sleep(0.5)
    lines = s.stderr().splitlines()[before:]
    bad = [l for l in lines if "bad form on" in l]
    assert len(bad) == 2, (len(bad), bad[:4])
    assert "[repeated 149 more times in the last 10 s; top addresses: 127.0.0.1 (149)]" in bad[1], bad[1]


# ------------------------------------------------------------ database away

@test(env={"ROBINET_SLOW_WORKERS": "4"})
def a_database_that_cannot_give_a_connection_answers_503_in_french(s):
    """The pool opens connections lazily. With the database's folder
    moved away, a request that needs a new connection cannot get one: it
    is answered 503 in French with Retry-After (JSON under /api/), never
    a crash, and the server serves again once the folder is back (on
    PostgreSQL: the database refuses new connections for a while)."""
    b = Browser(s)
    b.get("/connexion")
    cookie = "; ".join("%s=%s" % kv for kv in b.cookies.items())
    if dbx.PG:      # the database refuses new connections
        dbx.allow_connections(s.db, False)
    else:
        folder = os.path.dirname(s.db)
        away = folder + ".away"
        os.rename(folder, away)
    try:
        seen = {}
        for _ in range(5):
            # Four slow POSTs hold a connection each through their 400 ms
            # minimum answer time (or are refused one): meanwhile, the
            # GETs need new connections.
            out = [None] * 4
            threads = [threading.Thread(target=post_raw, args=(
                s.port, "/finaliser", {"demande": "x", "csrf": b.csrf}, cookie, out, i))
                for i in range(4)]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads) and len(seen) < 3:
                for name, path, h in (
                        ("page", "/", {}),
                        ("bills", "/mes-factures", {"Cookie": "__Host-robinet=" + "A" * 43}),
                        ("api", "/api/v1/contracts", {"Authorization": "Bearer x"})):
                    if name not in seen:
                        r = s.request("GET", path, headers=h)
                        if r[0] not in (200, 303, 401):     # what a working database gives
                            seen[name] = r
                time.sleep(0.02)
            for t in threads:
                t.join(20)
            if len(seen) == 3:
                break
    finally:
        if dbx.PG:
            dbx.allow_connections(s.db, True)
        else:
            os.rename(away, folder)
    assert len(seen) == 3, seen
    st, h, body = seen["page"]
    assert st == 503, (st, body[:300])
    assert h.get("retry-after") == "10", h
    harness.check_security_headers(h)
    text = harness.check_page(body)
    assert "indisponible" in text, text[:800]
    st, h, body = seen["bills"]
    assert st == 503 and h.get("retry-after") == "10", (st, h)
    st, h, body = seen["api"]
    assert st == 503 and h.get("retry-after") == "10", (st, h)
    assert h["content-type"].startswith("application/json"), h
    assert "indisponible" in body.decode(), body
    for data in out:
        assert status_of(data) in (503, 400, 403, 303, 200), data[:200]
    assert "cannot open a pooled connection" in s.stderr()
    # Back: the same server answers as before.
    assert s.proc.poll() is None
    assert s.request("GET", "/")[0] == 200
    assert s.request("GET", "/healthz")[0] == 200
