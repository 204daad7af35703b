"""HTTP tests of news editing in the back office (/agent/actualites):
admins only (agents and supervisors get 403, visitors and subscribers
the agents' sign-in), writing, previewing, changing and unpublishing an
item, each POST with the agent's CSRF token and audited, the French
messages of a form in error, and markup typed by an admin shown as text
in the back office and on the public pages.

Publication dates are typed as Paris wall-clock times: the oracle of the
stored instant is computed here with zoneinfo's Europe/Paris."""
import datetime
import re
import time
import zoneinfo

from harness import test, check_page, db_rows, agent_browser, agent_add, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris_local(instant):
    """The datetime-local value ("YYYY-MM-DDTHH:MM") of a UTC instant."""
    return datetime.datetime.fromtimestamp(instant, PARIS).strftime("%Y-%m-%dT%H:%M")


def paris_instant(local):
    d = datetime.datetime.strptime(local, "%Y-%m-%dT%H:%M").replace(tzinfo=PARIS)
    return int(d.timestamp())


def form(**kw):
    f = {"titre": "Coupure d'eau rue Nationale", "resume": "Une coupure de deux heures.",
         "texte": "Les travaux durent **deux heures**.\n\n- rue Nationale\n- rue Solférino",
         "nature": "actualite", "lieu": "", "debut": "", "heure_debut": "", "fin": "",
         "heure_fin": "", "publication": paris_local(int(time.time()) - 3600),
         "fin_publication": "", "action": "enregistrer"}
    f.update(kw)
    return f


def agent_id(s, email):
    return db_rows(s, "SELECT id FROM agents WHERE email = ?", email)[0][0]


def audit(s, action):
    return db_rows(s, "SELECT actor_kind, actor_id, target, detail FROM audit_log"
                   " WHERE action = ? ORDER BY id", action)


def news_count(s):
    return db_rows(s, "SELECT count(*) FROM news")[0][0]


@test(own=True)
def only_admins_reach_news_editing(s):
    before = news_count(s)
    for role in ("agent", "supervisor"):
        b, _, _ = agent_browser(s, role)
        b.get("/agent")
        for path in ("/agent/actualites", "/agent/actualites/nouvelle", "/agent/actualites/1"):
            st, _, page = b.get(path)
            assert st == 403, (role, path, st)
            assert "Accès refusé" in page
        for path in ("/agent/actualites/nouvelle", "/agent/actualites/1",
                     "/agent/actualites/1/depublier"):
            st, _, _ = b.post(path, form())
            assert st == 403, (role, path, st)
        st, _, page = b.get("/agent")
        assert 'href="/agent/actualites"' not in page, role
    # nobody signed in, and a subscriber: the agents' door
    anon = Browser(s)
    sub = Browser(s)
    st, _, _ = sub.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    for b in (anon, sub):
        for path in ("/agent/actualites", "/agent/actualites/nouvelle"):
            st, h, _ = b.get(path)
            assert st == 303 and h["Location"] == "/agent/connexion", (path, st)
        st, h, _ = b.post("/agent/actualites/nouvelle", form())
        assert st == 303 and h["Location"] == "/agent/connexion", st
    assert news_count(s) == before
    b, _, _ = agent_browser(s, "admin")
    st, _, page = b.get("/agent")
    assert 'href="/agent/actualites"' in page
    st, _, page = b.get("/agent/actualites")
    assert st == 200, st
    check_page(page.encode())
    assert "Votre nouvel espace client est en ligne" in page


