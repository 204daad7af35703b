#!/usr/bin/python3
"""Vocabulary check (docs/words.md): the words people read on pages, in
emails and in PDFs use one term per idea. Fails when a forbidden variant
appears in the visible text of a page or mail template
(src/web/templates, src/mail/templates: tags, attributes that are not
shown and mustache tags left out) or in a French string of the C code
that writes subscriber-facing text (src/docs, src/app, src/web/pages,
src/mail/render.c); when jargon appears in what subscribers read (page
templates other than the back office's agent_*, mail templates, the
French strings of the subscribers' pages); and when the text part of
an e-mail mentions a button (it has none). Prints TAP, one line per
area.

usage: tests/words.py [SRCDIR]
       tests/words.py --selftest   plants each kind of banned word in a
                                   copy of a source tree and checks that
                                   the check fails on it, and only on it
"""
import glob
import os
import re
import sys

# (pattern, what to write instead). Word boundaries are Unicode-aware.
FORBIDDEN = [
    (r"\béchéances?\b", "« date limite de paiement » (l'échéancier d'une mensualisation reste « échéancier »)"),
    (r"\bcourriels?\b", "« e-mail »"),
    (r"\bmél\b", "« e-mail »"),
    (r"\badresses? électroniques?\b", "« adresse e-mail »"),
    (r"\bdématérialisée?s?\b", "« facture électronique »"),
    (r"\be-factures?\b", "« facture électronique »"),
    (r"\bfactures? (en ligne|numériques?|par e-mail)\b", "« facture électronique »"),
    (r"\bzéro papier\b", "« facture électronique »"),
]
# In templates only: "email"/"mail" as a word of the text (C strings hold
# JSON keys and field names of that spelling).
TEMPLATE_ONLY = [
    (r"(?<![-\w])e?mails?(?![-\w])", "« e-mail »"),
]
# Jargon subscribers must not meet (docs/words.md, "Plain French"):
# pages and mails for subscribers only. The back office (agent_*
# templates, pages/agent*.c) keeps the technical terms agents need when
# they talk to the IT team; the JSON API's own messages (pages/api.c)
# are for programs.
JARGON = [
    (r"\bcode d'erreur\b", "une phrase qui dit quoi faire (le code HTTP reste dans la réponse)"),
    (r"\bdemande invalide\b", "dire ce qui ne va pas et comment le corriger"),
    (r"\bjetons?\b", "« code d'accès »"),
    (r"(?<![-\w])(?-i:API)(?![-\w])", "« accès pour vos programmes »"),
    (r"(?<![-\w.])(?-i:JSON)(?![-\w])", "« fichier pour un programme »"),
    (r"\b(?:antérieure?s? au|avant le|jusqu'au) 31/12/2023\b", "« jusqu'au 31 décembre 2023 inclus »"),
    (r"\bjusqu'au 31 décembre 2023(?! inclus)", "« jusqu'au 31 décembre 2023 inclus »"),
]
# In C strings, only sentences and labels (a space in them): single
# words are form field names and JSON keys. Error page titles
# ("Demande invalide") are checked in templates only: the titles of the
# pages' own errors are being reworded with the forms.
JARGON_C = [(p, w) for p, w in JARGON if "demande invalide" not in p]
# The text part of an e-mail shows links, never buttons.
MAIL_TEXT_ONLY = [
    (r"\bboutons?\b", "« ouvrez le lien ci-dessous » : la version texte d'un e-mail n'a pas de bouton"),
]
# Attributes whose value people read or hear.
SHOWN_ATTRS = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')


def template_text(src):
    src = re.sub(r"\{\{!.*?\}\}", " ", src, flags=re.S)
    shown = " ".join(SHOWN_ATTRS.findall(src))
    src = re.sub(r"\{\{[^}]*\}\}\}?", " ", src)
    src = re.sub(r"<[^>]*>", " ", src)
    return src + " " + shown


