#!/bin/sh
# A demo server of its own, for a journey that changes what the next one
# needs (flows.mjs --fresh-server: a creation of space attaches the
# contract, so each proof of identity gets a database where it is free).
# Makes a new demo database in a temporary folder, serves it with
# `robinet serve --demo` on a free loopback port, prints the base URL as
# the first line of stdout once /healthz answers, then waits. On TERM,
# INT or HUP it stops the server and removes the folder.
# With RB_TEST_DB set (tests/pg/cluster.sh), the demo database is a new
# one on that PostgreSQL cluster (tests/pg/db.sh), dropped at the end.
#   tests/browser/fresh_demo.sh ROBINET_BINARY TODAY
# Exit status: 0 once stopped, 2 when the server could not start.
set -u
bin=$1
today=$2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/robinet-fresh.XXXXXX")
pid=""
pgdb=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ -z "$pgdb" ] || "$here/../pg/db.sh" drop "$pgdb"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

db="sqlite:$dir/demo.db"
if [ -n "${RB_TEST_DB:-}" ]; then
	pgdb=$("$here/../pg/db.sh" new) || exit 2
	db=$pgdb
fi
if ! "$bin" demo --db "$db" --contracts 20 --today "$today" >/dev/null 2>"$dir/demo.err"; then
	cat "$dir/demo.err" >&2
	exit 2
fi
port=$(python3 "$here/../freeport.py")
ROBINET_TEMPLATE_STRICT=true ROBINET_TODAY=$today ROBINET_MAIL_DIR=$dir/mail \
	ROBINET_PSP_SANDBOX_LISTEN=127.0.0.1:0 \
	"$bin" serve --demo --db "$db" --listen "127.0.0.1:$port" \
	>"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
i=0
while ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "fresh_demo: the server did not start" >&2
		cat "$dir/serve.err" >&2
		exit 2
	fi
	sleep 0.1
done
echo "http://127.0.0.1:$port"
wait "$pid"
