"""HTTP tests of paying a bill by card (issue 9) against `robinet
psp-sandbox`, the stand-in payment page speaking the Lyra form API: a
payment that succeeds (bill paid, payment on the bill page and in the
PDF, receipt through the tests' real SMTP server, audit), one refused,
one abandoned, one pending; notifications replayed, wrongly signed, for
another amount or an unknown order; "Tout régler"; a bill partly paid;
an archived bill paid in an archive visit; another account's bill; two
browser tabs paying the same bill; markup in every field; and `serve
--demo` starting the sandbox by itself."""
import atexit
import base64
import hashlib
import hmac
import html
import http.client
import os
import re
import signal
import subprocess
import tempfile
import time
from urllib.parse import urlencode, urlsplit, parse_qsl

import dbx
from harness import test, ARGS, free_port, db_rows, check_page, check_security_headers, run_cli
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, smtp_env, mail_text
from test_archive import open_archive

SHOP = "87654321"
KEY = "cle-de-test+des/tests=http"
OK_CARD = "4970 1000 0000 0000"
REFUSED_CARD = "4970 1000 0000 0097"
FOREIGN = "FA2024-000042"       # contract 1000000004, in nobody's space


class Sandbox:
    """A `robinet psp-sandbox` on a free loopback port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="robinet-psp-", suffix=".log", delete=False)
        e = dict(os.environ, ROBINET_PSP_SHOP_ID=SHOP, ROBINET_PSP_TEST_KEY=KEY,
                 ROBINET_PSP_SANDBOX_LISTEN="127.0.0.1:%d" % self.port)
        self.proc = subprocess.Popen([ARGS.bin, "psp-sandbox"], stdout=subprocess.PIPE,
                                     stderr=self.log, env=e)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                st, _, _ = self.request("GET", "/")
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("psp-sandbox did not start")

    def request(self, method, path, fields=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = urlencode(fields).encode() if fields is not None else None
        h = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8")
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def stop(self):
        """Stops it; returns its exit status and its log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)
        try:
            with open(self.log.name, encoding="utf-8", errors="replace") as f:
                log = f.read()
            os.unlink(self.log.name)
        except FileNotFoundError:
            log = ""
        return self.proc.returncode, log


SANDBOX = None
SANDBOX_PORT = None     # servers were told this port: a new sandbox keeps it


def sandbox():
    global SANDBOX, SANDBOX_PORT
    if SANDBOX is None:
        SANDBOX = Sandbox(SANDBOX_PORT)
        SANDBOX_PORT = SANDBOX.port
        atexit.register(SANDBOX.stop)
    return SANDBOX


def pay_env(extra=None):
    e = smtp_env({"ROBINET_PSP_SHOP_ID": SHOP, "ROBINET_PSP_TEST_KEY": KEY,
                  "ROBINET_PSP_PAGE_URL": "http://127.0.0.1:%d/vads-payment/" % sandbox().port})
    e.update(extra or {})
    return e


def sign(fields, key=KEY):
    """The Lyra signature, computed here from the documented rule."""
    s = "+".join(fields[k] for k in sorted(fields) if k.startswith("vads_")) + "+" + key
    return base64.b64encode(hmac.new(key.encode(), s.encode(), hashlib.sha256).digest()).decode()


def hidden_fields(page):
    return {html.unescape(n): html.unescape(v)
            for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
            if n != "csrf"}


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def demo_bills(s, n=1, archived=0):
    """n bills of the demo account made due (to pay, nothing paid yet)."""
    rows = db_rows(s, "SELECT i.id, i.number, i.total_cents, c.number FROM invoices i"
                   " JOIN contracts c ON c.id = i.contract_id"
                   " JOIN account_contracts ac ON ac.contract_id = c.id"
                   " JOIN web_accounts a ON a.id = ac.account_id"
                   " WHERE a.email_norm = ? AND i.archived = ? AND i.total_cents > 0"
                   " ORDER BY c.number, i.issued_on DESC", DEMO_EMAIL, archived)
    contract = rows[0][3]
    rows = [r for r in rows if r[3] == contract][:n]
    assert len(rows) == n, rows
    set_due([r[0] for r in rows], s)
    return [(r[1], r[2], r[3]) for r in rows]


