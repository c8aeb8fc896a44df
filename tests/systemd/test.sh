#!/bin/bash
# SPDX-License-Identifier: ISC
# test.sh: scripts/test-systemd's TEST, run in the booted container (systemd as PID 1) in the clone of the
# commit under test, on the packages setup.sh built: the package as an operator meets it, from install to
# purge. Prints one line per check, PASS or FAIL with what was seen, and the phases' totals; exits 1 when
# any check failed.
# shellcheck disable=SC2016,SC2317  # single-quoted scripts for sh -c; functions run through check and wait_for
set -uo pipefail

readonly PKG=/root/pkg PORT=8080 CONF=/etc/tinyhttpd/tinyhttpd.conf
pass=0 fail=0 load_pid=

ok() {
	pass=$((pass + 1))
	echo "  PASS $*"
}
ko() {
	fail=$((fail + 1))
	echo "  FAIL $*"
}
# check WHAT COMMAND...: PASS or FAIL by COMMAND's status.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else ko "$what"; fi
}
phase() { printf '\n== %s\n' "$*"; }
finish() {
	[ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null
	printf '\ntest-systemd: %d passed, %d failed\n' "$pass" "$fail"
	exit $((fail > 0))
}

# logged LOG COMMAND...: COMMAND with its output in LOG, shown when it fails.
logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 && return 0
	tail -n 20 "$log" | sed 's/^/    | /'
	return 1
}
active() { systemctl -q is-active "$1"; }
inactive() { ! systemctl -q is-active "$1"; }
no_process() { ! pgrep -x tinyhttpd >/dev/null; }
main_pid() { systemctl show -p MainPID --value tinyhttpd.service; }
status_text() { systemctl show -p StatusText --value tinyhttpd.service; }
# The generation the StatusText says serves, 0 when it says none.
generation() { status_text | sed -nE 's/^generation ([0-9]+) serving.*/\1/p;t;s/.*/0/p'; }
hello() { curl -fsS --max-time 10 "http://127.0.0.1:$PORT/hello" 2>&1; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds, checked every 0.1 s; its status.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}
serving_after() { [ "$(generation)" -gt "$1" ]; }


# load_start / load_stop: tests/systemd/load.py's clients, which never retry, busy while a phase runs;
# load_stop checks that none of their requests failed, and that there were some.
load_start() {
	python3 tests/systemd/load.py "$PORT" 8 >/root/load.out 2>&1 &
	load_pid=$!
	# Some requests before the first reload, so the load is there when it starts.
	sleep 1
}
load_stop() {
	local requests failed
	kill -INT "$load_pid"
	wait "$load_pid"
	load_pid=
	read -r _ requests _ failed < <(head -1 /root/load.out)
	if [ "${failed:-x}" = 0 ] && [ "${requests:-0}" -gt 100 ]; then
		ok "$requests requests by clients that never retry, none failed"
	else
		ko "clients that never retry: $(tr '\n' ';' </root/load.out)"
	fi
}

# Every file and directory on the root's filesystem but those that change by themselves or are the
# test's: a purge must leave this list as it was before the install. /var/lib/private and /var/log/private
# are systemd's, for every DynamicUser service.
snapshot() {
	find / -xdev \( -path /root -o -path /tmp -o -path /var/tmp -o -path /var/cache -o -path /var/lib/apt \
		-o -path /var/lib/dpkg -o -path /var/log/journal -o -path /var/lib/systemd \
		-o -path /var/lib/logrotate -o -path /var/lib/private -o -path /var/log/private \
		-o -path /var/log/apt -o -path /var/log/dpkg.log -o -path /etc/ld.so.cache \) -prune -o -print |
		sort
}

phase "setup: build the package (setup.sh, before boot)"
setup=$(cat "$PKG/setup.status" 2>/dev/null)
if [ "$setup" != ok ]; then
	ko "setup: ${setup:-no status}; the end of its log:"
	tail -n 30 "$PKG/setup.log" | sed 's/^/    /'
	finish
