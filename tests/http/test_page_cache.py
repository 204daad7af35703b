"""HTTP tests of the subscriber's pages' data kept in memory on PostgreSQL
(app/pagecache.h, docs/architecture.md "Page data kept in memory"): the
dashboard served again from memory (the metrics count it), never to
another subscriber; the subscriber's own write through this server shown
at the very next request; a write by another process (psql, a tool)
shown within 1 s; a one-time notice, markup in the query string and a
HEAD request never leak into what is kept. On SQLite the cache is off and
the same answers hold."""
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
    what a test counts next is its own doing."""
    if not metric(s, "robinet_data_cache_on"):
        return
    deadline = time.monotonic() + 2.0
    while True:
        b.get("/mon-espace")
        hits = metric(s, "robinet_data_cache_hits_total")
        b.get("/mon-espace")
        if metric(s, "robinet_data_cache_hits_total") == hits + 1:
            return
        assert time.monotonic() < deadline, "the sign-in's notices never settled"


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
def pagecache_dashboard_is_served_from_memory_on_postgresql_only(s):
    b = demo(s)
    assert metric(s, "robinet_data_cache_on") == (1 if dbx.CLUSTER else 0)
    st, _, first = b.get("/mon-espace")
    assert st == 200
    hits = metric(s, "robinet_data_cache_hits_total")
    st, _, again = b.get("/mon-espace")
    assert st == 200
    # The page is rendered for each request (its form's CSRF token is the
    # session's): only the data is kept.
    assert metric(s, "robinet_data_cache_hits_total") == hits + (1 if dbx.CLUSTER else 0)
    strip = lambda p: re.sub(r'name="csrf" value="[^"]*"', "", p)
    assert strip(first) == strip(again)


@test
def pagecache_bills_list_is_served_from_memory_and_follows_writes(s):
    b = demo(s)
    st, _, first = b.get("/mes-factures")
    assert st == 200
    hits = metric(s, "robinet_data_cache_hits_total")
    st, _, again = b.get("/mes-factures?annee=%s" % re.search(r'<option value="(\d{4})"', first).group(1))
    assert st == 200
    assert metric(s, "robinet_data_cache_hits_total") == hits + (1 if dbx.CLUSTER else 0)
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
    assert re.search(r"^robinet_session_cache_on %d$" % (1 if dbx.CLUSTER else 0), text, re.M)


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
    st, _, page = a.get("/mes-factures/" + first)
    assert st == 200 and first in page
    hits = metric(s, "robinet_data_cache_hits_total")
    st, _, again = a.get("/mes-factures/" + first)
    assert st == 200
    assert metric(s, "robinet_data_cache_hits_total") == hits + (1 if dbx.CLUSTER else 0)
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
    psql(s, "UPDATE invoice_lines SET label = '<b>Ligne</b> corrigée' WHERE id = (SELECT MIN(l.id) "
            "FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.number = ?)", first)
    page = within_a_second(a, "/mes-factures/" + first, lambda p: "&lt;b&gt;Ligne" in p)
    assert "<b>Ligne</b>" not in page


@test
def pagecache_gdpr_page_is_kept_and_follows_writes(s):
    a = demo(s)
    st, _, page = a.get("/mes-donnees")
    assert st == 200
    hits = metric(s, "robinet_data_cache_hits_total")
    st, _, again = a.get("/mes-donnees")
    assert st == 200 and again == page
    assert metric(s, "robinet_data_cache_hits_total") == hits + (1 if dbx.CLUSTER else 0)
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
    st, _, page = a.get("/mes-courriers-braille")
    assert st == 200
    hits = metric(s, "robinet_data_cache_hits_total")
    st, _, again = a.get("/mes-courriers-braille")
    assert st == 200 and again == page
    assert metric(s, "robinet_data_cache_hits_total") == hits + (1 if dbx.CLUSTER else 0)
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
