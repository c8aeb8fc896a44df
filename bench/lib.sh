# SPDX-License-Identifier: ISC
# bench/lib.sh: what the benchmark scripts share; sourced, never run. It installs tools, builds tinyhttpd
# and the C programs in bench/, makes the work directory and the cleanup trap, picks free ports, and starts
# tinyhttpd, nginx, lighttpd and h2o with equivalent configurations:
#
#   GET /hello          "Hello World!" (12 bytes, text/plain; charset=utf-8)
#   GET /info?name=&age= "hello, I'm NAME and AGE years old." with the two query parameters substituted
#                        (nginx: $arg_name, lighttpd: a mod_magnet Lua script, h2o: an mruby handler)
#   GET /static/FILE     a file from $work/static
#
# every one with access logs off, keep-alive connections kept 60 s without a per-connection request limit,
# room for $max_conns connections, $workers workers (h2o: threads), on 127.0.0.1, and pinned with taskset
# to $server_cpus. Everything a server writes (config, pid file, error log, temp files) stays in $work.
#
# When the sourcing script sets `tls=1` before start_servers, tinyhttpd (and base) and nginx also serve the
# same over HTTPS on tls_port[NAME], with one ECDSA P-256 certificate that scripts/make-cert makes in
# $work/tls (for "localhost"), and the same TLS settings: TLS 1.2 and 1.3; tinyhttpd's TLS 1.2 ciphers,
# TLS 1.3 suites and groups (Mozilla's intermediate set), the server's order first; resumption by session
# tickets and no session cache (nginx: ssl_session_cache off; its ticket keys are OpenSSL's own, made once
# in the master, so every worker opens every ticket, as with tinyhttpd's shared keys). lighttpd and h2o get
# no TLS listener: their TLS needs another package (lighttpd-mod-openssl) or settings (h2o's ticket and
# cache modes) that this file does not match to the others yet, so TLS measurements leave them out. A
# TINYHTTPD_BASE older than tinyhttpd's TLS support cannot start with tls=1. The clients speak the TLS
# version TLS_VERSION says, through an OpenSSL configuration file in their environment alone (tls_client).
#
# The sourcing script sets `me` (its name in messages) first. Environment knobs read here:
#   WORKERS=1          worker processes of every server
#   SERVER_CPUS=0      taskset CPU list for the servers ("" for no pinning)
#   CLIENT_CPUS=1      taskset CPU list for the load generator ("" for no pinning)
#   SERVERS="tinyhttpd nginx lighttpd h2o"   which servers to run; lighttpd and h2o are skipped when
#                      their Debian packages cannot be installed, tinyhttpd and nginx are required
#   TINYHTTPD_BASE=REV another tinyhttpd to run beside this tree's, as server "base" (after tinyhttpd):
#                      a git revision of this tree, exported with `git archive` into the work directory and
#                      built there without configure options, or the path of a tinyhttpd binary
#   KEEP_WORK=1        keep the work directory (configs, servers' logs, raw results) for a look afterwards
#   TLS_VERSION=1.3    with tls=1, the TLS version the clients ask for: 1.3 or 1.2 (the servers take both)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
me=${me:-$(basename "$0")}
workers=${WORKERS:-1}
server_cpus=${SERVER_CPUS-0}
client_cpus=${CLIENT_CPUS-1}
servers=${SERVERS:-tinyhttpd nginx lighttpd h2o}
max_conns=20000
tls=${tls:-}
tls_wanted=${TLS_VERSION:-1.3}
# tinyhttpd's TLS settings (src/tls.c), for nginx to match: Mozilla's intermediate TLS 1.2 ciphers, the
# TLS 1.3 suites in tinyhttpd's order, and the key exchange groups.
tls12_ciphers=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384
tls12_ciphers+=:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
tls12_ciphers+=:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305
tls13_suites=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
tls_groups=X25519:prime256v1:secp384r1

die() {
	echo "$me: $*" >&2
	exit 1
}

