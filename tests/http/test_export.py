"""CLI tests of `robinet demo --export DIR` and its round trip through
`robinet import DIR` (docs/import-format.md): the demo dataset written as
CSV files, imported into an empty database, gives back the same rows;
a second import changes nothing; an export never goes into a non-empty
folder."""
import base64
import ctypes
import ctypes.util
import filecmp
import os
import tempfile

import dbx
from harness import run_cli, test

# The demo seals IBANs under this public key (src/demo/demo.h); the import
# needs it as data_key to seal them again.
DEMO_KEY = "64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"
IMPORT_ENV = {"ROBINET_DATA_KEY": DEMO_KEY}

FILES = ["tariffs.csv", "customers.csv", "contracts.csv", "meters.csv", "readings.csv",
         "invoices.csv", "invoice_lines.csv", "sepa_mandates.csv",
         "legacy_credentials.csv"]

# The imported tables, and what a reference column stands for: the
# natural key of the row it points to (ids differ between databases).
TABLES = ["tariffs", "customers", "contracts", "meters", "meter_readings", "invoices",
          "invoice_lines", "sepa_mandates", "legacy_credentials"]
REFS = {
    "customer_id": "(SELECT ref FROM customers WHERE id = t.customer_id)",
    "contract_id": "(SELECT number FROM contracts WHERE id = t.contract_id)",
    "meter_id": "(SELECT serial FROM meters WHERE id = t.meter_id)",
    "invoice_id": "(SELECT number FROM invoices WHERE id = t.invoice_id)",
}
# Written by every run of the import: not part of "the database is unchanged".
RUN_LOG = {"import_batches", "audit_log"}
TODAY = "2025-03-14"


def sodium():
    lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    assert lib.sodium_init() >= 0
    return lib


def open_iban(lib, enc):
    """The clear IBAN of iban_enc (base64 of nonce + secretbox), as the schema says."""
    raw = base64.b64decode(enc)
    nonce, box = raw[:24], raw[24:]
    out = ctypes.create_string_buffer(len(box))
    key = bytes.fromhex(DEMO_KEY)
    rc = lib.crypto_secretbox_open_easy(out, box, ctypes.c_ulonglong(len(box)), nonce, key)
    assert rc == 0, "an IBAN does not open with the demo key"
    return out.raw[:len(box) - 16].decode()


def table_rows(db, table, lib):
    """Every row of table: all columns but the id and the provenance, references
    as natural keys, IBANs in clear; sorted, so that order does not count."""
    con = dbx.connect(db)
    try:
        cols = dbx.columns(db, table)
        keep = [c for c in cols if c != "id" and not c.startswith("src_")]
        exprs = [REFS.get(c, "t." + c) for c in keep]
        rows = con.execute("SELECT %s FROM %s t" % (", ".join(exprs), table)).fetchall()
    finally:
        con.close()
    if table == "sepa_mandates":
        i = keep.index("iban_enc")
        rows = [r[:i] + (open_iban(lib, r[i]),) + r[i + 1:] for r in rows]
    return keep, sorted(rows, key=repr)


def dump(db, skip=()):
    """Every row of every table but those of skip, in order."""
    con = dbx.connect(db)
    try:
        return {t: con.execute('SELECT * FROM "%s" ORDER BY 1' % t).fetchall()
                for t in dbx.tables(db) if t not in skip}
    finally:
        con.close()


