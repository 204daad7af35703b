"""HTTP tests of issue 8, part 3: no targeted lock-out. A stranger's
failures on someone's email, former customer id or contract number, from
as many addresses as they like, never keep the owner out: limits count
per (identifier, address), the identifier's ceiling only delays, and a
browser where the identifier was proved before (device cookie) is held
back by its own failures only. Client addresses come from
X-Forwarded-For only behind a proxy listed in trusted_proxies. Every
throttled answer carries Retry-After. Once a 2023 subscriber's space is
active, the archive takes that space's password, never the former one."""
import re
import time

from harness import test, db_rows, run_cli
from test_auth import (Browser, mailbox, smtp_env, link_in, DEMO_EMAIL, DEMO_PASSWORD,
                       GENERIC_SIGNIN)

OLD_ID = "1234567A"
OLD_PASSWORD = "ancien-mdp-2023"
PROXY = {"ROBINET_TRUSTED_PROXIES": "127.0.0.1"}
DEVICE = "__Host-robinet-appareil"


class From(Browser):
    """A browser whose requests reach the server through the trusted
    proxy on loopback, which says they come from `addr`."""

    def __init__(self, srv, addr, forwarded=None):
        super().__init__(srv)
        self.addr = addr
        self.forwarded = forwarded

    def request(self, method, path, fields=None, headers=None):
        h = dict(headers or {})
        h["X-Forwarded-For"] = self.forwarded or self.addr
        return super().request(method, path, fields, h)


def retry_after(h, page, window=3600):
    """Checks a throttled answer: Retry-After in seconds, and the page
    saying the same wait in minutes."""
    v = h["Retry-After"]
    assert v is not None and v.isdigit() and 1 <= int(v) <= window, v
    minutes = max(1, (int(v) + 59) // 60)
    assert ("Réessayez dans %d minute" % minutes) in page, (v, page[:400])
    return int(v)


def attack(s, path, fields, addrs, n):
    """n failed posts to path spread over addrs; returns their statuses."""
    browsers = [From(s, a) for a in addrs]
    for b in browsers:
        b.get(path)
    statuses = []
    for i in range(n):
        st, h, page = browsers[i % len(browsers)].post(path, fields)
        statuses.append(st)
    return statuses


# ------------------------------------------------- the owner is never out

@test(env=PROXY)
def owner_signs_in_from_a_new_address_after_100_failures_from_two(s):
    statuses = attack(s, "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "mauvais-mot-de-passe"},
                      ("198.51.100.1", "198.51.100.2"), 100)
    assert statuses.count(200) == 100, statuses
    # The owner, elsewhere, is in...
    st, h, page = From(s, "203.0.113.7").signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303 and h["Location"] == "/mon-espace", (st, page[:400])
    # ...while the attackers' addresses have spent their allowance
    # (rl_per_ip) and are told how long to wait.
    st, h, page = From(s, "198.51.100.1").signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429, st
    retry_after(h, page)


@test(env=PROXY)
def owner_opens_the_archive_from_a_new_address_after_100_failures_from_two(s):
    statuses = attack(s, "/archives", {"identifiant": OLD_ID, "mot_de_passe": "pas-le-bon"},
                      ("198.51.100.1", "198.51.100.2"), 100)
    assert 429 not in statuses[:100], statuses
    b = From(s, "203.0.113.7")
    b.get("/archives")
    st, h, page = b.post("/archives", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 303 and h["Location"] == "/archives", (st, page[:400])


@test(env=PROXY)
def owner_migrates_from_a_new_address_after_100_failures_from_two(s):
    attack(s, "/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": "pas-le-bon"},
           ("198.51.100.1", "198.51.100.2"), 100)
    b = From(s, "203.0.113.7")
    b.get("/abonne-2023")
    st, _, page = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 200 and 'name="demande"' in page, (st, page[:400])


@test(env=PROXY)
def holder_creates_a_space_from_a_new_address_after_100_failures_from_two(s):
    statuses = attack(s, "/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture",
                                               "justificatif": "FA2024-999999"},
                      ("198.51.100.1", "198.51.100.2"), 100)
    b = From(s, "203.0.113.7")
    b.get("/creer-mon-espace")
    st, _, page = b.post("/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture",
                                               "justificatif": "FA2024-000042"})
    assert st == 200 and 'name="demande"' in page, (st, page[:400])
    # Ten failures per address on one contract (rl_per_contract), then
    # those addresses wait.
    assert statuses.count(200) == 20 and statuses.count(429) == 80, statuses


# The identifier's ceiling (rl_id_factor, 10, x rl_per_account) is
# passed: the owner waits, and is in.
@test(env=dict(PROXY, ROBINET_RL_PER_ACCOUNT="1"))
def past_the_identifiers_ceiling_attempts_are_delayed_not_refused(s):
    statuses = attack(s, "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "faux"},
                      ["198.51.100.%d" % i for i in range(1, 11)], 10)
    assert statuses == [200] * 10, statuses
    b = From(s, "203.0.113.8")
    b.get("/connexion")
    t0 = time.monotonic()
    st, h, _ = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD})
    took = time.monotonic() - t0
    assert st == 303, st
    assert took >= 0.95, took
    # The trip is audited as a delay.
    rows = db_rows(s, "SELECT detail FROM audit_log WHERE action = 'ratelimit.trip'"
                      " AND target = 'signin:id:' || ?", DEMO_EMAIL)
    assert rows and '"delay"' in rows[0][0], rows


