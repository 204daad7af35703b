"""HTTP tests of the subscriber's pages' data kept in memory
(app/pagecache.h, docs/architecture.md "Page data kept in memory"): the
dashboard served again from memory (the metrics count it), never to
another subscriber; the subscriber's own write through this server shown
at the very next request; a write by another process (psql, a tool)
shown within 1 s; a one-time notice, markup in the query string and a
HEAD request never leak into what is kept. On both engines (SQLite's
notices: rows of rb_notices its listener reads every 5 ms)."""
import re
import time

import dbx
from harness import test, db_rows
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

SWITCH = "/mon-espace/facture-electronique"


def metric(s, name):
    text = s.request("GET", "/metrics")[2].decode()
    m = re.search(r"^%s (\d+)$" % name, text, re.M)
    assert m, re.findall(r"^robinet_data_cache.*$", text, re.M)
    return int(m.group(1))


def demo(s):
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    settle(s, b)
    return b


def settle(s, b):
    """The sign-in writes a session and a line of the security log, whose
    notices (migration 0030) evict the account's pages a few milliseconds
    later: waits until a page read twice is served from memory, so that
    what a test counts next is its own doing. First the server hears a
    mark sent after them (dbx.heard()): it has applied them all."""
    if not metric(s, "robinet_data_cache_on"):
        return
    dbx.heard(s.db)
    deadline = time.monotonic() + 2.0
    while True:
        b.get("/mon-espace")
        hits = metric(s, "robinet_data_cache_hits_total")
        b.get("/mon-espace")
        if metric(s, "robinet_data_cache_hits_total") == hits + 1:
            return
        assert time.monotonic() < deadline, "the sign-in's notices never settled"


def kept(s, b, path, hits_wanted=1):
    """Reads path until a read is served from memory (the metrics count
    hits_wanted or more hits for it), at most 2 s: a notice of an earlier
    test's write may still come and evict once (the listener hears it
    milliseconds later, more on a loaded machine). Returns the pages of
    the read before and of that one."""
    dbx.heard(s.db)     # what was committed before is applied first
    deadline = time.monotonic() + 2.0
    while True:
        st, _, first = b.get(path)
        assert st == 200, (path, st)
        hits = metric(s, "robinet_data_cache_hits_total")
        st, _, again = b.get(path)
        assert st == 200, (path, st)
        if metric(s, "robinet_data_cache_hits_total") - hits >= hits_wanted:
            return first, again
        assert time.monotonic() < deadline, (path, "never served from memory")


def other_subscriber(s):
    """Signs in another account holding contracts, given the demo's password."""
    acc = db_rows(s, "SELECT MIN(account_id) FROM account_contracts WHERE account_id <> "
                     "(SELECT id FROM web_accounts WHERE email_norm = ?)", DEMO_EMAIL)[0][0]
    con = dbx.connect(s.db)
    con.execute("UPDATE web_accounts SET status = 'active', password_hash = (SELECT password_hash "
                "FROM web_accounts WHERE email_norm = ?) WHERE id = ?", (DEMO_EMAIL, acc))
    con.commit()
    con.close()
    email = db_rows(s, "SELECT email FROM web_accounts WHERE id = ?", acc)[0][0]
    b = Browser(s)
    assert b.signin(email, DEMO_PASSWORD)[0] == 303
    numbers = [r[0] for r in db_rows(s, "SELECT c.number FROM contracts c JOIN account_contracts ac "
                                        "ON ac.contract_id = c.id WHERE ac.account_id = ?", acc)]
    return b, numbers


def demo_numbers(s):
    return [r[0] for r in db_rows(s, "SELECT c.number FROM contracts c JOIN account_contracts ac "
                                     "ON ac.contract_id = c.id JOIN web_accounts a ON a.id = ac.account_id "
                                     "WHERE a.email_norm = ? ORDER BY c.number", DEMO_EMAIL)]


@test
def pagecache_dashboard_is_served_from_memory_on_both_engines(s):
    b = demo(s)
    assert metric(s, "robinet_data_cache_on") == 1
    # The page is rendered for each request (its form's CSRF token is the
    # session's): only the data is kept.
    first, again = kept(s, b, "/mon-espace")
    strip = lambda p: re.sub(r'name="csrf" value="[^"]*"', "", p)
    assert strip(first) == strip(again)


