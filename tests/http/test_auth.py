"""HTTP tests of the ways into the secure space (issue 3): sign-in and
sign-out, 2023 migration, account creation with each proof, activation by
email through a real SMTP server (aiosmtpd), password reset, account
settings, CSRF, rate limits, session expiry, and answers that do not tell
whether an account, contract, invoice or meter exists."""
import atexit
import email
import email.policy
import html
import http.client
import re
import threading
import time

from aiosmtpd.controller import Controller

import dbx
from harness import test, free_port, check_security_headers, check_page, REAL_DATE

DEMO_EMAIL = "demo@robinet.test"
DEMO_PASSWORD = "eau-potable-2024"
GENERIC_SIGNIN = "Adresse e-mail ou mot de passe incorrect."
NO_BILL = "Vous pourrez créer votre espace dès réception de votre première facture"


class Mailbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.cv = threading.Condition()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.cv:
            self.messages.append((envelope.rcpt_tos, msg))
            self.cv.notify_all()
        return "250 OK"

    def wait(self, to, subject_part=None, timeout=20):
        deadline = time.time() + timeout
        with self.cv:
            while True:
                for rcpt, msg in self.messages:
                    if to in rcpt and (subject_part is None or subject_part in str(msg["subject"])):
                        self.messages.remove((rcpt, msg))
                        return msg
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no mail to %s (%s) within %ds; got %s" % (
                        to, subject_part, timeout, [(r, str(m["subject"])) for r, m in self.messages]))
                self.cv.wait(left)

    def stop(self):
        self.controller.stop()


