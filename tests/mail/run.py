#!/usr/bin/python3
"""Outgoing email, end to end, against a real SMTP server.

Starts aiosmtpd (Debian's python3-aiosmtpd) on a free loopback port,
queues messages the way the use cases do (through mail_driver, a small
C command built with the unit tests, which calls rb_mail_queue()),
delivers them with `robinet mail send` (the cron command) and with the
sender thread of `robinet serve`, and checks what the server received:
multipart/alternative, French UTF-8 text, headers, the absolute link.
Also checks failures: server down, STARTTLS refused, SMTP not
configured, and demo mode (var/mail/<id>.eml, the /_dev/courriels data).
Each scenario has a database of its own: a SQLite file, or, when
RB_TEST_DB names a PostgreSQL cluster (tests/pg/cluster.sh), a new
database on it, read through tests/http/dbx.py and dropped at the end.

usage: run.py [--bin build/robinet] [--driver build/tests/unit/mail/mail_driver]
Prints TAP lines ("ok N - ..." / "not ok N - ..."); exit status 1 on failure.
"""
import argparse
import email
import email.policy
import email.utils
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
import dbx  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PUBLIC_URL = "https://eau.example.test"
SENDER_ADDR = "ne-pas-repondre@eau.example"

BIN = None
DRIVER = None
COUNT = 0
FAILED = 0
SANITIZER_REPORTS = []   # stderr of children that AddressSanitizer or UBSan wrote to


def ok(cond, desc, detail=""):
    """Prints one TAP line; returns cond."""
    global COUNT, FAILED
    COUNT += 1
    if cond:
        print("ok %d - %s" % (COUNT, desc))
    else:
        FAILED += 1
        print("not ok %d - %s" % (COUNT, desc))
        for line in str(detail).splitlines()[:30]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


from freeport import free_port  # noqa: E402  (tests/: outside the ephemeral ports)


class Mailbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.port = free_port()
        self.received = []      # (mail_from, rcpt_tos, raw bytes)
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def count(self):
        with self.lock:
            return len(self.received)

    def wait(self, n, seconds=10):
        """Waits until n messages arrived; returns the list (maybe shorter)."""
        deadline = time.time() + seconds
        while time.time() < deadline and self.count() < n:
            time.sleep(0.05)
        with self.lock:
            return list(self.received)

    def stop(self):
        self.controller.stop()


def run(argv, **settings):
    """Runs a robinet or mail_driver command; keeps sanitizer reports."""
    r = subprocess.run(argv, env=clean_env(**settings), capture_output=True, text=True)
    watch(r.stderr)
    return r


def watch(stderr):
    if "Sanitizer" in stderr or "runtime error:" in stderr:
        SANITIZER_REPORTS.append(stderr)


def clean_env(**settings):
    """os.environ without ROBINET_*, plus settings (ROBINET_ names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBINET_")}
    env["ROBINET_PUBLIC_URL"] = PUBLIC_URL
    env["ROBINET_LOG_LEVEL"] = "warn"
    for k, v in settings.items():
        env["ROBINET_" + k.upper()] = v
    return env


class Db:
    """A fresh migrated database (SQLite in its own folder, or a new
    database of the PostgreSQL cluster) and a folder for its files."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="robinet-mail-")
        self.path = dbx.new_db(path=None if dbx.PG else os.path.join(self.dir, "mail.db"))
        self.url = dbx.url(self.path)
        r = run([BIN, "migrate", "--db", self.url])
        if r.returncode != 0:
            raise AssertionError("migrate failed: %s" % r.stderr)

    def queue(self, kind, to, data, **settings):
        r = run([DRIVER, "queue", "--db", self.url, "--kind", kind, "--to", to,
                 "--data", json.dumps(data)], **settings)
        if r.returncode != 0:
            raise AssertionError("queue failed: %s" % r.stderr)
        return self.query("SELECT max(id) FROM mail_outbox")[0][0]

    def send(self, **settings):
        return run([BIN, "mail", "send", "--db", self.url], **settings)

    def query(self, sql, *args):
        c = dbx.connect(self.path)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def row(self, id_):
        r = self.query("SELECT attempts, last_error, next_attempt_at, sent_at FROM mail_outbox"
                       " WHERE id = ?", id_)[0]
        return dict(zip(("attempts", "last_error", "next_attempt_at", "sent_at"), r))

    def make_due(self, id_):
        c = dbx.connect(self.path)
        try:
            c.execute("UPDATE mail_outbox SET next_attempt_at = 0 WHERE id = ?", (id_,))
            c.commit()
        finally:
            c.close()


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    """{'text/plain': part, 'text/html': part} of a multipart message."""
    return {p.get_content_type(): p for p in msg.iter_parts()}


LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def check_message(raw, to, subject, button, link, first_name=None):
    """The checks every activation/reset message must pass."""
    msg = parse(raw)
    ok(msg.get_content_type() == "multipart/alternative",
       "%s: multipart/alternative" % subject, msg.get_content_type())
    p = parts(msg)
    ok(set(p) == {"text/plain", "text/html"}, "%s: a text and an HTML part" % subject, list(p))
    for ctype, part in p.items():
        ok(part.get_content_charset() == "utf-8" and
           part["Content-Transfer-Encoding"] == "quoted-printable",
           "%s: %s in UTF-8 quoted-printable" % (subject, ctype), str(part.items()))
    lines = raw.split(b"\r\n")
    ok(all(len(line) <= 78 for line in lines) and b"\n" not in b"".join(lines),
       "%s: CRLF lines of at most 78 characters (998 is the limit)" % subject,
       [line for line in lines if len(line) > 78][:3])
    ok(raw.isascii(), "%s: 7-bit message (accents are encoded)" % subject)
    ok(msg["Subject"] == subject, "%s: subject decoded" % subject, msg["Subject"])
    name, addr = email.utils.parseaddr(msg["From"])
    ok(addr == SENDER_ADDR and name == "Service de l'eau de la Métropole",
       "%s: From with the UTF-8 display name" % subject, msg["From"])
    ok(email.utils.parseaddr(msg["To"])[1] == to, "%s: To" % subject, msg["To"])
    date = email.utils.parsedate_to_datetime(msg["Date"])
    ok(date is not None and abs(date.timestamp() - time.time()) < 300,
       "%s: Date in RFC 5322 form, now" % subject, msg["Date"])
    ok(re.fullmatch(r"<[0-9a-f]{32}@eau\.example>", msg["Message-ID"] or "") is not None,
       "%s: Message-ID on the sender's domain" % subject, msg["Message-ID"])
    ok(msg["MIME-Version"] == "1.0" and msg["Auto-Submitted"] == "auto-generated",
       "%s: MIME-Version and Auto-Submitted" % subject)
    text = p["text/plain"].get_content()
    html = p["text/html"].get_content()
    greeting = "Bonjour %s," % first_name if first_name else "Bonjour,"
    ok(text.startswith(greeting) and button in text and "espace client" in text and
       "Ce message a été envoyé automatiquement" in text,
       "%s: French text part with the action" % subject, text)
    found = LINK_RE.findall(text)
    ok(found and found[0] == link, "%s: absolute link from the public URL in the text" % subject,
       found)
    ok('<html lang="fr">' in html and
       re.search(r'<a href="%s"[^>]*>%s</a>' % (re.escape(link.replace("&", "&amp;")),
                                                re.escape(button)), html) is not None,
       "%s: HTML in French with a real link button \"%s\"" % (subject, button), html)
    ok("<img" not in html and "src=" not in html and
       all(u.startswith(PUBLIC_URL + "/") for u in LINK_RE.findall(html)),
       "%s: no remote resource, every link under the public URL" % subject)
    return found[0] if found else None


