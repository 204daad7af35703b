"""HTTP tests of the route guards (src/web/routes.c, rb_route_guard):
the route table itself is read from routes.c, and every POST route is
sent forged forms (no token, a wrong token, the right token from a
foreign Origin), every route that needs a session, a scope or a token
is visited anonymously: outside the unit test's list of public routes
(tests/unit/web/test_routes.c), it must send the visitor to /connexion,
or answer 401 under /api/. A route added to the table is covered at
once."""
import os
import re
from harness import test
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES_C = os.path.join(HERE, "..", "..", "src", "web", "routes.c")
# The list of public routes, with their reasons, is the unit test's.
PUBLIC_C = os.path.join(HERE, "..", "unit", "web", "test_routes.c")


def public_routes():
    src = open(PUBLIC_C, encoding="utf-8").read()
    src = src[src.index("public_routes[] = {"):]
    names = re.findall(r'\{ (ROUTE_\w+), "', src[:src.index("\n};")])
    assert "ROUTE_HOME" in names and len(names) >= 10, names
    return set(names)


def route_table():
    """The rows of rb_routes[]: name, path, prefix, methods, guards, if_signed_in."""
    src = open(ROUTES_C, encoding="utf-8").read()
    table = src[src.index("rb_routes[ROUTE__MAX] = {"):]
    table = table[:table.index("\n};") + 1]
    rows = []
    for m in re.finditer(r"\n\t\[(ROUTE_\w+)\] = \{(.*?)\},(?=\n)", table, re.S):
        body = m.group(2)

        def field(name, default=""):
            f = re.search(r"\.%s = ([^,]*?)\s*(?:,|$)" % name, body.strip())
            return f.group(1) if f else default
        rows.append({
            "route": m.group(1),
            "path": field("rt_path").strip('"'),
            "prefix": field("rt_prefix", "0") == "1",
            "methods": field("rt_methods"),
            "guards": field("rt_guards"),
            "if_signed_in": field("rt_if_signed_in").strip('"'),
            "demo": field("rt_demo", "0") == "1",
        })
    entries = len(re.findall(r"\t\[ROUTE_\w+\] = \{", table))
    assert len(rows) == entries and entries >= 30, (len(rows), entries)
    return [r for r in rows if r["route"] != "ROUTE_NOT_FOUND"]


def accepts_post(r):
    return r["methods"] in ("GP", "RB_M_POST") or "RB_M_POST" in r["methods"]


# Fields every state-changing form might read, filled plausibly, so that
# a handler reached without its guard would do something else than 403.
FORM = {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD, "actuel": DEMO_PASSWORD,
        "nouveau": "un-autre-mot-de-passe-2024", "confirmation": "un-autre-mot-de-passe-2024",
        "jeton": "1", "session": "1", "nom_jeton": "X", "contrat": "1", "identifiant": "1",
        "demande": "x", "justificatif": DEMO_EMAIL, "preuve": "email"}


def target(r):
    """A path the route answers (a prefix route gets a well-formed rest)."""
    if not r["prefix"]:
        return r["path"]
    return r["path"] + ("1/invoices" if r["path"].startswith("/api/") else "1")


@test(own=True)
def every_post_route_refuses_forged_forms_with_403(s):
    posts = [r for r in route_table() if accepts_post(r) and "RB_AUTH_SIGNED" not in r["guards"]]
    assert len(posts) >= 15, posts
    signed = Browser(s)
    st, _, _ = signed.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    st, _, _ = signed.get("/mon-compte")
    assert st == 200 and signed.csrf, st
    good = signed.csrf
    anon = Browser(s)
    anon.get("/connexion")              # a token of its own in its cookie
    assert anon.csrf
    agent = None
    for r in posts:
        if "RB_NEED_AGENT" in r["guards"]:
            # A back-office route: an admin's session (its role passes
            # any rt_role), so that only the forged form can be refused.
            if agent is None:
                from harness import agent_browser
                agent, _, _ = agent_browser(s, "admin")
                agent.get("/agent")
            b, token = agent, agent.csrf
        else:
            # A signed-in visitor of a guest-only route is sent away first.
            b = anon if r["if_signed_in"] else signed
            token = anon.csrf if b is anon else good
        path = target(r)
        for label, fields, headers in (
                ("no token", dict(FORM), None),
                ("wrong token", dict(FORM, csrf="x" * 43), None),
                ("foreign origin", dict(FORM, csrf=token), {"Origin": "http://evil.example"})):
            st, h, _ = b.request("POST", path, fields, headers)
            assert st == 403, (path, label, st)
        assert "RB_NEED_CSRF" in r["guards"], r
    # None of those forms did anything: still signed in, same password.
    st, _, _ = signed.get("/mon-espace")
    assert st == 200, st
    again = Browser(s)
    st, h, _ = again.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303 and h["Location"].endswith("/mon-espace"), (st, h["Location"])


@test
def anonymous_visitors_of_guarded_routes_are_sent_to_sign_in(s):
    rows = route_table()
    public = public_routes()
    bearer = [r for r in rows if r["path"].startswith("/api/") and r["route"] not in public]
    signed = [r for r in rows if "RB_AUTH_SIGNED" in r["guards"]]
    owned = [r for r in rows if r["route"] not in public and r not in bearer and r not in signed]
    assert len(owned) >= 10, owned
    anon = Browser(s)
    anon.get("/connexion")
    for r in owned:
        # A session route is refused before its CSRF check: the forged
        # POST of an anonymous visitor goes to the sign-in page too.
        method = "GET" if "GET" in r["methods"] or r["methods"] == "GP" else "POST"
        st, h, _ = anon.request(method, target(r), dict(FORM) if method == "POST" else None)
        assert st == 303 and h["Location"].endswith("/connexion"), (r["path"], method, st, h["Location"])
    # A server-to-server route refuses an unsigned body (pages/pay.c).
    for r in signed:
        st, _, _ = anon.request("POST", target(r), dict(FORM))
        assert st in (400, 403, 404), (r["path"], st)
    assert len(bearer) >= 2, bearer
    for r in bearer:
        st, h, _ = anon.get(target(r))
        assert st == 401 and h["WWW-Authenticate"].startswith("Bearer"), (r["path"], st)


@test
def a_signed_in_visitor_of_a_guest_only_route_is_redirected_even_without_token(s):
    guest = [r for r in route_table() if r["if_signed_in"]]
    assert guest, "no guest-only route"
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    for r in guest:
        for method in ("GET", "POST"):
            st, h, _ = b.request(method, target(r), dict(FORM) if method == "POST" else None)
            assert st == 303 and h["Location"].endswith(r["if_signed_in"]), (r["path"], method, st)