@test
def pagecache_bills_list_is_served_from_memory_and_follows_writes(s):
    b = demo(s)
    # Another view of the same list (a year): served from the same data.
    # Read again when something evicted the list in between (as kept()
    # allows: on the shared server, an earlier test's card payment hold
    # that ends, a late notice), at most 2 s.
    deadline = time.monotonic() + 2.0
    while True:
        first, _ = kept(s, b, "/mes-factures")
        hits = metric(s, "robinet_data_cache_hits_total")
        st, _, again = b.get("/mes-factures?annee=%s" % re.search(r'<option value="(\d{4})"', first).group(1))
        assert st == 200
        if metric(s, "robinet_data_cache_hits_total") == hits + 1:
            break
        assert time.monotonic() < deadline, "a year of the kept list is never served from memory"
    # A bill renumbered by hand (psql): shown within 1 s.
    number = re.search(r'href="/mes-factures/([A-Z0-9-]+)"', first).group(1)
    con = dbx.connect(s.db)
    con.execute("UPDATE invoices SET number = ? WHERE number = ?", ("FA-CACHE-" + number[-6:], number))
    con.commit()
    con.close()
    deadline = time.monotonic() + 1.0
    while "FA-CACHE-" + number[-6:] not in b.get("/mes-factures")[2]:
        assert time.monotonic() < deadline, "the change is not shown after 1 s"
        time.sleep(0.05)


@test(env={"ROBINET_DATA_CACHE": "false"})
def pagecache_data_cache_can_be_turned_off(s):
    b = demo(s)
    b.get("/mon-espace")
    b.get("/mon-espace")
    assert metric(s, "robinet_data_cache_on") == 0
    assert metric(s, "robinet_data_cache_hits_total") == 0
    # The session cache keeps its own setting.
    text = s.request("GET", "/metrics")[2].decode()
    assert re.search(r"^robinet_session_cache_on %d$" % 1, text, re.M)


@test
def pagecache_another_subscriber_never_gets_a_kept_dashboard(s):
    a = demo(s)
    mine = demo_numbers(s)
    _, _, page_a = a.get("/mon-espace")
    _, _, page_a = a.get("/mon-espace")       # kept now on PostgreSQL
    b, theirs = other_subscriber(s)
    assert theirs and not set(theirs) & set(mine)
    for _ in range(2):
        st, _, page_b = b.get("/mon-espace")
        assert st == 200
        for n in mine:
            assert "contrat-%s" % n not in page_b, n
        for n in theirs:
            assert "contrat-%s" % n in page_b, n
    _, _, page_a = a.get("/mon-espace")
    for n in theirs:
        assert "contrat-%s" % n not in page_a, n


@test
def pagecache_own_write_is_shown_at_the_next_request(s):
    b = demo(s)
    number = demo_numbers(s)[0]
    # Without the writer's own eviction the listener's notice may win the
    # race to the next request: ten rounds make a miss all but certain.
    for _ in range(10):
        st, _, page = b.get("/mon-espace")
        assert st == 200
        was = db_rows(s, "SELECT paperless FROM contracts WHERE number = ?", number)[0][0]
        st, h, _ = b.post(SWITCH, {"contrat": number, "etat": "non" if was else "oui"})
        assert st == 303, st
        # The very next request, through the same server: no wait.
        st, _, page = b.get("/mon-espace")
        now = db_rows(s, "SELECT paperless FROM contracts WHERE number = ?", number)[0][0]
        assert now == (0 if was else 1)
        sec = re.search(r'aria-labelledby="contrat-%s">(.*?)</section>' % number, page, re.S).group(1)
        assert ("<dd>Activée : chaque nouvelle facture" in sec) == bool(now), sec
        assert ("<dd>Désactivée : vos factures" in sec) == (not now), sec


