#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/reload.sh: wrk against tinyhttpd for 20 s while the master gets a SIGHUP every 0.5 s, and the same
# against nginx in the same run; prints wrk's socket errors and non-2xx answers.
#
#   bench/reload.sh          # as root on Debian it installs wrk and nginx-light
#
# Environment: DURATION=20 INTERVAL=0.5 CONNECTIONS=50, and from bench/lib.sh WORKERS (2 here),
# SERVER_CPUS and CLIENT_CPUS (no pinning here), SERVERS="tinyhttpd nginx", TINYHTTPD_BASE=REV (another
# tinyhttpd beside this tree's, built from a git revision or given as a binary).
#
# Loopback only; it stops every process it starts. It builds tinyhttpd first (make).
set -euo pipefail

me=reload.sh
WORKERS=${WORKERS:-2}
SERVER_CPUS=${SERVER_CPUS-}
CLIENT_CPUS=${CLIENT_CPUS-}
SERVERS=${SERVERS:-tinyhttpd nginx}
. "$(dirname "$0")/lib.sh"
duration=${DURATION:-20}
interval=${INTERVAL:-0.5}
connections=${CONNECTIONS:-50}

need wrk wrk
bench_init
start_servers 28080
check_servers

# Runs wrk against server $1 while sending its master a SIGHUP every $interval s; prints one table row.
measure() {
	local name=$1 out=$work/wrk-$1.txt reloads=0 wrk_pid
	(exec_pinned "$client_cpus" wrk -t2 -c"$connections" -d"${duration}s" "http://127.0.0.1:${port[$name]}/hello") \
		>"$out" 2>&1 &
	wrk_pid=$!
	pids+=("$wrk_pid")
	sleep 1
	while kill -0 "$wrk_pid" 2>/dev/null; do
		kill -HUP "${pid[$name]}"
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

printf "wrk -t2 -c%s -d%ss, a reload every %ss, on 127.0.0.1; %s worker(s)\n\n" "$connections" "$duration" "$interval" "$workers"
printf "%-10s %8s %10s  %-44s %8s\n" server reloads "req/s" "socket errors" non-2xx
for name in "${started[@]}"; do
	measure "$name"
	if grep -q "error" "$work/$name/error.log"; then
		echo "$name logged errors:" >&2
		grep "error" "$work/$name/error.log" | head -5 >&2
	fi
done
