"""HTTP and command-line tests of SEPA direct debit (issue 9): the page
"Mes moyens de paiement" (mandate, masked IBAN, next debits, the mandate
PDF), signing a mandate online with the password and a one-time code
received through a real SMTP server, cancelling it, another subscriber's
contract refused like an unknown one, markup in every field, and the
bank files from the command line (`robinet sepa schedule|export|returns`:
the pain.008 export is never collected twice, what a killed export left
is cleaned up by the next one with the right advice in French, a batch
before schema 23 is refused by --again with a French explanation, a
malformed pain.002 is refused whole)."""
import os
import re
import subprocess
import tempfile

import dbx
from harness import test, check_page, check_security_headers, run_cli, db_rows, fresh_db, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, mail_text, smtp_env

PAGE = "/mes-moyens-de-paiement"
ICS = "FR72ZZZ123456"
DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"
SEPA_ENV = {"ROBINET_SEPA_CREDITOR_ID": ICS, "ROBINET_DATA_KEY": DEMO_KEY}
FOREIGN = "1000000004"          # in nobody's space
IBAN = "FR1420041010050500013M02606"
# A full IBAN (country, check digits, 11 to 30 more) anywhere in a text.
FULL_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[0-9A-Z]{4}){3,7}(?: ?[0-9A-Z]{1,3})?\b")


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def sepa_smtp_env(extra=None):
    e = smtp_env(SEPA_ENV)
    e.update(extra or {})
    return e


