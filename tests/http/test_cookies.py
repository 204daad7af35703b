"""HTTP tests of the cookie mode (issue 11, web/cookies.h) and of the 403
of a refused form (web/session.c).

Text browsers refuse Secure cookies over plain HTTP, so the demo on
loopback http sets its cookies without Secure and without the __Host-
prefix; every other configuration (not the demo, an https public_url, a
host or listen address beyond loopback) keeps both. `config check`
says which mode is in force. A form sent back without any of our
cookies is answered by a French page saying that cookies must be
allowed; programs get a precise error code."""
import json

from harness import test, run_cli, agent_browser, PINNED, REAL_DATE
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

PLAIN = {"ROBINET_DEMO_PLAIN_COOKIES": None}      # the demo's default
NAMES = ("robinet", "robinet-csrf", "robinet-appareil", "robinet-archives", "robinet-agent")
OLD_ID, OLD_PASSWORD = "1234567A", "ancien-mdp-2023"   # an archive (test_archive.py)
COOKIES_TEXT = "Autorisez les cookies pour ce site"


def every_cookie(s):
    """Every Set-Cookie the server sends along the flows that set one:
    the CSRF cookie, sign-in (session, device), sign-out, the archive
    and its exit, an agent's sign-in and sign-out. Each flow must work
    with the cookies it got."""
    seen = []
    b = Browser(s)
    st, _, _ = b.get("/connexion")
    seen += b.set_cookies
    st, h, _ = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD})
    assert st == 303 and h["Location"] == "/mon-espace", st
    seen += b.set_cookies
    st, _, page = b.get("/mon-espace")
    assert st == 200 and "1000000001" in page, st
    st, h, _ = b.post("/deconnexion", {})
    assert st == 303, st
    seen += b.set_cookies
    st, _, _ = b.get("/mon-espace")
    assert st == 303, "still signed in after signing out"

    a = Browser(s)
    a.get("/archives")
    seen += a.set_cookies
    st, h, _ = a.post("/archives", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 303 and h["Location"] == "/archives", st
    seen += a.set_cookies
    st, _, _ = a.post("/archives/sortie", {})
    assert st == 303, st
    seen += a.set_cookies

    g, _, _ = agent_browser(s, "agent")
    seen += g.set_cookies
    st, _, _ = g.get("/agent")
    assert st == 200, st
    st, _, _ = g.post("/agent/deconnexion", {})
    assert st == 303, st
    seen += g.set_cookies
    return seen


def names_of(cookies):
    return {c.split("=", 1)[0] for c in cookies}


def check_plain(cookies):
    assert names_of(cookies) == set(NAMES), names_of(cookies)
    for c in cookies:
        attrs = [a.strip() for a in c.split(";")[1:]]
        assert "Secure" not in attrs and "__Host-" not in c, c
        assert "Path=/" in attrs and "HttpOnly" in attrs, c
        assert any(a.startswith("SameSite=") for a in attrs), c


def check_production(cookies):
    assert names_of(cookies) == {"__Host-" + n for n in NAMES}, names_of(cookies)
    for c in cookies:
        attrs = [a.strip() for a in c.split(";")[1:]]
        assert "Secure" in attrs and "Path=/" in attrs and "HttpOnly" in attrs, c
        assert not any(a.lower().startswith("domain") for a in attrs), c


@test(env=PLAIN)
def the_demo_on_loopback_http_sets_plain_cookies(s):
    check_plain(every_cookie(s))
    # A production cookie name means nothing to this server.
    b = Browser(s)
    b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    b.cookies = {"__Host-robinet": b.cookies["robinet"]}
    st, h, _ = b.get("/mon-espace")
    assert st == 303 and h["Location"] == "/connexion", st


@test(env=dict(PLAIN, ROBINET_PUBLIC_URL="https://127.0.0.1:8443"))
def the_demo_behind_https_keeps_host_and_secure(s):
    check_production(every_cookie(s))


# Outside the demo, agents' TOTP secrets need the key the demo gives.
DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"


@test(env=dict(PLAIN, ROBINET_DATA_KEY=DEMO_KEY, **REAL_DATE))
def production_keeps_host_and_secure_even_on_loopback_http(s):
    check_production(every_cookie(s))


def config_check(env):
    rc, out, err = run_cli("config", "check", env=env)
    assert rc == 0 and "configuration OK" in out, (rc, out[-600:], err)
    line = [l for l in out.splitlines() if l.startswith("cookies: ")]
    assert len(line) == 1, out[-600:]
    return line[0], out


@test
def config_check_says_which_cookies_are_in_force(s):
    demo = dict(PINNED, ROBINET_DEMO_PLAIN_COOKIES=None, ROBINET_PUBLIC_URL=None,
                ROBINET_LISTEN="127.0.0.1:8080")
    line, out = config_check(demo)
    assert line.startswith("cookies: plain"), line
    assert "warning: cookies without Secure" in out and "demo" in out, out[-600:]
    line, out = config_check(dict(demo, ROBINET_PUBLIC_URL="http://localhost:8080"))
    assert line.startswith("cookies: plain"), line
    for env, why in ((dict(demo, **REAL_DATE), "not in demo mode"),
                     (dict(demo, ROBINET_PUBLIC_URL="https://127.0.0.1:8443"), "public_url"),
                     (dict(demo, ROBINET_PUBLIC_URL="http://portail.example.fr"), "public_url"),
                     (dict(demo, ROBINET_PUBLIC_URL="http://localhost.example.fr"), "public_url"),
                     (dict(demo, ROBINET_LISTEN="0.0.0.0:8080"), "public_url http://0.0.0.0:8080"),
                     (dict(demo, ROBINET_PUBLIC_URL="http://127.0.0.1:8080",
                           ROBINET_LISTEN="0.0.0.0:8080"), "listens on 0.0.0.0"),
                     (dict(demo, ROBINET_DEMO_PLAIN_COOKIES="false"), "demo_plain_cookies")):
        line, out = config_check(env)
        assert line.startswith("cookies: __Host- prefix, Secure"), (env, line)
        assert why in line, (why, line)
        assert "warning: cookies without Secure" not in out, out[-600:]
    # Production over plain HTTP: the Secure cookies may be refused.
    line, out = config_check(dict(demo, ROBINET_DEMO=None, ROBINET_TODAY=None))
    assert "warning: public_url http://127.0.0.1:8080 is plain HTTP" in out, out[-600:]
    line, out = config_check(dict(demo, ROBINET_DEMO=None, ROBINET_TODAY=None,
                                  ROBINET_PUBLIC_URL="https://portail.example.fr"))
    assert "warning" not in out.split("configuration OK")[0].split(line)[1], out[-600:]


# ------------------------------------------------ the 403 of a refused form

def form_without_cookies(s, headers=None):
    """Shows the sign-in form, then sends it back as a browser that
    refused the cookie: the token of the page, no Cookie header."""
    b = Browser(s)
    st, _, _ = b.get("/connexion")
    assert st == 200 and b.csrf and b.cookies, st
    b.cookies = {}
    return b.request("POST", "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD,
                                            "csrf": b.csrf}, headers)


