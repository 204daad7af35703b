"""HTTP tests of the pages the law and users expect (issue 11): the
accessibility statement in the RGAA's form (/accessibilite), its
multi-year plan (/accessibilite/schema-pluriannuel), the legal notice
(/mentions-legales, from the legal_* settings) and the privacy page's
list of cookies, which must name every cookie the server really sets
(collected from real answers across sign-in, archive, back office,
contact and account creation); every footer links to all of them.
Also: archived bills name the former operator as their issuer (page and
PDF), and subscribers' pages speak plain French."""
import html
import re

from harness import test, check_page, check_security_headers, agent_add, agent_signin
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
from test_bills import get_bytes, pdftext, pdf_env, plain

LEGAL_PAGES = {
    "/accessibilite": "Déclaration d'accessibilité",
    "/accessibilite/schema-pluriannuel": "Schéma pluriannuel d'accessibilité",
    "/mentions-legales": "Mentions légales",
    "/confidentialite": "Données personnelles et confidentialité",
}
A11Y_HEADINGS = [
    ("h2", "État de conformité"), ("h2", "Résultats des tests"), ("h2", "Contenus non accessibles"),
    ("h3", "Non-conformités et points non vérifiés"), ("h3", "Dérogations pour charge disproportionnée"),
    ("h3", "Contenus non soumis à l'obligation d'accessibilité"),
    ("h2", "Établissement de cette déclaration d'accessibilité"), ("h3", "Technologies utilisées"),
    ("h3", "Environnement de test"), ("h3", "Pages vérifiées"),
    ("h2", "Retour d'information et contact"), ("h2", "Voies de recours"),
]
FAST = {"ROBINET_CONTACT_MIN_FILL": "0"}


def text_of(fragment):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()


def headings(page):
    return [(m.group(1), text_of(m.group(2))) for m in re.finditer(r"<(h[1-6])[^>]*>(.*?)</\1>", page, re.S)]


def footer(page):
    m = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S)
    assert m, "no footer"
    return m.group(1)


def check_footer(page, where):
    f = footer(page)
    for path, label in LEGAL_PAGES.items():
        assert 'href="%s"' % path in f, (where, path)
    # The RGAA asks the footer to say the conformity status.
    assert re.search(r'<a href="/accessibilite">Accessibilité : partiellement conforme</a>', f), (where, f)


def get_page(b, path):
    st, h, page = b.get(path)
    assert st == 200, (path, st)
    check_security_headers({k.lower(): v for k, v in h.items()})
    check_page(page.encode())
    return page


@test
def legal_pages_exist_with_their_required_sections(s):
    b = Browser(s)
    page = get_page(b, "/accessibilite")
    hs = headings(page)
    assert ("h1", "Déclaration d'accessibilité") in hs, hs
    for h in A11Y_HEADINGS:
        assert h in hs, (h, hs)
    text = text_of(page)
    for words in ("partiellement conforme", "RGAA), version 4.1", "auto-évaluation", "5 décembre 2026",
                  "axe-core", "Nu Html Checker", "clavier seul", "w3m", "lynx", "320 pixels",
                  "Aucun audit complet", "Dérogations pour charge disproportionnée Aucune.",
                  "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07",
                  "article 47 de la loi n° 2005-102 du 11 février 2005"):
        assert words in text, words
    for href in ('href="/contact"', 'href="tel:+33969322212"', 'href="/accessibilite/schema-pluriannuel"',
                 'href="https://formulaire.defenseurdesdroits.fr/"',
                 'href="https://www.defenseurdesdroits.fr/saisir/delegues"'):
        assert href in page, href

    page = get_page(b, "/accessibilite/schema-pluriannuel")
    hs = [t for _, t in headings(page)]
    assert hs[0] == "Schéma pluriannuel de mise en accessibilité 2027-2029", hs
    for h in ("Organisation", "Moyens", "Plan d'actions 2027", "Plan d'actions 2028", "Plan d'actions 2029",
              "Bilan"):
        assert h in hs, (h, hs)
    assert 'href="/accessibilite"' in page

    page = get_page(b, "/mentions-legales")
    hs = [t for _, t in headings(page)]
    for h in ("Mentions légales", "Éditeur", "Directeur de la publication", "Hébergement", "Logiciel"):
        assert h in hs, (h, hs)
    text = text_of(page)
    # The defaults say plainly that they are examples for the utility to set.
    assert "Régie publique de l'eau de la Métropole (exemple)" in text
    assert "la directrice ou le directeur général de la régie (exemple)" in text
    assert "hébergé par l'éditeur" in text and "SIREN" not in text
    assert "AGPL-3.0-or-later" in text
    assert "Ancien exploitant du service de l'eau (exemple)" in text

    page = get_page(b, "/confidentialite")
    assert ("h2", "Cookies") in headings(page)
    for path in LEGAL_PAGES:
        assert b.request("HEAD", path)[0] == 200, path
        assert b.post(path, {})[0] == 405, path


