#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The last of the package cases.  apt-get remove pageidled pageidle-dkms:
# the service and its socket are stopped, DKMS has taken pageidle.ko out of
# every kernel's /lib/modules, the conffile stays (until the purge, as
# Debian keeps them).  apt-get purge: every path under /etc, /run, /var/lib
# and /usr that was not there before deb-install.sh is listed, and each
# must be one that Debian policy lets a purge leave, named below with why;
# the pageidled user stays in /etc/passwd and /etc/group (a system user is
# never removed: files it owned may remain).
. "$top_srcdir/tests/vm/lib/deb.sh"
deb_guard
[ -f "$deb_state/before.list" ] || { echo "deb-install.sh did not run first"; exit 1; }
export DEBIAN_FRONTEND=noninteractive

step "apt-get remove"
apt-get remove -y pageidled pageidle-dkms 2>&1 || fail "apt-get remove"
for u in pageidled.service pageidled.socket; do
	systemctl is-active -q "$u" && fail "$u is still active"
done
pgrep -x pageidled && fail "a pageidled process is still running"
left=$(find /lib/modules/*/updates -name 'pageidle.ko*' 2> /dev/null)
[ -z "$left" ] || fail "pageidle.ko left in /lib/modules: $left"
[ -d /usr/src/pageidle-"$version" ] && fail "/usr/src/pageidle-$version is still there"
[ -e /sys/module/pageidle ] && echo "pageidle.ko is still loaded (it was in use when pageidle-dkms was removed)"
[ -f /etc/pageidled.conf ] || fail "the conffile is gone before the purge"
dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' pageidled pageidle-dkms

step "apt-get purge"
apt-get purge -y pageidled pageidle-dkms 2>&1 || fail "apt-get purge"
dpkg-query -W pageidled pageidle-dkms 2> /dev/null && fail "dpkg still knows the packages"
id pageidled || fail "the pageidled user is gone: Debian keeps system users"

step "what is left under /etc, /run, /var/lib and /usr"
deb_tree > after.list
LC_ALL=C comm -13 "$deb_state/before.list" after.list > new.list
cat new.list
# What a purge may leave, and why:
# - dpkg's and apt's own state (the *-old copies, triggers, lists' locks);
# - the backups systemd-sysusers makes of the user database it changed;
# - DKMS's module signing key, made at its first build, which belongs to dkms;
# - what systemd keeps of every unit it ran, in /run (invocation IDs,
#   credentials), and the journal;
# - PackageKit's transaction database, which its apt hook writes on every
#   apt run where PackageKit is installed;
# - the case runner's own files.
allowed='^/var/lib/(dpkg|apt)/
^/var/lib/PackageKit/transactions\.db$
^/var/cache/
^/etc/(passwd|group|shadow|gshadow)-$
^/var/lib/dkms$
^/var/lib/dkms/mok\.(key|pub)$
^/run/systemd/
^/run/log/journal
^/run/dbus/
^/run/vmtest'
unexpected=$(grep -Ev "$allowed" new.list)
[ -z "$unexpected" ] || fail "left after the purge: $(echo $unexpected)"
grep -i pageidle new.list && fail "paths naming pageidle are left (above)"
for f in /etc/passwd /etc/group; do
	grep '^pageidled:' "$f"
done
finish "removed and purged: what is left is what policy allows"