def scenario_smtp_delivery():
    box = Mailbox()
    try:
        db = Db()
        id1 = db.queue("activation", "helene.dupont@example.org",
                       {"first_name": "Hélène", "link": "/activer?jeton=AbC-123_x",
                        "ttl_seconds": 86400})
        id2 = db.queue("reset", "jean@example.org",
                       {"link": PUBLIC_URL + "/mot-de-passe/nouveau?jeton=Zz9"})
        r = db.send(smtp_url=box.url)
        ok(r.returncode == 0 and "2 sent, 0 failed" in r.stdout,
           "robinet mail send delivers the waiting messages and exits 0",
           r.stdout + r.stderr)
        got = box.wait(2)
        ok(len(got) == 2, "the SMTP server received 2 messages", len(got))
        if len(got) != 2:
            return
        got.sort(key=lambda m: m[1])
        (frm, rcpts, raw), (frm2, rcpts2, raw2) = got[0], got[1]
        ok(frm == SENDER_ADDR and rcpts == ["helene.dupont@example.org"],
           "envelope: MAIL FROM the sender, RCPT TO the addressee", (frm, rcpts))
        link = check_message(raw, "helene.dupont@example.org", "Activer votre espace client",
                             "Activer votre espace client",
                             PUBLIC_URL + "/activer?jeton=AbC-123_x", "Hélène")
        ok(link is not None and link.startswith(PUBLIC_URL + "/activer?jeton="),
           "the activation link found in the message can be followed from the public URL",
           link)
        ok("valable 24 heures" in parts(parse(raw))["text/plain"].get_content(),
           "activation: validity in French")
        check_message(raw2, "jean@example.org", "Choisir un nouveau mot de passe",
                      "Choisir un nouveau mot de passe",
                      PUBLIC_URL + "/mot-de-passe/nouveau?jeton=Zz9")
        rows = [db.row(id1), db.row(id2)]
        ok(all(r["sent_at"] is not None and r["attempts"] == 0 and r["last_error"] is None
               for r in rows), "outbox rows marked sent", rows)
        bodies = db.query("SELECT body_text, body_html FROM mail_outbox")
        ok(bodies == [("", None), ("", None)],
           "sent messages leave no single-use link in the database", bodies)
        r = db.send(smtp_url=box.url)
        time.sleep(0.3)
        ok(r.returncode == 0 and "0 sent" in r.stdout and box.count() == 2,
           "a second run sends nothing again", r.stdout)
    finally:
        box.stop()


def scenario_server_down():
    db = Db()
    down = "smtp://127.0.0.1:%d" % free_port()
    id_ = db.queue("activation", "a@example.org", {"link": "/activer?jeton=t"})
    before = int(time.time())
    r = db.send(smtp_url=down)
    row = db.row(id_)
    ok(r.returncode == 1 and "0 sent, 1 failed" in r.stdout,
       "server down: mail send reports the failure, exit 1", r.stdout + r.stderr)
    ok(row["attempts"] == 1 and row["sent_at"] is None,
       "server down: attempts + 1, not sent", row)
    ok(row["last_error"] and "onnect" in row["last_error"] and down not in row["last_error"],
       "server down: last_error recorded", row["last_error"])
    ok(before + 60 <= row["next_attempt_at"] <= int(time.time()) + 60,
       "server down: next attempt 1 minute later", (before, row["next_attempt_at"]))
    r = db.send(smtp_url=down)
    ok(db.row(id_)["attempts"] == 1 and "0 failed" in r.stdout,
       "not retried before its time")
    db.make_due(id_)
    before = int(time.time())
    db.send(smtp_url=down)
    row = db.row(id_)
    ok(row["attempts"] == 2 and before + 120 <= row["next_attempt_at"] <= int(time.time()) + 120,
       "second failure: next attempt 2 minutes later", row)
    box = Mailbox()
    try:
        db.make_due(id_)
        r = db.send(smtp_url=box.url)
        got = box.wait(1)
        ok(r.returncode == 0 and len(got) == 1 and db.row(id_)["sent_at"] is not None,
           "delivered once the server is back", r.stdout + r.stderr)
    finally:
        box.stop()


def scenario_starttls_required():
    box = Mailbox()     # offers no STARTTLS
    try:
        db = Db()
        id_ = db.queue("reset", "a@example.org", {"link": "/r?jeton=t"})
        r = db.send(smtp_url=box.url, smtp_starttls="true")
        time.sleep(0.3)
        row = db.row(id_)
        ok(r.returncode == 1 and box.count() == 0,
           "STARTTLS required and not offered: nothing sent in clear", r.stdout + r.stderr)
        ok(row["attempts"] == 1 and row["last_error"] and
           re.search(r"STARTTLS|SSL|TLS", row["last_error"]) is not None,
           "STARTTLS refusal recorded", row)
    finally:
        box.stop()


def scenario_not_configured():
    db = Db()
    id_ = db.queue("reset", "a@example.org", {"link": "/r?jeton=t"})
    r = db.send()
    row = db.row(id_)
    ok(r.returncode == 1 and "smtp_url" in r.stderr and row["attempts"] == 0,
       "no smtp_url: mail send fails without burning an attempt", (r.stderr, row))


