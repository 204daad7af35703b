"""HTTP tests of the home page kept in memory (web/homecache.h): the
kept page is served again (X-Robinet-Cache: hit) only while nothing it
shows has changed. A news edit made through this server shows at once;
one made by another process on the database or by an admin through
another server within news_recheck_ms (at once when it is 0); an item
whose publication window opens or closes with no write at all at once;
a signed-in visitor gets the page kept for signed-in visitors with his
own CSRF token spliced in, the same bytes as a page rendered for him."""
import calendar
import email.utils
import http.client
import re
import threading
import time

import dbx
from harness import test, check_page, agent_browser, Server
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_agent_news import form, paris_local


def home(s, headers=None):
    st, h, body = s.request("GET", "/", headers=headers)
    assert st == 200, st
    check_page(body)
    return h.get("x-robinet-cache"), body.decode()


def sql(s, statement, *args):
    """Runs statement on the server's database from this process (as
    another server or an operator would)."""
    con = dbx.connect(s.db, timeout=10)
    try:
        con.execute(statement, args)
        con.commit()
    finally:
        con.close()


def add_news(s, slug, title, published, unpublished=None):
    now = int(time.time())
    sql(s, "INSERT INTO news (slug, title, summary, body_md, kind, published_at,"
        " unpublished_at, created_at, updated_at) VALUES (?, ?, 'Résumé.', 'Texte.',"
        " 'news', ?, ?, ?, ?)", slug, title, published, unpublished, now, now)


def seen_within(s, text, seconds):
    """Asks for the home page until it shows text; the seconds it took."""
    start = time.monotonic()
    while True:
        state, page = home(s)
        if text in page:
            return time.monotonic() - start
        assert time.monotonic() - start < seconds, "not seen in %s s" % seconds
        time.sleep(0.05)


@test(env={"ROBINET_NEWS_RECHECK_MS": "0"})
def home_is_kept_and_a_change_by_another_process_is_seen_at_once(s):
    """news_recheck_ms 0: the stamp is read at every request."""
    home(s)
    state, first = home(s)
    assert state == "hit", state
    assert home(s) == ("hit", first)
    # a new item, written by another process
    add_news(s, "cache-nouvelle", "Titre gardé une fois", int(time.time()) - 60)
    state, page = home(s)
    assert state == "miss" and "Titre gardé une fois" in page, state
    assert home(s)[0] == "hit"
    # its title changed
    sql(s, "UPDATE news SET title = 'Titre changé ensuite' WHERE slug = 'cache-nouvelle'")
    state, page = home(s)
    assert "Titre changé ensuite" in page and "Titre gardé une fois" not in page, state
    # and removed
    sql(s, "DELETE FROM news WHERE slug = 'cache-nouvelle'")
    state, page = home(s)
    assert "Titre changé ensuite" not in page, state
    assert page == first


@test(own=True)
def a_publication_window_opening_or_closing_renews_the_page(s):
    now = int(time.time())
    add_news(s, "bientot", "Publiée dans deux secondes", now + 2)
    add_news(s, "bientot-finie", "Dépubliée dans deux secondes", now - 60, now + 2)
    state, page = home(s)
    assert "Publiée dans deux secondes" not in page
    assert "Dépubliée dans deux secondes" in page
    assert home(s)[0] == "hit"
    while time.time() < now + 2.2:
        time.sleep(0.2)
    # nothing was written: the window alone changed what is shown
    state, page = home(s)
    assert state == "miss", state
    assert "Publiée dans deux secondes" in page
    assert "Dépubliée dans deux secondes" not in page


@test(own=True)
def signed_in_visitors_get_their_own_layout_from_the_kept_data(s):
    state, anon = home(s)
    assert home(s)[0] == "hit"
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    st, h, page = b.get("/")
    assert st == 200
    assert h["X-Robinet-Cache"] == "hit"
    assert "Se déconnecter" in page and 'href="/mon-espace"' in page
    assert "Se déconnecter" not in anon
    # the anonymous page kept is not the signed-in one, and back
    state, again = home(s)
    assert state == "hit" and again == anon and "Se déconnecter" not in again
    # a change seen by the signed-in visitor too (within news_recheck_ms)
    add_news(s, "pour-abonnes", "Vue par les abonnés", int(time.time()) - 60)
    states = []
    while True:
        st, h, page = b.get("/")
        states.append(h["X-Robinet-Cache"])
        if "Vue par les abonnés" in page:
            break
        assert len(states) < 200, states
        time.sleep(0.05)
    assert states[-1] == "miss", states
    assert "Se déconnecter" in page
    # which did not put the signed-in layout in the anonymous page
    state, page = home(s)
    assert "Vue par les abonnés" in page and "Se déconnecter" not in page


