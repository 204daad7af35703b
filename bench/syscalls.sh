#!/bin/sh
# bench/syscalls.sh: system calls per request of each page, counted by
# strace on a running `robinet serve` (every thread: the front gate,
# libmicrohttpd, the page, SQLite, the log line).
#
#   DB=/tmp/demo.db bench/syscalls.sh
#   SIGNIN= PAGES=/ N=500 DB=/tmp/demo.db bench/syscalls.sh   # anonymous
#
# On the shared virtual machine every system call costs about the same
# (docs/performance.md, "2026-12-06: the fixed cost of a request"), so
# their number per request follows the wall clock better than
# instructions do, and, like them, it does not depend on the load. For
# each page: WARM uncounted requests, then strace -f -c attached to the
# server during N requests on one keep-alive connection; prints each
# system call's count per request and the total.
#
# Environment (defaults in brackets):
#   DB [var/bench/demo-400000.db]  SIGNIN [demo@robinet.test:eau-potable-2024] ("" anonymous)
#   PAGES [/ /mon-espace /confidentialite]  N [200]  WARM [10]  ROBINET [build/robinet]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"

DB=${DB:-$root/var/bench/demo-400000.db}
SIGNIN=${SIGNIN-demo@robinet.test:eau-potable-2024}
PAGES=${PAGES:-"/ /mon-espace /confidentialite"}
N=${N:-200}
WARM=${WARM:-10}
ROBINET=${ROBINET:-$root/build/robinet}
PYTHON=${PYTHON:-/usr/bin/python3}

for tool in strace curl "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install strace)"
done
case $N$WARM in *[!0-9]*) die "N and WARM must be numbers" ;; esac
[ "$N" -gt 0 ] || die "N must be positive"
case $DB in
postgresql://*) dburl=$DB ;;
*) [ -f "$DB" ] || die "no database $DB (bench/dashboard.sh makes one)"; dburl=sqlite:$DB ;;
esac
need_robinet "$ROBINET"

robinet_pid=""
strace_pid=""
bench_tmpdir robinet-syscalls robinet_pid strace_pid

port=$(free_port)
# seccomp off: a traced process makes no other call, but keep the
# server as bench/profile.sh runs it.
ROBINET_SECCOMP=off "$ROBINET" serve --db "$dburl" --listen "127.0.0.1:$port" \
	>"$tmp/robinet.log" 2>&1 &
robinet_pid=$!
base=http://127.0.0.1:$port
wait_http "$base/confidentialite" "$robinet_pid" || { tail -n 20 "$tmp/robinet.log" >&2; die "robinet did not start"; }
cookie=""
if [ -n "$SIGNIN" ]; then
	cookie=$("$PYTHON" "$root/bench/signin-cookie.py" "$base" "${SIGNIN%%:*}" \
		"${SIGNIN#*:}") || die "cannot sign in as ${SIGNIN%%:*}"
fi

# get PATH COUNT: COUNT GETs of PATH on one keep-alive connection (the
# session cookie, if any), each answered 200.
get() { keepalive_get "$port" "$1" "$2" "$cookie" >/dev/null; }

for page in $PAGES; do
	get "$page" "$WARM" || die "$page cannot be measured"
	strace -f -c -p "$robinet_pid" -o "$tmp/strace.out" 2>"$tmp/strace.err" &
	strace_pid=$!
	sleep 1	# attached to every thread
	get "$page" "$N" || die "$page cannot be measured"
	sleep 0.3
	kill -INT "$strace_pid" 2>/dev/null || true
	wait "$strace_pid" 2>/dev/null || true
	strace_pid=""
	echo "$page ($N requests, one keep-alive connection):"
	awk -v n="$N" '
		$NF == "total" { printf "  %-16s %6.2f\n", "total", $(NF - 2) / n; next }
		$1 ~ /^[0-9.]+$/ && NF >= 5 {
			calls = $4; name = $NF
			printf "  %-16s %6.2f\n", name, calls / n
		}' "$tmp/strace.out"
done
