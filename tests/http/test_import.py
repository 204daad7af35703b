"""CLI tests of `robinet import DIR` against the real binary, each with a
fresh database: the example folder, BOM/CRLF/separators/accents, every
kind of rejection with its report line and exit status, all or nothing
per file, idempotence (a full dump compared), updates, provenance, the
audit log, and a run killed with kill -9 half-way through a large file."""
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

import dbx
from harness import ARGS, test, run_cli

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "docs", "examples", "import")
KEY = "ab" * 32
ENV = {"ROBINET_DATA_KEY": KEY}
# Tables whose rows an import must leave exactly as they were.
# The notices' rows (SQLite, migration 0031) tell servers what changed:
# bookkeeping too.
BOOKKEEPING = ("import_batches", "audit_log", "schema_migrations", "rb_notices")


def new_db():
    d = tempfile.mkdtemp(prefix="robinet-import-")
    db = dbx.new_db(path=os.path.join(d, "robinet.db"))
    rc, out, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0, err
    return d, db


def folder(base, files):
    """Writes files {name: str or bytes} into a new folder under base."""
    d = tempfile.mkdtemp(prefix="in-", dir=base)
    for name, content in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return d


def run_import(db, d, report, *extra, env=ENV):
    return run_cli("import", d, "--db", dbx.url(db), "--report", report, *extra, env=env)


def dump(db, skip=BOOKKEEPING):
    """Every row of every table but the bookkeeping ones, ids included."""
    con = dbx.connect(db)
    out = {}
    for name in dbx.tables(db):
        if name in skip:
            continue
        out[name] = con.execute("SELECT * FROM \"%s\" ORDER BY 1" % name).fetchall()
    con.close()
    return out


def query(db, sql, *args):
    con = dbx.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def rejections(report):
    """The rejection lines of a report, as (file, line, column, reason)."""
    import csv
    with open(report, encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter=";") if r and not r[0].startswith("#")]
    assert rows[0] == ["file", "line", "column", "reason"], rows[0]
    return [tuple(r) for r in rows[1:]]


