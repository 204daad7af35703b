#!/bin/sh
# Import benchmark: `robinet import DIR` against a bare SQLite insert loop
# over the very same CSV files, in the same run.
#
#   bench/import.sh [--contracts N] [--cache DIR] [--rounds R]
#
# The files are the demo dataset of N contracts written by
# `robinet demo --contracts N --seed SEED --today TODAY --export DIR`,
# cached under the cache folder (they take minutes to generate for
# 400,000 contracts) and reused by later runs with the same options.
# Each round, on a fresh database migrated by `robinet migrate`:
#   reference  bench/sqlite_insert.c (compiled here with cc against
#              libsqlite3 and libcsv): one transaction per file, one
#              prepared INSERT per table, references looked up by natural
#              key, no validation, the application's SQLite pragmas;
#   import     `robinet import DIR` (data_key: the demo's IBAN key).
# It prints rows, seconds and rows/s of each (median over the rounds),
# the reference's time per file, and the ratio import/reference of the
# rows/s with PASS (>= 0.5, the target) or BELOW TARGET. It exits 0
# whatever the ratio (it measures, it does not gate CI) and 2 when it
# cannot measure (no binary, no compiler, an import that rejects rows,
# row counts that differ).
#
# Options and environment (defaults in brackets):
#   --contracts N | CONTRACTS [400000]  size of the demo dataset
#   --cache DIR | CACHE [${TMPDIR:-/tmp}/robinet-bench-import]
#                        where exports are kept, one folder per
#                        (contracts, seed, today)
#   --rounds R | ROUNDS [1]  reference then import (import first in even
#                        rounds), this many times
#   SEED [1] TODAY [2026-11-29]  the demo's options (fixed, so that the
#                        cached files stay valid and runs compare)
#   PER_FILE [0]         1: also time the import file by file (one run
#                        of `robinet import` per file, in order, each
#                        on a folder holding only that file)
#   ROBINET [build/robinet]  the binary (copied for the run)
#   CC [cc]              compiles bench/sqlite_insert.c
#
# PostgreSQL (--pg): the same files into a throw-away cluster
# (tests/pg/cluster.sh), each round on a fresh database:
#   copy       a bare COPY of every file (psql \copy, CSV, header) into
#              plain tables of text columns, no key, no index, no check:
#              the fastest the server takes these rows;
#   import     `robinet import DIR --db postgresql://...`.
# It prints the same table, ratio import/copy, target >= 0.5, and the
# CPU seconds of each side (median over the rounds): the server's (its
# processes that ended meanwhile, as the postmaster counts them:
# backends, parallel workers, and autovacuum's should one end then)
# and the client's (psql or robinet). On this shared 2-core machine
# the rates follow the load; the CPU seconds much less so.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CONTRACTS=${CONTRACTS:-400000}
CACHE=${CACHE:-${TMPDIR:-/tmp}/robinet-bench-import}
ROUNDS=${ROUNDS:-1}
SEED=${SEED:-1}
TODAY=${TODAY:-2026-11-29}
PER_FILE=${PER_FILE:-0}
ROBINET=${ROBINET:-$root/build/robinet}
CC=${CC:-cc}
PG=${PG:-0}
# The demo seals IBANs under this public key (src/demo/demo.h).
DEMO_KEY=64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574
FILES="tariffs.csv customers.csv contracts.csv meters.csv readings.csv invoices.csv invoice_lines.csv sepa_mandates.csv legacy_credentials.csv"

. "$root/bench/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--contracts) [ $# -ge 2 ] || die "--contracts needs a value"; CONTRACTS=$2; shift 2 ;;
	--cache) [ $# -ge 2 ] || die "--cache needs a value"; CACHE=$2; shift 2 ;;
	--rounds) [ $# -ge 2 ] || die "--rounds needs a value"; ROUNDS=$2; shift 2 ;;
	--pg) PG=1; shift ;;
	*) die "unknown option $1 (see the head of $0)" ;;
	esac
done
case $CONTRACTS$ROUNDS$SEED in *[!0-9]* | "") die "contracts, rounds and SEED must be numbers" ;; esac
[ "$ROUNDS" -ge 1 ] || die "--rounds must be at least 1"
case $TODAY in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;; *) die "TODAY must be YYYY-MM-DD" ;; esac
command -v "$CC" >/dev/null 2>&1 || die "$CC is missing (a C compiler builds the reference)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench.XXXXXX")
cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ ! -x "$ROBINET" ]; then
	echo "bench: $ROBINET is missing: running make" >&2
	make -C "$root" >&2 || die "make failed"
	[ -x "$ROBINET" ] || die "make did not build $ROBINET"