@test(env=SEPA_ENV)
def sepa_page_shows_the_mandate_masked_and_its_pdf(s):
    b = signed_in(s)
    st, h, page = b.get(PAGE + "?contrat=1000000002")
    assert st == 200, (st, page[:400])
    check_page(page.encode())
    check_security_headers({k.lower(): v for k, v in h.items()})
    last4 = db_rows(s, "SELECT iban_last4 FROM sepa_mandates m JOIN contracts c"
                       " ON c.id = m.contract_id WHERE c.number = '1000000002'")[0][0]
    for text in ("Mes moyens de paiement", "RBN-1000000002-01", ICS, "•••• •••• " + last4,
                 "est <strong>activé</strong>", "Révoquer mon mandat", "Mes prélèvements"):
        assert text in page, text
    assert not FULL_IBAN.search(page), FULL_IBAN.search(page).group(0)
    # The mandate as a PDF, with its RUM and the masked IBAN only.
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.request("GET", PAGE + "/mandat.pdf?contrat=1000000002",
              headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read()
    assert r.status == 200 and r.headers["Content-Type"] == "application/pdf", r.status
    assert "mandat-sepa-1000000002.pdf" in r.headers["Content-Disposition"]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout
    for t in ("Mandat de prélèvement SEPA", "RBN-1000000002-01", ICS, last4):
        assert t in text, (t, text[:500])
    assert not FULL_IBAN.search(text)
    # Without a mandate: the form to sign one.
    st, _, page = b.get(PAGE + "?contrat=1000000001")
    assert st == 200 and "n'est <strong>pas activé</strong>" in page
    assert 'name="iban"' in page and 'name="mot_de_passe"' in page
    st, _, _ = b.get(PAGE + "/mandat.pdf?contrat=1000000001")
    assert st == 404, st
    # The dashboard leads there, per contract.
    st, _, page = b.get("/mon-espace")
    assert 'href="/mes-moyens-de-paiement?contrat=1000000002"' in page
    # No contract named: the first one.
    st, _, page = b.get(PAGE)
    assert st == 200 and 'aria-current="page">Contrat 1000000001' in page


@test(env=SEPA_ENV)
def sepa_another_subscribers_contract_is_refused_like_an_unknown_one(s):
    b = signed_in(s)
    answers = []
    for number in (FOREIGN, "9999999999", "<script>", "1000000002' OR '1'='1"):
        from urllib.parse import quote
        st, _, page = b.get(PAGE + "?contrat=" + quote(number))
        answers.append((st, page))
        assert st == 404, (number, st)
        assert b.get(PAGE + "/mandat.pdf?contrat=" + quote(number))[0] == 404
        b.get(PAGE + "?contrat=1000000002")
        st, _, _ = b.post(PAGE + "/resilier", {"contrat": number})
        assert st == 404, (number, st)
        b.get(PAGE + "?contrat=1000000002")
        st, _, _ = b.post(PAGE + "/mandat", {"contrat": number, "titulaire": "X Y", "iban": IBAN,
                                              "mot_de_passe": DEMO_PASSWORD})
        assert st == 404, (number, st)
    assert answers[0] == answers[1]
    # The foreign contract's mandate is untouched.
    assert db_rows(s, "SELECT count(*) FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
                      " WHERE c.number = ? AND m.status = 'active'", FOREIGN) == \
        db_rows(s, "SELECT count(*) FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
                   " WHERE c.number = ?", FOREIGN)
    # Signed out: to the sign-in page; no CSRF token: refused.
    anon = Browser(s)
    st, h, _ = anon.get(PAGE)
    assert st == 303 and h["Location"] == "/connexion"
    st, _, _ = b.post(PAGE + "/resilier", {"contrat": "1000000002"}, csrf=False)
    assert st == 403


@test(env=sepa_smtp_env())
def sepa_signing_online_takes_the_password_and_the_emailed_code(s):
    box = mailbox()
    b = signed_in(s)
    st, _, page = b.get(PAGE + "?contrat=1000000001")
    assert st == 200
    # A wrong IBAN, a wrong password: both said, nothing kept, nothing sent.
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": "Marie Dupont",
                                            "iban": IBAN[:-1] + "7", "mot_de_passe": "faux-mot-de-passe"})
    assert st == 200
    assert "Cet IBAN n&#39;est pas valide" in page or "Cet IBAN n'est pas valide" in page, page[:2000]
    assert "aria-invalid" in page and "Mot de passe" in page
    assert IBAN[:-1] + "7" not in page
    assert db_rows(s, "SELECT count(*) FROM sepa_mandate_requests")[0][0] == 0
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": "Marie Dupont",
                                            "iban": IBAN, "mot_de_passe": "faux-mot-de-passe"})
    assert st == 200 and 'name="code"' not in page
    # Right: a code form, and the code by email.
    spaced = " ".join(IBAN[i:i + 4] for i in range(0, len(IBAN), 4)).lower()
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": "Marie Dupont",
                                            "iban": spaced, "mot_de_passe": DEMO_PASSWORD})
    assert st == 200 and 'name="code"' in page, page[:2000]
    assert "•••• •••• 2606" in page and IBAN not in page
    msg = box.wait(DEMO_EMAIL, "code de signature")
    text = mail_text(msg)
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert "1000000001" in text and IBAN not in text and "2606" in text
    token = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    # A wrong code, then the right one.
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    st, _, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token, "code": wrong})
    assert st == 200 and "pas le bon" in page
    st, h, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token,
                                          "code": code[:3] + " " + code[3:]})
    assert st == 303 and h["Location"] == PAGE + "?contrat=1000000001&fait=signe", (st, page[:500])
    st, _, page = b.get(h["Location"])
    assert "RBN-1000000001-01" in page and "•••• •••• 2606" in page and "Marie Dupont" in page
    assert "est <strong>activé</strong>" in page
    rows = db_rows(s, "SELECT m.rum, m.iban_last4, m.iban_enc, m.signed_by, c.direct_debit"
                      " FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
                      " WHERE c.number = '1000000001' AND m.status = 'active'")
    assert len(rows) == 1 and rows[0][0] == "RBN-1000000001-01" and rows[0][1] == "2606"
    assert IBAN not in rows[0][2] and rows[0][3] is not None and rows[0][4] == 1
    assert db_rows(s, "SELECT count(*) FROM sepa_mandate_requests")[0][0] == 0
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'sepa.mandate_signed'")[0][0] == 1
    assert "RBN-1000000001-01" in mail_text(box.wait(DEMO_EMAIL, "mandat de prélèvement SEPA"))
    # The code is used: it does not sign twice.
    st, _, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token, "code": code})
    assert st in (200, 409) and "RBN-1000000001-02" not in page
    # Cancelling online.
    st, h, _ = b.post(PAGE + "/resilier", {"contrat": "1000000001"})
    assert st == 303 and h["Location"].endswith("fait=resilie")
    st, _, page = b.get(h["Location"])
    assert "n'est <strong>pas activé</strong>" in page and "révoqué" in page
    assert db_rows(s, "SELECT status FROM sepa_mandates WHERE rum = 'RBN-1000000001-01'")[0][0] == "revoked"
    assert "révoqué" in mail_text(box.wait(DEMO_EMAIL, "mandat de prélèvement SEPA"))
    # The IBAN never reached the log.
    assert IBAN not in s.stderr() and IBAN[4:] not in s.stderr()


