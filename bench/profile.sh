#!/bin/sh
# bench/profile.sh: instructions per request of each page, counted by
# valgrind's callgrind on a running `robinet serve` (every thread: the
# front gate, libmicrohttpd, the page, SQLite, the log line).
#
#   bench/profile.sh                      # the pages of PAGES on DB
#   N=50 PAGES="/ /mon-espace" bench/profile.sh
#
# Instruction counts do not depend on the machine's load (wall-clock
# benches on a shared machine do), which makes them the figure to compare
# between two builds. The server runs under callgrind with instrumentation off;
# for each page the script signs in once (when SIGNIN is set), sends WARM
# uncounted requests (statement cache, page cache, the home page cache),
# then turns instrumentation on, zeroes the counts, sends N requests on one keep-alive
# connection, dumps the counts and turns instrumentation off again. It prints
# the instructions per request of each page and keeps the dumps in OUT
# (callgrind_annotate OUT/callgrind.out.PID.K shows where they went).
#
# Environment (defaults in brackets):
#   DB [var/bench/demo-400000.db]  the SQLite database, or a postgresql://
#                        URL of a database `robinet demo --db URL` filled (bench/dashboard.sh
#                        makes it; any demo database will do)
#   PAGES [/ /mon-espace /mes-factures /ma-consommation /mon-compte
#          /mes-demandes /mon-index /mes-coordonnees /mes-moyens-de-paiement
#          /confidentialite]
#   SIGNIN [demo@robinet.test:eau-potable-2024]  "" measures anonymously
#   N [100] WARM [5]     counted and uncounted requests per page
#   OUT [a new temporary folder]  where the dumps are kept
#   ROBINET [build/robinet]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"

DB=${DB:-$root/var/bench/demo-400000.db}
PAGES=${PAGES:-"/ /mon-espace /mes-factures /ma-consommation /mon-compte /mes-demandes /mon-index /mes-coordonnees /mes-moyens-de-paiement /confidentialite"}
SIGNIN=${SIGNIN-demo@robinet.test:eau-potable-2024}
N=${N:-100}
WARM=${WARM:-5}
ROBINET=${ROBINET:-$root/build/robinet}
PYTHON=${PYTHON:-/usr/bin/python3}

for tool in valgrind callgrind_control callgrind_annotate curl "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install valgrind)"
done
case $N$WARM in *[!0-9]*) die "N and WARM must be numbers" ;; esac
case $DB in
postgresql://*) dburl=$DB ;; # a PostgreSQL database filled by `robinet demo --db URL`
*) [ -f "$DB" ] || die "no database $DB (bench/dashboard.sh makes one)"; dburl=sqlite:$DB ;;
esac
need_robinet "$ROBINET"
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/robinet-profile.XXXXXX")}
mkdir -p "$OUT"

pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

port=$(free_port)
# seccomp off: valgrind makes system calls of its own.
ROBINET_SECCOMP=off valgrind --tool=callgrind --instr-atstart=no \
	--callgrind-out-file="$OUT/callgrind.out.%p" \
	"$ROBINET" serve --db "$dburl" --listen "127.0.0.1:$port" \
	>"$OUT/server.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
i=0
until curl -s -o /dev/null --max-time 5 "$base/confidentialite"; do
	kill -0 "$pid" 2>/dev/null || { tail -n 20 "$OUT/server.log" >&2; die "the server did not start"; }
	i=$((i + 1))
	[ $i -lt 600 ] || die "the server did not answer in 60 s"
	sleep 0.1
done
# valgrind's pid is the server's: callgrind_control finds it by pid.
cookie=""
if [ -n "$SIGNIN" ]; then
	cookie=$("$PYTHON" "$root/bench/signin-cookie.py" "$base" "${SIGNIN%%:*}" \
		"${SIGNIN#*:}") || die "cannot sign in as ${SIGNIN%%:*}"
fi

# get PATH COUNT: COUNT GETs of PATH on one keep-alive connection (the
# session cookie, if any); prints the body's size, fails unless 200.
get() { keepalive_get "$port" "$1" "$2" "$cookie"; }

printf '%-28s %8s %14s\n' page bytes instr/request
k=0
for page in $PAGES; do
	get "$page" "$WARM" >/dev/null || die "$page cannot be measured"
	callgrind_control -i on "$pid" >/dev/null 2>&1
	callgrind_control -z "$pid" >/dev/null 2>&1
	size=$(get "$page" "$N") || die "$page cannot be measured"
	callgrind_control --dump="$page" "$pid" >/dev/null 2>&1
	callgrind_control -i off "$pid" >/dev/null 2>&1
	k=$((k + 1))
	dump=$(ls -t "$OUT"/callgrind.out.$pid.* | head -n 1)
	total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	printf '%-28s %8s %14s\n' "$page" "$size" "$((total / N))"
done
echo "dumps in $OUT (callgrind_annotate --inclusive=yes FILE)" >&2
