"""HTTP and CLI tests of paperless billing (issue 9, "Paperless
billing"): the switch of /mon-espace on and off with its confirmation
emails through a real SMTP server, the audit entry naming who switched,
another subscriber's contract, CSRF and markup refused; the import
announcing each new bill of a paperless contract by email (no amount in
the subject, no attachment) and flagging the others for printing, the
state carried over kept as imported, a subscriber's choice kept across
a re-import, and `robinet print-list`."""
import csv
import datetime
import io
import json
import os
import re
import tempfile
import time
import zoneinfo

import dbx
from harness import test, run_cli, db_rows, REAL_DATE
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, smtp_env, mail_text

SWITCH = "/mon-espace/facture-electronique"


def paris_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()


def demo_contract(s):
    """A contract of the demo account: (number, paperless)."""
    rows = db_rows(s, "SELECT c.number, c.paperless FROM contracts c "
                      "JOIN account_contracts ac ON ac.contract_id = c.id "
                      "JOIN web_accounts a ON a.id = ac.account_id "
                      "WHERE a.email = ? ORDER BY c.number", DEMO_EMAIL)
    assert rows, "the demo account has no contract"
    return rows[0]


def state(s, number):
    return db_rows(s, "SELECT paperless, paperless_by FROM contracts WHERE number = ?", number)[0]


def audit(s, number):
    return db_rows(s, "SELECT action, actor_kind, actor_id, detail FROM audit_log "
                      "WHERE target = ? AND action LIKE 'paperless.%' ORDER BY id",
                   "contract:" + number)


def outbox_count(s):
    return db_rows(s, "SELECT count(*) FROM mail_outbox")[0][0]


def signed_in(s):
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    st, _, page = b.get("/mon-espace")
    assert st == 200
    return b, page


