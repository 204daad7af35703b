#!/bin/sh
# Benchmark of the signed-in dashboard (/mon-espace) on the large demo
# dataset: robinet against nginx serving the very same bytes, with wrk.
#
#   bench/dashboard.sh
#
# Generates the demo database of CONTRACTS contracts once and keeps it
# in CACHE (a few GB for 400,000 contracts; a later run reuses it), then
# runs bench/http.sh on it: it signs in as the demo subscriber
# (demo@robinet.test, two contracts) and measures PAGE with the session
# cookie, against nginx serving the bytes of that page. Target: at least
# a third of nginx's throughput.
#
# Environment (defaults in brackets), plus those of bench/http.sh
# (THREADS, CONNS, DURATION, WARMUP, ROUNDS, ROBINET…):
#   CONTRACTS [400000]   size of the demo database
#   CACHE [var/bench]    where the database is kept between runs
#   PAGE [/mon-espace]   the page measured
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CONTRACTS=${CONTRACTS:-400000}
CACHE=${CACHE:-$root/var/bench}
ROBINET=${ROBINET:-$root/build/robinet}

. "$root/bench/lib.sh"

case $CONTRACTS in '' | *[!0-9]*) die "CONTRACTS must be a number" ;; esac
need_robinet "$ROBINET"
mkdir -p "$CACHE" || die "cannot create $CACHE"
db=$CACHE/demo-$CONTRACTS.db
# A database from an older binary may miss migrations: migrate brings it
# up to date (and does nothing on a current one).
# "$db.done" marks a complete generation: a database without it (an
# interrupted run) is made again.
if [ -f "$db" ] && [ -f "$db.done" ]; then
	"$ROBINET" migrate --db "sqlite:$db" >/dev/null 2>&1 || die "robinet migrate failed on $db"
else
	rm -f "$db" "$db-wal" "$db-shm" "$db.done"
	echo "bench: generating the demo database of $CONTRACTS contracts in $db (minutes)" >&2
	start=$(date +%s)
	"$ROBINET" demo --db "sqlite:$db" --contracts "$CONTRACTS" >"$CACHE/demo.log" 2>&1 || {
		tail -n 20 "$CACHE/demo.log" >&2
		die "robinet demo failed"
	}
	touch "$db.done"
	echo "bench: generated in $(($(date +%s) - start)) s" >&2
fi
echo "bench: $(du -h "$db" | cut -f1) database, $CONTRACTS contracts" >&2

DB=$db SIGNIN=demo@robinet.test:eau-potable-2024 PAGE=${PAGE:-/mon-espace} \
	TARGET=${TARGET:-0.333} ROBINET=$ROBINET exec "$root/bench/http.sh"
