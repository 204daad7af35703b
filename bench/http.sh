#!/bin/sh
# HTTP benchmark of the home page: robinet against nginx serving the very
# same bytes as a static file, measured in turn with wrk in the same run.
#
#   bench/http.sh
#
# Builds build/robinet with `make` if it is missing, fills a temporary demo
# database, starts `robinet serve` and nginx on free loopback ports, runs
# wrk against each, prints requests/s, p50 and p99 latency and the ratio
# robinet/nginx, then stops both servers. The target is a ratio of at
# least TARGET (0.5); the script prints PASS or BELOW TARGET and exits 0 either way
# (it measures, it does not gate CI). It exits 2 when it cannot measure.
#
# Environment (defaults in brackets):
#   THREADS [2] CONNS [32] DURATION [10s]  wrk's -t, -c and -d
#   WARMUP [2s]          wrk run before each measure, not counted; 0 = none
#   ROUNDS [3]           robinet then nginx, this many times; the figures
#                        printed are the medians over the rounds
#   CONTRACTS [2000]     size of the demo database
#   PAGE [/]             the path measured
#   NGINX_WORKERS [nproc] nginx worker processes (robinet uses every core)
#   ROBINET [build/robinet]  the binary
#   BENCH_URL            measure this already running server (its PAGE)
#                        instead of starting robinet: e.g. to check the
#                        bench itself, or a PostgreSQL-backed instance
#   DB                   serve this SQLite database instead of a new demo
#                        one (CONTRACTS is then ignored)
#   SIGNIN               "email:password": sign in first and measure PAGE
#                        as that subscriber (the session cookie is sent by
#                        curl and wrk; nginx ignores it)
#   TARGET [0.5]         the ratio robinet/nginx to reach
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
CONTRACTS=${CONTRACTS:-2000}
PAGE=${PAGE:-/}
NGINX_WORKERS=${NGINX_WORKERS:-$(nproc)}
ROBINET=${ROBINET:-$root/build/robinet}
BENCH_URL=${BENCH_URL:-}
DB=${DB:-}
SIGNIN=${SIGNIN:-}
TARGET=${TARGET:-0.5}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

. "$root/bench/lib.sh"

