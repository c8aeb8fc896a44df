#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/compare.sh: wrk against tinyhttpd and nginx (and lighttpd and h2o when their Debian packages
# install), started with equivalent configurations (bench/lib.sh), and the floor, in alternation: for each
# row, round 1 runs every server once, then round 2, and so on; the table shows the medians of the rounds.
# The floor is bench/floor.c, a bare epoll loop that answers every request head with tinyhttpd's answer to
# the row's request, byte for byte, with one recv and one send (sendfile for the 1 MiB file): what the
# kernel costs, under every server.
#
#   1   keep-alive, CONNECTIONS connections, GET /hello
#   2   keep-alive, MANY connections, GET /hello
#   3   a new connection per request (Connection: close), CONNECTIONS connections, GET /hello
#   4   keep-alive, GET /info?name=..&age=.. (tinyhttpd's template; the others substitute the parameters)
#   5a  keep-alive, a 4 KiB static file;   5b  the same with a 1 MiB file
#
# and over HTTPS (TLS 1.3 unless TLS_VERSION=1.2; the label says which), GET /hello, CONNECTIONS connections:
#
#   6   TLS keep-alive (wrk https://: Debian's wrk is built with OpenSSL)
#   7   a new TLS connection per request, a full handshake each (bench/tlsloop.c: wrk would resume the
#       session of a connection's previous handshake)
#   8   a new TLS connection per request, each resuming the session the previous one got, from its ticket
#       (bench/tlsloop.c -r)
#
# The TLS rows run tinyhttpd and nginx (and base) alone, with the same ECDSA P-256 certificate, made by
# scripts/make-cert, and the same TLS settings (bench/lib.sh); lighttpd and h2o get no TLS listener there.
# They have no floor: what a server costs beyond the kernel is there mostly the handshake's and the
# records' cryptography, the same OpenSSL calls whatever answers, so a bare loop would measure OpenSSL, not
# a floor under the servers. Rows 7 and 8 say how many handshakes resumed (`resumed`): none in 7, all but
# a connection's first in 8, or the servers did not do what the row measures.
#
# Per row and server: requests/s; the server's CPU time per request (utime + stime of its master and
# workers, every thread, from /proc/PID/stat before and after the run, over the requests the client counted)
# and how many microseconds that is above the floor's; p50 and p99 latency; the client's socket errors
# summed over the rounds as connect/read/write/timeout; non-2xx answers; and tinyhttpd's requests/s and p99
# divided by the server's (req/s above 1 and p99 below 1 favour tinyhttpd).
#
#   bench/compare.sh          # as root on Debian it installs wrk, nginx-light, lighttpd, h2o
#   ROWS="6 7 8" bench/compare.sh    # the TLS rows, about 4 minutes
#
# Environment: DURATION=10 (s per run), ROUNDS=3, WARMUP=1 (s per server and row, not measured),
# CONNECTIONS=50, MANY=1000, WRK_THREADS=1, ROWS="1 2 3 4 5a 5b" (add 6 7 8 for TLS), SERVERS="floor
# tinyhttpd nginx lighttpd h2o" (tinyhttpd is required: the floor's answers and the ratios come from it),
# and from bench/lib.sh WORKERS=1, SERVER_CPUS=0, CLIENT_CPUS=1 (taskset lists; "" for no pinning),
# TINYHTTPD_BASE=REV (another tinyhttpd beside this tree's, built from a git revision or given as a binary:
# server "base"), TLS_VERSION=1.3 (or 1.2: what the clients of rows 6 to 8 ask for).
#
#   TINYHTTPD_BASE=81694a0 bench/compare.sh   # this tree against commit 81694a0, in one run
#
# Loopback only; it stops every process it starts and removes its temporary directory. About
# rows x rounds x servers x DURATION seconds: 6 x 3 x 5 x 10 s = 15 minutes with the defaults; the TLS rows
# add 3 x 3 x 2 x 10 s.
set -euo pipefail

me=compare.sh
. "$(dirname "$0")/lib.sh"
duration=${DURATION:-10}
rounds=${ROUNDS:-3}
warmup=${WARMUP:-1}
connections=${CONNECTIONS:-50}
many=${MANY:-1000}
threads=${WRK_THREADS:-1}
rows=${ROWS:-1 2 3 4 5a 5b}

