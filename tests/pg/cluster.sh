#!/bin/sh
# cluster.sh: a throw-away PostgreSQL cluster for the tests, from Debian's
# packages: initdb in a new temporary folder, owned by an unprivileged
# user (the caller, or "nobody" when run as root), listening on a free
# port of 127.0.0.1 only, fsync off; database "robinet", user "robinet",
# no password (trust, loopback only), LC_COLLATE C.
#
#   tests/pg/cluster.sh COMMAND [ARG...]
#       runs COMMAND with RB_TEST_DB set to the cluster's URL (not
#       ROBINET_*, which robinet reads as settings), then stops the
#       cluster and removes its folder;
#       exits with COMMAND's status.
#   tests/pg/cluster.sh
#       prints the URL, then waits; Ctrl-C (or SIGTERM) stops the
#       cluster and removes its folder.
#
# Nothing is left running or on disk, whatever way it ends. Installs the
# package postgresql with apt-get when it is missing (as root).
set -eu

die() { echo "cluster.sh: $*" >&2; exit 1; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	[ "$(id -u)" = 0 ] || die "PostgreSQL is not installed (apt-get install postgresql, as root)"
	echo "cluster.sh: installing postgresql" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
		die "cannot install postgresql"
	bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# initdb and the server refuse to run as root.
# $as is a command prefix, not a function: "$as postgres &" must leave
# the server's own pid in $! (setpriv execs it).
if [ "$(id -u)" = 0 ]; then
	as="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	owner=nobody:nogroup
else
	as=
	owner=
fi

free_port() {
	/usr/bin/python3 "$(dirname "$0")/../freeport.py"
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/robinet-pg-XXXXXX")
chmod 700 "$dir"
[ -z "$owner" ] || chown "$owner" "$dir"
# The server runs as a child of this shell (not daemonised by pg_ctl), so
# that the shell stops it, waits for it, and no process outlives it.
pgpid=
sleeper=

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	# Each child killed is also waited for: a process nobody waits for
	# stays a zombie in the session when PID 1 does not reap (containers).
	if [ -n "$sleeper" ]; then
		kill "$sleeper" 2>/dev/null || true
		wait "$sleeper" 2>/dev/null || true
	fi
	if [ -n "$pgpid" ]; then
		kill -INT "$pgpid" 2>/dev/null || true	# fast shutdown
		# The watchdog kills its own sleep when it is stopped (killing
		# the subshell alone would leave the sleep running 30 s).
		( trap 'kill "$s" 2>/dev/null; wait "$s"; exit 0' TERM
		  sleep 30 & s=$!
		  wait "$s" && kill -KILL "$pgpid" ) 2>/dev/null &
		watchdog=$!
		wait "$pgpid" 2>/dev/null || true
		kill "$watchdog" 2>/dev/null || true
		wait "$watchdog" 2>/dev/null || true
	fi
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

$as "$bindir/initdb" -D "$dir/data" -U robinet --auth=trust \
	--encoding=UTF8 --locale=C --no-instructions >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; die "initdb failed"; }

# Another process may take the port between the check and the start:
# try a few.
for try in 1 2 3 4 5; do
	port=$(free_port)
	$as "$bindir/postgres" -D "$dir/data" -p "$port" \
		-c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=200 >"$dir/server.log" 2>&1 &
	pgpid=$!
	i=0
	while kill -0 "$pgpid" 2>/dev/null && [ $i -lt 600 ]; do
		"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && break
		sleep 0.1
		i=$((i + 1))
	done
	"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && break
	kill -INT "$pgpid" 2>/dev/null || true
	wait "$pgpid" 2>/dev/null || true
	pgpid=
done
[ -n "$pgpid" ] || { tail -n 20 "$dir/server.log" >&2; die "the server did not start"; }

$as "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U robinet -d postgres \
	-c "CREATE DATABASE robinet TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >&2 ||
	die "cannot create the database"

url="postgresql://robinet@127.0.0.1:$port/robinet"
if [ $# -eq 0 ]; then
	echo "$url"
	# Wait for a signal (wait, unlike sleep, is interrupted by it); the
	# trap stops the cluster.
	while :; do
		sleep 3600 &
		sleeper=$!
		wait "$sleeper" || true
	done
fi
RB_TEST_DB=$url "$@"
