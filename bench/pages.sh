#!/bin/sh
# bench/pages.sh: every page of the subscriber's space, robinet against
# nginx serving the same bytes, side by side in one run.
#
#   bench/pages.sh
#   PAGES="/ /mon-espace" DURATION=5s bench/pages.sh
#
# Serves the demo database DB (bench/dashboard.sh makes the one of
# 400,000 contracts), signs in as SIGNIN, fetches each page once with the
# session cookie and gives nginx (one worker, access log off) those very
# bytes at the same path. robinet and nginx are pinned to CPU SERVER_CPU,
# wrk (one thread) to WRK_CPU, so that the load generator does not take
# the server's core. For each page, ROUNDS times: wrk on robinet, then on
# nginx; it prints the median requests/s of each, the ratio and the
# target of the page (home 0.9, /mon-espace 0.5, the other pages of the
# space 0.33), then the machine's load. "/" is measured twice: signed in
# and as an anonymous visitor ("/ (anonyme)"). Exit 0 whatever the
# ratios (it measures), 2 when it cannot measure.
#
# Environment (defaults in brackets):
#   DB [var/bench/demo-400000.db]   SIGNIN [demo@robinet.test:eau-potable-2024]
#      (DB may be a postgresql:// URL of a database `robinet demo --db URL` filled)
#   PAGES [/ /mon-espace /mes-factures /ma-consommation /mon-compte
#          /mes-demandes /mon-index /mes-coordonnees /mes-moyens-de-paiement
#          /confidentialite]
#   CONNS [32] DURATION [5s] WARMUP [1s] ROUNDS [3]
#   SERVER_CPU [0] WRK_CPU [1]       ROBINET [build/robinet]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"

DB=${DB:-$root/var/bench/demo-400000.db}
SIGNIN=${SIGNIN:-demo@robinet.test:eau-potable-2024}
PAGES=${PAGES:-"/ /mon-espace /mes-factures /ma-consommation /mon-compte /mes-demandes /mon-index /mes-coordonnees /mes-moyens-de-paiement /confidentialite"}
CONNS=${CONNS:-32}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
ROBINET=${ROBINET:-$root/build/robinet}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PYTHON=${PYTHON:-/usr/bin/python3}

for tool in wrk curl taskset "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/bootstrap --test installs it)"
done
[ -x "$NGINX" ] || die "nginx is missing (scripts/bootstrap --test installs nginx-light)"
case $DB in
postgresql://*) dburl=$DB ;; # a PostgreSQL database filled by `robinet demo --db URL`
*) [ -f "$DB" ] || die "no database $DB (bench/dashboard.sh makes one)"; dburl=sqlite:$DB ;;
esac
case $CONNS$ROUNDS$SERVER_CPU$WRK_CPU in *[!0-9]*) die "CONNS, ROUNDS and the CPUs must be numbers" ;; esac
need_robinet "$ROBINET"

robinet_pid=""
nginx_pid=""
bench_tmpdir robinet-pages robinet_pid nginx_pid

"$ROBINET" migrate --db "$dburl" >/dev/null 2>&1 || die "robinet migrate failed on $DB"
port=$(free_port)
taskset -c "$SERVER_CPU" "$ROBINET" serve --db "$dburl" --listen "127.0.0.1:$port" \
	>"$tmp/robinet.log" 2>&1 &
robinet_pid=$!
base=http://127.0.0.1:$port
wait_http "$base/confidentialite" "$robinet_pid" || { tail -n 20 "$tmp/robinet.log" >&2; die "robinet did not start"; }
cookie=$("$PYTHON" "$root/bench/signin-cookie.py" "$base" "${SIGNIN%%:*}" "${SIGNIN#*:}") ||
	die "cannot sign in as ${SIGNIN%%:*}"

