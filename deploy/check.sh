#!/bin/sh
# Validates what can be validated of deploy/ on this machine, without
# installing anything: the nginx site with a throw-away self-signed
# certificate (nginx -t on a temporary main file that includes it), the
# systemd units (systemd-analyze verify, binary path pointed at this
# build) and the logrotate file (logrotate -d). Exit 0 when all pass.
#   deploy/check.sh [BUILD_DIR]      (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
tmp=$(mktemp -d /tmp/robinet-deploy-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# nginx: the site inside an http {} of our own, paths moved to $tmp.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=espace-client.example.fr" \
	-keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" 2>/dev/null
mkdir -p "$tmp/log"
sed -e "s|/etc/ssl/robinet/|$tmp/|g" -e "s|/var/log/nginx/|$tmp/log/|g" \
	"$here/nginx/robinet.conf" > "$tmp/site.conf"
cat > "$tmp/nginx.conf" <<NGINX
pid $tmp/nginx.pid;
error_log $tmp/log/error.log;
events {}
http {
	include /etc/nginx/mime.types;
	access_log $tmp/log/access.log;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	include $tmp/site.conf;
}
NGINX
if nginx -t -q -c "$tmp/nginx.conf" -p "$tmp"; then
	echo "ok - nginx -t: deploy/nginx/robinet.conf"
else
	echo "not ok - nginx -t: deploy/nginx/robinet.conf"; fail=1
fi

# systemd: units verified with ExecStart pointing at this build.
if command -v systemd-analyze >/dev/null 2>&1; then
	for u in robinet.service robinet-backup.service robinet-backup.timer; do
		sed -e "s|/usr/local/bin/robinet|$build/robinet|g" "$here/systemd/$u" > "$tmp/$u"
	done
	out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
		"$tmp/robinet.service" "$tmp/robinet-backup.service" "$tmp/robinet-backup.timer" 2>&1 |
		grep -v -e "Failed to connect to bus" -e "^$" \
		-e "Unit robinet.service not found" -e "robinet-backup.service: Command" || true)
	if [ -z "$out" ]; then
		echo "ok - systemd-analyze verify: deploy/systemd/*"
	else
		echo "not ok - systemd-analyze verify: deploy/systemd/*"; echo "$out" | sed 's/^/# /'; fail=1
	fi
else
	echo "ok - systemd-analyze verify # SKIP not installed"
fi

# logrotate: parse and dry-run the file.
if command -v logrotate >/dev/null 2>&1; then
	mkdir -p "$tmp/var"
	if logrotate -d -s "$tmp/state" "$here/logrotate/robinet" >"$tmp/lr.log" 2>&1 &&
	    ! grep -qi "error" "$tmp/lr.log"; then
		echo "ok - logrotate -d: deploy/logrotate/robinet"
	else
		echo "not ok - logrotate -d: deploy/logrotate/robinet"; sed 's/^/# /' "$tmp/lr.log"; fail=1
	fi
else
	echo "ok - logrotate -d # SKIP not installed"
fi
exit $fail