@test(own=True)
def an_admin_on_another_server_changes_the_home_of_this_one(s):
    other = Server(s.db)
    try:
        home(s)
        assert home(s)[0] == "hit"
        b, _, _ = agent_browser(other, "admin")
        st, _, _ = b.get("/agent/actualites/nouvelle")     # its form's CSRF token
        assert st == 200, st
        st, h, _ = b.post("/agent/actualites/nouvelle", form(
            titre="Publiée sur l'autre serveur",
            publication=paris_local(int(time.time()) - 3600)))
        assert st == 303, st
        # within news_recheck_ms (1 s by default)
        assert seen_within(s, "Publiée sur l&#39;autre serveur", 6) < 6
    finally:
        other.stop()


@test(env={"ROBINET_NEWS_RECHECK_MS": "5000"})
def a_change_by_another_process_shows_within_news_recheck_ms(s):
    """The stamp is kept for news_recheck_ms: no statement per request;
    a change made elsewhere shows once it is read again."""
    home(s)
    assert home(s)[0] == "hit"
    start = time.monotonic()
    add_news(s, "plus-tard", "Vue après le délai", int(time.time()) - 60)
    state, page = home(s)
    if time.monotonic() - start < 4:
        assert state == "hit" and "Vue après le délai" not in page, state
    took = seen_within(s, "Vue après le délai", 10)
    assert took < 10, took


@test(env={"ROBINET_NEWS_RECHECK_MS": "60000"})
def a_change_made_through_this_server_shows_at_once(s):
    """A news write of this server reads the stamp again at the next
    request, whatever news_recheck_ms."""
    home(s)
    assert home(s)[0] == "hit"
    b, _, _ = agent_browser(s, "admin")
    st, _, _ = b.get("/agent/actualites/nouvelle")
    assert st == 200, st
    st, h, _ = b.post("/agent/actualites/nouvelle", form(
        titre="Publiée sur ce serveur",
        publication=paris_local(int(time.time()) - 3600)))
    assert st == 303, st
    state, page = home(s)
    assert state == "miss" and "Publiée sur ce serveur" in page, state
    v = Browser(s)
    assert v.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    st, _, page = v.get("/")
    assert "Publiée sur ce serveur" in page


def signout_token(page):
    m = re.search(r'action="/deconnexion" class="inline"><input type="hidden" '
                  r'name="csrf" value="([^"]*)"', page)
    assert m, "no sign-out form"
    return m.group(1)


@test(own=True)
def each_signed_in_visitor_gets_his_own_token_in_the_kept_page(s):
    """The signed-in page kept is cut at the visitor's fields: each
    visitor's home carries his own token (the one of his other pages),
    and is byte for byte the page rendered for him afresh."""
    home(s)
    visitors = []
    for _ in range(2):
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        st, _, space = b.get("/mon-espace")
        assert st == 200, st
        visitors.append((b, signout_token(space)))
    assert visitors[0][1] != visitors[1][1]
    # a change: the next page is rendered for its visitor, then kept
    add_news(s, "decoupe", "Page découpée", int(time.time()) - 60)
    fresh = seen_within(s, "Page découpée", 6) and None
    pages = []
    for b, token in visitors:
        st, h, first = b.get("/")
        st, h, again = b.get("/")
        assert st == 200 and h["X-Robinet-Cache"] == "hit", h["X-Robinet-Cache"]
        check_page(again.encode())
        assert signout_token(again) == token
        assert "Page découpée" in again and "Se déconnecter" in again
        pages.append((first, again))
    assert pages[0][1].replace(visitors[0][1], "T") == pages[1][1].replace(visitors[1][1], "T")
    # rendered for the visitor by the template, or spliced: the same bytes
    b, token = visitors[0]
    sql(s, "UPDATE news SET title = 'Page découpée encore' WHERE slug = 'decoupe'")
    while True:
        st, h, rendered = b.get("/")
        if "Page découpée encore" in rendered:
            break
        time.sleep(0.05)
    assert fresh is None
    st, h, spliced = b.get("/")
    assert h["X-Robinet-Cache"] == "hit", h["X-Robinet-Cache"]
    assert spliced == rendered