# TLS_VERSION, checked before anything is built.
case $tls_wanted in
1.2 | 1.3) ;;
*) die "TLS_VERSION=$tls_wanted: 1.2 or 1.3" ;;
esac

# TINYHTTPD_BASE, checked before anything is built: base_bin is the binary to run, base_rev the revision
# to build it from (empty for a binary given as it is).
base_bin=''
base_rev=''
if [ -n "${TINYHTTPD_BASE:-}" ]; then
	if [ -f "$TINYHTTPD_BASE" ] && [ -x "$TINYHTTPD_BASE" ]; then
		base_bin=$(realpath "$TINYHTTPD_BASE")
	else
		base_rev=$(git -C "$top" rev-parse --verify -q "$TINYHTTPD_BASE^{commit}") ||
			die "TINYHTTPD_BASE=$TINYHTTPD_BASE is neither a tinyhttpd binary nor a git revision of $top"
	fi
	if [[ " $servers " != *" base "* ]]; then
		servers=$(sed -E 's/(^| )tinyhttpd( |$)/\1tinyhttpd base\2/' <<<"$servers")
		[[ " $servers " == *" base "* ]] || servers+=" base"
	fi
elif [[ " $servers " == *" base "* ]]; then
	die "SERVERS names base, but TINYHTTPD_BASE does not say which tinyhttpd that is"
fi

# Installs Debian packages when root; `apt-get update` once per run. Returns non-zero when it cannot.
apt_updated=
apt_install() {
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	echo "$me: installing $*" >&2
	local apt=(apt-get -o DPkg::Lock::Timeout=300 -qq)
	if [ -z "$apt_updated" ]; then
		"${apt[@]}" update >&2 || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "$@" >/dev/null || return 1
}

# find_bin CMD: the path of CMD, looking in the sbin directories too (nginx and lighttpd live there).
find_bin() {
	PATH=$PATH:/usr/sbin:/sbin command -v "$1" 2>/dev/null
}

# need CMD PACKAGE...: CMD must run; installs the packages when it is missing, or stops the script.
need() {
	local cmd=$1
	shift
	find_bin "$cmd" >/dev/null && return 0
	apt_install "$@" && find_bin "$cmd" >/dev/null && return 0
	die "$cmd is missing: install the Debian package(s) $* (as root this script does it)"
}

# want CMD PACKAGE...: like need, but only says so when it cannot have CMD, and returns 1.
want() {
	local cmd=$1
	shift
	find_bin "$cmd" >/dev/null && return 0
	apt_install "$@" && find_bin "$cmd" >/dev/null && return 0
	echo "$me: $cmd is not available (Debian: $*): skipping it" >&2
	return 1
}

# build_tree DIR NAME: builds tinyhttpd in the source tree DIR, logging to $work/build.NAME.log: autoreconf
# when it has no configure script, configure when it was never configured, then make, a no-op when the
# binary is current.
build_tree() {
	local log=$work/build.$2.log
	(cd "$1" && { [ -x configure ] || autoreconf -fi; } && { [ -f Makefile ] || ./configure; } &&
		make -j"$(nproc)") >"$log" 2>&1 || {
		tail -20 "$log" >&2
		die "building tinyhttpd in $1 failed (log above)"
	}
}

# Builds tinyhttpd in the source tree as it is configured, its build dependencies first (as root).
build_source() {
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		"$top/scripts/install-deps" >&2 || die "cannot install tinyhttpd's build dependencies"
	fi
	build_tree "$top" tinyhttpd
}

# Builds tinyhttpd for a benchmark, which uses the tree's configuration as it is; the header of each
# report shows its configure options (none: the plain -O2 build).
build_tinyhttpd() {
	# A sanitizer or valgrind build is several times slower: measuring it would say nothing.
	if [ -f "$top/Makefile" ] && grep -Eq '^(SANITIZER_CFLAGS = .+|VALGRIND_TRUE = )$' "$top/Makefile"; then
		die "$top is configured for sanitizers or valgrind: run ./configure without options first"
	fi
	build_source
}