fi
version=$(dpkg-parsechangelog -S Version)
old=$PKG/tinyhttpd_${version}_$(dpkg --print-architecture).deb new=$PKG/tinyhttpd_${version}+1_$(dpkg --print-architecture).deb
check "dpkg-buildpackage -us -uc -b built ${old##*/} and, one version newer, ${new##*/}" \
	sh -c '[ -f "$1" ] && [ -f "$2" ]' sh "$old" "$new"
lintian_clean() { [ "$(cat "$PKG/lintian.status")" = 0 ] && ! grep -qE '^[EW]: ' "$PKG/lintian.txt"; }
check "lintian --display-info ${old##*/}: no error, no warning" lintian_clean
sed 's/^/    | /' "$PKG/lintian.txt"

phase "install: dpkg -i ${old##*/}"
# The container shares the host's network: a server on the host's port would answer in the package's place.
if curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$PORT/"; then
	ko "127.0.0.1:$PORT is taken (on the host, whose network the container shares): stop what listens there"
	finish
fi
snapshot >/root/before.txt
check "dpkg -i" logged /root/install.log dpkg -i "$old"
check "the service is enabled" systemctl -q is-enabled tinyhttpd.service
check "the service is active" wait_for 10 active tinyhttpd.service
check "the socket unit is neither enabled nor active" \
	sh -c '! systemctl -q is-enabled tinyhttpd.socket && ! systemctl -q is-active tinyhttpd.socket'
check "StatusText: $(status_text)" [ "$(generation)" = 1 ]
body=$(hello)
check "GET /hello: $body" [ "$body" = "Hello World!" ]
check "the request is in /var/log/tinyhttpd/access.log, not the journal" \
	wait_for 5 grep -q '"GET /hello HTTP/1.1" 200' /var/log/tinyhttpd/access.log
check "/etc/tinyhttpd/tinyhttpd.conf is a conffile" grep -qx "$CONF" /var/lib/dpkg/info/tinyhttpd.conffiles
pid=$(main_pid)

phase "reload: 10 x systemctl reload under load"
load_start
reloads=0
for _ in $(seq 10); do
	systemctl reload tinyhttpd.service && reloads=$((reloads + 1))
	sleep 0.5
done
check "$reloads of 10 reloads succeeded" [ "$reloads" = 10 ]
check "StatusText: generation 11 serving" wait_for 10 serving_after 10
load_stop
check "MainPID unchanged ($pid)" [ "$(main_pid)" = "$pid" ]
# The journal tags each line "tinyhttpd[PID]:" itself, with the writer's PID; the message starts with the
# process's role.
check "journal lines start with the role: master:, worker g1:" \
	wait_for 5 sh -c 'journalctl -q -u tinyhttpd.service -o cat | grep -q "^master: info: generation 2: serving" &&
		journalctl -q -u tinyhttpd.service -o cat | grep -q "^worker g1: info: draining"'
journalctl -q -u tinyhttpd.service -o short | grep -E -m 2 ': (master: info: generation 2: serving|worker g1: info: draining)' |
	sed 's/^/    | /'

phase "logrotate: the access log is rotated and reopened"
check "logrotate -f" logrotate -f /etc/logrotate.d/tinyhttpd
check "rotated: access.log.1 holds the lines before" grep -q '"GET /hello HTTP/1.1" 200' /var/log/tinyhttpd/access.log.1
# The signal is sent when logrotate returns, not yet acted on: ask until a request lands in the new file.
reopened() { hello >/dev/null && grep -q '"GET /hello HTTP/1.1" 200' /var/log/tinyhttpd/access.log; }
check "reopened: access.log holds the requests after" wait_for 10 reopened

