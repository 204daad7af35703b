#!/usr/bin/python3
"""Enumeration timing for bench/enumeration.sh: existing against
non-existing identifiers, interleaved, one request at a time.

    enumeration.py --url http://127.0.0.1:PORT [--db FILE] [-n 200]
                   [--kinds K,K] [--kind-seconds 45]

For each kind of identifier, N failing requests alternate between an
identifier that exists in the demo database and one that does not, in
the order E N N E E N N E ... so that neither side always comes first;
each is timed from the request's first byte sent to the response's last
byte read, on a keep-alive connection opened beforehand. A kind stops
early after KIND_SECONDS (the count reached is printed). Four requests
of each side, not counted, warm the path up first.

Prints one line per kind:

    KIND name=K n_existing=N n_missing=N existing_ms=M missing_ms=M
         existing_q1_ms=A existing_q3_ms=B missing_q1_ms=C missing_q3_ms=D
         ratio=R existing_status=200:N missing_status=200:N errors=N
         elapsed=S accounts=N

medians and quartiles in ms; ratio is max/min of the two medians; a
status is followed by ->LOCATION for redirects. Only the standard
library is used.
"""
import argparse
import http.client
import re
import statistics
import sys
import time
import urllib.parse

CSRF_FIELD = re.compile(rb'name="csrf" value="([^"]+)"')
CSRF_COOKIE = "__Host-robinet-csrf"

WRONG_PASSWORD = "pas-le-bon-mot-de-passe-2024"


def counter():
    n = [0]

    def nxt():
        n[0] += 1
        return n[0]
    return nxt


_seq = counter()


def nobody():
    """A fresh address with no account: nobody-N@robinet.test."""
    return "nobody-%d@robinet.test" % _seq()


# name: (form page and action, fields of the existing side, fields of the
# missing side). A callable value is called for each request.
KINDS = {
    "signin-email": ("/connexion",
                     {"email": "demo@robinet.test", "mot_de_passe": WRONG_PASSWORD},
                     {"email": nobody, "mot_de_passe": WRONG_PASSWORD}),
    "claim-invoice": ("/creer-mon-espace",
                      {"contrat": "1000000004", "preuve": "facture",
                       "justificatif": "FA2024-999999"},
                      {"contrat": "1999999999", "preuve": "facture",
                       "justificatif": "FA2024-999999"}),
    "claim-meter": ("/creer-mon-espace",
                    {"contrat": "1000000004", "preuve": "compteur",
                     "justificatif": "I99ZZ999999"},
                    {"contrat": "1999999999", "preuve": "compteur",
                     "justificatif": "I99ZZ999999"}),
    "claim-email": ("/creer-mon-espace",
                    {"contrat": "1000000004", "preuve": "email",
                     "justificatif": "personne@robinet.test"},
                    {"contrat": "1999999999", "preuve": "email",
                     "justificatif": "personne@robinet.test"}),
    "old-id": ("/abonne-2023",
               {"identifiant": "1234567A", "mot_de_passe": WRONG_PASSWORD},
               {"identifiant": "7654321Z", "mot_de_passe": WRONG_PASSWORD}),
    # The existing side goes round the active accounts (--db): each email
    # address may ask for at most 5 reset mails an hour, after which the
    # answer is 429, existing or not; the missing side is fresh each time.
    "forgot-email": ("/mot-de-passe-oublie",
                     {"email": lambda: next_account()},
                     {"email": nobody}),
}

_accounts = ["demo@robinet.test"]
_account_i = [0]


def next_account():
    e = _accounts[_account_i[0] % len(_accounts)]
    _account_i[0] += 1
    return e


def load_accounts(path):
    """The active accounts' email addresses of the demo database."""
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True)
    try:
        rows = db.execute("SELECT email FROM web_accounts "
                          "WHERE status = 'active' ORDER BY id").fetchall()
    finally:
        db.close()
    if rows:
        _accounts[:] = [r[0] for r in rows]


