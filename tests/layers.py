#!/usr/bin/python3
"""Layering check of src/ (docs/architecture.md, "Layers"): arrows point
down, web -> app -> store/mail/docs/sepa -> base, so a file may include only
headers of its own folder and of the folders below it. Pages
(src/web/pages) reach storage only through src/app; the web server's own
plumbing may hold the connection pool (store/db.h) and nothing else of
storage. The top-level command files (src/*.c) wire everything and are
not checked. Prints TAP, one line per folder.

usage: tests/layers.py [SRCDIR]
"""
import os
import re
import sys

# What each folder of src/ may include, besides itself.
BELOW = {
    "base": set(),
    "tmpl": {"base"},
    "docs": {"base"},
    "sepa": {"base"},                       # the SEPA bank files (libxml2)
    "store": {"base"},
    "mail": {"base", "tmpl", "store"},      # its outbox lives in storage
    "app": {"base", "docs", "mail", "sepa", "store"},
    "web": {"base", "tmpl", "app"},
    "demo": {"base", "store"},              # test data, beside the layers
    "sandbox": {"base", "app"},             # stand-in payment page, beside the layers (app/psp_lyra.h)
}
# Exact headers some files may include beyond their folder's rule, and why.
EXTRA = {
    "web/server.c": {"store/db.h"},     # takes the connection per request
    "web/session.c": {"store/db.h",     # the request's connection
                      "store/scope.h"}, # fills the request's scope
    "web/site.c": {"store/db.h"},       # opens and closes the pool
    "web/routes.c": {"store/db.h"},     # the read transaction of rt_read pages
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def check(src):
    results = []
    for folder in sorted(BELOW):
        bad = []
        seen = 0
        root = os.path.join(src, folder)
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, src)
                seen += 1
                text = open(path, encoding="utf-8", errors="replace").read()
                for inc in INCLUDE.findall(text):
                    if inc.startswith("../") or "/../" in inc:
                        bad.append("%s: %s (relative path)" % (rel, inc))
                        continue
                    if "/" not in inc:
                        continue        # a header of the same folder
                    top = inc.split("/", 1)[0]
                    if top == folder or top in BELOW[folder] or inc in EXTRA.get(rel, ()):
                        continue
                    bad.append("%s: %s" % (rel, inc))
        results.append((folder, seen, bad))
    return results


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src")
    results = check(src)
    print("1..%d" % len(results))
    failed = 0
    for n, (folder, seen, bad) in enumerate(results, 1):
        allowed = ", ".join(sorted(BELOW[folder])) or "nothing"
        if bad or seen == 0:
            failed += 1
            print("not ok %d - src/%s includes only itself and %s" % (n, folder, allowed))
            for b in bad or ["no source file found"]:
                print("# %s" % b)
        else:
            print("ok %d - src/%s includes only itself and %s (%d files)" % (n, folder, allowed, seen))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
