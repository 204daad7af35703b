#!/bin/sh
# Enumeration timing: how long the portal takes to turn down an identifier
# that exists against one that does not, for every way in, in one run.
#
#   bench/enumeration.sh
#
# Builds build/robinet with `make` if it is missing, fills a temporary demo
# database, starts `robinet serve` on a free loopback port with the rate
# limits raised out of the way, and runs bench/enumeration.py: for each
# kind of identifier below, N failing requests, one at a time on a
# keep-alive connection, alternating an identifier that exists with one
# that does not (E N N E E N N E ..., so that machine noise hits both
# sides alike), each timed by the client. It prints, side by side, the
# median response time of each side (with its quartiles), their ratio
# max/min and PASS (at most 1.10, the target) or ABOVE TARGET, and checks
# that both sides got the same status codes (a difference is reported: it
# tells the identifiers apart without any clock).
#
#   signin-email   POST /connexion, wrong password:
#                  demo@robinet.test / nobody-N@robinet.test (fresh N)
#   claim-invoice  POST /creer-mon-espace, preuve=facture, FA2024-999999:
#                  contract 1000000004 / 1999999999
#   claim-meter    the same with preuve=compteur, I99ZZ999999
#   claim-email    the same with preuve=email, personne@robinet.test
#   old-id         POST /abonne-2023, wrong password: 1234567A / 7654321Z
#   forgot-email   POST /mot-de-passe-oublie: the active accounts' addresses
#                  in turn (5 reset mails an hour per address, then 429) /
#                  nobody-N@robinet.test (fresh N)
#
# It exits 0 whatever the ratios (it measures, it does not gate CI; timing
# is not a test), and 2 when it cannot measure (no binary, a server that
# does not start, a form that cannot be fetched).
#
# Environment (defaults in brackets):
#   N [200]              requests per kind, both sides together
#   KINDS [all]          comma-separated subset of the kinds above
#   KIND_SECONDS [45]    at most this long on one kind (fewer requests then)
#   CONTRACTS [2000]     size of the demo database
#   ROBINET [build/robinet]  the binary (copied for the run)
#   PYTHON [/usr/bin/python3]  runs bench/enumeration.py
#   BENCH_URL            measure this already running server instead (it
#                        must serve a demo database, rate limits raised)
#   DB                   with BENCH_URL: its SQLite file, for the active
#                        accounts' addresses (else demo@robinet.test only)
#   ROBINET_*            settings of the server started; the rate limits
#                        default to their maximum here
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200}
KINDS=${KINDS:-signin-email,claim-invoice,claim-meter,claim-email,old-id,forgot-email}
KIND_SECONDS=${KIND_SECONDS:-45}
CONTRACTS=${CONTRACTS:-2000}
ROBINET=${ROBINET:-$root/build/robinet}
BENCH_URL=${BENCH_URL:-}
DB=${DB:-}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || echo python3)

. "$root/bench/lib.sh"

