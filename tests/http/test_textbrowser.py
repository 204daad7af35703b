"""The portal in a text browser (issue 11): w3m, driven through a
pseudo-terminal of 80 columns like a person at the keyboard, against a
demo server on loopback http (its cookies without Secure and __Host-,
web/cookies.h). One w3m process keeps its own cookies from page to page:
nothing here copies a cookie for it.

The flow: sign in through the real form (CSRF double-submit cookie),
choose « Braille abrégé » in "Mon compte" (a radio button and a form),
open "Mes factures", find the last bill's amount and due date in the
80-column page, follow the bill's link, then its braille version (the
Unicode braille text, which w3m shows as it is) and find there the
bill's total and the due date's label in grade 2 braille, as the
fixtures tests/unit/fixtures give them (test_braille.amount_cells,
kat), check the consumption page's chart does not run its labels
together, send a signed-in form (the alert setting, CSRF of the
session), sign out (a form too), and find the space closed. With production cookies on the same plain-HTTP
server, w3m cannot keep them: the sign-in form answers the French 403
asking to allow cookies.

To add a step, call w.follow("link text") and check the text it
returns; w.back() returns to the page before. w3m missing fails the
test: scripts/bootstrap --test installs it (package w3m)."""
import datetime
import fcntl
import os
import re
import select
import shutil
import struct
import subprocess
import tempfile
import termios
import threading
import time

from harness import test, db_rows
from test_auth import DEMO_EMAIL, DEMO_PASSWORD
from test_braille import G2, amount_cells, kat

PLAIN = {"ROBINET_DEMO_PLAIN_COOKIES": None}      # the demo's default: plain cookies
COLS, ROWS = 80, 50
WAIT = 90           # seconds for a page (sanitized servers are slow)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def fr_date(iso):
    d = datetime.date.fromisoformat(iso)
    return "%d%s %s %d" % (d.day, "er" if d.day == 1 else "", MONTHS[d.month - 1], d.year)


def euros(cents):
    e, c = divmod(cents, 100)
    s = "{:,}".format(e).replace(",", " ")
    return "%s,%02d €" % (s, c)


def flat(text):
    """No-break spaces as spaces: what a reader of the dump sees."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class W3m:
    """One w3m process in a pseudo-terminal of COLS x ROWS. Pages are
    read back with w3m's own "save rendered page" command (S), so the
    text is exactly what the person sees, at 80 columns."""

    def __init__(self, url):
        path = shutil.which("w3m")
        assert path, "w3m is not installed: run scripts/bootstrap --test (package w3m)"
        self.dir = tempfile.mkdtemp(prefix="w3m-")
        self.base = re.match(r"https?://[^/]+", url).group(0)
        self.n = 0
        self.out = bytearray()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(os.environ, HOME=self.dir, TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        # Cookies on, as a person allows them for this site; no history
        # file, no question when quitting.
        self.proc = subprocess.Popen(
            [path, "-no-mouse", "-o", "use_cookie=1", "-o", "accept_cookie=1",
             "-o", "use_history=0", "-o", "confirm_qq=0", "-o", "wrap_search=1", url],
            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
            start_new_session=True)
        os.close(slave)
        self.master = master
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        self.page = self.save()

    def _drain(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.2)
                if r:
                    data = os.read(self.master, 65536)
                    if not data:
                        return
                    self.out.extend(data)
            except OSError:
                return
            if self.proc.poll() is not None and not r:
                return

    def keys(self, data, pause=0.15):
        assert self.proc.poll() is None, "w3m exited: %r" % bytes(self.out[-300:])
        os.write(self.master, data)
        time.sleep(pause)

    def save(self):
        """The page now shown, as w3m renders it (waits for it)."""
        self.n += 1
        path = os.path.join(self.dir, "page%d.txt" % self.n)
        self.keys(b"S")
        self.keys(path.encode() + b"\r")
        deadline = time.time() + WAIT
        size = -1
        while time.time() < deadline:
            if os.path.exists(path) and os.path.getsize(path) == size and size > 0:
                break
            size = os.path.getsize(path) if os.path.exists(path) else -1
            time.sleep(0.2)
        else:
            raise AssertionError("w3m did not save the page: %r" % bytes(self.out[-300:]))
        with open(path, encoding="utf-8", errors="replace") as f:
            self.page = flat(f.read())
        return self.page

    def find(self, text, regex=False):
        """Moves the cursor to the first occurrence of text (or of the
        regular expression) on the page."""
        mark = len(self.out)
        pattern = text if regex else re.sub(r"([.*+?\[\]^$\\])", r"\\\1", text)
        self.keys(b"g")             # back to the top: search from there
        self.keys(b"/" + pattern.encode() + b"\r", 0.4)
        assert b"Not found" not in bytes(self.out[mark:]), "no %r on the page:\n%s" % (text, self.page)

    def follow(self, text, regex=False):
        """Follows the link (or presses the button) whose text starts
        with text, first on the page; returns the page it leads to."""
        self.find(text, regex)
        self.keys(b"\r")
        return self.save()

    def back(self):
        """Returns to the previous page of w3m's history."""
        self.keys(b"B", 0.4)
        return self.save()

    def goto(self, path):
        """Opens path of the same server, as typed in the address line."""
        self.keys(b"U")
        self.keys(b"\x15")         # empty the line: w3m offers the current address
        self.keys(("%s%s\r" % (self.base, path)).encode(), 0.4)
        return self.save()

    def fill(self, label, value):
        """Types value into the field that follows label."""
        self.find(label)
        self.keys(b"\t")            # the next field
        self.keys(b"\r")            # w3m asks for the value on its last line
        self.keys(value.encode() + b"\r")

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.keys(b"q", 0.3)
            except (AssertionError, OSError):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        try:
            os.close(self.master)
        except OSError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def sign_in(s):
    w = W3m("http://127.0.0.1:%d/connexion" % s.port)
    assert "Se connecter à mon espace" in w.page, w.page
    w.fill("Adresse e-mail", DEMO_EMAIL)
    w.fill("Mot de passe", DEMO_PASSWORD)
    # The button, alone on its line (the menu has a link of that name).
    return w, w.follow("^Se connecter$", regex=True)


