#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/memory.sh: the memory tinyhttpd, nginx, lighttpd and h2o (the last two when their Debian packages
# install) take idle, and with CONNECTIONS idle keep-alive connections open, HTTP or (TLS=1) HTTPS; bytes
# per idle connection.
#
# For each server it sums RSS and PSS (from /proc/PID/smaps_rollup) over the master and its workers, those
# children that run the server's own program: idle after the answers were checked; then while
# bench/holdconns.c (compiled here) holds CONNECTIONS connections that have each served GET /hello and
# sit idle; then once it has closed them. Bytes per connection = (held - idle) / CONNECTIONS. PSS shares
# each page among the processes that map it, so it is the fairer total across a master and its workers.
#
# With TLS=1 every connection is HTTPS (holdconns -t): a full handshake, one GET /hello, then idle, so the
# bytes per connection are what a server keeps for an idle TLS keep-alive connection. Only tinyhttpd (and
# base) and nginx serve TLS in bench/lib.sh, with the same ECDSA P-256 certificate and TLS settings:
# lighttpd and h2o are left out then.
#
#   bench/memory.sh           # as root on Debian it installs nginx-light, lighttpd, h2o, gcc
#   TLS=1 bench/memory.sh     # idle TLS keep-alive connections, tinyhttpd and nginx
#
# Environment: CONNECTIONS=10000, HOLD=5 (s the connections are held), TLS= (1: HTTPS), and from
# bench/lib.sh WORKERS=1, SERVER_CPUS=0, CLIENT_CPUS=1, SERVERS="tinyhttpd nginx lighttpd h2o",
# TINYHTTPD_BASE=REV (another tinyhttpd beside this tree's, built from a git revision or given as a binary),
# TLS_VERSION=1.3 (or 1.2, with TLS=1). Every server keeps idle connections 60 s, longer than HOLD. Needs
# an open-file limit above CONNECTIONS + 1000 (it raises the soft limit up to the hard one); lighttpd
# needs twice as many file descriptors as connections.
#
# Loopback only; it stops every process it starts and removes its temporary directory. About a minute.
set -euo pipefail

me=memory.sh
. "$(dirname "$0")/lib.sh"
connections=${CONNECTIONS:-10000}
hold=${HOLD:-5}
if [ -n "${TLS:-}" ]; then
	tls=1
	rest=
	for name in $servers; do
		if tls_capable "$name"; then
			rest+="$name "
		else
			echo "$me: $name has no TLS configuration in bench/lib.sh: skipping it" >&2
		fi
	done
	servers=$rest
fi

need taskset util-linux
bench_init
raise_nofile 65536 $((connections + 1000))
bench_program holdconns -lssl -lcrypto
start_servers 28080
check_servers

# rss_pss NAME: "RSS_kB PSS_kB processes", summed over the server's processes.
rss_pss() {
	local p rss=0 pss=0 n=0 r s
	for p in $(server_pids "$1"); do
		read -r r s < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { s = $2 } END { print r, s }' "/proc/$p/smaps_rollup")
		rss=$((rss + r))
		pss=$((pss + s))
		n=$((n + 1))
	done
	echo "$rss $pss $n"
}

# hold_conns NAME: runs holdconns against the server; writes the server's "RSS PSS procs" while the
# connections are open to $work/held, or fails.
hold_conns() {
	local name=$1 out=$work/holdconns.$1 hpid i args=("${port[$1]}")
	if [ -n "$tls" ]; then
		args=(-t "${tls_port[$1]}")
	fi
	(tls_client exec_pinned "$client_cpus" "$work/bin/holdconns" "${args[@]}" "$connections" "$hold") >"$out" 2>&1 &
	hpid=$!
	pids+=("$hpid")
	for i in $(seq 700); do
		grep -q '^ready' "$out" && break
		kill -0 "$hpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$out"; then
		wait "$hpid" 2>/dev/null || true
		echo "$me: $name: holdconns did not get its connections: $(tail -2 "$out")" >&2
		return 1
	fi
	sleep 1 # let the server finish what the last answers started
	rss_pss "$name" >"$work/held"
	wait "$hpid" || {
		echo "$me: $name: holdconns failed: $(tail -2 "$out")" >&2
		return 1
	}
}

kib() {
	awk -v k="$1" 'BEGIN { printf "%.0f", k }'
}
per_conn() {
	awk -v a="$1" -v b="$2" -v n="$connections" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }'
}

sleep 1
fmt='%-10s %5s %9s %9s %10s %10s %9s %9s %9s %9s\n'
table=$work/table
printf "$fmt" server procs "idle RSS" "idle PSS" "held RSS" "held PSS" "B/conn" "B/conn" "after RSS" "after PSS" >"$table"
printf "$fmt" "" "" KiB KiB KiB KiB RSS PSS KiB KiB >>"$table"
failed=
for name in "${started[@]}"; do
	read -r irss ipss procs < <(rss_pss "$name")
	echo "$me: $name: $connections connections for ${hold}s" >&2
	if hold_conns "$name"; then
		read -r hrss hpss _ <"$work/held"
		sleep 1
		read -r arss apss _ < <(rss_pss "$name")
		printf "$fmt" "$name" "$procs" "$(kib "$irss")" "$(kib "$ipss")" "$(kib "$hrss")" "$(kib "$hpss")" \
			"$(per_conn "$irss" "$hrss")" "$(per_conn "$ipss" "$hpss")" "$(kib "$arss")" "$(kib "$apss")" >>"$table"
	else
		printf "$fmt" "$name" "$procs" "$(kib "$irss")" "$(kib "$ipss")" failed - - - - - >>"$table"
		case $name in tinyhttpd | nginx) failed=1 ;; esac
	fi
done

echo
echo "Servers:  $(for name in "${started[@]}"; do printf '%s; ' "${version[$name]}"; done)"
if [ -n "$tls" ]; then
	echo "TLS:      $(for name in "${started[@]}"; do printf '%s %s; ' "$name" "${tls_version[$name]}"; done)ECDSA P-256 certificate"
	echo "Setup:    $workers worker(s) each; $connections idle TLS keep-alive connections held ${hold}s," \
		"each after a full handshake and one GET /hello; procs = master + workers"
else
	echo "Setup:    $workers worker(s) each (h2o: threads); $connections idle keep-alive connections held ${hold}s," \
		"each after one GET /hello; procs = master + workers"
fi
echo
cat "$table"
[ -z "$failed" ] || die "tinyhttpd or nginx could not hold $connections connections"
