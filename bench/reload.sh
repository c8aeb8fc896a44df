#!/usr/bin/env bash
# bench/reload.sh: wrk against tinyhttpd for 20 s while the master gets a SIGHUP every 0.5 s, and the same
# against nginx (when it is installed) in the same run; prints wrk's socket errors and non-2xx answers.
#
#   bench/reload.sh                      # DURATION=20 INTERVAL=0.5 CONNECTIONS=50 WORKERS=2 to change
#
# Loopback only; it stops every process it starts. Build first (./configure && make), or it builds.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-20}
interval=${INTERVAL:-0.5}
connections=${CONNECTIONS:-50}
workers=${WORKERS:-2}

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "reload.sh: installing $2" >&2
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	else
		echo "reload.sh: $1 is missing: install the Debian package $2" >&2
		exit 1
	fi
}
need wrk wrk
if [ ! -x "$top/src/tinyhttpd" ]; then
	(cd "$top" && { [ -x configure ] || autoreconf -fi; } && { [ -f Makefile ] || ./configure; } && make) >&2
fi

work=$(mktemp -d /tmp/tinyhttpd-bench.XXXXXX)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# A port nothing listens on, from a range the kernel does not hand out to clients.
free_port() {
	local port
	for port in $(seq "$1" $(($1 + 200))); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "reload.sh: no free port near $1" >&2
	exit 1
}

wait_up() {
	local port=$1 i
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "reload.sh: nothing answers on port $port" >&2
	exit 1
}

# Runs wrk against $1 while reloading with the command in $2 every $interval s; prints one table row.
measure() {
	local name=$1 url=$2 reload=$3 out=$work/wrk-$1.txt reloads=0 wrk_pid
	wrk -t2 -c"$connections" -d"${duration}s" "$url" >"$out" 2>&1 &
	wrk_pid=$!
	sleep 1
	while kill -0 "$wrk_pid" 2>/dev/null; do
		eval "$reload"
		reloads=$((reloads + 1))
		sleep "$interval"
	done
	wait "$wrk_pid" || true
	local rps errors non2xx
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$out")
	errors=$(awk '/Socket errors/ { gsub(",", ""); print "connect " $4 ", read " $6 ", write " $8 ", timeout " $10 }' "$out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$out")
	printf "%-10s %8s %10s  %-44s %8s\n" "$name" "$reloads" "${rps:-?}" "${errors:-connect 0, read 0, write 0, timeout 0}" "${non2xx:-0}"
}

tport=$(free_port 28080)
cat >"$work/tinyhttpd.conf" <<EOF
server = { address = "127.0.0.1"; port = $tport; workers = $workers; access_log = ""; };
routes = ( { path = "/hello"; text = "Hello World!"; } );
EOF
"$top/src/tinyhttpd" -c "$work/tinyhttpd.conf" 2>"$work/tinyhttpd.log" &
tpid=$!
pids+=("$tpid")
wait_up "$tport"

printf "wrk -t2 -c%s -d%ss, a reload every %ss, on 127.0.0.1\n\n" "$connections" "$duration" "$interval"
printf "%-10s %8s %10s  %-44s %8s\n" server reloads "req/s" "socket errors" non-2xx
measure tinyhttpd "http://127.0.0.1:$tport/hello" "kill -HUP $tpid"
if grep -q "error" "$work/tinyhttpd.log"; then
	echo "tinyhttpd logged errors:" >&2
	grep "error" "$work/tinyhttpd.log" | head -5 >&2
fi

nginx_bin=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
if [ -n "$nginx_bin" ]; then
	nport=$(free_port 29080)
	mkdir -p "$work/nginx"
	cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/nginx;
	server {
		listen 127.0.0.1:$nport;
		location = /hello { return 200 "Hello World!"; }
	}
}
EOF
	"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off;" &
	npid=$!
	pids+=("$npid")
	wait_up "$nport"
	measure nginx "http://127.0.0.1:$nport/hello" "kill -HUP $npid"
else
	echo "nginx is not installed (Debian: nginx-light): no comparison row"
fi
