#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One version everywhere: configure.ac's AC_INIT, the upstream part of
# debian/changelog's newest entry and the PACKAGE_VERSION of the dkms.conf
# configure made (which pageidle-dkms installs, and which DKMS passes to
# Kbuild as the module's MODULE_VERSION).  And /etc/pageidled.conf as the
# package ships it names every key of daemon/conf.c's table, in its
# section, and no other.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
rc=0
fail() { echo "FAIL: $*"; rc=1; }

. "$srcdir/tests/require.sh"
require dpkg-parsechangelog dpkg-dev

ac=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
[ -n "$ac" ] || fail "no version in configure.ac's AC_INIT"
deb=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version) || fail "debian/changelog does not parse"
upstream=${deb%-*}
echo "configure.ac: $ac, debian/changelog: $deb"
[ "$upstream" = "$ac" ] ||
	fail "debian/changelog's newest entry is $deb, configure.ac's version $ac: add an entry for $ac-1 (dch -v $ac-1)"
[ "$deb" != "$upstream" ] || fail "debian/changelog's version $deb has no Debian revision (the source format is 3.0 (quilt))"

dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$builddir/kernel/dkms.conf")
echo "kernel/dkms.conf: $dkms"
[ "$dkms" = "$ac" ] || fail "kernel/dkms.conf's PACKAGE_VERSION is '$dkms', not $ac (run configure again)"
[ "$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$builddir/kernel/dkms.conf")" = pageidle ] ||
	fail "kernel/dkms.conf's PACKAGE_NAME is not pageidle, which pageidle-dkms's name and dh_dkms expect"

# Section and key of each row of the config table, and of each commented
# out "#Key=value" line under its [Section] in the shipped file.
keys=$(sed -n 's/^ *{ "\([A-Za-z]*\)", "\([A-Za-z]*\)", parse_.*/\1 \2/p' "$srcdir/daemon/conf.c" | LC_ALL=C sort)
[ -n "$keys" ] || fail "no keys found in daemon/conf.c"
shipped=$(awk '/^\[[A-Za-z]+\]$/ { s = substr($0, 2, length($0) - 2) }
	/^#[A-Za-z]+=/ { k = substr($0, 2); sub(/=.*/, "", k); print s, k }' \
	"$srcdir/debian/pageidled.conf" | LC_ALL=C sort)
if [ "$keys" != "$shipped" ]; then
	fail "debian/pageidled.conf does not list the keys of daemon/conf.c"
	echo "$keys" > keys.conf-c
	echo "$shipped" > keys.shipped
	diff keys.conf-c keys.shipped | sed 's/^/# /'
	rm -f keys.conf-c keys.shipped
fi
# Nothing in it is set: the daemon's defaults apply until an operator
# uncomments a key.
grep -Ev '^(#.*|\[[A-Za-z]+\]|)$' "$srcdir/debian/pageidled.conf" &&
	fail "debian/pageidled.conf sets the lines above"
exit $rc
