"""HTTP tests of "Ma consommation" (/ma-consommation and its CSV): the
page for each demo contract with its SVG chart (decorative for assistive
technology: the table carries the same figures) and the comparison with a year earlier, the daily
view of the remote-read meter, the CSV download, 404 for a contract of
someone else, bad dates and parameters shown on the form (400 with a
French sentence for the CSV),
the redirect of signed-out visitors, and the abnormal consumption rule
end to end: `robinet alerts` on a crafted bill sends exactly one email
through a real SMTP server, the page and the bill show the alert, and a
second run sends nothing."""
import datetime
import html
import re
import time

import dbx
from harness import test, check_page, check_security_headers, run_cli, PINNED, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, smtp_env, mail_text, mail_html

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
          "août", "septembre", "octobre", "novembre", "décembre"]
SUBJECT = "Consommation d'eau anormalement élevée sur votre contrat 1000000001"


def signed_in(s):
    b = Browser(s)
    st, h, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def m3(litres):
    return "%d,%03d" % (litres // 1000, litres % 1000)


def fr_date(iso):
    d = datetime.date.fromisoformat(iso)
    return "%s %s %d" % ("1er" if d.day == 1 else str(d.day), MONTHS[d.month - 1], d.year)


def today():
    """The date the servers believe it is (harness.TODAY), never the clock's."""
    return datetime.date.fromisoformat(TODAY)


def three_years_back(d):
    try:
        return d.replace(year=d.year - 3)
    except ValueError:
        return d.replace(year=d.year - 3, day=28)


def periods_in_db(db, number, frm, to):
    con = dbx.connect(db)
    rows = con.execute(
        "SELECT i.period_start, i.period_end, i.volume_litres FROM invoices i"
        " JOIN contracts c ON c.id = i.contract_id WHERE c.number = ?"
        " AND i.status <> 'cancelled' AND i.period_end BETWEEN ? AND ?"
        " ORDER BY i.period_end", (number, frm, to)).fetchall()
    con.close()
    return rows


def table_rows(page):
    """The rows of the page's table: (header cell, [data cells])."""
    m = re.search(r"<table>(.*?)</table>", page, re.S)
    assert m, "no table"
    t = m.group(1)
    assert "<caption>" in t, "table without caption"
    assert 'scope="col"' in t
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", t, re.S).group(1), re.S):
        th = re.search(r'<th scope="row">(.*?)</th>', tr, re.S)
        assert th, "row without a row header"
        tds = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        out.append((" ".join(html.unescape(re.sub(r"<[^>]+>", " ", th.group(1))).split()), tds))
    return out


def chart_of(page):
    m = re.search(r"<svg [^>]*>.*?</svg>", page, re.S)
    assert m, "no chart"
    svg = m.group(0)
    # Decorative for assistive technology: the table is the accessible
    # source (issue 11), so no name, no description, no focus.
    head = re.match(r"<svg [^>]*>", svg).group(0)
    assert 'aria-hidden="true"' in head and 'focusable="false"' in head, head
    assert "role=" not in head and "aria-label" not in head, head
    assert "<desc" not in svg and not re.search(r"<svg [^>]*><title", svg), svg[:300]
    # Text browsers print the labels inline: each on its own line.
    assert not re.search(r"</text><text", svg), "labels run together"
    assert "style=" not in svg, "inline style in the chart"
    # Integer coordinates only.
    for v in re.findall(r'\b(?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg):
        assert re.fullmatch(r"-?\d+", v), "coordinate %r" % v
    bars = [html.unescape(t) for t in re.findall(r"<g><title>(.*?)</title>", svg, re.S)]
    return svg, bars


# ---------------------------------------------------------------- pages

@test
def consumption_page_shows_periods_with_the_year_before(s):
    b = signed_in(s)
    frm, to = three_years_back(today()).isoformat(), today().isoformat()
    for number in ("1000000001", "1000000002"):
        st, h, page = b.get("/ma-consommation?contrat=" + number)
        assert st == 200, (number, st, page[:300])
        check_page(page.encode())
        check_security_headers({k.lower(): v for k, v in h.items()})
        assert "no-store" in h["Cache-Control"]
        assert "<h1>Ma consommation</h1>" in page
        assert "Même période un an plus tôt" in page
        want = periods_in_db(s.db, number, frm, to)
        assert len(want) >= 4, want
        rows = table_rows(page)
        assert len(rows) == len(want), (rows, want)
        svg, bars = chart_of(page)
        assert len(bars) == len(want)
        by_end = {e: l for _, e, l in periods_in_db(s.db, number, "2000-01-01", "2099-12-31")}
        for (start, end, litres), (head, cells), bar in zip(want, rows, bars):
            assert head == "Du %s au %s" % (fr_date(start), fr_date(end)), head
            assert cells[1] == m3(litres), (cells, litres)
            # The same period a year earlier: the bill ending within 45 days.
            d = datetime.date.fromisoformat(end)
            prev = [l for e, l in by_end.items()
                    if abs((datetime.date.fromisoformat(e) - d.replace(year=d.year - 1)).days) <= 45]
            if prev:
                assert cells[2] == m3(prev[0]), (cells, prev)
                d_l = litres - prev[0]
                pct = (abs(d_l) * 200 + prev[0]) // (2 * prev[0])
                want_change = "0 %" if pct == 0 else "%s%d %%" % ("-" if d_l < 0 else "+", pct)
                assert cells[3] == want_change, (cells, want_change)
            else:
                assert cells[2] == "pas de donnée"
            # The chart's bar says the same numbers as the row.
            assert bar.startswith(head + " : " + cells[1] + " m³"), (bar, head, cells)
            if prev:
                assert bar.endswith("un an plus tôt : %s m³" % cells[2]), bar
        assert 'href="/ma-consommation.csv?contrat=%s&amp;vue=periodes&amp;du=%s&amp;au=%s"' % (
            number, frm, to) in page
        assert "Télécharger (CSV)" in page
    # Without a contract: the first of the space.
    st, _, page = b.get("/ma-consommation")
    assert st == 200 and '<option value="1000000001" selected>' in page


@test
def consumption_page_shows_the_archive_under_the_old_number(s):
    b = signed_in(s)
    st, _, page = b.get("/ma-consommation?contrat=1000000001&du=2021-01-01&au=2023-12-31")
    assert st == 200, st
    rows = table_rows(page)
    want = periods_in_db(s.db, "1000000001", "2021-01-01", "2023-12-31")
    assert len(rows) == len(want) >= 4
    for head, _ in rows:
        assert "Contrat 1234560A (archives)" in head, head
    assert "ancien numéro de contrat 1234560A" in page
    # The old number reaches the same contract.
    st, _, page2 = b.get("/ma-consommation?contrat=1234560A&du=2021-01-01&au=2023-12-31")
    assert st == 200 and table_rows(page2) == rows


@test
def consumption_daily_view_of_the_remote_read_meter(s):
    b = signed_in(s)
    st, _, page = b.get("/ma-consommation?contrat=1000000001&vue=jours")
    assert st == 200, st
    check_page(page.encode())
    rows = table_rows(page)
    assert 80 <= len(rows) <= 90, len(rows)
    svg, bars = chart_of(page)
    assert len(bars) == len(rows)
    con = dbx.connect(s.db)
    idx = dict(con.execute(
        "SELECT r.read_on, max(r.index_litres) FROM meter_readings r JOIN meters m ON m.id = r.meter_id"
        " JOIN contracts c ON c.id = m.contract_id WHERE c.number = '1000000001' AND r.source = 'remote'"
        " GROUP BY r.read_on").fetchall())
    con.close()
    first = (today() - datetime.timedelta(days=89)).isoformat()
    dates = sorted(d for d in idx if first <= d <= today().isoformat()
                   and (datetime.date.fromisoformat(d) - datetime.timedelta(days=1)).isoformat() in idx)
    assert len(dates) == len(rows)
    for d, (head, cells), bar in zip(dates, rows, bars):
        prev = (datetime.date.fromisoformat(d) - datetime.timedelta(days=1)).isoformat()
        litres = idx[d] - idx[prev]
        assert head == fr_date(d), (head, d)
        assert cells == [str(litres)], (cells, litres)
        assert bar == "%s : %d litres" % (fr_date(d), litres), bar
    # A meter read by hand has no daily view.
    st, _, page = b.get("/ma-consommation?contrat=1000000002&vue=jours")
    assert st == 200 and "n'est pas relevé à distance" in page
    assert "<svg" not in page and "<table>" not in page


@test
def consumption_csv_holds_the_figures_of_the_page(s):
    b = signed_in(s)
    for view in ("periodes", "jours"):
        q = "contrat=1000000001&vue=%s" % view
        st, h, page = b.get("/ma-consommation?" + q)
        assert st == 200
        rows = table_rows(page)
        link = html.unescape(re.search(r'href="(/ma-consommation\.csv\?[^"]+)"', page).group(1))
        c = __import__("http.client").client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        c.request("GET", link, headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200, r.status
        assert r.getheader("Content-Type") == "text/csv; charset=utf-8"
        cd = r.getheader("Content-Disposition")
        assert cd.startswith("attachment; filename=\"consommation-1000000001-%s-" % view), cd
        assert body.startswith(b"\xef\xbb\xbf"), "no BOM"
        text = body[3:].decode("utf-8")
        lines = text.split("\r\n")
        assert lines[-1] == ""
        lines = lines[:-1]
        if view == "periodes":
            assert lines[0] == ("Début;Fin;Jours;Consommation (litres);Consommation (m³);"
                                "Même période un an plus tôt (litres);Même période un an plus tôt (m³);"
                                "Relevé;Consommation anormale")
        else:
            assert lines[0] == "Date;Consommation (litres);Consommation (m³)"
        assert len(lines) - 1 == len(rows), (len(lines), len(rows))
        for line, (head, cells) in zip(lines[1:], rows):
            f = line.split(";")
            if view == "periodes":
                assert len(f) == 9, f
                assert head == "Du %s au %s" % (fr_date(f[0]), fr_date(f[1]))
                assert f[2] == cells[0] and f[4] == cells[1] == m3(int(f[3]))
                assert f[6] == (cells[2] if cells[2] != "pas de donnée" else "")
                assert f[7] == cells[4] and f[8] == "non"
            else:
                assert len(f) == 3, f
                assert head == fr_date(f[0]) and f[1] == cells[0] and f[2] == m3(int(f[1]))


@test
def consumption_of_another_contract_is_not_found(s):
    b = signed_in(s)
    answers = []
    for number in ("1000000004", "9999999999"):
        for path in ("/ma-consommation?contrat=", "/ma-consommation.csv?contrat=",
                     "/ma-consommation?vue=jours&contrat="):
            st, _, page = b.get(path + number)
            assert st == 404, (path, number, st)
            assert "1000000004" not in page
            answers.append(page)
    assert answers[0] == answers[3], "a contract of someone else differs from an unknown one"


@test
def consumption_bad_dates_and_parameters_stay_on_the_form_or_answer_400_for_the_csv(s):
    b = signed_in(s)
    cases = [
        ("du=2024-13-01", "n'est pas une date valide"),
        ("du=2023-02-29", "n'est pas une date valide"),
        ("au=29/11/2026", "n'est pas une date valide"),
        ("du=hier", "AAAA-MM-JJ"),
        ("du=2025-06-01&au=2025-01-01", "La date de début doit être antérieure"),
        ("du=2019-01-01&au=2024-01-01", "ne peut pas dépasser trois ans"),
        ("du=2022-01-01&au=2025-01-02", "ne peut pas dépasser trois ans"),
        ("vue=semaine", "L'affichage demandé n'existe pas"),
        ("contrat=12ab", "Le numéro de contrat doit comporter"),
        ("contrat=1000000001%27--", "Le numéro de contrat doit comporter"),
        ("vue=jours&du=2024-01-01&au=2025-06-01", "366 jours au plus"),
    ]
    for q, msg in cases:
        for path in ("/ma-consommation?", "/ma-consommation.csv?"):
            st, _, page = b.get(path + q)
            if path.endswith(".csv?"):
                assert st == 400, (path, q, st)
                assert msg in html.unescape(page) or "366 jours au plus" in html.unescape(page), \
                    (q, page[-1200:])
            else:
                # The page: the form again, the error on it (issue 11);
                # a daily range too long is cut, with a notice.
                assert st == 200, (path, q, st)
                assert msg in html.unescape(page), (q, page[-1200:])
                assert ("Erreur : " in page) == ("366" not in msg), q
            check_page(page.encode())
    # Exactly three years is allowed.
    st, _, _ = b.get("/ma-consommation?du=2022-01-02&au=2025-01-02")
    assert st == 200
    # The date typed is shown back escaped.
    st, _, page = b.get("/ma-consommation?du=%3Cb%3E")
    assert st == 200 and "<b>" not in page and "&lt;b&gt;" in page


@test
def consumption_signed_out_visitors_go_to_the_sign_in_page(s):
    for path in ("/ma-consommation", "/ma-consommation.csv?contrat=1000000001",
                 "/ma-consommation?contrat=1000000004"):
        st, h, _ = s.request("GET", path)
        assert st == 303 and h["location"] == "/connexion", (path, st)


@test
def consumption_of_an_archive_visit_stops_at_2023(s):
    from test_archive import open_archive
    b, st, h, _ = open_archive(s)
    assert st == 303, st
    st, _, page = b.get("/ma-consommation")
    assert st == 200, st
    check_page(page.encode())
    con = dbx.connect(s.db)
    want = con.execute(
        "SELECT i.period_start, i.period_end FROM invoices i JOIN contracts c ON c.id = i.contract_id"
        " WHERE c.number = '1000000003' AND i.archived = 1 AND i.period_end BETWEEN '2020-12-31' AND '2023-12-31'"
        " ORDER BY i.period_end").fetchall()
    con.close()
    rows = table_rows(page)
    assert len(rows) == len(want) >= 4, (rows, want)
    for (start, end), (head, _) in zip(want, rows):
        assert head == "Du %s au %s Contrat 1234567A (archives)" % (fr_date(start), fr_date(end)), head
    # Nothing after 2023, and no other contract.
    st, _, page = b.get("/ma-consommation?du=2024-01-01&au=2026-06-30")
    assert st == 200 and "Aucune consommation" in page and "<table>" not in page
    st, _, _ = b.get("/ma-consommation?contrat=1000000001")
    assert st == 404
    st, _, _ = b.get("/ma-consommation.csv?contrat=1234567A&du=2021-01-01&au=2023-12-31")
    assert st == 200


# ---------------------------------------------------------------- alerts

def alerts(s):
    return run_cli("alerts", "--db", dbx.url(s.db),
                   env=dict(PINNED, ROBINET_PUBLIC_URL="http://127.0.0.1:%d" % s.port))


@test(env=smtp_env())
def consumption_abnormal_sends_one_email_and_shows_on_the_page(s):
    box = mailbox()
    con = dbx.connect(s.db)
    bill, start, end, litres = con.execute(
        "SELECT i.number, i.period_start, i.period_end, i.volume_litres FROM invoices i"
        " JOIN contracts c ON c.id = i.contract_id WHERE c.number = '1000000001'"
        " ORDER BY i.period_end DESC LIMIT 1").fetchone()
    same = [(l, (datetime.date.fromisoformat(e) - datetime.date.fromisoformat(b)).days + 1)
            for l, b, e in con.execute(
                "SELECT i.volume_litres, i.period_start, i.period_end"
                " FROM invoices i JOIN contracts c ON c.id = i.contract_id WHERE c.number = '1000000001'"
                " AND i.period_end < ? ORDER BY i.period_end DESC LIMIT 6", (end,)).fetchall()]
    # The same periods of the three previous years are every other bill.
    prev = [same[1], same[3], same[5]]
    days = (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days + 1
    average = sum(l for l, _ in prev) * days // int(sum(d for _, d in prev))
    # Exactly twice the average (per day) is not abnormal...
    twice = (2 * sum(l for l, _ in prev) * days) // int(sum(d for _, d in prev))
    con.execute("UPDATE invoices SET volume_litres = ? WHERE number = ?", (twice, bill))
    con.commit()
    rc, out, err = alerts(s)
    assert rc == 0 and "0 new" in out, (rc, out, err)
    # ... one litre more than that is.
    raised = twice + 1
    con.execute("UPDATE invoices SET volume_litres = ? WHERE number = ?", (raised, bill))
    con.commit()
    rc, out, err = alerts(s)
    assert rc == 0 and "1 new" in out and "1 email" in out, (rc, out, err)
    rc, out, err = run_cli("mail", "send", "--db", dbx.url(s.db), env=smtp_env())
    msg = box.wait(DEMO_EMAIL, SUBJECT)
    assert str(msg["subject"]) == SUBJECT
    text = mail_text(msg)
    for part in ("contrat 1000000001", m3(raised) + " m³", m3(average) + " m³",
                 fr_date(start), fr_date(end), "plomberie", "un mois", "attestation",
                 "relevez l'index de votre compteur", "L2224-12-4",
                 "http://127.0.0.1:%d/ma-consommation?contrat=1000000001" % s.port):
        assert part in text.replace("\n", " ").replace("  ", " ") or part in text, (part, text)
    assert "<html lang=\"fr\">" in mail_html(msg)
    # Only one email about it, and nothing on a second run.
    time.sleep(1.5)
    assert not [m for r, m in box.messages if DEMO_EMAIL in r and "anormalement" in str(m["subject"])]
    rc, out, err = alerts(s)
    assert rc == 0 and "0 new" in out and "0 email" in out, (rc, out, err)
    run_cli("mail", "send", "--db", dbx.url(s.db), env=smtp_env())
    time.sleep(1.5)
    assert not [m for r, m in box.messages if DEMO_EMAIL in r and "anormalement" in str(m["subject"])]
    assert con.execute("SELECT count(*) FROM consumption_alerts a JOIN invoices i ON i.id = a.invoice_id"
                       " WHERE i.number = ? AND a.litres = ? AND a.average_litres = ?"
                       " AND a.mailed_at IS NOT NULL", (bill, raised, average)).fetchone()[0] == 1
    con.close()

    b = signed_in(s)
    # This server delivers through SMTP, so it runs on the real date: the
    # range is given, computed from the data's date.
    span = "&du=%s&au=%s" % (three_years_back(today()).isoformat(), today().isoformat())
    st, _, page = b.get("/ma-consommation?contrat=1000000001" + span)
    assert st == 200
    check_page(page.encode())
    assert "Consommation anormalement élevée" in page
    assert "vous avez consommé %s m³" % m3(raised) in page
    assert "(%s m³)" % m3(average) in page
    flagged = [head for head, cells in table_rows(page) if cells[-1] == "Consommation anormale"]
    assert flagged == ["Du %s au %s" % (fr_date(start), fr_date(end))], flagged
    assert 'class="bar bar-alert"' in page
    st, _, bill_page = b.get("/mes-factures/" + bill)
    assert st == 200 and "anormalement élevée" in bill_page, st
    # The other contract has no alert.
    st, _, page = b.get("/ma-consommation?contrat=1000000002" + span)
    assert "Consommation anormalement élevée" not in page and "Consommation anormale" not in page
