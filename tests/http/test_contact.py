"""HTTP tests of customer service for subscribers (issue 10, "Contact"):
/contact signed out and signed in, its acknowledgement email through a
real SMTP server, attachments accepted and refused by their content
(never their name or declared type), the honeypot, the minimum fill
time, the rate limits per address and per email, "Mes demandes" with
follow-up messages, another subscriber's request or attachment answered
like a missing one, and markup shown as text in pages and emails."""
import html
import http.client
import json
import re
import struct
import time
import uuid
import zlib

import dbx
from harness import test, db_rows, REAL_DATE
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, smtp_env, mail_text, mail_html

FAST = {"ROBINET_CONTACT_MIN_FILL": "0"}
SUBJECTS = ["Remettre en place le prélèvement", "Remettre en place la facture électronique",
            "Question sur ma facture", "Emménagement / déménagement",
            "Fuite ou consommation anormale", "Relevé de compteur",
            "Accès à mon espace client", "Demande de document en braille", "Autre"]
XSS = "<script>alert(\"x'y\")</script>"
REF_RE = re.compile(r"D-\d{4}-\d{6,}")


def png(w=2, h=2):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\x00" + b"\x00\x00\x00\xff" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg():
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\xff\xd9")


def pdf():
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


HTML_FILE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


class CBrowser(Browser):
    """A Browser that also sends multipart/form-data with files."""

    def post_mp(self, path, fields, files=(), csrf=True):
        f = dict(fields)
        if csrf and "csrf" not in f:
            f["csrf"] = self.csrf or ""
        b = "----robinet" + uuid.uuid4().hex
        body = b""
        for k, v in f.items():
            body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (b, k)).encode()
            body += v.encode() + b"\r\n"
        for name, ctype, data in files:
            body += ("--%s\r\nContent-Disposition: form-data; name=\"pieces\"; filename=\"%s\"\r\n"
                     "Content-Type: %s\r\n\r\n" % (b, name, ctype)).encode() + data + b"\r\n"
        body += ("--%s--\r\n" % b).encode()
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        h = {"Content-Type": "multipart/form-data; boundary=" + b}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        c.request("POST", path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        for sc in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = sc.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = data.decode("utf-8", "replace")
        m = re.search(r'name="csrf" value="([^"]*)"', text)
        if m:
            self.csrf = m.group(1)
        return r.status, r.headers, text

    def get_bytes(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        h = {"Cookie": "; ".join("%s=%s" % kv for kv in self.cookies.items())}
        c.request("GET", path, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def form_token(page):
    m = re.search(r'name="jeton" value="([^"]*)"', page)
    assert m, "no form token in the page"
    return html.unescape(m.group(1))


def open_form(b):
    st, _, page = b.get("/contact")
    assert st == 200, st
    return page


def anon_fields(page, **kw):
    f = {"jeton": form_token(page), "nom": "Jeanne Martin", "email": "jeanne.martin@exemple.test",
         "contrat": "", "code_postal": "59000", "objet": "bill",
         "message": "Bonjour, je ne comprends pas ma dernière facture.", "site_web": ""}
    f.update(kw)
    return f


def send_anon(b, files=(), **kw):
    page = open_form(b)
    return b.post_mp("/contact", anon_fields(page, **kw), files)


def signed_in(s, email=DEMO_EMAIL):
    b = CBrowser(s)
    assert b.signin(email, DEMO_PASSWORD)[0] == 303
    return b


def demo_contracts(s, email=DEMO_EMAIL):
    return [r[0] for r in db_rows(s, "SELECT c.number FROM contracts c JOIN account_contracts ac "
                                     "ON ac.contract_id = c.id JOIN web_accounts a ON a.id = ac.account_id "
                                     "WHERE a.email = ? ORDER BY c.number", email)]


def requests_of(s, email):
    return db_rows(s, "SELECT reference, account_id, subject, status, contract_number, postcode, name, message "
                      "FROM contact_requests WHERE email = ? ORDER BY id", email)


def sent_reference(st, h):
    assert st == 303, st
    m = REF_RE.search(h["location"])
    assert h["location"].startswith("/contact?envoyee=") and m, h["location"]
    return m.group(0)


def other_account(s):
    """An active account other than the demo one, given the demo password."""
    row = db_rows(s, "SELECT a.id, a.email FROM web_accounts a WHERE a.status = 'active' AND a.email <> ? "
                     "AND EXISTS (SELECT 1 FROM account_contracts ac WHERE ac.account_id = a.id) "
                     "ORDER BY a.id LIMIT 1", DEMO_EMAIL)[0]
    h = db_rows(s, "SELECT password_hash FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0][0]
    con = dbx.connect(s.db)
    con.execute("UPDATE web_accounts SET password_hash = ? WHERE id = ?", (h, row[0]))
    con.commit()
    con.close()
    return row[1]


# ------------------------------------------------------------- the form

@test(env=FAST)
def contact_form_lists_the_nine_subjects_phone_line_and_an_accessible_honeypot(s):
    b = CBrowser(s)
    page = open_form(b)
    for label in SUBJECTS:
        assert ">%s</option>" % html.escape(label, quote=False) in page or ">%s</option>" % label in page, label
    codes = re.findall(r'<option value="([a-z]+)"', page)
    assert codes == ["debit", "paperless", "bill", "moving", "leak", "reading", "access", "braille",
                     "other"], codes
    assert "09 69 32 22 12" in page and "appel gratuit" in page
    assert re.search(r"Le service client est (ouvert|fermé)", page), page
    assert 'enctype="multipart/form-data"' in page
    # The honeypot: out of the tab order, hidden from assistive technology, labelled.
    m = re.search(r'<div class="hp" aria-hidden="true">\s*<label for="site_web">Ne pas remplir</label>\s*'
                  r'<input id="site_web" name="site_web" type="text" tabindex="-1" autocomplete="off">', page)
    assert m, page
    # Signed out: name, email, optional contract, postcode; no contract list.
    for name in ("nom", "email", "contrat", "code_postal", "objet", "message", "pieces"):
        assert 'name="%s"' % name in page, name
    assert "<select id=\"contrat\"" not in page
    # A subject may be chosen by the link that leads here.
    st, _, page = b.get("/contact?objet=debit")
    assert '<option value="debit" selected>' in page


@test(env=smtp_env(FAST))
def contact_a_signed_out_request_is_stored_acknowledged_by_email_and_shown_with_its_reference(s):
    box = mailbox()
    b = CBrowser(s)
    email = "ack.%s@exemple.test" % uuid.uuid4().hex[:8]
    st, h, _ = send_anon(b, email=email, contrat="1000 000 001", objet="leak")
    ref = sent_reference(st, h)
    rows = requests_of(s, email)
    assert len(rows) == 1, rows
    assert rows[0][:6] == (ref, None, "leak", "new", "1000000001", "59000"), rows
    st, _, page = b.get(h["location"])
    assert st == 200 and ref in page and "Votre demande est envoyée" in page
    msg = box.wait(email, ref)
    assert "Nous avons bien reçu votre demande" in str(msg["subject"])
    text = mail_text(msg)
    assert ref in text and "Fuite ou consommation anormale" in text, text
    assert "je ne comprends pas" not in text, "the message is never echoed to a typed address"
    assert ref in mail_html(msg)
    audit = db_rows(s, "SELECT actor_kind, actor_id FROM audit_log WHERE action = 'contact.create' AND target = ?",
                    "request:" + ref)
    assert audit == [("anonymous", None)], audit
    # The reference is year + row id.
    rid = db_rows(s, "SELECT id FROM contact_requests WHERE reference = ?", ref)[0][0]
    assert ref.endswith("-%06d" % rid), (ref, rid)


@test(env=FAST)
def contact_each_field_is_checked_and_refusals_keep_what_was_typed(s):
    b = CBrowser(s)
    cases = [({"nom": ""}, "Indiquez vos nom et prénom."),
             ({"email": "pas-une-adresse"}, "Indiquez une adresse e-mail valide"),
             ({"contrat": "12345"}, "Le numéro de contrat compte 10 chiffres"),
             ({"code_postal": "59"}, "Indiquez le code postal"),
             ({"objet": "nimporte"}, "Choisissez l&#39;objet de votre demande."),
             ({"objet": ""}, "Choisissez l&#39;objet de votre demande."),
             ({"message": "   "}, "Écrivez votre message."),
             ({"message": "x" * 4001}, "Votre message dépasse 4000 caractères"),
             ({"message": "a\x01b"}, "caractères non autorisés")]
    n = db_rows(s, "SELECT count(*) FROM contact_requests")[0][0]
    for change, msg in cases:
        st, _, page = send_anon(b, **dict({"message": "Texte gardé 42"}, **change))
        assert st == 400, (change, st)
        assert msg in page, (change, page[:3000])
        assert 'aria-invalid="true"' in page and "Le formulaire contient" in page
        if "message" not in change:
            assert "Texte gardé 42</textarea>" in page, change
        if "nom" not in change:
            assert 'value="Jeanne Martin"' in page, change
    assert db_rows(s, "SELECT count(*) FROM contact_requests")[0][0] == n
    # Characters, not bytes: 3000 euro signs (9000 bytes, above max_field_bytes) pass,
    # 4001 are told in the form.
    sent_reference(*send_anon(b, message="€" * 3000)[:2])
    st, _, page = send_anon(b, message="€" * 4001)
    assert st == 400 and "Votre message dépasse 4000 caractères" in page


# ---------------------------------------------------------- attachments

@test(env=FAST)
def contact_attachments_are_recognised_by_content_never_by_name_or_type(s):
    b = CBrowser(s)
    email = "pieces@exemple.test"
    # A PNG named .pdf and declared as a PDF is a PNG; a real PDF and a JPEG pass.
    st, h, _ = send_anon(b, email=email, files=[("facture.pdf", "application/pdf", png()),
                                                 ("certificat.pdf", "application/pdf", pdf()),
                                                 ("compteur.png", "image/png", jpeg())])
    ref = sent_reference(st, h)
    rid = db_rows(s, "SELECT id FROM contact_requests WHERE reference = ?", ref)[0][0]
    types = [r[0] for r in db_rows(s, "SELECT content_type FROM attachments WHERE purpose = 'contact' "
                                      "AND ref_id = ? ORDER BY id", rid)]
    assert types == ["image/png", "application/pdf", "image/jpeg"], types
    # Stored under the attachments folder, named by a random token, never the client's name.
    import os
    names = os.listdir(s.attach_dir)
    assert len(names) == 3 and not any(n.endswith((".pdf", ".png", ".jpg")) for n in names), names
    # Refused: HTML named photo.jpg, a GIF, a truncated PNG, an oversize file, too many files.
    n = db_rows(s, "SELECT count(*) FROM contact_requests")[0][0]
    for files, msg in (
            ([("photo.jpg", "image/jpeg", HTML_FILE)], "Le fichier 1 n&#39;est ni une photo"),
            ([("a.png", "image/png", png()), ("b.gif", "image/gif", b"GIF89a\x01\x00\x01\x00;")],
             "Le fichier 2 n&#39;est ni une photo"),
            ([("c.png", "image/png", png()[:-12])], "Le fichier 1 n&#39;est ni une photo"),
            ([("big.pdf", "application/pdf", b"%PDF-1.4\n" + b" " * (5 * 1024 * 1024) + b"\n%%EOF\n")],
             "Le fichier 1 dépasse la taille permise (5 Mo)."),
            ([("%d.png" % i, "image/png", png()) for i in range(4)], "Vous pouvez joindre 3 fichiers au plus.")):
        st, _, page = send_anon(b, email=email, files=files, message="Avec pièces <b>gardé</b>")
        assert st == 400, (files[0][0], st)
        assert msg in page, (msg, page[:4000])
        assert "Choisissez à nouveau vos fichiers." in page
        assert "Avec pièces &lt;b&gt;gardé&lt;/b&gt;</textarea>" in page
    assert db_rows(s, "SELECT count(*) FROM contact_requests")[0][0] == n
    assert len(os.listdir(s.attach_dir)) == 3


@test(env={"ROBINET_CONTACT_MIN_FILL": "0", "ROBINET_ATTACHMENT_MAX_BYTES": "2048",
           "ROBINET_ATTACHMENT_MAX_COUNT": "1"})
def contact_attachment_limits_are_settings_and_huge_bodies_are_cut(s):
    b = CBrowser(s)
    st, _, page = send_anon(b, files=[("a.pdf", "application/pdf", b"%PDF-1.4\n" + b" " * 3000 + b"\n%%EOF\n")])
    assert st == 400 and "dépasse la taille permise" in page, page[:3000]
    st, _, page = send_anon(b, files=[("a.png", "image/png", png()), ("b.png", "image/png", png())])
    assert st == 400 and "Vous pouvez joindre 1 fichier au plus." in page
    # Far beyond what the route takes: 413 before the body is read.
    st, _, _ = send_anon(b, files=[("a.png", "image/png", b"\x00" * (200 * 1024))])
    assert st == 413, st
    # Multipart is for the routes that take files only.
    b.get("/connexion")
    st, _, _ = b.post_mp("/connexion", {"email": "a@b.test", "mot_de_passe": "x"})
    assert st == 403, st


# ----------------------------------------------------------- anti-abuse

@test(env=FAST)
def contact_the_honeypot_refuses_in_plain_french_and_keeps_the_input(s):
    b = CBrowser(s)
    n = db_rows(s, "SELECT count(*) FROM contact_requests")[0][0]
    st, _, page = send_anon(b, site_web="http://spam.example", message="Message gardé")
    assert st == 400
    assert "laissez vide le champ « Ne pas remplir »" in page
    assert "Message gardé</textarea>" in page and 'value="Jeanne Martin"' in page
    assert db_rows(s, "SELECT count(*) FROM contact_requests")[0][0] == n


@test(env={"ROBINET_CONTACT_MIN_FILL": "2"})
def contact_a_form_sent_faster_than_a_person_can_fill_it_or_with_a_forged_token_is_refused(s):
    b = CBrowser(s)
    n = db_rows(s, "SELECT count(*) FROM contact_requests")[0][0]
    page = open_form(b)
    st, _, out = b.post_mp("/contact", anon_fields(page, message="Trop vite"))
    assert st == 400 and "envoyée trop vite" in out, out[:3000]
    assert "Trop vite</textarea>" in out
    token = form_token(page)
    stamp, mac = token.split(".", 1)
    for forged in (str(int(stamp) - 600) + "." + mac, "", "abc", stamp + ".AAAA", str(int(time.time()) + 600) + "." + mac):
        st, _, out = b.post_mp("/contact", anon_fields(page, jeton=forged))
        assert st == 400 and "Ce formulaire a expiré" in out, (forged, out[:2000])
    assert db_rows(s, "SELECT count(*) FROM contact_requests")[0][0] == n
    time.sleep(2.1)
    st, h, _ = b.post_mp("/contact", anon_fields(page))
    sent_reference(st, h)


@test(env={"ROBINET_CONTACT_MIN_FILL": "0", "ROBINET_RL_CONTACT_PER_EMAIL": "2",
           "ROBINET_RL_CONTACT_PER_IP": "4"})
def contact_requests_are_rate_limited_per_email_and_per_address(s):
    b = CBrowser(s)
    for i in range(2):
        sent_reference(*send_anon(b, email="flood@exemple.test")[:2])
    st, h, page = send_anon(b, email="FLOOD@exemple.test", message="Gardé malgré la limite")
    assert st == 429, st
    assert int(h["Retry-After"]) >= 1
    assert "Vous avez envoyé beaucoup de demandes" in page and "Gardé malgré la limite</textarea>" in page
    for i in range(2):
        sent_reference(*send_anon(b, email="autre%d@exemple.test" % i)[:2])
    st, _, page = send_anon(b, email="encore@exemple.test")
    assert st == 429 and "Réessayez plus tard" in page
    assert len(requests_of(s, "flood@exemple.test")) == 2
    assert requests_of(s, "encore@exemple.test") == []


# ------------------------------------------------------- signed in

@test(env=smtp_env(FAST))
def contact_a_signed_in_request_has_the_contract_preselected_and_is_followed_in_mes_demandes(s):
    box = mailbox()
    b = signed_in(s)
    contracts = demo_contracts(s)
    page = open_form(b)
    assert '<select id="contrat" name="contrat">' in page
    assert '<option value="%s" selected>' % contracts[0] in page
    first, last = db_rows(s, "SELECT first_name, last_name FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0]
    assert 'value="%s"' % html.escape("%s %s" % (first, last)) in page
    assert DEMO_EMAIL in page and 'name="email"' not in page and 'name="code_postal"' not in page
    f = {"jeton": form_token(page), "nom": "%s %s" % (first, last), "contrat": contracts[0], "objet": "debit",
         "message": "Merci de remettre en place mon prélèvement.", "site_web": "", "email": "autre@exemple.test"}
    st, h, _ = b.post_mp("/contact", f, [("compteur.png", "image/png", png())])
    ref = sent_reference(st, h)
    account = db_rows(s, "SELECT id FROM web_accounts WHERE email = ?", DEMO_EMAIL)[0][0]
    rows = requests_of(s, DEMO_EMAIL)
    assert rows[-1][:5] == (ref, account, "debit", "new", contracts[0]), rows
    assert requests_of(s, "autre@exemple.test") == [], "signed in, the reply goes to the account's address"
    msg = box.wait(DEMO_EMAIL, ref)
    assert "/mes-demandes" in mail_text(msg)
    # Mes demandes lists it; its page shows the message and the attachment.
    st, _, page = b.get("/mes-demandes")
    assert st == 200 and ref in page and "Remettre en place le prélèvement" in page
    st, _, page = b.get("/mes-demandes/" + ref)
    assert st == 200 and "Merci de remettre en place mon prélèvement." in page and "Reçue" in page
    m = re.search(r'href="(/mes-demandes/%s/pieces/[A-Za-z0-9_-]+)"' % ref, page)
    assert m, page
    st, hh, data = b.get_bytes(m.group(1))
    assert st == 200 and data == png()
    assert hh["content-type"] == "image/png"
    assert hh["content-disposition"].startswith("attachment;"), hh
    assert hh["x-content-type-options"] == "nosniff"
    # A follow-up message with a file, then an agent's answer shows.
    st, h, _ = b.post_mp("/mes-demandes/" + ref, {"message": "J'ajoute le RIB."}, [("rib.pdf", "application/pdf", pdf())])
    assert st == 303, st
    st, _, page = b.get(h["location"])
    assert "J&#39;ajoute le RIB." in page and "Votre message a été envoyé" in page
    assert page.count("/pieces/") == 2
    # The data export holds the messages and what was attached.
    st, _, body = b.get("/mes-donnees.json")
    data = json.loads(body)["data"]
    assert any(m["body"] == "J'ajoute le RIB." and m["reference"] == ref for m in data["contact_messages"])
    assert sorted(a["content_type"] for a in data["attachments"] if a["reference"] == ref) == \
        ["application/pdf", "image/png"]
    assert any(r["reference"] == ref for r in data["contact_requests"])
    rid = db_rows(s, "SELECT id FROM contact_requests WHERE reference = ?", ref)[0][0]
    con = dbx.connect(s.db)
    con.execute("INSERT INTO contact_messages (request_id, author_kind, author_id, body, created_at) "
                "VALUES (?, 'agent', NULL, 'Réponse de l''agent', ?)", (rid, int(time.time())))
    con.execute("UPDATE contact_requests SET status = 'answered' WHERE id = ?", (rid,))
    con.commit()
    st, _, page = b.get("/mes-demandes/" + ref)
    assert "Service client" in page and "Réponse de l&#39;agent" in page and "Répondue" in page
    # A message on an answered request takes it back to in progress.
    assert b.post_mp("/mes-demandes/" + ref, {"message": "Merci"})[0] == 303
    assert db_rows(s, "SELECT status FROM contact_requests WHERE id = ?", rid)[0][0] == "in_progress"
    # A closed request takes no more messages.
    con.execute("UPDATE contact_requests SET status = 'closed' WHERE id = ?", (rid,))
    con.commit()
    con.close()
    st, _, page = b.post_mp("/mes-demandes/" + ref, {"message": "Encore"})
    assert st == 400 and "Cette demande est close" in page
    # Refusals on a follow-up: empty, HTML named .png.
    con = dbx.connect(s.db)
    con.execute("UPDATE contact_requests SET status = 'in_progress' WHERE id = ?", (rid,))
    con.commit()
    con.close()
    st, _, page = b.post_mp("/mes-demandes/" + ref, {"message": ""})
    assert st == 400 and "Écrivez votre message." in page
    st, _, page = b.post_mp("/mes-demandes/" + ref, {"message": "x"}, [("a.png", "image/png", HTML_FILE)])
    assert st == 400 and "n&#39;est ni une photo" in page
    # A contract of another account is refused.
    page = open_form(b)
    f["jeton"] = form_token(page)
    f["contrat"] = "9999999999"
    st, _, page = b.post_mp("/contact", f)
    assert st == 400 and "Choisissez l&#39;un de vos contrats." in page


@test(env=FAST)
def contact_another_subscribers_request_and_attachment_answer_like_missing_ones(s):
    other = other_account(s)
    a = signed_in(s)
    page = open_form(a)
    f = {"jeton": form_token(page), "nom": "Demo", "contrat": "", "objet": "other",
         "message": "Privé", "site_web": ""}
    ref = sent_reference(*a.post_mp("/contact", f, [("p.png", "image/png", png())])[:2])
    st, _, page = a.get("/mes-demandes/" + ref)
    piece = re.search(r'/mes-demandes/%s/pieces/[A-Za-z0-9_-]+' % ref, page).group(0)
    token = piece.rsplit("/", 1)[1]
    b = signed_in(s, other)
    page = open_form(b)
    f2 = dict(f, jeton=form_token(page), message="À moi")
    ref2 = sent_reference(*b.post_mp("/contact", f2)[:2])
    missing = "D-2026-999999"
    answers = set()
    for path in ("/mes-demandes/" + ref, "/mes-demandes/" + missing, piece,
                 "/mes-demandes/%s/pieces/%s" % (missing, token),
                 "/mes-demandes/%s/pieces/%s" % (ref2, token),
                 "/mes-demandes/%s/pieces/%s" % (ref, "A" * 43),
                 "/mes-demandes/D-2026-1", "/mes-demandes/D-2026-000001x"):
        st, _, body = b.get(path)
        assert st == 404, (path, st)
        answers.add(re.sub(r'value="[^"]*"', "", body))
    assert len(answers) == 1
    st, _, body = b.post_mp("/mes-demandes/" + ref, {"message": "intrus"})
    assert st == 404
    st, _, page = b.get("/mes-demandes")
    assert ref not in page and ref2 in page
    # Signed out: sent to sign in.
    anon = CBrowser(s)
    st, h, _ = anon.get("/mes-demandes/" + ref)
    assert st == 303 and h["location"] == "/connexion"
    st, h, _ = anon.get(piece)
    assert st == 303


@test(env=FAST)
def contact_signed_out_requests_show_only_for_the_account_that_verified_that_address(s):
    other = other_account(s)
    b = CBrowser(s)
    mine = sent_reference(*send_anon(b, email=DEMO_EMAIL.upper(), message="Avant connexion")[:2])
    theirs = sent_reference(*send_anon(b, email="inconnu@exemple.test")[:2])
    a = signed_in(s)
    st, _, page = a.get("/mes-demandes")
    assert mine in page and theirs not in page
    assert a.get("/mes-demandes/" + mine)[0] == 200
    assert a.get("/mes-demandes/" + theirs)[0] == 404
    c = signed_in(s, other)
    st, _, page = c.get("/mes-demandes")
    assert mine not in page
    assert c.get("/mes-demandes/" + mine)[0] == 404
    # An account whose address is not verified (pending) sees nothing of it.
    con = dbx.connect(s.db)
    con.execute("UPDATE web_accounts SET status = 'pending' WHERE email = ?", (DEMO_EMAIL,))
    con.commit()
    con.close()
    assert db_rows(s, "SELECT count(*) FROM contact_requests r WHERE r.account_id IS NULL AND r.email_norm = "
                      "(SELECT email_norm FROM web_accounts WHERE email = ? AND status = 'active')",
                   DEMO_EMAIL)[0][0] == 0


@test(env=smtp_env(FAST))
def contact_markup_and_quotes_in_every_field_show_as_text_in_pages_and_emails(s):
    box = mailbox()
    b = CBrowser(s)
    email = "xss.%s@exemple.test" % uuid.uuid4().hex[:6]
    st, h, _ = send_anon(b, email=email, nom=XSS[:60], message=XSS + " \"quoted\" 'single' <b>bold</b>")
    ref = sent_reference(st, h)
    msg = box.wait(email, ref)
    assert "<script>" not in mail_html(msg), mail_html(msg)
    assert "&lt;script&gt;" in mail_html(msg)
    assert XSS[:60] in mail_text(msg)       # plain text: the name as typed
    # Refused forms echo the fields escaped.
    st, _, page = send_anon(b, nom=XSS[:60], email=XSS, contrat=XSS, code_postal=XSS, message=XSS, objet=XSS)
    assert st == 400 and "<script>alert" not in page and "&lt;script&gt;" in page
    # Signed in: name and message in Mes demandes.
    a = signed_in(s)
    page = open_form(a)
    f = {"jeton": form_token(page), "nom": XSS[:60], "contrat": "", "objet": "other",
         "message": XSS + " \"q\" 'q'", "site_web": ""}
    ref = sent_reference(*a.post_mp("/contact", f)[:2])
    st, _, page = a.get("/mes-demandes/" + ref)
    assert st == 200 and "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&#39;y&quot;)&lt;/script&gt; &quot;q&quot; &#39;q&#39;" in page, page


# ------------------------------------------------------------ back office

DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"


def audit_actions(s, ref):
    return [r[0] for r in db_rows(s, "SELECT action || ':' || actor_kind FROM audit_log "
                                     "WHERE target = ? ORDER BY id", "request:" + ref)]


@test(env=smtp_env(dict(FAST, ROBINET_DATA_KEY=DEMO_KEY)))
def contact_agents_filter_take_answer_and_close_requests_each_audited_and_emailed(s):
    from harness import agent_browser
    box = mailbox()
    sub = signed_in(s)
    contract = demo_contracts(s)[0]
    customer = db_rows(s, "SELECT customer_id FROM contracts WHERE number = ?", contract)[0][0]
    page = open_form(sub)
    f = {"jeton": form_token(page), "nom": XSS[:60], "contrat": contract, "objet": "debit",
         "message": "Prélèvement " + XSS, "site_web": ""}
    ref = sent_reference(*sub.post_mp("/contact", f, [("c.pdf", "application/pdf", png())])[:2])
    box.wait(DEMO_EMAIL, ref)
    anon = CBrowser(s)
    email = "anon.%s@exemple.test" % uuid.uuid4().hex[:6]
    ref2 = sent_reference(*send_anon(anon, email=email, objet="braille")[:2])
    box.wait(email, ref2)

    b, agent_email, _ = agent_browser(s)
    agent_id = db_rows(s, "SELECT id FROM agents WHERE email = ?", agent_email)[0][0]
    st, _, page = b.get("/agent/demandes")
    assert st == 200 and ref in page and ref2 in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="/agent/clients/%d">Rétablir le prélèvement' % customer in page
    st, _, page = b.get("/agent/demandes?objet=braille&etat=new")
    assert st == 200 and ref2 in page and ref not in page
    st, _, page = b.get("/agent/demandes?objet=debit&etat=closed")
    assert ref not in page and "Aucune demande" in page
    st, _, page = b.get("/agent/demandes?objet=%3Cscript%3E")
    assert st == 400 and "Ce filtre n&#39;existe pas" in page and "<script>" not in page

    st, _, page = b.get("/agent/demandes/" + ref)
    assert st == 200 and "Prendre cette demande" in page and "<script>alert" not in page
    assert 'href="/agent/clients/%d"' % customer in page
    m = re.search(r'href="(/agent/demandes/%s/pieces/[A-Za-z0-9_-]+)"' % ref, page)
    st, hh, data = CBrowser.get_bytes(b, m.group(1))
    assert st == 200 and data == png() and hh["content-type"] == "image/png"
    assert hh["content-disposition"].startswith("attachment;") and hh["x-content-type-options"] == "nosniff"

    # Take it.
    st, h, _ = b.post("/agent/demandes/%s/prendre" % ref, {})
    assert st == 303 and h["Location"].endswith("?fait=prise"), st
    assert db_rows(s, "SELECT status, assigned_agent FROM contact_requests WHERE reference = ?",
                   ref)[0] == ("in_progress", agent_id)
    st, _, page = b.get("/agent/demandes?etat=in_progress")
    assert ref in page and "À vous" in page
    # Answer: refused empty, then emailed and shown in Mes demandes, as text.
    st, _, page = b.post("/agent/demandes/%s/repondre" % ref, {"reponse": "  "})
    assert st == 400 and "Écrivez votre message." in page
    answer = "Votre prélèvement est rétabli. " + XSS + " \"ok\""
    st, h, _ = b.post("/agent/demandes/%s/repondre" % ref, {"reponse": answer})
    assert st == 303, st
    msg = box.wait(DEMO_EMAIL, "Réponse du service client")
    assert ref in str(msg["subject"])
    assert answer in mail_text(msg)
    assert "<script>" not in mail_html(msg) and "&lt;script&gt;" in mail_html(msg)
    assert "/mes-demandes" in mail_text(msg)
    st, _, page = sub.get("/mes-demandes/" + ref)
    assert "Service client" in page and "Votre prélèvement est rétabli." in page and "Répondue" in page
    assert "<script>alert" not in page
    # Answer the signed-out one: emailed to the typed address, link to /contact.
    assert b.post("/agent/demandes/%s/repondre" % ref2, {"reponse": "Voici."})[0] == 303
    msg = box.wait(email, ref2)
    assert "Voici." in mail_text(msg) and "/contact" in mail_text(msg)
    # Close.
    assert b.post("/agent/demandes/%s/clore" % ref, {})[0] == 303
    assert db_rows(s, "SELECT status FROM contact_requests WHERE reference = ?", ref)[0][0] == "closed"
    st, _, page = b.get("/agent/demandes/" + ref)
    assert "Cette demande est close." in page and "Envoyer la réponse" not in page
    st, _, page = b.post("/agent/demandes/%s/repondre" % ref, {"reponse": "Encore"})
    assert st == 400 and "Cette demande est close" in page
    # Every view and action audited with the agent's id.
    acts = audit_actions(s, ref)
    for want in ("contact.create:subscriber", "contact.view:agent", "contact.attachment:agent",
                 "contact.assign:agent", "contact.answer:agent", "contact.close:agent"):
        assert want in acts, (want, acts)
    assert db_rows(s, "SELECT count(DISTINCT actor_id) FROM audit_log WHERE target = ? AND actor_kind = 'agent'",
                   "request:" + ref)[0][0] == 1
    # Unknown references, bad actions, CSRF.
    assert b.get("/agent/demandes/D-2026-999999")[0] == 404
    assert b.post("/agent/demandes/D-2026-999999/clore", {})[0] == 404
    assert b.post("/agent/demandes/%s/supprimer" % ref2, {})[0] == 404
    assert b.post("/agent/demandes/%s/clore" % ref2, {}, csrf=False)[0] == 403
    # A subscriber never reaches the queue, an agent never reaches Mes demandes.
    st, h, _ = sub.get("/agent/demandes")
    assert st == 303 and h["Location"] == "/agent/connexion"
    st, h, _ = sub.get("/agent/demandes/" + ref)
    assert st == 303
    st, h, _ = b.get("/mes-demandes")
    assert st == 303 and h["Location"] == "/connexion"
