"""HTTP tests of the agents' admin page (/agent/agents) and of enrolment
(/agent/enrolement, issue 10): an admin creates an agent, who enrols
with the link (QR code read back by zbarimg from the page's SVG, code
computed in Python) and is signed in; every action is confirmed by a
second POST and audited; agents and supervisors get 403; disabling ends
sessions; resetting the second factor kills the old codes; names show
as text; every back-office POST refuses forged forms from a signed-in
agent."""
import os
import re
import dbx
import subprocess
import tempfile
import time

from harness import (test, check_page, agent_add, agent_signin, agent_browser, totp_code,
                     AGENT_PASSWORD, run_cli)
from test_auth import Browser
from test_guards import route_table, FORM, target

NEW_PASSWORD = "Guichet-bleu-2024-eau!"


def audit(s, action):
    con = dbx.connect(s.db)
    try:
        return con.execute("SELECT actor_kind, actor_id, target, detail FROM audit_log "
                           "WHERE action = ? ORDER BY id", (action,)).fetchall()
    finally:
        con.close()


def one(s, sql, *args):
    con = dbx.connect(s.db)
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


def create(admin, email, name, role="agent"):
    admin.get("/agent/agents")
    st, h, page = admin.post("/agent/agents/nouveau", {"email": email, "nom": name, "role": role})
    assert st == 200, (st, page[:500])
    m = re.search(r'value="(http://[^"]*/agent/enrolement\?jeton=([^"]+))"', page)
    assert m, page
    return m.group(1), m.group(2), page


def qr_modules(svg):
    """The dark modules of the page's SVG (rb_qr_svg's path syntax)."""
    d = re.search(r'<path fill="#000" d="([^"]*)"', svg).group(1)
    side = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    dark = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", d):
        for k in range(int(n)):
            dark.add((int(y), int(x) + k))
    return side, dark


def zbar_svg(svg):
    """What zbarimg reads in the SVG's QR code (drawn as a PBM)."""
    side, dark = qr_modules(svg)
    scale = 6
    fd, path = tempfile.mkstemp(suffix=".pbm")
    with os.fdopen(fd, "w") as f:
        f.write("P1\n%d %d\n" % (side * scale, side * scale))
        for y in range(side * scale):
            f.write("".join("1" if (y // scale, x // scale) in dark else "0"
                            for x in range(side * scale)) + "\n")
    try:
        p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", path],
                           capture_output=True, timeout=60)
        return p.stdout.decode("utf-8").rstrip("\n")
    finally:
        os.unlink(path)


def enrol(s, link, password=NEW_PASSWORD, code=None, secret=None):
    b = Browser(s)
    path = link[link.index("/agent/"):]
    st, h, page = b.get(path)
    assert st == 200, (st, page[:300])
    if secret is None:
        secret = re.search(r'<p class="secret" id="cle">([A-Z2-7 ]+)</p>', page).group(1)
    jeton = path.split("jeton=", 1)[1]
    st, h, page2 = b.post("/agent/enrolement", {"jeton": jeton, "mot_de_passe": password,
                                                "confirmation": password,
                                                "code": code if code is not None else totp_code(secret)})
    return b, st, h, page, page2, secret.replace(" ", "")


