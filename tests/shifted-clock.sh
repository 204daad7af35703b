#!/bin/sh
# Runs a command with the machine's clock moved to another UTC instant,
# through Debian's libfaketime (package faketime), so that the suites can
# prove they pass on any day: the test data and every server keep the
# pinned date of tests/today, and no oracle reads the clock.
#   tests/shifted-clock.sh "YYYY-MM-DD HH:MM:SS" COMMAND [ARG...]
#   tests/shifted-clock.sh --all BIN
# The clock is an offset from the real one, the same for every process
# the command starts, and it keeps running. The monotonic clock gets the
# same offset (libfaketime 0.9.10 answers EINVAL to an absolute
# clock_nanosleep when it is left alone, and Python sleeps that way); the
# thread-safe libfaketimeMT shifts timed waits back. --all runs the HTTP and mail suites
# against BIN under each of the clocks of CLOCKS below and exits 1 if any
# run failed. Exit status 2 when libfaketime is missing or does not work.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CLOCKS="2027-03-01 00:00:00|2028-02-29 12:00:00|2026-12-31 23:30:00"

if [ "${1:-}" = "--all" ] && [ $# -eq 2 ]; then
	bin=$2
	status=0
	IFS='|'
	for clock in $CLOCKS; do
		unset IFS
		for suite in http mail; do
			echo "# $suite suite, clock at $clock UTC"
			"$0" "$clock" /usr/bin/python3 "$here/$suite/run.py" --bin "$bin" ||
				{ echo "not ok - $suite suite, clock at $clock UTC"; status=1; }
		done
		IFS='|'
	done
	unset IFS
	exit $status
fi
if [ $# -lt 2 ]; then
	echo "usage: $0 'YYYY-MM-DD HH:MM:SS' COMMAND [ARG...] | $0 --all BIN" >&2
	exit 2
fi
clock=$1
shift

lib=
for l in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -f "$l" ] && lib=$l && break
done
if [ -z "$lib" ]; then
	echo "Bail out! libfaketime is missing (scripts/bootstrap --test installs faketime)" >&2
	exit 2
fi
target=$(date -u -d "$clock" +%s) || { echo "Bail out! bad clock '$clock'" >&2; exit 2; }
offset=$((target - $(date -u +%s)))
case $offset in
-*) FAKETIME=$offset ;;
*) FAKETIME=+$offset ;;
esac
export FAKETIME
# The shift must work before a result can mean anything.
seen=$(LD_PRELOAD=$lib date -u +%Y-%m-%dT%H)
want=$(date -u -d "$clock" +%Y-%m-%dT%H)
if [ "$seen" != "$want" ]; then
	echo "Bail out! libfaketime did not move the clock (got $seen, want $want)" >&2
	exit 2
fi
LD_PRELOAD=$lib${LD_PRELOAD:+:$LD_PRELOAD}
export LD_PRELOAD
exec "$@"
