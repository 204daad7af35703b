#!/usr/bin/python3
"""Harness of the HTTP tests: a real `robinet serve` on a free loopback
port, raw and http.client requests, the CLI, and the test registry.

Tests register with @test; @test(env={...}) gives a test a server of its
own started with those ROBINET_* settings (otherwise tests share one);
@test(sqlite_only="why") marks a test that cannot run on PostgreSQL (it
reads the SQLite file itself): on PostgreSQL it is reported as skipped.

The engine: SQLite files by default; when RB_TEST_DB names a PostgreSQL
cluster (tests/pg/cluster.sh), every server gets a database of its own
on it (dbx.py: databases are named by a path or a postgresql:// URL, and
oracles read them with dbx.connect, never with sqlite3 directly).

The test data is made for one date, TODAY (tests/today), and every server
believes it is that day in Paris (demo mode and the `today` setting,
PINNED), whatever the machine's clock says: oracles compute from TODAY,
never from the clock. A server that must run as in production (no demo
mode, e.g. mail through SMTP) takes REAL_DATE and runs on the real date;
its test must then not depend on the date.
"""
import argparse
import http.client
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import dbx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import freeport  # noqa: E402


class Args:
    bin = None
    sanitized = False


ARGS = Args()
TESTS = []

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "today"),
          encoding="ascii") as _f:
    TODAY = _f.read().strip()
PINNED = {"ROBINET_DEMO": "true", "ROBINET_TODAY": TODAY}
REAL_DATE = {"ROBINET_DEMO": None, "ROBINET_TODAY": None}


def test(fn=None, env=None, own=False, sqlite_only=None):
    """Registers a test; env (ROBINET_* settings) or own=True gives it its
    own server; sqlite_only (the reason) skips it on PostgreSQL."""
    def reg(f):
        f.env = env
        f.own = own or env is not None
        f.sqlite_only = sqlite_only
        TESTS.append(f)
        return f
    return reg(fn) if fn is not None else reg


def free_port():
    return freeport.free_port()