@test(env={"ROBINET_LEGAL_PUBLISHER_NAME": "Régie des Eaux de Test",
           "ROBINET_LEGAL_PUBLISHER_ADDRESS": "3 rue du Puits, 59800 Lille",
           "ROBINET_LEGAL_PUBLISHER_SIREN": "123 456 782",
           "ROBINET_LEGAL_DIRECTOR": "Camille Durand, directrice générale",
           "ROBINET_LEGAL_HOST_NAME": "Hébergeur <Exemple> & Cie",
           "ROBINET_LEGAL_HOST_ADDRESS": "10 quai de l'Hébergement, 69000 Lyon",
           "ROBINET_LEGAL_HOST_PHONE": "04 00 00 00 00"})
def legal_notice_and_statement_come_from_the_settings(s):
    b = Browser(s)
    text = text_of(get_page(b, "/mentions-legales"))
    for words in ("édité par Régie des Eaux de Test", "Adresse : 3 rue du Puits, 59800 Lille",
                  "SIREN : 123 456 782", "Camille Durand, directrice générale",
                  "hébergé par Hébergeur <Exemple> & Cie, 10 quai de l'Hébergement, 69000 Lyon.",
                  "Téléphone : 04 00 00 00 00"):
        assert words in text, (words, text)
    assert "(exemple)" not in text.replace("Ancien exploitant du service de l'eau (exemple)", "")
    assert "hébergé par l'éditeur" not in text
    # Escaped like any value.
    assert "Hébergeur &lt;Exemple&gt; &amp; Cie" in b.get("/mentions-legales")[2]
    text = text_of(get_page(b, "/accessibilite"))
    assert text.count("Régie des Eaux de Test") >= 2 and "3 rue du Puits, 59800 Lille" in text


@test
def legal_a_bad_siren_setting_is_refused_with_a_precise_message(s):
    import os
    import subprocess
    from harness import ARGS
    for bad in ("123 456 789", "12345678", "1234567820", "12345678A"):
        e = dict(os.environ, ROBINET_LEGAL_PUBLISHER_SIREN=bad)
        p = subprocess.run([ARGS.bin, "config", "check"], capture_output=True, text=True, env=e, timeout=60)
        assert p.returncode != 0 and "legal_publisher_siren: expected a SIREN number" in p.stderr, (bad, p.stderr)


@test
def legal_every_footer_links_the_legal_pages(s):
    b = Browser(s)
    check_footer(get_page(b, "/"), "home")
    for path in LEGAL_PAGES:
        check_footer(get_page(b, path), path)
    st, _, page = b.get("/page-qui-n-existe-pas")
    assert st == 404
    check_footer(page, "404")
    st, _, page = b.get("/actualites?page=abc")
    assert st == 400, st
    check_footer(page, "400")
    st, _, page = b.get("/agent/connexion")
    assert st == 200
    check_footer(page, "back office")
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    check_footer(get_page(b, "/mon-espace"), "signed in")
    st, _, page = b.get("/mes-factures?annee=abc")
    assert st == 400, st
    check_footer(page, "400 signed in")


