"""HTTP tests of the news and events: /actualites (publication windows,
events "en cours" and "à venir" at the pinned date, past events hidden,
pagination), the item pages and their 404s, the Atom feed (well-formed
XML with the elements RFC 4287 requires, absolute URLs from public_url),
the home page, and markup or scripts written in any field shown as text
or removed everywhere.

Publication windows are instants: rows are made relative to the real
clock (time.time()), as the server compares with it. Event dates are
made relative to TODAY (tests/today), the date every test server is
pinned to; the oracle of each status is computed here from TODAY in
Paris time, never from the clock."""
import datetime
import html
import os
import re
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import dbx
from harness import test, check_page, check_security_headers, TODAY

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = datetime.date.fromisoformat(TODAY)

XSS_TITLE = "<script>alert('titre')</script> \"Guillemets\" & <b>gras</b>"
XSS_SUMMARY = "<img src=x onerror=alert(1)> résumé <i>x</i>"
XSS_BODY = ("Texte <script>alert('corps')</script> et "
            "[un lien](javascript:alert(1)) et <a href=\"javascript:alert(2)\">a</a>"
            "\n\n<iframe src=\"/x\"></iframe>\n\n**gras autorisé**")
XSS_PLACE = "<svg onload=alert(1)>Salle \"A\""


def iso(d):
    return d.isoformat()


def add(s, slug, kind="news", published=None, unpublished=None, start=None, end=None,
        title=None, summary="Résumé.", body="Texte *important*.", place=None,
        start_time=None, end_time=None):
    """Inserts an item straight into the server's database; published and
    unpublished are UTC instants (None: NULL)."""
    now = int(time.time())
    con = dbx.connect(s.db)
    try:
        con.execute(
            "INSERT INTO news (slug, title, summary, body_md, kind, published_at,"
            " unpublished_at, event_start, event_end, place, event_start_time,"
            " event_end_time, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (slug, title or "Titre " + slug, summary, body, kind, published, unpublished,
             start, end, place, start_time, end_time, now, published or now))
        con.commit()
    finally:
        con.close()


def windows_fixture(s):
    """Items on each side of every window; returns {slug: expected}."""
    now = int(time.time())
    add(s, "visible-news", published=now - 3600)
    add(s, "window-open-news", published=now - 7200, unpublished=now + 86400)
    add(s, "draft-news", published=None)
    add(s, "future-news", published=now + 86400)
    add(s, "expired-news", published=now - 86400 * 3, unpublished=now - 60)
    add(s, "ongoing-event", "event", published=now - 3600,
        start=iso(DAY - datetime.timedelta(days=2)), end=iso(DAY + datetime.timedelta(days=1)),
        place="Lille")
    add(s, "starts-today-event", "event", published=now - 3600,
        start=TODAY, end=TODAY, start_time="14:00", end_time="15:30", place="Roubaix")
    add(s, "ends-today-event", "event", published=now - 3600,
        start=iso(DAY - datetime.timedelta(days=5)), end=TODAY)
    add(s, "upcoming-event", "event", published=now - 3600,
        start=iso(DAY + datetime.timedelta(days=1)), end=iso(DAY + datetime.timedelta(days=3)))
    add(s, "past-event", "event", published=now - 86400,
        start=iso(DAY - datetime.timedelta(days=4)), end=iso(DAY - datetime.timedelta(days=1)))
    add(s, "draft-event", "event", published=None, start=TODAY, end=TODAY)
    add(s, "expired-event", "event", published=now - 86400, unpublished=now - 10,
        start=TODAY, end=TODAY)


def event_status(start, end):
    """The oracle: the status of an event at TODAY."""
    s, e = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    if DAY < s:
        return "À venir"
    if DAY <= e:
        return "En cours"
    return None     # past: not listed


def items_of(page, section_id):
    m = re.search(r'<section aria-labelledby="%s">(.*?)</section>' % section_id, page, re.S)
    assert m, "no section " + section_id
    return m.group(1)


def li_of(text, slug):
    m = re.search(r'<li>\s*<h3><a href="/actualites/%s">.*?</li>' % re.escape(slug), text, re.S)
    return m.group(0) if m else None


