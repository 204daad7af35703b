"""Byte-for-byte pages (issue 12): "Mes factures" and "Ma consommation",
with their filters and views, for the demo subscriber given 52 more
bills of every status (current and archived, partly paid, pending card
payments, live and finished debits, test_space.add_many_bills), bills
with volumes and estimated readings over three years, and an abnormal
consumption alert, must be exactly the pages the code produced before
these pages were rendered from lighter data (the CSRF token, random per
session, replaced by "CSRF").

The golden pages (tests/http/golden/*.html) were written by the build
before that change (main ee30465), by this very test with
RB_GOLDEN_UPDATE=1; they hold for the pinned date (tests/today) and
the demo data. Write them again the same way, from the build you trust,
when a page is meant to change.

The dashboard's golden pages (golden/space*.html, the last test) were
written the same way by the build before its data access was rewritten
(issue 12: no temporary table), from h-dash's base 76882f7.

"Mon compte"'s golden pages (golden/account*.html) were written the same
way by h-account's base 8466bb0, before that page's data and the
rendering were made lighter; its sessions get dates after any run
(LATER), so that they are neither touched nor expired.

The other cases of the two pages (golden/bp-*, the test
bills_and_consumption_cases_are_byte_identical_to_the_golden_pages: the
demo account as made, a leak and its setting, other contracts, no
contract, an archive visit, refused queries and the CSV downloads) were
written the same way by the build before the two pages were fed from C
structs (issue 12, h-billpages' base 8466bb0).
"""
import datetime
import difflib
import os
import re

import dbx
from harness import test, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_selfservice import run_alerts
from test_space import add_many_bills

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

# (golden file, path): filters, views, archive, an error on the form.
PAGES = [
    ("bills", "/mes-factures"),
    ("bills-archive", "/mes-factures?archives=1"),
    ("bills-to-pay", "/mes-factures?statut=a-payer"),
    ("bills-late-2021", "/mes-factures?contrat=1000000001&annee=2021&statut=en-retard"),
    ("bills-debit", "/mes-factures?contrat=1000000002&statut=prelevement"),
    ("bills-none", "/mes-factures?annee=2000"),
    ("consumption", "/ma-consommation"),
    ("consumption-2", "/ma-consommation?contrat=1000000002"),
    ("consumption-days", "/ma-consommation?contrat=1000000001&vue=jours"),
    ("consumption-range", "/ma-consommation?contrat=1000000001&vue=periodes&du=2022-01-01&au=2024-12-31"),
    ("consumption-bad-date", "/ma-consommation?contrat=1000000001&du=2024-13-01"),
]


def add_volume_bills(db):
    """Bills with volumes and readings of both kinds over the last three
    years on contract 1000000001, and an abnormal consumption alert on
    one of them: rows, comparisons a year before and the chart; and a
    card payment under way on a bill to pay."""
    con = dbx.connect(db)
    cid = con.execute("SELECT id FROM contracts WHERE number = '1000000001'").fetchone()[0]
    day = datetime.date.fromisoformat(TODAY)
    for k in range(14):
        start = day - datetime.timedelta(days=1090 - 75 * k)
        end = start + datetime.timedelta(days=60 + k % 3)
        litres = 9000 + 1733 * k + (40000 if k == 11 else 0)
        number = "FV%04d" % k
        con.execute("INSERT INTO invoices (number, contract_id, contract_number, archived, period_start, "
                    "period_end, amount_excl_tax_cents, vat_cents, total_cents, issued_on, due_on, status, "
                    "volume_litres, new_read_kind) VALUES (?, ?, '1000000001', 0, ?, ?, 900, 100, 1000, ?, ?, "
                    "'paid', ?, ?)",
                    (number, cid, start.isoformat(), end.isoformat(), end.isoformat(), end.isoformat(), litres,
                     "estimated" if k % 3 == 1 else "actual"))
        if k == 11:
            inv = con.execute("SELECT id FROM invoices WHERE number = ?", (number,)).fetchone()[0]
            con.execute("INSERT INTO consumption_alerts (contract_id, period_start, period_end, invoice_id, "
                        "litres, average_litres, detected_at) VALUES (?, ?, ?, ?, ?, ?, 1700000000)",
                        (cid, start.isoformat(), end.isoformat(), inv, litres, 12345))
    # A card payment under way (its hold ends in 2100: on any day).
    inv = con.execute("SELECT id, total_cents FROM invoices WHERE number = ?",
                      ("FT0004-%d" % cid,)).fetchone()
    con.execute("INSERT INTO payment_orders (reference, provider, account_id, contract_id, amount_cents, "
                "currency, status, created_at, expires_at) SELECT 'GOLDEN-1', 'lyra', w.id, ?, ?, '978', "
                "'pending', 1700000000, 4102444800 FROM web_accounts w WHERE w.email = ?",
                (cid, inv[1], DEMO_EMAIL))
    order = con.execute("SELECT id FROM payment_orders WHERE reference = 'GOLDEN-1'").fetchone()[0]
    con.execute("INSERT INTO payment_order_items (order_id, invoice_id, amount_cents) VALUES (?, ?, ?)",
                (order, inv[0], inv[1]))
    con.commit()
    con.close()


