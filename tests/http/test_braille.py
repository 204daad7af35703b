"""HTTP tests of braille documents (issue 11, docs/braille.md): the choice
in "Mon compte" (CSRF, audit), the two braille versions of a bill
(Unicode braille and the TBFR2007/CP1252 embosser file), their geometry,
that they carry the bill's total exactly as liblouis translates it, that
another subscriber's bill is the same 404 as an unknown one, archived
bills (signed in and through an archive visit), markup in a name, the
letters kept for a braille subscriber, /braille, and `robinet braille
batch`.

Expected braille never comes from the code under test: it comes from
tests/unit/fixtures/braille_kat.txt (what the lou_translate program gave
when the tests were written) and tests/unit/fixtures/tbfr2007.txt (the
TBFR2007 bytes of the 64 cells, from liblouis's fr-bfu-comp8.utb). An
amount that is not in the fixture is composed from the fixture's own
digits, comma, number sign and euro sign, and the composition is first
checked against every amount of the fixture."""
import os
import re
import tempfile

import dbx
from harness import test, check_page, run_cli, db_rows
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_archive import open_archive

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "unit", "fixtures")
G1, G2 = "fr-bfu-comp6.utb", "fr-bfu-g2.ctb"
BILL = "FA2025-000001"            # the demo subscriber's, contract 1000000001
FOREIGN = "FA2024-000042"         # contract 1000000004, in nobody's space
CELLS, LINES = 32, 27             # the default settings