for tool in wrk curl python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/bootstrap --test installs it)"
done
[ -x "$NGINX" ] || die "nginx is missing (scripts/bootstrap --test installs nginx-light)"
case $THREADS$CONNS$ROUNDS in *[!0-9]*) die "THREADS, CONNS and ROUNDS must be numbers" ;; esac
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be at least 1"
case $(seconds "$DURATION")$(seconds "$WARMUP") in
*[!0-9]* | "") die "DURATION and WARMUP must look like 10, 10s, 2m or 1h" ;;
esac
case $PAGE in /*) ;; *) die "PAGE must start with /" ;; esac

robinet_pid=""
nginx_pid=""
bench_tmpdir robinet-bench robinet_pid nginx_pid

# ---- the server under test

if [ -n "$BENCH_URL" ]; then
	target="${BENCH_URL%/}$PAGE"
	what="$BENCH_URL (already running)"
else
	need_robinet "$ROBINET"
	if [ -n "$DB" ]; then
		[ -f "$DB" ] || die "no database $DB"
		db=$DB
	else
		db=$tmp/demo.db
		demo_db "$ROBINET" "$db" "$CONTRACTS"
	fi
	port=$(free_port)
	# `timeout` bounds the server's life even if this script is killed
	# outright; it hands the TERM of cleanup on to robinet.
	timeout 3600 "$ROBINET" serve --db "sqlite:$db" --listen "127.0.0.1:$port" \
		>"$tmp/robinet.log" 2>&1 &
	robinet_pid=$!
	target="http://127.0.0.1:$port$PAGE"
	if ! wait_http "$target" "$robinet_pid"; then
		tail -n 20 "$tmp/robinet.log" >&2
		die "robinet serve did not answer on $target"
	fi
	what="$("$ROBINET" version 2>/dev/null | head -n 1 || echo robinet)"
fi

# The session cookie, when measuring a signed-in page.
cookie=""
if [ -n "$SIGNIN" ]; then
	cookie=$("${PYTHON:-python3}" "$root/bench/signin-cookie.py" "${target%"$PAGE"}" \
		"${SIGNIN%%:*}" "${SIGNIN#*:}") || die "cannot sign in as ${SIGNIN%%:*}"
fi
code=$(curl -s -o "$tmp/page.html" -D "$tmp/page.headers" -w '%{http_code}' --max-time 10 \
	${cookie:+-H "Cookie: $cookie"} "$target") ||
	die "cannot fetch $target"
[ "$code" = 200 ] || die "$target answered $code, not 200"
size=$(wc -c <"$tmp/page.html")
[ "$size" -gt 0 ] || die "$target answered an empty page"

# ---- nginx serving the same bytes

mkdir -p "$tmp/www" "$tmp/nginx/logs"
cp "$tmp/page.html" "$tmp/www/index.html"
# nginx's workers may run as nobody: they must be able to read the page.
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/index.html"
nginx_port=$(free_port)
# Temporary directories inside ours, so that nginx needs no write access
# to /var/lib/nginx; only the modules built in know their directive.
temp_paths="    client_body_temp_path $tmp/nginx/client_body;
"
for t in proxy fastcgi scgi uwsgi; do
	if ! "$NGINX" -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
		temp_paths="$temp_paths    ${t}_temp_path $tmp/nginx/$t;
"
	fi
done
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { text/html html; }
    default_type text/html;
    charset utf-8;
$temp_paths
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        location = / { try_files /index.html =404; }
        location / { try_files /index.html =404; }
    }
}
EOF
timeout 3600 "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' \
	>"$tmp/nginx/logs/stdout.log" 2>&1 &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port$PAGE"
if ! wait_http "$nginx_url" "$nginx_pid"; then
	cat "$tmp/nginx/logs/stdout.log" "$tmp/nginx/logs/error.log" >&2 2>/dev/null || true
	die "nginx did not answer on $nginx_url"
fi
curl -s --max-time 10 -o "$tmp/nginx.html" "$nginx_url" || die "cannot fetch $nginx_url"
cmp -s "$tmp/page.html" "$tmp/nginx.html" || die "nginx does not serve the same bytes"

# ---- measures

limit=$(($(seconds "$DURATION") + $(seconds "$WARMUP") + 60))

# measure NAME URL: runs wrk once, appends "NAME rps p50_us p99_us errors
# requests" to $tmp/results.
measure() {
	if [ "$(seconds "$WARMUP")" -gt 0 ]; then
		timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" \
			${cookie:+-H "Cookie: $cookie"} "$2" >/dev/null 2>&1 || true
	fi
	timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s \
		${cookie:+-H "Cookie: $cookie"} -s "$root/bench/wrk-report.lua" "$2" >"$tmp/wrk.out" 2>&1 ||
		{ cat "$tmp/wrk.out" >&2; die "wrk failed against $2"; }
	line=$(grep '^RESULT ' "$tmp/wrk.out") || { cat "$tmp/wrk.out" >&2; die "no result from wrk"; }
	echo "$line" | awk -v name="$1" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		err = v["errors_connect"] + v["errors_read"] + v["errors_write"] + v["errors_status"] + v["errors_timeout"]
		print name, v["rps"], v["p50_us"], v["p99_us"], err, v["requests"]
	}' >>"$tmp/results"
	tail -n 1 "$tmp/results" | awk '{ printf "bench:   %-8s %10.1f req/s\n", $1, $2 }' >&2
}

echo "bench: $what" >&2
echo "bench: robinet $target ($size bytes), nginx $nginx_url ($NGINX_WORKERS workers)" >&2
echo "bench: $ROUNDS round(s) of wrk -t$THREADS -c$CONNS -d$DURATION on each, in turn" >&2
: >"$tmp/results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
r=1
while [ $r -le "$ROUNDS" ]; do
	measure robinet "$target"
	measure nginx "$nginx_url"
	r=$((r + 1))
done

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (other work on the machine skews the figures)"
echo "page: $PAGE, $size bytes; $ROUNDS round(s) of wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP)"
# Medians over the rounds, each figure on its own; the ratio is that of
# the median throughputs.
awk -v target="$TARGET" '
	function median(name, col,    a, n, i, j, t) {
		n = 0
		for (i = 1; i <= rows; i++)
			if (nm[i] == name)
				a[++n] = val[i, col]
		for (i = 2; i <= n; i++)	# insertion sort: a few rounds only
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		rows++
		nm[rows] = $1
		for (c = 2; c <= 6; c++)
			val[rows, c] = $c
		err[$1] += $5; req[$1] += $6
		each[$1] = each[$1] sprintf(" %.0f", $2)
	}
	END {
		printf "%-8s %10s %10s %10s %7s %10s  %s\n", "server", "req/s", "p50", "p99",
			"errors", "requests", "req/s of each round"
		split("robinet nginx", names, " ")
		for (k = 1; k <= 2; k++) {
			n = names[k]
			rps[n] = median(n, 2)
			printf "%-8s %10.1f %7.2f ms %7.2f ms %7d %10d %s\n", n, rps[n],
				median(n, 3) / 1000, median(n, 4) / 1000, err[n], req[n], each[n]
		}
		ratio = rps["nginx"] > 0 ? rps["robinet"] / rps["nginx"] : 0
		printf "ratio robinet/nginx: %.3f (target >= %s): %s\n", ratio, target,
			(ratio >= target + 0 ? "PASS" : "BELOW TARGET")
		if (err["robinet"] + err["nginx"] > 0)
			print "warning: some requests failed (see errors): the figures are suspect"
	}' "$tmp/results"
exit 0
