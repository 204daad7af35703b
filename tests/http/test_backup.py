"""robinet backup (docs/deploy.md): an online copy of the SQLite database,
consistent while the server writes, restorable by copying the file."""
import hashlib
import os
import shutil
import tempfile
import threading
import time

import dbx
from harness import Server, fresh_db, run_cli, test
from test_auth import DEMO_EMAIL, DEMO_PASSWORD, Browser


def tables(path):
    con = dbx.connect(path)
    try:
        return [r[0] for r in con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    finally:
        con.close()


def counts(path):
    con = dbx.connect(path)
    try:
        return {t: con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in tables(path)}
    finally:
        con.close()


def bills_checksum(path):
    """SHA-256 of every column of every bill, in id order."""
    con = dbx.connect(path)
    try:
        h = hashlib.sha256()
        n = 0
        for row in con.execute("SELECT * FROM invoices ORDER BY id"):
            h.update(repr(row).encode())
            n += 1
        return n, h.hexdigest()
    finally:
        con.close()


def check_db(path):
    con = dbx.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


@test(own=True, sqlite_only="robinet backup copies SQLite files; PostgreSQL has its own tools")
def a_backup_taken_while_requests_write_restores_and_serves(s):
    db = fresh_db()
    srv = Server(db)
    out = os.path.join(tempfile.mkdtemp(prefix="robinet-backup-"), "copy.db")
    stop = threading.Event()
    done = [0]
    errors = []

    def writer():
        # Each sign-in writes (session, audit, counters); each sign-out too.
        while not stop.is_set():
            try:
                b = Browser(srv)
                st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
                if st != 303:
                    errors.append(st)
                b.post("/deconnexion", {})
                done[0] += 1
            except Exception as e:      # noqa: BLE001 (reported below)
                errors.append(repr(e))
    try:
        before = counts(db)
        bills_before = bills_checksum(db)
        con = dbx.connect(db)
        try:
            pages = con.execute("PRAGMA page_count").fetchone()[0]
        finally:
            con.close()
        t = threading.Thread(target=writer)
        t0 = time.time()
        t.start()
        while done[0] < 2 and not errors:
            time.sleep(0.05)
        at_start = done[0]
        # One page per step with a pause: the copy lasts as long as six of
        # the writer's sign-in and sign-out cycles, timed just now (a fixed
        # pause saw a single cycle on a loaded machine), and the writer
        # carries on all along.
        cycle = (time.time() - t0) / max(at_start, 1)
        pause_ms = max(2, int(6 * cycle * 1000 / pages) + 1)
        t0 = time.time()
        rc, o, e = run_cli("backup", "--db", dbx.url(db), "--out", out,
                           env={"ROBINET_BACKUP_STEP_PAGES": "1",
                                "ROBINET_BACKUP_PAUSE_MS": str(pause_ms)})
        took = time.time() - t0
        during = done[0] - at_start
        stop.set()
        t.join()
        assert rc == 0 and "written" in o, (rc, o, e)
        assert not errors, errors[:3]
        assert during >= 2, "only %d sign-ins during a %.1f s backup (%d pages, %d ms pause, %.2f s a cycle)" % (
            during, took, pages, pause_ms, cycle)
        after = counts(db)
        assert after["sessions"] > before["sessions"] or after["audit_log"] > before["audit_log"], \
            "the writer changed nothing"
        assert not [f for f in os.listdir(os.path.dirname(out)) if ".tmp-" in f]

        # Restore: copy the file to a new database.
        restored = os.path.join(tempfile.mkdtemp(prefix="robinet-restore-"), "robinet.db")
        shutil.copy(out, restored)
        check_db(restored)
        got = counts(restored)
        assert set(got) == set(before), set(got) ^ set(before)
        for name, n in got.items():
            lo, hi = min(before[name], after[name]), max(before[name], after[name])
            assert lo <= n <= hi, (name, before[name], n, after[name])
        assert bills_checksum(restored) == bills_before == bills_checksum(db)
        assert bills_before[0] > 0
        # Serves from it: a subscriber signs in and reads the bills.
        r = Server(restored)
        try:
            b = Browser(r)
            assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
            st, _, page = b.get("/mes-factures")
            assert st == 200 and "Facture" in page, (st, page[:300])
        finally:
            assert r.stop() == 0, r.final_log
    finally:
        stop.set()
        srv.stop()


@test(sqlite_only="robinet backup copies SQLite files; PostgreSQL has its own tools")
def backup_refuses_to_overwrite_without_force_and_keeps_the_file(s):
    d = tempfile.mkdtemp(prefix="robinet-backup-")
    out = os.path.join(d, "copy.db")
    with open(out, "w") as f:
        f.write("precious")
    rc, o, e = run_cli("backup", "--db", dbx.url(s.db), "--out", out)
    assert rc == 2 and "--force" in e and "exists" in e, (rc, e)
    assert open(out).read() == "precious"
    rc, o, e = run_cli("backup", "--db", dbx.url(s.db), "--out", out, "--force")
    assert rc == 0, (rc, e)
    check_db(out)
    assert counts(out) == counts(s.db) or set(counts(out)) == set(counts(s.db))
    assert sorted(os.listdir(d)) == ["copy.db"], os.listdir(d)
    assert (os.stat(out).st_mode & 0o077) == 0, oct(os.stat(out).st_mode)  # personal data


@test(sqlite_only="robinet backup copies SQLite files; PostgreSQL has its own tools")
def backup_refuses_bad_targets_precisely(s):
    d = tempfile.mkdtemp(prefix="robinet-backup-")
    rc, o, e = run_cli("backup", "--db", dbx.url(s.db))
    assert rc == 2 and "--out FILE is required" in e, (rc, e)
    rc, o, e = run_cli("backup", "--db", dbx.url(s.db), "--out", d, "--force")
    assert rc == 2 and "is a directory" in e, (rc, e)
    # The database itself, or its WAL, even with --force: never replaced.
    for victim in (s.db, s.db + "-wal"):
        assert os.path.exists(victim), victim
        size = os.path.getsize(victim)
        rc, o, e = run_cli("backup", "--db", dbx.url(s.db), "--out", victim, "--force")
        assert rc == 2 and "itself" in e, (victim, rc, e)
        assert os.path.getsize(victim) == size
    rc, o, e = run_cli("backup", "--db", dbx.url(s.db), "--out", os.path.join(d, "no", "copy.db"))
    assert rc == 1 and "No such file or directory" in e, (rc, e)
    assert os.listdir(d) == []
    assert s.request("GET", "/healthz")[0] == 200


@test(sqlite_only="robinet backup copies SQLite files; PostgreSQL has its own tools")
def a_failed_backup_leaves_no_file(s):
    # A source that is not a database: the copy fails, nothing is left.
    d = tempfile.mkdtemp(prefix="robinet-backup-")
    bad = os.path.join(d, "bad.db")
    with open(bad, "wb") as f:
        f.write(b"not a database" * 1000)
    out = os.path.join(d, "copy.db")
    rc, o, e = run_cli("backup", "--db", dbx.url(bad), "--out", out)
    assert rc == 1 and e.startswith("robinet: backup"), (rc, e)
    assert sorted(os.listdir(d)) == ["bad.db"], os.listdir(d)