def set_due(ids, s):
    con = dbx.connect(s.db)
    con.executemany("UPDATE invoices SET status = 'to_pay' WHERE id = ?", [(i,) for i in ids])
    con.executemany("DELETE FROM payments WHERE invoice_id = ?", [(i,) for i in ids])
    con.commit()
    con.close()


def start(b, fields):
    """Posts "Payer en ligne" / "Tout régler" from the bills page: the
    form for the provider."""
    b.get("/mes-factures")          # the page's CSRF token
    st, h, page = b.post("/paiement", fields)
    return st, h, page


def to_provider(page):
    fields = hidden_fields(page)
    m = re.search(r'<form method="post" action="(http[^"]*)"', page)
    assert m and m.group(1) == "http://127.0.0.1:%d/vads-payment/" % sandbox().port, m
    st, _, card = sandbox().request("POST", "/vads-payment/", fields)
    assert st == 200, (st, card)
    token = re.search(r'name="session" value="([^"]*)"', card).group(1)
    return fields, card, token


def finish(token, card=OK_CARD, action="payer"):
    """The card page's answer: the IPN is sent, then the browser goes back."""
    st, h, body = sandbox().request("POST", "/vads-payment/carte",
                                    {"session": token, "numero": card, "action": action})
    assert st == 303, (st, body)
    return h["location"]


def back(b, location):
    u = urlsplit(location)
    return b.get(u.path + "?" + u.query)


