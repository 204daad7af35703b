#!/bin/sh
# test_repmgr.sh: a failover driven by repmgr 5.3 (package
# postgresql-15-repmgr), scripted on two throw-away clusters on loopback
# (run as nobody when root, like tests/pg/cluster.sh), with robinet
# serving through a libpq multi-host URL (target_session_attrs=
# read-write, seccomp = kill), as docs/deploy.md describes:
#
#   1. node1, a primary with the demo data and a "repmgr" database:
#      `repmgr primary register`; node2 made by `repmgr standby clone`
#      from it, started, `repmgr standby register`; `repmgr cluster show`
#      lists both;
#   2. robinet serves from node1 and writes (a sign-in);
#   3. node1 stops; `repmgr standby promote` on node2: robinet serves
#      and writes again on the same URL, without a restart;
#   4. `repmgr node rejoin` turns node1 into a standby of node2: it
#      streams the sign-in written on node2, and `cluster show` says so;
#   5. repmgrd runs on both nodes (failover = automatic); node2 stops:
#      repmgrd promotes node1 by itself, and robinet writes again on the
#      same URL, without a restart.
#
#   tests/pg/test_repmgr.sh path/to/robinet
#
# Prints TAP. Nothing is left running or on disk, whatever way it ends.
set -u
. "$(dirname "$0")/failover_lib.sh"
fl_init repmgr "$1"
command -v repmgr >/dev/null 2>&1 ||
	{ echo "Bail out! repmgr is not installed (scripts/bootstrap --test installs postgresql-15-repmgr)"; exit 1; }