LITERALS = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+')
PART = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def c_text(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    src = re.sub(r"^\s*#\s*include[^\n]*", " ", src, flags=re.M)
    out = []
    for m in LITERALS.finditer(src):
        s = "".join(PART.findall(m.group(0)))
        if not s.startswith("/"):          # URL paths are not words
            out.append(s)
    return "\n".join(out)


def c_sentences(src):
    return "\n".join(s for s in c_text(src).split("\n") if " " in s)


def scan(files, extract, rules):
    bad = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = extract(f.read())
        for pattern, instead in rules:
            for m in re.finditer(pattern, text, flags=re.I):
                bad.append("%s: « %s » : écrire %s" % (path, m.group(0), instead))
    return bad


def areas_of(root):
    web = sorted(glob.glob(os.path.join(root, "src/web/templates/*.mustache")))
    mail = sorted(glob.glob(os.path.join(root, "src/mail/templates/*.mustache")))
    subscriber_pages = [p for p in sorted(glob.glob(os.path.join(root, "src/web/pages/*.c")))
                        if not os.path.basename(p).startswith("agent") and os.path.basename(p) != "api.c"]
    return [
        ("page and mail templates", sorted(glob.glob(os.path.join(root, "src/web/templates/*.mustache")) +
                                           glob.glob(os.path.join(root, "src/mail/templates/*.mustache"))),
         template_text, FORBIDDEN + TEMPLATE_ONLY),
        ("French strings of src/docs, src/app, src/web/pages, mail subjects",
         sorted(glob.glob(os.path.join(root, "src/docs/*.c")) + glob.glob(os.path.join(root, "src/app/*.c")) +
                glob.glob(os.path.join(root, "src/web/pages/*.c")) + [os.path.join(root, "src/mail/render.c")]),
         c_text, FORBIDDEN),
        ("jargon in subscribers' page and mail templates",
         [p for p in web if not os.path.basename(p).startswith("agent_")] + mail,
         template_text, JARGON),
        ("jargon in French strings of subscribers' pages", subscriber_pages, c_sentences, JARGON_C),
        ("buttons in the text part of e-mails", [p for p in mail if p.endswith(".txt.mustache")],
         template_text, MAIL_TEXT_ONLY),
    ]


def main():
    if sys.argv[1:2] == ["--selftest"]:
        return selftest()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    areas = areas_of(root)
    print("1..%d" % len(areas))
    failed = 0
    for i, (name, files, extract, rules) in enumerate(areas, 1):
        assert files, "no file for " + name
        bad = scan(files, extract, rules)
        print("%s %d - vocabulary of %s (%d files)" % ("not ok" if bad else "ok", i, name, len(files)))
        for b in bad:
            print("# " + os.path.relpath(b.split(":", 1)[0], root) + ":" + b.split(":", 1)[1])
        failed += bool(bad)
    return 1 if failed else 0


# Planted words, one per rule family: (file under the tree, text, the
# area that must fail, or None when the text is allowed there).
PLANTED = [
    ("src/web/templates/error.mustache", "<p>Code d'erreur : {{status}}</p>", 3),
    ("src/web/templates/account.mustache", "<h2>Jetons d'accès à l'API</h2>", 3),
    ("src/web/templates/gdpr.mustache", "<p>Télécharger (JSON)</p>", 3),
    ("src/web/templates/home.mustache", "<p>antérieures au 31/12/2023</p>", 3),
    ("src/web/templates/bills.mustache", "<p>émises jusqu'au 31 décembre 2023 et</p>", 3),
    ("src/mail/templates/reset.html.mustache", "<p>Votre jeton</p>", 3),
    ("src/web/pages/account.c", 'const char *s = "Nom du jeton";', 4),
    ("src/mail/templates/reset.txt.mustache", "Cliquez sur le bouton ci-dessus.", 5),
    ("src/web/templates/home.mustache", "<p>Envoyez-nous un courriel.</p>", 1),
    # Allowed: the back office, URLs, field names, the JSON API.
    ("src/web/templates/agent_error.mustache", "<p>Code d'erreur : {{status}}</p><p>API JSON</p>", None),
    ("src/web/templates/home.mustache", '<a href="/mon-compte/jetons?x=JSON">Mon compte</a>', None),
    ("src/web/pages/api.c", 'const char *m = "Jeton d\'accès manquant (API, JSON)";', None),
    ("src/mail/templates/reset.html.mustache", "<p>Le bouton ci-dessous</p>", None),
    ("src/web/templates/home.mustache", "<p>jusqu'au 31 décembre 2023 inclus</p>", None),
]


def selftest():
    """Each planted word makes its area fail (and no other); allowed
    text makes nothing fail. Works on an empty tree with one file of
    each area, so the real sources do not matter."""
    import contextlib
    import io
    import tempfile
    base = {
        "src/web/templates/home.mustache": "<p>Bonjour</p>",
        "src/web/templates/agent_error.mustache": "<p>Erreur</p>",
        "src/mail/templates/reset.txt.mustache": "Ouvrez le lien ci-dessous.",
        "src/mail/templates/reset.html.mustache": "<p>Bonjour</p>",
        "src/docs/bill_pdf.c": 'const char *s = "Facture";',
        "src/app/bills.c": 'const char *s = "Facture";',
        "src/web/pages/account.c": 'const char *s = "Mon compte";',
        "src/web/pages/api.c": 'const char *s = "{}";',
        "src/mail/render.c": 'const char *s = "Objet";',
    }
    print("1..%d" % (len(PLANTED) + 1))
    failed = 0
    for n, (path, text, area) in enumerate([(None, None, None)] + PLANTED, 1):
        with tempfile.TemporaryDirectory() as root:
            for rel, content in base.items():
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                    f.write(content)
            if path is not None:
                os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
                with open(os.path.join(root, path), "a", encoding="utf-8") as f:
                    f.write("\n" + text + "\n")
            bad = [i for i, (_, files, extract, rules) in enumerate(areas_of(root), 1)
                   if scan(files, extract, rules)]
        want = [] if area is None else [area]
        ok = bad == want
        failed += not ok
        print("%s %d - %s%s fails %s (got %s)" % ("ok" if ok else "not ok", n, path or "clean tree",
              ": " + text if text else "", want or "nothing", bad or "nothing"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