class Server:
    """A running `robinet serve` with its own database and log."""

    def __init__(self, db, env=None, extra=()):
        self.db = db
        self.log = tempfile.NamedTemporaryFile(prefix="robinet-", suffix=".log", delete=False)
        self.mail_dir = tempfile.mkdtemp(prefix="robinet-mail-")    # demo mode's mail
        self.attach_dir = tempfile.mkdtemp(prefix="robinet-attach-")  # attached files
        # A port found free may be taken before the server binds it (by
        # another test's server): then it starts again on other ports.
        for attempt in range(3):
            if self._start(env, extra, last=attempt == 2):
                break

    def _start(self, env, extra, last):
        """Starts the server; False if it could not listen on its ports
        (another process took one since free_port() found it free), unless
        this is the last attempt."""
        self.port = free_port()
        self.log.seek(0)
        self.log.truncate()
        e = dict(os.environ)
        e["ROBINET_TEMPLATE_STRICT"] = "true"
        e["ROBINET_PUBLIC_URL"] = "http://127.0.0.1:%d" % self.port
        e["ROBINET_MAIL_DIR"] = self.mail_dir
        e["ROBINET_ATTACHMENTS_DIR"] = self.attach_dir
        # serve --demo starts the stand-in payment page on a port of its own.
        psp = free_port()
        while psp == self.port:     # both free now: the same one, once in a while
            psp = free_port()
        e["ROBINET_PSP_SANDBOX_LISTEN"] = "127.0.0.1:%d" % psp
        # Production cookies (__Host-, Secure) even on this loopback demo;
        # tests of the demo's plain cookies pass {"ROBINET_DEMO_PLAIN_COOKIES": None}.
        e["ROBINET_DEMO_PLAIN_COOKIES"] = "false"
        e.update(PINNED)
        e.update(env or {})
        for k in [k for k, v in e.items() if v is None]:
            del e[k]            # a test that wants a setting left unset
        self.proc = subprocess.Popen(
            [ARGS.bin, "serve", "--db", dbx.url(self.db),
             "--listen", "127.0.0.1:%d" % self.port, *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=e)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                log = self.stderr()
                if not last and self.proc.returncode == 1 and "cannot listen on" in log and \
                        "Address already in use" in log:
                    self.proc.stdout.close()
                    return False
                raise AssertionError("server exited with %s: %s" % (self.proc.returncode, log))
            # Ready means answering HTTP, not only accepting connections.
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    time.sleep(0.1)     # let the server close the probe's connection
                    dbx.serving(self.db, self)
                    return True
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise AssertionError("server did not start")

    def stderr(self):
        try:
            with open(self.log.name, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return "(log removed)"

    def request(self, method, path, body=None, headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def raw(self, data, timeout=5):
        """Sends raw bytes, returns everything read until the server closes."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        s.close()
        return out

    def stop(self, sig=signal.SIGTERM, timeout=15):
        dbx.serving(self.db, self, False)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop within %ds" % timeout)
        self.final_log = self.stderr()      # sanitizer reports come last
        os.unlink(self.log.name)
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        shutil.rmtree(self.attach_dir, ignore_errors=True)
        return self.proc.returncode


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


def run_cli(*args, env=None):
    """Runs robinet; env adds settings (None removes one); PINNED for a
    command that reasons with today's date."""
    e = dict(os.environ)
    e.update(env or {})
    for k in [k for k, v in e.items() if v is None]:
        del e[k]
    # What it writes reaches the servers running on its database before
    # this returns (dbx.heard(); on SQLite only when it wrote a notice, so
    # that a command that writes nothing leaves the file as it was).
    db = args[args.index("--db") + 1] if "--db" in args[:-1] else e.get("ROBINET_DB")
    if db and db.startswith("sqlite:"):
        db = db[len("sqlite:"):]
    seq = dbx.notices_seq(db) if db else None
    p = subprocess.run([ARGS.bin, *args], capture_output=True, text=True, env=e, timeout=120)
    if db and (seq is None or dbx.notices_seq(db) != seq):
        dbx.heard(db)
    return p.returncode, p.stdout, p.stderr


SECURITY_HEADERS = ["content-security-policy", "x-content-type-options",
                    "referrer-policy", "permissions-policy"]


def check_security_headers(h):
    for name in SECURITY_HEADERS:
        assert name in h, "missing header %s" % name
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert "script-src" not in csp or "'self'" in csp, csp
    assert h["x-content-type-options"] == "nosniff"


def check_page(body):
    text = body.decode("utf-8")
    assert '<html lang="fr">' in text, "no lang=fr"
    assert text.count("<h1") == 1, "expected one h1, got %d" % text.count("<h1")
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in text, "missing " + landmark
    assert 'href="#contenu"' in text, "no skip link"
    assert "<script" not in text, "pages carry no script"
    return text




DEMO_DB = None


def db_rows(s, sql, *args):
    """The rows of sql (with args bound) in the database of server s."""
    con = dbx.connect(s.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def fresh_db():
    """A copy of the demo database, for a test that changes data."""
    return dbx.new_db(DEMO_DB)


# ---------------------------------------------------------------- agents
# Back-office helpers (docs/backoffice.md), for every test of /agent:
#   agent_add(srv, role)            creates an agent with the CLI, returns
#                                   (email, password, secret)
#   totp_code(secret, t)            the RFC 6238 code, computed here
#   agent_signin(b, email, pw, secret)  signs a test_auth.Browser in
#   agent_browser(srv, role)        a new agent, signed in: (browser, email)
# Codes are computed in Python (hmac, hashlib), independently of the C.

AGENT_PASSWORD = "Robinet-agent-2024!"
_AGENT_SEQ = [0]
_AGENT_STEPS = {}       # (db, email) -> last step used: a code works once


def totp_code(secret_b32, t=None, step=None, digits=6):
    """The TOTP code (SHA-1, 30 s) of secret at time t, or of step."""
    import base64
    import hashlib
    import hmac
    import struct
    s = secret_b32.replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    if step is None:
        step = int((time.time() if t is None else t) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    v = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return "%0*d" % (digits, v)


def agent_add(srv, role="agent", email=None, name=None, password=AGENT_PASSWORD):
    """Creates an agent in srv's database with `robinet agent add`;
    returns (email, password, secret in Base32)."""
    if email is None:
        _AGENT_SEQ[0] += 1
        email = "agent%d-%d@robinet.test" % (os.getpid(), _AGENT_SEQ[0])
    args = ["agent", "add", "--db", dbx.url(srv.db), "--email", email, "--role", role]
    if name is not None:
        args += ["--name", name]
    e = dict(os.environ)
    e.update(PINNED)
    p = subprocess.run([ARGS.bin, *args], input=password + "\n", capture_output=True,
                       text=True, env=e, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    m = re.search(r"Clé secrète : ([A-Z2-7]+)", p.stdout)
    assert m, p.stdout
    return email.lower(), password, m.group(1)


def agent_next_code(srv, email, secret):
    """A code not used yet for this agent: the current step's, or the
    next one's (accepted too) when the current one was used."""
    key = (srv.db, email)
    while True:
        now = int(time.time() // 30)
        for step in (now, now + 1):
            if step > _AGENT_STEPS.get(key, 0):
                _AGENT_STEPS[key] = step
                return totp_code(secret, step=step)
        time.sleep(1)


def agent_signin(b, email, password, secret, code=None):
    """Signs browser b (test_auth.Browser) in at /agent/connexion;
    returns the answer of the POST (303 to /agent when it worked)."""
    b.get("/agent/connexion")
    if code is None:
        code = agent_next_code(b.srv, email, secret)
    return b.post("/agent/connexion", {"email": email, "mot_de_passe": password, "code": code})


def agent_browser(srv, role="agent", name=None):
    """A new agent of role, signed in: (browser, email, secret)."""
    from test_auth import Browser
    email, pw, secret = agent_add(srv, role, name=name)
    b = Browser(srv)
    st, h, page = agent_signin(b, email, pw, secret)
    assert st == 303 and h["Location"] == "/agent", (st, page[:400])
    return b, email, secret
