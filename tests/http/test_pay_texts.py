"""What the pages and the bill PDF say about paying (issue 9, loose
ends): the owed amounts follow one rule (total minus succeeded
payments) and bills under direct debit are counted apart; a debit the
bank rejected is said on the bill page and in the PDF; "Comment payer"
lists only what the portal and the utility offer; demo mode has a
(fictitious, well-formed) SEPA creditor."""
import datetime
import html
import http.client
import os
import re
import subprocess
import tempfile
import time
from zoneinfo import ZoneInfo

import dbx
from harness import test, run_cli, db_rows, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_consumption import fr_date
from test_sepa import ICS, IBAN, DEMO_KEY
from test_bill_pdf_layout import overlaps

DEMO_ICS = "FR30ZZZDEMO00"
NBSP = "\u00a0"


def money(cents):
    """French amount as the portal writes it: 1 234,56 € (no-break spaces)."""
    e, c = divmod(cents, 100)
    g = "{:,}".format(e).replace(",", NBSP)
    return "%s,%02d%s€" % (g, c, NBSP)


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def pdf_of(s, b, number):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    c.request("GET", "/mes-factures/%s.pdf" % number,
              headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    pdf = r.read()
    c.close()
    assert r.status == 200 and pdf.startswith(b"%PDF"), (number, r.status)
    return pdf


def flat(text):
    """text with every run of white space, no-break ones too, made one space."""
    return " ".join(text.split())


def pdf_text(pdf):
    """The PDF's text, flat()."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return flat(out)


def page_text(page):
    """The page's visible text, tags dropped, runs of ASCII white space
    made one space (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]*>", " ", page))).strip()


def section(page, start, end):
    i = page.index(start)
    return page[i:page.index(end, i)]


def execute(s, *statements):
    con = dbx.connect(s.db)
    for sql, args in statements:
        con.execute(sql, args)
    con.commit()
    con.close()


def seen_within_a_second(b, path, pred):
    """The page at path once pred holds of it, within 1 s (the last one
    read after that, for the caller's assertions)."""
    deadline = time.monotonic() + 1.0
    while True:
        st, _, page = b.get(path)
        assert st == 200, st
        if pred(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def bill(s, contract, archived=0, offset=0):
    """(id, number, total_cents, due_on) of a bill of contract, newest first."""
    return db_rows(s, "SELECT i.id, i.number, i.total_cents, i.due_on FROM invoices i"
                      " JOIN contracts c ON c.id = i.contract_id WHERE c.number = ?"
                      " AND i.archived = ? ORDER BY i.issued_on DESC LIMIT 1 OFFSET ?",
                   contract, archived, offset)[0]


def owed_on_dashboard(page, contract):
    """The text of "Montant à régler" of contract on /mon-espace."""
    sec = section(page, 'id="contrat-%s"' % contract, "</section>")
    dd = section(sec, "<dt>Montant à régler</dt>", "</dd>")
    return page_text(dd[dd.index("<dd>") + 4:])


def to_pay(s, contract):
    """(owed, first date limit) of contract's bills to pay, in French,
    computed here from the rows: total minus succeeded payments."""
    rows = db_rows(s, "SELECT i.total_cents - COALESCE((SELECT SUM(p.amount_cents) FROM payments p"
                      " WHERE p.invoice_id = i.id AND p.status = 'succeeded'), 0), i.due_on"
                      " FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                      " WHERE c.number = ? AND i.status IN ('to_pay', 'overdue')", contract)
    rows = [r for r in rows if r[0] > 0]
    return money(sum(r[0] for r in rows)), fr_date(min(r[1] for r in rows))


@test(own=True)
def dashboard_owes_what_is_left_and_says_apart_what_will_be_debited(s):
    # 1000000001 (no direct debit): its latest bill partly paid, an older
    # one to pay in full; 1000000002 (direct debit): its latest bill to
    # be debited, nothing to pay by hand.
    late = bill(s, "1000000001", offset=1)
    due = bill(s, "1000000001")
    debit = bill(s, "1000000002")
    now = int(time.time())
    execute(s, ("UPDATE invoices SET status = 'to_pay' WHERE id IN (?, ?)", (late[0], due[0])),
            ("UPDATE invoices SET status = 'direct_debit' WHERE id = ?", (debit[0],)),
            ("DELETE FROM payments WHERE invoice_id IN (?, ?, ?)", (late[0], due[0], debit[0])),
            ("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at)"
             " VALUES (?, 5000, 'card', 'succeeded', ?)", (due[0], now)),
            ("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at)"
             " VALUES (?, 7000, 'card', 'failed', ?)", (due[0], now)))
    # The rule, computed here from the rows: total minus succeeded payments.
    owed = dict(db_rows(s, "SELECT i.id, i.total_cents - COALESCE((SELECT SUM(p.amount_cents)"
                           " FROM payments p WHERE p.invoice_id = i.id AND p.status = 'succeeded'), 0)"
                           " FROM invoices i WHERE i.id IN (?, ?)", late[0], due[0]))
    assert owed[due[0]] == due[2] - 5000
    b = signed_in(s)
    st, _, page = b.get("/mon-espace")
    assert st == 200, st
    text = owed_on_dashboard(page, "1000000001")
    assert text.startswith("%s, à régler au plus tard le %s" % to_pay(s, "1000000001")), text
    assert to_pay(s, "1000000001")[0] == money(owed[late[0]] + owed[due[0]])
    assert "payer en ligne" in text and "Prélèvement prévu" not in text, text
    text = owed_on_dashboard(page, "1000000002")
    assert text == "Prélèvement prévu le %s : %s, vous n'avez rien à faire." % (
        fr_date(debit[3]), money(debit[2])), text
    # Once the debit is scheduled, its own date and amount are the truth.
    execute(s, ("INSERT INTO sepa_debits (contract_id, mandate_id, invoice_id, amount_cents,"
                " collection_date, seq_type, status, end_to_end_id, created_at, updated_at)"
                " SELECT i.contract_id, m.id, i.id, 12345, '2099-01-15', 'RCUR', 'scheduled',"
                " 'E2E-PAYTEXT-1', 0, 0 FROM invoices i JOIN sepa_mandates m"
                " ON m.contract_id = i.contract_id AND m.status = 'active' WHERE i.id = ?",
                (debit[0],)))
    st, _, page = b.get("/mon-espace")
    text = owed_on_dashboard(page, "1000000002")
    assert text == "Prélèvement prévu le 15 janvier 2099 : %s, vous n'avez rien à faire." % (
        money(12345)), text
    st, _, page = b.get("/mes-factures/" + debit[1])
    assert "Ce montant sera prélevé sur votre compte bancaire le 15 janvier 2099." in page
    # Paid in full by two payments: nothing owed any more on that bill.
    execute(s, ("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at)"
                " VALUES (?, ?, 'transfer', 'succeeded', ?)", (late[0], late[2], now)))
    st, _, page = b.get("/mon-espace")
    text = owed_on_dashboard(page, "1000000001")
    assert text.startswith("%s, à régler au plus tard le %s" % to_pay(s, "1000000001")), text
    assert to_pay(s, "1000000001") == (money(owed[due[0]]), fr_date(due[3]))
    # The bills list shows what is left on the partly paid bill.
    st, _, page = b.get("/mes-factures?contrat=1000000001")
    row = page_text(section(page, 'href="/mes-factures/%s"' % due[1], "</li>"))
    assert "Reste à payer : %s" % money(owed[due[0]]) in row, row
    # And so do its page and its PDF.
    st, _, page = b.get("/mes-factures/" + due[1])
    assert "Reste à payer : %s" % money(owed[due[0]]) in page_text(page)
    assert flat("Reste à payer : %s" % money(owed[due[0]])) in pdf_text(pdf_of(s, b, due[1]))


@test
def how_to_pay_offers_card_online_and_direct_debit_in_the_space(s):
    b = signed_in(s)
    for contract, archived, debit_words in (
            ("1000000001", 0, "Prélèvement automatique, en une fois ou en mensualités : mettez-le "
                              "en place dans « Mes moyens de paiement » de votre espace client."),
            ("1000000002", 0, "Prélèvement automatique : il est activé pour ce contrat ; vous le "
                              "gérez dans « Mes moyens de paiement » de votre espace client."),
            ("1000000001", 1, None)):
        number = bill(s, contract, archived)[1]
        st, _, page = b.get("/mes-factures/" + number)
        assert st == 200, st
        how = page_text(section(page, 'id="t-payer"', "</section>"))
        pdf = pdf_of(s, b, number)
        text = pdf_text(pdf)
        how_pdf = text[text.index("Comment payer"):]
        how = flat(how)
        for t in (how, how_pdf):
            assert "Carte bancaire : en ligne, dans votre espace client, ou par téléphone au" in t, t
            assert "demandez-le au service client" not in t, t
            if debit_words:
                assert debit_words in t, t
            else:       # no debit for a bill of the archive
                assert "Prélèvement automatique" not in t, t
            assert "Virement, en indiquant la référence %s." % number in t, t
        assert not overlaps(pdf), overlaps(pdf)[:5]


def cli_env(s):
    return {"ROBINET_DB": dbx.url(s.db), "ROBINET_SEPA_CREDITOR_ID": ICS,
            "ROBINET_SEPA_CREDITOR_IBAN": IBAN, "ROBINET_DATA_KEY": DEMO_KEY,
            "ROBINET_DEMO": "true", "ROBINET_TODAY": TODAY}


@test(own=True)
def a_debit_the_bank_rejected_is_said_on_the_bill_page_and_pdf(s):
    """The real path: scheduled, exported, returned AC04 by the bank."""
    iid, number, total, _ = bill(s, "1000000002")
    execute(s, ("UPDATE invoices SET status = 'to_pay', due_on = '2099-01-15' WHERE id = ?", (iid,)),
            ("DELETE FROM payments WHERE invoice_id = ?", (iid,)))
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/" + number)
    assert "rejeté" not in page
    env = cli_env(s)
    rc, out, err = run_cli("sepa", "schedule", env=env)
    assert rc == 0, (rc, out, err)
    f = os.path.join(tempfile.mkdtemp(), "a.xml")
    rc, out, err = run_cli("sepa", "export", "--collection-date", "2099-01-15", "--out", f, env=env)
    assert rc == 0, (rc, out, err)
    xml = open(f, encoding="utf-8").read()
    msg = re.search(r"<MsgId>([^<]+)</MsgId>", xml).group(1)
    e2e = db_rows(s, "SELECT end_to_end_id FROM sepa_debits WHERE invoice_id = ?", iid)[0][0]
    assert e2e in xml
    rpt = os.path.join(os.path.dirname(f), "r.xml")
    with open(rpt, "w", encoding="utf-8") as fp:
        fp.write('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">'
                 "<CstmrPmtStsRpt><GrpHdr><MsgId>RPT-PAYTEXT</MsgId><CreDtTm>2099-01-10T00:00:00</CreDtTm>"
                 "</GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02"
                 "</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>%s-RCUR"
                 "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
                 "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
                 "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>" % (msg, msg, e2e))
    rc, out, err = run_cli("sepa", "returns", rpt, env=env)
    assert rc == 0 and "1 debit(s) rejected" in out, (rc, out, err)
    at, = db_rows(s, "SELECT updated_at FROM sepa_debits WHERE invoice_id = ? AND status = 'rejected'",
                  iid)[0]
    day = datetime.datetime.fromtimestamp(at, ZoneInfo("Europe/Paris")).date().isoformat()
    said = ("Prélèvement rejeté par votre banque le %s : compte clôturé (AC04). Cette facture est "
            "de nouveau à payer." % fr_date(day))
    online = " Vous pouvez la payer en ligne par carte bancaire, dans votre espace client."
    # Written by another process: on PostgreSQL the bill's page kept in
    # memory shows it once the write's notice is in (milliseconds).
    page = seen_within_a_second(b, "/mes-factures/" + number, lambda p: said in p)
    box = page_text(section(page, '<div class="amount-box">', "</form>"))
    assert said + online in box, box
    assert "Payer en ligne : %s" % money(total) in box, box
    pdf = pdf_of(s, b, number)
    assert flat(said + online) in pdf_text(pdf), pdf_text(pdf)[:1500]
    assert not overlaps(pdf), overlaps(pdf)[:5]
    # Paid since: the rejection is history, no longer said.
    execute(s, ("UPDATE invoices SET status = 'paid' WHERE id = ?", (iid,)))
    page = seen_within_a_second(b, "/mes-factures/" + number, lambda p: "rejeté" not in p)
    assert "rejeté" not in page
    assert "rejeté" not in pdf_text(pdf_of(s, b, number))


@test
def demo_mode_has_a_fictitious_well_formed_sepa_creditor(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-moyens-de-paiement?contrat=1000000002")
    assert st == 200, st
    assert DEMO_ICS in page and "non renseigné" not in page, page_text(page)[:2000]
    # Its check digits, verified here (ISO 7064 mod 97-10, as for an IBAN,
    # over the national id, the country and "00"; ZZZ is skipped).
    digits = "".join(str(int(ch, 36)) for ch in DEMO_ICS[7:] + DEMO_ICS[:2] + "00")
    assert 98 - int(digits) % 97 == int(DEMO_ICS[2:4])


@test(env={"ROBINET_SEPA_CREDITOR_ID": ICS})
def demo_mode_keeps_a_creditor_that_was_set(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-moyens-de-paiement?contrat=1000000002")
    assert st == 200 and ICS in page and DEMO_ICS not in page, page_text(page)[:2000]