# ------------------------------------------------------------ device cookie

@test(env=dict(PROXY, ROBINET_RL_PER_ACCOUNT="3"))
def owner_with_a_device_cookie_signs_in_despite_failures(s):
    owner = From(s, "192.0.2.10")
    st, _, _ = owner.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    cookie = [c for c in owner.set_cookies if c.startswith(DEVICE + "=")]
    assert cookie, owner.set_cookies
    for attr in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=15552000"):
        assert attr in cookie[0], cookie[0]
    # The token is not stored, only its hash.
    token = owner.cookies[DEVICE]
    assert db_rows(s, "SELECT count(*) FROM devices WHERE token_hash = ?", token)[0][0] == 0
    assert db_rows(s, "SELECT count(*) FROM devices")[0][0] == 1
    owner.post("/deconnexion", {})
    # Strangers fail on the email, from the owner's own address too.
    attack(s, "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "faux"},
           ("192.0.2.10", "198.51.100.3"), 6)
    st, h, page = From(s, "192.0.2.10").signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429, st
    retry_after(h, page)
    # The owner's browser is in, from there.
    st, h, _ = owner.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303 and h["Location"] == "/mon-espace", st
    # A cookie made up by someone is nobody's.
    forged = From(s, "192.0.2.10")
    forged.cookies[DEVICE] = "A" * 43
    st, _, _ = forged.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429, st


@test(env=PROXY)
def a_stolen_device_cookie_used_for_guessing_is_throttled(s):
    owner = From(s, "192.0.2.10")
    assert owner.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    stolen = owner.cookies[DEVICE]
    for i in range(10):         # rl_per_device
        thief = From(s, "198.51.100.%d" % (20 + i))
        thief.cookies[DEVICE] = stolen
        st, _, page = thief.signin(DEMO_EMAIL, "devine-%d" % i)
        assert st == 200 and GENERIC_SIGNIN in page, st
    thief = From(s, "198.51.100.30")
    thief.cookies[DEVICE] = stolen
    st, h, page = thief.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429, st
    retry_after(h, page)
    # The cookie is locked out, not the account.
    st, _, _ = From(s, "203.0.113.40").signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st


@test(env=dict(PROXY, ROBINET_RL_PER_ACCOUNT="2", ROBINET_RL_PER_CONTRACT="2"))
def device_cookies_spare_the_archive_and_the_creation_too(s):
    for path, wrong, right, ok in (
            ("/archives", {"identifiant": OLD_ID, "mot_de_passe": "faux"},
             {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD}, 303),
            ("/creer-mon-espace", {"contrat": "1000000004", "preuve": "compteur", "justificatif": "I00AA000000"},
             {"contrat": "1000000004", "preuve": "compteur", "justificatif": "I21BA012345"}, 200)):
        owner = From(s, "192.0.2.20")
        owner.get(path)
        st, _, _ = owner.post(path, right)
        assert st == ok and DEVICE in owner.cookies, (path, st, owner.set_cookies)
        attack(s, path, wrong, ("192.0.2.20",), 2)
        stranger = From(s, "192.0.2.20")
        stranger.get(path)
        st, h, page = stranger.post(path, right)
        assert st == 429, (path, st)
        owner.get(path)
        st, _, _ = owner.post(path, right)
        assert st == ok, (path, st)


# ----------------------------------------------------------- Retry-After

@test(env=dict(PROXY, ROBINET_RL_PER_ACCOUNT="1", ROBINET_RL_PER_CONTRACT="1",
               ROBINET_RL_PER_MAIL="1"))
def every_throttled_answer_carries_retry_after(s):
    cases = (
        ("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "faux"}),
        ("/archives", {"identifiant": OLD_ID, "mot_de_passe": "faux"}),
        ("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": "faux"}),
        ("/creer-mon-espace", {"contrat": "1000000004", "preuve": "compteur", "justificatif": "I00AA000000"}),
        ("/mot-de-passe-oublie", {"email": "personne@robinet.test"}),
        ("/renvoyer-activation", {"email": "personne@robinet.test"}),
    )
    for i, (path, fields) in enumerate(cases):
        b = From(s, "198.51.100.%d" % (60 + i))
        b.get(path)
        st, h, page = b.post(path, fields)
        assert st in (200, 303), (path, st)
        st, h, page = b.post(path, fields)
        assert st == 429, (path, st)
        retry_after(h, page)


# ------------------------------------------------------ trusted proxies

def audited_ips(s, action):
    return [r[0] for r in db_rows(s, "SELECT ip FROM audit_log WHERE action = ? ORDER BY id", action)]