def scenario_demo():
    db = Db()
    maildir = os.path.join(db.dir, "var", "mail")
    id_ = db.queue("activation", "demo@example.org", {"link": "/activer?jeton=demo1"},
                   demo="true", mail_dir=maildir)
    r = db.send(demo="true", mail_dir=maildir)
    path = os.path.join(maildir, "%d.eml" % id_)
    ok(r.returncode == 0 and os.path.exists(path),
       "demo mode: the message is written to var/mail/<id>.eml", r.stdout + r.stderr)
    if os.path.exists(path):
        with open(path, "rb") as f:
            check_message(f.read(), "demo@example.org", "Activer votre espace client",
                          "Activer votre espace client", PUBLIC_URL + "/activer?jeton=demo1")
    r = run([DRIVER, "devbox", "--db", db.url], demo="true", mail_dir=maildir)
    try:
        items = json.loads(r.stdout)
    except ValueError:
        items = []
    ok(len(items) == 1 and items[0]["links"][0] == PUBLIC_URL + "/activer?jeton=demo1" and
       items[0]["status"] == "sent" and items[0]["subject"] == "Activer votre espace client",
       "demo mode: the list for /_dev/courriels has the message and its link", r.stdout + r.stderr)
    r = run([DRIVER, "devbox", "--db", db.url])
    ok(r.returncode != 0 and r.stdout == "", "outside demo mode there is no mail list",
       r.stdout)


def serve(db, *extra, **settings):
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="robinet-mail-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([BIN, "serve", "--db", db.url, "--listen", "127.0.0.1:%d" % port,
                             *extra], env=clean_env(**settings), stdout=subprocess.DEVNULL,
                            stderr=log)
    deadline = time.time() + 15
    while time.time() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    return proc, log.name


def stop(proc, log):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = None
    with open(log, encoding="utf-8", errors="replace") as f:
        watch(f.read())
    return rc


def scenario_serve_sender():
    box = Mailbox()
    proc = None
    try:
        db = Db()
        # Queued while the server was down: sent when it starts.
        db.queue("activation", "early@example.org", {"link": "/activer?jeton=e"})
        proc, log = serve(db, smtp_url=box.url)
        got = box.wait(1)
        ok(len(got) == 1 and got[0][1] == ["early@example.org"],
           "serve: the sender thread delivers what waited", open(log).read()[-2000:])
        # Queued by another process: picked up at the next poll.
        db.queue("reset", "later@example.org", {"link": "/r?jeton=l"})
        got = box.wait(2, seconds=15)
        ok(len(got) == 2 and got[1][1] == ["later@example.org"],
           "serve: mail queued meanwhile is delivered within the poll interval",
           open(log).read()[-2000:])
        ok(stop(proc, log) == 0, "serve stops cleanly with its sender")
        proc = None
    finally:
        if proc is not None:
            stop(proc, log)
        box.stop()


def scenario_serve_demo():
    db = Db()
    maildir = os.path.join(db.dir, "courriels")
    db.queue("activation", "demo@example.org", {"link": "/activer?jeton=d"},
             demo="true", mail_dir=maildir)
    proc, log = serve(db, "--demo", mail_dir=maildir)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(os.path.join(maildir, "1.eml")):
            time.sleep(0.05)
        ok(os.path.exists(os.path.join(maildir, "1.eml")),
           "serve --demo: mail is written to the mail folder", open(log).read()[-2000:])
    finally:
        ok(stop(proc, log) == 0, "serve --demo stops cleanly")


SCENARIOS = [scenario_smtp_delivery, scenario_server_down, scenario_starttls_required,
             scenario_not_configured, scenario_demo, scenario_serve_sender, scenario_serve_demo]


def main():
    global BIN, DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/robinet")
    ap.add_argument("--driver")
    a = ap.parse_args()
    BIN = os.path.abspath(a.bin)
    DRIVER = os.path.abspath(a.driver or os.path.join(os.path.dirname(a.bin), "tests", "unit",
                                                      "mail", "mail_driver"))
    for prog in (BIN, DRIVER):
        if not os.access(prog, os.X_OK):
            # The driver is built with the unit tests (meson -Dtests=enabled).
            print("Bail out! %s is missing: build it with scripts/check --build-only" % prog)
            return 2
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    print("# databases: %s" % ("PostgreSQL, " + dbx.CLUSTER if dbx.PG else "SQLite files"))
    try:
        run_scenarios()
    finally:
        dbx.drop_all()
    print("1..%d" % COUNT)
    return 1 if FAILED else 0


def run_scenarios():
    for s in SCENARIOS:
        try:
            s()
        except Exception:
            ok(False, "%s ran to the end" % s.__name__, traceback.format_exc())
    ok(not SANITIZER_REPORTS, "no sanitizer report from any command",
       "\n".join(SANITIZER_REPORTS))


if __name__ == "__main__":
    sys.exit(main())
