"""HTTP tests of the foundation: pages, headers, limits, static files,
health, metrics, logs, graceful stop and the command line."""
import calendar
import http.client
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import os

import dbx
from harness import (ARGS, Server, test, status_of, run_cli, free_port,
                     check_security_headers, check_page)


# ---------------------------------------------------------------- pages

@test
def home_page_shows_news_events_and_service(s):
    st, h, body = s.request("GET", "/")
    assert st == 200, st
    assert h["content-type"].startswith("text/html"), h["content-type"]
    check_security_headers(h)
    text = check_page(body)
    assert "La Maison de l&#39;Eau fait escale à Allennes" in text, "Allennes event missing"
    assert "09 69 32 22 12" in text
    assert re.search(r"Le service client est (ouvert|fermé)", text), "no service status"
    for link in ("/connexion", "/creer-mon-espace", "/abonne-2023", "/archives", "/contact"):
        assert 'href="%s"' % link in text, "no link to " + link


@test
def linked_pages_exist_and_later_ones_say_soon(s):
    for path in ("/connexion", "/creer-mon-espace", "/abonne-2023", "/mot-de-passe-oublie",
                 "/archives", "/contact"):
        st, h, body = s.request("GET", path)
        assert st == 200, (path, st)
        assert "<form" in check_page(body), path
        assert "Bientôt disponible" not in check_page(body), path
    st, h, body = s.request("GET", "/confidentialite")
    assert st == 200 and "RGPD" in check_page(body)


@test
def head_answers_like_get_without_body(s):
    st, h, body = s.request("GET", "/confidentialite")
    st2, h2, body2 = s.request("HEAD", "/confidentialite")
    assert st2 == 200 and body2 == b"", (st2, body2[:50])
    assert h2["content-length"] == str(len(body)), (h2.get("content-length"), len(body))
    check_security_headers(h2)
    st, h, _ = s.request("HEAD", "/static/css/site.css")
    assert st == 200 and h["content-type"].startswith("text/css")


@test
def unknown_page_is_a_french_404_in_the_layout(s):
    st, h, body = s.request("GET", "/nulle-part")
    assert st == 404, st
    check_security_headers(h)
    text = check_page(body)
    assert "Page introuvable" in text


