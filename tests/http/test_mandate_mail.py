"""HTTP tests of the mandate PDF sent with the mandate's email (issue 10):
signed online by the subscriber or re-established by an agent, the
notice received by the tests' SMTP server carries "mandat-SEPA-<RUM>.pdf",
a real PDF (read back with pdftotext: the RUM, the masked IBAN, never the
whole IBAN; markup in the holder's name shown as text), the link to
"Mes moyens de paiement" stays in the body, and markup in the
subscriber's name is text in the mail. Over the mail_attach_max_bytes
setting the notice goes without the file and the log says why."""
import html
import re
import subprocess
import tempfile
import time

import dbx
from harness import test, db_rows, agent_browser
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD, mailbox, mail_text, mail_html, smtp_env

PAGE = "/mes-moyens-de-paiement"
DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"
ENV = {"ROBINET_SEPA_CREDITOR_ID": "FR72ZZZ123456", "ROBINET_DATA_KEY": DEMO_KEY}
IBAN = "FR1420041010050500013M02606"
EVIL = '<b>Marie</b> "Dupont" & <i>fils</i>'


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def only_attachment(msg):
    files = list(msg.iter_attachments())
    assert len(files) == 1, [p.get_content_type() for p in files]
    part = files[0]
    assert part.get_content_disposition() == "attachment"
    assert part.get_content_type() == "application/pdf"
    return part.get_filename(), part.get_content()


def set_first_name(s, email, name):
    con = dbx.connect(s.db)
    con.execute("UPDATE web_accounts SET first_name = ? WHERE email_norm = ?", (name, email.lower()))
    con.commit()
    con.close()


def sign_online(s, box, holder):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303
    b.get(PAGE + "?contrat=1000000001")
    st, _, page = b.post(PAGE + "/mandat", {"contrat": "1000000001", "titulaire": holder,
                                            "iban": IBAN, "mot_de_passe": DEMO_PASSWORD})
    assert st == 200 and 'name="code"' in page, page[:2000]
    code = re.search(r"\b(\d{6})\b", mail_text(box.wait(DEMO_EMAIL, "code de signature"))).group(1)
    token = re.search(r'name="demande" value="([^"]+)"', page).group(1)
    st, h, page = b.post(PAGE + "/code", {"contrat": "1000000001", "demande": token, "code": code})
    assert st == 303, (st, page[:500])
    return b


def check_notice(msg, rum, last4, full_iban, holder):
    """The notice: link and text, the PDF attached with RUM and masked IBAN."""
    name, data = only_attachment(msg)
    text, body = mail_text(msg), mail_html(msg)
    assert rum in text and last4 in text and PAGE in text, text
    assert "joint à ce message" in text
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "&lt;script&gt;" not in text and "<script>" in text   # plain text is text
    assert name == "mandat-SEPA-%s.pdf" % rum, name
    assert data[:5] == b"%PDF-" and data.rstrip().endswith(b"%%EOF")
    words = pdf_text(data)
    assert rum in words, words
    assert "•••• •••• " + last4 in words or "•••• " + last4 in words, words
    assert full_iban.replace(" ", "") not in words.replace(" ", "")
    assert holder in words, words      # markup drawn as the characters typed
    return data


@test(env=smtp_env(ENV))
def mandate_signed_online_mails_its_pdf(s):
    box = mailbox()
    set_first_name(s, DEMO_EMAIL, "<script>alert(1)</script>")
    sign_online(s, box, EVIL)
    rum = db_rows(s, "SELECT m.rum FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id "
                     "WHERE c.number = '1000000001' AND m.status = 'active'")[0][0]
    msg = box.wait(DEMO_EMAIL, "mandat de prélèvement SEPA")
    check_notice(msg, rum, "2606", IBAN, EVIL)
    assert "depuis votre espace client" in mail_text(msg)
    # Once marked sent, the file leaves the database with the bodies.
    deadline = time.time() + 10
    while db_rows(s, "SELECT count(*) FROM mail_attachments")[0][0] != 0:
        assert time.time() < deadline, "the sent mandate PDF stays in mail_attachments"
        time.sleep(0.1)


@test(env=smtp_env(dict(ENV, ROBINET_MAIL_ATTACH_MAX_BYTES="1024")))
def mandate_pdf_over_the_cap_is_refused_and_said(s):
    box = mailbox()
    sign_online(s, box, "Marie Dupont")
    msg = box.wait(DEMO_EMAIL, "mandat de prélèvement SEPA")
    assert list(msg.iter_attachments()) == []
    text = mail_text(msg)
    assert "RBN-1000000001-01" in text and PAGE in text and "joint" not in text
    log = s.stderr()
    assert re.search(r"attachments total \d+ bytes, over the limit of 1024 \(mail_attach_max_bytes\)", log), \
        log[-2000:]
    assert "notice sent without its PDF" in log


@test(env=smtp_env(ENV))
def agent_reestablished_mandate_mails_its_pdf(s):
    box = mailbox()
    set_first_name(s, DEMO_EMAIL, "<script>alert(1)</script>")
    cid = db_rows(s, "SELECT customer_id FROM contracts WHERE number = '1000000001'")[0][0]
    b, _, _ = agent_browser(s)
    st, _, page = b.get("/agent/clients/%d" % cid)
    assert st == 200
    iban = "FR76 3000 6000 0112 3456 7890 189"
    holder = "<i>Martine</i> & \"Lefebvre\""
    st, _, page = b.post("/agent/clients/%d/prelevement" % cid,
                         {"contrat": "1000000001", "titulaire": holder, "iban": iban, "confirmer": "1"})
    assert st == 200, page[:1000]
    assert "son mandat en PDF" in html.unescape(page)
    rum = db_rows(s, "SELECT m.rum FROM sepa_mandates m JOIN contracts c ON c.id = m.contract_id "
                     "WHERE c.number = '1000000001' AND m.status = 'active'")[0][0]
    msg = box.wait(DEMO_EMAIL, "mandat de prélèvement")
    check_notice(msg, rum, "0189", iban, holder)
    # Said as it happened: customer service signed it, not the space.
    text = mail_text(msg)
    assert "par notre service client, à votre demande" in text, text
    assert "depuis votre espace client" not in text, text
