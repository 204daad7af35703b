"""HTTP tests of the back office's door (issue 10): agents created with
`robinet agent add`, sign-in with password + TOTP code (computed here in
Python, independently of the C code), one answer for every mistake, a
replayed code refused, rate limits and audit rows, agent sessions kept
apart from subscribers' (each cookie is ignored on the other side),
their expiry, CSRF, and names shown as text."""
import re
import dbx
import time

from harness import (test, check_page, check_security_headers, run_cli, PINNED, REAL_DATE,
                     agent_add, agent_signin, agent_browser, agent_next_code, totp_code,
                     AGENT_PASSWORD)
from test_auth import Browser, strip_volatile, DEMO_EMAIL, DEMO_PASSWORD

GENERIC = "Adresse e-mail, mot de passe ou code incorrect."
COOKIE = "__Host-robinet-agent"


def audit(s, action):
    con = dbx.connect(s.db)
    try:
        return con.execute("SELECT actor_kind, actor_id, target, detail FROM audit_log "
                           "WHERE action = ? ORDER BY id", (action,)).fetchall()
    finally:
        con.close()


def agent_id(s, email):
    con = dbx.connect(s.db)
    try:
        return con.execute("SELECT id FROM agents WHERE email = ?", (email,)).fetchone()[0]
    finally:
        con.close()


@test
def agent_signs_in_with_password_and_code_and_signs_out(s):
    email, pw, secret = agent_add(s, "admin", name="Ada Lovelace")
    b = Browser(s)
    st, h, page = b.get("/agent/connexion")
    assert st == 200, st
    check_page(page.encode())
    check_security_headers({k.lower(): v for k, v in h.items()})
    for label in ("Adresse e-mail", "Mot de passe", "Code à 6 chiffres", 'autocomplete="one-time-code"',
                  'inputmode="numeric"', 'action="/agent/connexion"'):
        assert label in page, label
    st, h, page = agent_signin(b, email, pw, secret)
    assert st == 303 and h["Location"] == "/agent", (st, page[:300])
    cookie = [c for c in b.set_cookies if c.startswith(COOKIE + "=")]
    assert cookie, b.set_cookies
    for attr in ("Path=/", "Secure", "HttpOnly", "SameSite=Strict"):
        assert attr in cookie[0], cookie[0]
    assert "Domain" not in cookie[0]
    assert "__Host-robinet=" not in " ".join(b.set_cookies), "a subscriber session was opened"
    st, h, page = b.get("/agent")
    assert st == 200, st
    check_page(page.encode())
    assert "Ada Lovelace" in page and "Administrateur" in page, page
    assert 'data-agent-id="%d"' % agent_id(s, email) in page and 'data-agent-role="admin"' in page
    assert 'action="/agent/deconnexion"' in page
    assert h["Cache-Control"] == "no-store"
    rows = audit(s, "agent.signin.ok")
    assert ("agent", agent_id(s, email), "agent:%d" % agent_id(s, email)) in [r[:3] for r in rows], rows
    # Signed in, the sign-in page sends to the home.
    st, h, _ = b.get("/agent/connexion")
    assert st == 303 and h["Location"] == "/agent"
    session = b.cookies[COOKIE]
    st, h, _ = b.post("/agent/deconnexion", {})
    assert st == 303 and h["Location"] == "/agent/connexion?deconnecte=1", (st, h)
    assert COOKIE not in b.cookies
    st, h, page = b.get("/agent/connexion?deconnecte=1")
    assert "Vous êtes déconnecté" in page
    assert audit(s, "agent.signout")
    st, h, _ = b.get("/agent")
    assert st == 303 and h["Location"] == "/agent/connexion"
    # The old cookie is dead on the server too.
    b.cookies[COOKIE] = session
    st, h, _ = b.get("/agent")
    assert st == 303, "a signed-out agent session still opens the back office"