@test
def wrong_method_is_405_with_allow(s):
    st, h, body = s.request("POST", "/confidentialite", body=b"a=1",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 405, st
    assert h.get("allow") == "GET, HEAD", h.get("allow")
    assert "Action non autorisée" in check_page(body)
    st, h, body = s.request("DELETE", "/")
    assert st == 405, st


@test
def oversized_body_is_413(s):
    st, h, body = s.request("POST", "/connexion", body=b"a=" + b"x" * 70000,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 413, st
    assert "Envoi trop volumineux" in check_page(body)
    # Without Content-Length (chunked), the limit holds too.
    raw = s.raw(b"POST /connexion HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                + (b"8000\r\n" + b"x" * 0x8000 + b"\r\n") * 3 + b"0\r\n\r\n")
    assert status_of(raw) == 413, raw[:100]


@test
def too_many_form_fields_is_413_and_bad_query_is_400(s):
    body = "&".join("f%d=1" % i for i in range(100)).encode()
    st, _, page = s.request("POST", "/connexion", body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 413, st
    st, _, page = s.request("GET", "/?q=%zz")
    assert st == 400, st
    assert "Adresse de la page non valide" in check_page(page)
    st, _, page = s.request("GET", "/?q=%00")
    assert st == 400, st


@test
def path_traversal_never_leaves_static(s):
    attempts = [
        b"/static/../../../../etc/passwd",
        b"/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/static/..%2f..%2f..%2fetc%2fpasswd",
        b"/static/%2e%2e%2f%2e%2e%2fmeson.build",
        b"/static/css/..%5c..%5cmeson.build",
        b"/static/css/site.css%00.png",
        b"/static/%00",
        b"/static/.%2e/.%2e/src/main.c",
        b"/static/css/",
        b"/static/",
        b"/static/css",
        b"/static/../meson.build",
        b"/static//etc/passwd",
    ]
    for a in attempts:
        raw = s.raw(b"GET " + a + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        st = status_of(raw)
        assert st in (400, 404), (a, st)
        assert b"root:" not in raw and b"project(" not in raw and b"#include" not in raw, a


@test
def static_files_have_types_etag_and_304(s):
    st, h, body = s.request("GET", "/static/css/site.css")
    assert st == 200, st
    assert h["content-type"] == "text/css; charset=utf-8", h["content-type"]
    assert "max-age" in h["cache-control"], h["cache-control"]
    check_security_headers(h)
    etag = h["etag"]
    assert body.startswith(b"/*"), body[:20]
    st, h2, body2 = s.request("GET", "/static/css/site.css", headers={"If-None-Match": etag})
    assert st == 304 and body2 == b"", st
    assert h2["etag"] == etag
    st, _, _ = s.request("GET", "/static/css/site.css", headers={"If-None-Match": '"other"'})
    assert st == 200
    st, _, _ = s.request("GET", "/static/css/absent.css")
    assert st == 404


@test
def healthz_checks_the_database(s):
    st, h, body = s.request("GET", "/healthz")
    assert st == 200 and body == b"ok\n", (st, body)
    assert h["cache-control"] == "no-store"


@test
def metrics_count_requests_by_route_and_status(s):
    def count(text, route, status):
        m = re.search(r'^robinet_http_requests_total\{route="%s",status="%d"\} (\d+)$' % (route, status), text, re.M)
        return int(m.group(1)) if m else 0
    time.sleep(0.2)
    before = s.request("GET", "/metrics")[2].decode()
    for _ in range(3):
        s.request("GET", "/")
    s.request("GET", "/absent")
    time.sleep(0.2)     # requests are counted when their connection is done with them
    st, h, body = s.request("GET", "/metrics")
    assert st == 200 and h["content-type"].startswith("text/plain"), st
    text = body.decode()
    assert count(text, "home", 200) == count(before, "home", 200) + 3, text[:600]
    assert count(text, "not_found", 404) == count(before, "not_found", 404) + 1, "404 not counted"
    assert count(text, "metrics", 200) == count(before, "metrics", 200) + 1
    assert "robinet_http_request_duration_seconds_bucket{le=\"+Inf\"}" in text
    assert re.search(r"^robinet_http_request_duration_seconds_count \d+$", text, re.M)
    assert re.search(r"^robinet_db_errors_total \d+$", text, re.M)
    # The session cache (app/sesscache.h): on, on both engines.
    assert re.search(r"^robinet_session_cache_on 1$", text, re.M), \
        re.findall(r"^robinet_session_cache.*$", text, re.M)
    assert re.search(r"^robinet_session_cache_hits_total \d+$", text, re.M)
    assert re.search(r"^robinet_session_cache_misses_total \d+$", text, re.M)


@test(env={"ROBINET_SESSION_CACHE": "false"})
def session_cache_can_be_turned_off(s):
    text = s.request("GET", "/metrics")[2].decode()
    assert re.search(r"^robinet_session_cache_on 0$", text, re.M), \
        re.findall(r"^robinet_session_cache.*$", text, re.M)


@test
def access_log_has_one_machine_readable_line_per_request(s):
    s.request("GET", "/journal-unique-42?x=1")
    time.sleep(0.2)
    lines = [l for l in s.stderr().splitlines() if "type=access" in l and "path=/journal-unique-42" in l]
    assert len(lines) == 1, lines
    fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', lines[0]))
    assert fields["method"] == "GET" and fields["status"] == "404", fields
    assert int(fields["bytes"]) > 500 and int(fields["us"]) >= 0, fields
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", fields["ts"]), fields


@test
def concurrent_requests_are_all_served(s):
    results = []

    def worker():
        for _ in range(10):
            results.append(s.request("GET", "/")[0])
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 80, results


@test(own=True)
def database_failure_gives_a_500_that_leaks_nothing(s):
    con = dbx.connect(s.db)
    con.execute("ALTER TABLE news RENAME TO news_gone")
    con.commit()
    try:
        st, h, body = s.request("GET", "/")
        assert st == 500, st
        text = check_page(body)
        assert "Erreur interne" in text
        for leak in ("news", "sqlite", "SELECT", "no such table", ".c:", "rb_"):
            assert leak not in text, "500 page leaks %r" % leak
        check_security_headers(h)
        log = s.stderr()
        assert re.search(r"level=error func=\S+ .*news", log), log[-800:]
        st, _, body = s.request("GET", "/metrics")
        assert re.search(rb"^robinet_db_errors_total [1-9]", body, re.M), body[-300:]
    finally:
        con.execute("ALTER TABLE news_gone RENAME TO news")
        con.commit()
        con.close()


# ---------------------------------------------------- limits and stops

@test(env={"ROBINET_IDLE_TIMEOUT": "2"})
def idle_client_is_cut_off(s):
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")   # and then nothing
    t0 = time.time()
    r, _, _ = select.select([sock], [], [], 10)
    assert r, "connection still open after 10 s"
    assert sock.recv(100) in (b"",) or True
    elapsed = time.time() - t0
    assert elapsed < 6, elapsed
    sock.close()


def drip_until_cut(s, head, data):
    """Sends head, then data a byte a second; returns the seconds until
    the server closed the connection (or 15 when it did not)."""
    sock = socket.create_connection(("127.0.0.1", s.port))
    t0 = time.time()
    closed = False
    sock.sendall(head)
    for b in data:
        try:
            sock.sendall(bytes([b]))
        except OSError:
            closed = True
            break
        r, _, _ = select.select([sock], [], [], 1.0)
        if r:
            if sock.recv(100) == b"":
                closed = True
                break
        if time.time() - t0 > 15:
            break
    sock.close()
    return time.time() - t0 if closed else 15


@test(env={"ROBINET_IDLE_TIMEOUT": "2", "ROBINET_REQUEST_TIMEOUT": "4"})
def slow_drip_client_is_cut_off(s):
    # A body sent one byte a second never trips the 2 s idle timeout; the
    # 4 s request deadline must cut it anyway.
    took = drip_until_cut(s, b"POST /connexion HTTP/1.1\r\nHost: t\r\n"
                          b"Content-Length: 100\r\n\r\n", b"x" * 100)
    assert took < 10, "slow client still connected after %.1f s" % took


@test(env={"ROBINET_IDLE_TIMEOUT": "2", "ROBINET_REQUEST_TIMEOUT": "4"})
def slow_drip_head_is_cut_off(s):
    # A head sent one byte a second: the front gate keeps it until it is
    # whole, so the server sees a silent connection and its idle timeout
    # cuts it, before the request deadline.
    took = drip_until_cut(s, b"", b"GET / HTTP/1.1\r\nHost: " + b"x" * 100)
    assert took < 6, "slow client still connected after %.1f s" % took


@test(env={"ROBINET_MAX_CONNECTIONS_PER_IP": "3"})
def connections_per_ip_are_limited(s):
    time.sleep(2)     # let the server forget the start-up probe's connection
    socks = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(4)]
    # Nothing is sent until the server has dealt with all four: the one
    # past the limit is closed at once (end of file), the three others
    # stay open. Sending first would let a served connection close and
    # free its place before a slow server reached the fourth.
    refused = []
    deadline = time.time() + 10
    while len(refused) < 1 and time.time() < deadline:
        live = [x for x in socks if x not in refused]
        r, _, _ = select.select(live, [], [], 0.2)
        for sock in r:
            try:
                if sock.recv(100) == b"":
                    refused.append(sock)
            except OSError:
                refused.append(sock)
    time.sleep(0.5)   # no second refusal follows
    r, _, _ = select.select([x for x in socks if x not in refused], [], [], 0)
    assert len(refused) == 1 and not r, \
        "expected the 4th connection to be refused, refused=%d" % len(refused)
    for sock in socks:
        if sock in refused:
            sock.close()
            continue
        sock.settimeout(5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200"), "an open connection was not served"
        sock.close()


@test(own=True)
def sigterm_finishes_requests_in_flight_then_exits_0(s):
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"POST /confidentialite HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\na=12")
    time.sleep(0.3)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert s.proc.poll() is None, "exited with a request in flight"
    # New connections are refused while stopping.
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    assert refused, "still accepting connections after SIGTERM"
    sock.sendall(b"345678")
    sock.settimeout(5)
    data = sock.recv(4096)
    assert status_of(data) == 405, data[:80]
    sock.close()
    s.proc.wait(timeout=10)
    assert s.proc.returncode == 0, s.proc.returncode
    assert "stopped" in s.stderr()


# ---------------------------------------------------------------- CLI

@test
def cli_rejects_unknown_commands_and_options(s):
    rc, out, err = run_cli("frobnicate")
    assert rc == 2 and "unknown command 'frobnicate'" in err and "usage:" in err, (rc, err)
    rc, out, err = run_cli("serve", "--frob")
    assert rc == 2 and "unknown option '--frob'" in err and "usage:" in err, (rc, err)
    rc, out, err = run_cli()
    assert rc == 2 and "usage:" in err
    rc, out, err = run_cli("version")
    assert rc == 0 and out.startswith("robinet "), out
    rc, out, err = run_cli("help")
    assert rc == 0 and "config check" in out


@test
def config_check_masks_secrets_and_names_bad_keys(s):
    key = "ab" * 32
    rc, out, err = run_cli("config", "check", env={"ROBINET_DATA_KEY": key})
    assert rc == 0, (rc, err)
    assert key not in out and "data_key" in out and "********" in out, out
    assert re.search(r"max_body_bytes\s+= 65536", out), out
    rc, out, err = run_cli("config", "check", env={"ROBINET_MAX_BODY_BYTES": "abc"})
    assert rc != 0 and "max_body_bytes" in err, (rc, err)
    rc, out, err = run_cli("config", "check", env={"ROBINET_IDLE_TIMEOUT": "0"})
    assert rc != 0 and "idle_timeout" in err and "out of range" in err, err
    rc, out, err = run_cli("config", "check", env={"ROBINET_NO_SUCH": "1"})
    assert rc != 0 and "ROBINET_NO_SUCH" in err, err
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("# test\nlisten = 127.0.0.1:9999\nmax_connections = 12\n")
    rc, out, err = run_cli("config", "check", "--config", f.name, "--listen", "127.0.0.1:7777")
    assert rc == 0 and re.search(r"max_connections\s+= 12\s+# file", out), out
    assert re.search(r"listen\s+= 127.0.0.1:7777\s+# option", out), out
    with open(f.name, "w") as g:
        g.write("listen = nowhere\n")
    rc, out, err = run_cli("config", "check", "--config", f.name)
    assert rc != 0 and ":1:" in err and "listen" in err, err
    os.unlink(f.name)


@test
def unreachable_postgresql_is_reported_clearly(s):
    # Port 1 of the loopback: nothing listens there; the password is never echoed.
    rc, out, err = run_cli("migrate", "--db", "postgresql://robinet:s3cret@127.0.0.1:1/robinet?connect_timeout=5")
    assert rc != 0 and "postgresql: cannot connect" in err and "s3cret" not in err, err


@test
def serve_refuses_an_outdated_schema(s):
    d = tempfile.mkdtemp()
    db = dbx.new_db(path=os.path.join(d, "empty.db"))
    p = subprocess.run([ARGS.bin, "serve", "--db", dbx.url(db), "--listen", "127.0.0.1:%d" % free_port()],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "robinet migrate" in p.stderr, p.stderr
    rc, out, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0 and "applied" in out, (rc, out, err)
    rc, out, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0 and out.startswith("0 migration"), out




@test
def access_log_time_is_each_request_s_own_second(s):
    """The access line's time is formatted once a second by each thread:
    requests on one keep-alive connection (one thread), a second or more
    apart, each carry the second they were answered in."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    spans = []
    for i in range(3):
        before = int(time.time())
        c.request("GET", "/horodatage-%d" % i)
        r = c.getresponse()
        r.read()
        assert r.status == 404, r.status
        spans.append((before, int(time.time())))
        time.sleep(1.1)
    c.close()
    time.sleep(0.2)
    log = s.stderr()
    seen = []
    for i, (before, after) in enumerate(spans):
        lines = [l for l in log.splitlines()
                 if "type=access" in l and "path=/horodatage-%d " % i in l]
        assert len(lines) == 1, lines
        ts = re.search(r"^ts=(\S+) ", lines[0]).group(1)
        t = calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))
        # The line is written when libmicrohttpd reports the answer
        # sent, which may be just after the client has read it: the
        # next second is that request's too. A stale stamp would be
        # before the request.
        assert before <= t <= after + 1, (ts, before, after)
        seen.append(t)
    assert len(set(seen)) == 3, seen