def notify(s, fields):
    st, h, body = s.request("POST", "/paiement/notification", body=urlencode(fields).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    return st, body.decode()


def returned_fields(location):
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


def pay(s, b, number, card=OK_CARD, action="payer"):
    st, _, page = start(b, {"facture": number})
    assert st == 200, (st, page)
    fields, _, token = to_provider(page)
    loc = finish(token, card, action)
    return fields, loc


def invoice(s, number):
    return db_rows(s, "SELECT status FROM invoices WHERE number = ?", number)[0][0]


def payments(s, number):
    return db_rows(s, "SELECT p.amount_cents, p.method, p.status, p.provider_ref FROM payments p"
                   " JOIN invoices i ON i.id = p.invoice_id WHERE i.number = ?", number)


def euros(cents):
    e, c = divmod(cents, 100)
    return "{:,}".format(e).replace(",", "\u00a0") + ",%02d\u00a0€" % c


# ------------------------------------------------------------------ tests

@test(env=pay_env())
def a_card_payment_pays_the_bill_and_sends_a_receipt(s):
    (number, total, contract), = demo_bills(s)
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/" + number)
    assert st == 200 and "Payer en ligne" in page, page
    st, h, page = start(b, {"facture": number})
    assert st == 200, (st, page)
    check_page(page.encode())
    assert "Continuer vers le paiement sécurisé" in page
    assert "<script" not in page
    check_security_headers({k.lower(): v for k, v in h.items()})
    csp = h["Content-Security-Policy"]
    assert h.get_all("Content-Security-Policy") == [csp], "one policy, the wider one"
    assert "form-action 'self' http://127.0.0.1:%d;" % sandbox().port in csp, csp
    fields = hidden_fields(page)
    assert fields["vads_amount"] == str(total) and fields["vads_currency"] == "978"
    assert fields["vads_site_id"] == SHOP and fields["vads_ctx_mode"] == "TEST"
    assert fields["signature"] == sign({k: v for k, v in fields.items() if k != "signature"})
    ref = fields["vads_order_id"]
    # The sandbox says plainly that nothing real happens, and shows both cards.
    _, card_page, token = to_provider(page)
    assert "Aucun paiement réel" in card_page
    assert "4970 1000 0000 0000" in card_page and "4970 1000 0000 0097" in card_page
    loc = finish(token)
    assert loc.startswith(s_url(s) + "/paiement/retour?commande=" + ref), loc
    st, _, page = back(b, loc)
    assert st == 200 and "Paiement reçu" in page, page
    assert invoice(s, number) == "paid"
    p = payments(s, number)
    assert len(p) == 1 and p[0][0] == total and p[0][1] == "card" and p[0][2] == "succeeded", p
    st, _, page = b.get("/mes-factures/" + number)
    assert "Paiements reçus" in page and "Carte bancaire" in page and "Payée" in page
    assert "Payer en ligne" not in page
    msg = mailbox().wait(DEMO_EMAIL, "Reçu de votre paiement")
    assert ref in str(msg["subject"])
    text = mail_text(msg)
    assert number in text and euros(total).replace("\u00a0", " ") in text.replace("\u00a0", " "), text
    audit = db_rows(s, "SELECT action FROM audit_log WHERE target = ?", ref)
    assert ("payment.order",) in audit and ("payment.succeeded",) in audit, audit
    # The order is in the subscriber's data export, without any card number.
    st, _, export = b.get("/mes-donnees.json")
    assert st == 200 and ref in export and "4970" not in export, export[:500]
    # Nothing left to pay: a new attempt says so.
    st, _, page = start(b, {"facture": number})
    assert st == 409 and "Rien à payer" in page, (st, page)


def s_url(s):
    return "http://127.0.0.1:%d" % s.port


@test(env=pay_env())
def the_bill_pdf_lists_the_payments_received(s):
    (number, total, _), = demo_bills(s)
    b = signed_in(s)
    pay(s, b, number)
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    c.request("GET", "/mes-factures/%s.pdf" % number,
              headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read()
    assert r.status == 200
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(data)
    try:
        txt = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                             check=True).stdout.decode().replace("\u00a0", " ")
    finally:
        os.unlink(f.name)
    assert "Paiements reçus" in txt, txt
    assert "Carte bancaire" in txt and euros(total).replace("\u00a0", " ") in txt


@test(env=pay_env())
def a_refused_card_leaves_the_bill_due(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    fields, loc = pay(s, b, number, REFUSED_CARD)
    st, _, page = back(b, loc)
    assert st == 200 and "Paiement refusé" in page and "restent à payer" in page, page
    assert invoice(s, number) == "to_pay" and payments(s, number) == []
    assert db_rows(s, "SELECT status FROM payment_orders WHERE reference = ?",
                   fields["vads_order_id"]) == [("refused",)]
    # The bill is free again: another card may be tried at once.
    st, _, page = b.get("/mes-factures/" + number)
    assert "Payer en ligne" in page
    fields, loc = pay(s, b, number)
    assert invoice(s, number) == "paid"


@test(env=pay_env())
def an_abandoned_payment_leaves_the_bill_due(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    fields, loc = pay(s, b, number, "", "annuler")
    st, _, page = back(b, loc)
    assert st == 200 and "Paiement non effectué" in page and "restent à payer" in page, page
    assert invoice(s, number) == "to_pay" and payments(s, number) == []
    st, _, page = start(b, {"facture": number})
    assert st == 200, "an abandoned order must release the bill"


@test(env=pay_env())
def a_pending_payment_shows_as_pending_never_paid(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    st, _, page = start(b, {"facture": number})
    ref = hidden_fields(page)["vads_order_id"]
    # The browser comes back before any notification: nothing is proved.
    st, _, page = b.get("/paiement/retour?commande=" + ref)
    assert st == 200 and "en attente de confirmation" in page, page
    assert "Paiement reçu" not in page
    st, _, page = b.get("/mes-factures/" + number)
    assert "en attente de confirmation" in page and "Payée" not in page, page
    st, _, page = b.get("/mes-factures")
    assert "Paiement par carte en attente de confirmation" in page
    assert invoice(s, number) == "to_pay"


@test(env=pay_env())
def notifications_replayed_forged_or_mismatched_change_nothing(s):
    (number, total, _), = demo_bills(s)
    b = signed_in(s)
    _, loc = pay(s, b, number)
    signed = returned_fields(loc)     # a signed notification, as the sandbox sent it
    signed = {k: v for k, v in signed.items() if k.startswith("vads_") or k == "signature"}
    assert payments(s, number) != []
    # Replayed: accepted (the provider must stop retrying), nothing paid twice.
    for _ in range(3):
        st, body = notify(s, signed)
        assert st == 200 and "replay" in body, (st, body)
    assert len(payments(s, number)) == 1
    # Wrong signature.
    forged = dict(signed, signature=sign({k: v for k, v in signed.items() if k != "signature"}, "other"))
    st, body = notify(s, forged)
    assert st == 403 and "signature" in body, (st, body)
    # Another amount, correctly signed: refused as a conflict.
    other = dict(signed, vads_amount=str(total + 1))
    other = dict({k: v for k, v in other.items() if k != "signature"})
    other["signature"] = sign(other)
    st, body = notify(s, other)
    assert st == 409 and "amount" in body, (st, body)
    # Another currency.
    cur = {k: v for k, v in signed.items() if k != "signature"}
    cur["vads_currency"] = "840"
    cur["signature"] = sign(cur)
    assert notify(s, cur)[0] == 409
    # An unknown order.
    unknown = {k: v for k, v in signed.items() if k != "signature"}
    unknown["vads_order_id"] = "CB0000000000000000"
    unknown["signature"] = sign(unknown)
    st, body = notify(s, unknown)
    assert st == 404 and "unknown order" in body, (st, body)
    # Malformed: a field missing, one repeated.
    st, body = notify(s, {"vads_amount": "1"})
    assert st == 400, (st, body)
    assert len(payments(s, number)) == 1 and invoice(s, number) == "paid"
    log = s.stderr()
    assert "wrong signature" in log and "unknown order" in log and "amount differs" in log, log[-2000:]


@test(env=pay_env())
def a_refusal_after_the_success_does_not_unpay(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    _, loc = pay(s, b, number)
    f = {k: v for k, v in returned_fields(loc).items() if k.startswith("vads_")}
    f["vads_trans_status"] = "REFUSED"
    f["signature"] = sign(f)
    st, body = notify(s, f)
    assert st == 200 and "replay" in body, (st, body)
    assert invoice(s, number) == "paid" and len(payments(s, number)) == 1


@test(env=pay_env())
def pay_everything_of_a_contract_at_once(s):
    bills = demo_bills(s, 2)
    contract = bills[0][2]
    b = signed_in(s)
    st, _, page = b.get("/mes-factures?contrat=" + contract)
    assert "Tout régler" in page, page
    st, _, page = start(b, {"contrat": contract})
    assert st == 200, (st, page)
    fields = hidden_fields(page)
    assert fields["vads_amount"] == str(sum(t for _, t, _ in bills)), fields
    for n, _, _ in bills:
        assert n in page
    _, _, token = to_provider(page)
    back(b, finish(token))
    for n, t, _ in bills:
        assert invoice(s, n) == "paid" and payments(s, n)[0][0] == t


@test(env=pay_env())
def a_partly_paid_bill_asks_for_what_is_left(s):
    (number, total, _), = demo_bills(s)
    con = dbx.connect(s.db)
    con.execute("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at)"
                " SELECT id, 1000, 'cheque', 'succeeded', 1700000000 FROM invoices WHERE number = ?",
                (number,))
    con.commit()
    con.close()
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/" + number)
    assert "Reste à payer" in page and euros(total - 1000) in page, page
    assert "Chèque" in page
    st, _, page = start(b, {"facture": number})
    assert hidden_fields(page)["vads_amount"] == str(total - 1000)
    _, _, token = to_provider(page)
    back(b, finish(token))
    assert invoice(s, number) == "paid"
    assert sorted(p[0] for p in payments(s, number)) == sorted([1000, total - 1000])


@test(env=pay_env())
def two_tabs_cannot_send_the_same_bill_twice(s):
    (number, total, contract), = demo_bills(s)
    b = signed_in(s)
    st, _, tab1 = start(b, {"facture": number})
    assert st == 200
    # The second tab (same session, or "Tout régler") is refused while the first is open.
    st, _, tab2 = start(b, {"facture": number})
    assert st == 409 and "Paiement déjà en cours" in tab2, (st, tab2)
    assert "d'ici 20 minutes" in tab2.replace("&#39;", "'"), tab2     # psp_order_ttl
    st, _, tab2 = start(b, {"contrat": contract})
    assert st == 409, st
    _, _, token = to_provider(tab1)
    back(b, finish(token))
    assert invoice(s, number) == "paid" and len(payments(s, number)) == 1
    # Re-posting the first tab's provider form: the sandbox, like the
    # real platform, refuses a transaction id used twice the same day.
    st, _, body = sandbox().request("POST", "/vads-payment/", hidden_fields(tab1))
    assert st == 409, (st, body)
    assert len(payments(s, number)) == 1


@test(env=pay_env({"ROBINET_PSP_ORDER_TTL": "300"}))
def an_order_left_open_frees_its_bill_after_psp_order_ttl(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    st, _, page = start(b, {"facture": number})
    ref = hidden_fields(page)["vads_order_id"]
    con = dbx.connect(s.db)     # as if made 301 seconds ago
    con.execute("UPDATE payment_orders SET created_at = created_at - 301,"
                " expires_at = expires_at - 301 WHERE reference = ?", (ref,))
    con.commit()
    con.close()
    # The bill is offered again at once, and the order reads as not done.
    st, _, page = b.get("/mes-factures/" + number)
    assert "Payer en ligne" in page and "en attente de confirmation" not in page, page
    st, _, page = b.get("/paiement/retour?commande=" + ref)
    assert "Paiement non effectué" in page, page
    st, _, page = start(b, {"facture": number})
    assert st == 200, (st, page)
    assert db_rows(s, "SELECT status FROM payment_orders WHERE reference = ?", ref) == [("abandoned",)]


@test(env=pay_env())
def another_accounts_bill_or_contract_cannot_be_paid(s):
    b = signed_in(s)
    st, _, _ = start(b, {"facture": FOREIGN})
    assert st == 404, st
    st, _, _ = start(b, {"facture": "FA9999-999999"})
    assert st == 404, st
    st, _, _ = start(b, {"contrat": "1000000004"})
    assert st == 404, st
    assert db_rows(s, "SELECT count(*) FROM payment_orders") == [(0,)]
    # Nor another's order's state.
    other = Browser(s)
    st, _, _ = other.get("/paiement/retour?commande=CB0000000000000000")
    assert st == 303, st       # no session nor visit: to the sign-in page
    (number, _, _), = demo_bills(s)
    st, _, page = start(b, {"facture": number})
    ref = hidden_fields(page)["vads_order_id"]
    o, _, _, _ = open_archive(s)
    st, _, _ = o.get("/paiement/retour?commande=" + ref)
    assert st == 404, st
    # Without a session or a CSRF token, nothing starts.
    st, _, _ = Browser(s).post("/paiement", {"facture": number})
    assert st in (303, 403), st
    st, _, _ = b.post("/paiement", {"facture": number, "csrf": "x" * 43})
    assert st == 403, st


@test(env=pay_env())
def an_archived_bill_is_paid_in_an_archive_visit(s):
    row = db_rows(s, "SELECT i.id, i.number, i.total_cents FROM invoices i"
                  " JOIN contracts c ON c.id = i.contract_id"
                  " JOIN legacy_credentials l ON l.contract_id = c.id"
                  " WHERE l.old_customer_id = ? AND i.archived = 1 AND i.total_cents > 0"
                  " ORDER BY i.issued_on DESC LIMIT 1", "1234567A")
    assert row, "no archived bill for the archive visit"
    inv_id, number, total = row[0]
    set_due([inv_id], s)
    con = dbx.connect(s.db)
    con.execute("UPDATE customers SET email = 'archive@robinet.test' WHERE id ="
                " (SELECT c.customer_id FROM contracts c JOIN invoices i ON i.contract_id = c.id"
                " WHERE i.id = ?)", (inv_id,))
    con.commit()
    con.close()
    b, st, _, _ = open_archive(s)
    assert st == 303, st
    st, _, page = b.get("/mes-factures?archives=1")
    assert st == 200 and "Payer en ligne" in page and number in page, page
    st, _, page = b.get("/mes-factures/" + number)
    assert "Payer en ligne" in page
    _, loc = pay(s, b, number)
    st, _, page = back(b, loc)
    assert st == 200 and "Paiement reçu" in page, page
    assert invoice(s, number) == "paid"
    assert db_rows(s, "SELECT account_id, archive_contract_id IS NOT NULL FROM payment_orders") == [(None, 1)]
    msg = mailbox().wait("archive@robinet.test", "Reçu de votre paiement")
    assert number in mail_text(msg)


@test(env=pay_env())
def markup_in_every_field_is_refused_or_escaped(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    evil = '"><script>alert(1)</script>'
    for fields in ({"facture": evil}, {"contrat": evil}, {"facture": number + evil},
                   {"contrat": "<b>100000</b>"}, {}):
        st, _, page = start(b, fields)
        assert st == 404 and "<script>alert" not in page, (fields, st)
    st, _, page = b.get("/paiement/retour?commande=" + evil)
    assert st == 404 and "<script>alert" not in page
    # Notifications whose every field carries markup: refused, never echoed.
    f = {k: evil for k in ("vads_order_id", "vads_amount", "vads_currency", "vads_site_id",
                            "vads_ctx_mode", "vads_trans_status", "vads_trans_uuid")}
    f["signature"] = sign(f)
    st, body = notify(s, f)
    assert st in (400, 403) and "<script>" not in body, (st, body)
    f.update(vads_site_id=SHOP, vads_ctx_mode="TEST", vads_amount="100",
             vads_currency="978", vads_trans_status="AUTHORISED")
    del f["signature"]
    f["signature"] = sign(f)
    st, body = notify(s, f)
    assert st == 404 and "<script>" not in body, (st, body)
    # The sandbox refuses a form it did not get signed, and escapes what it shows.
    st, _, page = sandbox().request("POST", "/vads-payment/", {"vads_order_id": evil})
    assert st == 400 and "<script>alert" not in page
    st, _, page = sandbox().request("POST", "/vads-payment/carte", {"session": evil})
    assert st == 404 and "<script>alert" not in page
    assert invoice(s, number) == "to_pay" and payments(s, number) == []


@test(env=pay_env({"ROBINET_PSP_SHOP_ID": None}))
def without_a_shop_no_card_payment_is_offered(s):
    (number, _, _), = demo_bills(s)
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/" + number)
    assert "Payer en ligne" not in page
    st, _, page = start(b, {"facture": number})
    assert st == 503 and "indisponible" in page, (st, page)
    st, body = notify(s, {"vads_order_id": "CB0000000000000000"})
    assert st == 404


@test(own=True)
def serve_demo_starts_its_own_sandbox(s):
    """The shared test servers run with --demo's settings: the sandbox
    listens on psp_sandbox_listen, with the demo shop, and a payment goes
    through it end to end."""
    (number, total, _), = demo_bills(s)
    b = signed_in(s)
    st, _, page = start(b, {"facture": number})
    assert st == 200, (st, page)
    m = re.search(r'<form method="post" action="(http://127\.0\.0\.1:(\d+)/vads-payment/)"', page)
    assert m, page
    port = int(m.group(2))
    fields = hidden_fields(page)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/vads-payment/", body=urlencode(fields).encode(),
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    card = r.read().decode()
    assert r.status == 200 and "Aucun paiement réel" in card, card
    token = re.search(r'name="session" value="([^"]*)"', card).group(1)
    c.request("POST", "/vads-payment/carte", body=urlencode(
        {"session": token, "numero": OK_CARD, "action": "payer"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    assert r.status == 303, r.status
    assert invoice(s, number) == "paid"
    st, _, page = back(b, r.getheader("Location"))
    assert "Paiement reçu" in page


@test
def psp_sandbox_needs_the_shop_settings(s):
    rc, out, err = run_cli("psp-sandbox", env={"ROBINET_PSP_SHOP_ID": None,
                                                "ROBINET_PSP_TEST_KEY": None})
    assert rc == 2 and "psp_shop_id" in err, (rc, err)
    rc, out, err = run_cli("psp-sandbox", env={"ROBINET_PSP_SHOP_ID": "1234"})
    assert rc == 2 and "8 digits" in err, (rc, err)


@test
def psp_sandbox_stops_cleanly(s):
    """After the payments above (or alone), the sandbox exits 0 on
    SIGTERM; under the sanitizers, with no report."""
    global SANDBOX
    sb = sandbox()
    st, _, page = sb.request("GET", "/")
    assert st == 200 and "Aucun paiement réel" in page
    rc, log = sb.stop()
    SANDBOX = None          # a later test starts another one
    assert rc == 0, (rc, log[-3000:])
    assert "Sanitizer" not in log and "runtime error" not in log, log[-3000:]
