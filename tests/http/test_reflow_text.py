"""Tables that must not break apart in an 80-column text browser (issue 11):
the subscriber's /mes-factures (current and archived) and /mes-donnees,
as served, dumped through `w3m -dump -cols 80`. No line is wider than 80
columns, and each bill's key facts (number, amount, status) and its due
date, and each data category's count, read on one line each. w3m is
installed by scripts/bootstrap --test."""

import html
import re
import shutil
import subprocess
import unicodedata

import dbx
from harness import test
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD


def w3m_dump(page):
    """The page as w3m shows it in 80 columns, one string per line."""
    assert shutil.which("w3m"), "w3m is missing: scripts/bootstrap --test installs it"
    r = subprocess.run(["w3m", "-dump", "-cols", "80", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8"],
                       input=page.encode(), capture_output=True, check=True, timeout=60)
    return r.stdout.decode("utf-8").replace("\u00a0", " ").splitlines()


def columns(line):
    """Terminal columns of a line (wide characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def too_wide(lines):
    return [(columns(l), l) for l in lines if columns(l) > 80]


def signed_in(s):
    b = Browser(s)
    st, _, _ = b.signin(DEMO_EMAIL, DEMO_PASSWORD)
    assert st == 303, st
    return b


def bills(s, archived):
    con = dbx.connect(s.db)
    rows = con.execute(
        "SELECT i.number, i.total_cents, i.due_on FROM invoices i JOIN account_contracts ac ON ac.contract_id = i.contract_id"
        " JOIN web_accounts a ON a.id = ac.account_id WHERE a.email_norm = ? AND i.archived = ?",
        (DEMO_EMAIL, archived)).fetchall()
    con.close()
    return rows


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def fr_date(iso):
    y, m, d = (int(x) for x in iso.split("-"))
    return "%s %s %d" % ("1er" if d == 1 else str(d), MONTHS[m - 1], y)


STATUS = r"(Payée|À payer|En retard|Prélèvement programmé|Annulée)"


def euros(cents):
    s = "%d,%02d €" % (cents // 100, cents % 100)
    return re.sub(r"(\d)(\d{3}),", r"\1 \2,", s)


@test
def bills_list_reads_on_80_columns_in_w3m(s):
    b = signed_in(s)
    for path, archived in (("/mes-factures", 0), ("/mes-factures?archives=1", 1)):
        st, _, page = b.get(path)
        assert st == 200, (path, st)
        lines = w3m_dump(page)
        assert not too_wide(lines), (path, too_wide(lines))
        want = bills(s, archived)
        assert len(want) >= 4, want
        for number, cents, due in want:
            # Number, amount and status on one line.
            head = [l for l in lines if re.search(r"\b%s\b" % number, l) and euros(cents) in l
                    and re.search(STATUS, l)]
            assert len(head) == 1, (path, number, euros(cents), head)
            # The due date whole on one line, in the lines of that bill.
            i = lines.index(head[0])
            assert any(fr_date(due) in l for l in lines[i:i + 4]), (path, fr_date(due), lines[i:i + 4])


@test
def personal_data_page_reads_on_80_columns_in_w3m(s):
    b = signed_in(s)
    st, _, page = b.get("/mes-donnees")
    assert st == 200, st
    lines = w3m_dump(page)
    assert not too_wide(lines), too_wide(lines)
    text = "\n".join(lines)
    # Each category: its name on a line, then its facts one per item, the
    # count of elements kept on one line.
    for label in re.findall(r"<h3>([^<]+)</h3>", page):
        name = html.unescape(label)
        assert name in lines, (name, text[:2000])
        i = lines.index(name)
        count = [l for l in lines[i:i + 20] if re.fullmatch(r"\s*• Éléments conservés : \d+", l)]
        assert count, (name, lines[i:i + 20])
    assert "Factures" in lines