@test
def pagecache_write_by_another_process_is_shown_within_a_second(s):
    b = demo(s)
    number = demo_numbers(s)[0]
    b.get("/mon-espace")
    b.get("/mon-espace")
    con = dbx.connect(s.db)
    con.execute("UPDATE contracts SET service_address = 'Allée du Cache 12' WHERE number = ?", (number,))
    con.commit()
    con.close()
    deadline = time.monotonic() + 1.0
    while True:
        page = b.get("/mon-espace")[2]
        if "Allée du Cache 12" in page:
            break
        assert time.monotonic() < deadline, "the change is not shown after 1 s"
        time.sleep(0.05)


@test
def pagecache_one_time_notice_markup_and_head_are_not_kept(s):
    b = demo(s)
    st, _, page = b.get("/mon-espace?fait=facture-electronique-activee")
    assert st == 200 and "La facture électronique est activée" in page
    st, _, page = b.get("/mon-espace")
    assert st == 200 and "La facture électronique est activée" not in page
    st, _, page = b.get("/mon-espace?fait=%3Cscript%3Ealert(1)%3C/script%3E&x=%22%3E%3Cb%3E")
    assert st == 200 and "<script>alert" not in page and '"><b>' not in page
    st, h, body = b.request("HEAD", "/mon-espace")
    assert st == 200 and body == "" and h["Cache-Control"] == "no-store"
    st, _, page = b.get("/mon-espace")
    assert st == 200 and "contrat-%s" % demo_numbers(s)[0] in page
    assert "<script>alert" not in page


# --- the bill's page, /mes-donnees, /mes-courriers-braille (h-datacache3) ---

def demo_bills(s, email=DEMO_EMAIL):
    return [r[0] for r in db_rows(s, "SELECT i.number FROM invoices i JOIN account_contracts ac "
                                     "ON ac.contract_id = i.contract_id JOIN web_accounts a "
                                     "ON a.id = ac.account_id WHERE a.email_norm = ? AND i.archived = 0 "
                                     "AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id) "
                                     "ORDER BY i.number", email)]


def psql(s, sql, *params):
    con = dbx.connect(s.db)
    con.execute(sql, params)
    con.commit()
    con.close()


# --- The other pages kept (app/pagecache.h): /ma-consommation and its
# CSV, /mon-index, /mes-coordonnees, /mes-moyens-de-paiement,
# /mes-demandes. ---

MORE = ["/mon-index", "/mes-coordonnees", "/ma-consommation", "/ma-consommation.csv",
        "/mes-moyens-de-paiement", "/mes-demandes"]


def strip(page):
    """The page without what is rendered for each request (the CSRF token)."""
    return re.sub(r'name="csrf" value="[^"]*"', "", page)


def within_a_second(b, path, pred):
    deadline = time.monotonic() + 1.0
    while True:
        st, _, page = b.get(path)
        assert st == 200, st
        if pred(page):
            return page
        assert time.monotonic() < deadline, "the change is not shown after 1 s"
        time.sleep(0.05)


def count_of(page, label):
    m = re.search(r"<h3>%s</h3>.*?Éléments conservés :</span> (\d+)</li>" % re.escape(label), page, re.S)
    assert m, label
    return int(m.group(1))


@test
def pagecache_bill_page_is_kept_per_bill_never_for_another_subscriber(s):
    a = demo(s)
    bills = demo_bills(s)
    assert len(bills) >= 2
    first, second = bills[0], bills[-1]
    page, again = kept(s, a, "/mes-factures/" + first)
    assert first in page
    strip = lambda p: re.sub(r'name="csrf" value="[^"]*"', "", p)
    assert strip(page) == strip(again)
    # Another bill of the same account: its own page.
    st, _, other = a.get("/mes-factures/" + second)
    assert st == 200 and second in other
    assert "facture-%s.pdf" % first not in other
    # Another subscriber: the kept bill is not theirs (404), theirs is shown.
    b, _ = other_subscriber(s)
    for _ in range(2):
        assert b.get("/mes-factures/" + first)[0] == 404
        assert b.get("/mes-factures/" + first + "-braille.txt")[0] == 404
    theirs = demo_bills(s, db_rows(s, "SELECT a.email_norm FROM web_accounts a WHERE a.id = "
                                      "(SELECT MIN(account_id) FROM account_contracts WHERE account_id <> "
                                      "(SELECT id FROM web_accounts WHERE email_norm = ?))", DEMO_EMAIL)[0][0])
    st, _, page_b = b.get("/mes-factures/" + theirs[0])
    assert st == 200 and first not in page_b
    assert a.get("/mes-factures/" + theirs[0])[0] == 404
    # A line corrected at psql: shown within 1 s, its markup escaped.
    psql(s, "UPDATE invoice_lines SET label = '<b>Ligne</b> corrigée' WHERE invoice_id = "
            "(SELECT id FROM invoices WHERE number = ?) AND position = (SELECT MIN(l.position) "
            "FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.number = ?)", first, first)
    page = within_a_second(a, "/mes-factures/" + first, lambda p: "&lt;b&gt;Ligne" in p)
    assert "<b>Ligne</b>" not in page