fi
# A copy: other work may rebuild the tree while the bench runs.
cp "$ROBINET" "$tmp/robinet" || die "cannot copy $ROBINET"
robinet="$tmp/robinet"
"$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -o "$tmp/sqlite_insert" \
	"$root/bench/sqlite_insert.c" -lsqlite3 -lcsv ||
	die "cannot compile bench/sqlite_insert.c (needs libsqlite3-dev and libcsv-dev)"

# ---- the files, generated once per (contracts, seed, today)

data="$CACHE/c$CONTRACTS-s$SEED-$TODAY"
if [ -f "$data/.complete" ]; then
	echo "bench: reusing $data" >&2
else
	mkdir -p "$CACHE" || die "cannot create $CACHE"
	rm -rf "$data" "$data.tmp"
	echo "bench: exporting the demo dataset of $CONTRACTS contracts into $data (once; minutes for 400,000)" >&2
	TMPDIR=$CACHE "$robinet" demo --contracts "$CONTRACTS" --seed "$SEED" --today "$TODAY" \
		--export "$data.tmp" >"$tmp/export.log" 2>&1 || {
		tail -n 20 "$tmp/export.log" >&2
		die "robinet demo --export failed"
	}
	grep -E '^[a-z_]+\.csv ' "$tmp/export.log" >"$data.tmp/.export-summary" || true
	touch "$data.tmp/.complete"
	mv "$data.tmp" "$data" || die "cannot rename $data.tmp"
fi
for f in $FILES; do
	[ -f "$data/$f" ] || die "$data/$f is missing: remove $data and run again"