class Conn:
    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.c = None
        self.cookie = None
        self.token = None

    def open(self):
        if self.c is None:
            self.c = http.client.HTTPConnection(self.host, self.port,
                                                timeout=self.timeout)
        if self.c.sock is None:
            self.c.connect()
        return self.c

    def drop(self):
        if self.c is not None:
            self.c.close()
            self.c = None

    def fetch_token(self, path):
        c = self.open()
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError("GET %s answered %d" % (path, r.status))
        m = CSRF_FIELD.search(body)
        cookie = None
        for name, value in r.getheaders():
            if name.lower() == "set-cookie" and value.startswith(CSRF_COOKIE + "="):
                cookie = value.split(";", 1)[0]
        if m is None or cookie is None:
            raise RuntimeError("GET %s gave no csrf field or cookie" % path)
        self.token, self.cookie = m.group(1).decode(), cookie
        if r.getheader("Connection", "").lower() == "close":
            self.drop()

    def post(self, path, fields):
        """(seconds, status, location) of one timed POST."""
        form = {k: (v() if callable(v) else v) for k, v in fields.items()}
        form["csrf"] = self.token
        body = urllib.parse.urlencode(form)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": self.cookie}
        c = self.open()     # any reconnection is outside the timing
        start = time.perf_counter()
        c.request("POST", path, body=body, headers=headers)
        r = c.getresponse()
        r.read()
        end = time.perf_counter()
        if r.getheader("Connection", "").lower() == "close":
            self.drop()
        return end - start, r.status, r.getheader("Location")


def quartiles(v):
    if len(v) < 2:
        return (v[0], v[0]) if v else (0.0, 0.0)
    q = statistics.quantiles(v, n=4)
    return q[0], q[2]


def status_summary(d):
    return ",".join("%s:%d" % kv for kv in sorted(d.items())) or "none"


def run_kind(conn, name, n, kind_seconds):
    path, existing, missing = KINDS[name]
    conn.fetch_token(path)
    times = {"existing": [], "missing": []}
    statuses = {"existing": {}, "missing": {}}
    errors = 0
    sides = (("existing", existing), ("missing", missing))
    # Warm-up, not counted.
    for i in range(8):
        side, fields = sides[i % 2]
        try:
            conn.post(path, fields)
        except (OSError, http.client.HTTPException):
            conn.drop()
    start = time.monotonic()
    deadline = start + kind_seconds
    for i in range(n):
        if time.monotonic() > deadline:
            break
        # E N N E E N N E ...: pairs of alternating order.
        side, fields = sides[(i + (i // 2)) % 2]
        try:
            secs, status, location = conn.post(path, fields)
        except (OSError, http.client.HTTPException):
            conn.drop()
            errors += 1
            continue
        if status == 403:       # a token that expired: fetch another
            conn.fetch_token(path)
        key = str(status) + ("->" + location if location else "")
        statuses[side][key] = statuses[side].get(key, 0) + 1
        times[side].append(secs)
    elapsed = time.monotonic() - start
    e, m = times["existing"], times["missing"]
    me = statistics.median(e) if e else 0.0
    mm = statistics.median(m) if m else 0.0
    ratio = max(me, mm) / min(me, mm) if min(me, mm) > 0 else 0.0
    eq1, eq3 = quartiles(e)
    mq1, mq3 = quartiles(m)
    print("KIND name=%s n_existing=%d n_missing=%d existing_ms=%.3f missing_ms=%.3f "
          "existing_q1_ms=%.3f existing_q3_ms=%.3f missing_q1_ms=%.3f missing_q3_ms=%.3f "
          "ratio=%.3f existing_status=%s missing_status=%s errors=%d elapsed=%.1f "
          "accounts=%d" % (
              name, len(e), len(m), me * 1000, mm * 1000,
              eq1 * 1000, eq3 * 1000, mq1 * 1000, mq3 * 1000, ratio,
              status_summary(statuses["existing"]),
              status_summary(statuses["missing"]), errors, elapsed,
              len(_accounts)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="http://HOST:PORT")
    ap.add_argument("-n", type=int, default=200,
                    help="requests per kind, both sides together")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="comma-separated, among: " + ", ".join(KINDS))
    ap.add_argument("--kind-seconds", type=float, default=45.0,
                    help="at most this long on one kind")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="socket timeout of each request, seconds")
    ap.add_argument("--db", help="the demo database (SQLite file), read "
                    "for the active accounts' email addresses")
    args = ap.parse_args()
    if args.db:
        load_accounts(args.db)
    u = urllib.parse.urlsplit(args.url)
    if u.scheme != "http" or not u.hostname:
        sys.exit("enumeration: --url must be http://HOST:PORT")
    kinds = [k for k in args.kinds.split(",") if k]
    for k in kinds:
        if k not in KINDS:
            sys.exit("enumeration: unknown kind %r (known: %s)" % (k, ", ".join(KINDS)))
    if args.n < 2:
        sys.exit("enumeration: -n must be at least 2")
    conn = Conn(u.hostname, u.port or 80, args.timeout)
    for k in kinds:
        try:
            run_kind(conn, k, args.n, args.kind_seconds)
        except (OSError, http.client.HTTPException, RuntimeError) as e:
            conn.drop()
            print("enumeration: %s: %s" % (k, e), file=sys.stderr)
            print("KIND name=%s failed=1" % k, flush=True)


if __name__ == "__main__":
    main()
