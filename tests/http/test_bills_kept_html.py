"""HTTP tests of the pages whose content is kept as HTML with their data
(app/pagefrag.h): a bill's page and /mes-donnees. The page written from
the kept HTML is byte for byte the page a server that keeps nothing
(data_cache off: every request makes its HTML afresh) writes for the
same session, on PostgreSQL where the data is kept; on SQLite both make
it afresh and the same holds."""
import re
import time

import dbx
import harness
from harness import test
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_bills import CARD_ENV
from test_pay import demo_bills


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
