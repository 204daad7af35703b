"""HTTP tests of the agents' back office on a customer (issue 10): the
customer search, the customer file and its actions, the view audit and
"Qui a consulté mon dossier" in the subscriber's /mes-donnees."""
import html
import json
import re
import sqlite3
import time

from harness import test, check_page, db_rows, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD


def demo(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    return b


def customer_of(s, number):
    return db_rows(s, "SELECT customer_id FROM contracts WHERE number = ?", number)[0][0]


def add_view(s, customer, at, agent, why):
    con = sqlite3.connect(s.db)
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
