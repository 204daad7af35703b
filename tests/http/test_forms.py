"""HTTP tests of refused forms and page names (issue 11, RGAA 4.1): after
a failed submit the title starts with "Erreur : ", the error summary (or
the alert) takes the focus with autofocus and links each error to its
field, and the fields say aria-invalid with aria-describedby naming
their error; sign-in and step 1 tie their errors to their fields; the
menus mark the current page with aria-current; titles name the page
(step 2, every 400 page); /ma-consommation keeps bad dates on the form;
the archive list's filter keeps archives=1; GET /finaliser is no 405; a
space that waits for activation says so wherever it is refused, without
telling strangers anything, within the resend limits.

Every test has a server of its own: they fail sign-ins and write
devices, which other tests count on the shared database."""
import datetime
import html
import re

from harness import test, check_page, db_rows, agent_browser, TODAY
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, GENERIC_SIGNIN, strip_volatile

OLD_ID = "1234567A"
OLD_PASSWORD = "ancien-mdp-2023"
LEGACY_EMAIL = "legacy@robinet.test"
NEW_PASSWORD = "riviere-claire-42"
PENDING = "attend d'être activé"
RESEND_LINK = '<a href="/renvoyer-activation">'


def title_of(page):
    m = re.search(r"<title>(.*?)</title>", page, re.S)
    assert m, "no title"
    return html.unescape(m.group(1))


def h1_of(page):
    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert m, "no h1"
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def tag(page, elem_id):
    """The opening tag of the element with id elem_id."""
    m = re.search(r'<(?:input|select|textarea)\b[^>]*\bid="%s"[^>]*>' % re.escape(elem_id), page)
    assert m, "no control #%s in %s" % (elem_id, page[:300])
    return m.group(0)


def described_by(page, elem_id):
    m = re.search(r'aria-describedby="([^"]*)"', tag(page, elem_id))
    return m.group(1).split() if m else []


def summary(page):
    """The error summary: its opening tag and the ids its links point to."""
    m = re.search(r'(<div class="error-summary"[^>]*>)(.*?)</div>', page, re.S)
    assert m, "no error summary"
    return m.group(1), re.findall(r'<a href="#([^"]+)"', m.group(2))


def assert_failed(page, links=None):
    """A refused form: Erreur in the title, focus on the summary."""
    assert title_of(page).startswith("Erreur : "), title_of(page)
    opening, targets = summary(page)
    assert "autofocus" in opening and 'tabindex="-1"' in opening, opening
    assert page.count("autofocus") == 1, "one element only takes the focus"
    for t in targets:
        assert re.search(r'\bid="%s"' % re.escape(t), page), "summary links to missing #" + t
    if links is not None:
        assert targets == links, targets
    return targets


def assert_invalid(page, elem_id, error_of=None):
    t = tag(page, elem_id)
    assert 'aria-invalid="true"' in t, t
    err = "%s-erreur" % (error_of or elem_id)
    assert err in described_by(page, elem_id), t
    assert 'id="%s"' % err in page, err


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


# ------------------------------------------------ failed submits, summary

@test(own=True)
def a_failed_signin_says_erreur_focuses_the_summary_and_ties_both_fields(s):
    b = Browser(s)
    st, _, page = b.get("/connexion")
    assert st == 200 and not title_of(page).startswith("Erreur"), title_of(page)
    assert "autofocus" not in page and 'aria-invalid' not in page
    st, _, page = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "pas-le-bon"})
    assert st == 200 and GENERIC_SIGNIN in page
    check_page(page.encode())
    assert_failed(page, ["email"])
    assert_invalid(page, "email")
    # One message for both: the password says it is invalid too, and
    # names the same error.
    assert_invalid(page, "mot_de_passe", error_of="email")
    # Empty fields: one error each, each linked to its field.
    st, _, page = b.post("/connexion", {"email": "", "mot_de_passe": ""})
    assert st == 200
    assert_failed(page, ["email", "mot_de_passe"])
    assert_invalid(page, "email")
    assert_invalid(page, "mot_de_passe")
    assert "Saisissez votre adresse e-mail." in page and "Saisissez votre mot de passe." in page