# row_spec ROW: "connections|path|extra header|label|client", the client being wrk over http or https, or
# tlsloop with a full handshake per request (full) or a resumed one (resume).
row_spec() {
	local v="TLS $tls_wanted"
	case $1 in
	1) echo "$connections|/hello||keep-alive, $connections conns|http" ;;
	2) echo "$many|/hello||keep-alive, $many conns|http" ;;
	3) echo "$connections|/hello|Connection: close|close, $connections conns|http" ;;
	4) echo "$connections|/info?$info_query||/info params, $connections c|http" ;;
	5a) echo "$connections|/static/4k.bin||static 4 KiB, $connections c|http" ;;
	5b) echo "$connections|/static/1m.bin||static 1 MiB, $connections c|http" ;;
	6) echo "$connections|/hello||$v keep-alive, $connections c|https" ;;
	7) echo "$connections|/hello|Connection: close|$v full hs/req, $connections c|full" ;;
	8) echo "$connections|/hello|Connection: close|$v resumed/req, $connections c|resume" ;;
	*) die "unknown row '$1' in ROWS (1 2 3 4 5a 5b 6 7 8)" ;;
	esac
}

# row_client ROW: how row ROW is measured (row_spec's last field); http is the one plain HTTP row kind.
row_client() {
	row_spec "$1" | cut -d'|' -f5
}

# start_floor ROW: (re)starts the floor on port[floor], answering with what tinyhttpd answers to the row's
# request (curl -i --raw keeps the bytes as they came); with -c, closing after the answer, for a row that
# asks for that. The previous row's floor must still run: a crash would void its numbers.
start_floor() {
	local conns path header label dir=$work/floor args=()
	IFS='|' read -r conns path header label <<<"$(row_spec "$1")"
	if [ -n "${pid[floor]:-}" ]; then
		kill -0 "${pid[floor]}" 2>/dev/null || die "the floor (pid ${pid[floor]}) died during the benchmark"
		stop_pid "${pid[floor]}"
	fi
	if [ -n "$header" ]; then
		args=(-H "$header")
	fi
	curl -s -i --raw "${args[@]}" -o "$dir/answer" "http://127.0.0.1:${port[tinyhttpd]}$path" ||
		die "cannot take tinyhttpd's answer to GET $path for the floor"
	args=()
	if [ "$header" = "Connection: close" ]; then
		args=(-c)
	fi
	exec_pinned "$server_cpus" "$work/bin/floor" "${args[@]}" "${port[floor]}" "$dir/answer" \
		>"$dir/stdout.log" 2>"$dir/error.log" &
	pid[floor]=$!
	pids+=("$!")
	wait_up "${port[floor]}" "$!" "$dir"
}

# The floor is this script's own, started for each row; bench/lib.sh starts the servers.
[ -n "${SERVERS:-}" ] || servers="floor $servers"
with_floor=
rest=
for name in $servers; do
	if [ "$name" = floor ]; then
		with_floor=1
	else
		rest+="$name "
	fi
done
servers=$rest
# Checked before anything is built or started.
for row in $rows; do
	row_spec "$row" >/dev/null
done
for name in $servers; do
	declare -F "start_$name" >/dev/null || die "unknown server '$name' in SERVERS"
done
[[ " $servers " == *" tinyhttpd "* ]] || die "SERVERS lacks tinyhttpd, which the table compares with the others"
# The servers get a TLS listener when a row needs one, and tlsloop is built when a row runs it.
with_tlsloop=
for row in $rows; do
	case $(row_client "$row") in
	https) tls=1 ;;
	full | resume) tls=1 with_tlsloop=1 ;;
	esac
done

need wrk wrk
need taskset util-linux
bench_init
raise_nofile 65536 $((many + 1000))
make_static
start_servers 28080
check_servers
if [ -n "$with_tlsloop" ]; then
	bench_program tlsloop -lssl -lcrypto
fi
if [ -n "$with_floor" ]; then
	bench_program floor
	mkdir -p "$work/floor"
	port[floor]=$(free_port 27480)
	version[floor]="floor (bench/floor.c)"
	started=(floor "${started[@]}")
fi

# row_servers ROW: the servers measured in row ROW: the floor and every server for plain HTTP, those
# with a TLS listener for TLS.
row_servers() {
	if [ "$(row_client "$1")" = http ]; then
		echo "${started[@]}"
	else
		echo "${tls_started[@]}"
	fi
}

