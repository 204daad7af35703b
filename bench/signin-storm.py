#!/usr/bin/python3
"""Sign-in storm for bench/signin.sh: CLIENTS threads sign in over and over.

    signin-storm.py --url http://127.0.0.1:PORT --duration 13 \
        --window-start 2 --window 10 --ready FILE

Each client keeps one keep-alive connection and loops: GET /connexion
(a fresh CSRF token and its cookie), then POST /connexion with the demo
account's email, password and token. A 303 to /mon-espace is a success.
Every client stops starting sign-ins DURATION seconds after the start
(writing READY marks that start); the whole run is bounded by DURATION
plus the client timeout. Prints one machine-readable line:

    STORM clients=N seconds=S ok=N failed=N errors=N window_ok=N
          window_rate=R post_p50_ms=A post_p99_ms=B cycle_p50_ms=C
          cycle_p99_ms=D statuses=303:N,200:N

window_ok counts the sign-ins that completed within [WINDOW_START,
WINDOW_START + WINDOW] seconds after the start (the span of the wrk run
measured meanwhile); window_rate is window_ok / WINDOW. post_* is the
latency of the POST alone, cycle_* that of GET + POST. Only the standard
library is used.
"""
import argparse
import http.client
import math
import re
import sys
import threading
import time
import urllib.parse

CSRF_FIELD = re.compile(rb'name="csrf" value="([^"]+)"')
CSRF_COOKIE = "__Host-robinet-csrf"


def percentile(values, p):
    """Nearest-rank percentile of a list (0 for an empty one)."""
    if not values:
        return 0.0
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


class Client(threading.Thread):
    def __init__(self, host, port, args, t0, deadline, stats, lock):
        super().__init__(daemon=True)
        self.host, self.port, self.args = host, port, args
        self.t0, self.deadline = t0, deadline
        self.stats, self.lock = stats, lock
        self.conn = None

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.host, self.port, timeout=self.args.timeout)
        return self.conn

    def drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def once(self):
        """One sign-in: (status, location, post_seconds, cycle_seconds)."""
        c = self.connection()
        start = time.monotonic()
        c.request("GET", "/connexion")
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            return r.status, None, 0.0, 0.0
        m = CSRF_FIELD.search(body)
        cookie = None
        for name, value in r.getheaders():
            if name.lower() == "set-cookie" and value.startswith(CSRF_COOKIE + "="):
                cookie = value.split(";", 1)[0]
        if m is None or cookie is None:
            return -1, None, 0.0, 0.0
        form = urllib.parse.urlencode({
            "email": self.args.email,
            "mot_de_passe": self.args.password,
            "csrf": m.group(1).decode(),
        })
        if c.sock is None:
            c.connect()
        post_start = time.monotonic()
        c.request("POST", "/connexion", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
        })
        r = c.getresponse()
        r.read()
        end = time.monotonic()
        if r.getheader("Connection", "").lower() == "close":
            self.drop()
        return r.status, r.getheader("Location"), end - post_start, end - start

    def run(self):
        ws = self.t0 + self.args.window_start
        we = ws + self.args.window
        while time.monotonic() < self.deadline:
            try:
                status, location, post, cycle = self.once()
            except (OSError, http.client.HTTPException):
                self.drop()
                with self.lock:
                    self.stats["errors"] += 1
                time.sleep(0.05)
                continue
            now = time.monotonic()
            with self.lock:
                key = str(status)
                self.stats["statuses"][key] = self.stats["statuses"].get(key, 0) + 1
                if status == 303 and location == "/mon-espace":
                    self.stats["ok"] += 1
                    self.stats["post"].append(post)
                    self.stats["cycle"].append(cycle)
                    if ws <= now <= we:
                        self.stats["window_ok"] += 1
                else:
                    self.stats["failed"] += 1
        self.drop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="http://HOST:PORT")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, required=True,
                    help="seconds during which sign-ins are started")
    ap.add_argument("--window-start", type=float, default=0.0)
    ap.add_argument("--window", type=float, default=0.0,
                    help="seconds of the counting window (0: the whole run)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="socket timeout of each request, seconds")
    ap.add_argument("--email", default="demo@robinet.test")
    ap.add_argument("--password", default="eau-potable-2024")
    ap.add_argument("--ready", help="file written once the clients start")
    args = ap.parse_args()
    if args.window <= 0:
        args.window_start, args.window = 0.0, args.duration

    u = urllib.parse.urlsplit(args.url)
    if u.scheme != "http" or not u.hostname:
        sys.exit("signin-storm: --url must be http://HOST:PORT")
    host, port = u.hostname, u.port or 80

    stats = {"ok": 0, "failed": 0, "errors": 0, "window_ok": 0,
             "post": [], "cycle": [], "statuses": {}}
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + args.duration
    clients = [Client(host, port, args, t0, deadline, stats, lock)
               for _ in range(args.clients)]
    for c in clients:
        c.start()
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("started\n")
    # Bounded: a client in a request gives up after --timeout.
    hard = deadline + args.timeout + 5
    for c in clients:
        c.join(max(0.0, hard - time.monotonic()))
    elapsed = time.monotonic() - t0
    with lock:
        s = dict(stats)
        statuses = ",".join("%s:%d" % kv for kv in sorted(s["statuses"].items()))
        print("STORM clients=%d seconds=%.3f ok=%d failed=%d errors=%d "
              "window_ok=%d window_rate=%.2f post_p50_ms=%.1f post_p99_ms=%.1f "
              "cycle_p50_ms=%.1f cycle_p99_ms=%.1f statuses=%s" % (
                  args.clients, elapsed, s["ok"], s["failed"], s["errors"],
                  s["window_ok"], s["window_ok"] / args.window,
                  percentile(s["post"], 50) * 1000, percentile(s["post"], 99) * 1000,
                  percentile(s["cycle"], 50) * 1000, percentile(s["cycle"], 99) * 1000,
                  statuses or "none"), flush=True)
    stuck = sum(1 for c in clients if c.is_alive())
    if stuck:
        print("signin-storm: %d client(s) still waiting at the end" % stuck,
              file=sys.stderr)


if __name__ == "__main__":
    main()
