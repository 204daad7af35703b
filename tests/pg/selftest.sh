#!/bin/sh
# selftest.sh: checks tests/pg/cluster.sh: the command sees a working
# database in RB_TEST_DB, its exit status comes back, and once the script
# ends (command finished, or SIGTERM in the waiting mode) the server no
# longer answers and its temporary folder is gone, and no process of its
# (the stop watchdog's sleep included) outlives it. Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
port_of() { sed -n 's|^postgresql://[^@]*@127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$1"; }
# The temporary folder of a cluster, found by its port in postmaster.pid.
dirs_of() {
	for d in "${TMPDIR:-/tmp}"/robinet-pg-*; do
		[ -f "$d/data/postmaster.pid" ] &&
			sed -n 4p "$d/data/postmaster.pid" | grep -qx "$1" && echo "$d"
	done
}
echo "1..7"

# A command: status passed back, database usable while it runs.
TMPDIR=${TMPDIR:-/tmp} "$here/cluster.sh" sh -c '
	echo "$RB_TEST_DB" > "$0/url"
	psql -X -Atq "$RB_TEST_DB" -c "SELECT datcollate FROM pg_database WHERE datname = current_database()" > "$0/collate"
	exit 3' "$tmp" >/dev/null 2>&1
rc=$?
[ "$rc" = 3 ] && ok "the command's status comes back" || notok "the command's status comes back (got $rc)"
[ "$(cat "$tmp/collate" 2>/dev/null)" = C ] && ok "the database orders text bytewise (C)" || notok "the database orders text bytewise (C)"
port=$(port_of "$tmp/url")
if [ -n "$port" ] && ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && [ -z "$(dirs_of "$port")" ]; then
	ok "nothing left once the command is done"
else
	notok "nothing left once the command is done (port ${port:-?})"
fi

# Waiting mode: prints the URL, SIGTERM stops and removes everything.
"$here/cluster.sh" > "$tmp/url2" 2>/dev/null &
pid=$!
i=0
while [ ! -s "$tmp/url2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
port=$(port_of "$tmp/url2")
if [ -n "$port" ] && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
	ok "the printed URL answers"
else
	notok "the printed URL answers"
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" != 0 ] && ok "SIGTERM ends the script" || notok "SIGTERM ends the script"
if [ -n "$port" ] && ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && [ -z "$(dirs_of "$port")" ]; then
	ok "nothing left after SIGTERM"
else
	notok "nothing left after SIGTERM (port ${port:-?})"
fi

# No process outlives the script: run in a session of its own, whose id
# is the script's pid, nothing of that session is left once it is done
# (the 30 s watchdog of the stop used to leave its sleep running).
setsid "$here/cluster.sh" true >/dev/null 2>&1 &
sid=$!
wait "$sid"
left=$(pgrep -a -s "$sid")
[ -z "$left" ] && ok "no process left in the script's session" ||
	notok "no process left in the script's session: $(echo $left)"
exit $failed
