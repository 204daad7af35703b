# bench/lib.sh: helpers shared by the bench scripts (sourced, not run).
# Expects PYTHON to name a python3 interpreter (default: python3) and root
# the top of the work tree (free_port runs tests/freeport.py).

die() {
	echo "bench: $*" >&2
	exit 2
}

# Seconds in a wrk duration (10, 10s, 2m, 1h), for the time limits.
seconds() {
	case $1 in
	*s) echo "${1%s}" ;;
	*m) echo $((${1%m} * 60)) ;;
	*h) echo $((${1%h} * 3600)) ;;
	*) echo "$1" ;;
	esac
}

# A TCP port that is free on loopback right now, outside the ephemeral range.
free_port() {
	"${PYTHON:-python3}" "$root/tests/freeport.py"
}

# wait_http URL PID: until URL answers (at most 30 s) or PID dies.
wait_http() {
	i=0
	while [ $i -lt 300 ]; do
		if curl -s -o /dev/null --max-time 1 "$1"; then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# need_robinet BIN: builds it with `make` (in $root) when it is missing.
need_robinet() {
	if [ ! -x "$1" ]; then
		echo "bench: $1 is missing: running make" >&2
		make -C "$root" >&2 || die "make failed"
		[ -x "$1" ] || die "make did not build $1"
	fi
}

# demo_db BIN DB CONTRACTS: fills DB with the demo dataset of CONTRACTS
# contracts (its log in DB.log, shown on failure).
demo_db() {
	echo "bench: demo database with $3 contracts" >&2
	timeout 600 "$1" demo --db "sqlite:$2" --contracts "$3" >"$2.log" 2>&1 || {
		tail -n 20 "$2.log" >&2
		die "robinet demo failed"
	}
}

# bench_tmpdir NAME [VAR...]: makes $tmp, a new folder
# ${TMPDIR:-/tmp}/NAME.XXXXXX, and the traps that, however the script
# ends, stop the processes whose ids the variables VAR hold then (empty
# ones are skipped), wait for them and remove $tmp. INT, TERM and HUP
# end the script (status 130).
bench_tmpdir() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || die "cannot make a temporary folder"
	shift
	bench_pid_vars="$*"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

bench_cleanup() {
	bench_pids=
	for v in $bench_pid_vars; do
		eval "bench_pids=\"\$bench_pids \${$v:-}\""
	done
	for p in $bench_pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $bench_pids; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}

# keepalive_get PORT PATH COUNT [COOKIE]: COUNT GETs of PATH on one
# keep-alive connection to robinet on loopback PORT, with the Cookie
# header COOKIE if given; prints the last body's size in bytes, fails
# unless every answer is 200.
keepalive_get() {
	"${PYTHON:-python3}" - "$1" "$2" "$3" "${4:-}" <<'PY'
import http.client, sys
port, path, count, cookie = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
headers = {"Cookie": cookie} if cookie else {}
body = b""
for _ in range(count):
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("%s answered %d" % (path, r.status))
print(len(body))
PY
}