p1= p2= rpid= d1= d2=
cleanup() {
	trap - EXIT INT TERM
	[ -z "$rpid" ] || { kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; }
	for p in $d1 $d2; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in $p1 $p2; do
		kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	# A server repmgr started (node rejoin runs pg_ctl start) is not a
	# child of this shell: pg_ctl stops it.
	for d in "$dir/pg/node1" "$dir/pg/node2"; do
		[ -f "$d/postmaster.pid" ] && $as "$bindir/pg_ctl" stop -D "$d" -m immediate -w >/dev/null 2>&1
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# repmgr N ARGS...: repmgr with node N's configuration, as the clusters' owner.
repmgr_() { nd=$1; shift; echo "## repmgr node$nd $*" >>"$dir/repmgr.log"; $as repmgr -f "$dir/node$nd.conf" "$@" >>"$dir/repmgr.log" 2>&1; }
# start N [PORT]: node N's postgres, a child of this shell (its pid in $!).
start() {
	$as "$bindir/postgres" -D "$dir/pg/node$1" ${2:+-p "$2"} >>"$dir/node$1.log" 2>&1 &
}
# role N: node N's role and status in `repmgr cluster show`
# ("primary/running", "standby/running"...).
show() { $as repmgr -f "$dir/node1.conf" cluster show 2>>"$dir/repmgr.log"; }
role() { show | awk -F'|' -v n="node$1" '{ for (i = 2; i <= 4; i++) gsub(/[ *]/, "", $i) }
	$2 == n { print $3 "/" $4 }'; }

echo "1..15"
pport=$(free_port) sport=$(free_port) rport=$(free_port)
$as "$bindir/initdb" -D "$dir/pg/node1" -U robinet --auth=trust --encoding=UTF8 \
	--locale=C --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; echo "Bail out! initdb"; exit 1; }
# The settings in postgresql.conf, not on the command line: repmgr starts
# node1 again with pg_ctl (node rejoin), and the clone copies them.
cat >>"$dir/pg/node1/postgresql.conf" <<EOF
port = $pport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/pg'
fsync = off
wal_level = replica
max_wal_senders = 8
max_replication_slots = 8
hot_standby = on
wal_log_hints = on
shared_preload_libraries = 'repmgr'
EOF
for i in 1 2; do
	port=$pport
	[ "$i" = 1 ] || port=$sport
	cat >"$dir/node$i.conf" <<EOF
node_id = $i
node_name = 'node$i'
conninfo = 'host=127.0.0.1 port=$port user=robinet dbname=repmgr connect_timeout=2'
data_directory = '$dir/pg/node$i'
pg_bindir = '$bindir'
log_level = 'INFO'
failover = 'automatic'
promote_command = 'repmgr standby promote -f $dir/node$i.conf'
follow_command = 'repmgr standby follow -f $dir/node$i.conf --upstream-node-id=%n'
monitor_interval_secs = 1
reconnect_attempts = 3
reconnect_interval = 1
EOF
	chmod 644 "$dir/node$i.conf"
done
start 1; p1=$!
ready "$pport" || { tail "$dir/node1.log"; echo "Bail out! node1 did not start"; exit 1; }
q "$pport" postgres "CREATE DATABASE robinet TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
q "$pport" postgres "CREATE DATABASE repmgr"
purl="postgresql://robinet@127.0.0.1:$pport/robinet"
"$bin" demo --db "$purl" --contracts 20 --seed 7 --today "$(cat "$top/tests/today")" >"$dir/demo.log" 2>&1 ||
	{ tail "$dir/demo.log"; echo "Bail out! robinet demo"; exit 1; }

# 1. Register, clone, register.
check "repmgr primary register (node1)" 'repmgr_ 1 primary register'
check "repmgr standby clone (node2 from node1)" \
	'repmgr_ 2 -h 127.0.0.1 -p "$pport" -U robinet -d repmgr standby clone --fast-checkpoint && [ -f "$dir/pg/node2/standby.signal" ]'
start 2 "$sport"; p2=$!
ready "$sport" || { tail "$dir/node2.log"; echo "Bail out! node2 did not start"; exit 1; }
check "repmgr standby register (node2)" 'repmgr_ 2 standby register'
check "repmgr cluster show: node1 primary, node2 standby, both running" \
	'wait_for 30 "[ \"\$(role 1)\" = \"primary/running\" ] && [ \"\$(role 2)\" = \"standby/running\" ]"'

# 2. robinet on both hosts, writing only where it may.
serve_both "$pport" "$sport"
check "robinet serves and writes on node1 (multi-host URL)" '[ "$(signin)" = ok ]'
sessions=$(q "$pport" robinet "SELECT count(*) FROM sessions")

# 3. node1 is lost; repmgr promotes node2.
kill -INT "$p1"; wait "$p1" 2>/dev/null; p1=
check "repmgr standby promote (node2)" \
	'repmgr_ 2 standby promote && [ "$(q $sport robinet "SELECT pg_is_in_recovery()")" = f ]'
check "robinet serves and writes again, on node2 (same URL, no restart)" \
	'wait_for 30 "[ \"\$(http /)\" = \"200 -\" ]" && [ "$(signin)" = ok ]'
check "the sign-in was written on node2" \
	'[ "$(q $sport robinet "SELECT count(*) FROM sessions")" -gt "$sessions" ]'
check "robinet is still the same process" 'kill -0 "$rpid"'

# 4. The old primary rejoins as a standby of node2.
check "repmgr node rejoin: node1 follows node2" \
	'repmgr_ 1 -h 127.0.0.1 -p "$sport" -U robinet -d repmgr node rejoin --verbose &&
	 wait_for 30 "[ \"\$(q $pport robinet \"SELECT pg_is_in_recovery()\")\" = t ]"'
after=$(q "$sport" robinet "SELECT count(*) FROM sessions")
check "node1 streams from node2 (the new sign-ins reach it; cluster show: node2 primary, node1 standby)" \
	'wait_for 30 "[ \"\$(q $pport robinet \"SELECT count(*) FROM sessions\")\" = \"$after\" ]" &&
	 wait_for 30 "[ \"\$(role 2)\" = \"primary/running\" ] && [ \"\$(role 1)\" = \"standby/running\" ]"'

# 5. repmgrd on both nodes fails over by itself. node1 was started again
# by `node rejoin` (pg_ctl), node2 is a child of this shell.
$as repmgrd -f "$dir/node1.conf" --daemonize=false --no-pid-file >"$dir/repmgrd1.log" 2>&1 & d1=$!
$as repmgrd -f "$dir/node2.conf" --daemonize=false --no-pid-file >"$dir/repmgrd2.log" 2>&1 & d2=$!
check "repmgrd runs on both nodes (repmgr service status)" \
	'wait_for 30 "[ \"\$($as repmgr -f $dir/node1.conf service status 2>/dev/null | grep -c \"running.*running\")\" = 2 ]"'
sessions=$(q "$sport" robinet "SELECT count(*) FROM sessions")
kill -INT "$p2"; wait "$p2" 2>/dev/null; p2=
check "repmgrd promotes node1 by itself once node2 is lost" \
	'wait_for 90 "[ \"\$(q $pport robinet \"SELECT pg_is_in_recovery()\")\" = f ]"'
check "robinet serves and writes again, on node1 (same URL, no restart)" \
	'wait_for 30 "[ \"\$(http /)\" = \"200 -\" ]" && [ "$(signin)" = ok ] &&
	 [ "$(q $pport robinet "SELECT count(*) FROM sessions")" -gt "$sessions" ] && kill -0 "$rpid"'
# The server is a primary before `standby promote` has written so in
# repmgr's own tables (it polls each promote_check_interval): wait.
check "repmgr cluster show: node1 primary" 'wait_for 30 "[ \"\$(role 1)\" = primary/running ]"'
if [ "$failed" != 0 ]; then
	echo "# repmgrd logs:"; tail -n 15 "$dir/repmgrd1.log" "$dir/repmgrd2.log" | sed 's/^/#   /'
	echo "# repmgr log:"; tail -n 30 "$dir/repmgr.log" | sed 's/^/#   /'
	echo "# robinet log:"; tail -n 10 "$dir/robinet.log" | sed 's/^/#   /'
	cat "$dir/py.err" "$dir/psql.err" 2>/dev/null | tail -n 10 | sed 's/^/#   /'
fi
exit "$failed"
