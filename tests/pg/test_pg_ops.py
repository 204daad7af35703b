#!/usr/bin/python3
"""Operations on PostgreSQL (docs/deploy.md), against the throw-away
cluster of tests/pg/cluster.sh (RB_TEST_DB):

  - serve with seccomp = kill serves pages, and keeps serving when the
    server ends its connections (pg_terminate_backend): it connects
    again, never dies; its session cache's listener ended, the cache
    goes off and on again, the session working throughout;
  - pg_dump taken while requests write restores into a new database
    with the same row counts (within the writes) and the same bills;
  - tests/pg/standby.sh: streaming standby, failover, the app carries on.

    tests/pg/cluster.sh /usr/bin/python3 tests/pg/test_pg_ops.py --bin build/robinet

Prints TAP. The HTTP helpers come from tests/http (harness, Browser)."""
import argparse
import glob
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
import harness  # noqa: E402
from harness import PINNED, free_port  # noqa: E402
from test_auth import DEMO_EMAIL, DEMO_PASSWORD, Browser  # noqa: E402

BINDIR = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])[-1]
URL = os.environ.get("RB_TEST_DB", "")
TESTS = []


def test(f):
    TESTS.append(f)
    return f


def psql(url, sql):
    p = subprocess.run([BINDIR + "/psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (sql, p.stderr)
    return p.stdout.strip()


def with_db(url, name):
    u = urlsplit(url)
    return urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


class Serve:
    """robinet serve on url (seccomp = kill unless env says otherwise)."""

    def __init__(self, url, env=None):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="robinet-pg-", suffix=".log", delete=False)
        self.tmp = tempfile.mkdtemp(prefix="robinet-pgops-")
        e = dict(os.environ)
        e.update(PINNED)
        e.update({"ROBINET_SECCOMP": "kill", "ROBINET_MAIL_DIR": self.tmp, "ROBINET_ATTACHMENTS_DIR": self.tmp,
                  "ROBINET_PSP_SANDBOX_LISTEN": "127.0.0.1:%d" % free_port(),
                  "ROBINET_PUBLIC_URL": "http://127.0.0.1:%d" % self.port})
        e.update(env or {})
        self.proc = subprocess.Popen([harness.ARGS.bin, "serve", "--db", url, "--listen", "127.0.0.1:%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=e)
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, self.stderr()[-2000:]
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not start: " + self.stderr()[-2000:])

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, body

    def stderr(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.final_log = self.stderr()
        os.unlink(self.log.name)
        subprocess.run(["rm", "-rf", self.tmp])
        if "Sanitizer" in self.final_log or "runtime error:" in self.final_log:
            return -1           # a sanitizer build's report
        return self.proc.returncode


def seccomp_modes(pid):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, t)) as f:
            out += [int(x.split()[1]) for x in f if x.startswith("Seccomp:")]
    return out


def robinet_backends(url):
    return int(psql(with_db(url, "postgres"), "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'robinet'"))


def terminate_robinet(url):
    return psql(with_db(url, "postgres"), "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE application_name = 'robinet') t")


@test
def seccomp_kill_serves_pages_on_postgresql(url):
    s = Serve(url)
    try:
        modes = seccomp_modes(s.proc.pid)
        assert len(modes) > 1 and set(modes) == {2}, modes
        assert "seccomp: system calls restricted (kill)" in s.stderr()
        assert s.get("/")[0] == 200
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        st, _, page = b.get("/mes-factures")
        assert st == 200 and "Facture" in page, st
    finally:
        assert s.stop() == 0, s.final_log[-2000:]
    # The same through the server's Unix socket (SO_PEERCRED, AF_UNIX).
    sockdir = psql(url, "SHOW unix_socket_directories").split(",")[0].strip()
    port = urlsplit(url).port
    u = "postgresql://robinet@%s:%d/robinet" % (sockdir.replace("/", "%2F"), port)
    s = Serve(u)
    try:
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        assert b.get("/mes-factures")[0] == 200
        assert psql(with_db(url, "postgres"), "SELECT count(*) FROM pg_stat_activity WHERE "
                    "application_name = 'robinet' AND client_port = -1") != "0"
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


@test
def terminated_backends_are_replaced_without_dying(url):
    # The pool's connections, not the caches': with sessions and pages
    # kept in memory a request may need no connection at all, and a
    # terminated one would be replaced at some later request only.
    s = Serve(url, {"ROBINET_SESSION_CACHE": "false", "ROBINET_DATA_CACHE": "false"})
    try:
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        for _ in range(4):
            assert robinet_backends(url) >= 1
            terminate_robinet(url)
            # At once, before the ended backends are even gone: the
            # pool and the driver connect again; the subscriber's
            # session (in the database) is still there.
            st, _, page = b.get("/mes-factures")
            assert st == 200 and "Facture" in page, (st, s.stderr()[-2000:])
            assert s.get("/")[0] == 200
        # Under load: the connections are ended while requests run.
        stop = threading.Event()
        seen = []

        def load():
            while not stop.is_set():
                try:
                    seen.append(s.get("/")[:1] + (None,))
                except OSError as e:
                    seen.append((None, repr(e)))
        ts = [threading.Thread(target=load) for _ in range(4)]
        for t in ts:
            t.start()
        for _ in range(10):
            terminate_robinet(url)
            time.sleep(0.05)
        stop.set()
        for t in ts:
            t.join()
        assert s.proc.poll() is None, "the server died: " + s.stderr()[-2000:]
        statuses = {x[0] for x in seen}
        # 500 only for a request whose transaction was cut in the middle;
        # never a dropped connection, and serving again right after.
        assert statuses <= {200, 500, 503}, (statuses, seen[:5])
        assert s.get("/")[0] == 200
        # Replaced one way or the other: found dead when taken from the
        # pool (the server's FATAL already read), or when a statement
        # ran on it (pg.c reconnect()); which one depends on timing.
        err = s.stderr()
        assert "connection lost, connected again" in err or \
            "pooled connection lost: reconnecting" in err, err[-2000:]
        n500 = sum(1 for x in seen if x[0] == 500)
        print("# %d requests under termination: %d answered 500, %d 503" %
              (len(seen), n500, sum(1 for x in seen if x[0] == 503)))
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


@test
def database_down_answers_a_french_503_then_serves_again(url):
    # The application role loses the right to connect: every new link is
    # refused, as when the server is away. Pages say so in French (503),
    # the process lives on; given back, it serves again.
    s = Serve(url)
    try:
        assert s.get("/")[0] == 200
        psql(with_db(url, "postgres"), "ALTER DATABASE robinet ALLOW_CONNECTIONS false")
        try:
            terminate_robinet(url)
            st, body = s.get("/mes-factures")
            deadline = time.time() + 5
            while st != 503 and time.time() < deadline:
                st, body = s.get("/mes-factures")
            assert st == 503 and "momentanément indisponible" in body, (st, body[:300])
            assert s.proc.poll() is None
        finally:
            psql(with_db(url, "postgres"), "ALTER DATABASE robinet ALLOW_CONNECTIONS true")
        st, body = s.get("/")
        assert st == 200, (st, s.stderr()[-1500:])
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


class Locker:
    """Holds an ACCESS EXCLUSIVE lock on table from another session of
    the database, so that robinet's next query on it waits there."""

    def __init__(self, url, table):
        self.url = url
        self.p = subprocess.Popen([BINDIR + "/psql", "-X", "-q", url], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                                  env=dict(os.environ, PGAPPNAME="rb-locker"))
        self.p.stdin.write("BEGIN; LOCK TABLE %s IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);\n" % table)
        self.p.stdin.flush()
        deadline = time.time() + 10
        while time.time() < deadline:
            if psql(url, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = '%s' AND l.mode = 'AccessExclusiveLock' AND l.granted" % table) != "0":
                return
            time.sleep(0.05)
        raise AssertionError("no lock on " + table)

    def release(self):
        # Its backend would sleep on, lock held, after psql's end.
        psql(with_db(self.url, "postgres"), "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
             "pg_stat_activity WHERE application_name = 'rb-locker') t")
        self.p.kill()
        self.p.wait()


def cut_mid_request(url, s, table, ask):
    """Runs ask() (one request) while table is locked; once robinet waits
    on the lock, its links are ended and new ones refused: the request
    fails in the middle. Returns what ask() returned."""
    lk = Locker(url, table)
    out = []
    t = threading.Thread(target=lambda: out.append(ask()))
    try:
        t.start()
        deadline = time.time() + 10
        while psql(with_db(url, "postgres"), "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                   "'robinet' AND wait_event_type = 'Lock'") == "0":
            assert time.time() < deadline, "robinet never waited on the lock of " + table
            time.sleep(0.05)
        psql(with_db(url, "postgres"), "ALTER DATABASE robinet ALLOW_CONNECTIONS false")
        terminate_robinet(url)
        t.join(60)
    finally:
        lk.release()
        psql(with_db(url, "postgres"), "ALTER DATABASE robinet ALLOW_CONNECTIONS true")
    assert out, "the request never ended"
    return out[0]


def assert_french_503(st, headers, body):
    assert st == 503, (st, headers.get("Location"), body[:300])
    assert headers.get("Retry-After", "").isdigit(), dict(headers)
    assert "momentanément indisponible" in body, body[:300]
    assert headers.get("Location") is None


@test
def link_lost_mid_request_answers_a_french_503_with_retry_after(url):
    # The link dies while a page's query runs (after the connection was
    # taken from the pool): "come back shortly", not an internal error.
    s = Serve(url)
    try:
        st, body = s.get("/actualites")
        assert st == 200, st

        def ask():
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
            c.request("GET", "/actualites")
            r = c.getresponse()
            out = (r.status, r.headers, r.read().decode("utf-8", "replace"))
            c.close()
            return out
        r = cut_mid_request(url, s, "news", ask)
        assert_french_503(*r)
        assert "database link lost during /actualites" in s.stderr()
        assert s.get("/actualites")[0] == 200
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


@test
def session_lookup_failing_in_the_database_answers_503_and_keeps_the_session(url):
    # Before: a database error during the session lookup sent the
    # subscriber to the sign-in page, as if signed out. The lookup must
    # reach the database: without the session cache (app/sesscache.h),
    # which would serve it from memory.
    s = Serve(url, {"ROBINET_SESSION_CACHE": "false"})
    try:
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        assert b.get("/mes-factures")[0] == 200
        cookies = dict(b.cookies)
        st, headers, body = cut_mid_request(url, s, "sessions", lambda: b.get("/mes-factures"))
        assert_french_503(st, headers, body)
        assert not headers.get_all("Set-Cookie"), headers.get_all("Set-Cookie")
        assert b.cookies == cookies
        st, _, page = b.get("/mes-factures")
        assert st == 200 and "Facture" in page, (st, s.stderr()[-1500:])
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


def cache_figures(s):
    """(robinet_session_cache_on, robinet_session_cache_hits_total)."""
    text = s.get("/metrics")[1]
    on = re.search(r"^robinet_session_cache_on (\d+)$", text, re.M)
    hits = re.search(r"^robinet_session_cache_hits_total (\d+)$", text, re.M)
    return int(on.group(1)), int(hits.group(1))


def data_cache_on(s):
    """robinet_data_cache_on (app/pagecache.h: the same listener)."""
    return int(re.search(r"^robinet_data_cache_on (\d+)$", s.get("/metrics")[1], re.M).group(1))


@test
def session_cache_off_while_its_listener_is_lost(url):
    # The listener (its own connection, LISTEN rb_sessions and rb_data)
    # ended by the server: the cache goes off, empty, and on again once the listener
    # is back (a second at most), under seccomp; meanwhile and after,
    # the session works and a sign-out ends it. The pages' data cache
    # (app/pagecache.h, same listener) goes off and on with it.
    s = Serve(url)
    try:
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        assert b.get("/mon-espace")[0] == 200
        on, hits = cache_figures(s)
        assert b.get("/mon-espace")[0] == 200
        assert on == 1 and cache_figures(s)[1] == hits + 1, (on, hits, cache_figures(s))
        ended = psql(with_db(url, "postgres"), "SELECT count(*) FROM (SELECT pg_terminate_backend(pid)"
                     " FROM pg_stat_activity WHERE application_name = 'robinet'"
                     " AND query LIKE 'LISTEN %') t")
        assert ended == "1", ended
        deadline = time.time() + 10
        while "cache off until it is linked again" not in s.stderr() and time.time() < deadline:
            time.sleep(0.05)
        assert "cache off until it is linked again" in s.stderr(), s.stderr()[-1500:]
        # The pages' data cache goes off with it, unless already back.
        off = data_cache_on(s) == 0 or "listener linked again" in s.stderr()
        assert off, s.stderr()[-1500:]
        assert b.get("/mon-espace")[0] == 200
        while cache_figures(s)[0] != 1 and time.time() < deadline:
            time.sleep(0.05)
        assert cache_figures(s)[0] == 1, s.stderr()[-1500:]
        assert data_cache_on(s) == 1
        assert "listener linked again, cache on" in s.stderr(), s.stderr()[-1500:]
        assert b.get("/mon-espace")[0] == 200
        cookies = dict(b.cookies)
        st, h, _ = b.post("/deconnexion", {})
        assert st == 303, st
        b.cookies.update(cookies)
        st, h, _ = b.get("/mon-espace")
        assert st == 303 and h["Location"] == "/connexion", (st, h.get("Location"))
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


@test
def signout_cut_mid_request_answers_503_and_keeps_the_session(url):
    # Before: only a 500 became the 503. The sign-out's write failed (link
    # lost under it) yet the page cleared the cookie and said "déconnecté"
    # (303): the subscriber believed the session ended while it lived on.
    s = Serve(url)
    try:
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        assert b.get("/mon-espace")[0] == 200
        cookies = dict(b.cookies)
        st, headers, body = cut_mid_request(url, s, "audit_log", lambda: b.post("/deconnexion", {}))
        assert_french_503(st, headers, body)
        assert not headers.get_all("Set-Cookie"), headers.get_all("Set-Cookie")
        assert b.cookies == cookies
        assert "database link lost during /deconnexion: 303 answered as 503" in s.stderr(), s.stderr()[-1500:]
        # Still signed in, as the database says; signing out again works.
        st, _, page = b.get("/mon-espace")
        assert st == 200, (st, s.stderr()[-1500:])
        st, h, _ = b.post("/deconnexion", {})
        assert st == 303 and "deconnecte" in h["Location"], (st, h["Location"])
        st, h, _ = b.get("/mon-espace")
        assert st == 303 and h["Location"] == "/connexion", (st, h["Location"])
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


@test
def archive_visit_lookup_failing_in_the_database_answers_503_and_keeps_the_visit(url):
    # Before: a database error in the archive visit's lookup counted as no
    # visit: the visitor got the archive sign-in form, or was sent to
    # /connexion, as if the visit had ended. The link stays up here (the
    # table is renamed away: the lookup's statement fails, 42P01), so
    # only the lookup tells the failure.
    s = Serve(url)
    try:
        b = Browser(s)
        assert b.get("/archives")[0] == 200
        st, h, _ = b.post("/archives", {"identifiant": "1234567A", "mot_de_passe": "ancien-mdp-2023"})
        assert st == 303 and h["Location"] == "/archives", (st, h.get("Location"))
        st, _, page = b.get("/archives")
        assert st == 200 and "Archives du contrat" in page, st
        cookies = dict(b.cookies)
        psql(url, "ALTER TABLE archive_visits RENAME TO archive_visits_away")
        try:
            for path in ("/archives", "/mes-factures?archives=1"):
                st, headers, body = b.get(path)
                assert_french_503(st, headers, body)
                assert not headers.get_all("Set-Cookie"), (path, headers.get_all("Set-Cookie"))
                assert b.cookies == cookies, path
        finally:
            psql(url, "ALTER TABLE archive_visits_away RENAME TO archive_visits")
        assert "archive visit lookup failed in the database on /archives: 503" in s.stderr(), s.stderr()[-1500:]
        st, _, page = b.get("/archives")
        assert st == 200 and "Archives du contrat" in page, (st, s.stderr()[-1500:])
    finally:
        assert s.stop() == 0, s.final_log[-2000:]


def table_counts(url):
    tables = psql(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                       "AND table_type = 'BASE TABLE' ORDER BY 1").split()
    return {t: int(psql(url, 'SELECT count(*) FROM "%s"' % t)) for t in tables}


def bills_checksum(url):
    """count and md5 of every column of every bill, in id order."""
    return psql(url, "SELECT count(*) || ' ' || coalesce(md5(string_agg(i::text, E'\\n' ORDER BY i.id)), '') "
                     "FROM invoices i")


@test
def pg_dump_while_requests_write_restores_with_the_same_bills(url):
    s = Serve(url)
    stop = threading.Event()
    done = [0]
    errors = []

    def writer():
        while not stop.is_set():
            try:
                b = Browser(s)
                st = b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0]
                if st != 303:
                    errors.append(st)
                b.post("/deconnexion", {})
                done[0] += 1
            except Exception as e:      # noqa: BLE001 (reported below)
                errors.append(repr(e))
    tmp = tempfile.mkdtemp(prefix="robinet-pgdump-")
    os.chmod(tmp, 0o755)
    dump = os.path.join(tmp, "robinet.dump")
    restored = "robinet_restored_%d" % os.getpid()
    try:
        before = table_counts(url)
        bills = bills_checksum(url)
        t = threading.Thread(target=writer)
        t.start()
        while done[0] < 2 and not errors:
            time.sleep(0.05)
        at = done[0]
        p = subprocess.run([BINDIR + "/pg_dump", "--format=custom", "--file", dump, url],
                           capture_output=True, text=True, timeout=300)
        while done[0] < at + 2 and not errors:     # writes went on around it
            time.sleep(0.05)
        stop.set()
        t.join()
        assert p.returncode == 0, p.stderr
        assert not errors, errors[:3]
        after = table_counts(url)
        assert after["sessions"] > before["sessions"] or after["audit_log"] > before["audit_log"]
        psql(with_db(url, "postgres"), "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' "
                                       "LC_COLLATE 'C' LC_CTYPE 'C'" % restored)
        r = subprocess.run([BINDIR + "/pg_restore", "--no-owner", "--exit-on-error", "-d",
                            with_db(url, restored), dump], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        rurl = with_db(url, restored)
        got = table_counts(rurl)
        assert set(got) == set(before), set(got) ^ set(before)
        for name, n in got.items():
            lo, hi = min(before[name], after[name]), max(before[name], after[name])
            assert lo <= n <= hi, (name, before[name], n, after[name])
        assert bills_checksum(rurl) == bills == bills_checksum(url)
        assert int(bills.split()[0]) > 0
        # It serves: a subscriber signs in and reads the bills.
        r2 = Serve(rurl)
        try:
            b = Browser(r2)
            assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
            st, _, page = b.get("/mes-factures")
            assert st == 200 and "Facture" in page, st
        finally:
            assert r2.stop() == 0, r2.final_log[-2000:]
    finally:
        stop.set()
        s.stop()
        subprocess.run(["rm", "-rf", tmp])
        psql(with_db(url, "postgres"), "DROP DATABASE IF EXISTS %s" % restored)


@test
def standby_failover_carries_on(url):
    """tests/pg/standby.sh (its own two clusters): each of its TAP
    lines must be "ok"."""
    p = subprocess.run([os.path.join(HERE, "standby.sh"), harness.ARGS.bin],
                       capture_output=True, text=True, timeout=600)
    for line in p.stdout.splitlines():
        print("#   " + line)
    oks = [x for x in p.stdout.splitlines() if x.startswith("ok ")]
    bad = [x for x in p.stdout.splitlines() if x.startswith("not ok")]
    assert p.returncode == 0 and oks and not bad, (p.returncode, bad, p.stderr[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    harness.ARGS.bin = os.path.abspath(a.bin)
    if not URL:
        print("Bail out! RB_TEST_DB is not set: run under tests/pg/cluster.sh")
        return 2
    tempfile.tempdir = tempfile.mkdtemp(prefix="robinet-pgops-run-")
    os.chmod(tempfile.tempdir, 0o755)
    rc, out, err = harness.run_cli("demo", "--db", URL, "--contracts", "20", "--seed", "7",
                                   "--today", harness.TODAY)
    if rc != 0:
        print("Bail out! robinet demo failed: " + err)
        return 2
    sel = [t for t in TESTS if a.k in t.__name__]
    print("1..%d" % len(sel))
    failed = 0
    for i, t in enumerate(sel, 1):
        try:
            t(URL)
            print("ok %d - %s" % (i, t.__name__))
        except Exception as e:      # noqa: BLE001
            failed += 1
            print("not ok %d - %s: %s" % (i, t.__name__, str(e)[:600]))
            traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
    subprocess.run(["rm", "-rf", tempfile.tempdir])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