@test(env=sepa_smtp_env())
def sepa_code_is_void_after_five_wrong_tries(s):
    box = mailbox()
    b = signed_in(s)
    b.get(PAGE + "?contrat=1000000001")
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": "Marie Dupont",
                                            "iban": IBAN, "mot_de_passe": DEMO_PASSWORD})
    code = re.search(r"\b(\d{6})\b", mail_text(box.wait(DEMO_EMAIL, "code de signature"))).group(1)
    token = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for _ in range(5):
        b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token, "code": wrong})
    st, _, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token, "code": code})
    assert st == 200 and "plus valable" in page, page[:1500]
    assert db_rows(s, "SELECT count(*) FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
                      " WHERE c.number = '1000000001'")[0][0] == 0
    # A request token of another form (or made up) signs nothing either.
    st, _, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": "x" * 43, "code": code})
    assert st == 200 and "plus valable" in page


@test(env=SEPA_ENV)
def sepa_markup_in_every_field_comes_back_escaped(s):
    b = signed_in(s)
    b.get(PAGE + "?contrat=1000000001")
    evil = '<script>alert(1)</script>"\'&'
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": evil,
                                            "iban": evil, "mot_de_passe": evil})
    assert st == 200
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    st, _, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": evil, "code": evil})
    assert st == 200 and "<script>alert" not in page
    # A holder with markup in the database.
    con = dbx.connect(s.db)
    con.execute("UPDATE sepa_mandates SET holder = ? WHERE rum = 'RBN-1000000002-01'", (evil,))
    con.commit()
    con.close()
    st, _, page = b.get(PAGE + "?contrat=1000000002")
    assert st == 200 and "<script>alert" not in page and "&lt;script&gt;" in page


# ------------------------------------------------------------ bank files

def cli_env(db):
    return {"ROBINET_DB": dbx.url(db), "ROBINET_SEPA_CREDITOR_ID": ICS,
            "ROBINET_SEPA_CREDITOR_IBAN": IBAN, "ROBINET_DATA_KEY": DEMO_KEY,
            "ROBINET_DEMO": "true", "ROBINET_TODAY": TODAY}


