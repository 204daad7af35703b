"""HTTP tests of the subscriber's self-service (issue 10): "Transmettre
mon index" (/mon-index: lower index refused with the last one, a jump
confirmed, source 'customer' in the database, one a day, another
subscriber's meter 404 like an unknown one, CSRF), "Mes coordonnées"
(/mes-coordonnees: French messages for a bad postal code or phone,
numbers stored in E.164, history rows and audit row, markup shown as
text), the tunable leak alert of remote-read meters (the setting changes
what `robinet alerts` finds) and the demo's leak contract."""
import datetime
import html
import json
import re

import dbx
from harness import test, check_page, run_cli, db_rows, PINNED, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, strip_volatile

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
          "août", "septembre", "octobre", "novembre", "décembre"]
NNBSP = "\u202f"
NBSP = "\u00a0"


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def fr_date(iso):
    d = datetime.date.fromisoformat(iso)
    return "%s %s %d" % ("1er" if d.day == 1 else str(d.day), MONTHS[d.month - 1], d.year)


def m3_fr(litres):
    units = "{:,}".format(litres // 1000).replace(",", NNBSP)
    return "%s,%03d%sm³" % (units, litres % 1000, NBSP)


def text(page):
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


MEASURED = "source IN ('actual', 'customer', 'remote')"


def manual_meter(s):
    """The demo account's meter that is not remote-read: (id, serial, last day, last litres),
    with no reading today (one that falls today is removed: the test sends today's)."""
    mid, serial = db_rows(s, "SELECT m.id, m.serial FROM meters m JOIN contracts c ON c.id = m.contract_id "
                             "WHERE c.number = '1000000002' AND m.removed_on IS NULL AND m.remote_read = 0")[0]
    con = dbx.connect(s.db)
    con.execute("DELETE FROM meter_readings WHERE meter_id = ? AND read_on >= ?", (mid, TODAY))
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


def readings_today(s, mid):
    return db_rows(s, "SELECT index_litres, source, src_system FROM meter_readings WHERE meter_id = ? AND read_on = ?",
                   mid, TODAY)


@test(own=True)
def index_lower_is_refused_with_the_last_index_and_its_date(s):
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    st, _, page = b.get("/mon-index")
    assert st == 200
    check_page(page.encode())
    assert serial in page and m3_fr(litres) in page and fr_date(day) in page
    assert 'href="/mon-index"' in page and 'href="/mes-coordonnees"' in page
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": str(litres // 1000 - 1)})
    assert st == 400, st
    t = text(page)
    assert "est inférieur au dernier index de ce compteur : %s le %s" % (m3_fr(litres), fr_date(day)) in t, t
    assert "seul un conseiller" in t
    # The same whole m³ as the last reading: nothing new.
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": str(litres // 1000)})
    assert st == 400 and "rien de nouveau" in text(page)
    # Decimals and letters are refused in French.
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": "%d,5" % (litres // 1000 + 1)})
    assert st == 400 and "chiffres noirs" in text(page)
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": "12a"})
    assert st == 400 and "que des chiffres" in text(page)
    assert readings_today(s, mid) == []
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'reading.submitted'")[0][0] == 0


@test(own=True)
def index_within_usual_use_is_recorded_as_a_subscriber_reading_once_a_day(s):
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    b.get("/mon-index")
    days = max(1, (datetime.date.fromisoformat(TODAY) - datetime.date.fromisoformat(day)).days)
    limit = 3 * usual_daily(s, mid, day, litres) * days
    value = litres // 1000 + 1
    assert value * 1000 - litres <= limit, (value, litres, limit)
    st, h, _ = b.post("/mon-index", {"compteur": str(mid), "index": " %d " % value})
    assert st == 303 and h["Location"] == "/mon-index?fait=index-enregistre", (st, h["Location"])
    assert readings_today(s, mid) == [(value * 1000, "customer", "portal")]
    (actor, target, detail), = db_rows(s, "SELECT actor_kind, target, detail FROM audit_log "
                                          "WHERE action = 'reading.submitted'")
    assert actor == "subscriber" and target == "meter:" + serial
    d = json.loads(detail)
    assert d["index_litres"] == value * 1000 and d["contract"] == "1000000002" and d["meter_change"] is False
    st, _, page = b.get("/mon-index?fait=index-enregistre")
    assert "Votre index est enregistré" in page and m3_fr(value * 1000) in page
    assert "transmis par l'abonné" in text(page)
    # A second one the same day is refused, even a higher one.
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": str(value + 1)})
    assert st == 400 and "déjà été enregistré aujourd'hui" in text(page), st
    assert len(readings_today(s, mid)) == 1


@test(own=True)
def index_jump_asks_for_confirmation_then_records(s):
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    b.get("/mon-index")
    days = max(1, (datetime.date.fromisoformat(TODAY) - datetime.date.fromisoformat(day)).days)
    usual = usual_daily(s, mid, day, litres)
    limit = 3 * usual * days
    # The first whole m³ above the limit.
    value = (litres + limit) // 1000 + 1
    st, _, page = b.post("/mon-index", {"compteur": str(mid), "index": str(value)})
    assert st == 200, st
    t = text(page)
    assert "bien plus que votre consommation habituelle (environ %d litres par jour)" % usual in t, t
    assert 'name="confirmation"' in page and 'value="%d"' % value in page
    assert readings_today(s, mid) == []
    # Just below the limit needs no confirmation: checked on the rule's edge.
    assert (value - 1) * 1000 - litres <= limit
    st, _, _ = b.post("/mon-index", {"compteur": str(mid), "index": str(value), "confirmation": "oui"})
    assert st == 303, st
    assert readings_today(s, mid) == [(value * 1000, "customer", "portal")]
    d = json.loads(db_rows(s, "SELECT detail FROM audit_log WHERE action = 'reading.submitted'")[0][0])
    assert d["jump_confirmed"] is True


@test(own=True)
def index_of_a_remote_meter_another_subscribers_meter_and_csrf(s):
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    b.get("/mon-index")
    other = db_rows(s, "SELECT m.id FROM meters m WHERE m.contract_id NOT IN (SELECT ac.contract_id FROM "
                       "account_contracts ac JOIN web_accounts a ON a.id = ac.account_id WHERE a.email = ?) "
                       "ORDER BY m.id LIMIT 1", DEMO_EMAIL)[0][0]
    unknown = db_rows(s, "SELECT max(id) + 1000 FROM meters")[0][0]
    st1, _, p1 = b.post("/mon-index", {"compteur": str(other), "index": "99999"})
    st2, _, p2 = b.post("/mon-index", {"compteur": str(unknown), "index": "99999"})
    assert st1 == st2 == 404 and strip_volatile(p1) == strip_volatile(p2)
    assert db_rows(s, "SELECT count(*) FROM meter_readings WHERE meter_id = ? AND read_on = ?", other, TODAY)[0][0] \
        == db_rows(s, "SELECT count(*) FROM meter_readings WHERE meter_id = ? AND read_on = ?", other, TODAY)[0][0]
    # The remote-read meter of contract 1000000001 takes no index.
    remote = db_rows(s, "SELECT m.id FROM meters m JOIN contracts c ON c.id = m.contract_id "
                        "WHERE c.number = '1000000001' AND m.remote_read = 1")[0][0]
    st, _, page = b.post("/mon-index", {"compteur": str(remote), "index": "99999"})
    assert st == 400 and "relevé à distance" in text(page)
    # No token, a wrong token: 403, nothing recorded.
    assert b.post("/mon-index", {"compteur": str(mid), "index": str(litres // 1000 + 1)}, csrf=False)[0] == 403
    assert b.post("/mon-index", {"compteur": str(mid), "index": str(litres // 1000 + 1), "csrf": "x" * 43})[0] == 403
    assert readings_today(s, mid) == []
    # Signed out: the sign-in page.
    st, h, _ = Browser(s).get("/mon-index")
    assert st == 303 and h["Location"] == "/connexion"


def holder(s, number="1000000001"):
    return db_rows(s, "SELECT cu.id, cu.address_line1, cu.address_line2, cu.postcode, cu.commune, cu.country, "
                      "cu.phone, cu.mobile FROM customers cu JOIN contracts c ON c.customer_id = cu.id "
                      "WHERE c.number = ?", number)[0]


COORDS = {"contrat": "1000000001", "ligne1": "3 place du Théâtre", "ligne2": "", "code_postal": "59800",
          "commune": "Lille", "mobile": "06 12 34 56 78", "fixe": "+33 (0)3 20 12 34 56"}


@test(own=True)
def coordinates_refuse_bad_postal_codes_and_phones_in_french(s):
    b = signed_in(s)
    before = holder(s)
    st, _, page = b.get("/mes-coordonnees")
    assert st == 200
    check_page(page.encode())
    assert html.escape(before[1]) in page and "Aucune modification" in text(page)
    cases = [("code_postal", "5900", "Le code postal compte 5 chiffres"),
             ("code_postal", "59 0001", "Le code postal compte 5 chiffres"),
             ("code_postal", "", "Indiquez le code postal"),
             ("mobile", "06 12 34 56", "Le numéro de mobile doit compter 10 chiffres"),
             ("mobile", "03 20 12 34 56", "Ce numéro est un fixe"),
             ("fixe", "07 12 34 56 78", "Ce numéro est un mobile"),
             ("fixe", "08 00 12 34 56", "Le numéro de téléphone fixe doit compter 10 chiffres"),
             ("fixe", "+44 20 7946 0000", "Le numéro de téléphone fixe doit compter 10 chiffres"),
             ("ligne1", "", "Indiquez le numéro et la rue"),
             ("ligne1", "x" * 39, "38 caractères au plus"),
             ("commune", "Lille\u0007", "caractères non autorisés")]
    for field, value, message in cases:
        st, _, page = b.post("/mes-coordonnees", dict(COORDS, **{field: value}))
        assert st == 400, (field, value, st)
        assert message in text(page), (field, value, text(page)[:2000])
        assert 'aria-invalid="true"' in page
    assert holder(s) == before
    assert db_rows(s, "SELECT count(*) FROM customer_contact_history")[0][0] == 0
    # Another subscriber's contract, an unknown one: the same 404.
    other = db_rows(s, "SELECT number FROM contracts WHERE id NOT IN (SELECT contract_id FROM account_contracts) "
                       "ORDER BY number LIMIT 1")[0][0]
    st1, _, p1 = b.post("/mes-coordonnees", dict(COORDS, contrat=other))
    st2, _, p2 = b.post("/mes-coordonnees", dict(COORDS, contrat="9999999999"))
    assert st1 == st2 == 404 and strip_volatile(p1) == strip_volatile(p2)
    assert b.get("/mes-coordonnees?contrat=" + other)[0] == 404
    assert b.post("/mes-coordonnees", COORDS, csrf=False)[0] == 403


@test(own=True)
def coordinates_change_is_stored_normalised_kept_in_history_and_audited(s):
    b = signed_in(s)
    cid, line1, line2, pc, city, country, phone, mobile = holder(s)
    b.get("/mes-coordonnees")
    st, h, _ = b.post("/mes-coordonnees", dict(COORDS, ligne2="Bât. <b>B</b> & \"C\"", code_postal="59 800"))
    assert st == 303 and h["Location"] == "/mes-coordonnees?contrat=1000000001&fait=1", (st, h["Location"])
    now = holder(s)
    assert now[1:] == ("3 place du Théâtre", "Bât. <b>B</b> & \"C\"", "59800", "Lille", "FR",
                       "+33320123456", "+33612345678"), now
    hist = db_rows(s, "SELECT actor_kind, field, old_value, new_value FROM customer_contact_history "
                      "WHERE customer_id = ? ORDER BY id", cid)
    old_addr = "%s%s, %s %s" % (line1, ", " + line2 if line2 else "", pc, city)
    new_addr = "3 place du Théâtre, Bât. <b>B</b> & \"C\", 59800 Lille"
    want = [("subscriber", "address", old_addr, new_addr), ("subscriber", "mobile", mobile, "+33612345678")]
    if phone != "+33320123456":
        want.append(("subscriber", "landline", phone, "+33320123456"))
    assert hist == want, hist
    (actor, target, detail), = db_rows(s, "SELECT actor_kind, target, detail FROM audit_log "
                                          "WHERE action = 'contact.changed'")
    assert actor == "subscriber" and target == "contract:1000000001"
    assert json.loads(detail) == {"by": "subscriber", "fields": [w[1] for w in want]}
    assert "Théâtre" not in detail
    # The page shows the history, markup as text.
    st, _, page = b.get(h["Location"])
    assert st == 200 and "Vos coordonnées sont enregistrées" in page
    check_page(page.encode())
    assert "<b>B</b>" not in page and "Bât. &lt;b&gt;B&lt;/b&gt; &amp; &quot;C&quot;" in page
    assert "Historique des modifications" in page and "06 12 34 56 78" in page and "Adresse de facturation" in page
    assert html.escape(old_addr, quote=True).replace("&#x27;", "&#39;") in page
    # Contract 1000000002 has the same holder: the page says so; nothing changes without a change.
    assert "ils valent pour tous ses contrats : 1000000001, 1000000002" in text(page)
    st, h, _ = b.post("/mes-coordonnees", dict(COORDS, ligne2="Bât. <b>B</b> & \"C\""))
    assert st == 303 and "fait" not in h["Location"]
    assert db_rows(s, "SELECT count(*) FROM customer_contact_history")[0][0] == len(want)


# ---------------------------------------------------------------- leak alert

def run_alerts(s):
    rc, out, err = run_cli("alerts", "--db", dbx.url(s.db),
                           env=dict(PINNED, ROBINET_PUBLIC_URL="http://127.0.0.1:%d" % s.port))
    assert rc == 0, (rc, out, err)
    m = re.search(r"^leaks: (\d+) new possible leak\(s\) on remote-read meters, (\d+) email\(s\) queued$", out, re.M)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def daily_litres(s, number):
    """The daily litres of the contract's remote-read meter over its last consecutive days: [(day, litres)]."""
    rows = db_rows(s, "SELECT r.read_on, r.index_litres FROM meter_readings r JOIN meters m ON m.id = r.meter_id "
                      "JOIN contracts c ON c.id = m.contract_id WHERE c.number = ? AND m.remote_read = 1 "
                      "AND r.source = 'remote' ORDER BY r.read_on DESC LIMIT 40", number)
    out = []
    for (d1, i1), (d0, i0) in zip(rows, rows[1:]):
        if (datetime.date.fromisoformat(d1) - datetime.date.fromisoformat(d0)).days != 1:
            break
        out.append((d1, i1 - i0))
    return out[::-1]


def leak_oracle(s, number, factor):
    """The rule of app/leaks.h, computed here: (leak?, usual, first day, last day, total)."""
    days = daily_litres(s, number)
    look, base = days[-3:], [l for _, l in days[:-3]][-28:]
    b, total = len(base), sum(base)
    total = max(total, 30 * b)
    leak = all(l * b > factor * total for _, l in look)
    return leak, total // b, look[0][0], look[-1][0], sum(l for _, l in look)


@test(own=True)
def demo_leak_is_found_by_robinet_alerts_and_shown_in_the_space(s):
    leak, usual, first, last, total = leak_oracle(s, "1000000001", 2)
    assert leak and last == TODAY, (leak, last)
    assert run_alerts(s) == (1, 1)
    rows = db_rows(s, "SELECT c.number, a.first_day, a.last_day, a.litres, a.usual_litres, a.factor, "
                      "a.mailed_at IS NOT NULL FROM leak_alerts a JOIN contracts c ON c.id = a.contract_id")
    assert rows == [("1000000001", first, last, total, usual, 2, 1)], (rows, usual)
    (to, subject, body), = db_rows(s, "SELECT to_addr, subject, body_text FROM mail_outbox "
                                      "WHERE subject LIKE 'Fuite%'")
    assert to == DEMO_EMAIL and subject == "Fuite d'eau possible sur votre contrat 1000000001"
    flat = " ".join(body.split())
    assert fr_date(first) in flat and fr_date(last) in flat and "environ %d litres par jour" % usual in flat, flat
    assert "/ma-consommation?contrat=1000000001&vue=jours" in flat
    # The same leak is not written about again the next run.
    assert run_alerts(s) == (0, 0)
    b = signed_in(s)
    _, _, page = b.get("/mon-espace")
    sec = re.search(r'<section class="contract" aria-labelledby="contrat-1000000001">(.*?)</section>', page, re.S)
    assert 'class="alert-leak"' in sec.group(1) and "Fuite d'eau possible" in text(sec.group(1))
    assert "alert-leak" not in re.search(r'aria-labelledby="contrat-1000000002">(.*?)</section>', page, re.S).group(1)
    st, _, page = b.get("/ma-consommation?contrat=1000000001&vue=jours")
    assert st == 200
    check_page(page.encode())
    t = text(page)
    assert "Fuite d'eau possible" in t and "Du %s au %s" % (fr_date(first), fr_date(last)) in t
    assert "%d litres en tout" % total in t


@test(own=True)
def leak_alert_setting_changes_what_robinet_alerts_finds(s):
    b = signed_in(s)
    st, _, page = b.get("/ma-consommation?contrat=1000000001&vue=jours")
    assert 'action="/ma-consommation/alerte"' in page and "(réglage par défaut)" in page
    # Not offered for a contract without a remote-read meter.
    _, _, page2 = b.get("/ma-consommation?contrat=1000000002")
    assert 'action="/ma-consommation/alerte"' not in page2
    # Off: nothing found.
    st, h, _ = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "non", "seuil": "2"})
    assert st == 303 and h["Location"] == "/ma-consommation?contrat=1000000001&vue=jours&fait=alerte"
    assert db_rows(s, "SELECT enabled, factor FROM leak_alert_settings") == [(0, 2)]
    assert run_alerts(s) == (0, 0)
    # On at a threshold the leak does not reach: nothing found either.
    high = next(f for f in range(10, 1, -1) if not leak_oracle(s, "1000000001", f)[0])
    low = next(f for f in range(2, 11) if leak_oracle(s, "1000000001", f)[0])
    assert low < high, (low, high)
    b.get("/ma-consommation?contrat=1000000001&vue=jours")
    assert b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "oui", "seuil": str(high)})[0] == 303
    assert run_alerts(s) == (0, 0)
    _, _, page = b.get("/ma-consommation?contrat=1000000001&vue=jours&fait=alerte")
    assert "Le réglage de l" in page and '<option value="%d" selected>' % high in page
    # At one it does reach: found, with that factor.
    assert b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "oui", "seuil": str(low)})[0] == 303
    assert run_alerts(s) == (1, 1)
    assert db_rows(s, "SELECT factor FROM leak_alerts") == [(low,)]
    audits = db_rows(s, "SELECT actor_kind, target, detail FROM audit_log WHERE action = 'leak_alert.setting' "
                        "ORDER BY id")
    assert [json.loads(d) for _, _, d in audits] == [{"enabled": False, "factor": 2},
                                                    {"enabled": True, "factor": high},
                                                    {"enabled": True, "factor": low}]
    assert all(a == "subscriber" and t == "contract:1000000001" for a, t, _ in audits)


@test(own=True)
def leak_alert_setting_refuses_bad_values_other_contracts_and_forged_forms(s):
    b = signed_in(s)
    b.get("/ma-consommation?contrat=1000000001&vue=jours")
    for seuil in ("1", "11", "", "2.5", "deux"):
        st, _, page = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "oui", "seuil": seuil})
        assert st == 400 and "de 2 à 10 fois" in text(page), (seuil, st)
    st, _, page = b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "peut-etre", "seuil": "3"})
    assert st == 400 and "activer ou de désactiver" in text(page)
    other = db_rows(s, "SELECT c.number FROM contracts c JOIN meters m ON m.contract_id = c.id "
                       "WHERE m.remote_read = 1 AND c.number NOT IN ('1000000001', '1000000002') "
                       "ORDER BY c.number LIMIT 1")[0][0]
    answers = [b.post("/ma-consommation/alerte", {"contrat": n, "etat": "non", "seuil": "3"})
               for n in (other, "9999999999", "1000000002")]
    assert [a[0] for a in answers] == [404, 404, 404]
    assert len({strip_volatile(a[2]) for a in answers}) == 1
    assert b.post("/ma-consommation/alerte", {"contrat": "1000000001", "etat": "non", "seuil": "3"},
                  csrf=False)[0] == 403
    assert db_rows(s, "SELECT count(*) FROM leak_alert_settings")[0][0] == 0