for tool in curl "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/bootstrap --test installs it)"
done
case $N$KIND_SECONDS in *[!0-9]*) die "N and KIND_SECONDS must be numbers" ;; esac
[ "$N" -ge 2 ] || die "N must be at least 2"
[ "$KIND_SECONDS" -ge 1 ] || die "KIND_SECONDS must be at least 1"
nkinds=$(echo "$KINDS" | tr ',' '\n' | grep -c .) || die "KINDS is empty"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench.XXXXXX")
robinet_pid=""
cleanup() {
	if [ -n "$robinet_pid" ]; then
		kill "$robinet_pid" 2>/dev/null || true
		wait "$robinet_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the server under test

if [ -n "$BENCH_URL" ]; then
	base=${BENCH_URL%/}
	what="$BENCH_URL (already running)"
else
	need_robinet "$ROBINET"
	# A copy: other work may rebuild the tree while the bench runs.
	cp "$ROBINET" "$tmp/robinet" || die "cannot copy $ROBINET"
	demo_db "$tmp/robinet" "$tmp/demo.db" "$CONTRACTS"
	DB=$tmp/demo.db
	port=$(free_port)
	base="http://127.0.0.1:$port"
	# Thousands of failures from one address on a few identifiers: the
	# rate limits (their maxima) must not answer in the server's place.
	ROBINET_PUBLIC_URL=$base
	ROBINET_RL_PER_IP=${ROBINET_RL_PER_IP:-1000000}
	ROBINET_RL_PER_ACCOUNT=${ROBINET_RL_PER_ACCOUNT:-1000000}
	ROBINET_RL_PER_CONTRACT=${ROBINET_RL_PER_CONTRACT:-1000000}
	ROBINET_RL_GLOBAL=${ROBINET_RL_GLOBAL:-100000000}
	export ROBINET_PUBLIC_URL ROBINET_RL_PER_IP ROBINET_RL_PER_ACCOUNT \
		ROBINET_RL_PER_CONTRACT ROBINET_RL_GLOBAL
	# `timeout` bounds the server's life even if this script is killed
	# outright; it hands the TERM of cleanup on to robinet.
	timeout 3600 "$tmp/robinet" serve --db "sqlite:$DB" --listen "127.0.0.1:$port" \
		>"$tmp/robinet.log" 2>&1 &
	robinet_pid=$!
	if ! wait_http "$base/" "$robinet_pid"; then
		tail -n 20 "$tmp/robinet.log" >&2
		die "robinet serve did not answer on $base/"
	fi
	what="$("$tmp/robinet" version 2>/dev/null | head -n 1 || echo robinet)"
fi

for path in /connexion /creer-mon-espace /abonne-2023 /mot-de-passe-oublie; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base$path") ||
		die "cannot fetch $base$path"
	[ "$code" = 200 ] || die "$base$path answered $code, not 200"
done

# ---- measures

echo "bench: $what" >&2
echo "bench: $base; $N requests per kind, existing and non-existing interleaved" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
dbarg=""
[ -n "$DB" ] && dbarg="--db $DB"
# shellcheck disable=SC2086 # dbarg is two words or none
timeout $((nkinds * (KIND_SECONDS + 40) + 30)) "$PYTHON" "$root/bench/enumeration.py" \
	--url "$base" -n "$N" --kinds "$KINDS" --kind-seconds "$KIND_SECONDS" $dbarg \
	>"$tmp/enum.out" 2>"$tmp/enum.err" || true
cat "$tmp/enum.err" >&2
grep -q '^KIND ' "$tmp/enum.out" || die "no result from bench/enumeration.py"

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (other work on the machine skews the figures)"
echo "$N requests per kind, one at a time, existing and non-existing interleaved; medians (quartiles) of the response times"
awk -v n="$N" -v nkinds="$nkinds" '
	{
		delete v
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["name"]; order[++rows] = k
		if (v["failed"] == 1) { failed[k] = 1; next }
		ne[k] = v["n_existing"]; nm[k] = v["n_missing"]
		e[k] = sprintf("%.3f (%.3f-%.3f)", v["existing_ms"], v["existing_q1_ms"], v["existing_q3_ms"])
		m[k] = sprintf("%.3f (%.3f-%.3f)", v["missing_ms"], v["missing_q1_ms"], v["missing_q3_ms"])
		ratio[k] = v["ratio"]
		se[k] = v["existing_status"]; sm[k] = v["missing_status"]
		err[k] = v["errors"]; secs[k] = v["elapsed"]
	}
	END {
		printf "%-14s %7s  %-27s %-27s %6s  %-12s %s\n", "kind", "n", "existing ms",
			"non-existing ms", "ratio", "verdict", "status"
		pass = 0
		for (i = 1; i <= rows; i++) {
			k = order[i]
			if (failed[k]) {
				printf "%-14s could not be measured (see above)\n", k
				continue
			}
			verdict = (ratio[k] > 0 && ratio[k] <= 1.10) ? "PASS" : "ABOVE TARGET"
			if (verdict == "PASS") pass++
			st = (se[k] == sm[k]) ? "same: " se[k] : "DIFFERENT: existing " se[k] ", non-existing " sm[k]
			printf "%-14s %3d+%-3d  %-27s %-27s %6.3f  %-12s %s\n", k, ne[k], nm[k], e[k], m[k],
				ratio[k], verdict, st
			if (ne[k] + nm[k] + err[k] < n)
				printf "%-14s   cut short after %s s (KIND_SECONDS)\n", "", secs[k]
			if (err[k] > 0)
				printf "%-14s   %d request(s) failed to complete\n", "", err[k]
		}
		printf "%d of %d kinds within the target (ratio of the medians <= 1.10)\n", pass, nkinds
	}' "$tmp/enum.out"
exit 0