@test(own=True)
def step_one_errors_are_tied_to_their_fields(s):
    b = Browser(s)
    b.get("/abonne-2023")
    st, _, page = b.post("/abonne-2023", {"identifiant": "7654321Z", "mot_de_passe": "pas-le-bon"})
    assert st == 200 and "ne permettent pas" in page
    assert_failed(page, ["identifiant"])
    assert_invalid(page, "identifiant")
    assert_invalid(page, "mot_de_passe", error_of="identifiant")
    b = Browser(s)
    b.get("/archives")
    st, _, page = b.post("/archives", {"identifiant": "7654321Z", "mot_de_passe": "pas-le-bon"})
    assert st == 200
    assert_failed(page, ["identifiant"])
    assert_invalid(page, "identifiant")
    assert_invalid(page, "mot_de_passe", error_of="identifiant")
    b = Browser(s)
    b.get("/creer-mon-espace")
    st, _, page = b.post("/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture",
                                               "justificatif": "FA2099-999999"})
    assert st == 200 and "ne permettent pas" in page
    assert_failed(page, ["contrat"])
    assert_invalid(page, "contrat")
    assert_invalid(page, "justificatif", error_of="contrat")
    st, _, page = b.post("/creer-mon-espace", {"contrat": "", "justificatif": ""})
    assert_failed(page, ["contrat", "preuve-email", "justificatif"])
    assert_invalid(page, "contrat")
    assert_invalid(page, "justificatif")


@test(own=True)
def every_kind_of_refused_form_titles_erreur_and_focuses_its_summary(s):
    # Step 2 (creation by contract), the contact form, password change,
    # the meter index, and the agents' sign-in.
    b = Browser(s)
    b.get("/creer-mon-espace")
    st, _, page = b.post("/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture",
                                               "justificatif": "FA2024-000042"})
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    assert title_of(page).startswith(h1_of(page)), (title_of(page), h1_of(page))
    st, _, page = b.post("/finaliser", {"demande": claim, "nom": "", "prenom": "Luc",
                                        "email": "x@robinet.test", "mot_de_passe": "court",
                                        "confirmation": "court"})
    assert st == 200
    ids = assert_failed(page)
    assert "nom" in ids and "mot_de_passe" in ids, ids
    assert_invalid(page, "nom")
    assert title_of(page).startswith("Erreur : " + h1_of(page)), title_of(page)

    b = Browser(s)
    page = b.get("/contact")[2]
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    st, _, page = b.post("/contact", {"jeton": token, "nom": "", "email": "pas-une-adresse"})
    # Sent too fast after opening (anti-robot): refused with an alert,
    # which takes the focus.
    assert st == 400 and title_of(page).startswith("Erreur : "), title_of(page)
    assert re.search(r'<div class="alert"[^>]*tabindex="-1" autofocus>', page), page[:300]

    b = signed_in(s)
    b.get("/mon-compte")
    st, _, page = b.post("/mon-compte/mot-de-passe", {"actuel": "", "mot_de_passe": "", "confirmation": ""})
    assert_failed(page)

    b = signed_in(s)
    page = b.get("/mon-index")[2]
    st, _, page = b.post("/mon-index", {"compteur": re.search(r'<option value="(\d+)"', page).group(1),
                                        "index": "douze"})
    assert_failed(page, ["index"])
    assert_invalid(page, "index")

    b, _, _ = agent_browser(s)
    b.request("POST", "/agent/deconnexion", {"csrf": b.csrf})
    b.get("/agent/connexion")
    st, _, page = b.post("/agent/connexion", {"email": "x@robinet.test", "mot_de_passe": "x", "code": "000000"})
    assert title_of(page).startswith("Erreur : "), title_of(page)
    assert 'autofocus' in page


@test(own=True)
def autofocus_lands_on_an_element_that_can_take_the_focus(s):
    # HTML: autofocus applies to a focusable element; tabindex="-1" makes
    # a div focusable. The alert of a rate-limited or pending answer
    # takes the focus when there is no summary.
    b = Browser(s)
    b.get("/connexion")
    page = b.post("/connexion", {"email": DEMO_EMAIL, "mot_de_passe": "pas-le-bon"})[2]
    m = re.search(r"<[^>]*\bautofocus\b[^>]*>", page)
    assert m and 'tabindex="-1"' in m.group(0), m


