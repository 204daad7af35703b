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
"""
import datetime
import difflib
import os
import re

import dbx
from harness import test, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
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
    update = os.environ.get("RB_GOLDEN_UPDATE") == "1"
    if update:
        os.makedirs(GOLDEN, exist_ok=True)
    for name, path in PAGES:
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        page = normalise(page)
        f = os.path.join(GOLDEN, name + ".html")
        if update:
            with open(f, "w", encoding="utf-8", newline="") as out:
                out.write(page)
            continue
        with open(f, encoding="utf-8", newline="") as inp:
            want = inp.read()
        if page != want:
            diff = "".join(list(difflib.unified_diff(want.splitlines(True), page.splitlines(True),
                                                     "golden/" + name + ".html", path))[:60])
            raise AssertionError("%s differs from its golden page:\n%s" % (path, diff))
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
