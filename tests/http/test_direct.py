"""Direct answers (server.c, gate_direct(); gate.h, gh_direct): a GET or
HEAD without a body, on a connection that has sent libmicrohttpd nothing,
is answered by the front gate's thread itself. These tests hold it to the
library's answers, byte for byte but the date; to the order of pipelined
answers when a connection moves from one to the other; to the
connection's timers; and count it in /metrics
(robinet_http_direct_answers_total).
"""
import os
import re
import socket
import threading
import time

from harness import test
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

# A request the gate never answers itself (it has a body): once it has
# gone to libmicrohttpd, so does every later request of its connection.
POST = (b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 3\r\n\r\na=b")


def read_answers(sock, n, heads=(), timeout=5):
    """Reads n answers from sock: [(status line, [(name, value)], body)].
    heads: indexes of the answers to HEAD requests (no body)."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed after %d answers: %r" % (len(out), buf[:300]))
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = [(k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in lines[1:])]
        status = int(lines[0].split(" ")[1])
        length = 0
        if len(out) not in heads and status not in (204, 304):
            length = int(dict((k.lower(), v) for k, v in fields).get("content-length", "0"))
        while len(buf) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed within a body")
            buf += chunk
        out.append((lines[0], fields, buf[:length]))
        buf = buf[length:]
    return out


def exchange(s, data, n, heads=()):
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    try:
        sock.sendall(data)
        return read_answers(sock, n, heads)
    finally:
        sock.close()


def direct_count(s):
    body = exchange(s, b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0][2].decode()
    m = re.search(r"^robinet_http_direct_answers_total (\d+)$", body, re.M)
    assert m, body[-800:]
    return int(m.group(1))


def without_date(fields):
    return [(k, v) for k, v in fields if k.lower() != "date"]


@test
def direct_answers_are_the_librarys_byte_for_byte(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st in (200, 303), st
    cookie = ("Cookie: " + "; ".join("%s=%s" % kv for kv in b.cookies.items())).encode()
    css = exchange(s, b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0]
    etag = dict(css[1])["ETag"].encode()
    reqs = [
        (b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n", True),
        (b"GET /confidentialite?x=1 HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\n\r\n", False),
        (b"GET /page-absente HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"GET /api/v1/absent HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"GET /mon-espace HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag + b"\r\n\r\n", False),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", False),
        (b"GET /mon-espace HTTP/1.1\r\nHost: t\r\n" + cookie + b"\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: t\r\n" + cookie + b"\r\n\r\n", False),
        (b"GET /mes-factures HTTP/1.1\r\nhost: t\r\ncookie:   " + cookie[8:] + b"  \r\n\r\n", False),
        (b"GET /mon-espace HTTP/1.1\r\nHost: t\r\nCookie: __Host-robinet=\"<script>\"; x=y\r\n\r\n", False),
        (b"GET /confidentialite HTTP/1.0\r\n\r\n", False),
        (b"GET /confidentialite HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", False),
    ]
    for r, head in reqs:    # pages kept after a first answer (X-Robinet-Cache)
        exchange(s, r, 1, (0,) if head else ())
    before = direct_count(s)
    direct = [exchange(s, r, 1, (0,) if head else ())[0] for r, head in reqs]
    middle = direct_count(s)
    library = [exchange(s, POST + r, 2, (1,) if head else ())[1] for r, head in reqs]
    after = direct_count(s)
    # Each direct fetch was answered by the gate, the /metrics fetch too;
    # none of those behind a POST was.
    assert middle - before == len(reqs) + 1, (before, middle)
    assert after - middle == 1, (middle, after)
    for (r, _), d, lib in zip(reqs, direct, library):
        what = r.split(b"\r\n")[0].decode()
        assert d[0] == lib[0], (what, d[0], lib[0])
        assert without_date(d[1]) == without_date(lib[1]), (what, d[1], lib[1])
        assert [k for k, _ in d[1]][0] == "Date", (what, d[1])
        assert d[2] == lib[2], (what, len(d[2]), len(lib[2]))
    # What the list holds is what it claims to test.
    statuses = [int(d[0].split(" ")[1]) for d in direct]
    assert statuses == [200, 200, 200, 404, 404, 303, 200, 304, 200, 200, 200, 200, 303, 200, 200], statuses
    assert b"Bonjour" in direct[9][2] or b"espace" in direct[9][2], direct[9][2][:300]
    assert ("Connection", "close") in direct[13][1] and ("Connection", "close") in direct[14][1]


@test
def pipelined_answers_keep_their_order_across_the_library(s):
    # Direct answers, then a POST that goes to the library, then GETs that
    # follow it there: every answer comes, in order.
    data = (b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /page-absente HTTP/1.1\r\nHost: t\r\n\r\n"
            b"HEAD /confidentialite HTTP/1.1\r\nHost: t\r\n\r\n" + POST +
            b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\n\r\n")
    before = direct_count(s)
    got = exchange(s, data, 6, (2,))
    assert [int(a[0].split(" ")[1]) for a in got][:3] == [200, 404, 200], got
    assert got[0][2] == b"ok\n" and got[4][2] == b"ok\n", got
    assert got[5][2].startswith(b"/*") or b"{" in got[5][2], got[5][2][:80]
    assert direct_count(s) - before == 3 + 1


@test
def a_file_answered_directly_is_followed_by_the_next_answer(s):
    # The file goes out by sendfile() after the head; the GET pipelined
    # after it waits for it, then is answered on the same connection.
    one = exchange(s, b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0]
    data = (b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\n\r\n" * 5 +
            b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    got = exchange(s, data, 6)
    assert len(one[2]) > 5000, len(one[2])
    for a in got[:5]:
        assert a[0] == "HTTP/1.1 200 OK" and a[2] == one[2], (a[0], len(a[2]))
    assert got[5][2] == b"ok\n", got[5]


@test
def a_direct_answer_is_logged_before_it_arrives(s):
    path = "/page-absente-%d" % time.time_ns()
    got = exchange(s, ("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode(), 1)
    assert got[0][0].startswith("HTTP/1.1 404"), got[0][0]
    line = [l for l in s.stderr().splitlines() if "path=%s " % path in l]
    assert len(line) == 1 and "status=404" in line[0], line


@test(env={"ROBINET_IDLE_TIMEOUT": "2", "ROBINET_REQUEST_TIMEOUT": "2"})
def a_busy_direct_connection_outlives_the_idle_and_request_timeouts(s):
    # Answered by the gate, its requests never reach libmicrohttpd, whose
    # idle timer and the request deadline go on as if they had: a
    # connection that asks every half second for longer than both stays
    # open, one that stays silent is closed.
    idle = socket.create_connection(("127.0.0.1", s.port), timeout=8)
    busy = socket.create_connection(("127.0.0.1", s.port), timeout=8)
    t0 = time.time()
    for i in range(10):
        busy.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        a = read_answers(busy, 1)[0]
        assert a[2] == b"ok\n", (i, a)
        time.sleep(0.5)
    assert time.time() - t0 > 4.5
    busy.close()
    idle.settimeout(1)
    try:
        closed = idle.recv(100) == b""
    except socket.timeout:
        closed = False
    except ConnectionResetError:
        closed = True
    idle.close()
    assert closed, "a silent connection stayed open past idle_timeout"
    # A direct connection that then stalls inside a head is cut.
    stall = socket.create_connection(("127.0.0.1", s.port), timeout=8)
    stall.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    assert read_answers(stall, 1)[0][2] == b"ok\n"
    stall.sendall(b"GET /healthz HTTP/1.1\r\nHo")
    t1 = time.time()
    stall.settimeout(8)
    try:
        rest = stall.recv(100)
    except ConnectionResetError:
        rest = b""
    stall.close()
    assert rest == b"" and 1 <= time.time() - t1 < 7, (rest, time.time() - t1)


@test(env={"ROBINET_DIRECT_ANSWERS": "false"})
def direct_answers_can_be_turned_off(s):
    before = direct_count(s)
    for _ in range(3):
        assert exchange(s, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0][2] == b"ok\n"
    assert direct_count(s) == before


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# Under AddressSanitizer freed memory waits in a quarantine before it is
# used again, so the server's size follows what it freed as well: the
# test's server keeps none, to weigh what it holds.
QUARANTINE_OFF = {"ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") +
                                   ":quarantine_size_mb=0").lstrip(":")}


@test(env=QUARANTINE_OFF)
def a_pipeline_of_large_pages_is_answered_within_bounded_memory(s):
    # 1,500 pipelined GETs of a 5 KB page sent by a client that reads
    # nothing for a while: the gate answers only while less than
    # DOUT_MAX (64 KB) of its answers wait, so the server's memory does
    # not grow by the 7 MB of answers (answering all it has read would
    # hold 3 to 4 MB); then every answer comes, in order.
    n = 1500
    one = exchange(s, b"GET /confidentialite HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0]
    assert len(one[2]) > 4000, len(one[2])
    for _ in range(3):      # the server's own buffers, grown once
        exchange(s, b"GET /confidentialite HTTP/1.1\r\nHost: t\r\n\r\n" * 300, 300)
    before = rss_kb(s.proc.pid)
    # A small window from the start (set before connecting), so that
    # the kernel's buffers do not take the answers in the server's stead.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(20)
    sock.connect(("127.0.0.1", s.port))
    # The requests go from a thread of their own: a client that sends a
    # long pipeline must read its answers meanwhile, or both ends block.
    sender = threading.Thread(target=sock.sendall,
                              args=(b"GET /confidentialite HTTP/1.1\r\nHost: t\r\n\r\n" * n,))
    sender.start()
    time.sleep(1.5)
    grown = rss_kb(s.proc.pid) - before
    got = read_answers(sock, n, timeout=20)
    sender.join()
    sock.close()
    assert grown < 1500, "the server grew by %d KB while its answers waited" % grown
    assert all(a[0] == "HTTP/1.1 200 OK" and a[2] == one[2] for a in got)
