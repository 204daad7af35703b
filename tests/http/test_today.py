#!/usr/bin/python3
"""The `today` setting: the date a demo or test server believes it is in
Paris. Refused by every command outside demo mode; in demo mode it decides
which bills are late and where the consumption range ends, whatever the
machine's clock says, and the date `robinet demo` makes its data for.
"""
import datetime
import os
import re
import shutil
import tempfile

import dbx
from harness import Server, test, run_cli, check_page, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

OUTSIDE_DEMO = {"ROBINET_DEMO": None, "ROBINET_TODAY": TODAY}


@test
def today_is_refused_outside_demo_mode(s):
    for cmd in (["config", "check"], ["serve", "--db", dbx.url(s.db), "--listen", "127.0.0.1:1"],
                ["alerts", "--db", dbx.url(s.db)]):
        rc, out, err = run_cli(*cmd, env=OUTSIDE_DEMO)
        assert rc == 2, (cmd, rc, out, err)
        assert "invalid configuration: today: accepted in demo mode only" in err, (cmd, err)
        assert "configuration OK" not in out and "listening" not in out, (cmd, out)
    rc, out, err = run_cli("config", "check", env=dict(OUTSIDE_DEMO, ROBINET_DEMO="false"))
    assert rc == 2 and "today:" in err, (rc, err)
    # From a config file too.
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("today = %s\n" % TODAY)
    rc, out, err = run_cli("config", "check", "--config", f.name, env={"ROBINET_DEMO": None})
    assert rc == 2 and "today: accepted in demo mode only" in err, (rc, err)
    rc, out, err = run_cli("config", "check", "--config", f.name, "--demo", env={"ROBINET_DEMO": None})
    assert rc == 0 and re.search(r"^today += %s +# file$" % TODAY, out, re.M), out
    # In demo mode, only a real date.
    for bad in ("2026-02-29", "29/11/2026", "2026-11-29 10:00", "demain", "2026-1-5"):
        rc, out, err = run_cli("config", "check", "--demo", env={"ROBINET_TODAY": bad})
        assert rc == 2 and "invalid configuration: today: expected a date YYYY-MM-DD" in err, (bad, err)
    rc, out, err = run_cli("config", "check", "--demo", env={"ROBINET_TODAY": ""})
    assert rc == 0 and "configuration OK" in out, err


def late_candidate(db):
    """The latest bill of the demo account, made still to pay: (number, due date)."""
    con = dbx.connect(db)
    number, due = con.execute(
        "SELECT i.number, i.due_on FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id"
        " JOIN web_accounts w ON w.id = ac.account_id WHERE w.email = ? AND i.archived = 0"
        " ORDER BY i.due_on DESC, i.number LIMIT 1", (DEMO_EMAIL,)).fetchone()
    con.execute("UPDATE invoices SET status = 'to_pay' WHERE number = ?", (number,))
    con.commit()
    con.close()
    return number, due


def status_of(b, number):
    st, _, page = b.get("/mes-factures/" + number)
    assert st == 200, (number, st)
    check_page(page.encode())
    return re.search(r'<span class="status status-[a-z]+">([^<]*)</span>', page).group(1)


@test(own=True)
def the_server_shows_bills_late_relative_to_its_today(s):
    number, due = late_candidate(s.db)
    due_d = datetime.date.fromisoformat(due)
    seen = {}
    for day in (due_d, due_d + datetime.timedelta(days=1)):
        srv = Server(s.db, env={"ROBINET_TODAY": day.isoformat()})
        try:
            b = Browser(srv)
            st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
            assert st == 303, st
            label = status_of(b, number)
            st, _, page = b.get("/mes-factures?statut=en-retard")
            assert st == 200
            late_list = re.findall(r'<a href="/mes-factures/([A-Z0-9-]+)">', page)
            st, _, page = b.get("/ma-consommation")
            assert st == 200
            au = re.search(r'<input\b[^>]*\bid="au"[^>]*\bvalue="([0-9-]+)"', page).group(1)
            seen[day] = (label, number in late_list, au)
        finally:
            assert srv.stop() == 0, srv.final_log[-2000:]
    # On its due date a bill is still to pay; the day after, it is late.
    assert seen[due_d] == ("À payer", False, due_d.isoformat()), seen
    after = due_d + datetime.timedelta(days=1)
    assert seen[after] == ("En retard", True, after.isoformat()), seen


@test
def demo_data_is_made_for_the_today_setting(s):
    """`robinet demo` in demo mode with today set makes the data --today would."""
    def made(today_opt, env):
        d = tempfile.mkdtemp(prefix="robinet-today-")
        db = dbx.new_db(path=os.path.join(d, "demo.db"))
        rc, out, err = run_cli("demo", "--db", dbx.url(db), "--contracts", "3", *today_opt, env=env)
        assert rc == 0, err
        con = dbx.connect(db)
        try:
            return con.execute("SELECT count(*), max(issued_on), max(due_on), max(period_end)"
                               " FROM invoices").fetchone()
        finally:
            con.close()
            shutil.rmtree(d)
            dbx.drop(db)
    other = "2025-03-14"
    by_setting = made([], {"ROBINET_DEMO": "true", "ROBINET_TODAY": other})
    assert by_setting == made(["--today", other], {}), by_setting
    assert by_setting[3] <= other, by_setting
    assert by_setting != made(["--today", TODAY], {}), by_setting
    # The option still wins over the setting.
    assert made(["--today", TODAY], {"ROBINET_DEMO": "true", "ROBINET_TODAY": other}) == \
        made(["--today", TODAY], {})
