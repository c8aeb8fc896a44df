#!/bin/bash
# SPDX-License-Identifier: ISC
# setup.sh: scripts/test-systemd's SETUP, run in the container's root before it boots, in a clone of the
# commit under test: installs the build and test tools, builds the package twice (the commit's version,
# and the same with a newer version for the upgrade), and runs lintian on the first.
#
# It always exits 0: how the build went is left in /root/pkg/setup.status ("ok", or what failed) and
# setup.log, for test.sh to report as a failed phase; a failing SETUP would look like a container that
# could not be made.
set -uo pipefail

out=/root/pkg
mkdir -p "$out"
exec >"$out/setup.log" 2>&1

fail() {
	echo "$*" >"$out/setup.status"
	exit 0
}

# What the tests in the booted container run: a client (python3), curl, ps, logrotate for the rule and
# openssl and ssl-cert (its group) for a certificate.
apt-get update -qq || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 curl procps logrotate openssl ssl-cert ||
	fail "installing the test tools failed"
scripts/install-deps --package || fail "scripts/install-deps --package failed"

# build NAME [VERSION]: dpkg-buildpackage in a copy of the project, /root/build/NAME/tinyhttpd, whose
# parent then holds the .deb; with VERSION, a changelog entry for that version comes first. No make check:
# the test suite has its own passes (scripts/test-all).
build() {
	local dir=/root/build/$1/tinyhttpd

	rm -rf "${dir%/*}" && mkdir -p "${dir%/*}" && cp -a /root/project "$dir" || return 1
	if [ -n "${2:-}" ]; then
		{
			printf 'tinyhttpd (%s) unstable; urgency=medium\n\n  * A newer version, for the upgrade test.\n\n' "$2"
			printf ' -- tinyhttpd developers <dev@tinyhttpd.invalid>  %s\n\n' "$(date -R)"
			cat /root/project/debian/changelog
		} >"$dir/debian/changelog" || return 1
	fi
	(cd "$dir" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b)
}

version=$(dpkg-parsechangelog -S Version) || fail "dpkg-parsechangelog failed"
build v1 || fail "dpkg-buildpackage failed"
# Every tag, info ones too, and lintian's status; test.sh fails on errors, warnings, or a lintian that failed.
lintian --display-info /root/build/v1/tinyhttpd_"$version"_*.changes >"$out/lintian.txt" 2>&1
echo $? >"$out/lintian.status"
build v2 "$version+1" || fail "dpkg-buildpackage of a newer version failed"
for v in v1/tinyhttpd_"$version" v2/tinyhttpd_"$version"+1; do
	mv /root/build/"$v"_*.deb "$out/" || fail "no ${v#*/}_ARCH.deb was built"
done

echo ok >"$out/setup.status"