def last_bill(s, contract="1000000001"):
    """The contract's most recent bill, from the database."""
    rows = db_rows(s, "SELECT i.number, i.total_cents, i.due_on FROM invoices i"
                      " JOIN contracts c ON c.id = i.contract_id WHERE c.number = ?"
                      " AND i.archived = 0 AND i.status <> 'cancelled'"
                      " ORDER BY i.issued_on DESC, i.number DESC LIMIT 1", contract)
    assert rows, "no bill for %s" % contract
    return rows[0]


def block_of(page, number):
    """The lines of the bills page from the one naming number to the
    next bill's number (a table row wrapped over lines, or a list item)."""
    lines = page.splitlines()
    start = [i for i, l in enumerate(lines) if number in l]
    assert start, "bill %s not in the list:\n%s" % (number, page)
    i = start[0]
    # Begin a few lines up: a wrapped row starts before its number's line.
    lo = max(0, i - 4)
    hi = i + 1
    while hi < len(lines) and not re.search(r"FA\d{4}-\d{6}", lines[hi].replace(number, "")):
        hi += 1
    return "\n".join(lines[lo:hi])


def words_in_order(block, phrase):
    """phrase's words appear in this order in block (a table cell may
    wrap a date over two lines)."""
    return re.search(r"\b" + r"\b[\s\S]*?\b".join(map(re.escape, phrase.split())) + r"(?!\w)",
                     block) is not None


@test(env=PLAIN)
def w3m_signs_in_chooses_braille_reads_the_last_bill_and_its_braille(s):
    number, cents, due = last_bill(s)
    amount, due_fr = euros(cents), fr_date(due)
    w, page = sign_in(s)
    try:
        # Signed in through the form: the space, not a 403.
        assert "Accès refusé" not in page and "Autorisez les cookies" not in page, page
        assert "Bonjour" in page and "Se déconnecter" in page, page

        # Braille abrégé chosen in "Mon compte": its radio button (w3m
        # shows "( )" before the label), then the form's button.
        page = w.follow("Mon compte")
        assert "Mes documents en braille" in page, page
        w.find("Braille abrégé")
        w.keys(b"\x1b\t")         # the field before the label: its radio button
        w.keys(b"\r")
        assert re.search(r"[(]\*[)] Braille abrégé", w.save()), w.page
        page = w.follow("Enregistrer mon choix de braille")
        assert "Votre choix de braille est enregistré." in page, page
        assert re.search(r"[(]\*[)] Braille abrégé", page), page

        page = w.follow("Mes factures")
        assert "Mes factures" in page and "Filtrer les factures" in page, page
        block = block_of(page, number)
        assert amount in block, (amount, block)
        assert words_in_order(block, due_fr), (due_fr, block)
        assert max(len(l) for l in page.splitlines()) <= COLS, "wider than 80 columns"

        page = w.follow(number)
        assert "Facture n° %s" % number in page, page
        assert amount in page, (amount, page)
        assert "Date limite de paiement : %s" % due_fr in " ".join(page.split()), page

        # Its braille version: the Unicode text, in the grade chosen
        # above. A link that is missing fails w.find.
        page = w.follow("texte braille")
        cells = [c for c in page if "\u2800" <= c <= "\u28ff"]
        assert len(cells) > 100, "no braille text after the link:\n%s" % page
        assert "Facture n°" not in page, page
        assert amount_cells(amount, G2) in page, (amount, amount_cells(amount, G2), page)
        # Amounts are alike in both grades; this label is contracted
        # in grade 2 only: the choice made above is the one used.
        assert kat()[(G2, "Date limite de paiement")] in page, page
        page = w.back()
        assert "Facture n° %s" % number in page, page

        # The chart's labels are words apart, not run together.
        page = w.follow("Ma consommation")
        assert "Ma consommation" in page and "Période facturée" in page, page
        run_on = re.search(r"\d(?:m³|litres)|tôt\d|\d(?:%s)" % "|".join(
            m[:4] for m in MONTHS), page)
        assert run_on is None, (run_on.group(0), page)
        assert "Diagramme en barres" not in page, page

        # A form of the signed-in space: the session's CSRF token.
        page = w.follow("Enregistrer le réglage de l'alerte")
        assert "Le réglage de l'alerte de consommation est enregistré." in page, page

        # Signing out is a form too.
        page = w.follow("Se déconnecter")
        assert "Se connecter à mon espace" in page, page
        assert "Mes factures" not in page, page
        page = w.goto("/actualites")
        assert "Se connecter à mon espace" not in page, page
        page = w.goto("/mon-espace")
        assert "Se connecter à mon espace" in page and "Bonjour" not in page, page
    finally:
        w.quit()


@test
def w3m_refused_production_cookies_and_the_sign_in_form_says_to_allow_them(s):
    # The shared server keeps production cookies (__Host-, Secure) on
    # plain HTTP: w3m keeps Secure cookies for https only.
    w, page = sign_in(s)
    try:
        assert "Autorisez les cookies de ce site" in page, page
        assert "Autorisez les cookies pour ce site" in " ".join(page.split()), page
        assert "Bonjour" not in page
    finally:
        w.quit()