@test(own=True)
def admin_writes_previews_edits_and_unpublishes(s):
    b, email, _ = agent_browser(s, "admin")
    me = agent_id(s, email)
    st, _, page = b.get("/agent/actualites/nouvelle")
    assert st == 200
    check_page(page.encode())
    before = news_count(s)

    # a preview renders the text and stores nothing
    st, _, page = b.post("/agent/actualites/nouvelle", form(action="apercu"))
    assert st == 200, st
    check_page(page.encode())
    assert "Aperçu (non enregistré)" in page
    assert "<strong>deux heures</strong>" in page and "<li>rue Solférino</li>" in page
    assert news_count(s) == before

    # without the CSRF token: refused, nothing stored
    st, _, _ = b.post("/agent/actualites/nouvelle", dict(form(), csrf="x" * 43))
    assert st == 403, st
    assert news_count(s) == before

    publish = paris_local(int(time.time()) - 3600)
    st, h, _ = b.post("/agent/actualites/nouvelle", form(publication=publish))
    assert st == 303 and h["Location"] == "/agent/actualites?ok=cree", (st, h["Location"])
    rows = db_rows(s, "SELECT id, slug, kind, published_at, unpublished_at, author_agent_id,"
                   " body_md FROM news WHERE title = ?", "Coupure d'eau rue Nationale")
    assert len(rows) == 1, rows
    nid, slug, kind, pub, unpub, author, body = rows[0]
    assert slug == "coupure-d-eau-rue-nationale" and kind == "news", (slug, kind)
    assert pub == paris_instant(publish) and unpub is None, (pub, paris_instant(publish))
    assert author == me
    assert body.startswith("Les travaux durent **deux heures**.")
    a = audit(s, "news.create")
    assert a and a[-1][:3] == ("agent", me, "news:%d" % nid), a
    st, _, page = b.get("/agent/actualites?ok=cree")
    assert "L&#39;actualité est enregistrée." in page
    # public at once
    st, _, page = Browser(s).get("/actualites/" + slug)
    assert st == 200 and "<strong>deux heures</strong>" in page

    # the same title again gets its own address
    st, _, _ = b.post("/agent/actualites/nouvelle", form(publication=""))
    assert st == 303
    slug2 = db_rows(s, "SELECT slug, published_at FROM news WHERE title = ? AND id <> ?",
                    "Coupure d'eau rue Nationale", nid)
    assert slug2 == [("coupure-d-eau-rue-nationale-2", None)], slug2
    assert Browser(s).get("/actualites/coupure-d-eau-rue-nationale-2")[0] == 404   # a draft

    # the edit form shows the stored values; a change becomes an event
    st, _, page = b.get("/agent/actualites/%d" % nid)
    assert st == 200
    check_page(page.encode())
    assert 'value="%s"' % publish in page
    start = datetime.date.fromisoformat(TODAY) + datetime.timedelta(days=3)
    st, h, _ = b.post("/agent/actualites/%d" % nid, form(
        titre="Coupure d'eau reportée", nature="evenement", lieu="Lille",
        debut=start.strftime("%d/%m/%Y"), heure_debut="09:00", heure_fin="11:00",
        publication=publish))
    assert st == 303 and h["Location"] == "/agent/actualites?ok=modifie", st
    row = db_rows(s, "SELECT slug, title, kind, event_start, event_end, event_start_time,"
                  " event_end_time, place FROM news WHERE id = ?", nid)[0]
    assert row == (slug, "Coupure d'eau reportée", "event", start.isoformat(),
                   start.isoformat(), "09:00", "11:00", "Lille"), row
    assert audit(s, "news.update")[-1][:3] == ("agent", me, "news:%d" % nid)
    st, _, page = Browser(s).get("/actualites")
    assert "/actualites/%s" % slug in page and ">À venir</span>" in page

    # unpublish: gone from the public pages and the feed, audited
    st, _, _ = b.get("/agent/actualites/%d/depublier" % nid)
    assert st == 405, st
    st, h, _ = b.post("/agent/actualites/%d/depublier" % nid, {})
    assert st == 303 and h["Location"] == "/agent/actualites?ok=depublie", st
    assert Browser(s).get("/actualites/" + slug)[0] == 404
    assert slug.encode() not in s.request("GET", "/actualites.atom")[2]
    assert audit(s, "news.unpublish")[-1][:3] == ("agent", me, "news:%d" % nid)
    st, _, page = b.get("/agent/actualites")
    assert re.search(r"reportée</a></th>\s*<td>Événement</td>\s*<td><span class=\"status "
                     r"status-ended\">Dépubliée", page), page[-3000:]
    # twice: nothing more happens
    n = len(audit(s, "news.unpublish"))
    st, _, _ = b.post("/agent/actualites/%d/depublier" % nid, {})
    assert st == 303 and len(audit(s, "news.unpublish")) == n

    for path in ("/agent/actualites/999999", "/agent/actualites/0", "/agent/actualites/01",
                 "/agent/actualites/abc", "/agent/actualites/1/autre",
                 "/agent/actualites/x/depublier"):
        assert b.get(path)[0] == 404, path


