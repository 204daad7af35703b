#!/bin/sh
# Customer search benchmark: the agents' search box (rb_agent_search(),
# app/agentdesk.h) against a bare sqlite3 query on the same index, on
# the 400,000-contract demo database.
#
#   bench/agent_search.sh
#
# Generates the demo database of CONTRACTS contracts once and keeps it
# in CACHE (shared with bench/dashboard.sh; a later run only applies
# pending migrations, which write the name keys of the search), then
# compiles bench/agent_search.c against the libraries of the build
# directory and runs it: for each kind of search (a name prefix, a full
# name, an email, a contract number new and old, a meter, an invoice,
# the last four characters of an IBAN, a postal code), with a query
# picked from the database, the median time of ROUNDS searches of
# robinet (the shape read, the count and the 50 hits as JSON) and of
# the reference (the count and the 50 rows by the sqlite3 C API,
# statements prepared once), and their ratio. The target, from the
# issue: well under a second; each line says milliseconds.
#
# Environment (defaults in brackets):
#   CONTRACTS [400000]  CACHE [var/bench]  ROUNDS [50]
#   BUILD [build]       CC [cc]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CONTRACTS=${CONTRACTS:-400000}
CACHE=${CACHE:-$root/var/bench}
ROUNDS=${ROUNDS:-50}
BUILD=${BUILD:-$root/build}
CC=${CC:-cc}
ROBINET=$BUILD/robinet

. "$root/bench/lib.sh"

case $CONTRACTS in '' | *[!0-9]*) die "CONTRACTS must be a number" ;; esac
need_robinet "$ROBINET"
mkdir -p "$CACHE" || die "cannot create $CACHE"
db=$CACHE/demo-$CONTRACTS.db
if [ -f "$db" ] && [ -f "$db.done" ]; then
	"$ROBINET" migrate --db "sqlite:$db" >/dev/null 2>&1 || die "robinet migrate failed on $db"
else
	rm -f "$db" "$db-wal" "$db-shm" "$db.done"
	echo "bench: generating the demo database of $CONTRACTS contracts in $db (minutes)" >&2
	"$ROBINET" demo --db "sqlite:$db" --contracts "$CONTRACTS" >"$CACHE/demo.log" 2>&1 || {
		tail -n 20 "$CACHE/demo.log" >&2
		die "robinet demo failed"
	}
	touch "$db.done"
fi
echo "bench: $(du -h "$db" | cut -f1) database, $CONTRACTS contracts" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench-search.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
libs=""
for l in app mail docs sepa store base; do
	libs="$libs $BUILD/src/$l/librb_$l.a"
done
# shellcheck disable=SC2046,SC2086
$CC -O2 -I"$root/src" -o "$work/agent_search" "$root/bench/agent_search.c" \
	$libs $(pkg-config --cflags --libs jansson sqlite3 libsodium libcurl \
	libxml-2.0 pangocairo) -lunistring -lcrypt -lcsv -lm -lpthread ||
	die "cannot compile bench/agent_search.c"
ROBINET_LOG_LEVEL=warn "$work/agent_search" "$db" "$ROUNDS"