class CookieJar(Browser):
    """A browser that remembers the name of every cookie it was sent."""
    seen = None

    def request(self, method, path, fields=None, headers=None):
        out = super().request(method, path, fields, headers)
        if self.seen is None:
            self.seen = set()
        for sc in self.set_cookies:
            self.seen.add(sc.split("=", 1)[0].strip())
        return out


def base_name(cookie):
    """A cookie's name without the __Host- prefix of production (demo
    mode on loopback http may leave it out)."""
    return cookie[len("__Host-"):] if cookie.startswith("__Host-") else cookie


def listed_cookies(page):
    """The cookies /confidentialite lists, each with its purpose and
    lifetime (a heading and a description list per cookie: readable at
    320 pixels and in a text browser)."""
    box = re.search(r'<div class="cookies">(.*?)</div>', page, re.S)
    assert box, "no list of cookies on /confidentialite"
    rows = re.findall(r'<h3><code>([^<]+)</code></h3>\s*<dl>\s*<dt>À quoi il sert</dt><dd>([^<]+)</dd>\s*'
                      r'<dt>Durée</dt><dd>([^<]+)</dd>\s*</dl>', box.group(1))
    for name, purpose, lifetime in rows:
        assert purpose.strip() and lifetime.strip(), name
    return {name for name, _, _ in rows}


@test(env=FAST)
def legal_the_privacy_page_lists_every_cookie_the_server_sets(s):
    from test_contact import CBrowser, anon_fields, open_form
    seen = set()

    def jar():
        return type("Jar", (CookieJar, CBrowser), {})(s)

    # Anonymous pages, a refused and a good sign-in, the space, sign-out.
    b = jar()
    for path in ("/", "/connexion", "/creer-mon-espace", "/abonne-2023", "/mot-de-passe-oublie",
                 "/contact", "/confidentialite", "/page-qui-n-existe-pas"):
        b.get(path)
    b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "pas-le-bon"})
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    for path in ("/mon-espace", "/mes-factures", "/mon-compte", "/contact"):
        b.get(path)
    b.post("/deconnexion", {})
    seen |= b.seen
    # The archive, opened and left.
    b = jar()
    b.get("/archives")
    st, _, _ = b.post("/archives", {"identifiant": "1234567A", "mot_de_passe": "ancien-mdp-2023"})
    assert st == 303, st
    b.get("/archives")
    b.get("/mes-factures?archives=1")
    b.post("/archives/sortie", {})
    seen |= b.seen
    # Account creation, step 1 with a good proof.
    b = jar()
    b.get("/creer-mon-espace")
    b.post("/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture", "justificatif": "FA2024-000042"})
    seen |= b.seen
    # A request to customer service, signed out.
    b = jar()
    st, _, _ = b.post_mp("/contact", anon_fields(open_form(b), email="cookies@exemple.test"))
    assert st == 303, st
    seen |= b.seen
    # The back office: sign-in and sign-out of an agent.
    b = jar()
    email, pw, secret = agent_add(s)
    st, h, _ = agent_signin(b, email, pw, secret)
    assert st == 303, st
    b.get("/agent")
    b.post("/agent/deconnexion", {})
    seen |= b.seen

    names = {base_name(c) for c in seen}
    assert {"robinet", "robinet-csrf", "robinet-appareil", "robinet-archives", "robinet-agent"} <= names, names
    listed = listed_cookies(Browser(s).get("/confidentialite")[2])
    assert names - listed == set(), "cookies set but not listed on /confidentialite: %s" % (names - listed)
    assert listed - names == set(), "cookies listed but never set: %s" % (listed - names)
    page = Browser(s).get("/confidentialite")[2]
    assert "<code>__Host-</code>" in page and "<code>__Host-robinet</code>" in page


@test(env=dict(pdf_env(), ROBINET_FORMER_OPERATOR_NAME="Fictive Eaux SA",
               ROBINET_FORMER_OPERATOR_ADDRESS="2 rue de l'Ancien Réseau, 59000 Lille"))
