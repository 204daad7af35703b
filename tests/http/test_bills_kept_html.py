"""HTTP tests of the pages whose content is kept as HTML with their data
(app/pagefrag.h): a bill's page, /mes-donnees and /ma-consommation (its
views and queries, two sessions each with its own token in the leak
alert's form, markup in the data). The page written from
the kept HTML is byte for byte the page a server that keeps nothing
(data_cache off: every request makes its HTML afresh) writes for the
same session, on PostgreSQL where the data is kept; on SQLite both make
it afresh and the same holds."""
import datetime
import html
import re
import time

import dbx
import harness
from harness import test
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_bills import CARD_ENV
from test_pay import demo_bills
from test_selfservice import run_alerts


def hits(s):
    text = s.request("GET", "/metrics")[2].decode()
    return int(re.search(r"^robinet_data_cache_hits_total (\d+)$", text, re.M).group(1))


def kept_page(s, a, path):
    """The page at its first request, and again served from memory: on
    PostgreSQL until a request is a hit of the data cache (a write's
    notice, the sign-in's or the other server's, may evict it between
    two requests)."""
    deadline = time.monotonic() + 2.0
    while True:
        st, _, first = a.get(path)
        assert st == 200, (path, st)
        if not dbx.CLUSTER:
            return first, a.get(path)[2]
        n = hits(s)
        st, _, kept = a.get(path)
        assert st == 200, (path, st)
        if hits(s) == n + 1:
            return first, kept
        assert time.monotonic() < deadline, "never served from memory: " + path


@test(env=CARD_ENV)
def kept_html_pages_are_the_bytes_of_pages_made_afresh(s):
    number = demo_bills(s)[0][0]          # made due: its payment form shown
    a = Browser(s)
    assert a.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    numbers = sorted(set(re.findall(r'href="/mes-factures/([A-Z0-9-]+)"',
                                    a.get("/mes-factures")[2] + a.get("/mes-factures?archives=1")[2])))
    assert number in numbers and len(numbers) >= 3, numbers
    fresh = harness.Server(s.db, env=dict(CARD_ENV, ROBINET_DATA_CACHE="false"))
    try:
        b = Browser(fresh)
        b.cookies = dict(a.cookies)        # the same session
        for path in ["/mes-donnees"] + ["/mes-factures/" + n for n in numbers]:
            first, kept = kept_page(s, a, path)
            st, _, made = b.get(path)
            assert st == 200, (path, st)
            assert first == made, path
            assert kept == made, path
        page = a.get("/mes-factures/" + number)[2]
        assert 'action="/paiement"' in page
    finally:
        assert fresh.stop() == 0, fresh.final_log[-2000:]


def metric(s, name):
    text = s.request("GET", "/metrics")[2].decode()
    return int(re.search(r"^%s (\d+)$" % name, text, re.M).group(1))


def served_from_memory(s, b, path):
    """The page at its first request (which keeps its query's data), and
    again with every read a hit of the data cache (retried while a
    notice evicts it in between), when the cache is on; else twice."""
    deadline = time.monotonic() + 2.0
    while True:
        st, _, first = b.get(path)
        assert st == 200, (path, st)
        if not metric(s, "robinet_data_cache_on"):
            return first, b.get(path)[2]
        hit = metric(s, "robinet_data_cache_hits_total")
        miss = metric(s, "robinet_data_cache_misses_total")
        st, _, kept = b.get(path)
        assert st == 200, (path, st)
        if metric(s, "robinet_data_cache_hits_total") > hit and \
                metric(s, "robinet_data_cache_misses_total") == miss:
            return first, kept
        assert time.monotonic() < deadline, "never served from memory: " + path


def tokens(page):
    """The session's token in the layout (sign-out form) and in the leak
    alert's form."""
    alert = re.search(r'action="/ma-consommation/alerte" class="form">\s*'
                      r'<input type="hidden" name="csrf" value="([^"]*)"', page)
    return re.findall(r'name="csrf" value="([^"]*)"', page), alert and alert.group(1)


@test(own=True)
def kept_consumption_pages_are_the_bytes_of_pages_made_afresh(s):
    # A possible leak on the remote-read meter of 1000000001 (the demo's),
    # its meter's serial holding markup.
    assert run_alerts(s)[0] == 1
    con = dbx.connect(s.db)
    con.execute("UPDATE meters SET serial = ? WHERE contract_id = (SELECT id FROM contracts"
                " WHERE number = '1000000001') AND remote_read = 1", ('<i>M&"1</i>',))
    con.commit()
    con.close()
    today = datetime.date.fromisoformat(harness.TODAY)
    day = lambda n: (today - datetime.timedelta(days=n)).isoformat()
    daily = "/ma-consommation?contrat=1000000001&vue=jours"
    # Consecutive paths of one query (the same kept data) whose HTML
    # differs: a notice, a range cut or not, a refused query.
    paths = ["/ma-consommation", "/ma-consommation?du=2024-02-30",
             "/ma-consommation?contrat=&vue=", daily, daily + "&fait=alerte", daily + "&fait=autre",
             daily + "&du=%s&au=%s" % (day(365), day(0)), daily + "&du=%s&au=%s" % (day(700), day(0)),
             daily + "&du=%s&au=%s" % (day(30), day(1)),
             "/ma-consommation?contrat=1000000001&vue=periodes&du=%s&au=%s" % (day(30), day(1)),
             "/ma-consommation?contrat=1000000001&du=%s&au=%s" % (day(30), day(1)),
             "/ma-consommation?contrat=1000000002", "/ma-consommation?contrat=1000000002&vue=jours",
             "/ma-consommation?contrat=1234560A&du=2021-01-01&au=2023-12-31",
             "/ma-consommation?du=%s&au=%s" % (day(500), day(10)),
             "/ma-consommation?vue=semaines", "/ma-consommation?du=%s&au=%s" % (day(1), day(9)),
             daily]
    sessions = []
    for _ in range(2):
        b = Browser(s)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        sessions.append(b)
    fresh = harness.Server(s.db, env={"ROBINET_DATA_CACHE": "false"})
    try:
        afresh = []
        for b in sessions:
            f = Browser(fresh)
            f.cookies = dict(b.cookies)        # the same session
            afresh.append(f)
        seen = {}
        for path in paths:
            for b, f in zip(sessions, afresh):
                first, kept = served_from_memory(s, b, path)
                st, _, made = f.get(path)
                assert st == 200, (path, st)
                assert first == made, path
                assert kept == made, path
                seen.setdefault(path, []).append(made)
        # Each session's own token, in the layout and the alert's form.
        (ta, fa), (tb, fb) = tokens(seen[daily][0]), tokens(seen[daily][1])
        assert fa and fb and fa != fb and set(ta) == {fa} and set(tb) == {fb}, (ta, tb)
        page = seen[daily][0]
        assert "&lt;i&gt;M&amp;&quot;1&lt;/i&gt;" in page and "<i>M" not in page
        assert "Fuite d'eau possible" in page
        assert "est enregistré" in seen[daily + "&fait=alerte"][0]
        assert "est enregistré" not in page
        assert "366 jours au plus" in seen[daily + "&du=%s&au=%s" % (day(700), day(0))][0]
        assert "366 jours au plus" not in seen[daily + "&du=%s&au=%s" % (day(365), day(0))][0]
        assert 'class="error-summary"' in seen["/ma-consommation?du=2024-02-30"][0]
        assert 'class="error-summary"' not in seen["/ma-consommation"][0]
    finally:
        assert fresh.stop() == 0, fresh.final_log[-2000:]