# build_base: when TINYHTTPD_BASE is a revision, exports it into $work/base-src and builds it there,
# configured without options, after build_tinyhttpd installed the build dependencies.
build_base() {
	[ -n "$base_rev" ] || return 0
	mkdir -p "$work/base-src"
	git -C "$top" archive "$base_rev" | tar -x -C "$work/base-src" || die "cannot export $base_rev from $top"
	build_tree "$work/base-src" base
	base_bin=$work/base-src/src/tinyhttpd
}

# bench_program NAME [LIB...]: compiles bench/NAME.c into $work/bin/NAME, the way every benchmark's own C
# program is built: optimised, without sanitizers; linked with the libraries named (-lssl -lcrypto for
# the TLS clients, whose headers come with tinyhttpd's build dependencies).
bench_program() {
	local name=$1
	shift
	need cc gcc libc6-dev
	mkdir -p "$work/bin"
	cc -O2 -Wall -Wextra -o "$work/bin/$name" "$top/bench/$name.c" "$@" || die "cannot compile bench/$name.c"
}

# Raises the open-file limit of this shell (and so of everything it starts) to $1, or as close as the hard
# limit allows; stops the script when that is below $2.
raise_nofile() {
	ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$2" ] ||
		die "open files are limited to $(ulimit -n) (hard limit $(ulimit -Hn)); $2 are needed: raise the hard limit"
}

# bench_init: the work directory and the trap that stops what the script started and removes the directory.
pids=()
bench_init() {
	work=$(mktemp -d /tmp/tinyhttpd-bench.XXXXXX)
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}

