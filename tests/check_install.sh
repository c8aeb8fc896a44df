#!/bin/sh
# SPDX-License-Identifier: ISC
# check_install.sh: make install DESTDIR=<tmp>, check the installed tree (binary, config, demo pages,
# systemd units, man pages), verify the unit with systemd-analyze when it is there, then make uninstall
# and check nothing is left. (That tinyhttpd.conf(5) documents every key: tests/check_config.c.)
# Run by make check, which sets MAKE, abs_top_builddir, TOP_SRCDIR and the install directories.
# shellcheck disable=SC2154 # sbindir, pkgsysconfdir, ... come from the environment, checked below.

: "${MAKE:=make}" "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}" "${abs_top_builddir:=$TOP_SRCDIR}"
for v in sbindir pkgsysconfdir pkgdatadir mandir sysconfdir; do
	eval "test -n \"\${$v}\"" || { echo "check_install: \$$v is not set; run it through make check"; exit 99; }
done

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
check() { # check <description> <command...>
	what=$1; shift
	if "$@"; then ok "$what"; else ko "$what"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyhttpd-install.XXXXXX") || exit 99
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/root

# The make that runs this test must not hand its job server or flags to ours.
unset MAKEFLAGS MFLAGS MAKELEVEL

if $MAKE -C "$abs_top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR"
else
	ko "make install DESTDIR (log follows)"; cat "$tmp/install.log"
	echo "install: $pass passed, $fail failed"; exit 1
fi

conf=$dest$pkgsysconfdir/tinyhttpd.conf
check "binary $sbindir/tinyhttpd" test -x "$dest$sbindir/tinyhttpd"
check "tinyhttpd -V runs" sh -c '"$1" -V | grep -q "^tinyhttpd "' sh "$dest$sbindir/tinyhttpd"
check "config $pkgsysconfdir/tinyhttpd.conf" test -f "$conf"
check "demo page $pkgdatadir/form.html" test -f "$dest$pkgdatadir/form.html"
check "demo page $pkgdatadir/index.html" test -f "$dest$pkgdatadir/index.html"
check "error page $pkgdatadir/errors/404.html" test -f "$dest$pkgdatadir/errors/404.html"
check "error page $pkgdatadir/errors/400.html" test -f "$dest$pkgdatadir/errors/400.html"
man8=$dest$mandir/man8/tinyhttpd.8 man5=$dest$mandir/man5/tinyhttpd.conf.5
check "man page tinyhttpd(8)" test -f "$man8"
check "man page tinyhttpd.conf(5)" test -f "$man5"
check "logrotate $sysconfdir/logrotate.d/tinyhttpd" test -f "$dest$sysconfdir/logrotate.d/tinyhttpd"

# The installed config serves the installed pages, by absolute path.
check "config has no relative ../www path" sh -c '! grep -q "\.\./www" "$1"' sh "$conf"
check "config file = $pkgdatadir/form.html" grep -q "file = \"$pkgdatadir/form.html\"" "$conf"
check "config root = $pkgdatadir" grep -q "root = \"$pkgdatadir\"" "$conf"
check "config file = $pkgdatadir/errors/404.html" grep -q "file = \"$pkgdatadir/errors/404.html\"" "$conf"
# The access log goes to the unit's LogsDirectory, which logrotate rotates, not to the journal.
check "config access_log = /var/log/tinyhttpd/access.log" \
	grep -q '^ *access_log = "/var/log/tinyhttpd/access.log";' "$conf"
check "logrotate rotates /var/log/tinyhttpd/*.log" \
	grep -q '^/var/log/tinyhttpd/\*\.log {' "$dest$sysconfdir/logrotate.d/tinyhttpd"
# It is valid: checked with its paths moved under DESTDIR and the log directory under $tmp (the -t check
# opens the files, and wants the log's directory).
mkdir "$tmp/log"
sed -e "s|\"$pkgdatadir|\"$dest$pkgdatadir|g" -e "s|\"/var/log/tinyhttpd/|\"$tmp/log/|" "$conf" \
	>"$tmp/relocated.conf"
if "$dest$sbindir/tinyhttpd" -t -c "$tmp/relocated.conf" >"$tmp/t.log" 2>&1; then
	ok "tinyhttpd -t on the installed config"
else
	ko "tinyhttpd -t on the installed config: $(cat "$tmp/t.log")"
fi

# An edited config survives a reinstall; the new default goes beside it.
echo "# edited" >>"$conf"
if $MAKE -C "$abs_top_builddir" install DESTDIR="$dest" >"$tmp/install2.log" 2>&1 &&
   grep -q "^# edited" "$conf" && test -f "$conf.dist"; then
	ok "reinstall keeps an edited config"
else
	ko "reinstall keeps an edited config"; cat "$tmp/install2.log"
fi
# Put it back as installed, so uninstall removes it.
cp "$conf.dist" "$conf" && rm -f "$conf.dist"

# The systemd units.
if test -n "$systemdsystemunitdir"; then
	unit=$dest$systemdsystemunitdir/tinyhttpd.service
	check "unit $systemdsystemunitdir/tinyhttpd.service" test -f "$unit"
	check "unit $systemdsystemunitdir/tinyhttpd.socket" test -f "$dest$systemdsystemunitdir/tinyhttpd.socket"
	check "unit has no unsubstituted @var@" sh -c '! grep -q "@[a-z]*@" "$1"' sh "$unit"
	check "unit runs $sbindir/tinyhttpd -c $pkgsysconfdir/tinyhttpd.conf" \
		grep -q "^ExecStart=$sbindir/tinyhttpd -c $pkgsysconfdir/tinyhttpd.conf\$" "$unit"
	check "unit checks the config before a reload" \
		grep -q "^ExecReload=$sbindir/tinyhttpd -t -c $pkgsysconfdir/tinyhttpd.conf\$" "$unit"
	check "unit is ordered after network.target, does not pull it in" \
		sh -c 'grep -q "^After=network.target$" "$1" && ! grep -q "^Wants=network.target" "$1"' sh "$unit"
	check "unit is Type=notify" grep -q '^Type=notify$' "$unit"
	check "unit stops with SIGQUIT" grep -q '^KillSignal=SIGQUIT$' "$unit"
	if command -v systemd-analyze >/dev/null 2>&1; then
		# verify wants ExecStart's binary to exist: check a copy pointing into DESTDIR.
		mkdir "$tmp/units"
		sed "s|$sbindir/|$dest$sbindir/|g" "$unit" >"$tmp/units/tinyhttpd.service"
		cp "$dest$systemdsystemunitdir/tinyhttpd.socket" "$tmp/units/"
		if SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
		   "$tmp/units/tinyhttpd.service" "$tmp/units/tinyhttpd.socket" >"$tmp/verify.log" 2>&1 &&
		   ! grep -v '^$' "$tmp/verify.log" | grep -q .; then
			ok "systemd-analyze verify: clean"
		else
			ko "systemd-analyze verify:"; cat "$tmp/verify.log"
		fi
	else
		skip "systemd-analyze verify: systemd-analyze not installed (apt-get install systemd)"
	fi
else
	skip "systemd units: configured --without-systemdsystemunitdir"
fi

# The man pages name the configured paths, not the source's placeholders or another prefix's paths.
check "man pages have no unsubstituted @var@" sh -c '! grep -q "@[A-Za-z_]*@" "$1" "$2"' sh "$man8" "$man5"
check "tinyhttpd(8) names $pkgsysconfdir/tinyhttpd.conf" grep -qF "$pkgsysconfdir/tinyhttpd.conf" "$man8"
check "tinyhttpd(8) names $pkgdatadir/" grep -qF "$pkgdatadir/" "$man8"
check "tinyhttpd(8) names $sysconfdir/logrotate.d/tinyhttpd" \
	grep -qF "$sysconfdir/logrotate.d/tinyhttpd" "$man8"
check "tinyhttpd.conf(5) names $pkgsysconfdir/tinyhttpd.conf" grep -qF "$pkgsysconfdir/tinyhttpd.conf" "$man5"
check "tinyhttpd.conf(5) names $pkgdatadir/form.html" grep -qF "$pkgdatadir/form.html" "$man5"
case $sysconfdir in
/usr/local/*) ;;
*) check "man pages do not name /usr/local" sh -c '! grep -q /usr/local "$1" "$2"' sh "$man8" "$man5" ;;
esac

# Uninstall removes everything install added.
if $MAKE -C "$abs_top_builddir" uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR"
else
	ko "make uninstall DESTDIR"; cat "$tmp/uninstall.log"
fi
left=$(find "$dest" ! -type d)
if test -z "$left"; then
	ok "uninstall leaves only directories"
else
	ko "uninstall left:"; echo "$left"
fi

echo "install: $pass passed, $fail failed"
test "$fail" -eq 0
