# failover_lib.sh: what the failover scripts of tests/pg (standby.sh,
# test_repmgr.sh) share; sourced, after `set -u`:
#
#   . "$(dirname "$0")/failover_lib.sh"
#   fl_init NAME path/to/robinet
#
# fl_init sets here, top (the project), bin (the robinet binary, absolute),
# PY, bindir (PostgreSQL's newest bin folder; "Bail out!" without one),
# as and owner (initdb and postgres refuse root: when root, they run as
# nobody through the command prefix $as, which execs, so that "$as
# postgres &" leaves the server's own pid in $!), and dir (a new folder
# of $TMPDIR named after NAME, with pg/ for the clusters, owned by their
# user). The scripts keep their own cleanup (each knows its servers).
#
# Then: ok/notok/check (TAP, n and failed), free_port, q PORT DB SQL
# (psql as robinet), ready PORT (pg_isready, 30 s), http PATH ("STATUS
# fr" when the page is the French "momentanément indisponible" one,
# "STATUS -" otherwise; robinet on $rport), signin (a subscriber signs
# in and reads the bills on $rport: "ok" or "failed ..."), wait_for
# SECONDS CMD (until CMD succeeds, at most SECONDS), serve_both PORT1
# PORT2 (robinet on $rport, seccomp = kill, through the multi-host URL
# of both clusters with target_session_attrs=read-write; its pid in
# $rpid, its log in $dir/robinet.log; waits for /healthz).

fl_init() {
	here=$(cd "$(dirname "$0")" && pwd)
	top=$(cd "$here/../.." && pwd)
	bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	PY=/usr/bin/python3
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$bindir/initdb" ] || { echo "Bail out! PostgreSQL is not installed"; exit 1; }
	if [ "$(id -u)" = 0 ]; then
		as="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
		owner=nobody:nogroup
	else
		as=
		owner=
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/robinet-$1-XXXXXX")
	chmod 755 "$dir"
	mkdir "$dir/pg" && chmod 700 "$dir/pg"
	[ -z "$owner" ] || chown "$owner" "$dir/pg"
	n=0 failed=0
}

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
free_port() { $PY "$(dirname "$0")/../freeport.py"; }
q() { "$bindir/psql" -X -Atq -h 127.0.0.1 -p "$1" -U robinet -d "$2" -c "$3" 2>>"$dir/psql.err"; }
ready() {
	i=0
	while [ $i -lt 300 ]; do
		"$bindir/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
http() { $PY -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.request("GET", sys.argv[2]); r = c.getresponse(); b = r.read().decode()
print(r.status, "fr" if "momentanément indisponible" in b else "-")' "$rport" "$1" 2>/dev/null; }
signin() { $PY -c 'import sys
sys.path.insert(0, sys.argv[2])
from test_auth import Browser, DEMO_EMAIL, DEMO_PASSWORD
class S: port = int(sys.argv[1])
b = Browser(S())
st = b.signin(DEMO_EMAIL, DEMO_PASSWORD)[0]
st2, _, page = b.get("/mes-factures")
print("ok" if st == 303 and st2 == 200 and "Facture" in page else "failed %s %s" % (st, st2))' "$rport" "$top/tests/http" 2>>"$dir/py.err"; }
wait_for() {
	end=$(($(date +%s) + $1))
	while :; do
		eval "$2" && return 0
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
serve_both() {
	ROBINET_DEMO=true ROBINET_TODAY=$(cat "$top/tests/today") ROBINET_SECCOMP=kill \
	ROBINET_MAIL_DIR="$dir" ROBINET_ATTACHMENTS_DIR="$dir" \
	ROBINET_PUBLIC_URL="http://127.0.0.1:$rport" \
	ROBINET_PSP_SANDBOX_LISTEN="127.0.0.1:$(free_port)" \
		"$bin" serve --listen "127.0.0.1:$rport" \
		--db "postgresql://robinet@127.0.0.1:$1,127.0.0.1:$2/robinet?target_session_attrs=read-write" \
		>/dev/null 2>"$dir/robinet.log" &
	rpid=$!
	wait_for 30 '[ "$(http /healthz)" = "200 -" ]'
}
