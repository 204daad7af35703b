"""HTTP tests of the server itself under stress: stopping while slow
requests are suspended, log floods an outsider can cause, a database
that cannot give a connection."""
import os
import signal
import socket
import threading
import time
from urllib.parse import urlencode

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
