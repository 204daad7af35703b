#!/usr/bin/python3
"""dbx: the HTTP tests' own way into a test database, on either engine.

A database is named by a string: a SQLite file path (the default), or a
postgresql:// URL when RB_TEST_DB names a cluster (tests/pg/cluster.sh).

    PG                  True when the tests run on PostgreSQL
    url(db)             the --db value of robinet for db
    connect(db)         a connection with sqlite3's small API: execute(sql,
                        params) -> cursor (fetchone, fetchall, iteration,
                        lastrowid), executemany, commit, rollback, close,
                        "with";
                        parameters are written "?" or "$1" and translated
                        here, for either engine; on PostgreSQL each
                        statement commits at once (autocommit), commit()
                        has nothing left to do
    new_db(template, path)  a new empty database (or a copy of template);
                        on SQLite, at path when given
    tables(db)          the names of db's tables, sorted
    columns(db, table)  the names of table's columns, in order
    drop(db)            removes a database new_db made (sqlite: nothing)
    drop_all()          removes every database new_db made and not dropped
    serving(db, server, yes)  server (harness.Server) runs on db, or no longer
    heard(db)           waits until each server running on db has heard
                        the writes committed before (commit() and close()
                        after a write call it)
    allow_connections(db, yes)  on PostgreSQL, lets new connections to db
                        in or refuses them (those open stay)

On PostgreSQL the oracles need psycopg2 (python3-psycopg2): without it
the run stops with a message, it never falls back to SQLite.
"""
import http.client
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import time

CLUSTER = os.environ.get("RB_TEST_DB") or None
PG = CLUSTER is not None
if PG:
    if not CLUSTER.startswith("postgresql://"):
        raise SystemExit("RB_TEST_DB must be a postgresql:// URL, not %r" % CLUSTER)
    try:
        import psycopg2
    except ImportError:
        raise SystemExit("RB_TEST_DB is set but psycopg2 is missing: apt-get install python3-psycopg2 "
                         "(scripts/bootstrap --test)")

_SEQ = itertools.count(1)
_MADE = []
# One text token: a quoted string or identifier (kept as is), a "?" or
# "$N" parameter, or anything else; psycopg2 wants every "%" doubled.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|\$(\d+)|%|[^'\"?$%]+|.", re.S)


def url(db):
    """The --db argument of robinet for database db."""
    return db if db.startswith("postgresql://") else "sqlite:" + db


def _translate(sql, params, pg):
    """sql with "?" and "$N" parameters as the engine wants them (pg:
    psycopg2's "%s"), and params in the order they are used."""
    params = tuple(params)
    out = []
    order = []
    positional = 0
    for m in _TOKEN.finditer(sql):
        tok = m.group(0)
        if tok == "?":
            order.append(positional)
            positional += 1
            out.append("%s" if pg else "?")
        elif m.group(1) is not None:
            order.append(int(m.group(1)) - 1)
            out.append("%s" if pg else "?")
        elif pg and "%" in tok:
            out.append(tok.replace("%", "%%"))     # in a string too
        else:
            out.append(tok)
    if not order:
        return sql, (None if pg else params)
    if max(order) >= len(params):
        raise AssertionError("dbx: %d parameters given for %r" % (len(params), sql))
    return "".join(out), tuple(params[i] for i in order)


class Cursor:
    def __init__(self, con, cur):
        self._con = con
        self._cur = cur
        self.rowcount = cur.rowcount
        self.lastrowid = None
        if not isinstance(cur, sqlite3.Cursor):
            # The last identity value this session made, like sqlite3's
            # lastrowid after an INSERT.
            head = cur.query.decode("utf-8", "replace").lstrip().upper() if cur.query else ""
            if head.startswith("INSERT") and cur.description is None:
                c = con.cursor()
                try:
                    c.execute("SELECT lastval()")
                    self.lastrowid = c.fetchone()[0]
                except psycopg2.errors.ObjectNotInPrerequisiteState:
                    pass        # a table without an identity column
                finally:
                    c.close()
        else:
            self.lastrowid = cur.lastrowid

    def fetchone(self):
        if self._cur.description is None:
            return None
        return self._cur.fetchone()

    def fetchall(self):
        if self._cur.description is None:
            return []
        return [tuple(r) for r in self._cur.fetchall()]

    def __iter__(self):
        return iter(self.fetchall())