phase "upgrade: dpkg -i ${new##*/} under load"
load_start
check "dpkg -i" logged /root/upgrade.log dpkg -i "$new"
check "the postinst reloaded: a generation after 11 serves" wait_for 10 serving_after 11
sleep 1
load_stop
sed -n 's/^tinyhttpd: /    | /p' /root/upgrade.log
check "MainPID unchanged ($pid)" [ "$(main_pid)" = "$pid" ]
check "the newer version is installed" [ "$(dpkg-query -W -f '${Version}' tinyhttpd)" = "$(dpkg-deb -f "$new" Version)" ]
# dpkg replaced /usr/sbin/tinyhttpd: a process still running the old file sees it as deleted. The old
# generation's workers may still be finishing a request: they have a few seconds to end.
exes() { for p in $(pgrep -x tinyhttpd); do readlink "/proc/$p/exe"; done | sort | uniq -c | tr -s ' \n' ' '; }
runs_new() { local e; e=$(exes); [ -n "$e" ] && ! echo "$e" | grep -q deleted; }
wait_for 10 runs_new
check "the newer version serves: every process of the service runs the new /usr/sbin/tinyhttpd (seen:$(exes))" \
	runs_new

phase "broken config: systemctl reload fails, the running config keeps serving"
cp -p "$CONF" /root/tinyhttpd.conf.good
echo 'bogus = 1;' >>"$CONF"
line=$(wc -l <"$CONF")
since=$(date +%s)
sleep 1 # journalctl --since has a resolution of one second
rc=0
systemctl reload tinyhttpd.service >/root/reload.out 2>&1 || rc=$?
check "systemctl reload fails (status $rc): $(head -1 /root/reload.out)" [ "$rc" -ne 0 ]
check "the service is still active" active tinyhttpd.service
body=$(hello)
check "GET /hello: $body" [ "$body" = "Hello World!" ]
check "MainPID unchanged ($pid)" [ "$(main_pid)" = "$pid" ]
errors() { journalctl -q -u tinyhttpd.service -p err --since "@$since" -o short; }
names_line() { errors | grep -qF "$CONF:$line:"; }
check "journalctl -u tinyhttpd -p err names $CONF:$line:" wait_for 5 names_line
errors | sed 's/^/    | /'
# The journal's own tag, "tinyhttpd[PID]:", once at the start of each line, not a second time after it.
tag_once() { ! errors | grep -q 'tinyhttpd\[[0-9]*\]: .*tinyhttpd\['; }
check "and does not repeat the tag" tag_once
cp -p /root/tinyhttpd.conf.good "$CONF"
check "systemctl reload with the config put back" systemctl reload tinyhttpd.service

phase "TLS: a key in /etc/ssl/private, read through the ssl-cert group (as README says)"
# The unit's DynamicUser is not root: a key only root and the ssl-cert group read (Debian's way, from the
# ssl-cert package) is refused until a drop-in gives the service that group. A renewed pair then goes in
# with a reload. (LoadCredential= would copy the key at start only, and systemd 252's ExecReload= does
# not see credentials, so the reload's tinyhttpd -t would fail.)
readonly KEY=/etc/ssl/private/tinyhttpd-test.key CERT=/etc/ssl/certs/tinyhttpd-test.crt TLSPORT=8443
# make_pair SERIAL: a key readable by root and ssl-cert only, and a certificate for localhost.
make_pair() {
	logged /root/openssl.log openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost -set_serial "$1" \
		-keyout "$KEY" -out "$CERT" && chown root:ssl-cert "$KEY" && chmod 0640 "$KEY"
}
# serial_is SERIAL: the certificate a new connection to the TLS port gets has SERIAL (hex).
serial_is() {
	[ "$(openssl s_client -connect "127.0.0.1:$TLSPORT" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null)" = "serial=$1" ]
}
https_hello() {
	curl -fsS --max-time 10 --cacert "$CERT" --resolve "localhost:$TLSPORT:127.0.0.1" \
		"https://localhost:$TLSPORT/hello" 2>&1
}
check "openssl makes a key (root:ssl-cert 0640) and a certificate, serial 10" make_pair 10
cat >"$CONF" <<EOF
listen = ( { name = "http"; port = $PORT; }, { name = "https"; port = $TLSPORT; tls = true; } );
hosts = ( { names = [ "*" ];
    tls = { certificate = "$CERT"; key = "$KEY"; };
    routes = ( { path = "/hello"; text = "Hello World!"; } ); } );
