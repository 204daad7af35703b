# bench/lib.sh: helpers shared by the bench scripts (sourced, not run).
# Expects PYTHON to name a python3 interpreter (default: python3).

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

# A TCP port that is free on loopback right now.
free_port() {
	"${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