@test
def admin_creates_an_agent_who_enrols_with_the_qr_code(s):
    admin, admin_email, _ = agent_browser(s, "admin")
    st, h, page = admin.get("/agent/agents")
    assert st == 200
    check_page(page.encode())
    assert admin_email in page and "Créer un agent" in page
    link, token, page = create(admin, "nouvel.agent@robinet.test", "Noé Nouveau", "supervisor")
    assert "Noé Nouveau" in page and "72 heures" in page
    row = one(s, "SELECT role, enrolled, password_hash, enrol_token_hash FROM agents WHERE email = ?",
              "nouvel.agent@robinet.test")
    assert row[0] == "supervisor" and row[1] == 0 and row[2] is None and row[3] and token not in row[3]
    aid = one(s, "SELECT id FROM agents WHERE email = ?", "nouvel.agent@robinet.test")[0]
    admin_id = one(s, "SELECT id FROM agents WHERE email = ?", admin_email)[0]
    assert ("agent", admin_id, "agent:%d" % aid) in [r[:3] for r in audit(s, "agent.create")]
    # Before enrolment, nobody signs in as the new agent.
    st, _, _ = agent_signin(Browser(s), "nouvel.agent@robinet.test", NEW_PASSWORD, "A" * 32, code="000000")
    assert st == 200
    # The enrolment page: a QR code that zbarimg reads as the otpauth
    # URI, and the same secret in groups of four for screen readers.
    b = Browser(s)
    st, h, page = b.get(link[link.index("/agent/"):])
    assert st == 200 and h["Cache-Control"] == "no-store"
    check_page(page.encode())
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg
    grouped = re.search(r'<p class="secret" id="cle">([A-Z2-7 ]+)</p>', page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", grouped), grouped
    secret = grouped.replace(" ", "")
    uri = zbar_svg(svg)
    assert uri.startswith("otpauth://totp/") and "secret=%s&" % secret in uri, uri
    assert "nouvel.agent%40robinet.test" in uri
    st, h, _ = b.post("/agent/enrolement", {"jeton": token, "mot_de_passe": NEW_PASSWORD,
                                            "confirmation": NEW_PASSWORD, "code": totp_code(secret)})
    assert st == 303 and h["Location"] == "/agent?fait=enrole", (st, _[:400])
    st, _, page = b.get("/agent?fait=enrole")
    assert st == 200 and "Noé Nouveau" in page and "Superviseur" in page and "enrôlé" in page
    assert one(s, "SELECT enrolled, enrol_token_hash FROM agents WHERE id = ?", aid) == (1, None)
    assert ("agent", aid) in [r[:2] for r in audit(s, "agent.enrol")]
    # The link works once.
    st, _, page = Browser(s).get(link[link.index("/agent/"):])
    assert st == 404 and "déjà servi" in page
    # The new agent now signs in like any other (a later code).
    step = int(time.time() // 30) + 1
    st, _, _ = agent_signin(Browser(s), "nouvel.agent@robinet.test", NEW_PASSWORD, secret,
                            code=totp_code(secret, step=step))
    assert st == 303


@test
def enrolment_mistakes_are_explained_and_the_link_survives_them(s):
    admin, _, _ = agent_browser(s, "admin")
    link, token, _ = create(admin, "erreurs@robinet.test", "Eve")
    b, st, h, page, page2, secret = enrol(s, link, password="court")
    assert st == 200 and "au moins 12 caractères" in page2, (st, page2[:500])
    good = totp_code(secret)
    wrong = "%06d" % ((int(good) + 1) % 1000000)
    b, st, h, page, page2, secret = enrol(s, link, code=wrong)
    assert st == 200 and "Code incorrect" in page2
    assert audit(s, "agent.enrol.failed")
    st, _, page = Browser(s).get("/agent/enrolement?jeton=" + "x" * 43)
    assert st == 404
    st, _, page = Browser(s).get("/agent/enrolement")
    assert st == 404
    b, st, h, page, page2, secret = enrol(s, link)
    assert st == 303, (st, page2[:400])


@test
def agents_and_supervisors_get_403_on_the_admin_page(s):
    for role in ("agent", "supervisor"):
        b, email, _ = agent_browser(s, role)
        st, _, page = b.get("/agent/agents")
        assert st == 403, (role, st)
        assert "Accès refusé" in page and "Back-office" in page, page[:600]
        st, _, page = b.get("/agent")
        assert 'href="/agent/agents"' not in page, "the menu offers the admin page"
        me = one(s, "SELECT id FROM agents WHERE email = ?", email)[0]
        for path, fields in (("/agent/agents/nouveau", {"email": "x-%s@robinet.test" % role, "nom": "X",
                                                        "role": "admin"}),
                             ("/agent/agents/action", {"id": str(me), "action": "reinitialiser",
                                                       "confirme": "1"})):
            st, _, _ = b.post(path, fields)
            assert st == 403, (role, path, st)
        assert one(s, "SELECT count(*) FROM agents WHERE email = ?", "x-%s@robinet.test" % role)[0] == 0
        assert one(s, "SELECT role FROM agents WHERE id = ?", me)[0] == role
    # Nobody signed in: to the sign-in page.
    st, h, _ = Browser(s).get("/agent/agents")
    assert st == 303 and h["Location"] == "/agent/connexion"


@test
def disabling_is_confirmed_audited_and_ends_sessions(s):
    admin, admin_email, _ = agent_browser(s, "admin")
    other, other_email, _ = agent_browser(s, "agent")
    oid = one(s, "SELECT id FROM agents WHERE email = ?", other_email)[0]
    admin.get("/agent/agents")
    st, _, page = admin.post("/agent/agents/action", {"id": str(oid), "action": "desactiver"})
    assert st == 200 and "Désactiver l&#39;agent" in page and 'name="confirme" value="1"' in page
    assert one(s, "SELECT disabled_at FROM agents WHERE id = ?", oid)[0] is None, "done before confirmation"
    assert other.get("/agent")[0] == 200
    st, h, _ = admin.post("/agent/agents/action", {"id": str(oid), "action": "desactiver", "confirme": "1"})
    assert st == 303 and h["Location"] == "/agent/agents?fait=desactive"
    assert one(s, "SELECT disabled_at FROM agents WHERE id = ?", oid)[0] is not None
    st, h, _ = other.get("/agent")
    assert st == 303, "a disabled agent's session still works"
    assert [r for r in audit(s, "agent.disable") if r[2] == "agent:%d" % oid]
    st, _, page = admin.get("/agent/agents?fait=desactive")
    assert "Désactivé" in page and "Réactiver" in page
    admin.post("/agent/agents/action", {"id": str(oid), "action": "reactiver"})
    st, h, _ = admin.post("/agent/agents/action", {"id": str(oid), "action": "reactiver", "confirme": "1"})
    assert st == 303 and one(s, "SELECT disabled_at FROM agents WHERE id = ?", oid)[0] is None
    assert audit(s, "agent.enable")
    # An admin cannot lock themself out; unknown ids and actions.
    me = one(s, "SELECT id FROM agents WHERE email = ?", admin_email)[0]
    st, _, page = admin.post("/agent/agents/action", {"id": str(me), "action": "desactiver", "confirme": "1"})
    assert st == 200 and "vous-même" in page
    assert admin.post("/agent/agents/action", {"id": "999999", "action": "desactiver"})[0] == 404
    assert admin.post("/agent/agents/action", {"id": "abc", "action": "desactiver"})[0] == 400
    assert admin.post("/agent/agents/action", {"id": str(oid), "action": "supprimer"})[0] == 400


@test
def resetting_the_second_factor_kills_old_codes_and_sessions(s):
    admin, _, _ = agent_browser(s, "admin")
    b, email, old_secret = agent_browser(s, "agent")
    aid = one(s, "SELECT id FROM agents WHERE email = ?", email)[0]
    admin.get("/agent/agents")
    st, _, page = admin.post("/agent/agents/action", {"id": str(aid), "action": "reinitialiser"})
    assert st == 200 and "Réinitialiser le second facteur" in page
    st, _, page = admin.post("/agent/agents/action", {"id": str(aid), "action": "reinitialiser",
                                                      "confirme": "1"})
    assert st == 200 and "/agent/enrolement?jeton=" in page
    link = re.search(r'value="(http://[^"]*/agent/enrolement\?jeton=[^"]+)"', page).group(1)
    assert b.get("/agent")[0] == 303, "the agent's session survived the reset"
    # The old secret's codes no longer open anything.
    step = int(time.time() // 30) + 1
    st, _, _ = agent_signin(Browser(s), email, AGENT_PASSWORD, old_secret,
                            code=totp_code(old_secret, step=step))
    assert st == 200
    assert audit(s, "agent.totp_reset")
    _, st, h, _, _, new_secret = enrol(s, link)
    assert st == 303 and new_secret != old_secret


@test
def agent_names_show_as_text_in_the_admin_pages(s):
    admin, _, _ = agent_browser(s, "admin")
    name = '<img src=x onerror=alert(1)> "Zoé" & Cie'
    link, _, page = create(admin, "balise@robinet.test", name)
    esc = "&lt;img src=x onerror=alert(1)&gt; &quot;Zoé&quot; &amp; Cie"
    assert "<img src=x" not in page and esc in page
    st, _, page = admin.get("/agent/agents")
    assert "<img src=x" not in page and esc in page
    st, _, page = Browser(s).get(link[link.index("/agent/"):])
    assert "<img src=x" not in page and esc in page


@test
def admin_form_refuses_bad_input_clearly(s):
    admin, admin_email, _ = agent_browser(s, "admin")
    admin.get("/agent/agents")
    for fields, msg in (({"email": "pas-une-adresse", "nom": "X", "role": "agent"}, "Adresse e-mail invalide"),
                        ({"email": "r@robinet.test", "nom": "X", "role": "chef"}, "Rôle inconnu"),
                        ({"email": "n@robinet.test", "nom": "X" * 80, "role": "agent"}, "trop long"),
                        ({"email": admin_email.upper(), "nom": "X", "role": "agent"}, "déjà")):
        st, _, page = admin.post("/agent/agents/nouveau", fields)
        assert st == 200 and msg in page, (fields, st, page[:300])
    assert one(s, "SELECT count(*) FROM agents WHERE email IN ('r@robinet.test', 'n@robinet.test')")[0] == 0


@test
def every_backoffice_post_refuses_forged_forms_from_a_signed_in_agent(s):
    admin, _, _ = agent_browser(s, "admin")
    st, _, _ = admin.get("/agent")
    good = admin.csrf
    posts = [r for r in route_table() if r["path"].startswith("/agent") and
             ("POST" in r["methods"] or r["methods"] == "GP")]
    assert len(posts) >= 4, posts
    for r in posts:
        for label, fields, headers in (
                ("no token", dict(FORM), None),
                ("wrong token", dict(FORM, csrf="x" * 43), None),
                ("foreign origin", dict(FORM, csrf=good), {"Origin": "http://evil.example"})):
            st, _, _ = admin.request("POST", target(r), fields, headers)
            assert st == 403, (r["path"], label, st)
    assert admin.get("/agent")[0] == 200


DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@test
def demo_agents_sign_in_with_the_documented_credentials(s):
    for email, role, admin_ok in (("admin.demo@robinet.test", "admin", 200),
                                  ("superviseur.demo@robinet.test", "supervisor", 403),
                                  ("agent.demo@robinet.test", "agent", 403)):
        b = Browser(s)
        st, h, page = agent_signin(b, email, "back-office-demo-2024", DEMO_SECRET)
        assert st == 303, (email, st, page[:300])
        st, _, page = b.get("/agent")
        assert 'data-agent-role="%s"' % role in page
        assert b.get("/agent/agents")[0] == admin_ok


@test
def demo_agents_exist_in_demo_mode_only(s):
    """On an empty database: none served without demo mode, three with."""
    from harness import Server, REAL_DATE
    d = tempfile.mkdtemp(prefix="robinet-agents-")
    db = dbx.new_db(path=os.path.join(d, "empty.db"))
    rc, out, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0, err
    for env, want in ((REAL_DATE, 0), (None, 3), (None, 3)):
        srv = Server(db, env=env)
        try:
            assert srv.request("GET", "/agent/connexion")[0] == 200
        finally:
            srv.stop()
        con = dbx.connect(db)
        n = con.execute("SELECT count(*) FROM agents WHERE email LIKE '%.demo@robinet.test'").fetchone()[0]
        con.close()
        assert n == want, (env, n, want)
