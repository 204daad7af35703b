"""HTTP tests of the back-office actions of round 2 (issue 10): an agent
records a meter reading for the subscriber (the self-service rules, the
meter change an agent alone may confirm, a jump confirmed, the audit row
and the notice mailed), corrects the billing address and phones (history
with the agent, audit, notice mailed, markup shown as text), and
downloads the photos sent with readings (agents only, each download
audited)."""
import datetime
import html
import http.client
import json
import re
import dbx
from zoneinfo import ZoneInfo

from harness import test, check_page, db_rows, agent_browser, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, mail_text, mail_html, smtp_env
from test_agentdesk import ACT_ENV, customer_of, open_file

MEASURED = "source IN ('actual', 'customer', 'remote')"


def text(page):
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def manual_meter(s, number, today):
    """The manual meter of contract number, without readings from today on:
    (id, serial, last day, last litres)."""
    mid, serial = db_rows(s, "SELECT m.id, m.serial FROM meters m JOIN contracts c ON c.id = m.contract_id "
                             "WHERE c.number = ? AND m.removed_on IS NULL AND m.remote_read = 0", number)[0]
    con = dbx.connect(s.db)
    con.execute("DELETE FROM meter_readings WHERE meter_id = ? AND read_on >= ?", (mid, min(today, TODAY)))
    con.commit()
    con.close()
    day, litres = db_rows(s, "SELECT read_on, index_litres FROM meter_readings WHERE meter_id = ? AND " + MEASURED +
                          " ORDER BY read_on DESC, id DESC LIMIT 1", mid)[0]
    return mid, serial, day, litres


