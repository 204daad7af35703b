#!/usr/bin/python3
"""Vocabulary check (docs/words.md): the words people read on pages, in
emails and in PDFs use one term per idea. Fails when a forbidden variant
appears in the visible text of a page or mail template
(src/web/templates, src/mail/templates: tags, attributes that are not
shown and mustache tags left out) or in a French string of the C code
that writes subscriber-facing text (src/docs, src/app, src/web/pages,
src/mail/render.c). Prints TAP, one line per area.

usage: tests/words.py [SRCDIR]
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


def scan(files, extract, rules):
    bad = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = extract(f.read())
        for pattern, instead in rules:
            for m in re.finditer(pattern, text, flags=re.I):
                bad.append("%s: « %s » : écrire %s" % (path, m.group(0), instead))
    return bad


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    areas = [
        ("page and mail templates", sorted(glob.glob(os.path.join(root, "src/web/templates/*.mustache")) +
                                           glob.glob(os.path.join(root, "src/mail/templates/*.mustache"))),
         template_text, FORBIDDEN + TEMPLATE_ONLY),
        ("French strings of src/docs, src/app, src/web/pages, mail subjects",
         sorted(glob.glob(os.path.join(root, "src/docs/*.c")) + glob.glob(os.path.join(root, "src/app/*.c")) +
                glob.glob(os.path.join(root, "src/web/pages/*.c")) + [os.path.join(root, "src/mail/render.c")]),
         c_text, FORBIDDEN),
    ]
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


if __name__ == "__main__":
    sys.exit(main())