@test(own=True)
def x_forwarded_for_is_ignored_without_trusted_proxies(s):
    # No proxy trusted: a client names any address it likes, in vain.
    for addr in ("198.51.100.71", "198.51.100.72"):
        From(s, addr).signin(DEMO_EMAIL, "faux")
    b = From(s, "198.51.100.73", forwarded="203.0.113.1, 198.51.100.73")
    b.signin(DEMO_EMAIL, "faux")
    assert audited_ips(s, "signin.failed") == ["127.0.0.1"] * 3, audited_ips(s, "signin.failed")
    rows = db_rows(s, "SELECT count(*) FROM rate_limits WHERE bucket LIKE 'signin:ip:%'"
                      " AND bucket <> 'signin:ip:127.0.0.1'")
    assert rows[0][0] == 0, rows


@test(env={"ROBINET_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
def x_forwarded_for_names_the_client_behind_a_trusted_proxy(s):
    From(s, "198.51.100.81").signin(DEMO_EMAIL, "faux")
    # Hops written by the client (left of the first untrusted one,
    # reading from the right) are never believed.
    From(s, "x", forwarded="6.6.6.6, 198.51.100.82, 10.1.2.3").signin(DEMO_EMAIL, "faux")
    From(s, "x", forwarded="10.9.9.9, 198.51.100.83").signin(DEMO_EMAIL, "faux")
    # Garbage where the proxy writes: the proxy's own address.
    From(s, "x", forwarded="pas-une-adresse").signin(DEMO_EMAIL, "faux")
    assert audited_ips(s, "signin.failed") == ["198.51.100.81", "198.51.100.82", "198.51.100.83",
                                               "127.0.0.1"], audited_ips(s, "signin.failed")


@test(env={"ROBINET_TRUSTED_PROXIES": "192.0.2.1"})
def a_spoofed_header_from_a_peer_that_is_not_the_proxy_is_ignored(s):
    # The server is reached on loopback, which is not the listed proxy.
    From(s, "198.51.100.91").signin(DEMO_EMAIL, "faux")
    assert audited_ips(s, "signin.failed") == ["127.0.0.1"], audited_ips(s, "signin.failed")


@test
def trusted_proxies_are_checked_at_start(s):
    rc, out, err = run_cli("config", "check", env={"ROBINET_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example"})
    assert rc != 0 and "trusted_proxies" in err + out and "proxy.example" in err + out, (rc, out, err)
    rc, out, err = run_cli("config", "check", env={"ROBINET_TRUSTED_PROXIES": "10.0.0.0/8 2001:db8::/32"})
    assert rc == 0, (rc, out, err)


# ------------------------------------------- the archive after the move

def archive_open(s, password):
    b = Browser(s)
    b.get("/archives")
    return b.post("/archives", {"identifiant": OLD_ID, "mot_de_passe": password})


def follow_mail_form(s, box, to, subject, path, fields):
    """Follows the link of the newest mail to `to` and posts its form."""
    link = link_in(box.wait(to, subject), path)
    b = Browser(s)
    page = b.get(link.split(str(s.port), 1)[1])[2]
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    return b.post(path.split("?")[0], dict(fields, jeton=token))


@test(env=smtp_env())
def the_archive_takes_the_active_spaces_password_only(s):
    box = mailbox()
    new_pw = "la-lys-coule-a-armentieres"
    b = Browser(s)
    b.get("/abonne-2023")
    st, _, page = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, _ = b.post("/finaliser", {"demande": claim, "nom": "Lefebvre", "prenom": "Anne",
                                     "email": "legacy@robinet.test", "mot_de_passe": new_pw,
                                     "confirmation": new_pw})
    assert st == 303, st
    # Not activated yet: the former password still opens the archive.
    assert archive_open(s, OLD_PASSWORD)[0] == 303
    st, _, page = follow_mail_form(s, box, "legacy@robinet.test", "Activer", "/activer?jeton=", {})
    assert "activé" in page, page[:400]
    # Active: the former password no longer opens it, the current one does.
    st, _, page = archive_open(s, OLD_PASSWORD)
    assert st == 200 and "Identifiant ou mot de passe incorrect" in page, (st, page[:400])
    assert "mot de passe de votre nouvel espace client" in page
    st, h, _ = archive_open(s, new_pw)
    assert st == 303 and h["Location"] == "/archives", st
    # A reset applies to the archive too.
    r = Browser(s)
    r.get("/mot-de-passe-oublie")
    r.post("/mot-de-passe-oublie", {"email": "legacy@robinet.test"})
    reset_pw = "le-beffroi-de-douai-sonne"
    st, _, page = follow_mail_form(s, box, "legacy@robinet.test", "nouveau mot de passe",
                                   "/mot-de-passe/nouveau?jeton=",
                                   {"mot_de_passe": reset_pw, "confirmation": reset_pw})
    assert "Mot de passe modifié" in page, page[:400]
    assert archive_open(s, new_pw)[0] == 200
    assert archive_open(s, OLD_PASSWORD)[0] == 200
    assert archive_open(s, reset_pw)[0] == 303
    # One secret per person: the former hash is gone.
    assert db_rows(s, "SELECT hash FROM legacy_credentials WHERE old_customer_id = ?", OLD_ID)[0][0] == "!"
