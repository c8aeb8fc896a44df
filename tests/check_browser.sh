#!/bin/sh
# SPDX-License-Identifier: ISC
# check_browser.sh: a real browser against the real server. Starts src/tinyhttpd ($TINYHTTPD) on a free
# loopback port with a temporary config and lets tests/browser/test.mjs drive headless Chromium through
# puppeteer-core: the demo form, a page whose stylesheet and image are revalidated on reload (304s in the
# access log), byte ranges fetched by the page, the landing page's /info link.
# Skipped (exit 77) without chromium, node 18 or later and npm (scripts/install-deps --test installs them),
# or when npm cannot install puppeteer-core: that goes into a cache outside the source tree
# ($TINYHTTPD_TEST_CACHE, by default ~/.cache/tinyhttpd), never into the tree, which distcheck makes read-only,
# with every dependency at the version tests/browser/package-lock.json locks (npm ci), so a release
# upstream cannot change what the test runs.
# Run by make check, which sets TINYHTTPD and TOP_SRCDIR.

: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}" "${abs_top_builddir:=$TOP_SRCDIR}"
: "${TINYHTTPD:=$abs_top_builddir/src/tinyhttpd}" "${CHROMIUM:=/usr/bin/chromium}"
# tests/browser/package.json names the release of puppeteer-core whose engines still include node 18,
# Debian 12's; the lock file pins it and what it depends on.
browser_dir=$TOP_SRCDIR/tests/browser
pptr_version=$(sed -nE 's/^ *"puppeteer-core": "([^"]+)".*/\1/p' "$browser_dir/package.json")

skip() {
	echo "SKIP: $*"
	exit 77
}
test -x "$CHROMIUM" || skip "no chromium at $CHROMIUM (scripts/install-deps --test installs it)"
command -v node >/dev/null 2>&1 || skip "node is not installed (scripts/install-deps --test installs it)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (scripts/install-deps --test installs it)"
node_major=$(node -p 'process.versions.node.split(".")[0]') || skip "node does not run"
test "$node_major" -ge 18 || skip "node $(node -v) is older than 18, which puppeteer-core needs"

# Under valgrind the server answers tens of times slower: every wait gets that much longer.
case $TINYHTTPD in
*valgrind*) wait_s=120 node_limit=900 ;;
*) wait_s=30 node_limit=300 ;;
esac

# puppeteer-core, once per lock file: installed into a directory of its own, then renamed into place, so
# a run that stops midway leaves nothing half-installed and two runs at once do not mix their files.
cache=${TINYHTTPD_TEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/tinyhttpd}
lock_sum=$(sha256sum <"$browser_dir/package-lock.json" | cut -c 1-16)
if [ -z "$pptr_version" ] || [ -z "$lock_sum" ]; then
	skip "cannot read $browser_dir/package.json and package-lock.json"
fi
pptr_dir=$cache/puppeteer-core-$pptr_version-$lock_sum
if ! test -f "$pptr_dir/node_modules/puppeteer-core/package.json"; then
	mkdir -p "$cache" || skip "cannot make the cache directory $cache for puppeteer-core"
	stage=$(mktemp -d "$cache/.install.XXXXXX") || skip "cannot write to $cache"
	echo "installing puppeteer-core $pptr_version (tests/browser/package-lock.json) into $pptr_dir"
	cp "$browser_dir/package.json" "$browser_dir/package-lock.json" "$stage/" &&
		timeout 300 npm ci --prefix "$stage" --no-audit --no-fund --loglevel=error >"$stage.log" 2>&1
	npm_status=$?
	if test "$npm_status" -ne 0; then
		# npm's first message line, without its error code lines or stack trace: "FetchError: request
		# to ... failed, reason: ...", "notarget No matching version ...".
		reason=$(sed -nE 's/^npm (error|ERR!) //p' "$stage.log" |
			grep -v -e '^ *at ' -e '^code ' -e '^syscall ' -e '^errno ' -e '^ *$' | head -n 1)
		test "$npm_status" -ne 124 || reason="no answer within 300 s"
		rm -rf "$stage" "$stage.log"
		skip "npm cannot install puppeteer-core $pptr_version: ${reason:-npm exited $npm_status}"
	fi
	# Another run may have put its copy in place meanwhile: then keep that one.
	mv -T "$stage" "$pptr_dir" 2>/dev/null || rm -rf "$stage"
	rm -f "$stage.log"