def count(db, sql):
    con = dbx.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def summary(report):
    """The '# file;status;rows;inserted;updated;unchanged;rejected' lines of a report."""
    out, rejections = {}, []
    with open(report, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# ") and line.count(";") == 6:
                name, *vals = line[2:].split(";")
                if name != "file":
                    out[name] = vals
            elif not line.startswith("#") and line != "file;line;column;reason":
                rejections.append(line)
    return out, rejections


def run_import(db, folder, report):
    return run_cli("import", folder, "--db", dbx.url(db), "--report", report,
                   env=IMPORT_ENV)


@test
def demo_export_round_trips_through_the_import(s):
    tmp = tempfile.mkdtemp(prefix="robinet-export-")
    demo_db = dbx.new_db(path=os.path.join(tmp, "demo.db"))
    folder = os.path.join(tmp, "csv")
    rc, out, err = run_cli("demo", "--db", dbx.url(demo_db), "--contracts", "60",
                           "--seed", "7", "--today", TODAY, "--export", folder)
    assert rc == 0, err
    assert sorted(os.listdir(folder)) == sorted(FILES), os.listdir(folder)
    for name in FILES:
        with open(os.path.join(folder, name), "rb") as f:
            head = f.readline()
        assert head.endswith(b"\r\n") and b";" in head, (name, head)
        assert os.stat(os.path.join(folder, name)).st_mode & 0o077 == 0, name
    assert "readings.csv" in out and "exported" in out, out

    # Into an empty database.
    db = dbx.new_db(path=os.path.join(tmp, "imported.db"))
    rc, out, err = run_cli("migrate", "--db", dbx.url(db))
    assert rc == 0, err
    rc, out, err = run_import(db, folder, os.path.join(tmp, "first.csv"))
    assert rc == 0, "import exit %d: %s" % (rc, err[-2000:])
    files, rejections = summary(os.path.join(tmp, "first.csv"))
    assert rejections == [], rejections[:10]
    total = files.pop("total")
    assert total[0] == "ok", total
    assert sorted(files) == sorted(FILES), files
    for name, (status, rows, ins, upd, unch, rej) in files.items():
        assert status == "imported" and rows == ins and rej == "0", (name, files[name])
        assert int(rows) > 0, (name, "the demo exported no row")

    # Every imported table holds what the demo database holds.
    lib = sodium()
    for table in TABLES:
        cols, want = table_rows(demo_db, table, lib)
        cols2, got = table_rows(db, table, lib)
        assert cols == cols2, (table, cols, cols2)
        assert len(got) == len(want), (table, len(got), len(want))
        for a, b in zip(want, got):
            assert a == b, (table, cols, a, b)
    # The per-file row counts of the export are the tables' sizes.
    for name, table in zip(FILES, TABLES):
        assert int(files[name][1]) == count(demo_db, "SELECT count(*) FROM " + table), name

    # A second import of the same folder changes nothing.
    before = dump(db, skip=RUN_LOG)
    rc, out, err = run_import(db, folder, os.path.join(tmp, "second.csv"))
    assert rc == 0, "second import exit %d: %s" % (rc, err[-2000:])
    files2, rejections = summary(os.path.join(tmp, "second.csv"))
    assert rejections == [], rejections[:10]
    for name, (status, rows, ins, upd, unch, rej) in files2.items():
        assert (ins, upd, rej) == ("0", "0", "0") and unch == rows, (name, files2[name])
        assert rows == (files[name][1] if name != "total" else total[1]), name
    assert dump(db, skip=RUN_LOG) == before, "the second import changed the database"
    assert count(db, "SELECT count(*) FROM import_batches WHERE status = 'ok'") == 2
    assert count(db, "SELECT count(*) FROM audit_log WHERE action = 'import.run'") == 2


@test
def demo_export_without_db_is_deterministic_and_leaves_no_database(s):
    tmp = tempfile.mkdtemp(prefix="robinet-export-")
    scratch = os.path.join(tmp, "tmpdir")
    os.mkdir(scratch)
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b", "nested")
    for folder in (a, b):
        rc, out, err = run_cli("demo", "--contracts", "60", "--seed", "7",
                               "--today", TODAY, "--export", folder,
                               env={"TMPDIR": scratch})
        assert rc == 0, err
    # Its temporary database is gone.
    assert os.listdir(scratch) == [], os.listdir(scratch)
    match, mismatch, errors = filecmp.cmpfiles(a, b, FILES, shallow=False)
    assert mismatch == [] and errors == [], (mismatch, errors)


@test
def demo_export_refuses_a_non_empty_folder(s):
    tmp = tempfile.mkdtemp(prefix="robinet-export-")
    folder = os.path.join(tmp, "csv")
    os.mkdir(folder)
    with open(os.path.join(folder, "notes.txt"), "w") as f:
        f.write("keep me\n")
    db = os.path.join(tmp, "demo.db")
    rc, out, err = run_cli("demo", "--db", dbx.url(db), "--contracts", "60",
                           "--export", folder)
    assert rc != 0, "exported into a non-empty folder"
    assert "not empty" in err and folder in err, err
    assert os.listdir(folder) == ["notes.txt"], os.listdir(folder)
    assert not os.path.exists(db), "the demo ran before the folder was checked"
    # A file in the way is refused too.
    rc, out, err = run_cli("demo", "--db", dbx.url(db), "--export",
                           os.path.join(folder, "notes.txt"))
    assert rc != 0 and "not a folder" in err, err
