"""HTTP tests of the archive (issue 4): /archives opens the bills and
readings of before 2024 with the former customer id and password, for a
2023 subscriber without a space; the visit sees one contract's archive
and nothing else, and ends on the server when the visitor leaves."""
import dbx
from harness import test, check_page, check_security_headers, db_rows
from test_auth import Browser, strip_volatile, DEMO_EMAIL, DEMO_PASSWORD

OLD_ID = "1234567A"
OLD_PASSWORD = "ancien-mdp-2023"
FAILED = "Identifiant ou mot de passe incorrect."


def open_archive(s, old_id=OLD_ID, password=OLD_PASSWORD):
    b = Browser(s)
    st, _, page = b.get("/archives")
    assert st == 200, st
    st, h, page = b.post("/archives", {"identifiant": old_id, "mot_de_passe": password})
    return b, st, h, page


@test
def archive_signin_form_and_refusals_tell_nothing(s):
    b = Browser(s)
    st, h, page = b.get("/archives")
    assert st == 200
    check_security_headers(h)
    check_page(page.encode())
    for text in ("Ancien identifiant client", "Mot de passe", "Accéder aux archives",
                 "L'ancien mot de passe ne fonctionne plus"):
        assert text in page, text
    _, st1, _, wrong_pw = open_archive(s, OLD_ID, "pas-le-bon-mot-de-passe")
    _, st2, _, unknown = open_archive(s, "7654321Z", "pas-le-bon-mot-de-passe")
    assert st1 == st2 == 200
    assert FAILED in wrong_pw
    assert strip_volatile(wrong_pw) == strip_volatile(unknown.replace("7654321Z", OLD_ID))
    assert "__Host-robinet-archives" not in b.cookies


@test
def archive_visit_shows_the_old_contract_and_invites_to_migrate(s):
    b, st, h, _ = open_archive(s, " 1234567a ")
    assert st == 303 and h["Location"] == "/archives", (st, h["Location"])
    cookie = [c for c in b.set_cookies if c.startswith("__Host-robinet-archives=")]
    assert cookie, b.set_cookies
    for attr in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attr in cookie[0], cookie[0]
    st, h, page = b.get("/archives")
    assert st == 200
    assert h["Cache-Control"] == "no-store"
    check_page(page.encode())
    assert "Archives du contrat n°" in page
    assert "1000000003" in page
    assert 'href="/abonne-2023"' in page
    assert 'href="/mes-factures?archives=1"' in page
    assert "Quitter les archives" in page
    # A visit is not a signed-in space.
    st, h, _ = b.get("/mon-espace")
    assert st == 303 and h["Location"] == "/connexion"
    st, h, _ = b.get("/mon-compte")
    assert st == 303 and h["Location"] == "/connexion"


@test
def leaving_the_archive_ends_the_visit_on_the_server(s):
    b, st, _, _ = open_archive(s)
    assert st == 303
    stolen = b.cookies["__Host-robinet-archives"]
    b.get("/archives")
    st, h, _ = b.post("/archives/sortie", {})
    assert st == 303 and h["Location"] == "/archives"
    assert "__Host-robinet-archives" not in b.cookies
    # The old cookie value no longer opens anything.
    thief = Browser(s)
    thief.cookies["__Host-robinet-archives"] = stolen
    st, _, page = thief.get("/archives")
    assert st == 200 and "Accéder aux archives" in page
    assert "Archives du contrat n°" not in page
    # Leaving needs the form's token.
    b2, _, _, _ = open_archive(s)
    st, _, _ = b2.post("/archives/sortie", {"csrf": "x" * 43})
    assert st == 403
    st, _, page = b2.get("/archives")
    assert "Archives du contrat n°" in page


@test
def a_signed_in_subscriber_finds_the_archive_in_the_space(s):
    b = Browser(s)
    st, h, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    st, h, _ = b.get("/archives")
    assert st == 303 and h["Location"] == "/mes-factures?archives=1"


@test(env={"ROBINET_RL_PER_ACCOUNT": "2", "ROBINET_RL_WINDOW": "60"})
def archive_signin_is_rate_limited_with_the_migration(s):
    b = Browser(s)
    b.get("/archives")
    for _ in range(2):
        st, _, page = b.post("/archives", {"identifiant": OLD_ID, "mot_de_passe": "non"})
        assert st == 200 and FAILED in page
    st, _, page = b.post("/archives", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 429, st
    assert "Réessayez dans" in page
    # The same counter guards the migration's step 1.
    b.get("/abonne-2023")
    st, _, _ = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 429, st


@test
def an_archive_visit_sees_its_archived_bills_and_nothing_else(s):
    b, st, _, _ = open_archive(s)
    assert st == 303
    archived = db_rows(s, "SELECT i.number, i.contract_number FROM invoices i JOIN contracts c ON "
                          "c.id = i.contract_id WHERE c.number = '1000000003' AND i.archived = 1")
    recent = db_rows(s, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id "
                        "WHERE c.number = '1000000003' AND i.archived = 0")
    other = db_rows(s, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id "
                       "WHERE c.number <> '1000000003' AND i.archived = 1 LIMIT 3")
    assert archived and recent and other
    st, _, page = b.get("/mes-factures?archives=1")
    assert st == 200, st
    check_page(page.encode())
    for number, old in archived:
        assert number in page, number
    for (number,) in recent + other:
        assert number not in page, number
    number = archived[0][0]
    st, _, page = b.get("/mes-factures/" + number)
    assert st == 200 and archived[0][1] in page
    st, h, pdf = b.get("/mes-factures/%s.pdf" % number)
    assert st == 200 and h["Content-Type"] == "application/pdf"
    # Bills since 2024 and other subscribers' bills are not found.
    for (n,) in recent + other:
        for path in ("/mes-factures/" + n, "/mes-factures/%s.pdf" % n):
            st, _, _ = b.get(path)
            assert st == 404, (path, st)


@test(own=True)
def purge_deletes_expired_archive_visits(s):
    import time
    from harness import run_cli
    b, st, _, _ = open_archive(s)
    assert st == 303
    assert db_rows(s, "SELECT count(*) FROM archive_visits")[0][0] == 1
    rc, out, err = run_cli("purge", "--db", dbx.url(s.db))
    assert rc == 0, err
    assert db_rows(s, "SELECT count(*) FROM archive_visits")[0][0] == 1
    time.sleep(2.5)
    rc, out, err = run_cli("purge", "--db", dbx.url(s.db), env={"ROBINET_SESSION_IDLE": "1"})
    assert rc == 0, err
    assert db_rows(s, "SELECT count(*) FROM archive_visits")[0][0] == 0
