"""serve started as root leaves root for run_as_user (docs/deploy.md):
the ids of every thread, what still works, and clear refusals. These
tests need root (the test machine runs them as root); as another user
they check the refusal only. On PostgreSQL the server's database is a
copy on the cluster (nothing on disk for the user to own); the checks of
the SQLite file's ownership stay SQLite's."""
import os
import signal
import socket
import threading
import time
import pwd
import shutil
import subprocess
import tempfile

import dbx
import harness
from harness import ARGS, PINNED, Server, free_port, test
from test_auth import DEMO_EMAIL, DEMO_PASSWORD, Browser

USER = "nobody"


def owned_by(user, *paths):
    if os.geteuid() != 0:
        return          # only root gives files away
    pw = pwd.getpwnam(user)
    for p in paths:
        os.chown(p, pw.pw_uid, pw.pw_gid)


def user_dirs(user):
    """A database copy, a mail and an attachments folder, all the user's,
    in a folder of /tmp the user can reach (the run's folder is root's).
    On PostgreSQL the copy is a database of the cluster. Undo with
    release(db)."""
    top = tempfile.mkdtemp(prefix="robinet-privdrop-", dir="/tmp")
    os.chmod(top, 0o711)
    d, mail, attach = (os.path.join(top, n) for n in ("db", "mail", "attach"))
    for x in (d, mail, attach):
        os.mkdir(x, 0o700)
    db = dbx.new_db(harness.DEMO_DB, path=os.path.join(d, "demo.db"))
    owned_by(user, d, mail, attach, *(() if dbx.PG else (db,)))
    _TOPS[db] = top
    return db, {"ROBINET_RUN_AS_USER": user, "ROBINET_MAIL_DIR": mail, "ROBINET_ATTACHMENTS_DIR": attach}


_TOPS = {}


def release(db):
    """Removes what user_dirs made for db."""
    shutil.rmtree(_TOPS.pop(db))
    dbx.drop(db)