# run_client NAME ROW SECONDS OUT: one run of the row's client (wrk or tlsloop), pinned to $client_cpus.
run_client() {
	local name=$1 conns path header label client
	IFS='|' read -r conns path header label client <<<"$(row_spec "$2")"
	local args=(-t"$threads" -c"$conns" -d"$3s" --latency) prog=wrk run=(exec_pinned "$client_cpus")
	if [ -n "$header" ]; then
		args+=(-H "$header")
	fi
	case $client in
	http) args+=("http://127.0.0.1:${port[$name]}$path") ;;
	https) args+=("https://127.0.0.1:${tls_port[$name]}$path") ;;
	full | resume)
		prog=$work/bin/tlsloop
		args=("${tls_port[$name]}" "$path" "$conns" "$3")
		[ "$client" = full ] || args=(-r "${args[@]}")
		;;
	esac
	[ "$client" = http ] || run=(tls_client "${run[@]}")
	("${run[@]}" "$prog" "${args[@]}") >"$4" 2>&1 ||
		die "$(basename "$prog") failed against $name: $(tail -3 "$4")"
}

# parse_client FILE: "req/s p50_ms p99_ms connect read write timeout non2xx requests resumed%", from wrk's
# output (no resumed%: "-") or tlsloop's.
parse_client() {
	if grep -q '^tlsloop: ' "$1"; then
		parse_tlsloop "$1"
	else
		parse_wrk "$1"
	fi
}

# parse_tlsloop FILE, parse_wrk FILE: parse_client's fields from each client's output.
parse_tlsloop() {
	awk '
	/^tlsloop: / { n = $2; rps = $7 }
	/^latency: / { p50 = $3; p99 = $6 }
	/^errors: / { gsub("[,;]", ""); c = $3; r = $5; w = $7; t = $9; non200 = $NF }
	/^handshakes: / { gsub(",", ""); h = $2; res = $3 }
	END {
		if (rps == "" || p99 == "") exit 1
		printf "%s %s %s %d %d %d %d %d %d %.1f\n", rps, p50, p99, c, r, w, t, non200, n, h ? 100 * res / h : 0
	}' "$1" || die "cannot read tlsloop output $1: $(head -5 "$1")"
}

parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v * 0.001
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	/ requests in / { n = $1 }
	/^Requests\/sec/ { rps = $2 }
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/Socket errors/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
	/Non-2xx/ { non2xx = $NF }
	END {
		if (rps == "") exit 1
		printf "%s %s %s %d %d %d %d %d %d -\n", rps, p50, p99, c, r, w, t, non2xx, n
	}' "$1" || die "cannot read wrk output $1: $(head -5 "$1")"
}

clk_tck=$(getconf CLK_TCK)

# cpu_ticks NAME: the CPU time the server has used so far, in clock ticks: utime + stime of the master and
# its workers (each summed over its threads), and the master's cutime + cstime, which hold the children it
# has reaped, so a worker that exits between two readings still counts.
cpu_ticks() {
	local p stat fields ticks=0
	for p in $(server_pids "$1"); do
		# A worker that has just exited: the master's cutime and cstime take it over once it is reaped.
		{ stat=$(<"/proc/$p/stat"); } 2>/dev/null || continue
		# Field 2, the command name, is in parentheses and may hold spaces: split what follows it.
		read -r -a fields <<<"${stat##*) }"
		# fields[0] is field 3; utime, stime, cutime and cstime are fields 14 to 17.
		ticks=$((ticks + fields[11] + fields[12]))
		[ "$p" != "${pid[$1]}" ] || ticks=$((ticks + fields[13] + fields[14]))
	done
	echo "$ticks"
}

# measure NAME ROW OUT: one measured run; appends parse_client's fields and the server's CPU time per
# request in microseconds to $res/ROW.NAME.
measure() {
	local before after
	before=$(cpu_ticks "$1")
	run_client "$1" "$2" "$duration" "$3"
	after=$(cpu_ticks "$1")
	parse_client "$3" | awk -v ticks=$((after - before)) -v hz="$clk_tck" '
		{ print $0, ($9 > 0) ? sprintf("%.3f", ticks / hz * 1e6 / $9) : "nan" }' >>"$res/$2.$1"
}

quotient() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