@test
def pagecache_gdpr_page_is_kept_and_follows_writes(s):
    a = demo(s)
    page, again = kept(s, a, "/mes-donnees")
    assert again == page
    journal = count_of(page, "Journal de sécurité")
    # Own write: the download records itself in the security log; the very
    # next page counts it, through the same server, no wait (ten rounds:
    # without the writer's own eviction the notice would win some).
    for i in range(10):
        assert a.get("/mes-donnees.json")[0] == 200
        st, _, page = a.get("/mes-donnees")
        assert count_of(page, "Journal de sécurité") == journal + 1 + i
    # Another subscriber never gets the demo's page.
    b, _ = other_subscriber(s)
    b.get("/mes-donnees")
    # An agent's view of the demo's file, written at psql, with markup in
    # its reason: on the demo's page within 1 s, escaped; not on the
    # other's.
    psql(s, "INSERT INTO audit_log (at, actor_kind, actor_id, action, target, detail) "
            "SELECT 1795900000, 'agent', 1, 'customer.view', 'customer:' || c.customer_id, "
            "'{\"why\": \"<i>Motif</i> du cache\"}' FROM contracts c WHERE c.number = ?",
         demo_numbers(s)[0])
    page = within_a_second(a, "/mes-donnees", lambda p: "&lt;i&gt;Motif" in p)
    assert "<i>Motif</i>" not in page
    st, _, page_b = b.get("/mes-donnees")
    assert st == 200 and "Motif" not in page_b


@test
def pagecache_braille_letters_are_kept_and_follow_writes(s):
    a = demo(s)
    page, again = kept(s, a, "/mes-courriers-braille")
    assert again == page
    # Own write: the choice in "Mon compte", shown at the very next request.
    for choice, label in (("abrege", "Braille abrégé"), ("integral", "Braille intégral")) * 5:
        _, _, acc = a.get("/mon-compte")
        csrf = re.search(r'name="csrf" value="([^"]+)"', acc).group(1)
        st, _, _ = a.post("/mon-compte/braille", {"braille": choice, "csrf": csrf})
        assert st == 303, st
        st, _, page = a.get("/mes-courriers-braille")
        assert "Votre choix : %s" % label in page, page
    # A letter kept by a batch (psql here), with markup in its title:
    # within 1 s, escaped; never on another subscriber's page.
    psql(s, "INSERT INTO braille_letters (account_id, kind, title, body, created_at) "
            "SELECT id, 'test', '<script>x</script> Courrier du cache', 'Texte', 1795900000 "
            "FROM web_accounts WHERE email_norm = ?", DEMO_EMAIL)
    page = within_a_second(a, "/mes-courriers-braille", lambda p: "Courrier du cache" in p)
    assert "<script>x</script>" not in page
    b, _ = other_subscriber(s)
    for _ in range(2):
        st, _, page_b = b.get("/mes-courriers-braille")
        assert st == 200 and "Courrier du cache" not in page_b


def shown_within_a_second(b, path, check):
    """Reads path until check(page) holds, at most 1 s."""
    deadline = time.monotonic() + 1.0
    while True:
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        if check(page):
            return page
        assert time.monotonic() < deadline, "%s: the change is not shown after 1 s" % path
        time.sleep(0.05)


@test
def pagecache_more_pages_are_served_from_memory_on_both_engines(s):
    b = demo(s)
    for path in MORE:
        first, again = kept(s, b, path)
        assert strip(first) == strip(again), path