@test
def a_form_without_cookies_says_cookies_must_be_allowed(s):
    st, h, page = form_without_cookies(s)
    assert st == 403, st
    assert "text/html" in h["Content-Type"]
    assert "<title>Autorisez les cookies de ce site" in page, page[:600]
    for text in (COOKIES_TEXT, "rechargez-la", "w3m ou lynx"):
        assert text in page, text
    # Programs get a code of their own.
    st, h, body = form_without_cookies(s, {"Accept": "application/json"})
    assert st == 403 and h["Content-Type"].startswith("application/json"), (st, h["Content-Type"])
    err = json.loads(body)["error"]
    assert err["code"] == "cookies_required" and "cookies" in err["message"], err
    # A browser asking for HTML first still gets the page.
    st, h, page = form_without_cookies(s, {"Accept": "text/html,application/json;q=0.9"})
    assert st == 403 and COOKIES_TEXT in page, st


@test
def a_wrong_token_keeps_its_own_403(s):
    b = Browser(s)
    b.get("/connexion")
    cases = (
        # The cookie came back, the token is not its value.
        ("wrong token", {"csrf": "x" * 43}, None, "csrf_token_invalid"),
        # No token at all, even without cookies: a forged form.
        ("no token", {}, None, "csrf_token_invalid"),
        # A token that is not even of the right shape, without cookies.
        ("bad shape", {"csrf": "<script>"}, {}, "csrf_token_invalid"),
        # Another site's form.
        ("foreign origin", {"csrf": b.csrf}, "origin", "foreign_origin"),
    )
    for label, extra, how, code in cases:
        fields = dict({"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD}, **extra)
        for accept in (None, "application/json"):
            c = Browser(s)
            c.cookies = {} if how == {} else dict(b.cookies)
            headers = {"Origin": "http://evil.example"} if how == "origin" else {}
            if accept:
                headers["Accept"] = accept
            st, h, page = c.request("POST", "/connexion", fields, headers)
            assert st == 403, (label, st)
            if accept:
                assert json.loads(page)["error"]["code"] == code, (label, page)
            else:
                assert "Accès refusé" in page and "cookies" not in page.split("<main")[1], (label, page[:800])


@test
def an_expired_session_is_not_taken_for_refused_cookies(s):
    # The session cookie came back (dead on the server), the CSRF cookie
    # did not: the browser keeps cookies, the token is simply stale.
    b = Browser(s)
    b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    st, _, _ = b.get("/mon-compte")
    assert st == 200 and b.csrf
    token = b.csrf
    dead = b.cookies["__Host-robinet"]
    b.post("/deconnexion", {})
    c = Browser(s)
    c.cookies = {"__Host-robinet": dead}
    st, _, page = c.request("POST", "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD,
                                                   "csrf": token})
    assert st == 403 and COOKIES_TEXT not in page, (st, page[:600])