@test(own=True)
def news_list_applies_windows_and_event_status(s):
    windows_fixture(s)
    st, h, body = s.request("GET", "/actualites")
    assert st == 200, st
    check_security_headers(h)
    page = check_page(body)
    news = items_of(page, "actualites")
    events = items_of(page, "evenements")
    for slug in ("visible-news", "window-open-news"):
        assert li_of(news, slug), slug + " missing"
    for slug in ("draft-news", "future-news", "expired-news", "draft-event", "expired-event",
                 "past-event"):
        assert "/actualites/%s\"" % slug not in page, slug + " shown"
    # newest first
    assert news.index("visible-news") < news.index("window-open-news")
    con = dbx.connect(s.db)
    rows = con.execute("SELECT slug, event_start, event_end FROM news WHERE kind = 'event'"
                       " AND slug LIKE '%-event'").fetchall()
    con.close()
    listed = []
    for slug, start, end in rows:
        want = event_status(start, end)
        li = li_of(events, slug)
        if slug in ("draft-event", "expired-event") or want is None:
            assert li is None, slug + " listed"
            continue
        assert li is not None, slug + " not listed"
        assert ">%s</span>" % want in li, (slug, want, li)
        listed.append((start, end, slug))
    assert len(listed) == 4, listed
    # soonest first
    mine = [x[2] for x in listed]
    order = [m for m in re.findall(r'href="/actualites/([a-z-]+)"', events) if m in mine]
    assert order == [x[2] for x in sorted(listed)], order
    # times of a one-day event, in French
    li = li_of(events, "starts-today-event")
    assert "de 14 h à 15 h 30" in li and 'datetime="%sT14:00"' % TODAY in li, li
    assert ", Roubaix" in li