def summary(report):
    """{file: (status, rows, inserted, updated, unchanged, rejected)}."""
    out = {}
    with open(report, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# ") and line.count(";") == 6:
                p = line[2:].rstrip("\n").split(";")
                if p[0] != "file":
                    out[p[0]] = (p[1],) + tuple(int(x) for x in p[2:])
    return out


def copy_example(base):
    d = tempfile.mkdtemp(prefix="ex-", dir=base)
    for name in os.listdir(EXAMPLE):
        if name.endswith(".csv"):
            shutil.copy(os.path.join(EXAMPLE, name), d)
    return d


# ------------------------------------------------------------ clean runs

@test
def import_example_folder_then_again_changes_nothing(s):
    base, db = new_db()
    rpt = os.path.join(base, "r1.csv")
    rc, out, err = run_import(db, EXAMPLE, rpt)
    assert rc == 0, (rc, out, err)
    assert err == "", err
    sm = summary(rpt)
    assert sm["contracts.csv"] == ("imported", 4, 4, 0, 0, 0), sm
    assert sm["invoice_lines.csv"] == ("imported", 29, 29, 0, 0, 0), sm
    assert sm["total"][0] == "ok", sm
    assert rejections(rpt) == []
    assert "contracts.csv" in out and "rapport" in out, out
    before = dump(db)
    # Second run: every row unchanged, the data identical.
    rpt2 = os.path.join(base, "r2.csv")
    rc, out, err = run_import(db, EXAMPLE, rpt2)
    assert rc == 0, (rc, err)
    sm = summary(rpt2)
    for name, row in sm.items():
        if name != "total":
            assert row[0] == "imported" and row[2] == row[3] == 0 and row[4] == row[1], (name, row)
    assert dump(db) == before, "second import changed data"
    # Both runs are recorded: batches and one audit entry each.
    assert query(db, "SELECT id, status, rows_inserted, rows_unchanged FROM import_batches "
                 "ORDER BY id") == [(1, "ok", 68, 0), (2, "ok", 0, 68)]
    audit = query(db, "SELECT actor_kind, target, detail FROM audit_log WHERE action = "
                  "'import.run' ORDER BY id")
    assert [a[:2] for a in audit] == [("system", "import:1"), ("system", "import:2")], audit
    assert '"inserted": 68' in audit[0][2] or '"inserted":68' in audit[0][2], audit[0][2]


@test
def import_example_rows_keep_values_and_provenance(s):
    base, db = new_db()
    rc, out, err = run_import(db, EXAMPLE, os.path.join(base, "r.csv"), "--source",
                              "former_operator")
    assert rc == 0, err
    c = query(db, "SELECT number, old_number, origin, service_commune, start_date, end_date, "
              "can_create_account, direct_debit, paperless, src_system, src_batch, src_file, "
              "src_line FROM contracts WHERE number = '1000000002'")
    assert c == [("1000000002", None, "new", "Villeneuve-d'Ascq", "2024-02-01", None, 1, 1, 1,
                  "former_operator", "1", "contracts.csv", 3)], c
    cu = query(db, "SELECT ref, first_name, address_line2, country FROM customers "
               "WHERE ref = 'C0000003'")
    assert cu == [("C0000003", "Gérard", "Bâtiment B, 2e étage", "FR")], cu
    inv = query(db, "SELECT i.contract_number, i.archived, i.total_cents, c.number "
                "FROM invoices i JOIN contracts c ON c.id = i.contract_id "
                "WHERE i.number = 'E230012345'")
    assert inv == [("1234560A", 1, 15837, "1000000001")], inv
    assert query(db, "SELECT count(*) FROM meters WHERE remote_read = 1") == [(1,)]
    # The IBAN is stored encrypted, its last four in clear.
    m = query(db, "SELECT iban_enc, iban_last4, holder FROM sepa_mandates")
    assert len(m) == 1 and m[0][1] == "0189" and m[0][2] == "LEFEBVRE Martine", m
    assert "3000" not in m[0][0] and "FR76" not in m[0][0], "IBAN stored in clear"
    lg = query(db, "SELECT hash, migrated_at FROM legacy_credentials "
               "WHERE old_customer_id = '1234567A'")
    assert lg[0][0].startswith("$6$SelDeMer2023abcd$") and lg[0][1] is None, lg


@test
def import_bom_crlf_commas_quotes_and_accents_are_read(s):
    base, db = new_db()
    text = ("ref,last_name,first_name,address_line1,address_line2,postcode,commune\r\n"
            "C1,Lefèvre,Zoé,\"3, place de l'Église\",,59000,Lille\r\n"
            "C2,\"Dupont \"\"Jr\"\"\",Ève,\"12 rue, bât. 2\",,59100,Roubaix\r\n"
            "\r\n"
            "C3,Œuvray,Ångström,1 quai,,59800,Lille\r\n")
    d = folder(base, {"customers.csv": b"\xef\xbb\xbf" + text.encode("utf-8")})
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 0, (rc, err, open(rpt).read())
    rows = query(db, "SELECT ref, last_name, first_name, address_line1, src_line "
                 "FROM customers ORDER BY ref")
    assert rows == [("C1", "Lefèvre", "Zoé", "3, place de l'Église", 2),
                    ("C2", 'Dupont "Jr"', "Ève", "12 rue, bât. 2", 3),
                    ("C3", "Œuvray", "Ångström", "1 quai", 5)], rows
    # A quoted field over two lines: the record is reported at the line
    # where it starts and later lines keep their physical numbers.
    d3 = folder(base, {"customers.csv":
                       "ref,last_name,address_line1,postcode,commune\r\n"
                       "C5,Nom,\"12 rue\r\nsur deux lignes\",59000,Lille\r\n"
                       "C6,Nom,1 rue,5900,Lille\r\n"})
    rc, out, err = run_import(db, d3, rpt)
    assert rc == 1
    assert rejections(rpt) == [
        ("customers.csv", "2", "address_line1", "caractère de contrôle interdit (0x0D)"),
        ("customers.csv", "4", "postcode", "code postal invalide « 5900 » (5 chiffres)"),
    ], rejections(rpt)
    # Semicolons and LF, no BOM, columns in another order.
    d2 = folder(base, {"customers.csv": "commune;postcode;address_line1;last_name;ref\n"
                       "Lille;59000;2 rue;Müller;C4\n"})
    rc, out, err = run_import(db, d2, rpt)
    assert rc == 0, err
    assert query(db, "SELECT last_name, src_line FROM customers WHERE ref = 'C4'") == \
        [("Müller", 2)]


# ------------------------------------------------------------ rejections

CUSTOMERS = ("ref;title;last_name;first_name;address_line1;postcode;commune\n"
             "C0001;Mme;Martin;Léa;1 rue A;59000;Lille\n"
             "C0002;M.;Petit;Jean;2 rue B;59000;Lille\n")
CONTRACTS = ("number;origin;customer_ref;service_address;service_postcode;service_commune;"
             "start_date\n"
             "1000000001;new;C0001;1 rue A;59000;Lille;2024-01-01\n"
             "1000000002;new;C0002;2 rue B;59000;Lille;2024-01-01\n")


@test
def import_rejected_rows_are_reported_and_their_files_rolled_back(s):
    base, db = new_db()
    d = folder(base, {
        "customers.csv": CUSTOMERS,
        "contracts.csv": CONTRACTS,
        # line 3: serial missing
        "meters.csv": "serial;contract_number;installed_on\n"
                      "I21BA000001;1000000001;2021-09-14\n"
                      ";1000000002;2021-09-14\n",
        # line 3: impossible date; line 4: unknown meter
        "readings.csv": "meter_serial;read_on;index_litres;source\n"
                        "I21BA000001;2023-01-31;100;actual\n"
                        "I21BA000001;2023-02-30;200;actual\n"
                        "I99ZZ999999;2023-03-01;300;actual\n",
        # line 2: bad IBAN (check digits)
        "sepa_mandates.csv": "rum;contract_number;holder;iban;signed_on;status\n"
                             "RUM-1;1000000001;MARTIN Lea;FR76 3000 6000 0112 3456 7890 188;"
                             "2024-01-02;active\n"
                             "RUM-2;1000000002;PETIT Jean;FR7630006000011234567890189;"
                             "2024-01-02;active\n",
    })
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1, (rc, out, err)
    rej = rejections(rpt)
    expected = [
        ("meters.csv", "3", "serial", "numéro de compteur manquant"),
        ("readings.csv", "2", "meter_serial", "compteur I21BA000001 inconnu"),
        ("readings.csv", "3", "read_on", "date impossible 2023-02-30"),
        ("readings.csv", "3", "meter_serial", "compteur I21BA000001 inconnu"),
        ("readings.csv", "4", "meter_serial", "compteur I99ZZ999999 inconnu"),
        ("sepa_mandates.csv", "2", "iban", "IBAN invalide"),
    ]
    assert rej == expected, rej
    # The same lines on stderr.
    for r in expected:
        assert ";".join(r) in err, (r, err)
    sm = summary(rpt)
    assert sm["customers.csv"] == ("imported", 2, 2, 0, 0, 0), sm
    assert sm["contracts.csv"] == ("imported", 2, 2, 0, 0, 0), sm
    # All or nothing: the valid meter and mandate were not kept.
    assert sm["meters.csv"] == ("rolled_back", 2, 0, 0, 0, 1), sm
    assert sm["sepa_mandates.csv"] == ("rolled_back", 2, 0, 0, 0, 1), sm
    assert sm["readings.csv"][0] == "rolled_back", sm
    assert sm["tariffs.csv"][0] == "absent", sm
    assert sm["total"][0] == "rejected", sm
    assert query(db, "SELECT count(*) FROM meters") == [(0,)]
    assert query(db, "SELECT count(*) FROM sepa_mandates") == [(0,)]
    assert query(db, "SELECT count(*) FROM contracts") == [(2,)]
    assert query(db, "SELECT status, rows_rejected FROM import_batches") == [("rejected", 5)]


@test
def import_duplicate_row_and_missing_reference_are_rejected(s):
    base, db = new_db()
    d = folder(base, {
        "customers.csv": CUSTOMERS + "C0001;Mme;Martin;Léa;1 rue A;59000;Lille\n",
        "contracts.csv": CONTRACTS,
    })
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1, (rc, err)
    assert rejections(rpt) == [
        ("customers.csv", "4", "", "ligne en double (déjà vue ligne 2)"),
        ("contracts.csv", "2", "customer_ref", "client C0001 inconnu"),
        ("contracts.csv", "3", "customer_ref", "client C0002 inconnu"),
    ], rejections(rpt)
    assert query(db, "SELECT count(*) FROM customers") == [(0,)]
    # Fixed, the same folder imports; a duplicate of an unchanged row is
    # still a duplicate on the next run.
    d2 = folder(base, {"customers.csv": CUSTOMERS, "contracts.csv": CONTRACTS})
    rc, out, err = run_import(db, d2, rpt)
    assert rc == 0, err
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1
    assert rejections(rpt)[0] == ("customers.csv", "4", "", "ligne en double (déjà vue ligne 2)")


@test
def import_invoice_and_column_rules_give_french_reasons(s):
    base, db = new_db()
    d = folder(base, {
        "customers.csv": CUSTOMERS,
        "contracts.csv": CONTRACTS + "123;new;C0001;x;5900;Lille;2024-13-01\n",
        "invoices.csv":
            "number;contract_number;period_start;period_end;amount_excl_tax_cents;vat_cents;"
            "total_cents;issued_on;due_on;status\n"
            "FA2024-000001;1000000001;2024-01-01;2024-05-31;1000;55;1056;2024-06-04;2024-06-25;"
            "paid\n"
            "FA2024-000002;1000000001;2024-01-01;2024-05-31;12,5;55;1055;2024-06-04;2024-06-25;"
            "payée\n",
    })
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1
    rej = rejections(rpt)
    assert ("contracts.csv", "4", "number",
            "numéro de contrat invalide « 123 » (10 chiffres attendus)") in rej, rej
    assert ("contracts.csv", "4", "service_postcode",
            "code postal invalide « 5900 » (5 chiffres)") in rej, rej
    assert ("contracts.csv", "4", "start_date", "date impossible 2024-13-01") in rej, rej
    assert ("invoices.csv", "2", "total_cents",
            "total 1056 différent de HT 1000 + TVA 55") in rej, rej
    assert ("invoices.csv", "3", "amount_excl_tax_cents",
            "nombre entier attendu, pas « 12,5 »") in rej, rej
    assert any(r[:3] == ("invoices.csv", "3", "status") and "payée" in r[3] for r in rej), rej


@test
def import_header_problems_and_unknown_files_reject_the_file(s):
    base, db = new_db()
    d = folder(base, {
        "customers.csv": "ref;first_name;address_line1;postcode;commune\nC1;A;1 rue;59000;X\n",
        "clients.csv": "ref\nC1\n",
        "meters.csv": "serial;contract_number;installed_on;colour\n",
        "README.txt": "not a CSV: ignored",
    })
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1, (rc, err)
    rej = rejections(rpt)
    assert rej[0][:3] == ("clients.csv", "", ""), rej
    assert "fichier inconnu" in rej[0][3], rej
    assert ("customers.csv", "1", "last_name",
            "colonne obligatoire last_name absente de l'en-tête") in rej, rej
    assert ("meters.csv", "1", "colour", "colonne inconnue « colour »") in rej, rej
    assert summary(rpt)["clients.csv"][0] == "unknown"


@test
def import_bad_utf8_and_bad_quotes_are_reported_precisely(s):
    base, db = new_db()
    d = folder(base, {"customers.csv": b"ref;last_name;address_line1;postcode;commune\n"
                                       b"C1;Lef\xe9vre;1 rue;59000;Lille\n"
                                       b"C2;Ok;2 rue;59000;Lille\n"})
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1
    assert rejections(rpt) == [("customers.csv", "2", "last_name",
                                "UTF-8 invalide (octet 0xE9 à la position 4)")], rejections(rpt)
    d = folder(base, {"customers.csv": "ref;last_name;address_line1;postcode;commune\n"
                                       "C1;Le\"ok;1 rue;59000;Lille\n"})
    rc, out, err = run_import(db, d, rpt)
    assert rc == 1
    rej = rejections(rpt)
    assert rej[0][:3] == ("customers.csv", "2", "") and "guillemet" in rej[0][3], rej
    assert query(db, "SELECT count(*) FROM customers") == [(0,)]


@test
def import_usage_errors_exit_2(s):
    base, db = new_db()
    rc, out, err = run_cli("import", "--db", dbx.url(db))
    assert rc == 2 and "dossier manquant" in err, (rc, err)
    rc, out, err = run_cli("import", os.path.join(base, "nope"), "--db", dbx.url(db))
    assert rc == 2 and "illisible" in err, (rc, err)
    rc, out, err = run_cli("import", EXAMPLE, "--db", dbx.url(db), "--source", "other")
    assert rc == 2 and "source inconnue" in err, (rc, err)
    rc, out, err = run_import(db, EXAMPLE, os.path.join(base, "no", "dir", "r.csv"))
    assert rc == 2 and "rapport" in err, (rc, err)
    # Without data_key, mandates cannot be stored: that file is rejected.
    rpt = os.path.join(base, "r.csv")
    rc, out, err = run_import(db, EXAMPLE, rpt, env={"ROBINET_DATA_KEY": ""})
    assert rc == 1, (rc, err)
    assert rejections(rpt)[0][:2] == ("sepa_mandates.csv", ""), rejections(rpt)


@test
def import_default_report_is_next_to_the_folder(s):
    base, db = new_db()
    d = copy_example(base)
    rc, out, err = run_cli("import", d, "--db", dbx.url(db), env=ENV)
    assert rc == 0, err
    assert os.path.exists(d + ".import-1.csv"), os.listdir(base)
    assert not any(n.endswith(".import-1.csv") for n in os.listdir(d))


# ------------------------------------------------------------ updates

@test
def import_changed_row_updates_its_record(s):
    base, db = new_db()
    d = copy_example(base)
    rc, out, err = run_import(db, d, os.path.join(base, "r1.csv"))
    assert rc == 0, err
    before = dump(db)
    path = os.path.join(d, "customers.csv")
    text = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(text.replace("59200;Tourcoing", "59200;Mouvaux"))
    path = os.path.join(d, "sepa_mandates.csv")
    text = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(text.replace("LEFEBVRE Martine", "LEFEBVRE M."))
    rpt = os.path.join(base, "r2.csv")
    rc, out, err = run_import(db, d, rpt)
    assert rc == 0, err
    sm = summary(rpt)
    assert sm["customers.csv"] == ("imported", 3, 0, 1, 2, 0), sm
    assert sm["sepa_mandates.csv"] == ("imported", 1, 0, 1, 0, 0), sm
    assert sm["contracts.csv"] == ("imported", 4, 0, 0, 4, 0), sm
    after = dump(db)
    assert query(db, "SELECT commune, src_batch, src_line FROM customers "
                 "WHERE ref = 'C0000004'") == [("Mouvaux", "2", 4)]
    # Only those two rows changed; an unchanged IBAN keeps its ciphertext.
    changed = [t for t in before if before[t] != after[t]]
    assert sorted(changed) == ["customers", "sepa_mandates"], changed
    assert before["sepa_mandates"][0][4] == after["sepa_mandates"][0][4], "IBAN resealed"


# ------------------------------------------------------------ kill -9

def writer_busy(db):
    """True when another connection is inside a transaction that wrote to
    the database: on SQLite it holds the write lock (a probe cannot take
    it at once); on PostgreSQL its backend has a transaction id."""
    if dbx.PG:
        con = dbx.connect(db)
        try:
            return con.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                               " current_database() AND backend_xid IS NOT NULL"
                               " AND pid <> pg_backend_pid()").fetchone()[0] > 0
        finally:
            con.close()
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