@test(env=smtp_env())
def subscriber_switches_paperless_on_and_off_with_confirmation_emails(s):
    box = mailbox()
    number, was = demo_contract(s)
    b, page = signed_in(s)
    assert 'action="%s"' % SWITCH in page and 'value="%s"' % number in page
    account_id = db_rows(s, "SELECT id FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0][0]
    for on in (not was, bool(was)):
        st, h, _ = b.post(SWITCH, {"contrat": number, "etat": "oui" if on else "non"})
        assert st == 303, st
        assert h["location"].startswith("/mon-espace?fait="), h["location"]
        assert state(s, number) == (int(on), "subscriber")
        msg = box.wait(DEMO_EMAIL, "activée" if on else "désactivée")
        assert number in str(msg["subject"])
        text = mail_text(msg)
        assert number in text and "/mon-espace" in text, text
        if on:
            assert "plus de facture papier" in text, text
        else:
            assert "par la poste" in text, text
        st, _, page = b.get(h["location"])
        assert st == 200 and ("est activée" if on else "est désactivée") in page
        assert ("Revenir à la facture papier" if on else "Activer la facture électronique") in page
    rows = audit(s, number)
    assert [r[0] for r in rows] == ["paperless.on" if not was else "paperless.off",
                                    "paperless.off" if not was else "paperless.on"], rows
    for action, kind, actor, detail in rows:
        assert kind == "subscriber" and actor == account_id, rows
        assert json.loads(detail)["by"] == "subscriber", detail
    # Asking for the state it already has changes nothing and sends nothing.
    n = outbox_count(s)
    st, _, _ = b.post(SWITCH, {"contrat": number, "etat": "oui" if was else "non"})
    assert st == 303 and outbox_count(s) == n and len(audit(s, number)) == 2


@test(own=True)
def paperless_switch_refuses_other_contracts_csrf_and_markup(s):
    number, was = demo_contract(s)
    others = db_rows(s, "SELECT c.number FROM contracts c WHERE c.id NOT IN ("
                        "SELECT ac.contract_id FROM account_contracts ac JOIN web_accounts a "
                        "ON a.id = ac.account_id WHERE a.email = ?) ORDER BY "
                        "EXISTS (SELECT 1 FROM account_contracts x WHERE x.contract_id = c.id) DESC "
                        "LIMIT 2", DEMO_EMAIL)
    before = db_rows(s, "SELECT number, paperless, paperless_by FROM contracts ORDER BY number")
    n = outbox_count(s)
    b, _ = signed_in(s)
    # Another subscriber's contract, one without a space, one that does not exist: one answer.
    answers = set()
    for other in [o[0] for o in others] + ["9999999999"]:
        for etat in ("oui", "non"):
            st, _, page = b.post(SWITCH, {"contrat": other, "etat": etat})
            assert st == 404, (other, st)
            answers.add(re.sub(r'name="csrf" value="[^"]*"', "", page))
    assert len(answers) == 1
    # CSRF missing or wrong.
    assert b.post(SWITCH, {"contrat": number, "etat": "oui"}, csrf=False)[0] == 403
    assert b.post(SWITCH, {"contrat": number, "etat": "oui", "csrf": "x" * 43})[0] == 403
    # Markup and junk in the fields: a 400 in French, never echoed.
    for fields in ({"contrat": "<script>alert(1)</script>", "etat": "oui"},
                   {"contrat": number + "<b>", "etat": "oui"},
                   {"contrat": number, "etat": "<b>oui</b>"},
                   {"contrat": number, "etat": ""},
                   {"contrat": "", "etat": "non"}):
        st, _, page = b.post(SWITCH, fields)
        assert st == 400, (fields, st)
        assert "<script>alert" not in page and "<b>oui" not in page
        assert "Numéro de contrat non valide" in page or "Choix de la facture électronique manquant" in page
    # GET is not the switch; signed out is sent to sign in.
    assert b.get(SWITCH)[0] == 405
    anon = Browser(s)
    anon.get("/connexion")
    st, h, _ = anon.post(SWITCH, {"contrat": number, "etat": "oui"})
    assert st in (303, 403), st
    assert db_rows(s, "SELECT number, paperless, paperless_by FROM contracts ORDER BY number") == before
    assert outbox_count(s) == n
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action LIKE 'paperless.%'")[0][0] == 0


# ----------------------------------------------------------------- import

CUSTOMERS = ("ref;title;last_name;first_name;email;phone;address_line1;address_line2;postcode;commune;country\n"
             "P001;Mme;Martin;Anne<script>x</script>;anne.martin@exemple.test;;3 rue <b>Haute</b>;;59000;Lille;FR\n"
             "P002;M.;Durand;Paul;paul.durand@exemple.test;;8 rue Basse;Bât. C;59100;Roubaix;FR\n"
             "P003;M.;Sansmail;Léon;;;1 place du Marché;;59200;Tourcoing;FR\n")
CONTRACT_HEAD = ("number;old_number;origin;customer_ref;service_address;service_postcode;service_commune;"
                 "start_date;end_date;can_create_account;direct_debit;paperless\n")


def contracts(pa, pb=0, pc=1):
    return (CONTRACT_HEAD +
            "2000000001;;new;P001;3 rue Haute;59000;Lille;2024-01-01;;1;0;%d\n" % pa +
            "2000000002;;new;P002;8 rue Basse;59100;Roubaix;2024-01-01;;1;0;%d\n" % pb +
            "2000000003;;new;P003;1 place du Marché;59200;Tourcoing;2024-01-01;;1;0;%d\n" % pc)


INVOICE_HEAD = ("number;contract_number;printed_contract_number;archived;period_start;period_end;"
                "old_index_litres;new_index_litres;old_read_on;new_read_on;old_read_kind;new_read_kind;"
                "volume_litres;amount_excl_tax_cents;vat_cents;total_cents;issued_on;due_on;status\n")


def invoice(number, contract, issued, archived=0, total=98765):
    due = issued + datetime.timedelta(days=21)
    return ("%s;%s;%s;%d;2024-01-01;2024-06-30;1000;2000;2024-01-01;2024-06-30;actual;actual;1000;"
            "%d;%d;%d;%s;%s;to_pay\n" % (number, contract, contract, archived, total - 5000, 5000, total,
                                         issued.isoformat(), due.isoformat()))


def import_dir(base, files):
    d = tempfile.mkdtemp(prefix="in-", dir=base)
    for name, content in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(content)
    return d


def new_db():
    base = tempfile.mkdtemp(prefix="robinet-paper-")
    db = dbx.new_db(path=os.path.join(base, "robinet.db"))
    rc, _, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0, err
    return base, db


def q(db, sql, *args):
    con = dbx.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def do_import(base, db, files, env=None):
    d = import_dir(base, files)
    rc, out, err = run_cli("import", d, "--db", dbx.url(db), "--report", d + ".report.csv",
                           env=dict(REAL_DATE, **(env or {})))
    assert rc == 0, (rc, out, err)
    return out


@test
def import_announces_new_bills_of_paperless_contracts_and_flags_the_others_for_print(s):
    base, db = new_db()
    today = paris_today()
    old = today - datetime.timedelta(days=400)
    out = do_import(base, db, {
        "customers.csv": CUSTOMERS,
        "contracts.csv": contracts(1, 0, 1),
        "invoices.csv": INVOICE_HEAD +
        invoice("FA2099-000001", "2000000001", today) +             # paperless: email
        invoice("FA2099-000002", "2000000002", today) +             # paper: print
        invoice("FA2099-000003", "2000000003", today) +             # paperless, no address: print
        invoice("FA2099-000004", "2000000001", old) +               # old: neither
        invoice("FA2099-000005", "2000000002", old) +
        invoice("E2099000006", "2000000002", today, archived=1),    # archive: neither
    })
    assert "1 annoncée(s) par e-mail, 2 à imprimer" in out, out
    # The state carried over is kept exactly as imported, and is not a change.
    assert q(db, "SELECT number, paperless, paperless_by FROM contracts ORDER BY number") == [
        ("2000000001", 1, "import"), ("2000000002", 0, "import"), ("2000000003", 1, "import")]
    assert q(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'paperless.%'") == [(0,)]
    assert q(db, "SELECT number FROM invoices WHERE print_requested = 1 ORDER BY number") == [
        ("FA2099-000002",), ("FA2099-000003",)]
    mails = q(db, "SELECT to_addr, subject, body_text FROM mail_outbox")
    assert len(mails) == 1, mails
    to, subject, text = mails[0]
    assert to == "anne.martin@exemple.test"
    assert "2000000001" in subject and "facture" in subject
    assert "€" not in subject and "987" not in subject and "98765" not in subject, subject
    assert "FA2099-000001" in text and "/mes-factures/FA2099-000001" in text, text
    # Delivered through a real SMTP server: no attachment, no amount in the subject.
    box = mailbox()
    rc, _, err = run_cli("mail", "send", "--db", dbx.url(db),
                         env=dict(REAL_DATE, ROBINET_SMTP_URL="smtp://127.0.0.1:%d" % box.port))
    assert rc == 0, err
    msg = box.wait("anne.martin@exemple.test", "nouvelle facture")
    assert not list(msg.iter_attachments())
    body = msg.get_body(preferencelist=("html",)).get_content()
    assert "Anne&lt;script&gt;" in body and "<script" not in body, body[:600]
    assert "€" not in str(msg["subject"]) and "987" not in str(msg["subject"])
    # Importing the same files again announces nothing and flags nothing more.
    out = do_import(base, db, {"customers.csv": CUSTOMERS, "contracts.csv": contracts(1, 0, 1),
                               "invoices.csv": INVOICE_HEAD + invoice("FA2099-000001", "2000000001", today)})
    assert "0 annoncée(s) par e-mail, 0 à imprimer" in out, out
    assert q(db, "SELECT count(*) FROM mail_outbox") == [(1,)]
    # A file rolled back announces nothing and flags nothing.
    d = import_dir(base, {"invoices.csv": INVOICE_HEAD + invoice("FA2099-000021", "2000000001", today) +
                          invoice("FA2099-000022", "2000000002", today) +
                          invoice("FA2099-000023", "2099999999", today)})
    rc, out, err = run_cli("import", d, "--db", dbx.url(db), "--report", d + ".r.csv", env=REAL_DATE)
    assert rc == 1 and "contrat 2099999999 inconnu" in err, (rc, out, err)
    assert "0 annoncée(s) par e-mail, 0 à imprimer" in out, out
    assert q(db, "SELECT count(*) FROM mail_outbox") == [(1,)]
    assert q(db, "SELECT count(*) FROM invoices WHERE number LIKE 'FA2099-00002%'") == [(0,)]


@test
def print_list_gives_the_bills_to_post_with_their_address(s):
    base, db = new_db()
    today = paris_today()
    do_import(base, db, {
        "customers.csv": CUSTOMERS,
        "contracts.csv": contracts(0, 0, 0),
        "invoices.csv": INVOICE_HEAD + invoice("FA2099-000011", "2000000001", today) +
        invoice("FA2099-000012", "2000000002", today - datetime.timedelta(days=10)),
    })
    rc, out, err = run_cli("print-list", "--since", today.isoformat(), "--db", dbx.url(db))
    assert rc == 0, err
    rows = list(csv.reader(io.StringIO(out), delimiter=";"))
    assert rows[0][:4] == ["invoice_number", "contract_number", "issued_on", "due_on"], rows[0]
    assert [r[0] for r in rows[1:]] == ["FA2099-000011"], rows
    assert rows[1][7] == "3 rue <b>Haute</b>" and rows[1][9:12] == ["59000", "Lille", "FR"], rows[1]
    since = (today - datetime.timedelta(days=30)).isoformat()
    rc, out, _ = run_cli("print-list", "--since", since, "--db", dbx.url(db))
    rows = list(csv.reader(io.StringIO(out), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["FA2099-000012", "FA2099-000011"], rows
    for bad in (("print-list", "--db", dbx.url(db)), ("print-list", "--since", "2026-02-30", "--db", dbx.url(db)),
                ("print-list", "--since", "hier", "--db", dbx.url(db))):
        rc, out, err = run_cli(*bad)
        assert rc == 2 and "--since" in err and out == "", (bad, rc, out, err)


@test
def import_changes_to_paperless_are_audited_as_the_import(s):
    base, db = new_db()
    do_import(base, db, {"customers.csv": CUSTOMERS, "contracts.csv": contracts(1, 0, 1)})
    do_import(base, db, {"customers.csv": CUSTOMERS, "contracts.csv": contracts(0, 1, 1)})
    assert q(db, "SELECT number, paperless, paperless_by FROM contracts ORDER BY number") == [
        ("2000000001", 0, "import"), ("2000000002", 1, "import"), ("2000000003", 1, "import")]
    rows = q(db, "SELECT action, target, actor_kind, detail FROM audit_log "
                 "WHERE action LIKE 'paperless.%' ORDER BY target")
    assert [(a, t, k) for a, t, k, _ in rows] == [("paperless.off", "contract:2000000001", "system"),
                                                  ("paperless.on", "contract:2000000002", "system")], rows
    for _, _, _, detail in rows:
        d = json.loads(detail)
        assert d["by"] == "import" and "batch" in d and d["line"] in (2, 3), d


@test(own=True)
def a_subscribers_choice_is_kept_when_the_import_runs_again(s):
    number, was = demo_contract(s)
    b, _ = signed_in(s)
    assert b.post(SWITCH, {"contrat": number, "etat": "non" if was else "oui"})[0] == 303
    assert state(s, number) == (int(not was), "subscriber")
    # The billing system exports the contract again, with the state it had.
    row = db_rows(s, "SELECT c.number, COALESCE(c.old_number, ''), c.origin, cu.ref, c.service_address, "
                     "c.service_postcode, c.service_commune, c.start_date, COALESCE(c.end_date, ''), "
                     "c.can_create_account, c.direct_debit FROM contracts c "
                     "JOIN customers cu ON cu.id = c.customer_id WHERE c.number = ?", number)[0]
    base = tempfile.mkdtemp(prefix="robinet-paper-")
    line = ";".join(str(v) for v in row) + ";%d\n" % was
    do_import(base, s.db, {"contracts.csv": CONTRACT_HEAD + line})
    assert state(s, number) == (int(not was), "subscriber")
    assert [r[1] for r in audit(s, number)] == ["subscriber"]
