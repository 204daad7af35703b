#!/bin/sh
# db.sh: databases of their own on the test cluster that RB_TEST_DB
# names (tests/pg/cluster.sh), for a suite that wants a fresh one per
# server (the browser suite's demo servers).
#   tests/pg/db.sh new        creates an empty database (UTF8, collation
#                             C, like the cluster's "robinet") and prints
#                             its postgresql:// URL
#   tests/pg/db.sh drop URL   drops the database of URL, even with
#                             connections still open (FORCE)
# Exit status 0, or 1 with the reason on stderr.
set -eu
die() { echo "db.sh: $*" >&2; exit 1; }
case ${RB_TEST_DB:-} in
postgresql://*) ;;
*) die "RB_TEST_DB must name the cluster (tests/pg/cluster.sh)" ;;
esac
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
[ -n "$psql" ] || die "psql is missing (apt-get install postgresql-client)"
base=${RB_TEST_DB%/*}
admin() { "$psql" -X -q -v ON_ERROR_STOP=1 -d "$RB_TEST_DB" -c "$1" >/dev/null; }

case ${1:-} in
new)
	name=rbd_$$_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
	admin "CREATE DATABASE \"$name\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" ||
		die "cannot create database $name"
	echo "$base/$name"
	;;
drop)
	[ $# -eq 2 ] || die "usage: db.sh drop URL"
	name=${2##*/}
	case $name in
	rbd_*) ;;
	*) die "$2 was not made by db.sh new" ;;
	esac
	admin "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" || die "cannot drop $name"
	;;
*)
	die "usage: db.sh new | db.sh drop URL"
	;;
esac
