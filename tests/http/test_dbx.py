#!/usr/bin/python3
"""Tests of dbx.py, the oracles' way into a database: parameters, "%"
and quotes mean the same on either engine, a write is seen by the server
and the server's writes by the oracle, and the engine is the one asked
for (RB_TEST_DB: PostgreSQL; else SQLite)."""
import os

import dbx
from harness import test, db_rows, fresh_db
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD


@test
def dbx_reads_the_engine_the_run_asked_for(s):
    if os.environ.get("RB_TEST_DB"):
        assert dbx.PG and s.db.startswith("postgresql://"), s.db
        assert dbx.url(s.db) == s.db
        # Each server has a database of its own, not the cluster's.
        assert s.db.rsplit("/", 1)[1] != os.environ["RB_TEST_DB"].rsplit("/", 1)[1], s.db
        assert db_rows(s, "SELECT current_setting('server_version_num')")[0][0].isdigit()
    else:
        assert not dbx.PG and os.path.isfile(s.db), s.db
        assert dbx.url(s.db) == "sqlite:" + s.db
        assert db_rows(s, "SELECT sqlite_version()")[0][0].count(".") == 2


@test
def dbx_parameters_percent_and_quotes_mean_the_same_on_both_engines(s):
    n = db_rows(s, "SELECT count(*) FROM contracts")[0][0]
    assert n > 0
    # "?" and "$N" (reused, out of order); "%" and "?" inside a string.
    assert db_rows(s, "SELECT count(*) FROM contracts WHERE number LIKE ? AND id >= $2 AND id >= $2",
                   "1%", 0)[0][0] == n
    assert db_rows(s, "SELECT $2, $1, 'a?b', '100%'", "x", "y") == [("y", "x", "a?b", "100%")]
    assert db_rows(s, "SELECT 'it''s', ?", "l'eau") == [("it's", "l'eau")]
    assert db_rows(s, "SELECT '50%' WHERE 1 = 1") == [("50%",)]
    try:
        db_rows(s, "SELECT ?, ?", 1)
    except AssertionError as e:
        assert "1 parameters given" in str(e), e
    else:
        raise AssertionError("a missing parameter went unnoticed")


@test(own=True)
def dbx_writes_are_seen_by_the_server_and_its_writes_by_dbx(s):
    before = db_rows(s, "SELECT count(*) FROM sessions")[0][0]
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    assert db_rows(s, "SELECT count(*) FROM sessions")[0][0] == before + 1
    con = dbx.connect(s.db)
    cur = con.execute("INSERT INTO braille_letters (account_id, kind, title, body, created_at)"
                      " SELECT id, 'contact_reply', 'Lettre-dbx', 'Bonjour', 5 FROM web_accounts"
                      " WHERE email_norm = ?", (DEMO_EMAIL,))
    assert isinstance(cur.lastrowid, int) and cur.lastrowid > 0, cur.lastrowid
    con.commit()
    con.close()
    st, _, page = b.get("/mes-courriers-braille/%d-braille.txt" % cur.lastrowid)
    assert st == 200, st


@test
def dbx_copies_are_databases_of_their_own(s):
    a, b = fresh_db(), fresh_db()
    try:
        con = dbx.connect(a)
        con.execute("DELETE FROM news")
        con.commit()
        con.close()
        assert db_rows(type("S", (), {"db": a}), "SELECT count(*) FROM news")[0][0] == 0
        assert db_rows(type("S", (), {"db": b}), "SELECT count(*) FROM news")[0][0] > 0
    finally:
        dbx.drop(a)
        dbx.drop(b)