@test
def sepa_export_twice_collects_nothing_twice_and_returns_apply_once(s):
    db = fresh_db()
    env = cli_env(db)
    con = dbx.connect(db)
    con.execute("UPDATE invoices SET status = 'to_pay', due_on = '2099-01-15' WHERE id IN"
                " (SELECT i.id FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                " WHERE c.number IN ('1000000002', '1000000006') AND i.archived = 0"
                " ORDER BY i.issued_on DESC LIMIT 3)")
    # Bills to pay carry no payment (the demo pays the debits it took).
    con.execute("DELETE FROM payments WHERE invoice_id IN (SELECT id FROM invoices"
                " WHERE status = 'to_pay' AND due_on = '2099-01-15')")
    con.commit()
    con.close()
    rc, out, err = run_cli("sepa", "schedule", env=env)
    assert rc == 0 and "3 debit(s) scheduled" in out, (rc, out, err)
    d = tempfile.mkdtemp()
    f1, f2 = os.path.join(d, "a.xml"), os.path.join(d, "b.xml")
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-01-15", "--out", f1, env=env)
    assert rc == 0 and "3 debit(s)" in out, (rc, out, err)
    xml = open(f1, encoding="utf-8").read()
    assert xml.count("<DrctDbtTxInf>") == 3 and "<SeqTp>RCUR</SeqTp>" in xml
    # Never overwrites a file; the second run is refused, nothing written.
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-01-15", "--out", f1, env=env)
    assert rc == 1 and "exists already" in err
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-01-15", "--out", f2, env=env)
    assert rc == 3 and "already exported" in err and not os.path.exists(f2), (rc, err)
    assert [x for x in os.listdir(d) if x != "a.xml"] == []
    # Bad dates and usage.
    assert run_cli("sepa", "export", "--collection-date", "2099-02-30", "--out", f2, env=env)[0] == 2
    assert run_cli("sepa", "export", "--out", f2, env=env)[0] == 2
    assert run_cli("sepa", "nope", env=env)[0] == 2
    # A report rejecting one debit.
    msg = re.search(r"<MsgId>([^<]+)</MsgId>", xml).group(1)
    e2e = re.findall(r"<EndToEndId>([^<]+)</EndToEndId>", xml)
    rpt = os.path.join(d, "r.xml")
    with open(rpt, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">'
                "<CstmrPmtStsRpt><GrpHdr><MsgId>RPT-1</MsgId><CreDtTm>2099-01-10T00:00:00</CreDtTm></GrpHdr>"
                "<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
                "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>%s-RCUR</OrgnlPmtInfId>"
                "<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
                "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
                "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>" % (msg, msg, e2e[0]))
    rc, out, err = run_cli("sepa", "returns", rpt, env=env)
    assert rc == 0 and "1 debit(s) rejected" in out, (rc, out, err)
    con = dbx.connect(db)
    row = con.execute("SELECT i.status, i.debit_reject_code, i.debit_reject_reason FROM sepa_debits d"
                      " JOIN invoices i ON i.id = d.invoice_id WHERE d.end_to_end_id = ?",
                      (e2e[0],)).fetchone()
    con.close()
    assert row == ("to_pay", "AC04", "compte clôturé"), row
    rc, out, err = run_cli("sepa", "returns", rpt, env=env)
    assert rc == 1 and "applied already" in err, (rc, err)
    # Malformed files are refused whole.
    for body, words in (("not xml at all", "not well-formed"),
                        ('<Document xmlns="urn:x"/>', "namespace"),):
        with open(rpt, "w", encoding="utf-8") as f:
            f.write(body)
        rc, out, err = run_cli("sepa", "returns", rpt, env=env)
        assert rc == 1 and "refused, nothing applied" in err and words in err, (rc, err)
    assert run_cli("sepa", "returns", os.path.join(d, "missing.xml"), env=env)[0] == 1


def _dump(db):
    """Every row a SEPA export can touch, for before/after comparisons."""
    con = dbx.connect(db)
    try:
        return [[tuple(r) for r in con.execute("SELECT * FROM %s ORDER BY id" % t).fetchall()]
                for t in ("sepa_batches", "sepa_debits", "invoices", "sepa_mandates",
                          "mail_outbox", "sepa_returns", "payments")]
    finally:
        con.close()