# ---------------------------------------------------------------- meter photo

def post_multipart(b, path, fields, files=()):
    """POSTs fields and files [(field, filename, content type, bytes)] as multipart/form-data."""
    import http.client
    import uuid
    f = dict(fields)
    f.setdefault("csrf", b.csrf or "")
    bd = "----robinet" + uuid.uuid4().hex
    body = b""
    for k, v in f.items():
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (bd, k)).encode() + v.encode() + b"\r\n"
    for field, name, ctype, data in files:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                 "Content-Type: %s\r\n\r\n" % (bd, field, name, ctype)).encode() + data + b"\r\n"
    body += ("--%s--\r\n" % bd).encode()
    c = http.client.HTTPConnection("127.0.0.1", b.srv.port, timeout=60)
    c.request("POST", path, body=body, headers={"Content-Type": "multipart/form-data; boundary=" + bd,
                                                 "Cookie": "; ".join("%s=%s" % kv for kv in b.cookies.items())})
    r = c.getresponse()
    data = r.read().decode("utf-8", "replace")
    c.close()
    m = re.search(r'name="csrf" value="([^"]*)"', data)
    if m:
        b.csrf = m.group(1)
    return r.status, r.headers, data


@test(own=True)
def index_with_a_photo_keeps_the_photo_and_refuses_other_files(s):
    from test_contact import png, pdf
    b = signed_in(s)
    mid, serial, day, litres = manual_meter(s)
    st, _, page = b.get("/mon-index")
    assert 'enctype="multipart/form-data"' in page and 'name="photo"' in page
    value = str(litres // 1000 + 1)
    # A PDF, or HTML named .jpg, is not a photo of the meter.
    for name, ctype, data in (("releve.pdf", "application/pdf", pdf()),
                              ("compteur.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>")):
        st, _, page = post_multipart(b, "/mon-index", {"compteur": str(mid), "index": value},
                                     [("photo", name, ctype, data)])
        assert st == 400 and "La photo du compteur doit être une image JPEG ou PNG." in text(page), (name, st)
    two = [("photo", "a.png", "image/png", png()), ("photo", "b.png", "image/png", png())]
    st, _, page = post_multipart(b, "/mon-index", {"compteur": str(mid), "index": value}, two)
    assert st == 400 and "une seule photo" in text(page)
    assert readings_today(s, mid) == [] and db_rows(s, "SELECT count(*) FROM attachments")[0][0] == 0
    # Multipart without a token: 403.
    b2 = signed_in(s)
    b2.csrf = "x" * 43
    st, _, _ = post_multipart(b2, "/mon-index", {"compteur": str(mid), "index": value},
                              [("photo", "c.png", "image/png", png())])
    assert st == 403
    # A PNG: recorded with the reading.
    photo = png()
    st, h, _ = post_multipart(b, "/mon-index", {"compteur": str(mid), "index": value},
                              [("photo", "compteur.png", "image/png", photo)])
    assert st == 303, st
    rid = db_rows(s, "SELECT id FROM meter_readings WHERE meter_id = ? AND read_on = ? AND source = 'customer'",
                  mid, TODAY)[0][0]
    (purpose, ctype, size, acc), = db_rows(s, "SELECT a.purpose, a.content_type, a.size, w.email FROM attachments a "
                                              "JOIN web_accounts w ON w.id = a.account_id WHERE a.ref_id = ?", rid)
    assert (purpose, ctype, size, acc) == ("reading", "image/png", len(photo), DEMO_EMAIL)
    assert json.loads(db_rows(s, "SELECT detail FROM audit_log WHERE action = 'reading.submitted'")[0][0])["photo"]
