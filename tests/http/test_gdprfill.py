"""GDPR completeness for issue 10's data (/mes-donnees, /mes-donnees.json): the billing contact
history, the leak-alert settings and leaks, the readings the subscriber sent and their photos,
each with its notice; nothing of the back-office agents (no agent id, no agent address)."""

import html
import json

import dbx
from harness import test, check_page, db_rows, TODAY
from test_auth import DEMO_EMAIL
from test_selfservice import signed_in, manual_meter, post_multipart, COORDS

AGENT_IP = "198.51.100.77"


@test(own=True)
def gdpr_lists_issue10_data_with_notices_and_no_agent_data(s):
    from test_contact import png
    b = signed_in(s)
    acc = db_rows(s, "SELECT id FROM web_accounts WHERE email_norm = ?", DEMO_EMAIL)[0][0]
    # A change of contact details, a leak-alert setting, an index with a photo.
    b.get("/mes-coordonnees")
    st, _, _ = b.post("/mes-coordonnees", COORDS)
    assert st == 303, st
    b.get("/ma-consommation?contrat=1000000001")
    st, _, _ = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "oui", "seuil": "4"})
    assert st == 303, st
    mid, serial, day, litres = manual_meter(s)
    b.get("/mon-index")
    photo = png()
    st, _, _ = post_multipart(b, "/mon-index", {"compteur": str(mid), "index": str(litres // 1000 + 1)},
                              [("photo", "compteur.png", "image/png", photo)])
    assert st == 303, st
    # Customer service changed the address too, and acted on the account from its own address.
    cid = db_rows(s, "SELECT customer_id FROM contracts WHERE number = '1000000001'")[0][0]
    con = dbx.connect(s.db)
    con.execute("INSERT INTO customer_contact_history (customer_id, changed_at, actor_kind, actor_id, field,"
                " old_value, new_value) VALUES (?, 1, 'agent', 424242, 'landline', NULL, '+33320000000')", (cid,))
    con.execute("INSERT INTO audit_log (at, actor_kind, actor_id, action, target, ip) VALUES"
                " (2, 'agent', 424242, 'account.resend', ?, ?)", ("account:%d" % acc, AGENT_IP))
    con.commit()
    con.close()
    st, _, body = b.get("/mes-donnees.json")
    assert st == 200, st
    doc = json.loads(body)
    data = doc["data"]
    hist = data["contact_history"]
    assert {(h["field"], h["new_value"], h["changed_by"]) for h in hist} >= {
        ("address", "3 place du Théâtre, 59800 Lille", "subscriber"), ("mobile", "+33612345678", "subscriber"),
        ("landline", "+33320000000", "agent")}, hist
    assert all(set(h) == {"customer_ref", "changed_at", "field", "old_value", "new_value", "changed_by"}
               for h in hist)
    assert [(x["contract_number"], x["enabled"], x["factor"]) for x in data["leak_alert_settings"]] == \
        [("1000000001", 1, 4)]
    assert isinstance(data["leak_alerts"], list)
    sent = [r for r in data["submitted_readings"] if r["read_on"] == TODAY]
    assert [(r["meter_serial"], r["index_litres"], r["sent_by"], r["photo"]) for r in sent] == \
        [(serial, (litres // 1000 + 1) * 1000, "portal", 1)], sent
    token = db_rows(s, "SELECT token FROM attachments WHERE purpose = 'reading'")[0][0]
    assert [(p["meter_serial"], p["read_on"], p["content_type"], p["size"], p["download"])
            for p in data["reading_photos"]] == \
        [(serial, TODAY, "image/png", len(photo), "/mes-donnees/photos/" + token)]
    # Every category has its notice; no agent id, no agent address.
    keys = {c["key"] for c in doc["notice"]}
    assert keys == set(data)
    for k in ("contact_history", "leak_alert_settings", "leak_alerts", "submitted_readings", "reading_photos"):
        n = next(c for c in doc["notice"] if c["key"] == k)
        assert n["why"] and n["basis"] and n["retention"], n
    assert AGENT_IP not in body and "424242" not in body
    resend = [e for e in data["audit_log"] if e["action"] == "account.resend"]
    assert resend and resend[0]["ip"] is None, resend
    # The page shows them with their counts and the retention of requests.
    st, _, page = b.get("/mes-donnees")
    assert st == 200
    check_page(page.encode())
    page = html.unescape(page)
    for label in ("Historique de vos coordonnées", "Réglages de l'alerte fuite", "Fuites détectées",
                  "Index que vous avez transmis", "Photos de vos compteurs",
                  "3 ans après la clôture de la demande"):
        assert label in page, label


@test(own=True)
def queue_request_page_and_customer_file_name_the_assigned_agent_escaped(s):
    from harness import agent_add, agent_browser
    name = 'Zoé <b>Martin</b> & "Cie"'
    a_email, _, _ = agent_add(s, name=name)
    a_id = db_rows(s, "SELECT id FROM agents WHERE email = ?", a_email)[0][0]
    cid = db_rows(s, "SELECT customer_id FROM contracts WHERE number = '1000000001'")[0][0]
    con = dbx.connect(s.db)
    con.execute("INSERT INTO contact_requests (name, email, contract_number, subject, message, created_at,"
                " status, reference, assigned_agent, updated_at) VALUES ('X', 'x@exemple.test', '1000000001',"
                " 'bill', 'Bonjour', 1795953600, 'in_progress', 'D-2026-900001', ?, 1795953600)", (a_id,))
    con.commit()
    con.close()
    b, _, _ = agent_browser(s)
    esc = "Zoé &lt;b&gt;Martin&lt;/b&gt; &amp; &quot;Cie&quot;"
    for path in ("/agent/demandes", "/agent/demandes/D-2026-900001", "/agent/clients/%d" % cid):
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        check_page(page.encode())
        assert "Agent n°" not in page and "<b>Martin</b>" not in page, path
        assert esc in page.replace("&#34;", "&quot;"), (path, page[page.find("D-2026-900001") - 200:][:600])


def get_raw(b, path):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", b.srv.port, timeout=60)
    h = {"Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())}
    c.request("GET", path, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


@test(own=True)
def meter_photo_downloads_only_for_the_account_that_sent_it(s):
    from test_contact import png
    from test_attach import intruder
    from test_auth import Browser
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    b.get("/mon-index")
    photo = png()
    st, _, _ = post_multipart(b, "/mon-index", {"compteur": str(mid), "index": str(litres // 1000 + 1)},
                              [("photo", "compteur.png", "image/png", photo)])
    assert st == 303, st
    token = db_rows(s, "SELECT token FROM attachments WHERE purpose = 'reading'")[0][0]
    path = "/mes-donnees/photos/" + token
    st, _, page = b.get("/mes-donnees")
    assert st == 200 and ('href="%s"' % path) in page, page[-3000:]
    check_page(page.encode())
    st, h, data = get_raw(b, path)
    assert st == 200 and data == photo, st
    assert h["content-type"] == "image/png" and h["content-disposition"].startswith("attachment;")
    assert h["x-content-type-options"] == "nosniff" and h["cache-control"] == "private, no-store"
    assert "sandbox" in h["content-security-policy"]
    # Another account, nobody signed in, unknown or malformed tokens, a request's file: never.
    other, _ = intruder(s)
    assert get_raw(other, path)[0] == 404
    assert path not in other.get("/mes-donnees")[2] and token not in other.get("/mes-donnees.json")[2]
    st, h, _ = get_raw(Browser(s), path)
    assert st == 303 and h["location"] == "/connexion", st
    for bad in ("A" * 43, "", "..%2Fpurge.db", token + "x", "../" + token):
        assert get_raw(b, "/mes-donnees/photos/" + bad)[0] == 404, bad
    con = dbx.connect(s.db)
    con.execute("UPDATE attachments SET purpose = 'contact' WHERE token = ?", (token,))
    con.commit()
    assert get_raw(b, path)[0] == 404
    # A photo an agent recorded (no account) is not the subscriber's to download.
    con.execute("UPDATE attachments SET purpose = 'reading', account_id = NULL WHERE token = ?", (token,))
    con.commit()
    con.close()
    assert get_raw(b, path)[0] == 404