EOF
since=$(date +%s)
sleep 1 # journalctl --since has a resolution of one second
check "without the group, systemctl reload fails" sh -c '! systemctl reload tinyhttpd.service 2>/dev/null'
key_refused() { journalctl -q -u tinyhttpd.service --since "@$since" -o cat | grep -F "$KEY" | grep -q "Permission denied"; }
check "the journal says the key cannot be read" wait_for 5 key_refused
journalctl -q -u tinyhttpd.service --since "@$since" -o cat | grep -F -m 1 "$KEY" | sed 's/^/    | /'
body=$(hello)
check "the running config still serves: $body" [ "$body" = "Hello World!" ]
mkdir -p /etc/systemd/system/tinyhttpd.service.d
printf '[Service]\nSupplementaryGroups=ssl-cert\n' >/etc/systemd/system/tinyhttpd.service.d/ssl-cert.conf
systemctl daemon-reload
check "systemctl restart with SupplementaryGroups=ssl-cert in a drop-in" systemctl restart tinyhttpd.service
body=$(https_hello)
check "GET https://localhost:$TLSPORT/hello, the certificate verified: $body" [ "$body" = "Hello World!" ]
check "serial 10 served" serial_is 0A
check "a renewed pair, serial 11" make_pair 11
check "systemctl reload" systemctl reload tinyhttpd.service
check "new connections get serial 11" wait_for 10 serial_is 0B
rm -r /etc/systemd/system/tinyhttpd.service.d "$KEY" "$CERT"
cp -p /root/tinyhttpd.conf.good "$CONF"
systemctl daemon-reload
check "systemctl restart with the drop-in gone and the config put back" systemctl restart tinyhttpd.service
body=$(hello)
check "GET /hello: $body" [ "$body" = "Hello World!" ]

phase "socket activation: the first request starts the service"
check "systemctl stop tinyhttpd" systemctl stop tinyhttpd.service
check "systemctl start tinyhttpd.socket" systemctl start tinyhttpd.socket
check "the service is not running" inactive tinyhttpd.service
body=$(hello)
check "GET /hello: $body" [ "$body" = "Hello World!" ]
check "the service is active, started by it" active tinyhttpd.service
check "systemctl stop tinyhttpd.socket (the service keeps its socket)" systemctl stop tinyhttpd.socket
body=$(hello)
check "GET /hello: $body" [ "$body" = "Hello World!" ]

phase "stop: systemctl stop with an idle keep-alive connection open"
python3 tests/systemd/idle.py "$PORT" >/root/idle.out 2>&1 &
idle_pid=$!
check "an idle keep-alive connection is open" wait_for 10 grep -q '^idle' /root/idle.out
t0=$(date +%s%N)
systemctl stop tinyhttpd.service
ms=$((($(date +%s%N) - t0) / 1000000))
check "systemctl stop took $ms ms (under 3000)" [ "$ms" -lt 3000 ]
wait "$idle_pid"
check "the idle connection: $(tail -1 /root/idle.out)" grep -q '^closed' /root/idle.out
check "the service is inactive" inactive tinyhttpd.service
check "no tinyhttpd process is left" no_process

phase "sandbox: systemd-analyze security"
exposure=$(systemd-analyze security tinyhttpd.service 2>/dev/null |
	sed -nE 's/.*Overall exposure level for tinyhttpd.service: ([0-9.]+).*/\1/p')
check "exposure ${exposure:-unknown} (2.0 or lower)" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'

phase "purge: dpkg --purge tinyhttpd"
check "systemctl start tinyhttpd again, so the purge removes a running service" \
	systemctl start tinyhttpd.service
check "dpkg --purge" logged /root/purge.log dpkg --purge tinyhttpd
check "no tinyhttpd process is left" no_process
check "systemd knows no tinyhttpd unit" sh -c '[ -z "$(systemctl list-unit-files --no-legend "tinyhttpd*")" ]'
snapshot >/root/after.txt
left=$(comm -13 /root/before.txt /root/after.txt; find /var/lib/private /var/log/private /var/lib/systemd -name '*tinyhttpd*' 2>/dev/null)
check "no file is left behind${left:+: ${left//$'\n'/ }}" [ -z "$left" ]

finish
