"""HTTP tests of the bills of the subscriber's space (/mes-factures): the
list per contract with its filters, the archive list, the bill page and
its PDF (pdftotext, pdffonts, pdfinfo from poppler-utils), the PDF cache,
and answers that never show another subscriber's bill (404 like an
unknown number) or crash on bad parameters (400 with a French message)."""
import os
import re
import subprocess
import tempfile
import time

import dbx
from harness import test, check_page, check_security_headers, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

FOREIGN = "FA2024-000042"       # contract 1000000004, in nobody's space
HEADINGS = ("Distribution de l'eau", "Collecte et traitement des eaux usées", "Organismes publics")


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def plain(text):
    """Page or PDF text with no-break spaces and entities made plain."""
    import html
    return html.unescape(text).replace("\xa0", " ").replace("\u202f", " ")


def section(page, contract):
    m = re.search(r'<section class="bills-contract" aria-labelledby="c-%s">(.*?)</section>' % contract,
                  page, re.S)
    return m.group(1) if m else None


def numbers_in(html_text):
    return re.findall(r'<a href="/mes-factures/([A-Z0-9-]+)">', html_text)


def db_numbers(db, contract, archived, extra="", params=()):
    con = dbx.connect(db)
    rows = con.execute(
        "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id"
        " WHERE c.number = ? AND i.archived = ? %s ORDER BY i.issued_on DESC, i.number DESC" % extra,
        (contract, archived) + tuple(params)).fetchall()
    con.close()
    return [r[0] for r in rows]


def pdf_env():
    return {"ROBINET_PDF_CACHE_DIR": tempfile.mkdtemp(prefix="robinet-pdf-")}


def pdftext(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(data)
    try:
        txt = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True).stdout
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True, check=True, text=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return plain(txt.decode("utf-8")), fonts, info