def normalise(page):
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value="CSRF"', page)


@test(own=True)
def bills_and_consumption_pages_are_byte_identical_to_the_golden_pages(s):
    add_many_bills(s.db)
    add_volume_bills(s.db)
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    for name, path in PAGES:
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        check_golden(page, name, path)
    # The data does reach every kind of row the templates have.
    with open(os.path.join(GOLDEN, "bills.html"), encoding="utf-8") as inp:
        bills = inp.read()
    for needle in ("status-late", "status-paid", "status-debit", "status-due", "status-cancelled",
                   "Reste à payer", "Paiement par carte en attente", "Tout régler"):
        assert needle in bills, needle
    with open(os.path.join(GOLDEN, "bills-archive.html"), encoding="utf-8") as inp:
        assert "ancien contrat n°" in inp.read()
    with open(os.path.join(GOLDEN, "consumption.html"), encoding="utf-8") as inp:
        cons = inp.read()
    for needle in ("<svg", "anormale", "estimé"):
        assert needle in cons, needle


def add_edge_bills(db):
    """Bills at the edges of what the dashboard adds up, on the demo
    contracts: one under direct debit with a debit rejected and the next one
    scheduled, one overpaid, one to pay due today,
    one paid in three thirds that leave a cent, one to pay paid in full
    by two payments."""
    con = dbx.connect(db)
    day = datetime.date.fromisoformat(TODAY)
    c1 = con.execute("SELECT id FROM contracts WHERE number = '1000000001'").fetchone()[0]
    c2 = con.execute("SELECT id FROM contracts WHERE number = '1000000002'").fetchone()[0]
    mandate = con.execute("SELECT id FROM sepa_mandates WHERE contract_id = ? AND status = 'active'",
                          (c2,)).fetchone()[0]

    def bill(cid, number, total, due, status):
        con.execute("INSERT INTO invoices (number, contract_id, contract_number, archived, period_start, "
                    "period_end, amount_excl_tax_cents, vat_cents, total_cents, issued_on, due_on, status) "
                    "SELECT ?, id, number, 0, '2026-01-01', '2026-02-01', ?, 0, ?, '2026-02-01', ?, ? "
                    "FROM contracts WHERE id = ?", (number, total, total, due, status, cid))
        return con.execute("SELECT id FROM invoices WHERE number = ?", (number,)).fetchone()[0]

    def pay(inv, amount, status="succeeded"):
        con.execute("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at) "
                    "VALUES (?, ?, 'transfer', ?, 1700000000)", (inv, amount, status))

    def debit(inv, amount, on, status, ref):
        con.execute("INSERT INTO sepa_debits (contract_id, mandate_id, invoice_id, amount_cents, "
                    "collection_date, seq_type, status, end_to_end_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'RCUR', ?, ?, 1700000000, 1700000000)",
                    (c2, mandate, inv, amount, on, status, ref))

    inv = bill(c2, "FE-TWO-DEBITS", 4321, (day + datetime.timedelta(days=40)).isoformat(), "direct_debit")
    debit(inv, 4000, (day + datetime.timedelta(days=3)).isoformat(), "scheduled", "E2E-EDGE-1")
    debit(inv, 4321, (day - datetime.timedelta(days=2)).isoformat(), "rejected", "E2E-EDGE-2")
    inv = bill(c1, "FE-OVERPAID", 1000, (day - datetime.timedelta(days=5)).isoformat(), "overdue")
    pay(inv, 1200)
    bill(c1, "FE-DUE-TODAY", 777, TODAY, "to_pay")
    inv = bill(c1, "FE-THIRDS", 1001, (day + datetime.timedelta(days=9)).isoformat(), "to_pay")
    pay(inv, 1001 // 3)
    pay(inv, 1001 // 3)
    pay(inv, 1001 // 3, "failed")
    inv = bill(c2, "FE-PAID-TWICE", 2000, (day + datetime.timedelta(days=1)).isoformat(), "to_pay")
    pay(inv, 1500)
    pay(inv, 500)
    con.commit()
    con.close()


def relink(db, numbers):
    """Links the demo account to exactly the contracts numbers; makes
    1000000011 archive-only and takes the readings of 1000000053."""
    con = dbx.connect(db)
    acc = con.execute("SELECT id FROM web_accounts WHERE email = ?", (DEMO_EMAIL,)).fetchone()[0]
    con.execute("DELETE FROM account_contracts WHERE account_id = ?", (acc,))
    for n in numbers:
        con.execute("INSERT INTO account_contracts (account_id, contract_id, added_at) "
                    "SELECT ?, id, 1700000000 FROM contracts WHERE number = ?", (acc, n))
    con.execute("UPDATE invoices SET archived = 1 WHERE contract_id = (SELECT id FROM contracts "
                "WHERE number = '1000000011')")
    con.execute("DELETE FROM meter_readings WHERE meter_id IN (SELECT m.id FROM meters m JOIN contracts c "
                "ON c.id = m.contract_id WHERE c.number = '1000000053')")
    con.commit()
    con.close()


def check_golden(page, name, path, ext=".html"):
    """Compares page with golden/name.html (or name + ext), or writes it
    when RB_GOLDEN_UPDATE=1."""
    page = normalise(page)
    f = os.path.join(GOLDEN, name + ext)
    if os.environ.get("RB_GOLDEN_UPDATE") == "1":
        os.makedirs(GOLDEN, exist_ok=True)
        with open(f, "w", encoding="utf-8", newline="") as out:
            out.write(page)
        return
    with open(f, encoding="utf-8", newline="") as inp:
        want = inp.read()
    if page != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), page.splitlines(True),
                                                 "golden/" + name + ext, path))[:60])
        raise AssertionError("%s differs from its golden page:\n%s" % (path, diff))


