"""HTTP tests of the subscriber's JSON API (/api/v1/) and of the personal
API tokens of "Mon compte": a token is created on the page and shown
once, stored hashed, listed, used on every route, revoked at once; 401
without or with a wrong or revoked token; 404 alike for another
subscriber's contract and an unknown one; 400 naming the parameter for
bad dates and parameters; 405 for anything but GET; 429 past the rate
limits; JSON answers everywhere under /api/; the OpenAPI description
served is docs/openapi.json and lists exactly the routes answered; daily
consumption equals the differences of the meter readings in the
database."""
import datetime
import hashlib
import html
import http.client
import json
import os
import re
import secrets

from harness import test, check_security_headers, check_page, db_rows, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD

TOKEN_RE = re.compile(r"rbt_[A-Za-z0-9_-]{43}")
OWN = ("1000000001", "1000000002")
FOREIGN = "1000000004"          # belongs to nobody's space
UNKNOWN = "9999999999"
HERE = os.path.dirname(os.path.abspath(__file__))
OPENAPI = os.path.join(HERE, "..", "..", "docs", "openapi.json")


def signed_in(s):
    b = Browser(s)
    st, h, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def create_token(b, name="Domotique"):
    b.get("/mon-compte")
    st, h, page = b.post("/mon-compte/jetons", {"nom_jeton": name})
    assert st == 200, (st, page[:300])
    found = TOKEN_RE.findall(page)
    assert len(found) == 1, found
    return found[0], page