@test
def sepa_export_again_writes_the_lost_file_from_the_database(s):
    """The database is the record: a file lost after the commit (a crash
    between the commit and the file, or a deleted file) is written again
    from its batch, byte for byte, changing nothing; the refused second
    export says how."""
    db = fresh_db()
    env = cli_env(db)
    con = dbx.connect(db)
    con.execute("UPDATE invoices SET status = 'to_pay', due_on = '2099-03-16' WHERE id IN"
                " (SELECT i.id FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                " WHERE c.number IN ('1000000002', '1000000006') AND i.archived = 0"
                " ORDER BY i.issued_on DESC LIMIT 3)")
    con.execute("DELETE FROM payments WHERE invoice_id IN (SELECT id FROM invoices"
                " WHERE status = 'to_pay' AND due_on = '2099-03-16')")
    con.commit()
    con.close()
    assert run_cli("sepa", "schedule", env=env)[0] == 0
    d = tempfile.mkdtemp()
    f1, f2, f3 = (os.path.join(d, n) for n in ("a.xml", "b.xml", "c.xml"))
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-03-16", "--out", f1, env=env)
    assert rc == 0 and "3 debit(s)" in out, (rc, out, err)
    first = open(f1, "rb").read()
    msg = re.search(rb"<MsgId>([^<]+)</MsgId>", first).group(1).decode()
    os.unlink(f1)                       # lost: the batch stays committed
    before = _dump(db)
    # The next export is refused and names the batch and how to get its file.
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-03-16", "--out", f2, env=env)
    assert rc == 3 and "already exported" in err and not os.path.exists(f2), (rc, err)
    assert "robinet sepa export --again %s --out FILE" % msg in err, err
    # Written again, byte for byte, whatever the creditor settings say now.
    env2 = dict(env, ROBINET_SEPA_CREDITOR_IBAN="DE89370400440532013000",
                ROBINET_SEPA_CREDITOR_NAME="Autre nom")
    rc, out, err = run_cli("sepa", "export", "--again", msg, "--out", f3, env=env2)
    assert rc == 0 and msg in out and "3 debit(s)" in out and "written again" in out, (rc, out, err)
    assert open(f3, "rb").read() == first
    assert _dump(db) == before
    # Never overwrites a file; an unknown batch is refused; usage.
    rc, out, err = run_cli("sepa", "export", "--again", msg, "--out", f3, env=env)
    assert rc == 1 and "exists already" in err and open(f3, "rb").read() == first, (rc, err)
    for bad in ("RBN-SDD-20990316-99", "x' OR '1'='1", ""):
        rc, out, err = run_cli("sepa", "export", "--again", bad, "--out", f2, env=env)
        assert rc == 4 and "no exported file has the message id" in err, (bad, rc, err)
        assert not os.path.exists(f2)
    assert run_cli("sepa", "export", "--again", msg, env=env)[0] == 2
    assert run_cli("sepa", "export", "--again", msg, "--collection-date", "2099-03-16",
                   "--out", f2, env=env)[0] == 2
    assert sorted(os.listdir(d)) == ["c.xml"], os.listdir(d)
    assert _dump(db) == before


def _due_bills(db, date, n=3):
    """Makes n bills of the two direct-debit contracts due on date."""
    con = dbx.connect(db)
    con.execute("UPDATE invoices SET status = 'to_pay', due_on = ? WHERE id IN"
                " (SELECT i.id FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                " WHERE c.number IN ('1000000002', '1000000006') AND i.archived = 0"
                " ORDER BY i.issued_on DESC LIMIT %d)" % n, (date,))
    con.execute("DELETE FROM payments WHERE invoice_id IN (SELECT id FROM invoices"
                " WHERE status = 'to_pay' AND due_on = ?)", (date,))
    con.commit()
    con.close()


def _killed_at_link(env, *args):
    """Runs robinet with args, killed (SIGKILL) when it calls link(): an
    export dies after its commit and sync, before its file is in place.
    strace injects the signal (scripts/bootstrap --test installs it; a
    missing strace fails the test)."""
    import harness
    import shutil
    assert shutil.which("strace"), "strace is missing (scripts/bootstrap --test installs it)"
    e = dict(os.environ)
    e.update(env)
    p = subprocess.run(["strace", "-f", "-o", "/dev/null", "-e", "trace=link,linkat",
                        "-e", "inject=link,linkat:signal=KILL", harness.ARGS.bin, *args],
                       capture_output=True, text=True, env=e, timeout=120)
    return p.returncode


HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns='
        '"urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">\n<CstmrDrctDbtInitn>\n<GrpHdr>\n')