@test(own=True)
def dashboard_is_byte_identical_to_the_golden_pages(s):
    """/mon-espace (issue 12, before its data access was rewritten): the
    demo account as made; with 52 more bills of every status, the bills
    at the edges of add_edge_bills and an abnormal consumption alert; with
    a leak found by `robinet alerts`; linked to other contracts (old
    number, no bill, archive-only, overdue under direct debit, no reading);
    linked to none."""
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st

    def page(name):
        st, _, p = b.get("/mon-espace")
        assert st == 200, (name, st)
        check_golden(p, name, "/mon-espace")
        return p

    page("space")
    add_many_bills(s.db)
    add_volume_bills(s.db)
    add_edge_bills(s.db)
    many = page("space-many")
    for needle in ("Prélèvement prévu le", "alert-late", "alert-abnormal", "à régler au plus tard"):
        assert needle in many, needle
    assert run_alerts(s)[0] == 1
    assert "alert-leak" in page("space-leak")
    relink(s.db, ["1000000003", "1000000005", "1000000008", "1000000011", "1000000053"])
    others = page("space-others")
    assert "Pas encore de facture" in others and "Aucun relevé" in others
    relink(s.db, [])
    assert "Aucun contrat n'est rattaché" in page("space-none")


# A time after any run of the tests: a session last seen then is never
# touched again (RB_SESSION_TOUCH_S) nor expired, so its dates are fixed.
LATER = 4102444800          # 2100-01-01 00:00 UTC