def kat():
    """{(table, input): expected Unicode braille} from the fixture."""
    out = {}
    with open(os.path.join(FIXTURES, "braille_kat.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            table, text, cells = line.rstrip("\n").split("\t")
            out[(table, text)] = cells
    return out


def tbfr():
    """{cell (0-63): CP1252 byte} from the fixture."""
    m = {}
    with open(os.path.join(FIXTURES, "tbfr2007.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            dots, _, byte = line.rstrip("\n").split("\t")
            m[int(dots)] = int(byte, 16)
    assert len(m) == 64 and len(set(m.values())) == 64
    return m


def amount_cells(amount, table=G1):
    """The cells of a French amount ("1 234,56 €"), composed from the
    fixture's digits (line "0123456789"), comma and euro sign: a number
    sign before each group of digits, a blank between groups."""
    k = kat()
    digits = k[(table, "0123456789")]
    sign, digits = digits[0], dict(zip("0123456789", digits[1:]))
    comma = k[(table, "12,50 €")][3]
    euro = k[(table, "€")]
    blank = "\u2800"
    words = []
    for w in amount.replace("\xa0", " ").replace("\u202f", " ").split(" "):
        if w == "€":
            words.append(euro)
        else:
            words.append(sign + "".join(comma if c == "," else digits[c] for c in w))
    return blank.join(words)


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def get_bytes(b, path):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", b.srv.port, timeout=60)
    c.request("GET", path, headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def pages_of(text, eol, cells=CELLS, lines=LINES):
    """Splits a braille document into pages of lines and checks its
    geometry: every page exactly `lines` lines, none over `cells`
    characters, one form feed between pages, the last line of page n
    ending with its number."""
    assert text.endswith(eol), "the document does not end with a line end"
    pages = text.split("\f")
    out = []
    for n, page in enumerate(pages, 1):
        rows = page.split(eol)
        assert rows[-1] == "", "page %d does not end with a line end" % n
        rows = rows[:-1]
        assert len(rows) == lines, "page %d has %d lines, not %d" % (n, len(rows), lines)
        for i, row in enumerate(rows):
            assert len(row) <= cells, "page %d line %d: %d cells" % (n, i + 1, len(row))
            assert "\r" not in row and "\n" not in row
        assert len(rows[-1]) == cells, "page %d: the number is not at the right end" % n
        out.append(rows)
    return out


def unicode_cells(text):
    """Checks a Unicode braille document holds only 6-dot cells, LF and FF."""
    bad = [c for c in text if c not in "\n\f" and not 0x2800 <= ord(c) <= 0x283F]
    assert not bad, "not 6-dot braille: %r" % bad[:5]
    return text


def embosser_to_unicode(data):
    """Decodes an embosser file (TBFR2007 in CP1252) with the fixture's
    table into Unicode braille (CR LF kept as LF), refusing any byte that
    is not one of the 64 cells, a space, CR LF or FF."""
    back = {b: c for c, b in tbfr().items()}
    out = []
    i = 0
    while i < len(data):
        x = data[i]
        if x == 0x0D:
            assert data[i + 1:i + 2] == b"\n", "CR without LF at %d" % i
            out.append("\n")
            i += 2
            continue
        assert x != 0x0A, "LF without CR at %d" % i
        if x == 0x0C:
            out.append("\f")
        else:
            assert x in back, "byte %02x is not TBFR2007" % x
            out.append(chr(0x2800 + back[x]))
        i += 1
    return "".join(out)


def bill_total(b, number):
    import html
    st, _, page = b.get("/mes-factures/" + number)
    assert st == 200, st
    m = re.search(r'<p class="amount">([^<]+)</p>', page)
    assert m, "no amount on the bill page"
    return html.unescape(m.group(1))


@test
def braille_composed_amounts_match_liblouis(s):
    """The composition used below gives what liblouis gave for every
    amount of the fixture, with both tables."""
    n = 0
    for (table, text), cells in kat().items():
        if re.fullmatch(r"[0-9 ]+,[0-9]+ €", text):
            assert amount_cells(text, table) == cells, (table, text)
            n += 1
    assert n >= 6, n


@test
def braille_bill_in_unicode_braille_carries_the_total(s):
    b = signed_in(s)
    total = bill_total(b, BILL)
    st, h, data = get_bytes(b, "/mes-factures/%s-braille.txt" % BILL)
    assert st == 200, st
    assert h["content-type"] == "text/plain; charset=utf-8"
    assert h["content-disposition"] == 'attachment; filename="facture-%s-braille.txt"' % BILL
    assert "no-store" in h["cache-control"]
    text = unicode_cells(data.decode("utf-8"))
    pages = pages_of(text, "\n")
    assert amount_cells(total) in text, (total, amount_cells(total))
    # Label then amount, on one line: "Montant total : <total>".
    k = kat()
    assert k[(G1, "Montant total")] + "\u2800\u2812\u2800" + amount_cells(total) in text
    # Contract and due-date label as liblouis translates them.
    assert k[(G1, "Contrat 1000000001")].split("\u2800")[1] in text
    assert k[(G1, "Date limite de paiement")] in text
    # Order designed for touch: number, indexes, total, due date, how to pay.
    flat = "".join("".join(p) for p in pages)
    pos = [flat.find(k[(G1, "Contrat 1000000001")].split("\u2800")[1]),
           flat.find(k[(G1, "Montant total")]),
           flat.find(k[(G1, "Date limite de paiement")])]
    assert -1 not in pos and pos == sorted(pos), pos


@test
def braille_bill_embosser_file_is_tbfr2007_in_pages(s):
    b = signed_in(s)
    total = bill_total(b, BILL)
    st, h, data = get_bytes(b, "/mes-factures/%s-embosseuse.txt" % BILL)
    assert st == 200, st
    assert h["content-type"] == "application/octet-stream"
    assert h["content-disposition"] == 'attachment; filename="facture-%s-embosseuse.txt"' % BILL
    assert b"\r\n" in data and b"\n\n" not in data
    text = embosser_to_unicode(data)
    pages = pages_of(text, "\n")
    assert len(pages) >= 2, "a bill fills more than one page of 27 lines"
    assert amount_cells(total) in text.replace(" ", "\u2800")
    # The same cells as the Unicode version, blank for blank.
    st, _, udata = get_bytes(b, "/mes-factures/%s-braille.txt" % BILL)
    assert text.replace(" ", "\u2800") == udata.decode("utf-8")
    # Page numbers: page 2 ends with "2" as liblouis writes it.
    two = kat()[(G1, "0123456789")][0] + kat()[(G1, "0123456789")][3]
    assert pages[1][-1].replace(" ", "\u2800").endswith(two)


@test
def braille_bill_of_someone_else_is_the_same_404(s):
    b = signed_in(s)
    answers = set()
    for path in ("/mes-factures/%s-braille.txt" % FOREIGN, "/mes-factures/%s-embosseuse.txt" % FOREIGN,
                 "/mes-factures/FA2099-999999-braille.txt", "/mes-factures/%3Cb%3E-braille.txt",
                 "/mes-factures/-braille.txt", "/mes-factures/%s-braille.pdf" % BILL):
        st, _, page = b.get(path)
        assert st == 404, (path, st)
        answers.add(re.sub(r'name="csrf" value="[^"]*"', "", page))
    assert len(answers) == 1
    # Signed out: sent to sign in, no braille.
    st, h, _ = s.request("GET", "/mes-factures/%s-braille.txt" % BILL)
    assert st == 303 and h["location"] == "/connexion"


@test
def braille_archived_bill_signed_in_and_by_archive_visit(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/E230000050")
    assert st == 200 and 'href="/mes-factures/E230000050-braille.txt"' in page
    st, _, data = get_bytes(b, "/mes-factures/E230000050-braille.txt")
    assert st == 200
    text = unicode_cells(data.decode("utf-8"))
    pages_of(text, "\n")
    assert amount_cells(bill_total(b, "E230000050")) in text
    # An archive visit sees its old contract's bills only.
    v, st, _, _ = open_archive(s)
    assert st == 303
    mine = [r[0] for r in db_rows(s, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                                     " WHERE c.old_number = '1234567A' AND i.archived = 1")]
    other = [r[0] for r in db_rows(s, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                                      " WHERE c.old_number <> '1234567A' AND i.archived = 1 LIMIT 1")]
    assert mine and other
    st, h, data = get_bytes(v, "/mes-factures/%s-embosseuse.txt" % mine[0])
    assert st == 200, st
    pages_of(embosser_to_unicode(data), "\n")
    assert get_bytes(v, "/mes-factures/%s-embosseuse.txt" % other[0])[0] == 404
    current = db_rows(s, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id"
                         " WHERE c.old_number = '1234567A' AND i.archived = 0 LIMIT 1")
    if current:
        assert get_bytes(v, "/mes-factures/%s-braille.txt" % current[0][0])[0] == 404


@test(own=True)
def braille_choice_in_mon_compte_needs_csrf_and_is_audited(s):
    b = signed_in(s)
    st, _, page = b.get("/mon-compte")
    assert st == 200
    check_page(page.encode())
    assert 'action="/mon-compte/braille"' in page and 'href="/braille"' in page
    assert 'value="aucun" checked' in page
    # No token, a wrong one: 403, nothing changed.
    assert b.post("/mon-compte/braille", {"braille": "abrege"}, csrf=False)[0] == 403
    assert b.post("/mon-compte/braille", {"braille": "abrege", "csrf": "x" * 43})[0] == 403
    assert db_rows(s, "SELECT braille FROM web_accounts WHERE email = ?", DEMO_EMAIL) == [("none",)]
    # Junk: a French 400, not echoed.
    for v in ("", "grade2", "<script>x</script>"):
        st, _, page = b.post("/mon-compte/braille", {"braille": v})
        assert st == 400, (v, st)
        assert "<script>x" not in page and "braille" in page.lower()
    st, h, _ = b.post("/mon-compte/braille", {"braille": "abrege"})
    assert st == 303 and h["Location"].startswith("/mon-compte?fait=braille")
    assert db_rows(s, "SELECT braille, braille_by FROM web_accounts WHERE email = ?",
                   DEMO_EMAIL) == [("grade2", "subscriber")]
    audit = db_rows(s, "SELECT actor_kind, action, detail FROM audit_log WHERE action = 'braille.set'")
    assert len(audit) == 1 and '"now":"grade2"' in audit[0][2].replace(" ", ""), audit
    st, _, page = b.get("/mon-compte?fait=braille")
    assert 'value="abrege" checked' in page and "Votre choix de braille est enregistré." in page
    # Grade 2 now: "Montant total" comes out abbreviated, the total unchanged.
    st, _, data = get_bytes(b, "/mes-factures/%s-braille.txt" % BILL)
    text = data.decode("utf-8")
    k = kat()
    assert k[(G2, "Montant total")] in text and k[(G1, "Montant total")] not in text
    assert amount_cells(bill_total(b, BILL), G2) in text
    # The same choice again: no second audit entry.
    b.get("/mon-compte")
    assert b.post("/mon-compte/braille", {"braille": "abrege"})[0] == 303
    assert len(db_rows(s, "SELECT 1 FROM audit_log WHERE action = 'braille.set'")) == 1


@test(own=True)
def braille_markup_in_the_name_comes_out_as_braille(s):
    con = dbx.connect(s.db)
    con.execute("UPDATE customers SET last_name = '<script>alert(1)</script>' WHERE id = ("
                "SELECT c.customer_id FROM contracts c WHERE c.number = '1000000001')")
    con.commit()
    con.close()
    b = signed_in(s)
    st, h, data = get_bytes(b, "/mes-factures/%s-braille.txt" % BILL)
    assert st == 200
    text = unicode_cells(data.decode("utf-8"))
    assert kat()[(G1, "<script>alert(1)</script>")] in text
    assert b"<" not in data and b"script" not in data
    st, _, data = get_bytes(b, "/mes-factures/%s-embosseuse.txt" % BILL)
    assert b"<script" not in data
    assert kat()[(G1, "<script>alert(1)</script>")] in embosser_to_unicode(data).replace(" ", "\u2800")


@test(own=True)
def braille_letters_are_kept_for_braille_subscribers_only(s):
    b = signed_in(s)
    # Before choosing braille, a letter is not kept.
    b.get("/mon-espace")
    assert b.post("/mon-espace/facture-electronique", {"contrat": "1000000001", "etat": "non"})[0] == 303
    assert b.post("/mon-espace/facture-electronique", {"contrat": "1000000001", "etat": "oui"})[0] == 303
    assert db_rows(s, "SELECT COUNT(*) FROM braille_letters") == [(0,)]
    b.get("/mon-compte")
    assert b.post("/mon-compte/braille", {"braille": "integral"})[0] == 303
    b.get("/mon-espace")
    assert b.post("/mon-espace/facture-electronique", {"contrat": "1000000001", "etat": "non"})[0] == 303
    rows = db_rows(s, "SELECT l.id, l.kind, l.title FROM braille_letters l JOIN web_accounts a"
                      " ON a.id = l.account_id WHERE a.email = ?", DEMO_EMAIL)
    assert len(rows) == 1 and rows[0][1] == "paperless_off", rows
    lid, _, title = rows[0]
    st, _, page = b.get("/mes-courriers-braille")
    assert st == 200
    check_page(page.encode())
    assert "/mes-courriers-braille/%d-braille.txt" % lid in page
    st, h, data = get_bytes(b, "/mes-courriers-braille/%d-braille.txt" % lid)
    assert st == 200 and h["content-type"] == "text/plain; charset=utf-8"
    assert h["content-disposition"] == 'attachment; filename="courrier-%d-braille.txt"' % lid
    text = unicode_cells(data.decode("utf-8"))
    pages_of(text, "\n")
    assert kat()[(G1, "1000000001")] in text
    st, h, data = get_bytes(b, "/mes-courriers-braille/%d-embosseuse.txt" % lid)
    assert st == 200 and h["content-type"] == "application/octet-stream"
    assert embosser_to_unicode(data).replace(" ", "\u2800") == text
    # Another account's letter, an unknown id, junk: the same 404.
    con = dbx.connect(s.db)
    other = con.execute("SELECT id FROM web_accounts WHERE email <> ? LIMIT 1", (DEMO_EMAIL,)).fetchone()
    assert other
    cur = con.execute("INSERT INTO braille_letters (account_id, kind, title, body, created_at)"
                      " VALUES (?, 'contact_reply', 'Secret', 'Secret', 0)", (other[0],))
    foreign = cur.lastrowid
    con.commit()
    con.close()
    for path in ("/mes-courriers-braille/%d-braille.txt" % foreign, "/mes-courriers-braille/999999-braille.txt",
                 "/mes-courriers-braille/0-braille.txt", "/mes-courriers-braille/%d.txt" % lid,
                 "/mes-courriers-braille/-1-braille.txt", "/mes-courriers-braille/1x-braille.txt"):
        assert get_bytes(b, path)[0] == 404, path
    st, _, page = b.get("/mes-courriers-braille")
    assert "Secret" not in page


@test
def braille_page_is_public_and_linked_from_bills(s):
    st, _, page = s.request("GET", "/braille")
    assert st == 200
    page = page.decode("utf-8") if isinstance(page, bytes) else page
    check_page(page.encode())
    for words in ("braille intégral", "braille abrégé", "Mon compte", "Demande de document en braille",
                  "embosseuse", "semaines"):
        assert words.lower() in page.lower(), words
    b = signed_in(s)
    st, _, page = b.get("/mes-factures/" + BILL)
    assert 'href="/mes-factures/%s-braille.txt"' % BILL in page
    assert 'href="/mes-factures/%s-embosseuse.txt"' % BILL in page


@test(own=True)
def braille_batch_writes_embosser_files_and_the_workshop_index(s):
    b = signed_in(s)
    b.get("/mon-compte")
    assert b.post("/mon-compte/braille", {"braille": "integral"})[0] == 303
    b.get("/mon-espace")
    assert b.post("/mon-espace/facture-electronique", {"contrat": "1000000001", "etat": "non"})[0] == 303
    out = tempfile.mkdtemp(prefix="robinet-braille-")
    since = "2025-01-01"
    env = {"ROBINET_BRAILLE_CELLS": "40", "ROBINET_BRAILLE_LINES": "25"}
    rc, so, se = run_cli("braille", "batch", "--db", dbx.url(s.db), "--since", since, "--out", out, env=env)
    assert rc == 0, (rc, se)
    bills = [r[0] for r in db_rows(s, "SELECT i.number FROM invoices i JOIN account_contracts ac"
                                      " ON ac.contract_id = i.contract_id JOIN web_accounts a ON a.id = ac.account_id"
                                      " WHERE a.email = ? AND i.issued_on >= ? ORDER BY i.number",
                                      DEMO_EMAIL, since)]
    assert bills
    with open(os.path.join(out, "index.csv"), encoding="utf-8") as f:
        index = [line.rstrip("\r\n").split(";") for line in f]
    assert index[0] == ["fichier", "nom", "adresse", "document", "braille", "pages"]
    rows = index[1:]
    assert len(rows) == len(bills) + 1, (len(rows), len(bills))
    files = sorted(os.listdir(out))
    assert files == sorted([r[0] for r in rows] + ["index.csv"]), files
    for r in rows:
        with open(os.path.join(out, r[0]), "rb") as f:
            data = f.read()
        pages = pages_of(embosser_to_unicode(data), "\n", 40, 25)
        assert int(r[5]) == len(pages), r
        assert r[4] == "grade1" and r[1] and r[2]
    docs = [r[3] for r in rows]
    assert ["Facture %s" % n for n in bills] == [d for d in docs if d.startswith("Facture")]
    assert any(d.startswith("Courrier") for d in docs)
    # Idempotent: the same files, byte for byte.
    before = {n: open(os.path.join(out, n), "rb").read() for n in files}
    rc, _, se = run_cli("braille", "batch", "--db", dbx.url(s.db), "--since", since, "--out", out, env=env)
    assert rc == 0, se
    assert {n: open(os.path.join(out, n), "rb").read() for n in sorted(os.listdir(out))} == before
    # Bad date, bad folder: exit 2 and a sentence that says what is wrong.
    for args, word in ((("--since", "2025-02-30", "--out", out), "date"),
                       (("--since", "hier", "--out", out), "date"),
                       (("--out", out), "--since"),
                       (("--since", since, "--out", os.path.join(out, "absent")), "n'existe pas"),
                       (("--since", since, "--out", os.path.join(out, "index.csv")), "pas un dossier"),
                       (("--since", since), "--out")):
        rc, _, se = run_cli("braille", "batch", "--db", dbx.url(s.db), *args)
        assert rc == 2 and word in se, (args, rc, se)
    rc, _, se = run_cli("braille", "--db", dbx.url(s.db), "--since", since, "--out", out)
    assert rc == 2 and "braille batch" in se


@test(own=True)
def braille_set_by_an_agent_from_the_customer_file_is_audited(s):
    from test_agentdesk import customer_of, open_file
    cid = customer_of(s, "1000000001")
    acc = db_rows(s, "SELECT id FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0][0]
    b, agent_id = open_file(s)
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert st == 200
    assert 'action="/agent/clients/%d/braille"' % cid in page
    path = "/agent/clients/%d/braille" % cid
    # Without the confirmation box, with a bad choice: nothing changes.
    assert b.post(path, {"compte": str(acc), "braille": "abrege"})[0] == 400
    st, _, page = b.post(path, {"compte": str(acc), "braille": "<b>x</b>", "confirmer": "1"})
    assert st == 400 and "<b>x</b>" not in page
    # Another customer's account: 404.
    other = db_rows(s, "SELECT a.id FROM web_accounts a WHERE a.id NOT IN (SELECT ac.account_id FROM "
                       "account_contracts ac JOIN contracts c ON c.id = ac.contract_id WHERE c.customer_id = ?) "
                       "LIMIT 1", cid)
    if other:
        assert b.post(path, {"compte": str(other[0][0]), "braille": "abrege", "confirmer": "1"})[0] == 404
    assert db_rows(s, "SELECT braille FROM web_accounts WHERE id = ?", acc) == [("none",)]
    st, _, page = b.post(path, {"compte": str(acc), "braille": "abrege", "confirmer": "1"})
    assert st == 200 and "Le choix de braille du compte est enregistré." in page
    assert db_rows(s, "SELECT braille, braille_by FROM web_accounts WHERE id = ?", acc) == \
        [("grade2", "agent:%d" % agent_id)]
    rows = db_rows(s, "SELECT actor_kind, actor_id FROM audit_log WHERE action = 'braille.set' AND target = ?",
                   "account:%d" % acc)
    assert rows == [("agent", agent_id)], rows
    # A subscriber cannot reach the agent's action.
    sb = signed_in(s)
    sb.get("/mon-compte")
    st, _, _ = sb.post(path, {"compte": str(acc), "braille": "aucun", "confirmer": "1"})
    assert st in (303, 403), st
    assert db_rows(s, "SELECT braille FROM web_accounts WHERE id = ?", acc) == [("grade2",)]