@test
def sepa_export_cleans_what_a_killed_export_left(s):
    """An export killed between its commit and its file leaves
    FILE.tmp-XXXXXX and no FILE: the next export (any date, same folder)
    or --again removes it and says in French which --again command writes
    the lost file; one killed before its commit is removed with "nothing
    exported"; a file of another program, another user's name pattern, a
    symlink, or one a running export holds (flock) is never touched."""
    import fcntl
    db = fresh_db()
    env = cli_env(db)
    _due_bills(db, "2099-05-11")
    con = dbx.connect(db)
    con.execute("UPDATE invoices SET due_on = '2099-05-12' WHERE id ="
                " (SELECT max(id) FROM invoices WHERE due_on = '2099-05-11')")
    con.commit()
    con.close()
    assert run_cli("sepa", "schedule", env=env)[0] == 0
    d = tempfile.mkdtemp()
    f1, f2, f3 = (os.path.join(d, n) for n in ("a.xml", "b.xml", "c.xml"))
    killed = _killed_at_link(env, "sepa", "export", "--collection-date", "2099-05-11", "--out", f1)
    assert killed == -9 or killed == 137, killed
    left = [n for n in os.listdir(d)]
    assert len(left) == 1 and left[0].startswith("a.xml.tmp-"), left
    stale = os.path.join(d, left[0])
    body = open(stale, "rb").read()
    msg = re.search(rb"<MsgId>([^<]+)</MsgId>", body).group(1).decode()
    assert body.count(b"<DrctDbtTxInf>") == 2 and body.endswith(b"</Document>\n")
    # Beside it: what must be left alone.
    foreign = {
        "notes.txt.tmp-Zz9Yy8": "not ours\n",                  # another program's
        "x.xml.tmp-Qq1Ww2": HEAD + "<MsgId>OTHER-1</MsgId>\n",  # not our msg id
        "e.xml.tmp-Ee3Rr4": "",                                   # empty, another name
        "a.xml.tmp-short": HEAD + "<MsgId>RBN-SDD-1</MsgId>",     # not mkstemp's name
    }
    for n, text in foreign.items():
        with open(os.path.join(d, n), "w", encoding="utf-8") as f:
            f.write(text)
    os.symlink(stale, os.path.join(d, "l.xml.tmp-Ss5Tt6"))
    held = os.path.join(d, "h.xml.tmp-Hh7Jj8")          # a running export's
    with open(held, "w", encoding="utf-8") as f:
        f.write(HEAD + "<MsgId>RBN-SDD-20990511-07</MsgId>\n")
    hold = open(held, "rb")
    fcntl.flock(hold, fcntl.LOCK_EX)
    # One killed before its commit: our header, a batch that does not exist.
    rolled = os.path.join(d, "r.xml.tmp-Rr1Bb2")
    with open(rolled, "w", encoding="utf-8") as f:
        f.write(HEAD + "<MsgId>RBN-SDD-20990511-42</MsgId>\n<CreDtTm>2099-01-01T00:00:00</CreDtTm>\n")
    # An empty one beside the file this run writes (killed before its first write).
    empty = f2 + ".tmp-Mm3Nn4"
    open(empty, "w").close()
    # The next day's export removes what is ours and says what to do.
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-05-12", "--out", f2, env=env)
    assert rc == 0 and "1 debit(s)" in out, (rc, out, err)
    assert not os.path.exists(stale) and not os.path.exists(rolled) and not os.path.exists(empty)
    assert ("%s supprimé" % stale) in err and "après la validation du lot %s" % msg in err, err
    assert "robinet sepa export --again %s --out %s" % (msg, f1) in err, err
    assert ("%s supprimé" % rolled) in err and "elle n'a rien exporté" in err, err
    assert ("%s supprimé" % empty) in err, err
    for n, text in foreign.items():
        assert open(os.path.join(d, n), encoding="utf-8").read() == text, n
        assert n not in err
    assert os.path.islink(os.path.join(d, "l.xml.tmp-Ss5Tt6")) and os.path.exists(held)
    fcntl.flock(hold, fcntl.LOCK_UN)
    hold.close()
    # The database is the record: the batch is committed.
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-05-11", "--out", f3, env=env)
    assert rc == 3 and not os.path.exists(f3) and msg in err, (rc, out, err)
    # The command it gave writes the lost file, byte for byte.
    rc, out, err = run_cli("sepa", "export", "--again", msg, "--out", f1, env=env)
    assert rc == 0 and "written again" in out, (rc, out, err)
    assert open(f1, "rb").read() == body
    # Killed again, this time in --again: the next --again cleans up.
    os.unlink(f1)
    killed = _killed_at_link(env, "sepa", "export", "--again", msg, "--out", f1)
    assert killed == -9 or killed == 137, killed
    left = [n for n in os.listdir(d) if n.startswith("a.xml.tmp-") and n != "a.xml.tmp-short"]
    assert len(left) == 1, left
    rc, out, err = run_cli("sepa", "export", "--again", msg, "--out", f1, env=env)
    assert rc == 0 and open(f1, "rb").read() == body, (rc, out, err)
    assert "Cette commande l'écrit à nouveau" in err, err
    assert [n for n in os.listdir(d) if n.startswith("a.xml.tmp-")] == ["a.xml.tmp-short"]
    # Left beside another file of that name: removed, --again to a new name.
    other = os.path.join(d, "o.xml")
    with open(other, "w", encoding="utf-8") as f:
        f.write("another file\n")
    with open(other + ".tmp-Oo1Pp2", "wb") as f:
        f.write(body)
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-05-14", "--out",
                           os.path.join(d, "y.xml"), env=env)
    assert rc == 0 and not os.path.exists(other + ".tmp-Oo1Pp2"), (rc, out, err)
    assert ("--again %s --out FICHIER (un nom nouveau : %s existe" % (msg, other)) in err, err
    # A file left beside a file in place: removed, nothing to do.
    with open(f1 + ".tmp-Pp0Oo9", "wb") as f:
        f.write(body)
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-05-13", "--out",
                           os.path.join(d, "z.xml"), env=env)
    assert rc == 0 and "rien à faire" in err and not os.path.exists(f1 + ".tmp-Pp0Oo9"), (rc, out, err)