def service_sentence(s, path):
    st, _, body = s.request("GET", path)
    assert st == 200, (path, st)
    m = re.search(r"Le service client est [^<]*", body.decode())
    assert m, path
    return m.group(0)


@test(own=True)
def the_home_page_tells_the_service_hours_as_the_contact_page_does(s):
    """The home page's service sentence (computed once a second per
    request thread, with the default days and holidays around the hours
    of the setting) is the contact page's, on the kept page as on a
    fresh one, anonymous or signed in."""
    for _ in range(5):
        before = service_sentence(s, "/contact")
        pages = [service_sentence(s, "/") for _ in range(3)]
        b = Browser(s)
        st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
        assert st == 303, st
        st, _, body = b.get("/")
        assert st == 200, st
        m = re.search(r"Le service client est [^<]*", body)
        assert m, "no service sentence signed in"
        pages.append(m.group(0))
        after = service_sentence(s, "/contact")
        if before == after:    # no opening or closing between the two
            break
    assert before == after, (before, after)
    assert "Il ouvre" in before or "ouvert jusqu" in before, before
    assert pages == [before] * 4, (before, pages)


def raw_get(conn, method="GET"):
    conn.request(method, "/")
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200, r.status
    return [(k, v) for k, v in r.getheaders()], body


@test(own=True)
def the_kept_answer_is_the_page_s_own_with_each_request_s_date(s):
    """From the third anonymous request on, the home page is one answer
    built once (web/server.c, rb_kept): the same headers and bytes as the
    page kept before it, HEAD without its body, and the Date of each
    request's own second."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    answers = [raw_get(c) for _ in range(4)]
    assert dict(answers[0][0])["X-Robinet-Cache"] == "miss"
    undated = [([h for h in hs if h[0] != "Date"], b) for hs, b in answers[1:]]
    assert undated[0] == undated[1] == undated[2], undated
    assert dict(undated[0][0])["X-Robinet-Cache"] == "hit"
    assert dict(undated[0][0])["Content-Length"] == str(len(answers[0][1]))
    assert answers[1][1] == answers[0][1]
    check_page(answers[3][1])
    heads, body = raw_get(c, "HEAD")
    assert body == b"" and [h for h in heads if h[0] != "Date"] == undated[0][0], heads
    dates = []
    for _ in range(2):
        time.sleep(1.1)
        # The server's time(NULL) reads the kernel's coarse clock, which
        # may lag time.time() by a tick (4 ms at 250 Hz) past a second.
        before = int(time.time() - 0.02)
        hs, _ = raw_get(c)
        after = int(time.time())
        t = calendar.timegm(email.utils.parsedate(dict(hs)["Date"]))
        assert before <= t <= after, (dict(hs)["Date"], before, after)
        dates.append(t)
    assert dates[0] < dates[1], dates
    c.close()


@test(own=True)
def the_kept_answer_is_replaced_while_others_read_it(s):
    """Readers on keep-alive connections while another process adds news
    items: every answer is a whole page (its Content-Length, the layout
    closed), and once the writes stop the page shows the last one and is
    kept again."""
    stop = threading.Event()
    errors, counts = [], []

    def reader():
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=20)
        n = 0
        try:
            while not stop.is_set():
                hs, body = raw_get(c)
                assert dict(hs)["Content-Length"] == str(len(body))
                check_page(body)
                n += 1
        except Exception as e:      # reported below
            errors.append(repr(e))
        finally:
            c.close()
            counts.append(n)
    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    base = int(time.time()) - 60
    try:
        for i in range(6):
            time.sleep(0.3)
            add_news(s, "pendant-%d" % i, "Écrite pendant la lecture %d" % i, base + i)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [], errors[:3]
    assert min(counts) > 0, counts
    seen_within(s, "Écrite pendant la lecture 5", 6)
    state, page = home(s)
    assert state == "hit", state
    # the newest one (the page shows the latest items only)
    assert "Écrite pendant la lecture 5" in page