# ----------------------------------------------------- menus and titles

SUBSCRIBER_MENU = ["/", "/mon-espace", "/mes-factures", "/ma-consommation", "/mes-demandes",
                   "/mon-index", "/mes-coordonnees", "/mon-compte", "/contact"]


def current_items(page):
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)


@test(own=True)
def the_menu_marks_the_current_page(s):
    b = signed_in(s)
    for path in SUBSCRIBER_MENU:
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        assert current_items(page) == [path], (path, current_items(page))
    # A page outside the menu marks nothing.
    assert current_items(b.get("/mes-factures?archives=1")[2]) == ["/mes-factures"]
    assert current_items(b.get("/confidentialite")[2]) == []
    anon = Browser(s)
    for path in ("/connexion", "/creer-mon-espace", "/contact", "/"):
        assert current_items(anon.get(path)[2]) == [path], path


@test(own=True)
def the_agent_menu_marks_the_current_page(s):
    b, _, _ = agent_browser(s)
    for path in ("/agent", "/agent/demandes", "/agent/clients"):
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        assert current_items(page) == [path], (path, current_items(page))


@test(own=True)
def page_titles_begin_with_the_page_heading(s):
    anon = Browser(s)
    for path in ("/connexion", "/archives", "/creer-mon-espace", "/abonne-2023",
                 "/mot-de-passe-oublie", "/renvoyer-activation", "/contact", "/finaliser"):
        page = anon.get(path)[2]
        assert title_of(page).startswith(h1_of(page) + " – "), (path, title_of(page), h1_of(page))
    b = signed_in(s)
    for path in ("/mes-factures", "/mes-factures?archives=1", "/ma-consommation", "/mes-demandes",
                 "/mon-index", "/mes-coordonnees", "/mon-compte"):
        page = b.get(path)[2]
        assert title_of(page).startswith(h1_of(page) + " – "), (path, title_of(page), h1_of(page))
    a, _, _ = agent_browser(s)
    for path in ("/agent/demandes", "/agent/clients"):
        page = a.get(path)[2]
        assert title_of(page).startswith(h1_of(page) + " – "), (path, title_of(page), h1_of(page))


@test(own=True)
def step_two_is_titled_like_its_heading(s):
    b = Browser(s)
    b.get("/creer-mon-espace")
    page = b.post("/creer-mon-espace", {"contrat": "1000000004", "preuve": "facture",
                                        "justificatif": "FA2024-000042"})[2]
    assert 'name="demande"' in page
    assert "Mes informations" not in title_of(page)
    assert title_of(page).startswith(h1_of(page) + " – "), (title_of(page), h1_of(page))


@test(own=True)
def each_400_page_says_what_went_wrong_in_its_title(s):
    b = signed_in(s)
    titles = {}
    for path in ("/mes-factures?statut=inconnu", "/actualites?page=abc", "/%ff%fe"):
        st, _, page = b.get(path)
        assert st == 400, (path, st)
        check_page(page.encode())
        assert "Demande invalide" not in page, path
        assert title_of(page).startswith(h1_of(page)), path
        titles[path] = h1_of(page)
    assert titles["/mes-factures?statut=inconnu"] == "Filtre des factures non valide", titles
    assert titles["/actualites?page=abc"] == "Numéro de page non valide", titles
    assert len(set(titles.values())) == len(titles), titles
    st, _, page = b.post("/mon-espace/facture-electronique", {"contrat": "12", "etat": "oui"})
    assert st == 400 and h1_of(page) == "Numéro de contrat non valide", (st, h1_of(page))


# ------------------------------------------------------ /ma-consommation

def iso(d):
    return d.isoformat()


@test(own=True)
def consumption_dates_say_their_format(s):
    b = signed_in(s)
    page = b.get("/ma-consommation")[2]
    for f in ("du", "au"):
        assert "%s-aide" % f in described_by(page, f), tag(page, f)
        assert re.search(r'id="%s-aide"[^>]*>[^<]*AAAA-MM-JJ' % f, page), f
    assert "autofocus" not in page and not title_of(page).startswith("Erreur")