def pin_sessions(db):
    """The demo account's sessions get fixed dates, and one more session
    (another browser, no user agent) is opened beside the current one."""
    con = dbx.connect(db)
    acc = con.execute("SELECT id FROM web_accounts WHERE email = ?", (DEMO_EMAIL,)).fetchone()[0]
    con.execute("UPDATE sessions SET created_at = ?, last_seen_at = ? WHERE account_id = ?",
                (LATER, LATER + 3723, acc))
    con.execute("INSERT INTO sessions (id_hash, account_id, csrf_secret, created_at, last_seen_at, ip, "
                "user_agent) VALUES (?, ?, ?, ?, ?, '192.0.2.7', 'Mozilla/5.0 <Golden> & \"co\"')",
                ("f" * 64, acc, "e" * 64, LATER - 86400 * 3, LATER - 60))
    con.commit()
    con.close()


def add_account_rows(db):
    """What /mon-compte lists beyond the sessions: two API tokens (one
    used, one never) and a revoked one; a third contract; the
    braille chosen; paperless on the first contract, off on the second
    (under direct debit)."""
    con = dbx.connect(db)
    acc = con.execute("SELECT id FROM web_accounts WHERE email = ?", (DEMO_EMAIL,)).fetchone()[0]
    for name, prefix, created, used, revoked in (("Domotique <salon>", "rbt_ab12", 1700000000, 1700086400, None),
                                                 ("Tableur", "rbt_cd34", 1710000000, None, None),
                                                 ("Ancien", "rbt_ef56", 1690000000, None, 1695000000)):
        con.execute("INSERT INTO api_tokens (account_id, name, hash, prefix, created_at, last_used_at, "
                    "revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (acc, name, (prefix[-1] * 64), prefix, created, used, revoked))
    # A third contract, seen by no account before (one account per contract).
    con.execute("INSERT INTO account_contracts (account_id, contract_id, added_at) SELECT ?, min(id), 1700000100 "
                "FROM contracts WHERE id NOT IN (SELECT contract_id FROM account_contracts)", (acc,))
    con.execute("UPDATE web_accounts SET braille = 'grade2', braille_by = 'subscriber', "
                "braille_at = 1700000000 WHERE id = ?", (acc,))
    con.execute("UPDATE contracts SET paperless = 1 WHERE number = '1000000001'")
    con.execute("UPDATE contracts SET paperless = 0 WHERE number = '1000000002'")
    con.commit()
    con.close()


@test(own=True)
def account_page_is_byte_identical_to_the_golden_pages(s):
    """/mon-compte (issue 12, before its data and rendering were made
    lighter; written by h-account's base 8466bb0): the demo account as
    made; each notice; with API tokens, contracts seen by other accounts,
    a pending email change, braille, paperless on and off; the forms
    answering with errors; paperless and the sessions again with the
    contracts taken away."""
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    pin_sessions(s.db)

    def page(name, path="/mon-compte"):
        st, _, p = b.get(path)
        assert st == 200, (name, st)
        check_golden(p, name, path)
        return p

    first = page("account")
    assert "Cette session" in first and "inconnu" in first and "&lt;Golden&gt;" in first
    for done in ("mot-de-passe", "email", "contrat", "session", "jeton-revoque", "braille", "autre"):
        page("account-done-" + done, "/mon-compte?fait=" + done)
    # A pending email change (the confirmation is queued, never sent here).
    st, _, _ = b.post("/mon-compte/email", {"mdp_email": DEMO_PASSWORD, "nouvel_email": "nouvelle@robinet.test"})
    assert st == 303, st
    add_account_rows(s.db)
    rows = page("account-rows")
    for needle in ("Domotique &lt;salon&gt;", "jamais", "(vous)", 'value="abrege" checked'):
        assert needle in rows, needle
    assert "Ancien" not in rows
    # The forms answering with errors (and what was typed, kept).
    for name, path, fields in (
            ("account-err-password", "/mon-compte/mot-de-passe",
             {"actuel": "faux", "nouveau": "court", "confirmation": "autre"}),
            ("account-err-email", "/mon-compte/email",
             {"mdp_email": "faux-mot-de-passe", "nouvel_email": "pas-une-adresse <b>"}),
            ("account-err-contract", "/mon-compte/contrats",
             {"contrat": "1000000003", "preuve": "facture", "justificatif": "FA0000-0000"}),
            ("account-err-token", "/mon-compte/jetons", {"nom_jeton": ""})):
        st, _, p = b.post(path, fields)
        assert st == 200, (name, st)
        assert "has-error" in p or "alert" in p, name
        check_golden(p, name, path)
    relink(s.db, [])
    assert "Aucun contrat n'est rattaché" in page("account-none")

# (golden file, path) of bills_and_consumption_cases_are_byte_identical_to_the_golden_pages,
# by state of the data: the demo account as made.
DEMO_CASES = [
    ("bp-bills", "/mes-factures"),
    ("bp-bills-archive", "/mes-factures?archives=1"),
    ("bp-bills-archive-1", "/mes-factures?archives=1&contrat=1000000001"),
    ("bp-bills-2", "/mes-factures?contrat=1000000002"),
    ("bp-bills-paid", "/mes-factures?statut=payee"),
    ("bp-bills-2025", "/mes-factures?annee=2025&statut=a-payer"),
    ("bp-cons", "/ma-consommation"),
    ("bp-cons-2", "/ma-consommation?contrat=1000000002"),
    ("bp-cons-days", "/ma-consommation?contrat=1000000001&vue=jours"),
    ("bp-cons-days-2", "/ma-consommation?contrat=1000000002&vue=jours"),
    ("bp-cons-days-range", "/ma-consommation?contrat=1000000001&vue=jours&du=2026-09-01&au=2026-10-15"),
    ("bp-cons-days-cut", "/ma-consommation?contrat=1000000001&vue=jours&du=2024-01-01"),
    ("bp-cons-old", "/ma-consommation?contrat=1234560A&du=2021-01-01&au=2023-12-31"),
    ("bp-cons-empty-range", "/ma-consommation?contrat=1000000002&du=2000-01-01&au=2001-06-30"),
    ("bp-cons-bad-contract", "/ma-consommation?contrat=12ab"),
    ("bp-cons-bad-view", "/ma-consommation?vue=semaines"),
    ("bp-cons-bad-order", "/ma-consommation?du=2025-06-01&au=2025-01-01"),
    ("bp-cons-bad-range", "/ma-consommation?du=2020-01-01&au=2025-01-01"),
    ("bp-cons-bad-to", "/ma-consommation?contrat=1000000001&vue=jours&au=2025-02-30"),
    ("bp-cons-csv", "/ma-consommation.csv"),
    ("bp-cons-csv-days", "/ma-consommation.csv?contrat=1000000001&vue=jours"),
    ("bp-cons-csv-old", "/ma-consommation.csv?contrat=1234560A&du=2021-01-01&au=2023-12-31"),
]
# After `robinet alerts` found the demo's leak, and its setting was changed.
LEAK_CASES = [
    ("bp-cons-leak", "/ma-consommation?contrat=1000000001&vue=jours"),
    ("bp-cons-leak-periods", "/ma-consommation?contrat=1000000001"),
]
SETTING_CASES = [
    ("bp-cons-setting", "/ma-consommation?contrat=1000000001&vue=jours&fait=alerte"),
]
# Linked to other contracts (relink): old number, no bill, archive-only,
# overdue under direct debit, no reading.
OTHER_CASES = [
    ("bp-others-bills", "/mes-factures"),
    ("bp-others-bills-archive", "/mes-factures?archives=1"),
    ("bp-others-bills-11", "/mes-factures?contrat=1000000011"),
    ("bp-others-bills-11-archive", "/mes-factures?contrat=1000000011&archives=1"),
    ("bp-others-bills-late", "/mes-factures?statut=en-retard"),
    ("bp-others-bills-debit", "/mes-factures?statut=prelevement"),
    ("bp-others-cons", "/ma-consommation"),
    ("bp-others-cons-5", "/ma-consommation?contrat=1000000005"),
    ("bp-others-cons-8", "/ma-consommation?contrat=1000000008"),
    ("bp-others-cons-11", "/ma-consommation?contrat=1000000011"),
    ("bp-others-cons-53", "/ma-consommation?contrat=1000000053"),
    ("bp-others-cons-53-days", "/ma-consommation?contrat=1000000053&vue=jours"),
    ("bp-others-cons-csv-8", "/ma-consommation.csv?contrat=1000000008"),
]
# Linked to none.
NONE_CASES = [
    ("bp-none-bills", "/mes-factures"),
    ("bp-none-bills-archive", "/mes-factures?archives=1"),
    ("bp-none-bills-paid", "/mes-factures?statut=payee&annee=2024"),
    ("bp-none-cons", "/ma-consommation"),
    ("bp-none-cons-days", "/ma-consommation?vue=jours"),
    ("bp-none-cons-bad", "/ma-consommation?du=2020-01-01&au=2025-01-01"),
]
# An archive visit (old id 1234567A: contract 1000000003 before 2024).
ARCHIVE_CASES = [
    ("bp-visit-bills", "/mes-factures"),
    ("bp-visit-bills-archive", "/mes-factures?archives=1"),
    ("bp-visit-bills-2022", "/mes-factures?archives=1&annee=2022"),
    ("bp-visit-cons", "/ma-consommation"),
    ("bp-visit-cons-old", "/ma-consommation?contrat=1234567A&du=2021-01-01&au=2023-12-31"),
    ("bp-visit-cons-days", "/ma-consommation?vue=jours"),
    ("bp-visit-cons-late", "/ma-consommation?du=2024-01-01&au=2026-06-30"),
    ("bp-visit-cons-csv", "/ma-consommation.csv?contrat=1234567A&du=2021-01-01&au=2023-12-31"),
]
# Refused the same way whatever the data: (path, status).
REFUSED = [
    ("/mes-factures?contrat=1000000004", 404),
    ("/mes-factures?contrat=12", 400),
    ("/mes-factures?annee=1999", 400),
    ("/mes-factures?statut=rien", 400),
    ("/mes-factures?archives=2", 400),
    ("/ma-consommation?contrat=1000000004", 404),
    ("/ma-consommation?contrat=1234567A", 404),
    ("/ma-consommation.csv?contrat=1000000004", 404),
    ("/ma-consommation.csv?du=2020-01-01&au=2025-01-01", 400),
]


def check_cases(b, cases):
    """Each (name, path) of cases answers 200 with its golden page (a CSV
    download with its golden file)."""
    for name, path in cases:
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        check_golden(page, name, path, ".csv" if ".csv" in path else ".html")


@test(own=True)
def bills_and_consumption_cases_are_byte_identical_to_the_golden_pages(s):
    """/mes-factures and /ma-consommation (issue 12, before they were fed
    from C structs): the demo account as made, with its filters, views,
    old number, refused queries and downloads; the demo's leak found by
    `robinet alerts`, then its setting changed; other contracts; no
    contract; an archive visit."""
    from test_archive import open_archive
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    check_cases(b, DEMO_CASES)
    for path, want in REFUSED:
        st, _, _ = b.get(path)
        assert st == want, (path, st, want)
    assert run_alerts(s)[0] == 1
    check_cases(b, LEAK_CASES)
    st, h, _ = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "oui", "seuil": "5"})
    assert st == 303, st
    check_cases(b, SETTING_CASES)
    relink(s.db, ["1000000003", "1000000005", "1000000008", "1000000011", "1000000053"])
    check_cases(b, OTHER_CASES)
    relink(s.db, [])
    check_cases(b, NONE_CASES)
    v, st, _, _ = open_archive(s)
    assert st == 303, st
    check_cases(v, ARCHIVE_CASES)
    st, _, _ = v.get("/ma-consommation?contrat=1000000001")
    assert st == 404, st
    # The cases reach what the templates have.
    def golden(name, ext=".html"):
        with open(os.path.join(GOLDEN, name + ext), encoding="utf-8") as inp:
            return inp.read()
    assert "Fuite d'eau possible" in golden("bp-cons-leak")
    assert "<svg" in golden("bp-cons-days") and 'action="/ma-consommation/alerte"' in golden("bp-cons-days")
    assert "Aucun contrat" in golden("bp-none-bills") or "aucun contrat" in golden("bp-none-bills")
    assert "1234567A" in golden("bp-visit-cons")