@test
def import_kill_9_half_way_leaves_the_database_as_before(s):
    base, db = new_db()
    rc, out, err = run_import(db, EXAMPLE, os.path.join(base, "r0.csv"))
    assert rc == 0, err
    # Row by row on PostgreSQL is slower: fewer rows, still seconds of work.
    n = 20000 if dbx.PG else 40000 if ARGS.sanitized else 120000
    lines = ["ref;last_name;first_name;address_line1;postcode;commune"]
    for i in range(n):
        lines.append("B%07d;Nom%d;Prénom;%d rue du Test;59000;Lille" % (i, i, i))
    # The example's customers too, changed: updates would happen.
    lines.append("C0000001;Autre;Nom;1 rue;59000;Lille")
    big = folder(base, {"customers.csv": "\n".join(lines) + "\n"})
    # Time a full run on a copy, then kill a real one half-way.
    scratch = dbx.new_db(db, path=os.path.join(base, "scratch.db"))
    t0 = time.time()
    rc, out, err = run_import(scratch, big, os.path.join(base, "rs.csv"))
    full = time.time() - t0
    assert rc == 0, err
    before = dump(db)
    batches = query(db, "SELECT count(*) FROM import_batches")[0][0]
    e = dict(os.environ)
    e.update(ENV)
    p = subprocess.Popen([ARGS.bin, "import", big, "--db", dbx.url(db), "--report",
                          os.path.join(base, "rk.csv")], env=e,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill it inside the file's transaction (commit comes only at the end
    # of the file): a writer seen busy (the write lock on SQLite, a
    # transaction id on PostgreSQL) proves it is inside; then let it write
    # for a quarter of a full run's time before the kill. Polled from the
    # start, not after a fixed sleep: on a loaded machine the timed run
    # and this one may differ by more than half.
    while not writer_busy(db):
        assert p.poll() is None, "import finished before it was seen writing (%.2f s)" % full
        time.sleep(0.005)
    time.sleep(min(full / 4, 1.0))
    assert p.poll() is None, "import finished before the kill (%.2f s)" % full
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert dump(db) == before, "a killed import changed the data"
    # The batch stays visible as never finished.
    assert query(db, "SELECT status, finished_at FROM import_batches WHERE id > ?",
                 batches) == [("running", None)]
    # Running it again completes it.
    rc, out, err = run_import(db, big, os.path.join(base, "r3.csv"))
    assert rc == 0, err
    assert query(db, "SELECT count(*) FROM customers")[0][0] == n + 3
    dbx.drop(scratch)