# A write made here is, for a running server, a write of another server:
# triggers notify it (PostgreSQL: NOTIFY; SQLite: rows its listener reads
# every 5 ms), and its listener evicts what it kept within milliseconds
# (docs/architecture.md, "Page data kept in memory"), while the next
# request may be answered in a tenth of that, and under load later still.
# So commit() and close() after a write, and harness.run_cli() after a
# command given --db, call heard(): each server running on the database
# (harness.Server says so with serving()) is sent a mark (app/sesscache.h)
# after the write, and waited for until its /metrics shows that mark:
# notices arrive in commit order, so it has heard the write too. A server
# whose caches are both off keeps nothing and is not waited for.
HEARD_TIMEOUT_S = 20
_SERVING = {}       # url(db) -> [harness.Server]
_MARK = re.compile(r"^robinet_(notices_mark|session_cache_on|data_cache_on) (\d+)$", re.M)


def serving(db, server, yes=True):
    """server (harness.Server: .port, .proc) runs on db (yes), or no
    longer (False)."""
    servers = _SERVING.setdefault(url(db), [])
    if yes:
        servers.append(server)
    elif server in servers:
        servers.remove(server)


def _send_mark(db):
    mark = time.time_ns()
    if db.startswith("postgresql://"):
        con = psycopg2.connect(db)
        try:
            con.autocommit = True
            con.cursor().execute("SELECT pg_notify('rb_data', %s)", ("mark:%d" % mark,))
        finally:
            con.close()
    else:
        con = sqlite3.connect(db, timeout=10)
        try:
            con.execute("INSERT INTO rb_notices (channel, payload) VALUES ('rb_data', ?)", ("mark:%d" % mark,))
            con.commit()
        except sqlite3.OperationalError as e:
            if "no such table" not in str(e):
                raise
            return None     # a schema before notices (migration 0031): no cache
        finally:
            con.close()
    return mark