fi

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyhttpd-browser.XXXXXX") || exit 99
pid=""
# A test that stops midway stops its server (by its pid) and removes its files.
cleanup() {
	if test -n "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The site the browser loads: a page with a stylesheet and a 1x1 PNG, and random bytes for the ranges.
mkdir "$tmp/site" || exit 99
cat >"$tmp/site/page.html" <<'EOF' || exit 99
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>revalidation</title><link rel="stylesheet" href="style.css"></head>
<body><p id="styled">styled by style.css</p><img id="dot" src="dot.png" alt="a dot"></body>
</html>
EOF
echo '#styled { color: rgb(1, 2, 3); }' >"$tmp/site/style.css" || exit 99
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' |
	base64 -d >"$tmp/site/dot.png" || exit 99
head -c 65536 /dev/urandom >"$tmp/site/data.bin" || exit 99

# The seed routes, the demo pages from the source tree, and the site under /site/.
write_config() {
	cat >"$tmp/test.conf" <<EOF
server = {
  address = "127.0.0.1";
  port = $1;
  workers = 2;
  access_log = "$tmp/access.log";
};
routes = (
  { method = "GET";  path = "/hello"; text = "Hello World!"; },
  { method = "GET";  path = "/info";  params = [ "name", "age" ];
    text = "hello, I'm {name} and {age} years old."; },
  { method = "POST"; path = "/form";  params = [ "username", "password" ];
    text = "I'm {username} and my password is {password}."; },
  { method = "GET";  path = "/form";  file = "$TOP_SRCDIR/www/form.html"; },
  { method = "GET";  prefix = "/static/"; root = "$TOP_SRCDIR/www"; },
  { path = "/"; redirect = "/hello"; status = 302; },
  { method = "GET";  prefix = "/site/"; root = "$tmp/site"; headers = { Cache-Control = "no-cache"; }; }
);
EOF
}

# Whether process $1 runs: kill -0 would say yes to one that exited and that the shell has not reaped.
running() {
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	test -n "$state" && test "$state" != Z
}

# Waits (bounded) until the server says it serves; 1 when it exited or took too long.
wait_serving() {
	deadline=$(($(date +%s) + wait_s))
	while ! grep -q "generation 1: serving" "$tmp/stderr.log"; do
		if ! running "$pid" || test "$(date +%s)" -ge "$deadline"; then
			return 1
		fi
		sleep 0.1
	done
}

# A free port, picked by binding port 0; another test may take it before the server binds it: then the
# server says so, and another port is tried.
for attempt in 1 2 3 4 5; do
	port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
		console.log(s.address().port); s.close(); })') || exit 99
	write_config "$port" || exit 99
	"$TINYHTTPD" -c "$tmp/test.conf" >"$tmp/stderr.log" 2>&1 &
	pid=$!
	wait_serving && break
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
	grep -q "cannot bind" "$tmp/stderr.log" || break
done
if test -z "$pid"; then
	echo "FAIL: tinyhttpd did not start (attempt $attempt); its log:"
	cat "$tmp/stderr.log"
	exit 1
fi
ok "tinyhttpd serves on 127.0.0.1:$port"

BASE_URL=http://127.0.0.1:$port ACCESS_LOG=$tmp/access.log DATA_FILE=$tmp/site/data.bin CHROMIUM=$CHROMIUM \
PUPPETEER_DIR=$pptr_dir WAIT_MS=$((wait_s * 1000)) \
	timeout --foreground -k 10 "$node_limit" node "$TOP_SRCDIR/tests/browser/test.mjs" >"$tmp/browser.log" 2>&1
status=$?
cat "$tmp/browser.log"
browser_pass=$(grep -c '^PASS:' "$tmp/browser.log")
browser_fail=$(grep -c '^FAIL:' "$tmp/browser.log")
pass=$((pass + browser_pass)) fail=$((fail + browser_fail))
case $status in
0) ;;
124 | 137) ko "the browser test finished within $node_limit s" ;;
*) test "$browser_fail" -gt 0 || ko "the browser test exited $status" ;;
esac

# The server stops cleanly, without a sanitizer or valgrind report from the master or a worker.
kill -TERM "$pid"
deadline=$(($(date +%s) + wait_s))
while running "$pid" && test "$(date +%s)" -lt "$deadline"; do
	sleep 0.1
done
if running "$pid"; then
	ko "tinyhttpd stops on SIGTERM within $wait_s s"
else
	wait "$pid"
	code=$?
	pid=""
	if test "$code" -eq 0; then ok "tinyhttpd exits 0 on SIGTERM"; else ko "tinyhttpd exits $code on SIGTERM"; fi
fi
if grep -q -e Sanitizer -e "runtime error" -e VALGRIND-ERROR "$tmp/stderr.log"; then
	ko "sanitizer or valgrind report; the server's log:"
	cat "$tmp/stderr.log"
else
	ok "no sanitizer or valgrind report"
fi

echo "browser: $pass passed, $fail failed"
test "$fail" -eq 0