def api(s, path, token=None, method="GET", headers=None):
    """(status, headers with lower-case names, raw body, JSON or None)."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    st, hd, body = s.request(method, path, headers=h)
    data = None
    if method != "HEAD" and body:
        data = json.loads(body.decode("utf-8"))
    return st, hd, body, data


def assert_json(hd):
    assert hd["content-type"] == "application/json; charset=utf-8", hd.get("content-type")
    assert hd.get("cache-control") == "no-store", hd.get("cache-control")
    check_security_headers(hd)


def assert_error(st, hd, data, status, code, parameter=None):
    assert st == status, (st, data)
    assert_json(hd)
    err = data["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"], err
    if parameter is not None:
        assert err.get("parameter") == parameter, err
    else:
        assert "parameter" not in err, err


def token_of_demo(s):
    b = signed_in(s)
    token, _ = create_token(b)
    return b, token


# ------------------------------------------------------------------ tokens

@test(own=True)
def api_token_is_created_in_my_account_shown_once_stored_hashed_and_revoked(s):
    b = signed_in(s)
    st, _, page = b.get("/mon-compte")
    assert st == 200
    check_page(page.encode())
    assert "Codes d'accès pour vos programmes" in page and "Vous n'avez aucun code d'accès." in page
    token, page = create_token(b, "Domotique")
    check_page(page.encode())
    assert "ne sera plus jamais affiché" in page
    # Never again on the page; listed by name and visible prefix.
    st, _, page = b.get("/mon-compte")
    assert token not in page and not TOKEN_RE.search(page)
    assert "Domotique" in page and token[:10] in page and "jamais" in page
    # Stored as its SHA-256 only.
    rows = db_rows(s, "SELECT hash, prefix, name, revoked_at FROM api_tokens")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), token[:10], "Domotique", None)], rows
    for table, col in (("api_tokens", "hash"), ("api_tokens", "prefix"), ("audit_log", "detail"),
                       ("audit_log", "target")):
        vals = [r[0] or "" for r in db_rows(s, "SELECT %s FROM %s" % (col, table))]
        assert not any(token in v for v in vals), (table, col)
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'api_token.create'") == [(1,)]
    # It works, and its use is shown.
    st, hd, _, data = api(s, "/api/v1/contracts", token)
    assert st == 200, data
    st, _, page = b.get("/mon-compte")
    assert "jamais" not in page.split("Codes d'accès pour vos programmes")[1]
    # Revocation: immediate.
    tid = db_rows(s, "SELECT id FROM api_tokens")[0][0]
    st, h, _ = b.post("/mon-compte/jetons/revoquer", {"jeton": str(tid)})
    assert st == 303 and h["Location"] == "/mon-compte?fait=jeton-revoque", st
    st, hd, _, data = api(s, "/api/v1/contracts", token)
    assert_error(st, hd, data, 401, "unauthorized")
    assert 'error="invalid_token"' in hd["www-authenticate"], hd
    assert db_rows(s, "SELECT count(*) FROM audit_log WHERE action = 'api_token.revoke'") == [(1,)]
    st, _, page = b.get("/mon-compte?fait=jeton-revoque")
    assert "Vous n'avez aucun code d'accès." in page and "Le code d'accès a été supprimé" in html.unescape(page)
    # Revoking again, or a made-up id, changes nothing and reveals nothing.
    st, h, _ = b.post("/mon-compte/jetons/revoquer", {"jeton": str(tid + 1000)})
    assert st == 303


@test(own=True)
def api_token_forms_need_csrf_a_session_and_a_name(s):
    b = signed_in(s)
    b.get("/mon-compte")
    st, _, _ = b.post("/mon-compte/jetons", {"nom_jeton": "X", "csrf": "x" * 43})
    assert st == 403, st
    st, _, _ = b.post("/mon-compte/jetons/revoquer", {"jeton": "1", "csrf": "x" * 43})
    assert st == 403, st
    st, _, page = b.post("/mon-compte/jetons", {"nom_jeton": "  "})
    assert st == 200 and "Donnez un nom à ce code d'accès" in html.unescape(page) and not TOKEN_RE.search(page)
    st, _, page = b.post("/mon-compte/jetons", {"nom_jeton": "é" * 61})
    assert st == 200 and "60 caractères" in page and not TOKEN_RE.search(page)
    check_page(page.encode())
    assert db_rows(s, "SELECT count(*) FROM api_tokens") == [(0,)]
    anon = Browser(s)
    st, h, _ = anon.request("POST", "/mon-compte/jetons", {"nom_jeton": "X", "csrf": "y"})
    assert st in (303, 403), st
    assert db_rows(s, "SELECT count(*) FROM api_tokens") == [(0,)]


@test(env={"ROBINET_API_TOKENS_PER_ACCOUNT": "2"})
def api_tokens_per_account_are_limited(s):
    b = signed_in(s)
    create_token(b, "Un")
    create_token(b, "Deux")
    st, _, page = b.post("/mon-compte/jetons", {"nom_jeton": "Trois"})
    assert st == 200 and "nombre maximal de codes d'accès" in html.unescape(page) and not TOKEN_RE.search(page)
    assert db_rows(s, "SELECT count(*) FROM api_tokens") == [(2,)]


# ------------------------------------------------------------------ routes

@test(own=True)
def api_contracts_lists_the_tokens_account_contracts(s):
    b, token = token_of_demo(s)
    st, hd, _, data = api(s, "/api/v1/contracts", token)
    assert st == 200, data
    assert_json(hd)
    nums = [c["number"] for c in data["contracts"]]
    assert nums == list(OWN), nums
    c1 = data["contracts"][0]
    assert c1["old_number"] == "1234560A"
    want = db_rows(s, "SELECT service_address, service_postcode, service_commune, direct_debit, paperless "
                   "FROM contracts WHERE number = '1000000001'")[0]
    assert c1["service_address"] == {"street": want[0], "postcode": want[1], "commune": want[2]}
    assert c1["direct_debit"] is bool(want[3]) and c1["paperless"] is bool(want[4])
    meter = db_rows(s, "SELECT m.serial, m.remote_read FROM meters m JOIN contracts c ON c.id = m.contract_id "
                    "WHERE c.number = '1000000001' AND m.removed_on IS NULL")[0]
    assert c1["meter"] == {"serial": meter[0], "remote_read": bool(meter[1])}
    # A session cookie is not a way in.
    st, hd, _, data = api(s, "/api/v1/contracts", headers={"Cookie": "; ".join(
        "%s=%s" % kv for kv in b.cookies.items())})
    assert_error(st, hd, data, 401, "unauthorized")
    # HEAD answers like GET, without a body.
    st, hd, body, _ = api(s, "/api/v1/contracts", token, method="HEAD")
    assert st == 200 and body == b"" and hd["content-type"].startswith("application/json")


@test(own=True)
def api_invoices_of_my_contracts_with_year_filter(s):
    _, token = token_of_demo(s)
    for number in OWN:
        st, hd, _, data = api(s, "/api/v1/contracts/%s/invoices" % number, token)
        assert st == 200, data
        assert_json(hd)
        assert data["contract"] == number
        want = db_rows(s, "SELECT i.number, i.issued_on, i.period_start, i.period_end, i.due_on, i.total_cents, "
                       "i.status, i.archived FROM invoices i JOIN contracts c ON c.id = i.contract_id "
                       "WHERE c.number = ? ORDER BY i.issued_on DESC, i.number DESC", number)
        got = [(i["number"], i["issued_on"], i["period"]["start"], i["period"]["end"], i["due_on"],
                i["total_cents"], i["status"], int(i["archived"])) for i in data["invoices"]]
        assert got == want, (got[:2], want[:2])
    st, _, _, data = api(s, "/api/v1/contracts/1000000001/invoices", token)
    assert any(i["archived"] for i in data["invoices"]), "archived bills of 1234560A missing"
    st, _, _, data = api(s, "/api/v1/contracts/1000000001/invoices?year=2024", token)
    assert st == 200 and data["invoices"]
    assert all(i["issued_on"].startswith("2024-") for i in data["invoices"])
    st, _, _, data = api(s, "/api/v1/contracts/1000000001/invoices?year=1999", token)
    assert st == 200 and data["invoices"] == []


@test(own=True)
def api_consumption_by_period_and_by_day(s):
    _, token = token_of_demo(s)
    st, hd, _, data = api(s, "/api/v1/contracts/1000000001/consumption?step=period&from=2015-01-01&to=2026-12-31",
                          token)
    assert_error(st, hd, data, 400, "invalid_parameter", "from")       # more than 10 years
    st, hd, _, data = api(s, "/api/v1/contracts/1000000001/consumption?step=period&from=2020-01-01&to=2026-12-31",
                          token)
    assert st == 200, data
    assert_json(hd)
    assert data["step"] == "period" and data["from"] == "2020-01-01" and data["to"] == "2026-12-31"
    periods = data["consumption"]
    assert periods, data
    for p in periods:
        assert set(p) == {"start", "end", "days", "litres", "estimated", "previous_litres", "abnormal"}, p
        assert "2020-01-01" <= p["end"] <= "2026-12-31"
    # Defaults: by day, the last 90 days up to today.
    st, _, _, data = api(s, "/api/v1/contracts/1000000001/consumption", token)
    assert st == 200 and data["step"] == "day", data
    d_to = datetime.date.fromisoformat(data["to"])
    assert datetime.date.fromisoformat(data["from"]) == d_to - datetime.timedelta(days=89)
    # A meter without remote reading has no daily figures.
    st, _, _, data = api(s, "/api/v1/contracts/1000000002/consumption?step=day", token)
    assert st == 200 and data["consumption"] == [], data


@test(own=True)
def api_daily_consumption_equals_the_meter_readings_differences(s):
    _, token = token_of_demo(s)
    rows = db_rows(s, "SELECT r.read_on, r.index_litres FROM meter_readings r JOIN meters m ON m.id = r.meter_id "
                   "JOIN contracts c ON c.id = m.contract_id WHERE c.number = '1000000001' "
                   "AND m.remote_read = 1 AND r.source = 'remote' ORDER BY r.read_on")
    index = dict(rows)
    last = datetime.date.fromisoformat(rows[-1][0])
    first = last - datetime.timedelta(days=29)
    want = []
    for k in range(30):
        d = first + datetime.timedelta(days=k)
        prev = (d - datetime.timedelta(days=1)).isoformat()
        if d.isoformat() in index and prev in index:
            want.append({"date": d.isoformat(), "litres": index[d.isoformat()] - index[prev]})
    assert len(want) >= 25, want
    st, _, _, data = api(s, "/api/v1/contracts/1000000001/consumption?step=day&from=%s&to=%s"
                         % (first.isoformat(), last.isoformat()), token)
    assert st == 200, data
    assert data["consumption"] == want, (data["consumption"][:3], want[:3])


@test(own=True)
def api_another_accounts_contract_is_404_like_an_unknown_one(s):
    _, token = token_of_demo(s)
    answers = set()
    for sub in ("invoices", "consumption", "consumption?step=period", "invoices?year=2024"):
        for number in (FOREIGN, UNKNOWN, "1000000003", "1234560A", "abc", "%31000000004"):
            st, hd, body, data = api(s, "/api/v1/contracts/%s/%s" % (number, sub), token)
            assert_error(st, hd, data, 404, "not_found")
            answers.add(body)
    assert len(answers) == 1, answers
    # Nor does the list show it.
    st, _, _, data = api(s, "/api/v1/contracts", token)
    assert FOREIGN not in json.dumps(data)


@test(own=True)
def api_bad_dates_and_parameters_are_400_naming_the_parameter(s):
    _, token = token_of_demo(s)
    base = "/api/v1/contracts/1000000001/"
    cases = [
        ("consumption?from=2024-02-30", "from"),
        ("consumption?from=2023-02-29&to=2023-03-31", "from"),
        ("consumption?to=2024-13-01", "to"),
        ("consumption?to=hier", "to"),
        ("consumption?from=2024-1-01&to=2024-02-01", "from"),
        ("consumption?from=2024-03-02&to=2024-03-01", "from"),
        ("consumption?from=2023-01-01&to=2024-12-31&step=day", "from"),
        ("consumption?from=2010-01-01&to=2024-12-31&step=period", "from"),
        ("consumption?step=week", "step"),
        ("consumption?step=", None),      # empty step is the default: fine
        ("consumption?from=2024-01-01&from=2024-02-01", "from"),
        ("consumption?jour=2024-01-01", "jour"),
        ("invoices?year=24", "year"),
        ("invoices?year=deux", "year"),
        ("invoices?annee=2024", "annee"),
    ]
    for q, param in cases:
        st, hd, _, data = api(s, base + q, token)
        if param is None:
            assert st == 200, (q, data)
            continue
        assert_error(st, hd, data, 400, "invalid_parameter", param)
    st, hd, _, data = api(s, "/api/v1/contracts?limit=3", token)
    assert_error(st, hd, data, 400, "invalid_parameter", "limit")
    # Bad input never reaches data of another contract nor crashes.
    st, hd, _, data = api(s, base + "consumption?from=%ff", token)
    assert_error(st, hd, data, 400, "bad_request")


@test
def api_without_or_with_a_wrong_token_is_401(s):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer faux"},
                    {"Authorization": "Bearer rbt_" + secrets.token_urlsafe(32)},
                    {"Authorization": "Basic ZGVtbzpkZW1v"},
                    {"Authorization": "Bearer rbt_" + "A" * 43 + "x"}):
        for path in ("/api/v1/contracts", "/api/v1/contracts/1000000001/invoices",
                     "/api/v1/contracts/1000000001/consumption"):
            st, hd, _, data = api(s, path, headers=headers)
            assert_error(st, hd, data, 401, "unauthorized")
            assert hd["www-authenticate"].startswith("Bearer realm=\"robinet\""), hd


@test
def api_methods_other_than_get_are_405_in_json(s):
    for path in ("/api/v1/contracts", "/api/v1/contracts/1000000001/invoices",
                 "/api/v1/contracts/1000000001/consumption", "/api/v1/openapi.json"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            st, hd, _, data = api(s, path, method=method, headers={"Content-Type": "application/json"})
            assert_error(st, hd, data, 405, "method_not_allowed")
            assert hd["allow"] == "GET, HEAD", hd


@test
def api_unknown_paths_and_oversized_requests_are_json_errors(s):
    for path in ("/api/v1/", "/api/v1/factures", "/api/v1/contracts/1000000001",
                 "/api/v1/contracts/1000000001/readings", "/api/v2/contracts"):
        st, hd, _, data = api(s, path)
        assert_error(st, hd, data, 404, "not_found")
    st, hd, body = s.request("POST", "/api/v1/contracts", body=b"x" * 70000,
                             headers={"Content-Type": "application/octet-stream"})
    assert st == 413 and hd["content-type"].startswith("application/json"), (st, body[:200])
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # The HTML site keeps its HTML error pages.
    st, hd, _ = s.request("GET", "/pas-de-page")
    assert st == 404 and hd["content-type"].startswith("text/html")


@test(env={"ROBINET_API_RL_PER_TOKEN": "3"})
def api_rate_limit_per_token_answers_429_with_retry_after(s):
    _, token = token_of_demo(s)
    for _ in range(3):
        st, _, _, data = api(s, "/api/v1/contracts", token)
        assert st == 200, data
    st, hd, _, data = api(s, "/api/v1/contracts/1000000001/invoices", token)
    assert_error(st, hd, data, 429, "rate_limited")
    assert int(hd["retry-after"]) >= 1, hd
    # Another token of the same account has its own allowance.
    b = signed_in(s)
    other, _ = create_token(b, "Autre")
    st, _, _, data = api(s, "/api/v1/contracts", other)
    assert st == 200, data


@test(env={"ROBINET_API_RL_PER_IP": "3"})
def api_rate_limit_per_ip_also_stops_token_guessing(s):
    for _ in range(3):
        st, _, _, _ = api(s, "/api/v1/contracts", "rbt_" + secrets.token_urlsafe(32))
        assert st == 401
    st, hd, _, data = api(s, "/api/v1/contracts", "rbt_" + secrets.token_urlsafe(32))
    assert_error(st, hd, data, 429, "rate_limited")
    assert int(hd["retry-after"]) >= 1


# ----------------------------------------------------------------- openapi

@test(own=True)
def api_openapi_is_the_docs_file_and_lists_exactly_the_routes_answered(s):
    st, hd, body = s.request("GET", "/api/v1/openapi.json")
    assert st == 200 and hd["content-type"] == "application/json; charset=utf-8"
    with open(OPENAPI, "rb") as f:
        assert body == f.read(), "served description differs from docs/openapi.json"
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert "Error" in doc["components"]["schemas"]
    answered = {"/openapi.json", "/contracts", "/contracts/{number}/invoices", "/contracts/{number}/consumption"}
    assert set(doc["paths"]) == answered, set(doc["paths"])
    _, token = token_of_demo(s)
    recent = (datetime.date.fromisoformat(TODAY) - datetime.timedelta(days=30)).isoformat()
    for path, ops in doc["paths"].items():
        assert set(ops) == {"get"}, (path, set(ops))
        url = "/api/v1" + path.replace("{number}", "1000000001")
        st, hd, _, data = api(s, url, token)
        assert st == 200, (url, st, data)
        for code in ops["get"]["responses"]:
            assert code in ("200", "400", "401", "404", "405", "429", "500"), (path, code)
        # Every documented query parameter is accepted.
        for p in ops["get"].get("parameters", []):
            if p["in"] == "query":
                example = {"year": "2024", "step": "period", "from": recent,
                           "to": TODAY}[p["name"]]
                st, _, _, data = api(s, "%s?%s=%s" % (url, p["name"], example), token)
                assert st == 200, (url, p["name"], data)