@test(own=True)
def daily_view_with_the_three_year_dates_cuts_the_range_and_says_so(s):
    b = signed_in(s)
    today = datetime.date.fromisoformat(TODAY)
    frm = iso(today.replace(year=today.year - 3) + datetime.timedelta(days=1))
    st, _, page = b.get("/ma-consommation?contrat=1000000001&vue=jours&du=%s&au=%s" % (frm, TODAY))
    assert st == 200, st
    assert "366 jours au plus" in page
    cut = iso(today - datetime.timedelta(days=365))
    assert 'value="%s"' % cut in tag(page, "du"), tag(page, "du")
    assert "<table" in page and not title_of(page).startswith("Erreur")


@test(own=True)
def bad_consumption_dates_stay_on_the_form_with_the_input_kept(s):
    b = signed_in(s)
    st, _, page = b.get("/ma-consommation?contrat=1000000001&vue=periodes&du=31%2F02%2F2024&au=" + TODAY)
    assert st == 200, st
    check_page(page.encode())
    assert_failed(page, ["du"])
    assert_invalid(page, "du")
    assert "du-aide" in described_by(page, "du")
    assert 'value="31/02/2024"' in tag(page, "du"), tag(page, "du")
    assert 'value="%s"' % TODAY in tag(page, "au")
    assert 'id="contrat"' in page and "<table" not in page
    # Start after end: both dates marked, the one message under the start.
    st, _, page = b.get("/ma-consommation?contrat=1000000001&du=2024-06-30&au=2024-01-01")
    assert st == 200
    assert_failed(page, ["du"])
    assert_invalid(page, "du")
    assert_invalid(page, "au", error_of="du")
    assert 'value="2024-06-30"' in tag(page, "du") and 'value="2024-01-01"' in tag(page, "au")
    # More than three years: on the form too.
    st, _, page = b.get("/ma-consommation?contrat=1000000001&du=2000-01-01&au=" + TODAY)
    assert st == 200 and "trois ans" in page
    assert_failed(page, ["du"])
    # A view that does not exist: the form, its summary linking the select.
    st, _, page = b.get("/ma-consommation?vue=semaines")
    assert st == 200
    assert_failed(page, ["vue"])
    # The download still answers 400 with a sentence.
    st, _, page = b.get("/ma-consommation.csv?du=2024-06-30&au=2024-01-01")
    assert st == 400 and "antérieure" in page


# --------------------------------------------------------- archive list

