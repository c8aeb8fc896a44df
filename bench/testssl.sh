#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/testssl.sh: testssl.sh's check of tinyhttpd's TLS as the bundled example sets it up; fails when
# testssl.sh rates anything HIGH or CRITICAL, certificate trust aside.
#
# It copies etc/tinyhttpd-tls.conf into a temporary directory with a certificate from scripts/make-cert
# (ECDSA P-256, self-signed, for "localhost") and the demo pages it serves, moves its two ports to free
# ones (it listens on 127.0.0.1 alone), starts this tree's tinyhttpd (built as the tree is configured: any
# build will do) and runs `testssl` (Debian package testssl.sh; as root the script installs it, and jq,
# which reads its findings) against localhost on 127.0.0.1, with its default checks. It prints testssl's
# report on protocols, server preferences and vulnerabilities (and its rating, from testssl 3.1 on), how
# many findings it rated at each severity, and each finding rated LOW or above; it exits 1 when one is
# HIGH or CRITICAL.
#
# Certificate trust is left out of that verdict: testssl rates a certificate that no trusted CA signed
# CRITICAL (`cert_chain_of_trust`) and one that names no CRL or OCSP responder HIGH (`cert_revocation`),
# and a self-signed test certificate cannot be otherwise: there is no CA to vouch for it or revoke it.
# Both findings are about who issued the certificate, which an operator gets from a CA, not about what the
# server does with it; they are shown, marked as expected, and do not fail the run. Every other finding
# about the certificate (its key, signature, names, dates) counts, since scripts/make-cert made it.
#
#   bench/testssl.sh          # a minute or two
#
# Environment: KEEP_WORK=1 keeps the temporary directory (testssl's log and JSON, the server's logs).
# Loopback only; it stops the server it starts and removes its temporary directory.
set -euo pipefail

me=testssl.sh
. "$(dirname "$0")/lib.sh"

# The findings of these ids are expected for a self-signed certificate; see above.
trust_ids='^(cert_chain_of_trust|cert_revocation)$'

need testssl testssl.sh
need jq jq
need curl curl
need openssl openssl
bench_init
build_source

# The example as an operator would install it: its certificate in tls/ beside it, the pages in ../www.
etc=$work/etc
mkdir -p "$etc" "$work/tinyhttpd"
cp "$top/etc/tinyhttpd-tls.conf" "$etc/"
cp -r "$top/www" "$work/www"
"$top/scripts/make-cert" "$etc/tls" localhost >/dev/null || die "scripts/make-cert failed"
conf=$etc/tinyhttpd-tls.conf
started=(tinyhttpd)
port[tinyhttpd]=$(free_port 28080)
tls_port[tinyhttpd]=$(free_port 28443)
sed -i -e "s/port = 8443;/port = ${tls_port[tinyhttpd]};/" -e "s/:8443{path}/:${tls_port[tinyhttpd]}{path}/" \
	-e "s/port = 8080;/port = ${port[tinyhttpd]};/" "$conf"
! grep -v '^ *#' "$conf" | grep -Eq '\b(8443|8080)\b' ||
	die "etc/tinyhttpd-tls.conf's ports are no longer 8443 and 8080: update $me"

"$top/src/tinyhttpd" -c "$conf" >"$work/tinyhttpd/stdout.log" 2>"$work/tinyhttpd/error.log" &
pid[tinyhttpd]=$!
pids+=("$!")
wait_up "${tls_port[tinyhttpd]}" "${pid[tinyhttpd]}" "$work/tinyhttpd"
printf 'Hello World!' >"$work/expect.hello"
check_body tinyhttpd "https://127.0.0.1:${tls_port[tinyhttpd]}/hello" "$work/expect.hello"

echo "$me: testssl against localhost:${tls_port[tinyhttpd]}, a minute or two" >&2
# --ip: localhost may resolve to ::1 too, where nothing listens. testssl's exit status counts what it
# could not test as much as what it found; the JSON file says what it found.
testssl --quiet --color 0 --warnings off --ip 127.0.0.1 --jsonfile "$work/testssl.json" \
	--logfile "$work/testssl.log" "localhost:${tls_port[tinyhttpd]}" >"$work/testssl.out" 2>&1 || true
jq -e 'length > 0' "$work/testssl.json" >/dev/null 2>&1 ||
	die "testssl found nothing to report: $(tail -5 "$work/testssl.out")"
kill -0 "${pid[tinyhttpd]}" 2>/dev/null ||
	die "tinyhttpd died while testssl ran: $(tail -5 "$work/tinyhttpd/error.log")"

echo
echo "Server:   tinyhttpd $(cd "$top" && git describe --always --dirty 2>/dev/null || echo '(no git)'), etc/tinyhttpd-tls.conf"
# testssl takes --version alone, and colours it whatever it is told.
checker=$(testssl --version 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk '/testssl +[0-9]/ { print "testssl", $2; exit }')
echo "Checker:  $checker, $(openssl version)"
echo
# From testssl's report: the protocols, the server's preferences and the vulnerabilities; and its own
# verdict, from "Rating" on (testssl 3.1 and later; 3.0 has none).
awk '/^ Testing / { show = $0 ~ /Testing (protocols|server preferences|vulnerabilities)/ } show && NF' "$work/testssl.out"
sed -n '/^ *Rating (experimental)/,$p' "$work/testssl.out"
echo
echo "Findings by severity: $(jq -r 'group_by(.severity) | map("\(.[0].severity) \(length)") | join(", ")' \
	"$work/testssl.json")"
echo
echo "Rated LOW or above (id, severity, finding):"
jq -r --arg trust "$trust_ids" '.[] | select(.severity == "LOW" or .severity == "MEDIUM" or .severity == "HIGH"
	or .severity == "CRITICAL") | "  \(.id)  \(.severity)  \(.finding)" +
	(if (.id | test($trust)) then "  (expected: a self-signed test certificate)" else "" end)' "$work/testssl.json"
bad=$(jq -r --arg trust "$trust_ids" '[.[] | select((.severity == "HIGH" or .severity == "CRITICAL")
	and (.id | test($trust) | not))] | length' "$work/testssl.json")
echo
if [ "$bad" -gt 0 ]; then
	die "$bad finding(s) rated HIGH or CRITICAL"
fi
echo "$me: nothing rated HIGH or CRITICAL, certificate trust aside"
