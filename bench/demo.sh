#!/bin/sh
# bench/demo.sh: times `robinet demo` and says what takes the space.
#
# Generates the demo dataset of CONTRACTS contracts into a new SQLite
# database under CACHE, prints the wall-clock, user and system times and
# the size of the file, then the space of each table and index (SQLite's
# dbstat table, through the sqlite3 command) and the rows of the large
# tables. The database is removed afterwards unless KEEP=1.
#
# knobs: CONTRACTS [400000] CACHE [$TMPDIR or /tmp] SEED [1]
#        TODAY [2026-11-29] ROBINET [build/robinet] KEEP [0]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"

CONTRACTS=${CONTRACTS:-400000}
CACHE=${CACHE:-${TMPDIR:-/tmp}}
SEED=${SEED:-1}
TODAY=${TODAY:-2026-11-29}
ROBINET=${ROBINET:-$root/build/robinet}
KEEP=${KEEP:-0}

need_robinet "$ROBINET"
command -v sqlite3 >/dev/null || die "the sqlite3 command is missing (apt-get install sqlite3)"
dir=$(mktemp -d "$CACHE/robinet-bench-demo-XXXXXX")
db="$dir/demo.db"
[ "$KEEP" = 1 ] || trap 'rm -rf "$dir"' EXIT

echo "bench: robinet demo --contracts $CONTRACTS --seed $SEED --today $TODAY" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f 'wall %e s, user %U s, system %S s, max RSS %M KiB' \
    -o "$dir/time" "$ROBINET" demo --db "sqlite:$db" --contracts "$CONTRACTS" \
    --seed "$SEED" --today "$TODAY" >"$dir/log" 2>&1 || {
	tail -n 20 "$dir/log" >&2
	die "robinet demo failed"
}
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$dir/time"
echo "file: $(du -m "$db" | cut -f1) MiB ($(stat -c %s "$db") bytes)"
echo
echo "space by table and index (MiB, share of the file, cells of its leaf pages: rows or entries):"
sqlite3 -separator ' | ' "$db" "
    SELECT name, round(sum(pgsize) / 1048576.0, 1),
        round(100.0 * sum(pgsize) / (SELECT page_count * page_size
            FROM pragma_page_count, pragma_page_size), 1) || ' %',
        sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END)
    FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 16"
[ "$KEEP" = 1 ] && echo "kept: $db"
exit 0