@test(own=True)
def the_archive_filter_keeps_archives_1(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-factures?archives=1")
    assert st == 200
    form = re.search(r'<form method="get" action="/mes-factures".*?</form>', page, re.S).group(0)
    assert '<input type="hidden" name="archives" value="1">' in form, form[:400]
    st, _, page = b.get("/mes-factures?archives=1&contrat=1000000001")
    assert st == 200
    assert "Aucun contrat n'est rattaché" not in page
    assert 'id="c-1000000001"' in page and "1234560A" in page
    assert '<input type="hidden" name="archives" value="1">' in page
    assert 'href="/mes-factures?archives=1">Voir toutes les factures' in page
    # The list of today keeps no archive flag.
    page = b.get("/mes-factures")[2]
    assert 'name="archives"' not in page


# ------------------------------------------------------------- step 2

@test(own=True)
def get_finaliser_shows_how_to_resume_not_405(s):
    b = Browser(s)
    st, _, page = b.get("/finaliser")
    assert st == 200, st
    check_page(page.encode())
    assert "Action non autorisée" not in page
    assert 'href="/creer-mon-espace"' in page and 'href="/abonne-2023"' in page
    assert title_of(page).startswith(h1_of(page))


# ----------------------------------------------- a space awaiting activation

def migrate_without_activating(s, email=LEGACY_EMAIL):
    b = Browser(s)
    b.get("/abonne-2023")
    st, _, page = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    claim = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, page = b.post("/finaliser", {"demande": claim, "nom": "Lefebvre", "prenom": "Anne",
                                        "email": email, "mot_de_passe": NEW_PASSWORD,
                                        "confirmation": NEW_PASSWORD})
    assert st == 303, (st, page[:500])


def activation_mails(s, email=LEGACY_EMAIL):
    return db_rows(s, "SELECT count(*) FROM mail_outbox WHERE to_addr = ? AND subject LIKE '%ctiv%'",
                   email)[0][0]


@test(own=True)
def a_pending_space_says_so_at_signin_to_the_password_holder_only(s):
    migrate_without_activating(s)
    st, _, page = Browser(s).signin(LEGACY_EMAIL, NEW_PASSWORD)
    assert st == 200 and PENDING in html.unescape(page) and RESEND_LINK in page, page[:800]
    assert title_of(page).startswith("Erreur : ")
    assert re.search(r'<div class="alert"[^>]*autofocus', page)
    # A stranger with a wrong password learns nothing.
    wrong = Browser(s).signin(LEGACY_EMAIL, "pas-le-bon-mot")[2]
    unknown = Browser(s).signin("personne@robinet.test", "pas-le-bon-mot")[2]
    assert PENDING not in html.unescape(wrong) and GENERIC_SIGNIN in wrong
    assert strip_volatile(wrong).replace(LEGACY_EMAIL, "E") == \
        strip_volatile(unknown).replace("personne@robinet.test", "E")


@test(own=True)
def a_pending_space_says_so_to_the_old_id_with_its_password_only(s):
    migrate_without_activating(s)
    b = Browser(s)
    b.get("/abonne-2023")
    st, _, page = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": OLD_PASSWORD})
    assert st == 200 and PENDING in html.unescape(page) and RESEND_LINK in page, page[:800]
    assert 'name="demande"' not in page
    b = Browser(s)
    b.get("/abonne-2023")
    wrong = b.post("/abonne-2023", {"identifiant": OLD_ID, "mot_de_passe": "pas-le-bon"})[2]
    b.get("/abonne-2023")
    unknown = b.post("/abonne-2023", {"identifiant": "7654321Z", "mot_de_passe": "pas-le-bon"})[2]
    assert PENDING not in html.unescape(wrong) and "ne permettent pas" in wrong
    assert strip_volatile(wrong).replace('value="%s"' % OLD_ID, "X") == \
        strip_volatile(unknown).replace('value="7654321Z"', "X")


@test(own=True)
def password_reset_of_a_pending_space_sends_a_new_activation_link(s):
    migrate_without_activating(s)
    before = activation_mails(s)
    b = Browser(s)
    page = b.get("/mot-de-passe-oublie")[2]
    assert RESEND_LINK.replace(">", "") in page and "Je n'ai pas reçu l'e-mail" in html.unescape(page)
    st, _, pending = b.post("/mot-de-passe-oublie", {"email": LEGACY_EMAIL})
    assert st == 200
    assert activation_mails(s) == before + 1
    st, _, unknown = b.post("/mot-de-passe-oublie", {"email": "personne@robinet.test"})
    assert strip_volatile(pending) == strip_volatile(unknown), "the answer tells the address exists"
    # The expired-link page offers a new link too.
    b2 = Browser(s)
    b2.get("/activer?jeton=abc")
    page = b2.post("/activer", {"jeton": "abc"})[2]
    assert "Lien invalide ou expiré" in page and "/renvoyer-activation" in page


@test(env={"ROBINET_RL_PER_MAIL": "2"})
def resends_and_resets_of_a_pending_space_share_the_resend_limit(s):
    em = "limite@robinet.test"
    migrate_without_activating(s, em)
    before = activation_mails(s, em)

    def post(path):
        b = Browser(s)
        b.get(path)
        return b.post(path, {"email": em})

    assert post("/renvoyer-activation")[0] == 200
    assert activation_mails(s, em) == before + 1
    # The reset of a pending space sends an activation link, counted
    # with the resends...
    st, _, page = post("/mot-de-passe-oublie")
    assert st == 200 and "Si un espace client existe" in page
    assert activation_mails(s, em) == before + 2
    # ...so past the limit it answers as usual but sends nothing more,
    st, _, page = post("/mot-de-passe-oublie")
    assert st == 200 and "Si un espace client existe" in page
    assert activation_mails(s, em) == before + 2
    # and "Je n'ai pas reçu l'e-mail" waits too.
    st, _, page = post("/renvoyer-activation")
    assert st == 429 and title_of(page).startswith("Erreur : "), st
    assert activation_mails(s, em) == before + 2
