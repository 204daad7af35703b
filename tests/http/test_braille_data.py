"""HTTP tests of what follows braille documents (issue 11, docs/braille.md):
the braille choice and the letters kept in braille in the right of access
(/mes-donnees.json and /mes-donnees, the signed-in account's only, never
which agent set the choice), their retention by `robinet purge`, and the
footer link to /braille on every page."""
import html
import json
import re

import dbx
from harness import test, check_page, run_cli, db_rows
from test_auth import DEMO_EMAIL
from test_braille import signed_in

KEEP_TEXT = "3 ans après l'envoi du courrier"


def demo_account(s):
    return db_rows(s, "SELECT id FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0][0]


def other_account(s):
    """Another account, given braille and a letter of its own."""
    con = dbx.connect(s.db)
    other = con.execute("SELECT id FROM web_accounts WHERE email <> ? ORDER BY id LIMIT 1",
                        (DEMO_EMAIL,)).fetchone()[0]
    con.execute("UPDATE web_accounts SET braille = 'grade1', braille_by = 'subscriber', braille_at = 7"
                " WHERE id = ?", (other,))
    con.execute("INSERT INTO braille_letters (account_id, kind, title, body, created_at)"
                " VALUES (?, 'contact_reply', 'Courrier-Autre-Compte', 'Texte-Autre-Compte', 8)", (other,))
    con.commit()
    con.close()
    return other


def export(b):
    st, h, body = b.get("/mes-donnees.json")
    assert st == 200, st
    return json.loads(body), body


def category(page, label):
    """The facts listed under the heading label on /mes-donnees."""
    m = re.search(r"<h3>%s</h3>\s*<ul class=\"facts\">(.*?)</ul>" % re.escape(label), page, re.S)
    assert m, label
    return re.sub(r"<[^>]+>", "", m.group(1))


@test(own=True)
def braille_choice_and_letters_are_in_my_data(s):
    other_account(s)
    b = signed_in(s)
    # Nothing chosen yet: both categories are there, empty.
    doc, _ = export(b)
    assert doc["data"]["braille_choice"] == [] and doc["data"]["braille_letters"] == [], doc["data"]
    # Choose braille abrégé, then a letter is kept (paperless billing off).
    b.get("/mon-compte")
    assert b.post("/mon-compte/braille", {"braille": "abrege"})[0] == 303
    b.get("/mon-espace")
    assert b.post("/mon-espace/facture-electronique", {"contrat": "1000000001", "etat": "non"})[0] == 303
    acc = demo_account(s)
    (at,), = db_rows(s, "SELECT braille_at FROM web_accounts WHERE id = ?", acc)
    letters = db_rows(s, "SELECT id, kind, title, body, created_at FROM braille_letters WHERE account_id = ?"
                         " ORDER BY id", acc)
    assert len(letters) == 1, letters
    doc, body = export(b)
    data = doc["data"]
    assert data["braille_choice"] == [{"braille": "grade2", "set_by": "subscriber", "set_at": at}], \
        data["braille_choice"]
    assert [(x["id"], x["kind"], x["title"], x["body"], x["created_at"]) for x in data["braille_letters"]] == \
        letters, data["braille_letters"]
    # Only the signed-in account's.
    assert "Courrier-Autre-Compte" not in body and "Texte-Autre-Compte" not in body
    # Each has its notice: why, on which basis, for how long.
    notice = {n["key"]: n for n in doc["notice"]}
    assert set(notice) == set(data)
    for k in ("braille_choice", "braille_letters"):
        assert notice[k]["what"] and notice[k]["why"] and notice[k]["basis"] and notice[k]["retention"], notice[k]
    assert notice["braille_letters"]["retention"] == KEEP_TEXT
    # The page: one heading per category, its facts and its count.
    st, _, page = b.get("/mes-donnees")
    assert st == 200
    check_page(page.encode())
    page = html.unescape(page)
    choice = category(page, notice["braille_choice"]["label"])
    kept = category(page, notice["braille_letters"]["label"])
    assert "Éléments conservés : 1" in choice and "Éléments conservés : 1" in kept, (choice, kept)
    assert "Durée de conservation : " + KEEP_TEXT in kept, kept
    assert "Origine : Vous, sur ce site, ou nos services" in kept, kept
    assert "Courrier-Autre-Compte" not in page


@test(own=True)
def braille_choice_set_by_an_agent_shows_agent_not_which(s):
    from test_agentdesk import customer_of, open_file
    cid = customer_of(s, "1000000001")
    acc = demo_account(s)
    a, agent_id = open_file(s)
    a.get("/agent/clients/%d" % cid)
    st, _, _ = a.post("/agent/clients/%d/braille" % cid, {"compte": str(acc), "braille": "integral",
                                                           "confirmer": "1"})
    assert st == 200, st
    assert db_rows(s, "SELECT braille_by FROM web_accounts WHERE id = ?", acc) == [("agent:%d" % agent_id,)]
    doc, body = export(signed_in(s))
    rows = doc["data"]["braille_choice"]
    assert [(r["braille"], r["set_by"]) for r in rows] == [("grade1", "agent")], rows
    assert "agent:" not in body


@test(own=True)
def purge_deletes_braille_letters_kept_over_three_years_ago(s):
    acc = demo_account(s)
    other = other_account(s)              # its letter is from 1970 too
    con = dbx.connect(s.db)
    con.execute("UPDATE web_accounts SET braille = 'grade1' WHERE id = ?", (acc,))
    for title, at in (("Lettre-1970", 1), ("Lettre-2100", 4102444800)):
        con.execute("INSERT INTO braille_letters (account_id, kind, title, body, created_at)"
                    " VALUES (?, 'paperless_off', ?, 'Bonjour', ?)", (acc, title, at))
    con.commit()
    con.close()
    before = db_rows(s, "SELECT COUNT(*) FROM braille_letters")[0][0]
    rc, out, err = run_cli("purge", "--db", dbx.url(s.db))
    assert rc == 0, (rc, out, err)
    assert "braille letters: 2 kept over 3 years ago deleted" in out, out
    assert db_rows(s, "SELECT COUNT(*) FROM braille_letters")[0][0] == before - 2
    assert db_rows(s, "SELECT title FROM braille_letters WHERE account_id IN (?, ?) ORDER BY title",
                   acc, other) == [("Lettre-2100",)]
    # Again: nothing more.
    rc, out, err = run_cli("purge", "--db", dbx.url(s.db))
    assert rc == 0 and "braille letters: 0 kept over 3 years ago deleted" in out, (rc, out, err)


def footer(page):
    m = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S)
    assert m, "no footer"
    return m.group(1)


@test
def braille_link_in_every_footer_not_in_the_menu(s):
    """Every subscriber-side page (the back office has a footer of its own)."""
    from test_auth import Browser
    b = Browser(s)
    pages = []
    for path in ("/", "/braille", "/accessibilite", "/contact"):
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        pages.append((path, page))
    st, _, page = b.get("/page-qui-n-existe-pas")
    assert st == 404
    pages.append(("404", page))
    pages.append(("signed in", signed_in(s).get("/mon-espace")[2]))
    for where, page in pages:
        f = footer(page)
        assert f.count('<a href="/braille">Documents en braille</a>') == 1, (where, f)
        nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S)
        assert not nav or "Documents en braille" not in nav.group(1), where
