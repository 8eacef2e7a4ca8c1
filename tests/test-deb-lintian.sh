#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The packages built from the dist tarball (tests/deb, see tests/local.mk): lintian finds no error and no warning in either (every
# override has a comment above it saying why), and each holds what the
# README says it does: pageidled the daemon with /etc/pageidled.conf as a
# conffile, its units enabled and started by its postinst, the system user
# made before that, Recommends: pageidle-dkms, and no module; pageidle-dkms
# the module's source and dkms.conf under /usr/src/pageidle-VERSION.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
rc=0
fail() { echo "FAIL: $*"; rc=1; }

. "$srcdir/tests/require.sh"
require lintian lintian
require dpkg-deb dpkg
. "$srcdir/tests/deb-packages.sh"
deb_packages || exit 1
dir=$deb_dir

version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
daemon=$(ls "$dir"/pageidled_"$version"-*_*.deb 2> /dev/null)
dkms=$(ls "$dir"/pageidle-dkms_"$version"-*_all.deb 2> /dev/null)
changes=$(ls "$dir"/pageidled_"$version"-*_*.changes 2> /dev/null)
[ -n "$daemon" ] && [ -n "$dkms" ] && [ -n "$changes" ] ||
	{ echo "FAIL: no packages of $version in $dir (make check-deb-packages builds them)"; ls -l "$dir"; exit 1; }

echo "lintian $(lintian --version | sed 's/^Lintian v//') on $(basename "$changes")"
# As root (make check under .ci/run), lintian says it would rather not be.
lintian --pedantic --display-info --display-experimental --fail-on error,warning "$changes" 2>&1 |
	grep -v '^running with root privileges is not recommended!$'
lintian_rc=$(lintian --fail-on error,warning "$changes" > /dev/null 2>&1; echo $?)
[ "$lintian_rc" = 0 ] || fail "lintian finds errors or warnings (exit $lintian_rc)"
for o in "$srcdir"/debian/*.lintian-overrides; do
	[ -e "$o" ] || continue
	awk -v f="${o##*/}" '/^#/ { c = 1; next } /^$/ { c = 0; next }
		!c { print "FAIL: " f ": override without a comment above it: " $0; bad = 1 }
		END { exit bad }' "$o" || rc=1
done

field() { dpkg-deb -f "$1" "$2"; }
list() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }

has() {		# DEB PATH...
	deb=$1; shift
	for p in "$@"; do
		list "$deb" | grep -qx "$p" || fail "$(basename "$deb") lacks $p"
	done
}
has "$daemon" /usr/sbin/pageidled /usr/bin/pageidlectl /etc/pageidled.conf \
	/lib/systemd/system/pageidled.service /lib/systemd/system/pageidled.socket \
	/usr/lib/sysusers.d/pageidled.conf /usr/lib/tmpfiles.d/pageidled.conf \
	/usr/lib/modules-load.d/pageidle.conf \
	/usr/share/dbus-1/system.d/org.pageidled1.conf \
	/usr/share/dbus-1/system-services/org.pageidled1.service \
	/usr/share/dbus-1/interfaces/org.pageidled1.xml \
	/usr/share/man/man8/pageidled.8.gz /usr/share/man/man5/pageidled.conf.5.gz \
	/usr/share/man/man1/pageidlectl.1.gz /usr/share/man/man5/org.pageidled1.5.gz \
	/usr/share/pageidled/pageidled-stats.schema.json \
	/usr/share/pageidled/pageidled-history.schema.json /usr/share/pageidled/web/index.html
field "$daemon" Depends | grep -q libjs-dygraphs || fail "pageidled does not depend on libjs-dygraphs (the page's charts)"
list "$daemon" | grep -E '\.ko(\.[a-z]+)?$|^/usr/src/' && fail "pageidled holds the module"
src=/usr/src/pageidle-$version
has "$dkms" "$src/dkms.conf" "$src/Kbuild"
# Every source of the module the tarball has.
for f in $(tar -tzf "$dir/pageidled-$version.tar.gz" | sed -n "s|^pageidled-$version/kernel/\(\(uapi/\)\{0,1\}[^/]*\.[ch]\)$|\1|p"); do
	has "$dkms" "$src/$f"
done
list "$dkms" | grep -v -e "^$src/" -e '^/usr/share/doc/pageidle-dkms/' \
	-e '^/usr/share/lintian/overrides/pageidle-dkms$' -e '/$' &&
	fail "pageidle-dkms holds more than the module's source"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -e "$daemon" "$tmp/daemon"
dpkg-deb -e "$dkms" "$tmp/dkms"
dpkg-deb --fsys-tarfile "$dkms" | tar -xOf - ".$src/dkms.conf" > "$tmp/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$version\"" "$tmp/dkms.conf" || fail "$src/dkms.conf is not for $version"
grep -qx /etc/pageidled.conf "$tmp/daemon/conffiles" || fail "/etc/pageidled.conf is not a conffile"
[ "$(field "$daemon" Recommends)" = pageidle-dkms ] || fail "pageidled recommends '$(field "$daemon" Recommends)'"
field "$daemon" Depends | grep -q libsystemd0 || fail "pageidled's Depends has no libsystemd0 (from shlibs)"
field "$dkms" Depends | grep -q dkms || fail "pageidle-dkms does not depend on dkms"
# The user exists before the service starts, which starts on installation
# and restarts on upgrade.
awk '/systemd-sysusers/ { u = NR } /deb-systemd-invoke \$_dh_action .pageidled.service/ { s = NR }
	END { exit !(u && s && u < s) }' "$tmp/daemon/postinst" ||
	fail "pageidled's postinst does not run systemd-sysusers, then start or restart pageidled.service"
grep -qx "DKMS_NAME=pageidle" "$tmp/dkms/prerm" && grep -qx "DKMS_VERSION=$version" "$tmp/dkms/prerm" &&
	grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$tmp/dkms/prerm" || fail "pageidle-dkms's prerm does not remove the module"
grep -qx "DKMS_VERSION=$version" "$tmp/dkms/postinst" && grep -q 'common.postinst' "$tmp/dkms/postinst" ||
	fail "pageidle-dkms's postinst does not build the module"
exit $rc
