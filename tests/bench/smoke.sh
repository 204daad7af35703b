#!/bin/sh
# tests/bench/smoke.sh: the benchmarks of issue 12 still measure (TAP).
#
#   tests/bench/smoke.sh [ROBINET]      (default build/robinet)
#
# It does not judge speed (a loaded CI machine says nothing about it):
# it runs bench/scale.sh and bench/pages.sh on a 300-contract demo, one
# short round each, and checks that they exit 0 and print what
# docs/performance.md reads from them: for each page a table of the four
# setups with requests/s and ratios, the PostgreSQL import line; each
# page's bytes, robinet's and nginx's requests/s, the ratio and its
# target, the signed-in home differing from the anonymous one (the
# sign-in worked). A bench script that rots fails here.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
ROBINET=${1:-$root/build/robinet}
case $ROBINET in /*) ;; *) ROBINET=$(pwd)/$ROBINET ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench-smoke.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

ok() { # ok COND-EXIT-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

# positive N: true when N is a number above 0 (integer or decimal).
positive() { echo "$1" | grep -Eq '^[0-9]+(\.[0-9]+)?$' && [ "$(echo "$1" | tr -d .)" -gt 0 ] 2>/dev/null; }

export ROBINET ROUNDS=1 DURATION=1s WARMUP=1s

# ---- bench/scale.sh
PAGES="/mon-espace /" "$root/bench/scale.sh" --contracts 300 --cache "$tmp" \
    >"$tmp/scale.out" 2>"$tmp/scale.err"
rc=$?
ok $rc "bench/scale.sh exits 0"
[ $rc -eq 0 ] || { sed 's/^/# /' "$tmp/scale.err" | tail -n 30; cat "$tmp/scale.out" | sed 's/^/# /'; }
for page in /mon-espace /; do
	good=0
	grep -q "^$page, 300 contracts, signed in as " "$tmp/scale.out" || good=1
	for setup in sqlite-1 pg-1 pg-1+nginx pg-2+nginx; do
		line=$(awk -v p="$page, 300 contracts," -v s="$setup" '
		    index($0, p) == 1 { on = 1; next }
		    / contracts, signed in as / { on = 0 }
		    on && $1 == s { print; exit }' "$tmp/scale.out")
		set -- $line
		{ [ $# -ge 3 ] && positive "$2" && positive "$3"; } || good=1
	done
	ok $good "bench/scale.sh: $page measured on the four setups, with ratios"
done
grep -Eq '^PostgreSQL import, 300 contracts: ratio import/reference: [0-9.]+ .*reference [0-9]+ rows/s, import [0-9]+ rows/s' "$tmp/scale.out"
ok $? "bench/scale.sh: the PostgreSQL import against COPY"
grep -q '^load average: ' "$tmp/scale.out"
ok $? "bench/scale.sh: the machine's load"

# ---- bench/pages.sh on the demo scale.sh made
if [ -f "$tmp/demo-300.db" ]; then
	PAGES="/ /mon-espace /mes-factures" DB="$tmp/demo-300.db" \
	    "$root/bench/pages.sh" >"$tmp/pages.out" 2>"$tmp/pages.err"
	rc=$?
else
	echo "# no demo-300.db from bench/scale.sh" >"$tmp/pages.err"
	: >"$tmp/pages.out"
	rc=2
fi
ok $rc "bench/pages.sh exits 0"
[ $rc -eq 0 ] || { sed 's/^/# /' "$tmp/pages.err" | tail -n 30; sed 's/^/# /' "$tmp/pages.out"; }
for page in / /mon-espace /mes-factures "/ (anonyme)"; do
	line=$(awk -v p="$page" '{ k = $1; f = 2 }
	    $2 == "(anonyme)" { k = k " " $2; f = 3 }
	    k == p { for (i = f; i <= NF; i++) printf "%s ", $i; print ""; exit }' \
	    "$tmp/pages.out")
	set -- $line
	good=1
	if [ $# -ge 5 ] && positive "$1" && positive "$2" && positive "$3" &&
	    positive "$4" && positive "$5" && [ "$1" -gt 1000 ]; then
		good=0
	fi
	ok $good "bench/pages.sh: $page bytes, robinet, nginx, ratio, target"
done
signed=$(awk '$1 == "/" && $2 != "(anonyme)" { print $2 }' "$tmp/pages.out")
anon=$(awk '$1 == "/" && $2 == "(anonyme)" { print $3 }' "$tmp/pages.out")
[ -n "$signed" ] && [ -n "$anon" ] && [ "$signed" != "$anon" ]
ok $? "bench/pages.sh: the home page signed in ($signed bytes) is not the anonymous one ($anon bytes)"

echo "1..$n"
[ $fails -eq 0 ]