def legal_archived_bills_name_the_former_operator_as_their_issuer(s):
    b = Browser(s)
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    st, _, page = b.get("/mes-factures/E230000050")
    assert st == 200, st
    text = plain(text_of(page))
    assert "par Fictive Eaux SA, contrat n° 1234560A" in text, text
    assert "Fictive Eaux SA exploitait le service de l'eau jusqu'au 31 décembre 2023 inclus" in text
    st, _, data = get_bytes(b, "/mes-factures/E230000050.pdf")
    assert st == 200, st
    pdf, _, _ = pdftext(data)
    head = pdf[:1500]
    assert "Fictive Eaux SA" in head and "2 rue de l'Ancien Réseau, 59000 Lille" in head, head
    assert "Eau de la Métropole" not in head.split("Archive")[0], head
    # A bill since 2024 is the service's own.
    number = re.search(r'href="/mes-factures/(FA\d{4}-\d{6})"', b.get("/mes-factures")[2]).group(1)
    text = plain(text_of(b.get("/mes-factures/" + number)[2]))
    assert "par Eau de la Métropole" in text and "Fictive Eaux" not in text
    pdf, _, _ = pdftext(get_bytes(b, "/mes-factures/%s.pdf" % number)[2])
    assert "Fictive Eaux" not in pdf and "Eau de la Métropole" in pdf
    # The pages that speak of the former operator name it too.
    assert "par l'ancien exploitant, Fictive Eaux SA," in text_of(b.get("/confidentialite")[2])
    assert "exploité par Fictive Eaux SA" in text_of(b.get("/mentions-legales")[2])


@test
def legal_subscribers_pages_speak_plain_french(s):
    b = Browser(s)
    st, _, page = b.get("/page-qui-n-existe-pas")
    assert st == 404
    assert "Code d'erreur" not in page and "404" not in text_of(page.split("<main", 1)[1])
    assert 'href="tel:+33969322212"' in page.split("<main", 1)[1].split("</main>")[0]
    text = text_of(b.get("/")[2])
    assert "31/12/2023" not in text and "jusqu'au 31 décembre 2023 inclus" in text
    assert b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0] == 303
    main = text_of(get_page(b, "/mon-compte").split("<main", 1)[1])
    for word in ("jeton", "Jeton", " API", "JSON"):
        assert word not in main, word
    assert "Codes d'accès pour vos programmes" in main
    main = text_of(get_page(b, "/mes-donnees").split("<main", 1)[1])
    assert "JSON" not in main and "Jeton" not in main, main[:2000]
    main = text_of(get_page(Browser(s), "/archives").split("<main", 1)[1])
    assert "jusqu'au 31 décembre 2023 inclus" in main
    # The hint agrees with « l'information » it stands for.
    page = text_of(Browser(s).get("/creer-mon-espace")[2])
    assert "Celui que vous avez choisi" not in page and "L'information que vous avez choisie ci-dessus." in page


def _smtp_env():
    from test_auth import smtp_env
    return smtp_env()


@test(env=_smtp_env())
def legal_the_notice_to_the_address_on_file_says_what_happened_and_what_to_do(s):
    from test_auth import claim_contract, mailbox, mail_text, mail_html
    box = mailbox()
    b, st, page = claim_contract(s, "1000000004", "facture", "FA2024-000042")
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, _, _ = b.post("/finaliser", {"demande": claim, "nom": "Durand", "prenom": "Léa",
                                     "email": "lea.durand@exemple.test", "mot_de_passe": "la-source-du-jardin-7",
                                     "confirmation": "la-source-du-jardin-7"})
    assert st == 303, st
    msg = box.wait("arrivant@robinet.test", "Demande d'espace client")
    for part in (mail_text(msg), text_of(mail_html(msg))):
        flat = re.sub(r"\s+", " ", part)
        for words in ("Quelqu'un vient de demander à créer l'espace client de votre contrat",
                      "une autre adresse e-mail que celle-ci",
                      "c'est celle que nous connaissons pour votre contrat",
                      "Si c'est vous", "vous n'avez rien à faire",
                      "Si ce n'est pas vous : appelez sans attendre notre service client"):
            assert words in flat, (words, flat)
        # The address given is never echoed to the holder.
        assert "lea.durand" not in flat
    assert "bouton" not in mail_text(msg).lower()
