#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/syscalls.sh: system calls per request on the keep-alive path, for tinyhttpd, nginx, lighttpd and
# h2o (the last two when their Debian packages install).
#
# For each server, `strace -c -f` attaches to the master and its workers (every thread) while
# bench/reqloop.c (compiled here) sends exactly REQUESTS requests for GET /hello over CONNECTIONS
# keep-alive connections, first one request at a time per connection, then DEPTH pipelined in one send.
# It prints the system calls per request, all of them and the most frequent ones (those at 0.01 per request
# or more). A warm-up run comes first; accepting and closing the connections is spread over
# REQUESTS / CONNECTIONS requests each. strace slows the server down, which changes no count.
#
#   bench/syscalls.sh         # as root on Debian it installs strace, nginx-light, lighttpd, h2o, gcc
#
# Environment: REQUESTS=20000, CONNECTIONS=10, DEPTH=8, TOP=4 (calls shown by name), and from
# bench/lib.sh WORKERS=1, SERVER_CPUS=0, CLIENT_CPUS=1, SERVERS="tinyhttpd nginx lighttpd h2o",
# TINYHTTPD_BASE=REV (another tinyhttpd beside this tree's, built from a git revision or given as a binary).
#
# Loopback only; it stops every process it starts and removes its temporary directory. About a minute.
set -euo pipefail

me=syscalls.sh
. "$(dirname "$0")/lib.sh"
requests=${REQUESTS:-20000}
connections=${CONNECTIONS:-10}
depth=${DEPTH:-8}
top_n=${TOP:-4}

need strace strace
need taskset util-linux
bench_init
bench_program reqloop
start_servers 28080
check_servers

reqloop() (
	exec_pinned "$client_cpus" "$work/bin/reqloop" "${port[$1]}" /hello "$2" "$connections" "$3"
)

# count NAME DEPTH: strace over one reqloop run; leaves strace's summary in $work/strace.NAME.DEPTH.
count() {
	local name=$1 d=$2 out=$work/strace.$1.$2 args=() p spid i
	reqloop "$name" 1000 "$d" >/dev/null || die "$name: the warm-up run failed"
	for p in $(server_pids "$name"); do
		args+=(-p "$p")
	done
	strace -c -f -U name,calls -o "$out" "${args[@]}" 2>"$out.log" &
	spid=$!
	pids+=("$spid")
	# strace says "Process N attached" for every thread once it traces it.
	for i in $(seq 100); do
		[ "$(grep -c attached "$out.log")" -ge $((${#args[@]} / 2)) ] && break
		kill -0 "$spid" 2>/dev/null || die "strace failed: $(cat "$out.log")"
		sleep 0.1
	done
	sleep 0.5
	answered=$(reqloop "$name" "$requests" "$d") || die "$name: reqloop failed"
	[ "$answered" -eq "$requests" ] || die "$name: $answered answers to $requests requests"
	kill -INT "$spid"
	wait "$spid" || true
	[ -s "$out" ] || die "strace left no summary: $(cat "$out.log")"
}

# summary FILE: "total_per_request  top calls per request" from strace's -U name,calls table.
summary() {
	awk -v n="$requests" -v top="$top_n" '
	/^-/ || /^syscall/ { next }
	$1 == "total" { total = $2; next }
	NF == 2 { name[++k] = $1; calls[k] = $2 }
	END {
		# strace sorts by time; sort by calls here
		for (i = 1; i <= k; i++)
			for (j = i + 1; j <= k; j++)
				if (calls[j] > calls[i]) {
					t = calls[i]; calls[i] = calls[j]; calls[j] = t
					t = name[i]; name[i] = name[j]; name[j] = t
				}
		printf "%.2f\t", total / n
		for (i = 1; i <= k && i <= top && calls[i] / n >= 0.005; i++)
			printf "%s%s %.2f", (i > 1) ? ", " : "", name[i], calls[i] / n
		printf "\n"
	}' "$1"
}

fmt='%-10s %-14s %9s %10s  %s\n'
table=$work/table
printf "$fmt" server mode requests "calls/req" "most frequent, per request" >"$table"
for name in "${started[@]}"; do
	for d in 1 "$depth"; do
		echo "$me: $name, depth $d" >&2
		count "$name" "$d"
		IFS=$'\t' read -r per top_calls < <(summary "$work/strace.$name.$d")
		mode=keep-alive
		[ "$d" -eq 1 ] || mode="pipelined x$d"
		printf "$fmt" "$name" "$mode" "$requests" "$per" "$top_calls" >>"$table"
	done
done

echo
echo "Servers:  $(for name in "${started[@]}"; do printf '%s; ' "${version[$name]}"; done)"
echo "Setup:    $(strace -V | head -1); $workers worker(s) each (h2o: threads), master and workers traced;" \
	"GET /hello over $connections keep-alive connections"
echo
cat "$table"