def get_bytes(b, path):
    """GET with the browser's cookies, returning raw bytes."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", b.srv.port, timeout=60)
    c.request("GET", path, headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


# ------------------------------------------------------------------ list

@test
def bills_list_shows_each_contract_newest_first(s):
    b = signed_in(s)
    st, h, page = b.get("/mes-factures")
    assert st == 200, st
    check_page(page.encode())
    check_security_headers({k.lower(): v for k, v in h.items()})
    assert h["Cache-Control"] == "no-store"
    for contract in ("1000000001", "1000000002"):
        sec = section(page, contract)
        assert sec is not None, "no section for %s" % contract
        got = numbers_in(sec)
        want = db_numbers(s.db, contract, 0)
        assert got == want and len(got) >= 4, (contract, got, want)
        # One list item per bill: its facts read in order, in any browser
        # and at any width (a 7-column table broke apart at 320 px and in
        # an 80-column text browser).
        assert '<ul class="bill-list">' in sec and sec.count("<li>") == len(want), sec
    assert section(page, "1000000004") is None and FOREIGN not in page
    assert not re.search(r"/mes-factures/E\d", page), "archived bills in the main list"
    assert "Archives (avant 2024)" in plain(page) or "archives (avant 2024)" in plain(page)


@test
def bills_list_filters_by_year_contract_and_status(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-factures?annee=2025")
    assert st == 200
    nums = numbers_in(page)
    assert nums and all(n.startswith("FA2025-") for n in nums), nums
    assert '<option value="2025" selected>' in page
    st, _, page = b.get("/mes-factures?contrat=1000000002")
    assert st == 200
    assert section(page, "1000000001") is None and section(page, "1000000002") is not None
    assert numbers_in(page) == db_numbers(s.db, "1000000002", 0)
    st, _, page = b.get("/mes-factures?statut=payee")
    assert st == 200
    want = db_numbers(s.db, "1000000001", 0, "AND i.status = 'paid'") + \
        db_numbers(s.db, "1000000002", 0, "AND i.status = 'paid'")
    assert sorted(numbers_in(page)) == sorted(want), (numbers_in(page), want)
    assert "status-late" not in page and "status-debit" not in page
    st, _, page = b.get("/mes-factures?statut=prelevement&contrat=1000000002&annee=2025")
    assert st == 200
    assert numbers_in(page) == db_numbers(s.db, "1000000002", 0,
                                          "AND i.status = 'direct_debit' AND i.issued_on LIKE '2025%'")
    # Overdue: status overdue, or still to pay after the due date.
    st, _, page = b.get("/mes-factures?statut=en-retard")
    assert st == 200
    con = dbx.connect(s.db)
    want = [r[0] for r in con.execute(
        "SELECT i.number FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id"
        " JOIN web_accounts w ON w.id = ac.account_id WHERE w.email = ? AND i.archived = 0"
        " AND (i.status = 'overdue' OR (i.status = 'to_pay' AND i.due_on < ?))",
        (DEMO_EMAIL, TODAY))]
    con.close()
    assert want and sorted(numbers_in(page)) == sorted(want), (numbers_in(page), want)
    assert "En retard" in page


@test
def bills_archive_list_shows_old_bills_under_the_old_number(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-factures?archives=1")
    assert st == 200
    check_page(page.encode())
    assert "<h1>Archives (avant 2024)</h1>" in page
    nums = numbers_in(page)
    assert nums == db_numbers(s.db, "1000000001", 1), nums
    assert all(re.match(r"E\d{9}$", n) for n in nums), nums
    assert "1234560A" in page
    assert section(page, "1000000002") is None, "contract without old number in the archive"
    st, _, page = b.get("/mes-factures?archives=1&annee=2022")
    assert st == 200 and numbers_in(page) and all(n.startswith("E22") for n in numbers_in(page))


@test
def bills_list_bad_parameters_get_400_with_a_message(s):
    b = signed_in(s)
    cases = {
        "annee=abcd": "année",
        "annee=1999": "année",
        "annee=3000": "année",
        "annee=20255": "année",
        "statut=impayee": "statut",
        "archives=2": "archives",
        "contrat=12AB": "contrat",
        "contrat=123": "contrat",
    }
    for q, word in cases.items():
        st, _, page = b.get("/mes-factures?" + q)
        assert st == 400, (q, st)
        check_page(page.encode())
        assert word in plain(page).lower(), (q, page[:600])
    # A well-formed contract outside the space is an id like any other: 404.
    for contract in ("1000000004", "1000000003", "9999999999"):
        st, _, _ = b.get("/mes-factures?contrat=" + contract)
        assert st == 404, (contract, st)


@test
def bills_pages_redirect_signed_out_visitors(s):
    for path in ("/mes-factures", "/mes-factures?archives=1", "/mes-factures/FA2025-000001",
                 "/mes-factures/FA2025-000001.pdf"):
        st, h, _ = s.request("GET", path)
        assert st == 303 and h["location"] == "/connexion", (path, st)


# ------------------------------------------------------------------ bill

@test
def bill_page_shows_what_a_water_bill_must_show(s):
    b = signed_in(s)
    st, h, page = b.get("/mes-factures/FA2025-000001")
    assert st == 200, st
    check_page(page.encode())
    text = plain(page)
    for want in HEADINGS + (
            "Facture n° FA2025-000001", "contrat n° 1000000001",
            "Ancien index", "703,615 m³", "28 novembre 2024",
            "Nouvel index", "781,256 m³", "30 mai 2025", "relevé réel",
            "77,641 m³", "77 641 litres", "0,004 19 €", "4,19 € le m³",
            "Abonnement", "183 jours", "39,00 € / an", "Consommation d'eau potable", "1,35 € / m³",
            "Lutte contre la pollution", "0,3650 € / m³", "0,33 € / m³",
            "5,5 %", "171,52 €", "9,43 €", "10 %", "131,25 €", "13,13 €",
            "302,77 €", "22,56 €", "325,33 €",
            "Date limite de paiement", "26 juin 2025", "Payée",
            "09 69 32 22 12", "09 69 32 22 13", "Virement", "Télécharger la facture (PDF)",
            "Mme Martine Lefebvre", "12 rue Nationale"):
        assert want in text, want
    assert 'href="/mes-factures/FA2025-000001.pdf"' in page
    # Lines come from the data: both agency rates of the 2025 change.
    assert text.count("Lutte contre la pollution") == 2


@test
def bill_page_tells_estimated_readings_and_status_labels(s):
    b = signed_in(s)
    con = dbx.connect(s.db)
    rows = con.execute(
        "SELECT i.number, i.status, i.due_on < ?, i.new_read_kind, i.old_read_kind"
        " FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id"
        " JOIN web_accounts w ON w.id = ac.account_id WHERE w.email = ?", (TODAY, DEMO_EMAIL)).fetchall()
    con.close()
    labels = {"paid": "Payée", "direct_debit": "Prélèvement programmé", "overdue": "En retard",
              "cancelled": "Annulée"}
    estimated = 0
    for number, status, past, new_kind, old_kind in rows:
        st, _, page = b.get("/mes-factures/" + number)
        assert st == 200, (number, st)
        want = labels.get(status) or ("En retard" if past else "À payer")
        got = re.search(r'<span class="status status-[a-z]+">([^<]*)</span>', page).group(1)
        assert plain(got) == want, (number, status, got)
        if "estimated" in (new_kind, old_kind):
            assert "estimé" in page, number
            estimated += 1
    assert estimated > 0, "no estimated reading in the demo space: the test would prove nothing"


@test
def archived_bill_page_names_the_old_contract(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/E230000050")
    assert st == 200
    text = plain(page)
    assert "Archive — ancien contrat n° 1234560A" in text
    for hd in HEADINGS:
        assert hd in text
    # Lower case in the URL is the same bill.
    assert b.get("/mes-factures/e230000050")[0] == 200


@test
def bills_of_others_and_unknown_numbers_are_404(s):
    b = signed_in(s)
    answers = []
    for path in ("/mes-factures/" + FOREIGN, "/mes-factures/FA2099-999999",
                 "/mes-factures/" + FOREIGN + ".pdf", "/mes-factures/FA2099-999999.pdf",
                 "/mes-factures/%3Cscript%3E", "/mes-factures/", "/mes-factures/a/b",
                 "/mes-factures/" + "9" * 40, "/mes-factures/.pdf"):
        st, _, page = b.get(path)
        assert st == 404, (path, st)
        answers.append(page)
    # Someone else's bill answers exactly like a bill that does not exist.
    assert answers[0] == answers[1] and answers[2] == answers[3]
    # The bill exists (the test is not vacuous).
    con = dbx.connect(s.db)
    assert con.execute("SELECT count(*) FROM invoices WHERE number = ?", (FOREIGN,)).fetchone()[0] == 1
    con.close()


# ------------------------------------------------------------------- PDF

@test(env=pdf_env())
def bill_pdf_has_the_bill_real_text_and_embedded_fonts(s):
    b = signed_in(s)
    st, h, data = get_bytes(b, "/mes-factures/FA2025-000001.pdf")
    assert st == 200, st
    assert h["content-type"] == "application/pdf"
    assert h["content-disposition"] == 'attachment; filename="facture-FA2025-000001.pdf"'
    assert data.startswith(b"%PDF-")
    text, fonts, info = pdftext(data)
    for want in HEADINGS + ("1000000001", "FA2025-000001", "325,33 €", "26 juin 2025",
                            "Eau de la Métropole", "Mme Martine Lefebvre", "703,615 m³",
                            "781,256 m³", "0,004 19 €", "9,43 €", "13,13 €",
                            "09 69 32 22 12", "09 69 32 22 13"):
        assert want in text, (want, text[:1500])
    rows = [l for l in fonts.splitlines()[2:] if l.strip()]
    assert rows, fonts
    for l in rows:
        assert "DejaVuSans" in l and re.search(r"\byes\s+yes\s+yes\b", l), l   # emb sub uni
    assert re.search(r"^Title:\s+Facture d'eau n° FA2025-000001$", info, re.M), info
    assert re.search(r"^Author:\s+Eau de la Métropole$", info, re.M), info
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Page size:.*\(A4\)", info, re.M), info


@test(env=pdf_env())
def bill_pdf_is_cached_and_redrawn_when_the_bill_changes(s):
    cache = s_cache_dir(s)
    b = signed_in(s)
    st, h, first = get_bytes(b, "/mes-factures/FA2026-000001.pdf")
    assert st == 200 and h["x-robinet-cache"] == "miss", h
    files = [f for f in os.listdir(cache) if f.endswith(".pdf")]
    assert len(files) == 1 and files[0].startswith("FA2026-000001-"), files
    path = os.path.join(cache, files[0])
    before = os.stat(path)
    st, h, second = get_bytes(b, "/mes-factures/FA2026-000001.pdf")
    assert st == 200 and h["x-robinet-cache"] == "hit", h
    assert second == first
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "file redrawn"
    assert not [f for f in os.listdir(cache) if f.startswith(".")], "temporary file left"
    # The bill is paid: its data changed, so the PDF is drawn again.
    con = dbx.connect(s.db)
    con.execute("UPDATE invoices SET status = 'paid' WHERE number = 'FA2026-000001'")
    con.commit()
    con.close()
    # Written by another process: on PostgreSQL the bill's data kept in
    # memory gives way once the write's notice is in (milliseconds).
    deadline = time.monotonic() + 1.0
    while True:
        st, h, third = get_bytes(b, "/mes-factures/FA2026-000001.pdf")
        if h.get("x-robinet-cache") != "hit" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert st == 200 and h["x-robinet-cache"] == "miss", h
    assert "Payée" in pdftext(third)[0]
    assert len([f for f in os.listdir(cache) if f.endswith(".pdf")]) == 2


def s_cache_dir(s):
    return bill_pdf_is_cached_and_redrawn_when_the_bill_changes.env["ROBINET_PDF_CACHE_DIR"]


@test(env=pdf_env())
def archived_bill_pdf_shows_the_old_contract_number(s):
    b = signed_in(s)
    st, h, data = get_bytes(b, "/mes-factures/E230000050.pdf")
    assert st == 200, st
    text, _, _ = pdftext(data)
    assert "1234560A" in text and "Archive — ancien contrat n° 1234560A" in text, text[:1200]
    assert "Contrat n° 1234560A" in text
    for hd in HEADINGS:
        assert hd in text
    # A foreign bill's PDF is never drawn.
    st, _, _ = get_bytes(b, "/mes-factures/%s.pdf" % FOREIGN)
    assert st == 404
    cache = archived_bill_pdf_shows_the_old_contract_number.env["ROBINET_PDF_CACHE_DIR"]
    assert not [f for f in os.listdir(cache) if f.startswith(FOREIGN)]


@test(env=pdf_env())
def abnormal_consumption_alert_shows_on_the_bill_and_its_pdf(s):
    con = dbx.connect(s.db)
    inv, contract, start, end, litres = con.execute(
        "SELECT id, contract_id, period_start, period_end, volume_litres FROM invoices"
        " WHERE number = 'FA2026-000001'").fetchone()
    con.execute("INSERT INTO consumption_alerts (contract_id, period_start, period_end, invoice_id,"
                " litres, average_litres, detected_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (contract, start, end, inv, litres, litres // 3))
    con.commit()
    con.close()
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/FA2026-000001")
    assert st == 200 and "Consommation anormalement élevée" in plain(page), page[:2000]
    st, _, page = b.get("/mes-factures/FA2025-000059")
    assert st == 200 and "anormalement" not in page
    st, _, data = get_bytes(b, "/mes-factures/FA2026-000001.pdf")
    assert st == 200 and "Consommation anormalement élevée" in pdftext(data)[0]


CARD_ENV = {"ROBINET_PSP_SHOP_ID": "87654321", "ROBINET_PSP_TEST_KEY": "cle-de-test+des/tests=http",
            "ROBINET_PSP_PAGE_URL": "http://127.0.0.1:9/vads-payment/"}


@test(env=CARD_ENV)
def bill_page_kept_as_html_writes_each_sessions_own_csrf_token(s):
    """The bill page's content is kept as HTML with the bill's data
    (app/pagefrag.h; on PostgreSQL, where the data is kept): the payment
    form's CSRF token is the one of the session asking, never the one of
    the session whose request made the HTML, and the form it posts is
    taken."""
    from test_pay import demo_bills
    number = demo_bills(s)[0][0]
    a, b = signed_in(s), signed_in(s)
    pages = {}
    for who, br in (("a", a), ("b", b), ("a", a), ("b", b)):
        st, _, page = br.get("/mes-factures/" + number)
        assert st == 200, st
        assert 'action="/paiement"' in page, "no payment form"
        tokens = set(re.findall(r'name="csrf" value="([^"]*)"', page))
        # The layout's sign-out form and the payment form: one token,
        # the session's.
        assert len(tokens) == 1, tokens
        pages.setdefault(who, []).append((tokens.pop(), page))
    (ta, pa), (ta2, pa2) = pages["a"]
    (tb, pb), (tb2, pb2) = pages["b"]
    assert ta == ta2 and tb == tb2 and ta != tb
    strip = lambda p: re.sub(r'name="csrf" value="[^"]*"', "", p)
    assert strip(pa) == strip(pb) == strip(pa2) == strip(pb2)
    # The token of b's page is b's: its payment form is accepted.
    st, _, form = b.post("/paiement", {"facture": number})
    assert st == 200 and "vads_" in form, (st, form[:300])
