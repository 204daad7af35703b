"""HTTP tests of the agents' back office on a customer (issue 10): the
customer search, the customer file and its actions, the view audit and
"Qui a consulté mon dossier" in the subscriber's /mes-donnees."""
import html
import json
import re
import dbx
import time

from urllib.parse import quote

from harness import test, check_page, db_rows, agent_browser, TODAY
from test_auth import (Browser, DEMO_EMAIL, DEMO_PASSWORD, NO_BILL, claim_contract, mailbox,
                       mail_text, smtp_env)


def demo(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    return b


def customer_of(s, number):
    return db_rows(s, "SELECT customer_id FROM contracts WHERE number = ?", number)[0][0]


def add_view(s, customer, at, agent, why):
    con = dbx.connect(s.db)
    con.execute("INSERT INTO audit_log (at, actor_kind, actor_id, action, target, ip, detail) "
                "VALUES (?, 'agent', ?, 'customer.view', ?, '192.0.2.50', ?)",
                (at, agent, "customer:%d" % customer,
                 json.dumps({"why": why}) if why is not None else None))
    con.commit()
    con.close()


@test(own=True)
def mes_donnees_shows_who_consulted_the_file_without_the_agent(s):
    mine = customer_of(s, "1000000001")
    other = customer_of(s, "1000000003")
    assert mine != other
    # 2026-11-28 09:15 and 2026-11-29 16:40 in Paris (UTC+1).
    add_view(s, mine, 1795853700, 98765421, None)
    add_view(s, mine, 1795966800, 98765431, '<script>alert("x")</script> appel')
    add_view(s, other, 1795966900, 98765441, "autre client")
    b = demo(s)
    st, h, page = b.get("/mes-donnees")
    assert st == 200, st
    check_page(page.encode())
    assert "Qui a consulté mon dossier" in page
    sec = page[page.index('id="consultations"'):page.index("Données reprises")]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", sec)
    assert len(rows) == 2, rows
    # Newest first, dates in Paris time.
    assert rows[0][0] == "29 nov. 2026 à 16 h 40", rows
    assert rows[1][0] == "28 nov. 2026 à 9 h 15", rows
    assert all(html.unescape(r[1]) == "Service client d'Eau de la Métropole" for r in rows)
    # The reason as text, never as markup; none given: said so.
    assert rows[0][2] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; appel", rows[0][2]
    assert "<script>" not in page
    assert rows[1][2] == "Non indiqué"
    # Neither the agents' ids nor another customer's view.
    for secret in ("98765421", "98765431", "98765441", "autre client", "192.0.2.50"):
        assert secret not in page, secret
    assert "2 au total" in sec
    # The download holds them too, with no agent.
    st, _, body = b.get("/mes-donnees.json")
    assert st == 200
    doc = json.loads(body)
    views = doc["data"]["file_views"]
    assert [v["at"] for v in views] == [1795966800, 1795853700]
    assert views[0]["why"].endswith(" appel") and views[1]["why"] is None
    assert all(set(v) == {"at", "by", "why"} for v in views), views
    assert "98765431" not in body and "192.0.2.50" not in body
    assert any(n["key"] == "file_views" for n in doc["notice"])


@test(own=True)
def mes_donnees_says_when_nobody_consulted(s):
    b = demo(s)
    st, _, page = b.get("/mes-donnees")
    assert st == 200
    assert "Personne n'a consulté votre dossier" in html.unescape(page)


def hits(page):
    """(customer id, contract number) of each row of the results."""
    return re.findall(r'<a href="/agent/clients/(\d+)[^"]*">.*?</a></th><td>(\d{10})</td>', page)


@test
def agent_search_finds_each_kind_without_javascript(s):
    b, _, _ = agent_browser(s)
    views = db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'customer.view'")[0][0]
    cases = [
        ("beghin", None), ("BÉGHIN", None), ("demo@robinet.test", "1000000001"),
        ("1000 0000 03", "1000000003"), ("1234567a", "1000000003"),
        ("I21BA012345", "1000000004"), ("gerard vandenbussche", "1000000003"),
    ]
    want_beghin = {r[0] for r in db_rows(s, "SELECT c.number FROM contracts c JOIN customers cu "
                                            "ON cu.id = c.customer_id WHERE cu.last_name = 'Béghin'")}
    assert want_beghin
    for q, number in cases:
        st, h, page = b.get("/agent/clients?q=" + quote(q))
        assert st == 200, (q, st)
        assert h["Cache-Control"] == "no-store"
        check_page(page.encode())
        got = {n for _, n in hits(page)}
        if number is None:
            assert got == want_beghin, (q, got)
        else:
            assert number in got, (q, got)
    # IBAN last 4 and postal code, against the database.
    last4, number = db_rows(s, "SELECT m.iban_last4, c.number FROM sepa_mandates m JOIN contracts c "
                               "ON c.id = m.contract_id ORDER BY m.id LIMIT 1")[0]
    st, _, page = b.get("/agent/clients?q=" + last4)
    assert st == 200 and number in {n for _, n in hits(page)}
    n = db_rows(s, "SELECT count(*) FROM contracts WHERE service_postcode = '59100'")[0][0]
    st, _, page = b.get("/agent/clients?q=59100")
    assert st == 200 and "code postal : %d contrat(s)" % n in page, page
    # The search lists contracts: it opens no file, so it audits no view.
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'customer.view'")[0][0] == views
    # Bad input: a French sentence, 400.
    st, _, page = b.get("/agent/clients?q=" + quote("é"))
    assert st == 400 and "au moins 2 lettres" in page
    st, _, page = b.get("/agent/clients?q=123&type=contrat")
    assert st == 400 and "10 chiffres" in page


@test
def agent_search_and_file_need_an_agent(s):
    from test_auth import Browser
    cid = customer_of(s, "1000000001")
    for path in ("/agent/clients?q=beghin", "/agent/clients/%d" % cid):
        st, h, _ = Browser(s).get(path)
        assert st == 303 and h["Location"] == "/agent/connexion", (path, st)
        # A subscriber's session is no agent's.
        st, h, _ = demo(s).get(path)
        assert st == 303 and h["Location"] == "/agent/connexion", (path, st)


@test(own=True)
def agent_file_is_audited_and_shown_to_the_subscriber(s):
    b, email, _ = agent_browser(s, name="Camille Roux")
    agent_id = db_rows(s, "SELECT id FROM agents WHERE email = ?", email)[0][0]
    cid = customer_of(s, "1000000001")
    st, _, page = b.get("/agent/clients?q=1000000001&motif=" + quote("appel n° 7"))
    assert st == 200
    link = re.search(r'<a href="(/agent/clients/%d[^"]*)"' % cid, page).group(1)
    assert link == "/agent/clients/%d?motif=appel%%20n%%C2%%B0%%207" % cid, link
    st, h, page = b.get(link)
    assert st == 200 and h["Cache-Control"] == "no-store"
    check_page(page.encode())
    for text in ("Lefebvre", "1000000001", "1000000002", "Compteur", "Mandats de prélèvement",
                 "demo@robinet.test", "Dernières factures"):
        assert text in html.unescape(page), text
    # The IBAN masked, never whole.
    last4 = db_rows(s, "SELECT iban_last4 FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id "
                       "WHERE c.number = '1000000002' AND m.status = 'active'")[0][0]
    assert "•••• •••• %s" % last4 in html.unescape(page)
    assert not re.search(r"FR\d{2}\s?\d{4}", page)
    rows = db_rows(s, "SELECT actor_kind, actor_id, target, detail FROM audit_log "
                      "WHERE action = 'customer.view'")
    assert rows == [("agent", agent_id, "customer:%d" % cid, '{"why":"appel n° 7"}')], rows
    # Unknown or malformed ids: 404, nothing audited.
    for path in ("/agent/clients/999999999", "/agent/clients/0", "/agent/clients/abc",
                 "/agent/clients/%d/x" % cid, "/agent/clients/0%d" % cid):
        st, _, _ = b.get(path)
        assert st == 404, (path, st)
    assert len(db_rows(s, "SELECT id FROM audit_log WHERE action = 'customer.view'")) == 1
    # The subscriber sees the view, without the agent's name.
    st, _, page = demo(s).get("/mes-donnees")
    sec = page[page.index('id="consultations"'):page.index("Données reprises")]
    assert "appel n° 7" in html.unescape(sec) and "Camille" not in page and email not in page


@test(own=True)
def agent_pages_show_markup_in_names_as_text(s):
    con = dbx.connect(s.db)
    con.execute("UPDATE customers SET last_name = ?, first_name = ?, address_line1 = ?, name_key = ? "
                "WHERE id = (SELECT customer_id FROM contracts WHERE number = '1000000003')",
                ('<script>alert("n")</script>', "O'Hara \"Jo\"", "<b>1 rue</b>",
                 "script alert n script o hara jo"))
    con.commit()
    con.close()
    cid = customer_of(s, "1000000003")
    b, _, _ = agent_browser(s)
    st, _, page = b.get("/agent/clients?q=" + quote("<script>"))
    assert st == 200, st
    assert "/agent/clients/%d" % cid in page
    for p in (page, b.get("/agent/clients/%d" % cid)[2]):
        check_page(p.encode())
        assert "<script>" not in p and "<b>" not in p
        assert "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in p
        assert "O&#39;Hara &quot;Jo&quot;" in p


@test(own=True)
def supervisor_pages_are_closed_to_agents(s):
    b, _, _ = agent_browser(s, role="agent")
    for path in ("/agent/journal", "/agent/rapports"):
        st, _, page = b.get(path)
        assert st == 403, (path, st)
    st, _, page = b.get("/agent")
    assert 'href="/agent/journal"' not in page and 'href="/agent/clients"' in page
    sup, _, _ = agent_browser(s, role="supervisor")
    st, _, page = sup.get("/agent")
    assert 'href="/agent/journal"' in page and 'href="/agent/rapports"' in page
    for path in ("/agent/journal", "/agent/rapports"):
        st, _, page = sup.get(path)
        assert st == 200, (path, st)
        check_page(page.encode())


@test(own=True)
def supervisor_audit_log_filters(s):
    sup, email, _ = agent_browser(s, role="supervisor", name="Sam Durand")
    sup_id = db_rows(s, "SELECT id FROM agents WHERE email = ?", email)[0][0]
    cid = customer_of(s, "1000000001")
    other = customer_of(s, "1000000003")
    st, _, _ = sup.get("/agent/clients/%d" % cid)
    assert st == 200
    add_view(s, other, 1795853700, 98765421, "<i>ancien</i>")
    st, _, page = sup.get("/agent/journal?cible=customer:%d" % cid)
    assert st == 200
    body = html.unescape(page)
    assert "customer.view" in body and "customer:%d" % cid in body
    assert "agent:%d (Sam Durand)" % sup_id in body
    assert "customer:%d" % other not in body
    st, _, page = sup.get("/agent/journal?auteur=agent:98765421")
    assert st == 200 and "customer:%d" % other in page and "customer:%d<" % cid not in page
    assert "<i>" not in page and "&lt;i&gt;" in page
    # Dates: 2026-11-28 (Paris) holds the old view, not today's.
    st, _, page = sup.get("/agent/journal?du=2026-11-28&au=2026-11-28")
    assert st == 200 and "customer:%d" % other in page
    for bad in ("auteur=robot", "auteur=agent:x", "du=28/11/2026"):
        st, _, page = sup.get("/agent/journal?" + bad)
        assert st == 400, (bad, st)


@test(own=True)
def supervisor_reports_count_requests_and_payments(s):
    now = int(time.time())
    con = dbx.connect(s.db)
    for subject, age in (("Question sur ma facture", 3600), ("Question sur ma facture", 5 * 86400),
                         ("Fuite ou consommation anormale", 10 * 86400)):
        con.execute("INSERT INTO contact_requests (name, email, subject, message, created_at, status) "
                    "VALUES ('x', 'x@robinet.test', ?, 'm', ?, 'new')", (subject, now - age))
    con.commit()
    con.close()
    sup, _, _ = agent_browser(s, role="supervisor")
    st, _, page = sup.get("/agent/rapports")
    assert st == 200
    m = re.search(r'<th scope="row">Question sur ma facture</th>((?:<td class="num">\d+</td>){5})', page)
    assert m and re.findall(r"\d+", m.group(1)) == ["2", "1", "1", "0", "0"], page
    m = re.search(r'<th scope="row">Fuite ou consommation anormale</th>((?:<td class="num">\d+</td>){5})', page)
    assert m and re.findall(r"\d+", m.group(1)) == ["1", "0", "0", "1", "0"]
    n = db_rows(s, "SELECT count(*) FROM payments WHERE status = 'succeeded' AND method = 'card' "
                   "AND created_at >= ?", now - 30 * 86400)[0][0]
    if n:
        assert re.search(r'<th scope="row">carte</th><td class="num">%d</td>' % n, page), n


# ---------------------------------------------------------------- actions
# Each action is a POST with the agent's CSRF token and a confirmation
# box; it is audited as the agent's, and mailed where it changes
# something for the subscriber. The SMTP servers run on the real date;
# the data key is the demo's, which `robinet agent add` used.
DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"
ACT_ENV = {"ROBINET_DATA_KEY": DEMO_KEY}
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def agent_rows(s, action, target):
    return db_rows(s, "SELECT actor_kind, actor_id, ip, detail FROM audit_log WHERE action = ? "
                      "AND target = ? ORDER BY id", action, target)


def open_file(s, role="agent"):
    b, email, _ = agent_browser(s, role=role)
    agent_id = db_rows(s, "SELECT id FROM agents WHERE email = ?", email)[0][0]
    return b, agent_id


@test(env=smtp_env(ACT_ENV))
def agent_reestablishes_direct_debit_mails_the_mandate_and_audits(s):
    box = mailbox()
    cid = customer_of(s, "1000000001")
    b, agent_id = open_file(s)
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert st == 200 and "Remettre en place le prélèvement du contrat 1000000001" in page
    form = {"contrat": "1000000001", "titulaire": "Martine Lefebvre", "iban": IBAN}
    # Not confirmed, or a wrong IBAN: nothing happens.
    st, _, page = b.post("/agent/clients/%d/prelevement" % cid, form)
    assert st == 400 and "Cochez la case" in page
    st, _, page = b.post("/agent/clients/%d/prelevement" % cid, dict(form, iban="FR76 3000 6000 0112 3456 7890 188",
                                                                  confirmer="1"))
    assert st == 400 and "IBAN" in html.unescape(page), page
    assert db_rows(s, "SELECT direct_debit FROM contracts WHERE number = '1000000001'")[0][0] == 0
    # Without the agent's CSRF token: refused by the guard.
    st, _, _ = b.post("/agent/clients/%d/prelevement" % cid, dict(form, confirmer="1", csrf="x" * 43))
    assert st == 403
    st, _, page = b.post("/agent/clients/%d/prelevement" % cid, dict(form, confirmer="1"))
    assert st == 200, page
    assert "Le prélèvement est remis en place" in html.unescape(page)
    dd, rum, last4, signed_by = db_rows(
        s, "SELECT c.direct_debit, m.rum, m.iban_last4, m.signed_by FROM contracts c JOIN sepa_mandates m "
           "ON m.contract_id = c.id WHERE c.number = '1000000001' AND m.status = 'active'")[0]
    assert dd == 1 and last4 == "0189" and signed_by is None and rum.startswith("RBN-1000000001-")
    rows = agent_rows(s, "sepa.mandate_signed", "contract:1000000001")
    assert len(rows) == 1 and rows[0][:2] == ("agent", agent_id), rows
    assert json.loads(rows[0][3]) == {"by": "agent", "rum": rum}
    msg = box.wait(DEMO_EMAIL, "mandat de prélèvement")
    text = mail_text(msg)
    assert rum in text and "0189" in text and "/mes-moyens-de-paiement" in text, text
    assert "3456 7890" not in text
    # Twice: the contract has its mandate.
    st, _, page = b.post("/agent/clients/%d/prelevement" % cid, dict(form, confirmer="1"))
    assert st == 400 and "déjà un mandat" in html.unescape(page)
    # A contract of another customer: 404, nothing signed.
    st, _, _ = b.post("/agent/clients/%d/prelevement" % cid, dict(form, contrat="1000000004", confirmer="1"))
    assert st == 404
    assert db_rows(s, "SELECT count(*) FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id "
                      "WHERE c.number = '1000000004'")[0][0] == 0


@test(env=smtp_env(ACT_ENV))
def agent_switches_paperless_for_the_subscriber(s):
    box = mailbox()
    cid = customer_of(s, "1000000001")
    b, agent_id = open_file(s)
    b.get("/agent/clients/%d" % cid)
    st, _, page = b.post("/agent/clients/%d/facture-electronique" % cid,
                         {"contrat": "1000000001", "etat": "0", "confirmer": "1"})
    assert st == 200 and "est arrêtée" in html.unescape(page), page
    assert db_rows(s, "SELECT paperless, paperless_by FROM contracts WHERE number = '1000000001'") == [(0, "agent")]
    rows = agent_rows(s, "paperless.off", "contract:1000000001")
    assert len(rows) == 1 and rows[0][:2] == ("agent", agent_id)
    box.wait(DEMO_EMAIL, "Facture électronique désactivée")
    # A contract without a web account: said, nothing changed.
    other = customer_of(s, "1000000004")
    st, _, page = b.post("/agent/clients/%d/facture-electronique" % other,
                         {"contrat": "1000000004", "etat": "1", "confirmer": "1"})
    assert st == 400 and "pas d&#39;espace client" in page
    assert db_rows(s, "SELECT paperless FROM contracts WHERE number = '1000000004'") == [(0,)]


@test(own=True)
def agent_records_the_first_letter_and_the_space_can_be_created(s):
    cid = customer_of(s, "1000000005")
    b, agent_id = open_file(s)
    _, _, page = claim_contract(s, "1000000005", "compteur", "I22BA054321")
    assert NO_BILL in page
    b.get("/agent/clients/%d" % cid)
    st, _, page = b.post("/agent/clients/%d/courrier" % cid, {"contrat": "1000000005", "confirmer": "1"})
    assert st == 200 and "envoi du courrier est enregistré" in html.unescape(page)
    assert db_rows(s, "SELECT can_create_account FROM contracts WHERE number = '1000000005'") == [(1,)]
    rows = agent_rows(s, "contract.letter_sent", "contract:1000000005")
    assert len(rows) == 1 and rows[0][:2] == ("agent", agent_id)
    _, _, page = claim_contract(s, "1000000005", "compteur", "I22BA054321")
    assert NO_BILL not in page and 'name="demande"' in page
    st, _, page = b.post("/agent/clients/%d/courrier" % cid, {"contrat": "1000000005", "confirmer": "1"})
    assert st == 400 and "déjà enregistré" in html.unescape(page)
    assert len(agent_rows(s, "contract.letter_sent", "contract:1000000005")) == 1


@test(env=smtp_env(ACT_ENV))
def agent_resends_the_activation_email(s):
    box = mailbox()
    b0, st, page = claim_contract(s, "1000000004", "compteur", "I21BA012345")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, _, _ = b0.post("/finaliser", {"demande": claim, "nom": "Roux", "prenom": "Léa",
                                      "email": "lea.roux.agentdesk@robinet.test",
                                      "mot_de_passe": "le-pont-de-la-deule", "confirmation": "le-pont-de-la-deule"})
    assert st == 303
    box.wait("lea.roux.agentdesk@robinet.test", "Activer")
    account = db_rows(s, "SELECT id FROM web_accounts WHERE email_norm = 'lea.roux.agentdesk@robinet.test'")[0][0]
    cid = customer_of(s, "1000000004")
    b, agent_id = open_file(s)
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert "Renvoyer l'e-mail d'activation" in html.unescape(page)
    st, _, page = b.post("/agent/clients/%d/activation" % cid, {"compte": str(account), "confirmer": "1"})
    assert st == 200 and "renvoyé" in html.unescape(page), page
    box.wait("lea.roux.agentdesk@robinet.test", "Activer")
    rows = agent_rows(s, "account.resend", "account:%d" % account)
    assert ("agent", agent_id) in [r[:2] for r in rows], rows
    # An account of another customer: 404.
    st, _, _ = b.post("/agent/clients/%d/activation" % customer_of(s, "1000000001"),
                      {"compte": str(account), "confirmer": "1"})
    assert st == 404


@test(own=True)
def agent_lifts_a_signin_block(s):
    now = int(time.time())
    con = dbx.connect(s.db)
    for w in range(now - 3000, now + 60, 60):
        for bucket in ("signin:id:" + DEMO_EMAIL, "signin:pair:%s|127.0.0.1" % DEMO_EMAIL):
            con.execute("INSERT INTO rate_limits (bucket, window_start, count) VALUES (?, ?, 1000)",
                        (bucket, w))
    con.commit()
    con.close()
    st, _, page = Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429, st
    account = db_rows(s, "SELECT id FROM web_accounts WHERE email_norm = ?", DEMO_EMAIL)[0][0]
    cid = customer_of(s, "1000000001")
    b, agent_id = open_file(s)
    b.get("/agent/clients/%d" % cid)
    st, _, page = b.post("/agent/clients/%d/debloquer" % cid, {"compte": str(account), "confirmer": "1"})
    assert st == 200 and "blocage des connexions de ce compte est levé" in html.unescape(page)
    assert db_rows(s, "SELECT count(*) FROM rate_limits WHERE bucket LIKE ?", "signin:%" + DEMO_EMAIL + "%") == [(0,)]
    rows = agent_rows(s, "ratelimit.lift", "account:%d" % account)
    assert len(rows) == 1 and rows[0][:2] == ("agent", agent_id)
    st, _, _ = Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303


@test(env=smtp_env(ACT_ENV))
def agent_corrects_name_and_email_mails_both_addresses_and_audits(s):
    box = mailbox()
    cid = customer_of(s, "1000000003")
    b, agent_id = open_file(s)
    b.get("/agent/clients/%d" % cid)
    form = {"nom": "Vandenbussche-Lefort", "prenom": "Gérard", "email": "gerard.v@robinet.test"}
    st, _, page = b.post("/agent/clients/%d/coordonnees" % cid, dict(form, email="gerard@", confirmer="1"))
    assert st == 400 and "pas complète" in html.unescape(page)
    st, _, page = b.post("/agent/clients/%d/coordonnees" % cid, dict(form, nom="  ", confirmer="1"))
    assert st == 400 and "nom est obligatoire" in page
    st, _, page = b.post("/agent/clients/%d/coordonnees" % cid, dict(form, confirmer="1"))
    assert st == 200 and "coordonnées sont corrigées" in html.unescape(page), page
    assert db_rows(s, "SELECT last_name, first_name, email, name_key FROM customers WHERE id = ?", cid) == [
        ("Vandenbussche-Lefort", "Gérard", "gerard.v@robinet.test", "vandenbussche lefort gerard")]
    rows = agent_rows(s, "customer.correct", "customer:%d" % cid)
    assert len(rows) == 1 and rows[0][:2] == ("agent", agent_id)
    d = json.loads(rows[0][3])
    assert d["old"]["email"] == "legacy@robinet.test" and d["new"]["last_name"] == "Vandenbussche-Lefort"
    for to in ("legacy@robinet.test", "gerard.v@robinet.test"):
        msg = box.wait(to, "coordonnées ont été corrigées")
        assert "gerard.v" not in mail_text(msg)
    # The search finds the new name.
    st, _, page = b.get("/agent/clients?q=" + quote("vandenbussche lefort"))
    assert "1000000003" in page
    # The same values again: nothing to do.
    st, _, page = b.post("/agent/clients/%d/coordonnees" % cid, dict(form, confirmer="1"))
    assert st == 400 and "Rien n&#39;a changé" in page