def mail_text(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content()


def mail_html(msg):
    part = msg.get_body(preferencelist=("html",))
    return part.get_content()


def link_in(msg, path):
    text = mail_text(msg)
    m = re.search(r"(https?://\S*%s\S*)" % re.escape(path), text)
    assert m, "no link to %s in: %s" % (path, text)
    return m.group(1)


class Browser:
    """A client that keeps cookies (also Secure ones over loopback http)
    and fills the CSRF field from the last form it saw."""

    def __init__(self, srv):
        self.srv = srv
        self.cookies = {}
        self.csrf = None
        self.set_cookies = []

    def request(self, method, path, fields=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if fields is not None:
            from urllib.parse import urlencode
            body = urlencode(fields).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        self.set_cookies = r.headers.get_all("Set-Cookie") or []
        for sc in self.set_cookies:
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in sc or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        text = data.decode("utf-8", "replace")
        m = re.search(r'name="csrf" value="([^"]*)"', text)
        if m:
            self.csrf = m.group(1)
        return r.status, r.headers, text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, csrf=True):
        f = dict(fields)
        if csrf and "csrf" not in f:
            f["csrf"] = self.csrf or ""
        return self.request("POST", path, f)

    def signin(self, email_addr, password):
        self.get("/connexion")
        return self.post("/connexion", {"email": email_addr, "mot_de_passe": password})


def strip_volatile(text):
    """A page without its CSRF tokens, for comparing two answers."""
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', text)


MAILBOX = None


def mailbox():
    global MAILBOX
    if MAILBOX is None:
        MAILBOX = Mailbox()
        atexit.register(MAILBOX.stop)
    return MAILBOX


def smtp_env(extra=None):
    # Demo mode would write mail to files: SMTP servers run on the real date.
    e = dict(REAL_DATE, ROBINET_SMTP_URL="smtp://127.0.0.1:%d" % mailbox().port)
    e.update(extra or {})
    return e


# ---------------------------------------------------------------- sign-in

def pipelined_answers(data):
    """The (status, headers, body) of each answer in data, in order."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        h = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            h[k.strip().lower()] = v.strip()
        n = int(h.get("content-length", "0"))
        out.append((int(lines[0].split()[1]), h, rest[:n]))
        data = rest[n:]
    return out


@test(own=True)
def a_signout_holds_for_the_requests_pipelined_after_it(s):
    # The session lookups of one run of the server share one read
    # transaction (web/session.h): a sign-out must hold for the next
    # request, even one already sent behind it on the same connection,
    # and for a request on another connection. (Which run answers which
    # pipelined request is the library's choice: test_run_read.c checks
    # a write seen within one run.)
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    st, _, page = b.get("/mon-espace")
    assert st == 200 and b.csrf, st
    cookie = "__Host-robinet=" + b.cookies["__Host-robinet"]
    body = ("csrf=" + b.csrf).encode()
    get = ("GET /mon-espace HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n\r\n"
           % cookie).encode()
    post = ("POST /deconnexion HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: %d\r\n\r\n" % (cookie, len(body))).encode() + body
    last = ("GET /mon-espace HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n"
            "Connection: close\r\n\r\n" % cookie).encode()
    answers = pipelined_answers(s.raw(get + get + post + get + last))
    assert [a[0] for a in answers] == [200, 200, 303, 303, 303], \
        [(a[0], a[1].get("location")) for a in answers]
    assert answers[3][1]["location"] == "/connexion"
    st, h, _ = s.request("GET", "/mon-espace", headers={"Cookie": cookie})
    assert st == 303 and h["location"] == "/connexion", st


@test(env=None, own=True)
def signin_opens_the_space_and_signout_closes_it(s):
    b = Browser(s)
    st, h, page = b.get("/connexion")
    assert st == 200
    check_page(page.encode())
    for label in ("Adresse e-mail", "Mot de passe", "Se connecter", "Mot de passe oublié ?"):
        assert label in page, label
    st, h, page = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD})
    assert st == 303 and h["Location"] == "/mon-espace", (st, page[:300])
    cookie = [c for c in b.set_cookies if c.startswith("__Host-robinet=")]
    assert cookie, b.set_cookies
    for attr in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax"):
        assert attr in cookie[0], cookie[0]
    assert "Domain" not in cookie[0]
    session = b.cookies["__Host-robinet"]
    st, h, page = b.get("/mon-espace")
    assert st == 200 and "1000000001" in page and "1000000002" in page, (st, page[:500])
    assert "1234560A" in page
    check_security_headers({k.lower(): v for k, v in h.items()})
    st, h, page = b.post("/deconnexion", {})
    assert st == 303, st
    assert "__Host-robinet" not in b.cookies
    st, h, _ = b.get("/mon-espace")
    assert st == 303 and h["Location"] == "/connexion"
    # The old cookie is dead on the server too.
    b.cookies["__Host-robinet"] = session
    st, h, _ = b.get("/mon-espace")
    assert st == 303, "a signed-out session still opens the space"


@test(own=True)
def signin_failure_says_the_same_for_unknown_email_and_wrong_password(s):
    answers = []
    for em, pw in ((DEMO_EMAIL, "mauvais-mot-de-passe"), ("personne@robinet.test", "mauvais-mot-de-passe"),
                   ("legacy@robinet.test", "mauvais-mot-de-passe")):
        b = Browser(s)
        st, h, page = b.signin(em, pw)
        assert st == 200 and GENERIC_SIGNIN in page, (st, page[:400])
        answers.append((st, strip_volatile(page).replace(html.escape(em, quote=True), "EMAIL")))
    assert answers[0] == answers[1] == answers[2]


@test
def forms_without_the_right_csrf_token_are_refused(s):
    b = Browser(s)
    b.get("/connexion")
    st, _, page = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD, "csrf": "x" * 43})
    assert st == 403, st
    st, _, page = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD}, csrf=False)
    assert st == 403, st
    b2 = Browser(s)       # a token from another browser does not work either
    b2.get("/connexion")
    b.csrf = b2.csrf
    st, _, _ = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD})
    assert st == 403, st
    b.get("/connexion")
    st, _, _ = b.request("POST", "/connexion", {"email": DEMO_EMAIL, "mot_de_passe": DEMO_PASSWORD,
                                                 "csrf": b.csrf}, headers={"Origin": "http://evil.example"})
    assert st == 403, st


# Idle limit with room for a loaded machine between sign-in and the
# first page (sanitizers, the whole suite on two cores).
@test(env={"ROBINET_SESSION_IDLE": "5"})
def idle_sessions_expire(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    assert b.get("/mon-espace")[0] == 200
    time.sleep(6.2)
    st, h, _ = b.get("/mon-espace")
    assert st == 303 and h["Location"] == "/connexion", st


@test(env={"ROBINET_SESSION_ABSOLUTE": "3"})
def sessions_end_after_the_absolute_limit_even_when_active(s):
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    for _ in range(4):
        time.sleep(1)
        b.get("/mon-espace")
    st, h, _ = b.get("/mon-espace")
    assert st == 303, "session outlived its absolute limit"


# ------------------------------------------------------------- migration

@test(env=smtp_env())
def a_2023_subscriber_migrates_and_activates_from_the_email(s):
    box = mailbox()
    b = Browser(s)
    st, _, page = b.get("/abonne-2023")
    assert st == 200 and "Ancien identifiant client" in page
    con = dbx.connect(s.db)
    q = "SELECT hash FROM legacy_credentials WHERE old_customer_id = '1234567A'"
    assert con.execute(q).fetchone()[0].startswith("$6$")
    st, _, page = b.post("/abonne-2023", {"identifiant": " 1234567a ", "mot_de_passe": "ancien-mdp-2023"})
    assert st == 200 and "legacy@robinet.test" in page, page[:600]
    # Verified once, the former system's hash is replaced by argon2id.
    assert con.execute(q).fetchone()[0].startswith("$argon2id$")
    con.close()
    for label in ("Nom", "Prénom", "Adresse e-mail", "Nouveau mot de passe", "Confirmation du mot de passe"):
        assert label in page, label
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    fields = {"demande": claim, "nom": "Lefebvre", "prenom": "Anne", "email": "legacy@robinet.test"}
    st, _, page = b.post("/finaliser", dict(fields, mot_de_passe="riviere-claire-42", confirmation="autre-chose-42"))
    assert st == 200 and "ne correspondent pas" in page, page[:800]
    st, _, page = b.post("/finaliser", dict(fields, mot_de_passe="court", confirmation="court"))
    assert "au moins 12 caractères" in page
    # The new password may be the old one when it meets the policy.
    st, h, page = b.post("/finaliser", dict(fields, mot_de_passe="ancien-mdp-2023", confirmation="ancien-mdp-2023"))
    assert st == 303 and h["Location"] == "/verifiez-vos-emails", (st, page[:600])
    st, _, page = b.get("/verifiez-vos-emails")
    assert "Vérifiez votre boîte mail" in page
    msg = box.wait("legacy@robinet.test", "Activer")
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    assert "Activer votre espace client" in mail_html(msg)
    link = link_in(msg, "/activer?jeton=")
    assert link.startswith("http://127.0.0.1:%d/" % s.port), link
    path = link.split(str(s.port), 1)[1]
    # Not active yet: sign-in fails, and says why to the password's holder.
    page = Browser(s).signin("legacy@robinet.test", "ancien-mdp-2023")[2]
    assert GENERIC_SIGNIN not in page and "attend d&#39;être activé" in page, page[:600]
    st, _, page = b.get(path)
    assert st == 200 and "Activer mon espace" in page
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    st, _, page = b.post("/activer", {"jeton": token})
    assert "Votre espace client est activé" in page, page[:600]
    st, _, page = b.post("/activer", {"jeton": token})
    assert "Lien invalide ou expiré" in page, "activation link worked twice"
    st, h, _ = Browser(s).signin("legacy@robinet.test", "ancien-mdp-2023")
    assert st == 303, st
    # The old id no longer opens the new space.
    st, _, page = Browser(s).request("GET", "/abonne-2023")
    b3 = Browser(s)
    b3.get("/abonne-2023")
    st, _, page = b3.post("/abonne-2023", {"identifiant": "1234567A", "mot_de_passe": "ancien-mdp-2023"})
    assert "legacy@robinet.test" not in page and "ne permettent pas" in page, page[:600]


@test(own=True)
def wrong_old_password_and_unknown_old_id_answer_alike(s):
    pages = []
    for old_id in ("1234567A", "7654321Z"):
        b = Browser(s)
        b.get("/abonne-2023")
        st, _, page = b.post("/abonne-2023", {"identifiant": old_id, "mot_de_passe": "pas-le-bon-mot"})
        assert st == 200
        pages.append(strip_volatile(page).replace('value="%s"' % old_id, 'value="ID"'))
    assert pages[0] == pages[1]


# --------------------------------------------------------------- creation

def claim_contract(s, contract, proof, value):
    b = Browser(s)
    b.get("/creer-mon-espace")
    st, _, page = b.post("/creer-mon-espace", {"contrat": contract, "preuve": proof, "justificatif": value})
    return b, st, page


@test(own=True)
def creation_accepts_each_proof_and_refuses_alike_otherwise(s):
    for proof, value in (("facture", "FA2024-000042"), ("compteur", "I21BA012345"),
                         ("email", "ARRIVANT@robinet.test"), ("facture", " fa2024-000042 ")):
        b, st, page = claim_contract(s, "1000000004", proof, value)
        assert st == 200 and 'name="demande"' in page, (proof, value, page[:500])
    denied = []
    for contract, proof, value in (("1000000004", "facture", "FA2024-999999"),
                                   ("1000000004", "compteur", "I22BA054321"),
                                   ("1000000004", "email", "autre@robinet.test"),
                                   ("1999999999", "facture", "FA2024-000042"),
                                   ("1999999999", "compteur", "I21BA012345"),
                                   ("1999999999", "email", "arrivant@robinet.test")):
        b, st, page = claim_contract(s, contract, proof, value)
        assert st == 200 and "ne permettent pas" in page, (contract, proof, page[:500])
        page = strip_volatile(page).replace(contract, "C").replace(html.escape(value), "V").replace(value, "V")
        page = page.replace(" checked", "")
        denied.append((st, page))
    for i, d in enumerate(denied):
        if d != denied[0]:
            import difflib
            a, b2 = denied[0][1], d[1]
            k = next(j for j in range(min(len(a), len(b2))) if a[j] != b2[j]) if a[:len(b2)] != b2[:len(a)] else min(len(a), len(b2))
            diff = repr(a[k - 80:k + 80]) + " | " + repr(b2[k - 80:k + 80])
            raise AssertionError("failure answers differ (%d vs 0): %s %s" % (i, (d[0], denied[0][0]), diff[:600]))


@test(own=True)
def a_contract_without_bill_cannot_get_a_space_yet(s):
    b, st, page = claim_contract(s, "1000000005", "compteur", "I22BA054321")
    assert st == 200 and NO_BILL in page, page[:600]
    b, st, page = claim_contract(s, "1000000005", "compteur", "I21BA012345")
    assert NO_BILL not in page and "ne permettent pas" in page


@test(env=smtp_env())
def creating_a_space_for_a_contract_that_has_one_tells_the_email_on_file(s):
    box = mailbox()
    b, st, page = claim_contract(s, "1000000001", "email", DEMO_EMAIL)
    assert st == 200 and 'name="demande"' in page, page[:500]
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, _ = b.post("/finaliser", {"demande": claim, "nom": "X", "prenom": "Y", "email": "intrus@robinet.test",
                                     "mot_de_passe": "une-phrase-solide-9", "confirmation": "une-phrase-solide-9"})
    assert st == 303 and h["Location"] == "/verifiez-vos-emails"
    msg = box.wait(DEMO_EMAIL, "existe déjà")
    assert "intrus@robinet.test" not in str(msg["to"])
    # The demo account still signs in with its own password.
    assert Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303


@test(env=smtp_env())
def a_new_subscriber_creates_a_space_with_an_invoice_number(s):
    box = mailbox()
    b, st, page = claim_contract(s, "1000 0000 04", "facture", "FA2024-000042")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, page = b.post("/finaliser", {"demande": claim, "nom": "Martin", "prenom": "Paul",
                                        "email": "paul.martin@robinet.test",
                                        "mot_de_passe": "ma-maison-au-bord-du-canal",
                                        "confirmation": "ma-maison-au-bord-du-canal"})
    assert st == 303, page[:600]
    # Another email than the one on file: the one on file is told as well.
    box.wait("arrivant@robinet.test", "Demande d'espace client")
    msg = box.wait("paul.martin@robinet.test", "Activer")
    path = link_in(msg, "/activer?jeton=").split(str(s.port), 1)[1]
    b.get(path)
    token = re.search(r'name="jeton" value="([^"]+)"', b.get(path)[2]).group(1)
    assert "activé" in b.post("/activer", {"jeton": token})[2]
    st, _, _ = Browser(s).signin("paul.martin@robinet.test", "ma-maison-au-bord-du-canal")
    assert st == 303


# ------------------------------------------------------- password reset

@test(env=smtp_env())
def password_reset_answers_alike_and_ends_sessions(s):
    box = mailbox()
    signed = Browser(s)
    assert signed.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    pages = []
    for em in (DEMO_EMAIL, "inconnu@robinet.test"):
        b = Browser(s)
        b.get("/mot-de-passe-oublie")
        st, _, page = b.post("/mot-de-passe-oublie", {"email": em})
        assert st == 200
        pages.append(strip_volatile(page))
    assert pages[0] == pages[1]
    msg = box.wait(DEMO_EMAIL, "nouveau mot de passe")
    path = link_in(msg, "/mot-de-passe/nouveau?jeton=").split(str(s.port), 1)[1]
    b = Browser(s)
    st, _, page = b.get(path)
    assert st == 200 and "Nouveau mot de passe" in page
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    st, _, page = b.post("/mot-de-passe/nouveau", {"jeton": token, "mot_de_passe": "123456789012",
                                                   "confirmation": "123456789012"})
    assert "trop courant" in page or "suite" in page, page[:600]
    st, h, page = b.post("/mot-de-passe/nouveau", {"jeton": token, "mot_de_passe": "la-source-du-ruisseau",
                                                   "confirmation": "la-source-du-ruisseau"})
    assert "Mot de passe modifié" in page, page[:600]
    assert "__Host-robinet" not in b.cookies, "reset signed the visitor in"
    assert signed.get("/mon-espace")[0] == 303, "sessions survived the reset"
    assert Browser(s).signin(DEMO_EMAIL, "la-source-du-ruisseau")[0] == 303
    st, _, page = b.post("/mot-de-passe/nouveau", {"jeton": token, "mot_de_passe": "encore-un-autre-mdp",
                                                   "confirmation": "encore-un-autre-mdp"})
    assert "Lien invalide" in page, "reset link worked twice"


# --------------------------------------------------------------- account

@test(env=smtp_env())
def account_changes_password_and_email_and_ends_sessions(s):
    box = mailbox()
    other = Browser(s)
    assert other.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    st, _, page = b.get("/mon-compte")
    assert st == 200 and "Mes sessions ouvertes" in page and "Cette session" in page
    check_page(page.encode())
    st, _, page = b.post("/mon-compte/mot-de-passe", {"actuel": "faux-mot-de-passe", "nouveau": "un-nouveau-chemin",
                                                      "confirmation": "un-nouveau-chemin"})
    assert st == 200 and "has-error" in page, page[:800]
    ids = re.findall(r'name="session" value="(\d+)"', page)
    assert len(ids) >= 1
    st, h, _ = b.post("/mon-compte/sessions", {"session": ids[0]})
    assert st == 303
    assert other.get("/mon-espace")[0] == 303, "ended session still works"
    st, h, _ = b.post("/mon-compte/email", {"mdp_email": DEMO_PASSWORD, "nouvel_email": "nouvelle@robinet.test"})
    assert st == 303, st
    msg = box.wait("nouvelle@robinet.test")
    path = link_in(msg, "/mon-compte/confirmer-email?jeton=").split(str(s.port), 1)[1]
    # Not in effect before confirmation.
    assert GENERIC_SIGNIN in Browser(s).signin("nouvelle@robinet.test", DEMO_PASSWORD)[2]
    page = b.get(path)[2]
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    assert "confirmée" in b.post("/mon-compte/confirmer-email", {"jeton": token})[2]
    box.wait(DEMO_EMAIL, "a été modifiée")     # the old address is told
    assert Browser(s).signin("nouvelle@robinet.test", DEMO_PASSWORD)[0] == 303


# ------------------------------------------------------------ rate limits

@test(env={"ROBINET_RL_PER_CONTRACT": "3", "ROBINET_RL_WINDOW": "4"})
def contract_proof_rate_limit_trips_and_releases(s):
    for _ in range(3):
        b, st, page = claim_contract(s, "1000000004", "compteur", "I00XX000000")
        assert st == 200, st
    b, st, page = claim_contract(s, "1000000004", "facture", "FA2024-000042")
    assert st == 429 and "Réessayez dans" in page, (st, page[:500])
    time.sleep(4.5)
    b, st, page = claim_contract(s, "1000000004", "facture", "FA2024-000042")
    assert st == 200 and 'name="demande"' in page, (st, page[:500])


# The window must outlast three sign-ins even under the sanitizers,
# where each hash takes a second or more.
@test(env={"ROBINET_RL_PER_ACCOUNT": "2", "ROBINET_RL_WINDOW": "12"})
def signin_rate_limit_trips_and_releases(s):
    for _ in range(2):
        assert Browser(s).signin(DEMO_EMAIL, "mauvais-mot-de-passe")[0] == 200
    st, _, page = Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 429 and "Réessayez dans" in page, (st, page[:400])
    time.sleep(12.5)
    assert Browser(s).signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303


# ------------------------------------------------------------- demo mail

@test(env={"ROBINET_DEMO": "true", "ROBINET_PUBLIC_URL": None})
def demo_mode_lists_outgoing_mail(s):
    b, st, page = claim_contract(s, "1000000004", "facture", "FA2024-000042")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    b.post("/finaliser", {"demande": claim, "nom": "Dupont", "prenom": "Léa", "email": "arrivant@robinet.test",
                          "mot_de_passe": "les-grands-arbres-du-parc", "confirmation": "les-grands-arbres-du-parc"})
    deadline = time.time() + 15
    while time.time() < deadline:
        st, _, page = b.get("/_dev/courriels")
        if "/activer?jeton=" in page:
            break
        time.sleep(0.3)
    assert st == 200 and "/activer?jeton=" in page, page[:800]
    # Without a public_url, demo links lead back to the demo server itself.
    assert 'href="http://127.0.0.1:%d/activer?jeton=' % s.port in page, page[:1500]
    check_page(page.encode())


@test(env=REAL_DATE)
def the_demo_mailbox_does_not_exist_outside_demo_mode(s):
    st, _, _ = Browser(s).get("/_dev/courriels")
    assert st == 404, st


@test(env=smtp_env())
def a_lost_activation_email_can_be_sent_again_and_voids_the_first(s):
    box = mailbox()
    b, st, page = claim_contract(s, "1000000004", "compteur", "I21BA012345")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, _ = b.post("/finaliser", {"demande": claim, "nom": "Roux", "prenom": "Marc",
                                     "email": "marc.roux@robinet.test",
                                     "mot_de_passe": "le-pont-de-la-deule", "confirmation": "le-pont-de-la-deule"})
    assert st == 303
    first = link_in(box.wait("marc.roux@robinet.test", "Activer"), "/activer?jeton=")
    box.wait("arrivant@robinet.test", "Demande d'espace client")  # another email than on file
    pages = []
    for em in ("marc.roux@robinet.test", "personne@robinet.test"):
        r = Browser(s)
        assert "Je n&#39;ai pas reçu" in r.get("/verifiez-vos-emails")[2]
        r.get("/renvoyer-activation")
        st, _, page = r.post("/renvoyer-activation", {"email": em})
        assert st == 200
        pages.append(strip_volatile(page))
    assert pages[0] == pages[1]
    second = link_in(box.wait("marc.roux@robinet.test", "Activer"), "/activer?jeton=")
    assert first != second
    r = Browser(s)
    for link, expect in ((first, "Lien invalide"), (second, "activé")):
        page = r.get(link.split(str(s.port), 1)[1])[2]
        token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
        assert expect in r.post("/activer", {"jeton": token})[2], link


@test(env={"ROBINET_SESSION_IDLE": "1"})
def purge_deletes_expired_sessions(s):
    from harness import run_cli
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    con = dbx.connect(s.db)
    before = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    assert before >= 1
    time.sleep(2.5)
    rc, out, err = run_cli("purge", "--db", dbx.url(s.db), env={"ROBINET_SESSION_IDLE": "1"})
    assert rc == 0 and "purged" in out, (rc, out, err)
    after = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    con.close()
    assert after == before - 1, (before, after)


@test(own=True)
def a_signed_in_subscriber_adds_a_contract_with_the_same_proofs(s):
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    b.get("/mon-compte")
    st, _, page = b.post("/mon-compte/contrats", {"contrat": "1000000004", "preuve": "facture",
                                                  "justificatif": "FA2024-999999"})
    assert st == 200 and "ne permettent pas" in page, page[:500]
    assert "1000000004" not in b.get("/mon-espace")[2]
    b.get("/mon-compte")
    st, h, _ = b.post("/mon-compte/contrats", {"contrat": "1000000004", "preuve": "compteur",
                                               "justificatif": "I21BA012345"})
    assert st == 303, st
    page = b.get("/mon-espace")[2]
    assert "1000000004" in page and "1000000001" in page
    b.get("/mon-compte")
    st, _, page = b.post("/mon-compte/contrats", {"contrat": "1000000005", "preuve": "compteur",
                                                  "justificatif": "I22BA054321"})
    assert "dès réception de sa première facture" in page, page[:500]


@test(env=smtp_env())
def email_links_come_from_the_public_url_never_the_host_header(s):
    box = mailbox()
    b = Browser(s)
    b.get("/mot-de-passe-oublie")
    st, _, _ = b.request("POST", "/mot-de-passe-oublie", {"email": DEMO_EMAIL, "csrf": b.csrf},
                         headers={"Host": "evil.example"})
    assert st == 200, st
    msg = box.wait(DEMO_EMAIL, "nouveau mot de passe")
    text = mail_text(msg) + mail_html(msg)
    assert "evil.example" not in text
    assert link_in(msg, "/mot-de-passe/nouveau?jeton=").startswith("http://127.0.0.1:%d/" % s.port)


@test(env=smtp_env({"ROBINET_ACTIVATION_TTL": "2"}))
def an_expired_activation_link_is_refused(s):
    box = mailbox()
    b, st, page = claim_contract(s, "1000000004", "email", "arrivant@robinet.test")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, _ = b.post("/finaliser", {"demande": claim, "nom": "Petit", "prenom": "Luc",
                                     "email": "arrivant@robinet.test",
                                     "mot_de_passe": "la-citadelle-de-lille", "confirmation": "la-citadelle-de-lille"})
    assert st == 303
    path = link_in(box.wait("arrivant@robinet.test", "Activer"), "/activer?jeton=").split(str(s.port), 1)[1]
    token = re.search(r'name="jeton" value="([^"]+)"', b.get(path)[2]).group(1)
    time.sleep(3)
    assert "Lien invalide ou expiré" in b.post("/activer", {"jeton": token})[2]
    page = Browser(s).signin("arrivant@robinet.test", "la-citadelle-de-lille")[2]
    assert "attend d&#39;être activé" in page and "/renvoyer-activation" in page, page[:600]


@test(env={"ROBINET_RL_PER_MAIL": "2"})
def reset_requests_per_address_are_limited_whether_or_not_it_exists(s):
    for em in (DEMO_EMAIL, "inconnu@robinet.test"):
        statuses = []
        for _ in range(3):
            b = Browser(s)
            b.get("/mot-de-passe-oublie")
            statuses.append(b.post("/mot-de-passe-oublie", {"email": em})[0])
        assert statuses == [200, 200, 429], (em, statuses)