def _server_state(port):
    """(the highest mark the server heard, whether a cache is on), or None
    when it does not answer (stopped, killed)."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/metrics")
        body = c.getresponse().read().decode()
        c.close()
    except (OSError, http.client.HTTPException):
        return None
    got = dict(_MARK.findall(body))
    return int(got.get("notices_mark", 0)), got.get("session_cache_on") == "1" or got.get("data_cache_on") == "1"


def notices_seq(db):
    """On SQLite, the last number a notice was given (it grows with each
    write a server must hear), to tell whether a command wrote any; None
    on PostgreSQL, before migration 0031, or with no server on db (then
    nothing is waited for anyway)."""
    if db.startswith("postgresql://") or not _SERVING.get(url(db)):
        return None
    con = sqlite3.connect(db, timeout=10)
    try:
        row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'rb_notices'").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()
    return row[0] if row else 0


def heard(db):
    """Returns once every server running on db has heard what was
    committed on db before the call (nothing to wait for without one)."""
    deadline = time.time() + HEARD_TIMEOUT_S
    for server in list(_SERVING.get(url(db), ())):
        port = server.port
        while server.proc.poll() is None:   # killed: its port may serve another
            # A mark inside more notices than the listener names one by
            # one is not heard (SQLite's "*"): another follows.
            mark = _send_mark(db)
            if mark is None:
                return
            turn = time.time() + 0.5
            while True:
                state = _server_state(port)
                if state is None or not state[1] or state[0] >= mark:
                    break
                if time.time() > min(turn, deadline):
                    break
                time.sleep(0.002)
            if state is None or not state[1] or state[0] >= mark:
                break
            if time.time() > deadline:
                raise AssertionError("dbx: the server on port %d did not hear a write within %d s "
                                     "(robinet_notices_mark %d, mark %d)"
                                     % (port, HEARD_TIMEOUT_S, state[0], mark))


class Connection:
    def __init__(self, db, timeout=5.0, isolation_level=""):
        self.db = db
        self._wrote = False
        if db.startswith("postgresql://"):
            self._con = psycopg2.connect(db)
            self._con.autocommit = True
        else:
            if PG and not os.path.exists(db):
                raise AssertionError("dbx: no SQLite file %s" % db)
            self._con = sqlite3.connect(db, timeout=timeout, isolation_level=isolation_level)

    def execute(self, sql, params=()):
        if self.db.startswith("postgresql://"):
            text, args = _translate(sql, params, True)
            cur = self._con.cursor()
            cur.execute(text, args)
            if not text.lstrip().upper().startswith("SELECT"):
                self._wrote = True
            return Cursor(self._con, cur)
        # A SQLite file (also when the run is on PostgreSQL: a test that
        # made a file of its own).
        text, args = _translate(sql, params, False)
        if not text.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            self._wrote = True
        return Cursor(self._con, self._con.execute(text, args or ()))

    def executemany(self, sql, seq):
        for params in seq:
            self.execute(sql, params)

    def _notices_heard(self):
        if self._wrote:
            self._wrote = False
            heard(self.db)

    def commit(self):
        self._con.commit()
        self._notices_heard()

    def rollback(self):
        self._con.rollback()

    def close(self):
        self._con.close()
        self._notices_heard()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.rollback()
        return False


def connect(db, timeout=5.0, isolation_level=""):
    return Connection(db, timeout, isolation_level)


def _admin(sql):
    """Runs sql on the cluster's maintenance connection (autocommit)."""
    con = psycopg2.connect(CLUSTER)
    try:
        con.autocommit = True
        con.cursor().execute(sql)
    finally:
        con.close()


def _name(db):
    return db.rsplit("/", 1)[1].split("?", 1)[0]


def new_db(template=None, path=None):
    """A new database: empty, or a copy of template (a database new_db
    made, with no one connected to it); a SQLite file at path if given."""
    if not PG:
        if path is None:
            d = tempfile.mkdtemp(prefix="robinet-db-")
            path = os.path.join(d, "demo.db" if template else "new.db")
        if template:
            shutil.copy(template, path)
        return path
    name = "rbt_%d_%d" % (os.getpid(), next(_SEQ))
    if template:
        _admin('CREATE DATABASE "%s" TEMPLATE "%s"' % (name, _name(template)))
    else:
        _admin('CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\' '
               'LC_COLLATE \'C\' LC_CTYPE \'C\'' % name)
    db = CLUSTER.rsplit("/", 1)[0] + "/" + name
    _MADE.append(db)
    return db


def drop(db):
    """Drops db when new_db made it on PostgreSQL (FORCE: a connection a
    failed test left open does not keep it)."""
    if PG and db in _MADE:
        _MADE.remove(db)
        _admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % _name(db))


def allow_connections(db, yes):
    _admin('ALTER DATABASE "%s" WITH ALLOW_CONNECTIONS %s' % (_name(db), "true" if yes else "false"))


def drop_all():
    for db in list(_MADE):
        drop(db)


def tables(db):
    con = connect(db)
    try:
        if db.startswith("postgresql://"):
            sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                   " AND table_type = 'BASE TABLE' ORDER BY table_name")
        else:
            sql = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                   " ORDER BY name")
        return [r[0] for r in con.execute(sql)]
    finally:
        con.close()


def columns(db, table):
    con = connect(db)
    try:
        if db.startswith("postgresql://"):
            return [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = ? ORDER BY ordinal_position", (table,))]
        return [r[1] for r in con.execute("PRAGMA table_info(\"%s\")" % table)]
    finally:
        con.close()