res=$work/results
mkdir -p "$res"
total=0
for row in $rows; do
	total=$((total + rounds * $(row_servers "$row" | wc -w)))
done
n=0
for row in $rows; do
	if [ -n "$with_floor" ] && [ "$(row_client "$row")" = http ]; then
		start_floor "$row"
	fi
	for name in $(row_servers "$row"); do
		run_client "$name" "$row" "$warmup" "$work/warmup.txt"
	done
	for round in $(seq "$rounds"); do
		for name in $(row_servers "$row"); do
			n=$((n + 1))
			printf '%s: [%d/%d] row %s, round %d, %s\n' "$me" "$n" "$total" "$row" "$round" "$name" >&2
			measure "$name" "$row" "$res/$row.$name.$round.txt"
		done
	done
done

# Every server still runs: a crash under load would make its numbers meaningless.
for name in "${started[@]}"; do
	kill -0 "${pid[$name]}" 2>/dev/null || die "$name (pid ${pid[$name]}) died during the benchmark"
done

echo
echo "Servers:  $(for name in "${started[@]}"; do printf '%s; ' "${version[$name]}"; done)"
echo "Machine:  $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
echo "Load:     $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), -t$threads$([ -z "$with_tlsloop" ] || echo "; bench/tlsloop.c for rows 7 and 8"), ${duration}s per run, $rounds rounds (medians), ${warmup}s warm-up"
if [ -n "$tls" ]; then
	echo "TLS:      $(for name in "${tls_started[@]}"; do printf '%s %s; ' "$name" "${tls_version[$name]}"; done)ECDSA P-256 certificate"
fi
echo "Pinning:  servers on CPU ${server_cpus:-any}, the client on CPU ${client_cpus:-any}; $workers worker(s) each (h2o: threads)"
echo "CPU/req:  utime + stime of each server's processes over a run (ticks of 1/${clk_tck} s), per request the client counted"
echo
fmt='%-30s %-10s %10s %8s %8s %8s %8s %-15s %7s %8s %8s %8s\n'
printf "$fmt" row server "req/s" "CPU/req" "vs floor" "p50 ms" "p99 ms" "errors c/r/w/t" non-2xx "tiny/x" "p99 t/x" resumed
printf "$fmt" "" "" "" "us" "us" "" "" "(all rounds)" "" "req/s" "" "%"
for row in $rows; do
	label=$(row_spec "$row" | cut -d'|' -f4)
	t_rps=$(cut -d' ' -f1 "$res/$row.tinyhttpd" | median)
	t_p99=$(cut -d' ' -f3 "$res/$row.tinyhttpd" | median)
	f_cpu=
	if [ -f "$res/$row.floor" ]; then
		f_cpu=$(cut -d' ' -f11 "$res/$row.floor" | median)
	fi
	first=1
	for name in $(row_servers "$row"); do
		f=$res/$row.$name
		rps=$(cut -d' ' -f1 "$f" | median)
		cpu=$(cut -d' ' -f11 "$f" | median)
		resumed=
		if [ "$(cut -d' ' -f10 "$f" | head -1)" != - ]; then
			resumed=$(printf '%.1f' "$(cut -d' ' -f10 "$f" | median)")
		fi
		p50=$(cut -d' ' -f2 "$f" | median)
		p99=$(cut -d' ' -f3 "$f" | median)
		errors=$(awk '{ c += $4; r += $5; w += $6; t += $7 } END { print c "/" r "/" w "/" t }' "$f")
		non2xx=$(awk '{ n += $8 } END { print n }' "$f")
		ratio="" p99ratio="" over=""
		if [ -n "$f_cpu" ] && [ "$name" != floor ]; then
			over=$(awk -v a="$cpu" -v b="$f_cpu" 'BEGIN { printf "%+.1f", a - b }')
		fi
		if [ "$name" != tinyhttpd ]; then
			ratio=$(quotient "$t_rps" "$rps")
			p99ratio=$(quotient "$t_p99" "$p99")
		fi
		printf "$fmt" "$([ "$first" ] && echo "$row $label")" "$name" "$(printf '%.0f' "$rps")" \
			"$(printf '%.1f' "$cpu")" "$over" "$(printf '%.3f' "$p50")" "$(printf '%.3f' "$p99")" "$errors" "$non2xx" \
			"$ratio" "$p99ratio" "$resumed"
		first=
	done
done