@test
def sepa_export_again_says_why_a_batch_before_version_23_cannot_be_written(s):
    """A batch exported before schema version 23 kept no creditor: --again
    writes nothing and says so, and what to do, in French."""
    db = fresh_db()
    env = cli_env(db)
    _due_bills(db, "2099-06-15", 1)
    assert run_cli("sepa", "schedule", env=env)[0] == 0
    d = tempfile.mkdtemp()
    f1, f2 = os.path.join(d, "a.xml"), os.path.join(d, "b.xml")
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-06-15", "--out", f1, env=env)
    assert rc == 0, (rc, out, err)
    msg = re.search(r"<MsgId>([^<]+)</MsgId>", open(f1, encoding="utf-8").read()).group(1)
    con = dbx.connect(db)
    con.execute("UPDATE sepa_batches SET cdtr_name = NULL, cdtr_iban = NULL, cdtr_bic = NULL,"
                " cdtr_ics = NULL WHERE msg_id = ?", (msg,))
    con.commit()
    con.close()
    rc, out, err = run_cli("sepa", "export", "--again", msg, "--out", f2, env=env)
    assert rc == 1 and not os.path.exists(f2), (rc, out, err)
    assert ("le lot %s a été exporté avant la version 23 du schéma" % msg) in err, err
    assert "aucun fichier n'est écrit" in err and "demandez à la banque" in err, err
    assert sorted(os.listdir(d)) == ["a.xml"], os.listdir(d)


def _cli_at_once(env, *args):
    """Runs two robinet processes with args at once, as the cron jobs of
    two servers: [(rc, out, err), (rc, out, err)]."""
    import harness
    e = dict(os.environ)
    e.update(env)
    ps = [subprocess.Popen([harness.ARGS.bin, *args], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=e) for _ in range(2)]
    res = []
    for p in ps:
        out, err = p.communicate(timeout=120)
        res.append((p.returncode, out, err))
    return res


def _rows(db, sql):
    con = dbx.connect(db)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()


