#!/usr/bin/python3
"""HTTP tests against the real `robinet` binary.

Each test runs against a `robinet serve` listening on a free loopback
port, with a temporary SQLite database filled by `robinet demo` for the
pinned date harness.TODAY (tests/today), which the servers believe; with
RB_TEST_DB set (tests/pg/cluster.sh), PostgreSQL databases instead: the
demo data in a template, and a copy of it for each server, dropped after
its test. Tests marked sqlite_only print "ok N - name # SKIP sqlite
only: why" there. Test
files are tests/http/test_*.py. Output is TAP ("ok N - name" /
"not ok N - name"), read by scripts/check.

usage: run.py --bin build/robinet [--sanitized] [-k SUBSTRING]
"""
import argparse
import glob
import importlib
import os
import shutil
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbx  # noqa: E402
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    harness.ARGS.bin = os.path.abspath(a.bin)
    harness.ARGS.sanitized = a.sanitized
    if a.sanitized:
        # Leaks of third-party caches that live as long as the process.
        os.environ.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "lsan.supp"))
    # Every temporary file of the run (databases, PDF caches, exports,
    # even those made when the test files are imported) goes below one
    # folder, removed at the end.
    tmp = tempfile.mkdtemp(prefix="robinet-http-")
    tempfile.tempdir = tmp
    try:
        return run(a, tmp)
    finally:
        dbx.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, tmp):
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
        importlib.import_module(os.path.basename(path)[:-3])
    db = dbx.new_db() if dbx.PG else os.path.join(tmp, "demo.db")
    rc, out, err = harness.run_cli("demo", "--db", dbx.url(db), "--contracts", "60",
                                   "--seed", "7", "--today", harness.TODAY)
    if rc != 0:
        print("Bail out! robinet demo failed: " + err)
        return 2
    harness.DEMO_DB = db
    shared = None
    failed = 0
    selected = [t for t in harness.TESTS if a.k in t.__name__]
    skipped = 0
    print("1..%d" % len(selected))
    for n, t in enumerate(selected, 1):
        name = t.__name__
        srv = None
        if dbx.PG and t.sqlite_only:
            skipped += 1
            print("ok %d - %s # SKIP sqlite only: %s" % (n, name, t.sqlite_only))
            continue
        try:
            if t.own:
                srv = harness.Server(harness.fresh_db(), env=t.env)
            else:
                if shared is None:
                    # A copy, on both engines: the demo database stays as
                    # made, the template of every own server's database
                    # (a test's own server must not see what the shared
                    # one's tests wrote; on PostgreSQL a template must
                    # have no one connected to it; a SQLite file copied
                    # while a server writes it would miss its WAL).
                    shared = harness.Server(dbx.new_db(db))
                srv = shared
            seen = 0 if t.own else len(srv.stderr())
            try:
                t(srv)
            except Exception:
                if srv is not None:
                    print("# server log:\n" + srv.stderr()[-3000:], file=sys.stderr)
                raise
            finally:
                if t.own:
                    running = srv.proc.poll() is None
                    rc = srv.stop()
                    dbx.drop(srv.db)
            # A server the test left running must exit cleanly: under the
            # sanitizers, a leak or an error report makes its status
            # non-zero.
            if t.own and running and rc != 0:
                print("# server log:\n" + srv.final_log[-3000:], file=sys.stderr)
                raise AssertionError("server exited with status %d" % rc)
            # Pages read through indexes: the SQLite driver logs any
            # statement that walked a whole table.
            log = (srv.final_log if t.own else srv.stderr())[seen:]
            scans = [l for l in log.splitlines() if "full table scan" in l]
            if scans:
                raise AssertionError("full table scan in the server: " + scans[0])
            print("ok %d - %s" % (n, name))
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print("not ok %d - %s: %s" % (n, name, str(e)[:500]))
            traceback.print_exc(file=sys.stderr)
            if shared is not None and shared.proc.poll() is not None:
                shared = None
        sys.stdout.flush()
    if shared is not None:
        rc = shared.stop()
        if rc != 0:
            print("not ok %d - shared server exited with %d" % (len(selected) + 1, rc))
            failed += 1
    if skipped:
        print("# %d test(s) skipped on PostgreSQL: sqlite only" % skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