# stop_pid PID: stops a process the script started before the end, and takes it off the cleanup's list,
# whose kill could otherwise reach an unrelated process that reuses the number.
stop_pid() {
	local p keep=()
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

# A port nothing listens on, from a range the kernel does not hand out to clients.
free_port() {
	local port
	for port in $(seq "$1" $(($1 + 200))); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "no free port near $1"
}

# wait_up PORT [PID DIR]: waits until something accepts on PORT; when nothing does, or process PID has
# ended first, shows the logs in DIR and stops the script.
wait_up() {
	local port=$1 pid=${2:-} dir=${3:-} i log
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	for log in ${dir:+"$dir"/*.log}; do
		[ -s "$log" ] && { echo "--- $log" >&2; tail -5 "$log" >&2; }
	done
	die "nothing answers on port $port"
}

# exec_pinned CPUS CMD...: replaces the shell with CMD on the CPUs in the list, so call it in a subshell or
# with & (whose $! is then CMD's pid).
exec_pinned() {
	local cpus=$1
	shift
	if [ -n "$cpus" ]; then
		exec taskset -c "$cpus" "$@"
	fi
	exec "$@"
}

# Files every server serves under /static/: 4k.bin (4 KiB) and 1m.bin (1 MiB).
make_static() {
	mkdir -p "$work/static"
	head -c 4096 /dev/urandom >"$work/static/4k.bin"
	head -c 1048576 /dev/urandom >"$work/static/1m.bin"
}

# The servers started, in $servers order; port[NAME] and pid[NAME] (the master's pid) for each. With
# tls=1, tls_started lists those that serve HTTPS too, on tls_port[NAME].
started=()
tls_started=()
declare -A port tls_port pid version tls_version

# make_tls_cert: the certificate every server serves over TLS, $work/tls/localhost.{crt,key}, and the
# OpenSSL configuration that has the clients speak TLS $tls_wanted alone (OpenSSL applies its
# system_default section to every context a program makes, wrk's too, which has no option for it).
make_tls_cert() {
	need openssl openssl
	"$top/scripts/make-cert" "$work/tls" localhost >/dev/null || die "scripts/make-cert failed"
	cat >"$work/tls/client.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_section
[ssl_section]
system_default = client_section
[client_section]
MinProtocol = TLSv$tls_wanted
MaxProtocol = TLSv$tls_wanted
EOF
}

# tls_client CMD...: runs a TLS client (or exec_pinned with one) speaking TLS $tls_wanted. The servers
# never see this configuration: theirs is what their own files say.
tls_client() {
	if [ -n "$tls" ]; then
		OPENSSL_CONF=$work/tls/client.cnf "$@"
	else
		"$@"
	fi
}

# tinyhttpd_tls NAME: with tls=1, the listeners of server NAME's configuration, the plain one and the TLS
# one, and the certificate of every host.
tinyhttpd_tls() {
	[ -n "$tls" ] || return 0
	cat <<EOF
listen = ( { address = "127.0.0.1"; port = ${port[$1]}; },
           { address = "127.0.0.1"; port = ${tls_port[$1]}; tls = true; } );
tls = { protocols = [ "TLSv1.2", "TLSv1.3" ];
        certificate = "$work/tls/localhost.crt"; key = "$work/tls/localhost.key"; };
EOF
}

# run_tinyhttpd NAME DIR BINARY: starts BINARY as server NAME.
run_tinyhttpd() {
	local name=$1 dir=$2 addr="address = \"127.0.0.1\"; port = ${port[$1]}; "
	# Without TLS, the one port is the server group's, as before listeners: a TINYHTTPD_BASE that old runs.
	[ -z "$tls" ] || addr=
	cat >"$dir/tinyhttpd.conf" <<EOF
server = { ${addr}workers = $workers; access_log = ""; keepalive_timeout = 60; max_connections = $max_conns; };
$(tinyhttpd_tls "$name")
routes = (
  { path = "/hello"; text = "Hello World!"; },
  { path = "/info"; params = [ "name", "age" ]; text = "hello, I'm {name} and {age} years old."; },
  { prefix = "/static/"; root = "$work/static"; }
);
EOF
	exec_pinned "$server_cpus" "$3" -c "$dir/tinyhttpd.conf" >"$dir/stdout.log" 2>"$dir/error.log" &
}

start_tinyhttpd() {
	local opts
	opts=$(cd "$top" && ./config.status --config)
	version[tinyhttpd]="tinyhttpd $(cd "$top" && git describe --always --dirty 2>/dev/null || echo '(no git)')"
	version[tinyhttpd]+=" (configure ${opts:-without options})"
	run_tinyhttpd tinyhttpd "$1" "$top/src/tinyhttpd"
}

start_base() {
	if [ -n "$base_rev" ]; then
		version[base]="base: tinyhttpd $(git -C "$top" describe --always "$base_rev") (configure without options)"
	else
		version[base]="base: $base_bin"
	fi
	run_tinyhttpd base "$1" "$base_bin"
}

start_nginx() {
	local dir=$1 bin
	bin=$(find_bin nginx)
	# nginx keeps 1000 requests per keep-alive connection by default; the others have no such limit.
	cat >"$dir/nginx.conf" <<EOF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
daemon off;
master_process on;
worker_processes $workers;
worker_rlimit_nofile $(ulimit -n);
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections $max_conns; }
http {
	access_log off;
	default_type "text/plain; charset=utf-8";
	sendfile on;
	keepalive_timeout 60s;
	keepalive_requests 100000000;
	client_body_temp_path $dir/client_body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 127.0.0.1:${port[nginx]};
$(nginx_tls)
		location = /hello { return 200 "Hello World!"; }
		location = /info { return 200 "hello, I'm \$arg_name and \$arg_age years old."; }
		location /static/ { root $work; default_type application/octet-stream; }
	}
}
EOF
	version[nginx]=$("$bin" -v 2>&1 | sed 's/^nginx version: //')
	exec_pinned "$server_cpus" "$bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>"$dir/stderr.log" &
}

# nginx_tls: with tls=1, the TLS listener and settings of nginx's server block, as tinyhttpd has them.
nginx_tls() {
	[ -n "$tls" ] || return 0
	cat <<EOF
		listen 127.0.0.1:${tls_port[nginx]} ssl;
		ssl_certificate $work/tls/localhost.crt;
		ssl_certificate_key $work/tls/localhost.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers $tls12_ciphers;
		ssl_conf_command Ciphersuites $tls13_suites;
		ssl_ecdh_curve $tls_groups;
		ssl_prefer_server_ciphers on;
		ssl_session_tickets on;
		ssl_session_cache off;
EOF
}

start_lighttpd() {
	local dir=$1 bin
	bin=$(find_bin lighttpd)
	cat >"$dir/hello.lua" <<'EOF'
lighty.r.resp_header["Content-Type"] = "text/plain; charset=utf-8"
lighty.r.resp_body:set({ "Hello World!" })
return 200
EOF
	cat >"$dir/info.lua" <<'EOF'
local q = lighty.c.urldec_query(lighty.r.req_attr["uri.query"] or "")
lighty.r.resp_header["Content-Type"] = "text/plain; charset=utf-8"
lighty.r.resp_body:set({ "hello, I'm ", q["name"] or "", " and ", q["age"] or "", " years old." })
return 200
EOF
	# One worker is lighttpd's plain single process; max-worker forks that many beside a supervisor.
	cat >"$dir/lighttpd.conf" <<EOF
server.document-root = "$work"
server.bind = "127.0.0.1"
server.port = ${port[lighttpd]}
server.errorlog = "$dir/error.log"
server.max-worker = $([ "$workers" -gt 1 ] && echo "$workers" || echo 0)
server.max-fds = $(ulimit -n)
server.max-connections = $(($(ulimit -n) / 2))
server.max-keep-alive-idle = 60
server.max-keep-alive-requests = 100000000
server.modules += ( "mod_magnet" )
\$HTTP["url"] == "/hello" { magnet.attract-raw-url-to = ( "$dir/hello.lua" ) }
\$HTTP["url"] == "/info" { magnet.attract-raw-url-to = ( "$dir/info.lua" ) }
EOF
	version[lighttpd]=$("$bin" -v 2>&1 | head -1 | sed 's/ - .*//')
	exec_pinned "$server_cpus" "$bin" -D -f "$dir/lighttpd.conf" >"$dir/stdout.log" 2>"$dir/stderr.log" &
}

start_h2o() {
	local dir=$1 bin
	bin=$(find_bin h2o)
	# h2o runs num-threads threads in one process; started as root it would switch to nobody, who cannot
	# read the work directory. http1-request-timeout is also its keep-alive idle timeout.
	cat >"$dir/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: ${port[h2o]}
$([ "$(id -u)" -eq 0 ] && echo "user: root")
num-threads: $workers
max-connections: $max_conns
http1-request-timeout: 60
pid-file: $dir/h2o.pid
error-log: $dir/error.log
hosts:
  default:
    paths:
      /hello:
        mruby.handler: |
          Proc.new do |env|
            [200, {"content-type" => "text/plain; charset=utf-8"}, ["Hello World!"]]
          end
      /info:
        mruby.handler: |
          Proc.new do |env|
            q = {}
            env["QUERY_STRING"].to_s.split("&").each do |kv|
              k, v = kv.split("=", 2)
              q[k] = v
            end
            [200, {"content-type" => "text/plain; charset=utf-8"}, ["hello, I'm #{q["name"]} and #{q["age"]} years old."]]
          end
      /static:
        file.dir: $work/static
EOF
	version[h2o]=$("$bin" -v 2>&1 | head -1 | sed 's/ version / /')
	exec_pinned "$server_cpus" "$bin" -c "$dir/h2o.conf" >"$dir/stdout.log" 2>"$dir/stderr.log" &
}

# start_servers BASE_PORT: makes $work/static (make_static fills it) and starts every server in $servers that is available, each on a free port; fills
# `started`. tinyhttpd is built first; nginx must be there, lighttpd and h2o may be skipped.
start_servers() {
	local base=$1 name i=0
	mkdir -p "$work/static"
	[ -z "$tls" ] || make_tls_cert
	for name in $servers; do
		case $name in
		tinyhttpd) build_tinyhttpd ;;
		base) build_base ;;
		nginx) need nginx nginx-light ;;
		lighttpd) want lighttpd lighttpd lighttpd-modules-lua || continue ;;
		h2o) want h2o h2o || continue ;;
		*) die "unknown server '$name' in SERVERS" ;;
		esac
		mkdir -p "$work/$name"
		port[$name]=$(free_port $((base + 300 * i)))
		if [ -n "$tls" ] && tls_capable "$name"; then
			tls_port[$name]=$(free_port $((base + 300 * i + 150)))
		fi
		i=$((i + 1))
		"start_$name" "$work/$name"
		pid[$name]=$!
		pids+=("$!")
		wait_up "${port[$name]}" "$!" "$work/$name"
		started+=("$name")
		if [ -n "${tls_port[$name]:-}" ]; then
			wait_up "${tls_port[$name]}" "${pid[$name]}" "$work/$name"
			tls_started+=("$name")
		fi
	done
}