done
bytes=$(cat "$data"/*.csv | wc -c)

# ---- measures

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# fresh_db NAME: a migrated database $tmp/NAME.db, the old one removed.
fresh_db() {
	rm -f "$tmp/$1.db" "$tmp/$1.db-wal" "$tmp/$1.db-shm"
	"$robinet" migrate --db "sqlite:$tmp/$1.db" >"$tmp/migrate.log" 2>&1 ||
		{ cat "$tmp/migrate.log" >&2; die "robinet migrate failed"; }
}

# Both sides read the files from the page cache: read them once first.
cat "$data"/*.csv >/dev/null

reference() {
	fresh_db ref
	t0=$(now_ms)
	"$tmp/sqlite_insert" "$tmp/ref.db" "$data" >"$tmp/ref.out" 2>"$tmp/ref.err" ||
		{ cat "$tmp/ref.err" >&2; die "the reference insert loop failed"; }
	t1=$(now_ms)
	rows=$(awk '$1 == "total" { print $2 }' "$tmp/ref.out")
	echo "reference $rows $((t1 - t0))" >>"$tmp/results"
	awk '$1 == "file" { print $2, $4 }' "$tmp/ref.out" >>"$tmp/ref-files"
	echo "bench:   reference $rows rows in $((t1 - t0)) ms" >&2
}

import() {
	fresh_db imp
	t0=$(now_ms)
	rc=0
	ROBINET_DATA_KEY=$DEMO_KEY "$robinet" import "$data" --db "sqlite:$tmp/imp.db" \
		--report "$tmp/report.csv" >"$tmp/imp.out" 2>"$tmp/imp.err" || rc=$?
	t1=$(now_ms)
	if [ "$rc" -ne 0 ]; then
		head -n 20 "$tmp/imp.err" >&2
		die "robinet import exited $rc (report: see above)"
	fi
	total=$(grep '^# total;' "$tmp/report.csv") || die "no total line in the import report"
	status=$(echo "$total" | cut -d';' -f2)
	rows=$(echo "$total" | cut -d';' -f3)
	inserted=$(echo "$total" | cut -d';' -f4)
	[ "$status" = ok ] && [ "$rows" = "$inserted" ] ||
		die "the import did not insert every row: $total"
	echo "import $rows $((t1 - t0))" >>"$tmp/results"
	echo "bench:   import    $rows rows in $((t1 - t0)) ms" >&2
}

# The import one file at a time, in order, into one database.
import_per_file() {
	fresh_db per
	for f in $FILES; do
		rm -rf "$tmp/one"
		mkdir "$tmp/one"
		ln -s "$data/$f" "$tmp/one/$f"
		t0=$(now_ms)
		ROBINET_DATA_KEY=$DEMO_KEY "$robinet" import "$tmp/one" --db "sqlite:$tmp/per.db" \
			--report "$tmp/report-one.csv" >/dev/null 2>"$tmp/imp.err" ||
			{ head -n 5 "$tmp/imp.err" >&2; die "robinet import of $f alone failed"; }
		t1=$(now_ms)
		echo "$f $((t1 - t0))" >>"$tmp/imp-files"
	done
	rm -f "$tmp/per.db" "$tmp/per.db-wal" "$tmp/per.db-shm"
}

# ---- PostgreSQL (--pg): run again inside tests/pg/cluster.sh

psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
if [ "$PG" = 1 ] && [ -z "${RB_BENCH_PG_DB:-}" ]; then
	[ -x "$psql_bin" ] || die "psql is missing (apt-get install postgresql)"
	rm -rf "$tmp"
	trap - EXIT
	exec "$root/tests/pg/cluster.sh" \
		sh -c 'RB_BENCH_PG_DB=$RB_TEST_DB exec "$0" "$@"' "$0" --pg \
		--contracts "$CONTRACTS" --cache "$CACHE" --rounds "$ROUNDS"
fi

# fresh_pg: every table of the cluster's database dropped, migrated.
fresh_pg() {
	"$psql_bin" -X -q -d "$RB_BENCH_PG_DB" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1 ||
		die "cannot empty the PostgreSQL database"
	"$robinet" migrate --db "$RB_BENCH_PG_DB" >"$tmp/migrate.log" 2>&1 ||
		{ cat "$tmp/migrate.log" >&2; die "robinet migrate failed on PostgreSQL"; }
}

# CPU clock ticks (user + system) of the processes that ended, waited
# for by the server's postmaster ("server") or by this shell ("client").
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
pg_postmaster=
cpu_ticks() {
	if [ -z "$pg_postmaster" ]; then
		pg_postmaster=$(head -n 1 "$("$psql_bin" -X -q -t -A -d "$RB_BENCH_PG_DB" \
			-c "SHOW data_directory")/postmaster.pid" 2>/dev/null) || pg_postmaster=0
	fi
	s=$(awk '{ print $16 + $17 }' "/proc/$pg_postmaster/stat" 2>/dev/null || echo 0)
	c=$(awk '{ print $16 + $17 }' "/proc/$$/stat" 2>/dev/null || echo 0)
	echo "$s $c"
}

# cpu_note SIDE BEFORE: the CPU since BEFORE (cpu_ticks), once the
# side's backend has ended.
cpu_note() {
	sleep 0.3
	set -- "$1" $2 $(cpu_ticks)
	echo "$1 $((($4 - $2) * 1000 / clk_tck)) $((($5 - $3) * 1000 / clk_tck))" >>"$tmp/cpu"
}

# The bare COPY: one text table per file, columns named by its header.
copy_pg() {
	fresh_pg
	: >"$tmp/copy.sql"
	for f in $FILES; do
		t=bare_${f%.csv}
		cols=$(head -n 1 "$data/$f" | tr -d '\r' | sed 's/;/ text, /g; s/$/ text/')
		echo "CREATE TABLE $t ($cols);" >>"$tmp/copy.sql"
	done
	"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$RB_BENCH_PG_DB" -f "$tmp/copy.sql" >/dev/null ||
		die "cannot create the COPY tables"
	: >"$tmp/copy.sql"
	for f in $FILES; do
		printf '%s\n' "\\copy bare_${f%.csv} FROM '$data/$f' WITH (FORMAT csv, HEADER true, DELIMITER ';')" >>"$tmp/copy.sql"
	done
	sleep 0.3
	c0=$(cpu_ticks)
	t0=$(now_ms)
	"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$RB_BENCH_PG_DB" -f "$tmp/copy.sql" >"$tmp/copy.out" 2>&1 ||
		{ cat "$tmp/copy.out" >&2; die "the bare COPY failed"; }
	t1=$(now_ms)
	cpu_note reference "$c0"
	rows=0
	for f in $FILES; do
		n=$("$psql_bin" -X -q -t -A -d "$RB_BENCH_PG_DB" -c "SELECT count(*) FROM bare_${f%.csv}")
		rows=$((rows + n))
	done
	echo "reference $rows $((t1 - t0))" >>"$tmp/results"
	echo "bench:   COPY      $rows rows in $((t1 - t0)) ms" >&2
}

import_pg() {
	fresh_pg
	sleep 0.3
	c0=$(cpu_ticks)
	t0=$(now_ms)
	rc=0
	ROBINET_DATA_KEY=$DEMO_KEY "$robinet" import "$data" --db "$RB_BENCH_PG_DB" \
		--report "$tmp/report.csv" >"$tmp/imp.out" 2>"$tmp/imp.err" || rc=$?
	t1=$(now_ms)
	cpu_note import "$c0"
	[ "$rc" -eq 0 ] || { head -n 20 "$tmp/imp.err" >&2; die "robinet import exited $rc on PostgreSQL"; }
	total=$(grep '^# total;' "$tmp/report.csv") || die "no total line in the import report"
	rows=$(echo "$total" | cut -d';' -f3)
	[ "$(echo "$total" | cut -d';' -f2)" = ok ] && [ "$rows" = "$(echo "$total" | cut -d';' -f4)" ] ||
		die "the import did not insert every row: $total"
	echo "import $rows $((t1 - t0))" >>"$tmp/results"
	echo "bench:   import    $rows rows in $((t1 - t0)) ms" >&2
}

if [ "$PG" = 1 ]; then
	reference() { copy_pg; }
	import() { import_pg; }
	PER_FILE=0
	engine="PostgreSQL $("$psql_bin" --version | awk '{ print $3 }'), reference: bare COPY into text tables"
else
	engine="SQLite, reference: bench/sqlite_insert.c"
fi

echo "bench: $("$robinet" version 2>/dev/null | head -n 1 || echo robinet), files in $data ($bytes bytes)" >&2
: >"$tmp/results"
: >"$tmp/cpu"
: >"$tmp/ref-files"
: >"$tmp/imp-files"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
r=1
while [ $r -le "$ROUNDS" ]; do
	# Alternate which side goes first: a change of load hits both alike.
	if [ $((r % 2)) -eq 1 ]; then
		reference
		import
	else
		import
		reference
	fi
	r=$((r + 1))
done
if [ "$PER_FILE" = 1 ]; then
	echo "bench:   import file by file" >&2
	import_per_file
fi
rm -f "$tmp"/*.db "$tmp"/*.db-wal "$tmp"/*.db-shm

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (other work on the machine skews the figures)"
echo "engine: $engine"
echo "data: demo --contracts $CONTRACTS --seed $SEED --today $TODAY, $(echo "$bytes" | awk '{ printf "%.0f MB", $1 / 1e6 }') of CSV; $ROUNDS round(s), reference and import in turn"
awk '
	function sort(a, n,    i, j, t) {
		for (i = 2; i <= n; i++)	# insertion sort: a few rounds only
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
	}
	function med(a, n) {
		sort(a, n)
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	FILENAME == ARGV[1] {
		k = $1; n[k]++; rows[k] = $2; ms[k, n[k]] = $3
		each[k] = each[k] sprintf(" %.1f", $3 / 1000)
		next
	}
	FILENAME == ARGV[2] { rn[$1]++; rms[$1, rn[$1]] = $2; if (!($1 in rord)) rord[$1] = ++nref; next }
	FILENAME == ARGV[3] { ims[$1] = $2; nims++; next }
	END {
		printf "%-10s %12s %10s %12s  %s\n", "side", "rows", "seconds", "rows/s", "seconds of each round"
		split("reference import", names, " ")
		for (x = 1; x <= 2; x++) {
			k = names[x]
			for (i = 1; i <= n[k]; i++) a[i] = ms[k, i]
			m[k] = med(a, n[k])
			rate[k] = m[k] > 0 ? rows[k] * 1000 / m[k] : 0
			printf "%-10s %12d %10.1f %12.0f %s\n", k, rows[k], m[k] / 1000, rate[k], each[k]
		}
		if (rows["reference"] != rows["import"])
			printf "warning: the two sides loaded different row counts (%d, %d)\n", rows["reference"], rows["import"]
		printf "%-24s %10s %10s\n", "file", "reference", (nims ? "import*" : "")
		for (f in rord) order[rord[f]] = f
		for (i = 1; i <= nref; i++) {
			f = order[i]
			for (j = 1; j <= rn[f]; j++) a[j] = rms[f, j]
			if (f in ims)
				printf "%-24s %8.1f s %8.1f s\n", f, med(a, rn[f]) / 1000, ims[f] / 1000
			else
				printf "%-24s %8.1f s\n", f, med(a, rn[f]) / 1000
		}
		if (nims)
			print "(* import run once per file, on a folder holding that file alone)"
		ratio = rate["reference"] > 0 ? rate["import"] / rate["reference"] : 0
		printf "ratio import/reference: %.3f (target >= 0.5): %s\n", ratio,
			(ratio >= 0.5 ? "PASS" : "BELOW TARGET")
	}' "$tmp/results" "$tmp/ref-files" "$tmp/imp-files"
if [ -s "$tmp/cpu" ]; then
	awk '
		function med(k, w,    a, i, j, t, n) {
			n = cnt[k]
			for (i = 1; i <= n; i++) a[i] = v[k, w, i]
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) / 1000
		}
		{ cnt[$1]++; v[$1, 1, cnt[$1]] = $2; v[$1, 2, cnt[$1]] = $3 }
		END {
			rs = med("reference", 1); rc = med("reference", 2)
			is = med("import", 1); ic = med("import", 2)
			printf "CPU seconds (median): reference server %.2f + client %.2f = %.2f;" \
			    " import server %.2f + client %.2f = %.2f; reference/import %.3f\n",
			    rs, rc, rs + rc, is, ic, is + ic, ((is + ic) > 0 ? (rs + rc) / (is + ic) : 0)
		}' "$tmp/cpu"
fi
exit 0