@test(own=True)
def item_pages_and_their_404s(s):
    windows_fixture(s)
    st, h, body = s.request("GET", "/actualites/visible-news")
    assert st == 200, st
    page = check_page(body)
    assert "<h1>Titre visible-news</h1>" in page
    assert "<em>important</em>" in page, "body not rendered as CommonMark"
    st, _, body = s.request("GET", "/actualites/ongoing-event")
    assert st == 200 and ">En cours</span>" in body.decode()
    st, _, body = s.request("GET", "/actualites/past-event")
    assert st == 200, st
    assert "Cet événement est terminé." in check_page(body)
    for slug in ("draft-news", "future-news", "expired-news", "draft-event", "expired-event",
                 "unknown", "", "VISIBLE-NEWS", "visible-news/", "visible-news.atom",
                 "a" * 200, "%3Cscript%3E"):
        st, h, body = s.request("GET", "/actualites/" + slug)
        assert st == 404, (slug, st)
        text = check_page(body)
        assert "Page introuvable" in text, slug
        assert "Titre " + slug not in text
    st, _, _ = s.request("POST", "/actualites/visible-news", body=b"",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 405, st


@test(own=True)
def scheduled_item_appears_when_its_time_comes(s):
    now = int(time.time())
    add(s, "soon-news", published=now + 4)
    add(s, "ending-news", published=now - 60, unpublished=now + 4)
    st, _, body = s.request("GET", "/actualites")
    assert time.time() < now + 4, "the first request came too late to mean anything"
    assert b"soon-news" not in body and b"ending-news" in body
    time.sleep(max(0.0, now + 4.5 - time.time()))
    st, _, body = s.request("GET", "/actualites")
    assert b"soon-news" in body and b"ending-news" not in body
    assert s.request("GET", "/actualites/soon-news")[0] == 200
    assert s.request("GET", "/actualites/ending-news")[0] == 404


@test(own=True)
def news_list_is_paginated(s):
    now = int(time.time())
    con = dbx.connect(s.db)
    total = con.execute("SELECT count(*) FROM news WHERE kind = 'news' AND published_at <= ?"
                        " AND (unpublished_at IS NULL OR unpublished_at > ?)",
                        (now, now)).fetchone()[0]
    con.close()
    for i in range(25 - total):
        add(s, "page-%02d" % i, published=now - 100 - i)
    seen = []
    for page in (1, 2, 3):
        st, _, body = s.request("GET", "/actualites?page=%d" % page)
        assert st == 200, (page, st)
        text = check_page(body)
        news = items_of(text, "actualites")
        slugs = re.findall(r'<h3><a href="/actualites/([a-z0-9-]+)">', news)
        assert len(slugs) == (10 if page < 3 else 5), (page, slugs)
        seen += slugs
        assert ('rel="next"' in text) == (page < 3), page
        assert ('rel="prev"' in text) == (page > 1), page
        assert ('aria-labelledby="evenements"' in text) == (page == 1), page
    assert len(set(seen)) == 25
    assert seen[:3] == ["page-00", "page-01", "page-02"], seen[:3]
    assert s.request("GET", "/actualites?page=4")[0] == 404
    for bad in ("0", "-1", "x", "1.5", "99999", "1%20", "%00", "%C3%A9"):
        st, _, body = s.request("GET", "/actualites?page=" + bad)
        assert st == 400, (bad, st)
        check_page(body)
        assert bad == "%00" or "Le numéro de page doit être un nombre entier" in body.decode(), bad


def atom_check(s, body):
    """Parses an Atom feed and checks what RFC 4287 requires of it; returns
    the root."""
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed", root.tag
    base = "http://127.0.0.1:%d" % s.port
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def one(el, name):
        found = el.findall(ATOM + name)
        assert len(found) == 1, "%s has %d <%s>" % (el.tag, len(found), name)
        return found[0]

    assert one(root, "id").text == base + "/actualites.atom"
    assert one(root, "title").text
    assert rfc3339.match(one(root, "updated").text)
    assert one(one(root, "author"), "name").text
    links = {(l.get("rel"), l.get("type")): l.get("href") for l in root.findall(ATOM + "link")}
    assert links[("self", "application/atom+xml")] == base + "/actualites.atom", links
    assert links[("alternate", "text/html")] == base + "/actualites", links
    ids = set()
    for e in root.findall(ATOM + "entry"):
        eid = one(e, "id").text
        assert eid.startswith(base + "/actualites/"), eid
        assert eid not in ids, "duplicate id " + eid
        ids.add(eid)
        one(e, "title")
        assert rfc3339.match(one(e, "updated").text)
        assert rfc3339.match(one(e, "published").text)
        assert one(e, "published").text <= one(e, "updated").text
        assert one(e, "updated").text <= one(root, "updated").text
        alt = [l for l in e.findall(ATOM + "link") if l.get("rel") == "alternate"]
        assert len(alt) == 1 and alt[0].get("href") == eid, eid
        c = one(e, "content")
        assert c.get("type") == "html"
        one(e, "summary")
    return root


@test(own=True)
def atom_feed_is_valid_and_holds_visible_items_only(s):
    windows_fixture(s)
    st, h, body = s.request("GET", "/actualites.atom")
    assert st == 200, st
    assert h["content-type"].startswith("application/atom+xml"), h["content-type"]
    root = atom_check(s, body)
    slugs = [e.find(ATOM + "id").text.rsplit("/", 1)[1] for e in root.findall(ATOM + "entry")]
    for slug in ("visible-news", "window-open-news", "ongoing-event", "upcoming-event",
                 "past-event"):
        assert slug in slugs, slug
    for slug in ("draft-news", "future-news", "expired-news", "draft-event", "expired-event"):
        assert slug not in slugs, slug
    # the content is HTML, escaped once: CommonMark rendered
    e = [e for e in root.findall(ATOM + "entry") if e.find(ATOM + "id").text.endswith("/visible-news")][0]
    assert "<em>important</em>" in e.find(ATOM + "content").text
    # an item unpublished now leaves the feed and moves its <updated>
    before = root.find(ATOM + "updated").text
    con = dbx.connect(s.db)
    con.execute("UPDATE news SET unpublished_at = ? WHERE slug = 'visible-news'",
                (int(time.time()) - 1,))
    con.commit()
    con.close()
    root = atom_check(s, s.request("GET", "/actualites.atom")[2])
    assert "visible-news" not in [e.find(ATOM + "id").text.rsplit("/", 1)[1]
                                  for e in root.findall(ATOM + "entry")]
    assert root.find(ATOM + "updated").text >= before
    # xmllint: well-formed and valid against RFC 4287's structure
    check_xmllint(body)
    # ... and the grammar is no rubber stamp: each of these breaks it
    first_id = re.search(rb"<entry>\n<id>[^<]*</id>\n", body).group(0)
    for broken in (body.replace(first_id, b"<entry>\n", 1),
                   re.sub(rb"<updated>[^<]*</updated>", b"<updated>2026-11-29 08:00</updated>",
                          body, count=1),
                   body.replace(b"<title type=\"text\">", b"<title type=\"rtf\">", 1),
                   re.sub(rb"<id>[^<]*</id>\n", b"", body, count=1),   # the feed's id
                   body.replace(b"<entry>", b"<entry><link rel=\"alternate\"/>", 1)):
        assert broken != body
        rc, _ = xmllint(broken)
        assert rc != 0, broken[:300]


ATOM_RNG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "atom.rng")


