#!/bin/sh
# Sign-in storm: the home page's p99 latency while 50 clients keep signing
# in, against the same measure with no sign-ins, in the same run.
#
#   bench/signin.sh
#
# Builds build/robinet with `make` if it is missing, fills a temporary demo
# database, starts `robinet serve` on a free loopback port with the rate
# limits raised out of the way, then, ROUNDS times:
#   1. quiet: wrk on PAGE (after a warm-up), nothing else running;
#   2. storm: bench/signin-storm.py starts CLIENTS threads that loop on
#      GET /connexion + POST /connexion with the demo account's password
#      (argon2id on the server's slow-work pool); after WARMUP seconds of
#      storm, the same wrk run on PAGE; the storm stops when wrk is done.
# It prints the median p50 and p99 of PAGE in each case, the sign-ins per
# second the storm achieved while wrk ran, the sign-ins' latency, and the
# ratio storm/quiet of the median p99s (and the ratio of each round: quiet
# and storm back to back, a round far from the others met outside load).
# The target is a ratio of at most 2.0: the script prints PASS or ABOVE
# TARGET and exits 0 either way (it measures, it does not gate CI). It exits 2 when it cannot measure (no binary, a
# server that does not start, a sign-in that does not succeed, wrk failing).
#
# Environment (defaults in brackets):
#   THREADS [1] CONNS [8] DURATION [10s]  wrk's -t, -c and -d on PAGE
#   WARMUP [2s]          wrk run before each quiet measure, and storm run
#                        before each storm measure; not counted
#   ROUNDS [3]           quiet then storm, this many times; the figures
#                        printed are the medians over the rounds
#   CLIENTS [50]         concurrent sign-in clients
#   CONTRACTS [2000]     size of the demo database
#   PAGE [/]             the path measured
#   ROBINET [build/robinet]  the binary (copied for the run)
#   PYTHON [/usr/bin/python3]  runs bench/signin-storm.py
#   BENCH_URL            measure this already running server (a demo
#                        database, its rate limits raised) instead of
#                        starting robinet
#   ROBINET_*            settings of the server started, e.g.
#                        ROBINET_SLOW_WORKERS=4; the rate limits default
#                        to their maximum here
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
THREADS=${THREADS:-1}
CONNS=${CONNS:-8}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
CONTRACTS=${CONTRACTS:-2000}
PAGE=${PAGE:-/}
ROBINET=${ROBINET:-$root/build/robinet}
BENCH_URL=${BENCH_URL:-}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || echo python3)

. "$root/bench/lib.sh"

