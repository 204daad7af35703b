#!/bin/sh
# SEPA export benchmark: `robinet sepa export` against a bare C loop
# writing the same pain.008 XML from the same rows, in the same run.
#
#   bench/sepa.sh [--debits N] [--rounds R]
#
# A fresh database (robinet migrate) gets N contracts with an active
# mandate and one scheduled debit each, collected on one date (1 in 10
# FRST, the rest RCUR; IBANs sealed under the demo key), made by
# bench/sepa_ref.c (compiled here with cc against libsqlite3 and
# libsodium). Each round, each on its own copy of that database:
#   reference  `sepa_ref ref`: the export's database work since migration
#              0023, statement for statement (the date's aggregate, the
#              batch row with the creditor fields, the debits marked
#              exported, the batch's aggregate and rows by export_batch),
#              each IBAN opened, the XML written with fprintf, commit,
#              then the file synced and linked; nothing else;
#   export     `robinet sepa export --collection-date D --out FILE`
#              (the same, plus settings, checks, SEPA character set and
#              XML escaping).
# It prints rows, seconds and rows/s of each (median over the rounds),
# the ratio export/reference, and checks that both files hold N
# transactions and that the export's second run is refused (exit 3).
# Exit 0 whatever the ratio (it measures), 2 when it cannot measure.
#
# Options and environment (defaults in brackets):
#   --debits N | DEBITS [400000]   --rounds R | ROUNDS [3]
#   ROBINET [build/robinet]  CC [cc]  TMPDIR [/tmp]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
DEBITS=${DEBITS:-400000}
ROUNDS=${ROUNDS:-3}
ROBINET=${ROBINET:-$root/build/robinet}
CC=${CC:-cc}
DATE=2027-01-05
DEMO_KEY=64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574

. "$root/bench/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--debits) [ $# -ge 2 ] || die "--debits needs a value"; DEBITS=$2; shift 2 ;;
	--rounds) [ $# -ge 2 ] || die "--rounds needs a value"; ROUNDS=$2; shift 2 ;;
	*) die "unknown option $1 (see the head of $0)" ;;
	esac
done
[ -x "$ROBINET" ] || die "no binary $ROBINET (run make)"
work=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench-sepa.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

$CC -O2 -o "$work/sepa_ref" "$root/bench/sepa_ref.c" \
	$(pkg-config --cflags --libs sqlite3 libsodium) ||
	die "cannot compile bench/sepa_ref.c"

export ROBINET_SEPA_CREDITOR_ID=FR72ZZZ123456
export ROBINET_SEPA_CREDITOR_IBAN=FR1420041010050500013M02606
export ROBINET_SEPA_CREDITOR_BIC=PSSTFRPPXXX
export ROBINET_DATA_KEY=$DEMO_KEY
export ROBINET_LOG_LEVEL=warn

ROBINET_DB="sqlite:$work/base.db" "$ROBINET" migrate >/dev/null 2>&1 ||
	die "robinet migrate failed"
start=$(date +%s)
"$work/sepa_ref" fill "$work/base.db" "$DEBITS" "$DATE" "$DEMO_KEY" ||
	die "fill failed"
sqlite3 "$work/base.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "bench: $DEBITS debits made in $(($(date +%s) - start)) s" >&2

# now_s: seconds since the epoch with nanoseconds.
now_s() { date +%s.%N; }

ref_times=""
exp_times=""
r=1
while [ "$r" -le "$ROUNDS" ]; do
	cp "$work/base.db" "$work/ref.db"
	cp "$work/base.db" "$work/run.db"
	rm -f "$work/ref.xml" "$work/export.xml"
	t0=$(now_s)
	n=$("$work/sepa_ref" ref "$work/ref.db" "$DATE" "$work/ref.xml" "$DEMO_KEY")
	t1=$(now_s)
	[ "$n" = "$DEBITS" ] || die "reference wrote $n transactions, not $DEBITS"
	ROBINET_DB="sqlite:$work/run.db" "$ROBINET" sepa export \
		--collection-date "$DATE" --out "$work/export.xml" >/dev/null ||
		die "robinet sepa export failed"
	t2=$(now_s)
	n=$(grep -c '<DrctDbtTxInf>' "$work/export.xml")
	[ "$n" = "$DEBITS" ] || die "export wrote $n transactions, not $DEBITS"
	set +e
	ROBINET_DB="sqlite:$work/run.db" "$ROBINET" sepa export \
		--collection-date "$DATE" --out "$work/again.xml" 2>/dev/null
	again=$?
	set -e
	[ "$again" = 3 ] && [ ! -e "$work/again.xml" ] ||
		die "a second export of $DATE was not refused (exit $again)"
	ref_times="$ref_times $(echo "$t1 - $t0" | bc)"
	exp_times="$exp_times $(echo "$t2 - $t1" | bc)"
	r=$((r + 1))
done

median() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ref_s=$(median $ref_times)
exp_s=$(median $exp_times)
printf 'reference  %d rows  %.2f s  %.0f rows/s  (%s bytes)\n' "$DEBITS" "$ref_s" \
	"$(echo "$DEBITS / $ref_s" | bc -l)" "$(wc -c < "$work/ref.xml")"
printf 'export     %d rows  %.2f s  %.0f rows/s  (%s bytes)\n' "$DEBITS" "$exp_s" \
	"$(echo "$DEBITS / $exp_s" | bc -l)" "$(wc -c < "$work/export.xml")"
printf 'ratio export/reference rows/s: %.2f\n' "$(echo "$ref_s / $exp_s" | bc -l)"
