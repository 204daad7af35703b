"""The bill PDFs of the demo as subscribers download them (issue 9,
"Words and the bill PDF"): no two words overlap on any page and none
leaves it, checked with `pdftotext -bbox` (poppler-utils); the bill
says "Date limite de paiement" and never "échéance". The demo is made
for 5 December 2026, when contract 1000000001 has a bill due on
23 December 2026: the date that wrapped over the status."""
import os
import re
import subprocess
import tempfile

import dbx
import harness
from harness import test, run_cli
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

DAY = "2026-12-05"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
SLACK = 0.25


def overlaps(pdf):
    """Problems of the PDF bytes: pairs of overlapping words, words off the page."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(pdf)
    try:
        out = subprocess.run(["pdftotext", "-bbox", f.name, "-"], capture_output=True, check=True,
                             text=True).stdout
    finally:
        os.unlink(f.name)
    bad = []
    for n, page in enumerate(out.split("<page ")[1:], 1):
        w, h = (float(x) for x in PAGE.match("<page " + page).groups())
        words = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in WORD.findall(page)]
        for i, (x0, y0, x1, y1, t) in enumerate(words):
            if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
                bad.append("page %d: %s leaves the page" % (n, t))
            for (u0, v0, u1, v1, o) in words[i + 1:]:
                if x0 + SLACK < u1 and u0 + SLACK < x1 and y0 + SLACK < v1 and v0 + SLACK < y1:
                    bad.append("page %d: %r over %r" % (n, t, o))
    return bad


@test
def demo_bill_pdfs_never_set_a_word_over_another(s):
    d = tempfile.mkdtemp(prefix="robinet-pdf-layout-")
    db = dbx.new_db(path=os.path.join(d, "demo.db"))
    rc, _, err = run_cli("demo", "--db", dbx.url(db), "--contracts", "60", "--today", DAY)
    assert rc == 0, err
    srv = harness.Server(db, env={"ROBINET_TODAY": DAY, "ROBINET_PDF_CACHE_DIR": os.path.join(d, "pdf")})
    try:
        numbers = [r[0] for r in harness.db_rows(srv, "SELECT i.number, i.due_on FROM invoices i "
                                                      "JOIN account_contracts ac ON ac.contract_id = i.contract_id "
                                                      "JOIN web_accounts a ON a.id = ac.account_id "
                                                      "WHERE a.email = ? ORDER BY i.issued_on DESC", DEMO_EMAIL)]
        due = harness.db_rows(srv, "SELECT i.number FROM invoices i JOIN contracts c ON c.id = i.contract_id "
                                   "WHERE c.number = '1000000001' AND i.due_on = '2026-12-23'")
        assert due, "the demo has no bill of 1000000001 due on 23 December 2026"
        assert due[0][0] in numbers
        b = Browser(srv)
        assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
        import http.client
        for number in numbers[:8]:
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            c.request("GET", "/mes-factures/%s.pdf" % number,
                      headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
            r = c.getresponse()
            pdf = r.read()
            c.close()
            assert r.status == 200 and pdf.startswith(b"%PDF"), (number, r.status)
            bad = overlaps(pdf)
            assert not bad, (number, bad[:10])
            text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                  check=True).stdout.decode()
            assert "Date limite de paiement" in text, number
            assert "échéance" not in text.lower(), number
    finally:
        srv.stop()