for tool in wrk curl "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/bootstrap --test installs it)"
done
case $THREADS$CONNS$ROUNDS$CLIENTS in *[!0-9]*) die "THREADS, CONNS, ROUNDS and CLIENTS must be numbers" ;; esac
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be at least 1"
[ "$CLIENTS" -ge 1 ] || die "CLIENTS must be at least 1"
case $(seconds "$DURATION")$(seconds "$WARMUP") in
*[!0-9]* | "") die "DURATION and WARMUP must look like 10, 10s, 2m or 1h" ;;
esac
[ "$(seconds "$DURATION")" -ge 1 ] || die "DURATION must be at least 1 s"
case $PAGE in /*) ;; *) die "PAGE must start with /" ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/robinet-bench.XXXXXX")
robinet_pid=""
storm_pid=""
cleanup() {
	for p in $storm_pid $robinet_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $storm_pid $robinet_pid; do
		wait "$p" 2>/dev/null || true
	done
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
	port=$(free_port)
	base="http://127.0.0.1:$port"
	# The storm signs in thousands of times from one address: the rate
	# limits (their maxima) must not slow it down. wrk and the clients
	# share that address too.
	ROBINET_PUBLIC_URL=$base
	ROBINET_RL_PER_IP=${ROBINET_RL_PER_IP:-1000000}
	ROBINET_RL_PER_ACCOUNT=${ROBINET_RL_PER_ACCOUNT:-1000000}
	ROBINET_RL_PER_CONTRACT=${ROBINET_RL_PER_CONTRACT:-1000000}
	ROBINET_RL_GLOBAL=${ROBINET_RL_GLOBAL:-100000000}
	export ROBINET_PUBLIC_URL ROBINET_RL_PER_IP ROBINET_RL_PER_ACCOUNT \
		ROBINET_RL_PER_CONTRACT ROBINET_RL_GLOBAL
	if [ -z "${ROBINET_MAX_CONNECTIONS_PER_IP:-}" ] && [ $((CLIENTS + CONNS)) -gt 60 ]; then
		ROBINET_MAX_CONNECTIONS_PER_IP=$((CLIENTS + CONNS + 8))
		export ROBINET_MAX_CONNECTIONS_PER_IP
	fi
	# `timeout` bounds the server's life even if this script is killed
	# outright; it hands the TERM of cleanup on to robinet.
	timeout 3600 "$tmp/robinet" serve --db "sqlite:$tmp/demo.db" --listen "127.0.0.1:$port" \
		>"$tmp/robinet.log" 2>&1 &
	robinet_pid=$!
	if ! wait_http "$base$PAGE" "$robinet_pid"; then
		tail -n 20 "$tmp/robinet.log" >&2
		die "robinet serve did not answer on $base$PAGE"
	fi
	what="$("$tmp/robinet" version 2>/dev/null | head -n 1 || echo robinet)"
fi
target="$base$PAGE"

code=$(curl -s -o "$tmp/page.html" -w '%{http_code}' --max-time 10 "$target") ||
	die "cannot fetch $target"
[ "$code" = 200 ] || die "$target answered $code, not 200"
size=$(wc -c <"$tmp/page.html")

# One sign-in by hand: the storm means nothing if sign-in does not work.
curl -s -o "$tmp/form.html" -D "$tmp/form.headers" --max-time 10 "$base/connexion" ||
	die "cannot fetch $base/connexion"
token=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$tmp/form.html" | head -n 1)
[ -n "$token" ] || die "no csrf field in $base/connexion"
grep -qi '^set-cookie: __Host-robinet-csrf=' "$tmp/form.headers" ||
	die "$base/connexion sets no __Host-robinet-csrf cookie"
signin=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 30 \
	-H "Cookie: __Host-robinet-csrf=$token" \
	--data-urlencode email=demo@robinet.test --data-urlencode mot_de_passe=eau-potable-2024 \
	--data-urlencode "csrf=$token" "$base/connexion") || die "cannot post to $base/connexion"
case $signin in
"303 "*/mon-espace) ;;
*) die "the demo sign-in answered '$signin', not 303 to /mon-espace" ;;
esac

# ---- measures

dur=$(seconds "$DURATION")
warm=$(seconds "$WARMUP")
limit=$((dur + warm + 60))

# wrk_run NAME: runs wrk once on the page, appends "NAME rps p50_us p99_us
# errors requests" to $tmp/results.
wrk_run() {
	timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s \
		-s "$root/bench/wrk-report.lua" "$target" >"$tmp/wrk.out" 2>&1 ||
		{ cat "$tmp/wrk.out" >&2; die "wrk failed against $target"; }
	line=$(grep '^RESULT ' "$tmp/wrk.out") || { cat "$tmp/wrk.out" >&2; die "no result from wrk"; }
	echo "$line" | awk -v name="$1" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		err = v["errors_connect"] + v["errors_read"] + v["errors_write"] + v["errors_status"] + v["errors_timeout"]
		print name, v["rps"], v["p50_us"], v["p99_us"], err, v["requests"]
	}' >>"$tmp/results"
}

quiet() {
	if [ "$warm" -gt 0 ]; then
		timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$target" >/dev/null 2>&1 || true
	fi
	wrk_run quiet
	tail -n 1 "$tmp/results" | awk '{ printf "bench:   quiet  p99 %8.2f ms\n", $4 / 1000 }' >&2
}

# The storm runs WARMUP + DURATION + 1 s; wrk starts WARMUP s after its
# clients, and the storm counts the sign-ins done during those DURATION s.
storm() {
	rm -f "$tmp/ready" "$tmp/storm.out"
	timeout $((dur + warm + 60)) "$PYTHON" "$root/bench/signin-storm.py" --url "$base" \
		--clients "$CLIENTS" --duration $((dur + warm + 1)) \
		--window-start "$warm" --window "$dur" --ready "$tmp/ready" \
		>"$tmp/storm.out" 2>"$tmp/storm.err" &
	storm_pid=$!
	i=0
	while [ ! -e "$tmp/ready" ] && [ $i -lt 100 ]; do
		kill -0 "$storm_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$tmp/ready" ] || { cat "$tmp/storm.err" >&2; die "the sign-in storm did not start"; }
	if [ "$warm" -gt 0 ]; then
		sleep "$warm"
	fi
	wrk_run storm
	# The clients finish their last sign-in: the slow-work queue is empty
	# when the next quiet measure starts.
	wait "$storm_pid" || true
	storm_pid=""
	line=$(grep '^STORM ' "$tmp/storm.out") || { cat "$tmp/storm.err" >&2; die "no result from the sign-in storm"; }
	echo "$line" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["window_rate"], v["post_p50_ms"], v["post_p99_ms"], v["ok"], v["failed"], v["errors"], v["statuses"]
	}' >>"$tmp/storms"
	tail -n 1 "$tmp/results" | awk '{ printf "bench:   storm  p99 %8.2f ms", $4 / 1000 }' >&2
	tail -n 1 "$tmp/storms" | awk '{ printf ", %.1f sign-ins/s\n", $1 }' >&2
}