@test(own=True)
def pagecache_more_pages_another_subscriber_never_gets_a_kept_page(s):
    a = demo(s)
    mine = demo_numbers(s)
    psql(s, "INSERT INTO contact_requests (account_id, name, email, email_norm, subject, message, "
            "created_at, updated_at, status, reference) SELECT id, 'Démo', email, email_norm, 'other', "
            "'Bonjour', 1795946000, 1795946000, 'new', 'DEMO-ONLY-1' FROM web_accounts WHERE email_norm = ?",
         DEMO_EMAIL)
    for path in MORE:
        a.get(path)
        st, _, page = a.get(path)                 # kept now on PostgreSQL
        assert st == 200, path
    assert "DEMO-ONLY-1" in a.get("/mes-demandes")[2]
    b, theirs = other_subscriber(s)
    assert theirs and not set(theirs) & set(mine)
    for path in MORE:
        for _ in range(2):
            st, _, page = b.get(path)
            assert st == 200, (path, st)
            for n in mine:
                assert n not in page, (path, n)
            assert "DEMO-ONLY-1" not in page, path
            if path not in ("/mes-demandes", "/ma-consommation.csv"):
                assert any(n in page for n in theirs), path


@test(own=True)
def pagecache_more_pages_own_write_is_shown_at_the_next_request(s):
    b = demo(s)
    # /mes-coordonnees: the holder's address, with markup, escaped.
    form = {"contrat": "1000000001", "ligne1": "3 place du Théâtre", "ligne2": "", "code_postal": "59800",
            "commune": "Lille", "mobile": "06 12 34 56 78", "fixe": "+33 (0)3 20 12 34 56"}
    for k in range(3):
        b.get("/mes-coordonnees")
        b.get("/mes-coordonnees")
        st, _, _ = b.post("/mes-coordonnees", dict(form, ligne2="Bât. <b>B%d</b>" % k))
        assert st == 303, st
        page = b.get("/mes-coordonnees")[2]
        assert "Bât. &lt;b&gt;B%d&lt;/b&gt;" % k in page and "<b>B%d" % k not in page
    # /mon-index: the index sent is the last one shown.
    mid = db_rows(s, "SELECT m.id FROM meters m JOIN contracts c ON c.id = m.contract_id WHERE c.number = "
                     "'1000000002' AND m.removed_on IS NULL AND m.remote_read = 0")[0][0]
    b.get("/mon-index")
    before = strip(b.get("/mon-index")[2])
    last = db_rows(s, "SELECT MAX(index_litres) FROM meter_readings WHERE meter_id = ?", mid)[0][0]
    st, _, _ = b.post("/mon-index", {"compteur": str(mid), "index": str(last // 1000 + 1),
                                     "confirmation": "oui"})
    assert st in (200, 303), st
    assert db_rows(s, "SELECT MAX(index_litres) FROM meter_readings WHERE meter_id = ?", mid)[0][0] > last
    assert strip(b.get("/mon-index")[2]) != before
    # /ma-consommation: the leak alert's setting.
    path = "/ma-consommation?contrat=1000000001&vue=jours"
    for etat, seuil in (("non", "2"), ("oui", "7"), ("oui", "3")):
        b.get(path)
        b.get(path)
        st, _, _ = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": etat, "seuil": seuil})
        assert st == 303, st
        page = b.get(path)[2]
        assert re.search(r'<option value="%s"[^>]*selected' % seuil, page) or \
            re.search(r'value="%s"[^>]*checked' % seuil, page), (etat, seuil)


@test(own=True)
def pagecache_more_pages_write_by_another_process_is_shown_within_a_second(s):
    b = demo(s)
    acc = db_rows(s, "SELECT id FROM web_accounts WHERE email_norm = ?", DEMO_EMAIL)[0][0]
    # /ma-consommation and its CSV: a bill's volume.
    for path in ("/ma-consommation?contrat=1000000002", "/ma-consommation.csv?contrat=1000000002"):
        b.get(path)
        before = strip(b.get(path)[2])
        psql(s, "UPDATE invoices SET volume_litres = volume_litres + 7000 WHERE id = (SELECT MAX(i.id) "
                "FROM invoices i JOIN contracts c ON c.id = i.contract_id WHERE c.number = '1000000002')")
        shown_within_a_second(b, path, lambda p: strip(p) != before)
    # /mon-index: a meter's serial, with markup.
    b.get("/mon-index")
    b.get("/mon-index")
    psql(s, "UPDATE meters SET serial = '<i>M-CACHE</i>' WHERE id = (SELECT MIN(m.id) FROM meters m "
            "JOIN account_contracts ac ON ac.contract_id = m.contract_id WHERE ac.account_id = ? "
            "AND m.removed_on IS NULL)", acc)
    page = shown_within_a_second(b, "/mon-index", lambda p: "M-CACHE" in p)
    assert "&lt;i&gt;M-CACHE&lt;/i&gt;" in page and "<i>M-CACHE" not in page
    # /mes-coordonnees: the holder (customers), then its history.
    b.get("/mes-coordonnees")
    b.get("/mes-coordonnees")
    psql(s, "UPDATE customers SET address_line2 = '<b>CacheX9</b> & co' WHERE id = (SELECT customer_id "
            "FROM contracts WHERE number = '1000000001')")
    page = shown_within_a_second(b, "/mes-coordonnees", lambda p: "CacheX9" in p)
    assert "&lt;b&gt;CacheX9&lt;/b&gt; &amp; co" in page and "<b>CacheX9" not in page
    before = strip(page)
    psql(s, "INSERT INTO customer_contact_history (customer_id, changed_at, actor_kind, actor_id, field, "
            "old_value, new_value) SELECT customer_id, 1795946000, 'agent', NULL, 'address', "
            "'<s>old</s>', '<s>new</s>' FROM contracts WHERE number = '1000000001'")
    page = shown_within_a_second(b, "/mes-coordonnees", lambda p: strip(p) != before)
    assert "<s>new</s>" not in page and "<s>old</s>" not in page
    # /mes-moyens-de-paiement: a mandate's holder, with markup, then a
    # monthly plan (sepa_plans).
    number = db_rows(s, "SELECT c.number FROM contracts c JOIN sepa_mandates m ON m.contract_id = c.id "
                        "JOIN account_contracts ac ON ac.contract_id = c.id WHERE ac.account_id = ? "
                        "AND m.status = 'active' ORDER BY c.number LIMIT 1", acc)
    if not number:
        cid = db_rows(s, "SELECT MIN(contract_id) FROM account_contracts WHERE account_id = ?", acc)[0][0]
        psql(s, "INSERT INTO sepa_mandates (contract_id, rum, holder, iban_enc, iban_last4, bic, signed_on, "
                "status) VALUES (?, 'RUM-CACHE', 'X', 'x', '0000', 'BNPAFRPP', '2026-01-05', 'active')", cid)
        number = db_rows(s, "SELECT number FROM contracts WHERE id = ?", cid)
    path = "/mes-moyens-de-paiement?contrat=%s" % number[0][0]
    b.get(path)
    b.get(path)
    psql(s, "UPDATE sepa_mandates SET holder = '<b>Titulaire</b>' WHERE status = 'active' AND contract_id = "
            "(SELECT id FROM contracts WHERE number = ?)", number[0][0])
    page = shown_within_a_second(b, path, lambda p: "Titulaire&lt;" in p or "Titulaire<" in p)
    assert "&lt;b&gt;Titulaire&lt;/b&gt;" in page and "<b>Titulaire" not in page
    before = strip(page)
    psql(s, "DELETE FROM sepa_plans WHERE contract_id = (SELECT id FROM contracts WHERE number = ?)",
         number[0][0])
    psql(s, "INSERT INTO sepa_plans (contract_id, mandate_id, plan_year, day_of_month, basis_cents, "
            "instalment_cents, status, created_on, first_on, last_on, created_at) SELECT m.contract_id, m.id, "
            "2026, 15, 123400, 12340, 'active', '2026-01-01', '2026-02-15', '2026-11-15', 1 FROM sepa_mandates m "
            "WHERE m.status = 'active' AND m.contract_id = (SELECT id FROM contracts WHERE number = ?)",
         number[0][0])
    shown_within_a_second(b, path, lambda p: strip(p) != before)
    # /mes-demandes: a request sent signed out from the account's address,
    # then one the agent desk changed; markup in its reference escaped.
    b.get("/mes-demandes")
    b.get("/mes-demandes")
    psql(s, "INSERT INTO contact_requests (account_id, name, email, email_norm, subject, message, created_at, "
            "updated_at, status, reference) SELECT NULL, 'Démo', email, email_norm, 'other', 'Bonjour', "
            "1795946000, 1795946000, 'new', '<b>REF-CACHE</b>' FROM web_accounts WHERE id = ?", acc)
    page = shown_within_a_second(b, "/mes-demandes", lambda p: "REF-CACHE" in p)
    assert "&lt;b&gt;REF-CACHE&lt;/b&gt;" in page and "<b>REF-CACHE" not in page
    before = strip(page)
    psql(s, "UPDATE contact_requests SET status = 'closed' WHERE reference = '<b>REF-CACHE</b>'")
    shown_within_a_second(b, "/mes-demandes", lambda p: strip(p) != before)


@test(own=True)
def pagecache_more_pages_one_time_notice_is_not_kept(s):
    b = demo(s)
    st, _, page = b.get("/mes-coordonnees?contrat=1000000001&fait=1")
    assert st == 200
    notice = strip(page)
    st, _, page = b.get("/mes-coordonnees?contrat=1000000001")
    assert st == 200 and strip(page) != notice
    st, _, again = b.get("/mes-coordonnees?contrat=1000000001&fait=1")
    assert strip(again) == notice


@test(env={"ROBINET_CONTACT_MIN_FILL": "0", "ROBINET_RL_CONTACT_PER_IP": "100",
           "ROBINET_RL_CONTACT_PER_EMAIL": "100"})
def pagecache_request_sent_signed_in_is_in_mes_demandes_at_once(s):
    from test_contact import CBrowser, form_token, sent_reference
    a = CBrowser(s)
    assert a.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    for k in range(10):
        a.get("/mes-demandes")
        a.get("/mes-demandes")                   # kept now on PostgreSQL
        page = a.get("/contact")[2]
        f = {"jeton": form_token(page), "nom": "Démo", "contrat": "", "objet": "other",
             "message": "Bonjour <b>%d</b>, une question." % k, "site_web": ""}
        ref = sent_reference(*a.post_mp("/contact", f)[:2])
        # The very next request, through the same server: no wait.
        assert ref in a.get("/mes-demandes")[2], (k, ref)


def session_ids(page):
    return re.findall(r'name="session" value="(\d+)"', page)


@test(own=True)
def pagecache_account_page_follows_sessions_signed_in_and_out(s):
    b = demo(s)
    page, again = kept(s, b, "/mon-compte")
    assert "Cette session" in page
    assert strip(again) == strip(page)
    mine = len(session_ids(page))
    # A sign-in on another device (another server, for all this one
    # knows): shown within 1 s, by the notice of the session's insert.
    other = demo(s)
    page = shown_within_a_second(b, "/mon-compte", lambda p: len(session_ids(p)) == mine + 1)
    # Its own write: the other session ended, not shown at the next request.
    ended = [i for i in session_ids(page) if i not in session_ids(again)]
    assert len(ended) == 1
    st, _, _ = b.post("/mon-compte/sessions", {"session": ended[0]})
    assert st == 303, st
    assert ended[0] not in session_ids(b.get("/mon-compte")[2])
    assert other.get("/mon-espace")[0] == 303
    # A user agent with markup (psql), escaped.
    psql(s, "UPDATE sessions SET user_agent = '<b>Agent</b>' WHERE account_id = (SELECT id FROM web_accounts "
            "WHERE email_norm = ?)", DEMO_EMAIL)
    # An update of sessions sends no notice (the touch): shown once what
    # was kept stands no more (RB_SESSION_TOUCH_S, 30 s), on both engines.
    # A new sign-in (its session's insert) evicts the page: shown then,
    # escaped.
    assert Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    page = within_a_second(b, "/mon-compte", lambda p: "Agent&lt;/b&gt;" in p)
    assert "&lt;b&gt;Agent&lt;/b&gt;" in page and "<b>Agent" not in page
