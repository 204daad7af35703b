#!/bin/sh
# standby.sh: a PostgreSQL streaming standby and a failover, tried for
# real on two throw-away clusters on loopback (run as nobody when root,
# like tests/pg/cluster.sh), with robinet serving (seccomp = kill):
#
#   1. a primary (wal_level replica) with the demo data; a standby made
#      by pg_basebackup -R, streaming from it;
#   2. robinet serves from the primary through a libpq multi-host URL
#      with target_session_attrs=read-write; a sign-in written on the
#      primary reaches the standby;
#   3. the primary stops: pages answer 503 in French (the standby is
#      read-only), robinet lives on;
#   4. the standby is promoted (pg_ctl promote): robinet serves and
#      writes again, on the same URL, without a restart.
#
#   tests/pg/standby.sh path/to/robinet
#
# Prints TAP. Nothing is left running or on disk, whatever way it ends.
set -u
. "$(dirname "$0")/failover_lib.sh"
fl_init standby "$1"
ppid_= spid= rpid=
cleanup() {
	trap - EXIT INT TERM
	[ -z "$rpid" ] || { kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; }
	for p in $ppid_ $spid; do
		kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start DATADIR PORT: a postgres child of this shell (its pid in $!).
start() {
	$as "$bindir/postgres" -D "$1" -p "$2" -c listen_addresses=127.0.0.1 \
		-c unix_socket_directories="$dir/pg" -c fsync=off \
		-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on \
		>>"$1.log" 2>&1 &
}
echo "1..9"
pport=$(free_port) sport=$(free_port) rport=$(free_port)
$as "$bindir/initdb" -D "$dir/pg/primary" -U robinet --auth=trust --encoding=UTF8 \
	--locale=C --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; echo "Bail out! initdb"; exit 1; }
start "$dir/pg/primary" "$pport"; ppid_=$!
ready "$pport" || { echo "Bail out! the primary did not start"; exit 1; }
q "$pport" postgres "CREATE DATABASE robinet TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
purl="postgresql://robinet@127.0.0.1:$pport/robinet"
"$bin" demo --db "$purl" --contracts 20 --seed 7 --today "$(cat "$top/tests/today")" >"$dir/demo.log" 2>&1 ||
	{ tail "$dir/demo.log"; echo "Bail out! robinet demo"; exit 1; }

# 1. The standby: a base backup with its recovery settings (-R).
$as "$bindir/pg_basebackup" -h 127.0.0.1 -p "$pport" -U robinet -D "$dir/pg/standby" \
	-R -X stream -c fast >"$dir/basebackup.log" 2>&1
check "pg_basebackup -R makes a standby" '[ -f "$dir/pg/standby/standby.signal" ]'
start "$dir/pg/standby" "$sport"; spid=$!
ready "$sport" || { tail "$dir/pg/standby.log"; echo "Bail out! the standby did not start"; exit 1; }
check "the standby streams from the primary" \
	'wait_for 30 "[ \"\$(q $pport postgres \"SELECT count(*) FROM pg_stat_replication WHERE state = '"'streaming'"'\")\" = 1 ] && [ \"\$(q $sport robinet \"SELECT pg_is_in_recovery()\")\" = t ]"'

# 2. robinet on both hosts, writing only where it may.
serve_both "$pport" "$sport"
check "robinet serves from the primary (multi-host URL)" '[ "$(signin)" = ok ]'
sessions=$(q "$pport" robinet "SELECT count(*) FROM sessions")
check "a sign-in written on the primary reaches the standby" \
	'wait_for 30 "[ \"\$(q $sport robinet \"SELECT count(*) FROM sessions\")\" = $sessions ]"'

# 3. The primary is lost.
kill -INT "$ppid_"; wait "$ppid_" 2>/dev/null; ppid_=
echo "# after the primary stopped: GET / -> $(http /)"
check "primary gone, no writable host: a French 503" '[ "$(http /)" = "503 fr" ]'
check "robinet is still running" 'kill -0 "$rpid"'

# 4. Failover: the standby becomes the primary.
$as "$bindir/pg_ctl" promote -D "$dir/pg/standby" -w >"$dir/promote.log" 2>&1
check "pg_ctl promote: the standby accepts writes" '[ "$(q $sport robinet "SELECT pg_is_in_recovery()")" = f ]'
check "robinet carries on against the promoted standby (same URL, no restart)" \
	'wait_for 30 "[ \"\$(http /)\" = \"200 -\" ]" && [ "$(signin)" = ok ]'
check "the sign-in was written on the new primary" \
	'[ "$(q $sport robinet "SELECT count(*) FROM sessions")" -gt "$sessions" ]'
if [ "$failed" != 0 ]; then
	echo "# robinet log:"; tail -n 15 "$dir/robinet.log" | sed 's/^/#   /'
	cat "$dir/py.err" "$dir/psql.err" 2>/dev/null | tail -n 10 | sed 's/^/#   /'
fi
exit "$failed"