echo "bench: $what" >&2
echo "bench: $target ($size bytes); $ROUNDS round(s) of wrk -t$THREADS -c$CONNS -d$DURATION, quiet then with $CLIENTS sign-in clients" >&2
: >"$tmp/results"
: >"$tmp/storms"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
r=1
while [ $r -le "$ROUNDS" ]; do
	quiet
	storm
	sleep 1
	r=$((r + 1))
done

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (other work on the machine skews the figures)"
echo "page: $PAGE, $size bytes; $ROUNDS round(s) of wrk -t$THREADS -c$CONNS -d$DURATION, quiet (warm-up $WARMUP) then during a storm of $CLIENTS sign-in clients (started $WARMUP before)"
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
	FNR == 1 { file++ }
	file == 1 {
		k = $1; n[k]++
		rps[k, n[k]] = $2; p50[k, n[k]] = $3; p99[k, n[k]] = $4
		err[k] += $5; req[k] += $6
		each[k] = each[k] sprintf(" %.2f", $4 / 1000)
		next
	}
	file == 2 {
		s++
		rate[s] = $1; sp50[s] = $2; sp99[s] = $3
		ok += $4; failed += $5; errors += $6
		if (failed + errors > 0 || $7 != "303:" $4)
			odd = odd " " $7
		next
	}
	END {
		split("quiet storm", names, " ")
		printf "%-6s %9s %9s %9s %7s %9s  %s\n", "home", "req/s", "p50", "p99", "errors",
			"requests", "p99 of each round (ms)"
		for (x = 1; x <= 2; x++) {
			k = names[x]
			for (i = 1; i <= n[k]; i++) { a[i] = rps[k, i] }; m_rps = med(a, n[k])
			for (i = 1; i <= n[k]; i++) { a[i] = p50[k, i] }; m_p50 = med(a, n[k])
			for (i = 1; i <= n[k]; i++) { a[i] = p99[k, i] }; m_p99[k] = med(a, n[k])
			printf "%-6s %9.1f %6.2f ms %6.2f ms %7d %9d %s\n", k, m_rps, m_p50 / 1000,
				m_p99[k] / 1000, err[k], req[k], each[k]
		}
		for (i = 1; i <= s; i++) { a[i] = rate[i] }; m_rate = med(a, s)
		for (i = 1; i <= s; i++) { a[i] = sp50[i] }; m_sp50 = med(a, s)
		for (i = 1; i <= s; i++) { a[i] = sp99[i] }; m_sp99 = med(a, s)
		rates = ""
		for (i = 1; i <= s; i++) rates = rates sprintf(" %.1f", rate[i])
		printf "sign-ins during the storm: %.1f /s (each round:%s), POST p50 %.0f ms, p99 %.0f ms; %d succeeded, %d failed, %d connection errors\n",
			m_rate, rates, m_sp50, m_sp99, ok, failed, errors
		ratio = m_p99["quiet"] > 0 ? m_p99["storm"] / m_p99["quiet"] : 0
		printf "ratio storm/quiet of the home p99: %.2f (target <= 2.0): %s\n", ratio,
			(ratio <= 2.0 ? "PASS" : "ABOVE TARGET")
		# Each round measures quiet then storm back to back: its own ratio
		# shows whether outside load hit one side only.
		rr = ""; nr = 0
		for (i = 1; i <= n["quiet"] && i <= n["storm"]; i++)
			if (p99["quiet", i] > 0) {
				a[++nr] = p99["storm", i] / p99["quiet", i]
				rr = rr sprintf(" %.2f", a[nr])
			}
		if (nr > 1)
			printf "ratio of each round:%s (median %.2f)\n", rr, med(a, nr)
		if (err["quiet"] + err["storm"] > 0)
			print "warning: some home page requests failed (see errors): the figures are suspect"
		if (odd != "")
			print "warning: some sign-ins did not succeed (status:count per round:" odd "): the storm was not all sign-ins"
		if (ok == 0)
			print "warning: no sign-in succeeded during the storm: it measured nothing"
	}' "$tmp/results" "$tmp/storms"
exit 0