def xmllint(body):
    """xmllint's exit status and messages for body checked against
    atom.rng, the RELAX NG grammar of RFC 4287's feed documents."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(body)
        f.flush()
        p = subprocess.run(["xmllint", "--noout", "--relaxng", ATOM_RNG, f.name],
                           capture_output=True, text=True)
        return p.returncode, p.stderr


def check_xmllint(body):
    rc, err = xmllint(body)
    assert rc == 0, err


def assert_no_active_markup(text, where):
    """No tag written by an author survives: no img, iframe, svg, b or i
    element, no event-handler attribute, no javascript: URL in a tag."""
    for tag in re.findall(r"<[a-zA-Z][^>]*>", text):
        low = tag.lower()
        assert not re.match(r"<(img|iframe|svg|b|i|script|style)\b", low), (where, tag)
        assert not re.search(r"\son\w+\s*=", low), (where, tag)
        assert "javascript:" not in low, (where, tag)


@test(own=True)
def markup_in_every_field_is_text_everywhere(s):
    now = int(time.time())
    add(s, "xss-news", published=now - 10, title=XSS_TITLE, summary=XSS_SUMMARY, body=XSS_BODY)
    add(s, "xss-event", "event", published=now - 10, title=XSS_TITLE, summary=XSS_SUMMARY,
        body=XSS_BODY, place=XSS_PLACE, start=iso(DAY - datetime.timedelta(days=30)),
        end=iso(DAY + datetime.timedelta(days=30)))
    pages = {}
    for path in ("/", "/actualites", "/actualites/xss-news", "/actualites/xss-event"):
        st, _, body = s.request("GET", path)
        assert st == 200, (path, st)
        pages[path] = text = check_page(body)     # asserts no "<script"
        assert_no_active_markup(text, path)
        assert html.escape(XSS_TITLE, quote=True).replace("&#x27;", "&#39;") in text, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in text, path
    for path in ("/actualites/xss-event", "/actualites", "/"):
        assert "&lt;svg onload=alert(1)&gt;Salle &quot;A&quot;" in pages[path], path
    item = pages["/actualites/xss-news"]
    assert "<strong>gras autorisé</strong>" in item
    assert "un lien" in item and "<title>&lt;script&gt;" in item
    # the feed: titles and summaries are text, content has no script
    st, _, body = s.request("GET", "/actualites.atom")
    root = atom_check(s, body)
    for e in root.findall(ATOM + "entry"):
        if not e.find(ATOM + "id").text.startswith("http://127.0.0.1:%d/actualites/xss-" % s.port):
            continue
        assert e.find(ATOM + "title").text == XSS_TITLE
        assert e.find(ATOM + "title").get("type") == "text"
        assert e.find(ATOM + "summary").text == XSS_SUMMARY
        content = e.find(ATOM + "content").text
        assert_no_active_markup(content, "feed")
        assert "<script" not in content.lower()
        assert "<strong>gras autorisé</strong>" in content
    check_xmllint(body)


@test(own=True)
def control_characters_never_break_the_feed(s):
    now = int(time.time())
    add(s, "ctl-news", published=now - 10, title="Titre\x01\x0b avec\x1f contrôle",
        summary="R\x08é", body="Corps\x0c\x02 texte")
    st, _, body = s.request("GET", "/actualites.atom")
    assert st == 200
    root = atom_check(s, body)
    titles = [e.find(ATOM + "title").text for e in root.findall(ATOM + "entry")]
    assert "Titre avec contrôle" in titles, titles
    check_xmllint(body)


@test
def home_links_to_items_and_to_the_news_page(s):
    st, _, body = s.request("GET", "/")
    text = check_page(body)
    assert 'href="/actualites"' in text
    links = re.findall(r'<h3><a href="(/actualites/[a-z0-9-]+)">', text)
    assert len(links) >= 4, links
    for link in links:
        st, _, body = s.request("GET", link)
        assert st == 200, (link, st)
        check_page(body)
    # the demo's events are upcoming at the pinned date
    assert ">À venir</span>" in text


@test
def feed_discovery_and_head(s):
    st, h, body = s.request("GET", "/actualites")
    assert '<link rel="alternate" type="application/atom+xml"' in body.decode()
    st, h, body = s.request("HEAD", "/actualites.atom")
    assert st == 200 and body == b"", (st, body[:50])
    assert h["content-type"].startswith("application/atom+xml")