@test(own=True)
def news_form_errors_are_french_and_store_nothing(s):
    b, _, _ = agent_browser(s, "admin")
    b.get("/agent/actualites/nouvelle")
    before = news_count(s)
    cases = [
        (dict(titre=""), "Indiquez un titre."),
        (dict(titre="x" * 151), "Le titre ne doit pas dépasser 150 caractères."),
        (dict(titre="a\x01b"), "Le titre contient un caractère non autorisé"),
        (dict(resume=""), "Indiquez un résumé"),
        (dict(texte="é" * 4001), "Le texte ne doit pas dépasser 4 000 caractères."),
        (dict(nature="autre"), "Choisissez « Actualité » ou « Événement »."),
        (dict(nature="evenement"), "Indiquez la date de début de l&#39;événement."),
        (dict(nature="evenement", debut="2026-02-30"), "La date de début n&#39;existe pas."),
        (dict(nature="evenement", debut="2026-12-10", fin="2026-12-09"),
         "La date de fin ne peut pas précéder la date de début."),
        (dict(nature="evenement", debut="2026-12-10", heure_debut="25:00"),
         "L&#39;heure de début s&#39;écrit HH:MM"),
        (dict(nature="evenement", debut="2026-12-10", heure_debut="15:00", heure_fin="14:00"),
         "L&#39;heure de fin doit suivre l&#39;heure de début."),
        (dict(publication="demain"), "La date de publication s&#39;écrit JJ/MM/AAAA HH:MM"),
        (dict(publication="2026-12-01T10:00", fin_publication="2026-12-01T09:00"),
         "La fin de publication doit suivre la publication."),
    ]
    for fields, message in cases:
        st, _, page = b.post("/agent/actualites/nouvelle", form(**fields))
        assert st == 200, (fields, st)       # the form again, as elsewhere
        check_page(page.encode())
        assert message in page, (fields, message)
        assert 'aria-invalid="true"' in page
        assert "error-summary" in page
    assert news_count(s) == before
    # a value the date input cannot hold comes back as typed, in a text
    # input (a date input with "demain" is not valid HTML)
    st, _, page = b.post("/agent/actualites/nouvelle", form(
        publication="demain", titre="", nature="evenement", debut="10/12/2026"))
    assert '<input id="publication" name="publication" type="text" value="demain"' in page
    assert '<input id="debut" name="debut" type="text" value="10/12/2026"' in page
    # a wrong value is given back, escaped
    st, _, page = b.post("/agent/actualites/nouvelle", form(titre="", lieu="<b>x</b>",
                                                            nature="evenement"))
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


@test(own=True)
def markup_typed_by_an_admin_is_text_in_the_back_office_and_pages(s):
    b, _, _ = agent_browser(s, "admin")
    b.get("/agent/actualites/nouvelle")
    title = "<script>alert(1)</script> \"Titre\" 'x'"
    body = "<script>alert(2)</script> [lien](javascript:alert(3)) <img src=x onerror=alert(4)>"
    st, _, page = b.post("/agent/actualites/nouvelle", form(
        titre=title, resume="<i>résumé</i>", texte=body, action="apercu"))
    assert st == 200
    check_page(page.encode())       # no "<script" anywhere
    assert "<img" not in page and "javascript:" not in page.split("<textarea")[0]
    st, _, _ = b.post("/agent/actualites/nouvelle", form(
        titre=title, resume="<i>résumé</i>", texte=body, nature="evenement",
        debut=TODAY, lieu="<svg onload=alert(5)>"))
    assert st == 303, st
    nid, slug = db_rows(s, "SELECT id, slug FROM news WHERE title = ?", title)[0]
    assert slug == "script-alert-1-script-titre-x", slug
    for path in ("/agent/actualites", "/agent/actualites/%d" % nid):
        st, _, page = b.get(path)
        assert st == 200
        check_page(page.encode())
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Titre&quot; &#39;x&#39;" in page
        assert "<svg" not in page and "<i>résumé" not in page
    for path in ("/", "/actualites", "/actualites/" + slug):
        st, _, page = Browser(s).get(path)
        assert st == 200, (path, st)
        check_page(page.encode())
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert "<svg" not in page and "<img" not in page and "javascript:" not in page, path