# tls_capable NAME: whether server NAME gets a TLS listener when tls=1.
tls_capable() {
	case $1 in tinyhttpd | base | nginx) return 0 ;; esac
	return 1
}

# check_body NAME PATH EXPECTED_FILE: the server answers GET PATH with 200 and exactly the file's bytes;
# PATH may be a whole https:// URL.
check_body() {
	local name=$1 path=$2 expect=$3 got=$work/check.body code log url
	url=http://127.0.0.1:${port[$name]}$path
	[[ $path != https://* ]] || url=$path
	# -k: the benchmark's certificate is self-signed.
	code=$(curl -s -k -o "$got" -w '%{http_code}' "$url") || code=000
	if [ "$code" != 200 ] || ! cmp -s "$got" "$expect"; then
		echo "$me: $name answered GET $path with $code and $(wc -c <"$got") bytes:" >&2
		head -c 300 "$got" >&2
		echo >&2
		for log in "$work/$name"/*.log; do
			echo "--- $log" >&2
			tail -5 "$log" >&2
		done
		die "$name does not serve GET $path as expected"
	fi
}

# check_servers: every started server answers /hello, /info and the static files byte for byte alike.
info_query="name=tinyhttpd&age=1"
check_servers() {
	local name
	need curl curl
	printf 'Hello World!' >"$work/expect.hello"
	printf "hello, I'm tinyhttpd and 1 years old." >"$work/expect.info"
	for name in "${started[@]}"; do
		check_body "$name" /hello "$work/expect.hello"
		check_body "$name" "/info?$info_query" "$work/expect.info"
		if [ -f "$work/static/4k.bin" ]; then
			check_body "$name" /static/4k.bin "$work/static/4k.bin"
			check_body "$name" /static/1m.bin "$work/static/1m.bin"
		fi
	done
	for name in "${tls_started[@]}"; do
		check_body "$name" "https://127.0.0.1:${tls_port[$name]}/hello" "$work/expect.hello"
		check_tls "$name"
	done
}

# check_tls NAME: the protocol, suite and key exchange group the server agrees on with a client that
# speaks TLS $tls_wanted, into tls_version[NAME].
check_tls() {
	local out
	out=$(tls_client openssl s_client -brief -servername localhost -connect "127.0.0.1:${tls_port[$1]}" \
		</dev/null 2>&1) ||
		die "$1: no TLS handshake on port ${tls_port[$1]}: $(tail -3 <<<"$out")"
	tls_version[$1]=$(awk -F': ' '
		/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 } /^(Peer|Server) Temp Key/ { g = $2 }
		END { sub(/,.*/, "", g); printf "%s %s %s", p, c, g }' <<<"$out")
}

# server_pids NAME: the master's pid and those of its children that run the same program (h2o starts a
# perl helper for crash backtraces, which is not part of the server).
server_pids() {
	local master=${pid[$1]} exe child
	exe=$(readlink "/proc/$master/exe")
	echo "$master"
	for child in $(ps -o pid= --ppid "$master"); do
		[ "$(readlink "/proc/$child/exe" 2>/dev/null)" = "$exe" ] && echo "$child"
	done
	return 0
}