@test
def sepa_schedule_by_two_servers_at_once_debits_each_bill_once(s):
    for rnd in range(5):
        db = fresh_db()
        env = cli_env(db)
        con = dbx.connect(db)
        con.execute("UPDATE invoices SET status = 'to_pay', due_on = '2099-01-15' WHERE id IN"
                    " (SELECT i.id FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                    " WHERE c.number IN ('1000000002', '1000000006') AND i.archived = 0"
                    " ORDER BY i.issued_on DESC LIMIT 6)")
        con.execute("DELETE FROM payments WHERE invoice_id IN (SELECT id FROM invoices"
                    " WHERE status = 'to_pay' AND due_on = '2099-01-15')")
        con.commit()
        con.close()
        done, skipped = [], 0
        for rc, out, err in _cli_at_once(env, "sepa", "schedule"):
            assert rc == 0, (rnd, rc, out, err)
            done.append(int(re.search(r"(\d+) debit\(s\) scheduled", out).group(1)))
            m = re.search(r"(\d+) due bill\(s\) skipped", err)
            skipped += int(m.group(1)) if m else 0
        # Both succeed, each bill scheduled by one; when both took some,
        # both listed a bill the other scheduled, which is skipped (and
        # logged as such).
        assert sum(done) == 6, (rnd, done)
        assert skipped > 0 or 0 in done, (rnd, done)
        rows = _rows(db, "SELECT d.invoice_id, count(*) FROM sepa_debits d JOIN invoices i"
                     " ON i.id = d.invoice_id WHERE i.due_on = '2099-01-15'"
                     " AND d.status = 'scheduled' GROUP BY d.invoice_id")
        assert len(rows) == 6 and all(r[1] == 1 for r in rows), (rnd, rows)
        # One pre-notification per debit and recipient, none twice.
        mails = _rows(db, "SELECT to_addr, body_text FROM mail_outbox"
                      " WHERE subject LIKE 'Prochain prélèvement%'")
        assert len(mails) >= 6 and len(set(mails)) == len(mails), (rnd, len(mails))


@test(env=SEPA_ENV)
def sepa_monthly_plan_is_shown_and_can_stop(s):
    b = signed_in(s)
    st, _, page = b.get(PAGE + "?contrat=1000000002")
    assert st == 200 and "Mensualiser mes paiements" in page, page[:3000]
    st, h, _ = b.post(PAGE + "/mensualisation", {"contrat": "1000000002", "jour": "10"})
    assert st == 303 and h["Location"].endswith("fait=mensualise"), st
    st, _, page = b.get(h["Location"])
    assert st == 200 and "Arrêter ma mensualisation" in page
    check_page(page.encode())
    for k in range(1, 11):
        assert "Mensualité %d sur 10" % k in page, k
    rows = db_rows(s, "SELECT d.collection_date, d.amount_cents FROM sepa_debits d"
                      " JOIN sepa_plans p ON p.id = d.plan_id JOIN contracts c ON c.id = p.contract_id"
                      " WHERE c.number = '1000000002' AND d.status = 'scheduled' ORDER BY d.instalment")
    assert len(rows) == 10 and all(r[0].endswith("-10") and r[0] > TODAY for r in rows), rows
    # Twice: refused; another day: refused; another subscriber's: 404.
    assert b.post(PAGE + "/mensualisation", {"contrat": "1000000002", "jour": "5"})[0] == 409
    assert b.post(PAGE + "/mensualisation", {"contrat": FOREIGN, "jour": "5"})[0] == 404
    assert b.post(PAGE + "/mensualisation/arreter", {"contrat": FOREIGN})[0] == 404
    st, h, _ = b.post(PAGE + "/mensualisation/arreter", {"contrat": "1000000002"})
    assert st == 303 and h["Location"].endswith("fait=mensualisation-arretee")
    assert db_rows(s, "SELECT count(*) FROM sepa_debits WHERE plan_id IS NOT NULL"
                      " AND status = 'scheduled'")[0][0] == 0
    st, _, page = b.get(PAGE + "?contrat=1000000002")
    assert "Mensualiser mes paiements" in page and "arrêtée" not in page
    assert b.post(PAGE + "/mensualisation", {"contrat": "1000000002", "jour": "7"})[0] == 400
    assert b.post(PAGE + "/mensualisation/arreter", {"contrat": "1000000002"})[0] == 404
    # Without a mandate there is nothing to offer.
    st, _, page = b.get(PAGE + "?contrat=1000000001")
    assert "Mensualiser" not in page
    assert b.post(PAGE + "/mensualisation", {"contrat": "1000000001", "jour": "5"})[0] == 404
