"""HTTP tests of the subscriber's dashboard (/mon-espace) and of "Mes
données personnelles" (/mes-donnees, /mes-donnees.json) (issue 4): what
each contract shows, checked against the database; alerts for late bills
and abnormal consumption; nothing of another subscriber; the GDPR page
and its JSON download."""
import html
import json
import re

import dbx
from harness import test, check_page, run_cli, db_rows, PINNED, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

NNBSP = "\u202f"
NBSP = "\u00a0"


def euros(cents):
    units = "{:,}".format(cents // 100).replace(",", NNBSP)
    return "%s,%02d%s€" % (units, cents % 100, NBSP)


def m3(litres):
    units = "{:,}".format(litres // 1000).replace(",", NNBSP)
    return "%s,%03d%sm³" % (units, litres % 1000, NBSP)


def demo(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    return b


def section(page, number):
    m = re.search(r'<section class="contract" aria-labelledby="contrat-%s">(.*?)</section>' % number,
                  page, re.S)
    assert m, "no section for contract %s" % number
    return m.group(1)


@test
def dashboard_shows_each_contract_as_the_database_has_it(s):
    b = demo(s)
    st, h, page = b.get("/mon-espace")
    assert st == 200 and h["Cache-Control"] == "no-store"
    check_page(page.encode())
    mine = db_rows(s, "SELECT c.id, c.number, c.old_number, c.service_address, c.service_postcode, "
                      "c.service_commune, c.direct_debit, c.paperless FROM contracts c "
                      "JOIN account_contracts ac ON ac.contract_id = c.id "
                      "JOIN web_accounts a ON a.id = ac.account_id WHERE a.email_norm = ? "
                      "ORDER BY c.number", DEMO_EMAIL)
    assert [r[1] for r in mine] == ["1000000001", "1000000002"]
    # Contracts follow one another in number order.
    assert page.index("contrat-1000000001") < page.index("contrat-1000000002")
    for cid, number, old, addr, pc, commune, dd, paperless in mine:
        sec = section(page, number)
        assert "Contrat n° %s" % number in sec
        assert "%s, %s %s" % (addr, pc, commune) in sec
        if old:
            assert "Ancien numéro de contrat (avant 2024) : %s" % old in sec
            assert 'href="/mes-factures?contrat=%s&amp;archives=1"' % number in sec
        unpaid = db_rows(s, "SELECT COALESCE(SUM(total_cents), 0), count(*), MIN(due_on) FROM invoices "
                            "WHERE contract_id = ? AND status IN ('to_pay', 'overdue', 'direct_debit')", cid)[0]
        if unpaid[1]:
            assert euros(unpaid[0]) in sec, (number, euros(unpaid[0]))
        else:
            assert "Aucun montant dû" in sec
        last = db_rows(s, "SELECT number, total_cents FROM invoices WHERE contract_id = ? "
                          "AND status <> 'cancelled' ORDER BY issued_on DESC, id DESC LIMIT 1", cid)[0]
        assert 'href="/mes-factures/%s"' % last[0] in sec and euros(last[1]) in sec
        assert ("Prélèvement automatique" in sec) == bool(dd)
        assert ("Activée" in sec) == bool(paperless)
        reading = db_rows(s, "SELECT m.serial, r.index_litres FROM meters m JOIN meter_readings r "
                             "ON r.meter_id = m.id WHERE m.contract_id = ? AND m.removed_on IS NULL "
                             "ORDER BY r.read_on DESC LIMIT 1", cid)[0]
        assert reading[0] in sec and m3(reading[1]) in sec, (reading, sec)
        assert 'href="/ma-consommation?contrat=%s"' % number in sec
        late = db_rows(s, "SELECT count(*) FROM invoices WHERE contract_id = ? AND (status = 'overdue' "
                          "OR (status = 'to_pay' AND due_on < ?))", cid, TODAY)[0][0]
        assert ("réglée" in sec or "réglées" in sec) == (late > 0), (number, late)


@test
def dashboard_never_shows_another_subscriber(s):
    b = demo(s)
    _, _, page = b.get("/mon-espace")
    others = db_rows(s, "SELECT number FROM contracts WHERE id NOT IN (SELECT contract_id FROM "
                        "account_contracts ac JOIN web_accounts a ON a.id = ac.account_id "
                        "WHERE a.email_norm = ?)", DEMO_EMAIL)
    assert len(others) > 10
    for (number,) in others:
        assert number not in page, number
    st, h, _ = Browser(s).get("/mon-espace")
    assert st == 303 and h["Location"] == "/connexion"


@test(own=True)
def dashboard_warns_of_abnormal_consumption(s):
    b = demo(s)
    _, _, page = b.get("/mon-espace")
    assert "anormalement" not in page
    # Triple the last bill of contract 1000000002: more than twice the
    # same periods of the years before.
    con = dbx.connect(s.db)
    con.execute("UPDATE invoices SET volume_litres = volume_litres * 3 WHERE id = (SELECT i.id FROM invoices i "
                "JOIN contracts c ON c.id = i.contract_id WHERE c.number = '1000000002' "
                "ORDER BY i.period_end DESC LIMIT 1)")
    con.commit()
    con.close()
    rc, out, err = run_cli("alerts", "--db", dbx.url(s.db), env=PINNED)
    assert rc == 0, err
    _, _, page = b.get("/mon-espace")
    sec = section(page, "1000000002")
    assert 'class="alert-abnormal"' in sec and "Consommation anormalement élevée" in sec, sec
    assert "anormalement" not in section(page, "1000000001")


@test
def gdpr_page_lists_what_is_kept_with_counts(s):
    b = demo(s)
    st, h, page = b.get("/mes-donnees")
    assert st == 200 and h["Cache-Control"] == "no-store"
    check_page(page.encode())
    for text in ("Mes données personnelles", "Finalité", "Origine", "Durée de conservation",
                 "Mandats de prélèvement SEPA", "10 ans", "ancien exploitant",
                 'href="/mes-donnees.json"'):
        assert text in page, text
    n = db_rows(s, "SELECT count(*) FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id "
                   "JOIN web_accounts a ON a.id = ac.account_id WHERE a.email_norm = ?", DEMO_EMAIL)[0][0]
    assert re.search(r'<h3>Factures</h3>\s*<ul class="facts">.*?Éléments conservés :</span> %d</li>' % n,
                     page, re.S), n
    # Archived bills came from the billing system of before 2024.
    assert "Ancien système de facturation du service (factures jusqu'en 2023)" in html.unescape(page)
    st, h, _ = Browser(s).get("/mes-donnees")
    assert st == 303 and h["Location"] == "/connexion"


@test
def gdpr_download_holds_everything_and_no_secret(s):
    b = demo(s)
    st, h, body = b.get("/mes-donnees.json")
    assert st == 200, st
    assert h["Content-Type"].startswith("application/json")
    assert h["Content-Disposition"].startswith("attachment;")
    assert h["Cache-Control"] == "no-store"
    doc = json.loads(body)
    data = doc["data"]
    assert doc["format"] == "robinet-gdpr-export/1"
    assert data["account"][0]["email"] == DEMO_EMAIL
    assert [c["number"] for c in data["contracts"]] == ["1000000001", "1000000002"]
    want = db_rows(s, "SELECT i.number FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id "
                      "JOIN web_accounts a ON a.id = ac.account_id WHERE a.email_norm = ? ORDER BY i.number",
                   DEMO_EMAIL)
    assert sorted(i["number"] for i in data["invoices"]) == [r[0] for r in want]
    assert {i["contract_number"] for i in data["invoices"]} >= {"1234560A", "1000000001", "1000000002"}
    assert all(i["src_system"] for i in data["invoices"])
    assert len(data["readings"]) == db_rows(
        s, "SELECT count(*) FROM meter_readings r JOIN meters m ON m.id = r.meter_id "
           "WHERE m.contract_id IN (SELECT id FROM contracts WHERE number IN ('1000000001', '1000000002'))")[0][0]
    for cat in doc["notice"]:
        assert cat["key"] in data and cat["retention"] and cat["why"], cat
    assert set(c["key"] for c in doc["notice"]) == set(data)
    # Nothing of another subscriber, no hash, no full IBAN.
    assert "1000000004" not in body
    assert "$argon2id$" not in body and "$6$" not in body
    ibans = db_rows(s, "SELECT iban_last4 FROM sepa_mandates sm JOIN contracts c ON c.id = sm.contract_id "
                       "WHERE c.number = '1000000002'")
    assert [m["iban_last4"] for m in data["sepa_mandates"]] == [r[0] for r in ibans]
    assert not re.search(r"FR\d{2}[0-9A-Z]{10,}", body)
    assert not any("hash" in k for cat in data.values() for row in cat for k in row)
    # The download is in the account's audit trail, and in the next one.
    n = db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'gdpr.export'")[0][0]
    assert n >= 1
    _, _, body2 = b.get("/mes-donnees.json")
    assert any(e["action"] == "gdpr.export" for e in json.loads(body2)["data"]["audit_log"])


# Where the page says rows came from, by src_system (app/gdpr.c).
SOURCES = [("former_operator", "transmises par l'ancien exploitant"),
           ("billing_2023", "ancien système de facturation du service (factures jusqu'en 2023)"),
           ("billing", "système de facturation du service"),
           (None, "vous, sur ce site, ou nos services")]


def source_label(system):
    if system in ("portal", "agent"):
        system = None
    for key, label in SOURCES:
        if key == system:
            return label
    return SOURCES[2][1]


@test
def gdpr_page_counts_and_origins_agree_with_the_download(s):
    """The page counts the rows of each category without reading them
    (one statement); the download reads them: they must agree, category
    by category, on the count and on where the rows came from."""
    b = demo(s)
    # Rows of several systems and of this site (a reading the subscriber
    # sent), and an unknown system (counted as the billing system).
    meter = db_rows(s, "SELECT m.id FROM meters m JOIN contracts c ON c.id = m.contract_id "
                       "WHERE c.number = '1000000002' ORDER BY m.id LIMIT 1")[0][0]
    con = dbx.connect(s.db)
    con.execute("INSERT INTO meter_readings (meter_id, read_on, index_litres, source, src_system)"
                " VALUES (?, '2019-01-02', 1, 'customer', 'portal')", (meter,))
    con.execute("UPDATE invoices SET src_system = 'sage_x3' WHERE id = (SELECT min(i.id) FROM invoices i "
                "JOIN contracts c ON c.id = i.contract_id WHERE c.number = '1000000002')")
    con.commit()
    con.close()
    st, _, page = b.get("/mes-donnees")
    assert st == 200
    page = html.unescape(page)
    st, _, body = b.get("/mes-donnees.json")
    assert st == 200
    doc = json.loads(body)
    data = doc["data"]
    assert len(doc["notice"]) >= 20
    for cat in doc["notice"]:
        m = re.search(r'<h3>%s</h3>\s*<ul class="facts">(.*?)</ul>' % re.escape(cat["label"]), page, re.S)
        assert m, cat["label"]
        facts = m.group(1)
        count = re.search(r"Éléments conservés :</span> (\d+)</li>", facts)
        rows = data[cat["key"]]
        # The download's own audit line comes after its read.
        assert count and int(count.group(1)) == len(rows), (cat["key"], count and count.group(1), len(rows))
        origin = re.search(r"Origine :</span> (.*?)</li>", facts).group(1)
        if not rows:
            assert origin == "Aucune donnée", (cat["key"], origin)
            continue
        want = [lab for _, lab in SOURCES
                if lab in {source_label(r.get("src_system")) for r in rows}]
        assert origin.lower() == " ; ".join(want).lower(), (cat["key"], origin, want)
    # The cases above were met: three systems in the bills, the unknown
    # one counted as the billing system; a reading sent on this site.
    m = re.search(r"<h3>Factures</h3>.*?Origine :</span> ([^<]*)</li>", page, re.S)
    assert m and m.group(1).lower().count(" ; ") == 1 and "factures jusqu'en 2023" in m.group(1) \
        and "; système de facturation du service" in m.group(1), m and m.group(1)
    m = re.search(r"Relevés d'index</h3>.*?Origine :</span> ([^<]*)</li>", page, re.S)
    assert m and "vous, sur ce site" in m.group(1).lower(), m and m.group(1)


def dashboard_oracle(s, number):
    """What the dashboard must say of contract number, computed here from
    the rows themselves (not from the page's SQL): the bills to pay or
    overdue with something owed (total minus succeeded payments), and the
    bills under direct debit with something owed (their live debit's
    amount and date, else what is owed and the due date)."""
    cid = db_rows(s, "SELECT id FROM contracts WHERE number = ?", number)[0][0]
    bills = db_rows(s, "SELECT id, status, due_on, total_cents FROM invoices WHERE contract_id = ?", cid)
    paid, live = {}, {}
    for inv, amount, status in db_rows(s, "SELECT p.invoice_id, p.amount_cents, p.status FROM payments p "
                                          "JOIN invoices i ON i.id = p.invoice_id WHERE i.contract_id = ?", cid):
        if status == "succeeded":
            paid[inv] = paid.get(inv, 0) + amount
    for inv, amount, on, status in db_rows(s, "SELECT invoice_id, amount_cents, collection_date, status "
                                              "FROM sepa_debits WHERE contract_id = ?", cid):
        if status in ("scheduled", "exported") and inv is not None:
            live[inv] = (amount, on)
    o = {"unpaid": 0, "count": 0, "next": None, "late": 0, "debit": 0, "dcount": 0, "dnext": None}
    for inv, status, due, total in bills:
        owed = total - paid.get(inv, 0)
        if owed <= 0:
            continue
        if status in ("to_pay", "overdue"):
            o["unpaid"] += owed
            o["count"] += 1
            o["next"] = min(o["next"] or due, due)
            o["late"] += status == "overdue" or due < TODAY
        elif status == "direct_debit":
            amount, on = live.get(inv, (owed, due))
            o["debit"] += amount
            o["dcount"] += 1
            o["dnext"] = min(o["dnext"] or on, on)
    return o


def fr_day(iso):
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre"]
    y, m, d = (int(x) for x in iso.split("-"))
    return "%s %s %d" % ("1er" if d == 1 else str(d), months[m - 1], y)


def check_figures(page, number, o):
    sec = html.unescape(section(page, number))
    dd = re.search(r"<dt>Montant à régler</dt>\s*<dd>(.*?)</dd>", sec, re.S).group(1)
    if o["count"]:
        assert dd.startswith("%s, à régler au plus tard le %s" % (euros(o["unpaid"]), fr_day(o["next"]))), (dd, o)
    else:
        assert not dd.startswith(euros(0)) and "à régler au plus tard" not in dd, (dd, o)
    if o["dcount"]:
        assert "Prélèvement prévu le %s : %s, vous n'avez rien à faire." % (
            fr_day(o["dnext"]), euros(o["debit"])) in dd, (dd, o)
    else:
        assert "Prélèvement prévu" not in dd, (dd, o)
    if not o["count"] and not o["dcount"]:
        assert dd == "Aucun montant dû", dd
    if o["late"] == 0:
        assert "date limite de paiement" not in sec
    elif o["late"] == 1:
        assert "Une facture n'est pas réglée à sa date limite de paiement." in sec
    else:
        assert "%d factures ne sont pas réglées à leur date limite de paiement." % o["late"] in sec, (o, sec)


def add_many_bills(db):
    """Adds 52 bills to the two demo contracts, current and archived, of
    every status, partly and fully paid, with failed and pending payments
    and live and finished debits (also used by test_page_golden.py)."""
    import datetime
    con = dbx.connect(db)
    day = datetime.date.fromisoformat(TODAY)
    c1 = con.execute("SELECT id, number, old_number FROM contracts WHERE number = '1000000001'").fetchone()
    c2 = con.execute("SELECT id, number FROM contracts WHERE number = '1000000002'").fetchone()
    mandate = con.execute("SELECT id FROM sepa_mandates WHERE contract_id = ? AND status = 'active'",
                          (c2[0],)).fetchone()[0]
    statuses = ["to_pay", "overdue", "paid", "cancelled", "to_pay", "direct_debit", "to_pay", "overdue"]

    def bill(cid, printed, k, status, archived):
        due = (day + datetime.timedelta(days=(k * 7) % 61 - 30)).isoformat()
        issued = "20%02d-%02d-01" % (19 + k % 4, 1 + k % 12)
        total = 1000 + 137 * k
        con.execute("INSERT INTO invoices (number, contract_id, contract_number, archived, period_start, "
                    "period_end, amount_excl_tax_cents, vat_cents, total_cents, issued_on, due_on, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ("FT%04d-%d" % (k, cid), cid, printed, archived, issued, issued, total - 100, 100, total,
                     issued, due, status))
        return con.execute("SELECT id, total_cents FROM invoices WHERE number = ?",
                           ("FT%04d-%d" % (k, cid),)).fetchone()

    def pay(inv, amount, status, k):
        con.execute("INSERT INTO payments (invoice_id, amount_cents, method, status, created_at) "
                    "VALUES (?, ?, 'transfer', ?, ?)", (inv, amount, status, 1700000000 + k))

    def debit(cid, inv, amount, on, status, k):
        con.execute("INSERT INTO sepa_debits (contract_id, mandate_id, invoice_id, amount_cents, "
                    "collection_date, seq_type, status, end_to_end_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'RCUR', ?, ?, 1700000000, 1700000000)",
                    (cid, mandate, inv, amount, on, status, "E2E-FT-%d" % k))

    for k in range(40):
        status = statuses[k % len(statuses)]
        archived = 1 if k % 3 == 0 else 0
        printed = c1[2] if archived and c1[2] else c1[1]
        inv, total = bill(c1[0], printed, k, status, archived)
        if k % 4 == 1:
            pay(inv, total // 3, "succeeded", k)      # partly paid
        if k % 5 == 2:
            pay(inv, total, "failed", k)              # counts for nothing
        if k % 7 == 3:
            pay(inv, total, "succeeded", k)           # paid in full: nothing owed
        if k % 9 == 4:
            pay(inv, total, "pending", k)
    for k in range(40, 52):
        inv, total = bill(c2[0], c2[1], k, "direct_debit" if k % 4 else "to_pay", 0)
        on = (day + datetime.timedelta(days=k - 30)).isoformat()
        if k % 3 == 0:
            debit(c2[0], inv, total - 50, on, "scheduled", k)
        elif k % 3 == 1:
            debit(c2[0], inv, total, on, "collected" if k % 2 else "rejected", k)
        if k % 5 == 0:
            pay(inv, total, "succeeded", k)
        if k == 44:
            debit(c2[0], inv, total + 7, on, "exported", 1000 + k)
    con.commit()
    con.close()


@test(own=True)
def dashboard_figures_match_the_rows_on_many_bills(s):
    """Many bills on both demo contracts, current and archived, every
    status, partly and fully paid, failed and pending payments, live and
    finished debits: each figure of the dashboard is the oracle's."""
    b = demo(s)
    _, _, page = b.get("/mon-espace")
    for number in ("1000000001", "1000000002"):
        check_figures(page, number, dashboard_oracle(s, number))
    add_many_bills(s.db)
    _, _, page = b.get("/mon-espace")
    for number in ("1000000001", "1000000002"):
        o = dashboard_oracle(s, number)
        check_figures(page, number, o)
    o1, o2 = dashboard_oracle(s, "1000000001"), dashboard_oracle(s, "1000000002")
    # The data does exercise every figure.
    assert o1["count"] > 5 and o1["late"] > 1 and o2["dcount"] > 3, (o1, o2)