def usual_daily(s, mid, day, litres):
    """The rule of app/readings.h: litres a day over up to a year, at least 150."""
    d = datetime.date.fromisoformat(day)
    rows = db_rows(s, "SELECT read_on, index_litres FROM meter_readings WHERE meter_id = ? AND " + MEASURED +
                   " AND read_on >= ? AND read_on < ? ORDER BY read_on, id LIMIT 1", mid,
                   (d - datetime.timedelta(days=365)).isoformat(), (d - datetime.timedelta(days=27)).isoformat())
    if not rows:
        return 150
    days = (d - datetime.date.fromisoformat(rows[0][0])).days
    return max(150, (litres - rows[0][1]) // days) if days > 0 and litres > rows[0][1] else 150


def outbox(s, part):
    return db_rows(s, "SELECT count(*) FROM mail_outbox WHERE subject LIKE ?", "%" + part + "%")[0][0]


@test(env=smtp_env(ACT_ENV))
def agent_records_a_reading_with_the_subscribers_rules_and_mails_a_notice(s):
    box = mailbox()
    today = datetime.datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    cid = customer_of(s, "1000000002")
    mid, serial, day, litres = manual_meter(s, "1000000002", today)
    b, agent_id = open_file(s, role="agent")
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert st == 200
    check_page(page.encode())
    assert 'action="/agent/clients/%d/releve"' % cid in page and '<option value="%d">' % mid in page, page
    path = "/agent/clients/%d/releve" % cid

    def reading(**kw):
        f = {"compteur": str(mid), "confirmer": "1"}
        f.update(kw)
        return b.post(path, f)

    def today_rows():
        return db_rows(s, "SELECT index_litres, source, src_system FROM meter_readings "
                          "WHERE meter_id = ? AND read_on = ?", mid, today)

    def audits():
        return db_rows(s, "SELECT actor_kind, actor_id, target, detail FROM audit_log "
                          "WHERE action = 'reading.submitted' ORDER BY id")

    subject = "Index de compteur enregistré"
    # Not confirmed, lower, the same, decimals: refused, nothing recorded nor mailed.
    st, _, page = b.post(path, {"compteur": str(mid), "index": str(litres // 1000 + 1)})
    assert st == 400 and "Cochez la case" in page
    st, _, page = reading(index=str(litres // 1000 - 1))
    assert st == 400, st
    assert "est inférieur au dernier index du compteur %s" % serial in text(page), text(page)
    assert "Changement de compteur" in text(page)
    st, _, page = reading(index=str(litres // 1000))
    assert st == 400 and "rien de nouveau" in text(page)
    st, _, page = reading(index="12,5")
    assert st == 400 and "sans virgule" in text(page)
    st, _, page = reading(index="<b>1</b>")
    assert st == 400 and "que des chiffres" in text(page) and "<b>1" not in page
    assert today_rows() == [] and audits() == [] and outbox(s, subject) == 0
    # A jump asks for confirmation, then is recorded as the agent's.
    days = max(1, (datetime.date.fromisoformat(today) - datetime.date.fromisoformat(day)).days)
    usual = usual_daily(s, mid, day, litres)
    value = (litres + 3 * usual * days) // 1000 + 1
    st, _, page = reading(index=str(value))
    assert st == 200, st
    check_page(page.encode())
    assert "environ %d litres par jour" % usual in text(page), text(page)
    assert 'name="saut"' in page and 'name="index" value="%d"' % value in page
    assert today_rows() == [] and outbox(s, subject) == 0
    st, _, page = reading(index=str(value), saut="oui")
    assert st == 200 and "L'index est enregistré" in text(page), text(page)
    assert today_rows() == [(value * 1000, "customer", "agent")]
    (actor, aid, target, detail), = audits()
    assert (actor, aid, target) == ("agent", agent_id, "meter:" + serial)
    d = json.loads(detail)
    assert d["by"] == "agent" and d["jump_confirmed"] is True and d["meter_change"] is False
    assert d["index_litres"] == value * 1000 and d["contract"] == "1000000002"
    msg = box.wait(DEMO_EMAIL, subject)
    t = mail_text(msg)
    assert serial in t and "1000000002" in t and "/mon-index" in t, t
    assert "nouveau compteur" not in t
    # One reading a day, even by an agent.
    st, _, page = reading(index=str(value + 1), saut="oui")
    assert st == 400 and "déjà été enregistré aujourd'hui" in text(page)
    # The meter was replaced (another day: today's reading goes): a lower
    # index needs the agent's "changement de compteur".
    con = dbx.connect(s.db)
    con.execute("DELETE FROM meter_readings WHERE meter_id = ? AND read_on = ?", (mid, today))
    con.commit()
    con.close()
    st, _, page = reading(index="3")
    assert st == 400 and "inférieur" in text(page)
    st, _, page = reading(index="3", changement="1")
    assert st == 200 and "L'index est enregistré" in text(page), text(page)
    assert today_rows() == [(3000, "customer", "agent")]
    d = json.loads(audits()[-1][3])
    assert d["meter_change"] is True and audits()[-1][:2] == ("agent", agent_id)
    assert "nouveau compteur" in mail_text(box.wait(DEMO_EMAIL, subject))
    # A meter of another customer, or none: 404 / 400, nothing recorded.
    other = db_rows(s, "SELECT m.id FROM meters m JOIN contracts c ON c.id = m.contract_id "
                       "WHERE c.number = '1000000004'")[0][0]
    st, _, _ = reading(compteur=str(other), index="99999")
    assert st == 404
    st, _, _ = reading(compteur="x", index="99999")
    assert st == 400
    assert db_rows(s, "SELECT count(*) FROM meter_readings WHERE meter_id = ? AND read_on = ?", other, today) == [(0,)]
    assert len(audits()) == 2


@test(own=True)
def subscriber_cannot_record_a_reading_nor_reach_the_agent_actions(s):
    cid = customer_of(s, "1000000002")
    mid = db_rows(s, "SELECT m.id FROM meters m JOIN contracts c ON c.id = m.contract_id "
                     "WHERE c.number = '1000000002' AND m.remote_read = 0")[0][0]
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    b.get("/mon-index")
    for action, form in (("releve", {"compteur": str(mid), "index": "1", "changement": "1", "confirmer": "1"}),
                         ("adresse", {"ligne1": "1 rue", "code_postal": "59000", "commune": "Lille",
                                      "confirmer": "1"})):
        st, h, _ = b.post("/agent/clients/%d/%s" % (cid, action), form)
        assert st in (303, 403), (action, st)
    # The subscriber's own form: "changement" is not theirs to set.
    b.post("/mon-index", {"compteur": str(mid), "index": "1", "changement": "1", "rq_meter_change": "1"})
    assert db_rows(s, "SELECT count(*) FROM meter_readings WHERE src_system = 'agent'") == [(0,)]
    assert db_rows(s, "SELECT count(*) FROM customer_contact_history") == [(0,)]


XSS = '<script>alert("a")</script>'


@test(env=smtp_env(ACT_ENV))
def agent_corrects_address_and_phones_kept_in_history_audited_and_mailed(s):
    box = mailbox()
    cid = customer_of(s, "1000000001")
    b, agent_id = open_file(s, role="agent")
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert "Corriger l'adresse de facturation et les téléphones" in html.unescape(page)
    path = "/agent/clients/%d/adresse" % cid
    good = {"ligne1": XSS, "ligne2": "Bât. <b>B</b>", "code_postal": "59 800", "commune": "Lille",
            "mobile": "06 12 34 56 78", "fixe": ""}
    subject = "adresse de facturation"
    old = db_rows(s, "SELECT address_line1, postcode, mobile FROM customers WHERE id = ?", cid)[0]
    good["fixe"] = db_rows(s, "SELECT coalesce(phone, '') FROM customers WHERE id = ?", cid)[0][0]
    # Refused in French, per field, with what was typed kept; nothing written.
    st, _, page = b.post(path, dict(good, code_postal="5900", confirmer="1"))
    assert st == 400, st
    check_page(page.encode())
    assert "Le code postal compte 5 chiffres" in text(page)
    assert 'id="code_postal" name="code_postal" type="text" value="5900"' in page
    st, _, page = b.post(path, dict(good, mobile="03 20 12 34 56", confirmer="1"))
    assert st == 400 and "mobile" in text(page).lower()
    st, _, page = b.post(path, good)
    assert st == 400 and "Cochez la case" in page
    assert db_rows(s, "SELECT address_line1, postcode, mobile FROM customers WHERE id = ?", cid)[0] == old
    assert db_rows(s, "SELECT count(*) FROM customer_contact_history") == [(0,)]
    assert outbox(s, subject) == 0
    # Done: stored, one history row per field with the agent, audited, mailed.
    st, _, page = b.post(path, dict(good, confirmer="1"))
    assert st == 200, text(page)
    check_page(page.encode())
    assert "L'adresse et les téléphones sont corrigés" in text(page)
    assert db_rows(s, "SELECT address_line1, address_line2, postcode, commune, mobile FROM customers "
                      "WHERE id = ?", cid) == [(XSS, "Bât. <b>B</b>", "59800", "Lille", "+33612345678")]
    hist = db_rows(s, "SELECT actor_kind, actor_id, field, new_value FROM customer_contact_history "
                      "WHERE customer_id = ? ORDER BY id", cid)
    assert [h[:3] for h in hist] == [("agent", agent_id, "address"), ("agent", agent_id, "mobile")], hist
    assert hist[1][3] == "+33612345678"
    (actor, aid, detail), = db_rows(s, "SELECT actor_kind, actor_id, detail FROM audit_log "
                                       "WHERE action = 'contact.changed'")
    assert (actor, aid) == ("agent", agent_id)
    assert json.loads(detail) == {"by": "agent", "fields": ["address", "mobile"]}
    assert "<script>" not in page and "<b>B" not in page
    assert "&lt;script&gt;alert(&quot;a&quot;)&lt;/script&gt;" in page
    assert "Historique de l'adresse et des téléphones" in page
    assert "06 12 34 56 78" in page, page[page.index("Historique"):][:3000]
    msg = box.wait(DEMO_EMAIL, subject)
    h = mail_html(msg)
    assert "<script>" not in h and "<b>B" not in h, h
    assert "&lt;script&gt;" in h and "se terminant par 78" in h
    assert XSS in mail_text(msg) and "06 12 34 56 78" not in mail_text(msg)
    # The same again: nothing to do, nothing mailed.
    st, _, page = b.post(path, dict(good, confirmer="1"))
    assert st == 400 and "Rien n&#39;a changé" in page
    assert len(db_rows(s, "SELECT id FROM customer_contact_history")) == 2
    # The subscriber's "Mes coordonnées" shows the agent's change as text.
    sb = Browser(s)
    assert sb.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    st, _, page = sb.get("/mes-coordonnees?contrat=1000000001")
    assert st == 200 and "un conseiller du service client" in page and "<script>" not in page


def raw_get(b, path):
    c = http.client.HTTPConnection("127.0.0.1", b.srv.port, timeout=60)
    c.request("GET", path, headers={"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.headers, data


@test(own=True)
def reading_photos_are_listed_for_agents_downloaded_as_attachments_and_audited(s):
    from test_contact import png
    from test_selfservice import post_multipart, signed_in, manual_meter as sub_meter
    sb = signed_in(s)
    mid, serial, day, litres = sub_meter(s)
    sb.get("/mon-index")
    photo = png(3, 3)
    st, _, _ = post_multipart(sb, "/mon-index", {"compteur": str(mid), "index": str(litres // 1000 + 1)},
                              [("photo", "compteur.png", "image/png", photo)])
    assert st == 303, st
    token, rid = db_rows(s, "SELECT token, ref_id FROM attachments WHERE purpose = 'reading'")[0]
    cid = customer_of(s, "1000000002")
    url = "/agent/clients/%d/photos/%s" % (cid, token)
    b, agent_id = open_file(s, role="agent")
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert st == 200
    check_page(page.encode())
    assert 'href="%s"' % url in page and "Photo du relevé" in page, page
    st, h, body = raw_get(b, url)
    assert st == 200 and body == photo, st
    assert h["Content-Type"] == "image/png"
    assert h["Content-Disposition"].startswith("attachment;")
    assert h["X-Content-Type-Options"] == "nosniff" and "no-store" in h["Cache-Control"]
    rows = db_rows(s, "SELECT actor_kind, actor_id, target, detail FROM audit_log WHERE action = 'reading.photo'")
    assert len(rows) == 1 and rows[0][:3] == ("agent", agent_id, "customer:%d" % cid), rows
    assert json.loads(rows[0][3]) == {"attachment": token, "meter": serial}
    # Neither the subscriber who sent it nor anyone signed out gets it.
    for who in (sb, Browser(s)):
        st, h, body = raw_get(who, url)
        assert st == 303 and h["Location"] == "/agent/connexion" and photo not in body, st
    # Through another customer's file, with a forged or unknown token, or a
    # contact file pointing at the same reading id: 404, nothing audited.
    con = dbx.connect(s.db)
    con.execute("INSERT INTO attachments (token, purpose, ref_id, content_type, size, created_at) "
                "VALUES ('contacttokencontacttokencontacttoken0000000', 'contact', ?, 'image/png', 10, 0)", (rid,))
    con.commit()
    con.close()
    for bad in ("/agent/clients/%d/photos/%s" % (customer_of(s, "1000000004"), token),
                "/agent/clients/%d/photos/contacttokencontacttokencontacttoken0000000" % cid,
                "/agent/clients/%d/photos/%s" % (cid, "A" * 43),
                "/agent/clients/%d/photos/%s/x" % (cid, token),
                "/agent/clients/%d/photos/..%%2f..%%2fetc%%2fpasswd" % cid):
        st, _, _ = raw_get(b, bad)
        assert st == 404, (bad, st)
    assert len(db_rows(s, "SELECT id FROM audit_log WHERE action = 'reading.photo'")) == 1