@test
def agent_mistakes_all_get_one_answer(s):
    email, pw, secret = agent_add(s, "agent")
    other, _, _ = agent_add(s, "agent")
    good = totp_code(secret)
    wrong = "%06d" % ((int(good) + 1) % 1000000)
    cases = [
        (email, pw, wrong),                     # wrong code
        (email, "Mauvais-mot-de-passe-1", good),  # wrong password, right code
        ("personne@robinet.test", pw, good),    # unknown email
        (other, pw, good),                      # another agent's code
        (email, pw, ""),                        # no code
        (email, pw, "abcdef"),                  # not a code
        (email, pw, totp_code(secret, step=int(time.time() // 30) - 3)),  # too old
    ]
    answers = []
    for em, p, c in cases:
        b = Browser(s)
        st, h, page = agent_signin(b, em, p, secret, code=c)
        assert st == 200 and GENERIC in page, (em, c, st, page[:400])
        assert COOKIE not in b.cookies
        answers.append(strip_volatile(page).replace(em, "EMAIL"))
    assert all(a == answers[0] for a in answers)
    reasons = [r[3] for r in audit(s, "agent.signin.failed")]
    for reason in ("code", "password", "unknown"):
        assert any('"%s"' % reason in (d or "") for d in reasons), (reason, reasons)
    # A known agent's failures name the agent; an unknown email is anonymous.
    rows = audit(s, "agent.signin.failed")
    assert any(r[0] == "agent" and r[1] == agent_id(s, email) for r in rows)
    assert any(r[0] == "anonymous" and r[2] == "email:personne@robinet.test" for r in rows)
    # Then the right code still works (failures lock nobody out).
    st, h, _ = agent_signin(Browser(s), email, pw, secret)
    assert st == 303


@test
def replayed_code_is_refused(s):
    email, pw, secret = agent_add(s, "agent")
    code = agent_next_code(s, email, secret)
    b1 = Browser(s)
    st, h, _ = agent_signin(b1, email, pw, secret, code=code)
    assert st == 303
    # The same code again, from another browser, within its 30 seconds.
    b2 = Browser(s)
    st, h, page = agent_signin(b2, email, pw, secret, code=code)
    assert st == 200 and GENERIC in page, (st, page[:300])
    assert COOKIE not in b2.cookies
    assert any('"replay"' in (r[3] or "") for r in audit(s, "agent.signin.failed"))
    # An earlier step than the one used is a replay too.
    used = int(time.time() // 30)
    st, h, page = agent_signin(Browser(s), email, pw, secret, code=totp_code(secret, step=used - 1))
    assert st == 200 and GENERIC in page


@test
def disabled_agent_is_refused_and_its_sessions_end(s):
    b, email, secret = agent_browser(s, "agent")
    assert b.get("/agent")[0] == 200
    con = dbx.connect(s.db)
    con.execute("UPDATE agents SET disabled_at = 1 WHERE email = ?", (email,))
    con.commit()
    con.close()
    st, h, _ = b.get("/agent")
    assert st == 303 and h["Location"] == "/agent/connexion"
    st, h, page = agent_signin(Browser(s), email, AGENT_PASSWORD, secret)
    assert st == 200 and GENERIC in page
    assert any('"disabled"' in (r[3] or "") for r in audit(s, "agent.signin.failed"))


@test
def subscriber_session_never_reaches_the_back_office(s):
    b = Browser(s)
    st, h, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303 and "__Host-robinet" in b.cookies
    for path in ("/agent", "/agent/"):
        st, h, _ = b.get(path)
        assert st in (303, 404), (path, st)
        if st == 303:
            assert h["Location"] == "/agent/connexion", h["Location"]
    st, h, page = b.get("/agent/connexion")
    assert st == 200
    # The back office does not even see the subscriber: no name, no menu.
    assert "Mon espace" not in page and "Se déconnecter" not in page
    # The subscriber's CSRF secret opens no agent form.
    st, _, page = b.get("/mon-espace")
    sub_csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    st, h, _ = b.request("POST", "/agent/deconnexion", {"csrf": sub_csrf})
    assert st == 403, st
    # And the subscriber stays signed in on their side.
    assert b.get("/mon-espace")[0] == 200


@test
def agent_session_is_ignored_on_subscriber_pages(s):
    b, email, _ = agent_browser(s, "admin")
    for path in ("/mon-espace", "/mes-factures", "/mon-compte", "/mes-donnees"):
        st, h, _ = b.get(path)
        assert st == 303 and h["Location"] == "/connexion", (path, st)
    st, h, page = b.get("/")
    assert st == 200 and "Se connecter" in page and email not in page
    # The agent's CSRF secret opens no subscriber form.
    st, _, page = b.get("/agent")
    agent_csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    st, h, _ = b.request("POST", "/deconnexion", {"csrf": agent_csrf})
    assert st == 403, st
    assert b.get("/agent")[0] == 200


@test(env={"ROBINET_AGENT_SESSION_IDLE": "4"})
def agent_session_ends_when_idle(s):
    b, _, _ = agent_browser(s, "agent")
    assert b.get("/agent")[0] == 200
    sb = Browser(s)
    sb.signin(DEMO_EMAIL, DEMO_PASSWORD)
    time.sleep(5.5)
    st, h, _ = b.get("/agent")
    assert st == 303 and h["Location"] == "/agent/connexion"
    # The subscribers' idle limit is untouched by the agents' setting.
    assert sb.get("/mon-espace")[0] == 200


@test(env={"ROBINET_AGENT_SESSION_ABSOLUTE": "8"})
def agent_session_ends_after_its_absolute_limit(s):
    b, _, _ = agent_browser(s, "agent")
    start = time.time()
    while time.time() - start < 4:     # used all along: idle never ends it
        assert b.get("/agent")[0] == 200
        time.sleep(1)
    time.sleep(max(0.0, 9.5 - (time.time() - start)))
    st, h, _ = b.get("/agent")
    assert st == 303 and h["Location"] == "/agent/connexion"


@test
def agent_session_defaults_are_shorter_than_subscribers(s):
    rc, out, err = run_cli("config", "check", env=PINNED)
    assert rc == 0, err
    vals = dict(re.findall(r"^(\w+)\s*=\s*(\S+)", out, re.M))
    assert int(vals["agent_session_idle"]) < int(vals["session_idle"]), vals
    assert int(vals["agent_session_absolute"]) < int(vals["session_absolute"]), vals


@test
def agent_forms_need_the_agent_csrf_token(s):
    b, email, _ = agent_browser(s, "agent")
    st, _, _ = b.post("/agent/deconnexion", {"csrf": "x" * 43})
    assert st == 403
    st, _, _ = b.post("/agent/deconnexion", {}, csrf=False)
    assert st == 403
    st, _, _ = b.request("POST", "/agent/deconnexion", {"csrf": b.csrf},
                         headers={"Origin": "https://evil.example"})
    assert st == 403
    assert b.get("/agent")[0] == 200, "a refused sign-out ended the session"
    # The sign-in form needs its token too.
    nb = Browser(s)
    st, _, _ = nb.post("/agent/connexion", {"email": email, "mot_de_passe": AGENT_PASSWORD,
                                            "code": "000000"}, csrf=False)
    assert st == 403


@test
def agent_names_show_as_text(s):
    name = '<script>alert("x")</script> & \'Zoé\''
    b, _, _ = agent_browser(s, "admin", name=name)
    st, _, page = b.get("/agent")
    assert st == 200
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Zoé&#39;" in page, page


@test(env={"ROBINET_RL_PER_ACCOUNT": "3"})
def agent_signin_failures_are_rate_limited(s):
    email, pw, secret = agent_add(s, "agent")
    for i in range(3):
        st, h, page = agent_signin(Browser(s), email, "Mauvais-mot-de-passe-%d" % i, secret)
        assert st == 200 and GENERIC in page, (i, st)
    st, h, page = agent_signin(Browser(s), email, pw, secret)
    assert st == 429, st
    assert "Retry-After" in h and "Réessayez" in page
    # Subscribers' sign-in counts apart.
    st, h, _ = Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303


@test
def totp_secret_is_stored_sealed(s):
    email, _, secret = agent_add(s, "agent")
    con = dbx.connect(s.db)
    stored, = con.execute("SELECT totp_secret FROM agents WHERE email = ?", (email,)).fetchone()
    con.close()
    assert stored and secret not in stored and secret.lower() not in stored
    import base64
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    assert raw not in base64.b64decode(stored)


@test
def agent_add_refuses_bad_input_clearly(s):
    def add(email, role, password, env=PINNED, name=None):
        import os
        import subprocess
        from harness import ARGS
        e = dict(os.environ)
        e.update(env)
        for k in [k for k, v in e.items() if v is None]:
            del e[k]
        args = [ARGS.bin, "agent", "add", "--db", dbx.url(s.db), "--email", email, "--role", role]
        if name is not None:
            args += ["--name", name]
        p = subprocess.run(args, input=password + "\n", capture_output=True, text=True, env=e, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = add("x@robinet.test", "boss", AGENT_PASSWORD)
    assert rc == 2 and "unknown role" in err, (rc, err)
    rc, out, err = add("pas-une-adresse", "agent", AGENT_PASSWORD)
    assert rc == 1 and "Adresse e-mail invalide" in err, (rc, err)
    rc, out, err = add("y@robinet.test", "agent", "court")
    assert rc == 1 and "au moins 12 caractères" in err, (rc, err)
    rc, out, err = add("z@robinet.test", "agent", "Robinet-agent-z@robinet.test")
    assert rc == 1 and "adresse e-mail" in err, (rc, err)
    email, _, _ = agent_add(s, "agent")
    rc, out, err = add(email.upper(), "agent", AGENT_PASSWORD)
    assert rc == 1 and "déjà" in err, (rc, err)
    # Without data_key (not in demo mode) the secret could not be sealed.
    rc, out, err = add("w@robinet.test", "agent", AGENT_PASSWORD, env=dict(REAL_DATE, ROBINET_DATA_KEY=None))
    assert rc == 1 and "data_key" in err, (rc, err)
    rc, out, err = run_cli("agent", "add", "--db", dbx.url(s.db), "--email", "v@robinet.test")
    assert rc == 2 and "usage" in err
    rc, out, err = run_cli("agent", "remove", "--db", dbx.url(s.db), "--email", "v@robinet.test",
                           "--role", "agent")
    assert rc == 2
    con = dbx.connect(s.db)
    n = con.execute("SELECT count(*) FROM agents WHERE email IN ('x@robinet.test', 'y@robinet.test', "
                    "'z@robinet.test', 'w@robinet.test', 'v@robinet.test')").fetchone()[0]
    con.close()
    assert n == 0


@test
def agent_add_prints_enrolment_once(s):
    email, _, secret = agent_add(s, "supervisor", name="Sam")
    assert len(secret) == 32
    # The URI carries the same secret, SHA-1, 6 digits, 30 s.
    import os
    import subprocess
    from harness import ARGS
    e = dict(os.environ)
    e.update(PINNED)
    p = subprocess.run([ARGS.bin, "agent", "add", "--db", dbx.url(s.db), "--email", "uri@robinet.test",
                        "--role", "agent"], input=AGENT_PASSWORD + "\n", capture_output=True, text=True,
                       env=e, timeout=60)
    assert p.returncode == 0, p.stderr
    sec = re.search(r"Clé secrète : ([A-Z2-7]+)", p.stdout).group(1)
    uri = re.search(r"URI : (\S+)", p.stdout).group(1)
    assert uri.startswith("otpauth://totp/") and "secret=" + sec in uri
    for part in ("algorithm=SHA1", "digits=6", "period=30", "uri%40robinet.test"):
        assert part in uri, (part, uri)
    # The default name is the email's local part.
    con = dbx.connect(s.db)
    name, role, enrolled = con.execute("SELECT display_name, role, enrolled FROM agents "
                                       "WHERE email = 'uri@robinet.test'").fetchone()
    con.close()
    assert (name, role, enrolled) == ("uri", "agent", 0)
    # The first accepted code enrols the agent.
    st, _, _ = agent_signin(Browser(s), "uri@robinet.test", AGENT_PASSWORD, sec)
    assert st == 303
    con = dbx.connect(s.db)
    assert con.execute("SELECT enrolled FROM agents WHERE email = 'uri@robinet.test'").fetchone()[0] == 1
    con.close()