# nginx: the bytes of each page (page-N.html) and of the anonymous home.
mkdir -p "$tmp/www" "$tmp/nginx/logs"
chmod 755 "$tmp" "$tmp/www"
fetch() { # fetch PATH FILE [COOKIE]
	code=$(curl -s -o "$2" -w '%{http_code}' --max-time 30 ${3:+-H "Cookie: $3"} "$base$1") ||
		die "cannot fetch $1"
	[ "$code" = 200 ] || die "$1 answered $code, not 200"
}
# Page N's bytes at /page-N.html: a page below another one
# (/mes-factures and /mes-factures/NUMBER) cannot be both a file and a
# folder.
n=0
for page in $PAGES; do
	n=$((n + 1))
	fetch "$page" "$tmp/www/page-$n.html" "$cookie"
	chmod 644 "$tmp/www/page-$n.html"
done
fetch / "$tmp/www/anonyme.html"
chmod 644 "$tmp/www/anonyme.html"
nginx_port=$(free_port)
temp_paths="    client_body_temp_path $tmp/nginx/client_body;
"
for t in proxy fastcgi scgi uwsgi; do
	if ! "$NGINX" -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
		temp_paths="$temp_paths    ${t}_temp_path $tmp/nginx/$t;
"
	fi
done
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { }
    default_type text/html;
    charset utf-8;
$temp_paths
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        index index.html;
    }
}
EOF
taskset -c "$SERVER_CPU" "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' \
	>"$tmp/nginx/logs/stdout.log" 2>&1 &
nginx_pid=$!
nginx=http://127.0.0.1:$nginx_port
wait_http "$nginx/anonyme.html" "$nginx_pid" || { cat "$tmp/nginx/logs/error.log" >&2 || true; die "nginx did not start"; }

# rps URL [COOKIE]: the median requests/s of ROUNDS wrk runs (one per
# call: the caller alternates servers).
rps() {
	if [ "$(seconds "$WARMUP")" -gt 0 ]; then
		taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$WARMUP" ${2:+-H "Cookie: $2"} "$1" >/dev/null 2>&1 || true
	fi
	taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$DURATION" --timeout 5s ${2:+-H "Cookie: $2"} \
		-s "$root/bench/wrk-report.lua" "$1" >"$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; die "wrk failed on $1"; }
	grep '^RESULT ' "$tmp/wrk.out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		err = v["errors_connect"] + v["errors_read"] + v["errors_write"] + v["errors_status"] + v["errors_timeout"]
		printf "%s %d\n", v["rps"], err }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-24s %7s %10s %10s %7s %7s\n' page bytes robinet nginx ratio target
n=0
for page in $PAGES "/ (anonyme)"; do
	n=$((n + 1))
	case $page in
	"/ (anonyme)") url=$base/; nurl=$nginx/anonyme.html; c="" ;;
	*) url=$base$page; nurl=$nginx/page-$n.html; c=$cookie ;;
	esac
	case $page in
	/ | "/ (anonyme)") target=0.9 ;;
	/mon-espace) target=0.5 ;;
	*) target=0.33 ;;
	esac
	: >"$tmp/r"
	: >"$tmp/n"
	r=1
	while [ $r -le "$ROUNDS" ]; do
		rps "$url" "$c" >>"$tmp/r"
		rps "$nurl" "" >>"$tmp/n"
		r=$((r + 1))
	done
	bytes=$(curl -s --max-time 30 ${c:+-H "Cookie: $c"} "$url" | wc -c)
	rr=$(cut -d' ' -f1 "$tmp/r" | median)
	nn=$(cut -d' ' -f1 "$tmp/n" | median)
	errs=$(cat "$tmp/r" "$tmp/n" | awk '{ s += $2 } END { print s + 0 }')
	awk -v p="$page" -v b="$bytes" -v r="$rr" -v n="$nn" -v t="$target" -v e="$errs" 'BEGIN {
		ratio = n > 0 ? r / n : 0
		printf "%-24s %7d %10.0f %10.0f %7.2f %7s %s%s\n", p, b, r, n, ratio, t,
			(ratio >= t ? "PASS" : "BELOW"), (e > 0 ? " (" e " failed requests)" : "")
	}'
done
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after; $(nproc) cores;" \
	"robinet and nginx (1 worker) on CPU $SERVER_CPU, wrk -t1 -c$CONNS -d$DURATION on CPU $WRK_CPU," \
	"$ROUNDS round(s), medians"