def ids(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid", "Groups"):
                out[k] = v.split()
    return out


@test(own=True)
def serve_started_as_root_runs_as_run_as_user(s):
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(USER)
    db, env = user_dirs(USER)
    srv = Server(db, env=env)
    try:
        tasks = os.listdir("/proc/%d/task" % srv.proc.pid)
        assert len(tasks) > 1, tasks
        for t in tasks:       # every thread, not only the main one
            got = ids("/proc/%d/task/%s/status" % (srv.proc.pid, t))
            assert got["Uid"] == [str(pw.pw_uid)] * 4, (t, got)
            assert got["Gid"] == [str(pw.pw_gid)] * 4, (t, got)
            assert got["Groups"] in ([], [str(pw.pw_gid)]), (t, got)
        assert "running as %s" % USER in srv.stderr()
        # Still serves, and still writes (sign-in, session, audit) as that user.
        b = Browser(srv)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        st, _, page = b.get("/mes-factures")
        assert st == 200, st
        if not dbx.PG:
            assert os.stat(db + "-wal").st_uid == pw.pw_uid
        # The session the sign-in wrote is in the database.
        assert harness.db_rows(srv, "SELECT count(*) FROM sessions")[0][0] >= 1
    finally:
        assert srv.stop() == 0, srv.final_log
        release(db)


def serve_fails(db, env):
    e = dict(os.environ)
    e.update(PINNED)
    e.update(env)
    return subprocess.run([ARGS.bin, "serve", "--db", dbx.url(db), "--listen", "127.0.0.1:%d" % free_port()],
                          capture_output=True, text=True, env=e, timeout=60)


@test
def serve_refuses_an_account_it_cannot_become_or_use(s):
    db, env = user_dirs(USER)
    try:
        refuses(db, env)
    finally:
        release(db)


def refuses(db, env):
    p = serve_fails(db, dict(env, ROBINET_RUN_AS_USER="personne-inconnue"))
    assert p.returncode == 1 and 'no account named "personne-inconnue"' in p.stderr, p.stderr
    p = serve_fails(db, dict(env, ROBINET_RUN_AS_USER="root"))
    assert p.returncode == 1 and "is root (uid 0)" in p.stderr, p.stderr
    if os.geteuid() != 0:
        p = serve_fails(db, env)
        assert p.returncode == 1 and "needs robinet started as root" in p.stderr, p.stderr
        return
    if dbx.PG:
        return      # no file of the database for the account to write
    # The account cannot write the database: said before serving anyone.
    owned_by("root", os.path.dirname(db), db)
    os.chmod(os.path.dirname(db), 0o755)
    os.chmod(db, 0o644)
    p = serve_fails(db, env)
    assert p.returncode == 1 and "as %s, cannot write the database" % USER in p.stderr, p.stderr


@test
def serving_as_root_without_run_as_user_is_warned_about(s):
    if os.geteuid() != 0:
        return
    assert "serving as root: set run_as_user" in s.stderr(), s.stderr()[:2000]


def first_answers(port, pid, deadline, n=16, path="/healthz"):
    """From before the server listens: n clients each connect as soon as
    the port takes connections and send a request at once (it waits in
    the listen queue until the server accepts). Returns, for each answer,
    its status line and the server's uids read from /proc right after."""
    out = []
    lock = threading.Lock()

    def client():
        while time.time() < deadline:
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError:
                time.sleep(0.001)
                continue
            try:
                c.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path.encode())
                first = c.recv(64)
                try:
                    uid = ids("/proc/%d/status" % pid)["Uid"]
                except OSError:
                    uid = None
                with lock:
                    out.append((first.split(b"\r\n")[0], uid))
            finally:
                c.close()
            return
    ts = [threading.Thread(target=client) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


@test
def no_request_is_ever_answered_as_root(s):
    """Bind, then drop, then accept: requests sent while serve starts
    wait in the listen queue and are answered only once it runs as
    run_as_user; the log shows the drop before the first access line."""
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(USER)
    for _ in range(3):      # the old order was caught at once; three runs to be sure
        db, env = user_dirs(USER)
        port = free_port()
        e = dict(os.environ)
        e.update(PINNED)
        e.update(env)
        e["ROBINET_PSP_SANDBOX_LISTEN"] = "127.0.0.1:%d" % free_port()
        log = tempfile.NamedTemporaryFile(prefix="robinet-", suffix=".log", delete=False)
        p = subprocess.Popen([ARGS.bin, "serve", "--db", dbx.url(db), "--listen", "127.0.0.1:%d" % port],
                             stdout=subprocess.DEVNULL, stderr=log, env=e)
        try:
            got = first_answers(port, p.pid, time.time() + 20)
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=20) == 0
            text = open(log.name, encoding="utf-8", errors="replace").read()
            os.unlink(log.name)
            release(db)
        assert len(got) == 16 and all(g[0].startswith(b"HTTP/1.1 200") for g in got), (got, text[-2000:])
        for status, uid in got:
            assert uid == [str(pw.pw_uid)] * 4, (status, uid)
        drop = text.find("running as %s" % USER)
        accept = text.find("accepting connections on port %d as uid %d" % (port, pw.pw_uid))
        first = text.find("type=access")
        assert 0 <= drop < accept < first, (drop, accept, first, text[-3000:])


@test(sqlite_only="serves a SQLite copy the run-as user owns (the order of drop and accept does not depend on the engine)")
def the_demo_payment_sandbox_never_answers_as_root(s):
    """The demo's stand-in payment page (src/sandbox) is bound before the
    drop (psp_page_url needs its port) but answers only after it:
    requests sent to it from the moment it listens are answered while
    serve runs as run_as_user, never as root."""
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(USER)
    for _ in range(3):
        db, env = user_dirs(USER)
        port, sb_port = free_port(), free_port()
        e = dict(os.environ)
        e.update(PINNED)
        e.update(env)
        e["ROBINET_PSP_SANDBOX_LISTEN"] = "127.0.0.1:%d" % sb_port
        log = tempfile.NamedTemporaryFile(prefix="robinet-", suffix=".log", delete=False)
        p = subprocess.Popen([ARGS.bin, "serve", "--db", "sqlite:" + db, "--listen", "127.0.0.1:%d" % port],
                             stdout=subprocess.DEVNULL, stderr=log, env=e)
        try:
            got = first_answers(sb_port, p.pid, time.time() + 20, path="/")
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=20) == 0
            text = open(log.name, encoding="utf-8", errors="replace").read()
            os.unlink(log.name)
            shutil.rmtree(os.path.dirname(os.path.dirname(db)))
        assert "stand-in payment page" in text, text[-2000:]
        assert len(got) == 16 and all(g[0].startswith(b"HTTP/1.1 200") for g in got), (got, text[-2000:])
        for status, uid in got:
            assert uid == [str(pw.pw_uid)] * 4, (status, uid)
