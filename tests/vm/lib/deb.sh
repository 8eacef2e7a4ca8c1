# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the cases that install the Debian packages in a guest booted
# with systemd as PID 1 (tests/vm/deb-6.1.tap, deb-6.12.tap).  They run in
# one boot, in order, and share what they need in $deb_state.
#
# The guest's root is the host's, read-only over 9p with a tmpfs overlay on
# top (tests/vm/guest-init): dpkg, apt and DKMS write only to the tmpfs.
# deb_guard refuses to go on anywhere else, so a case run by mistake on a
# real machine installs nothing.
set -u
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "--- $(date +%T) $*"; }
finish() {
	[ "$failures" -eq 0 ] || { echo "$failures checks failed"; exit 1; }
	echo "$*"
	exit 0
}
busctl() { timeout 30 /usr/bin/busctl "$@"; }
curl() { timeout 30 /usr/bin/curl "$@"; }
manager() { busctl get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager "$@"; }

deb_state=/root/pageidled-deb-test
deb_dir=$top_builddir/tests/deb
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

deb_guard() {
	[ -d /run/systemd/system ] || { echo "needs systemd as PID 1 (run-tests --systemd)"; exit 1; }
	grep -q 'vmtest.results=' /proc/cmdline && [ "$(findmnt -n -o FSTYPE /)" = overlay ] ||
		{ echo "not in a run-tests guest with its tmpfs overlay as /: refusing to install packages"; exit 1; }
	# A root made from a container image has Docker's policy-rc.d, which
	# forbids maintainer scripts to start services; a Debian machine has
	# none.  Gone from the guest's overlay only.
	if [ -e /usr/sbin/policy-rc.d ] && ! dpkg -S /usr/sbin/policy-rc.d > /dev/null 2>&1; then
		rm -f /usr/sbin/policy-rc.d
	fi
}

# The ones make check built (tests/deb-packages.sh), and pageidled rebuilt
# with a higher version.
deb_files() {
	daemon=$(ls "$deb_dir"/pageidled_"$version"-*_amd64.deb 2> /dev/null)
	dkms=$(ls "$deb_dir"/pageidle-dkms_"$version"-*_all.deb 2> /dev/null)
	rebuild_daemon=$(ls "$deb_dir"/rebuild/pageidled_"$version"-*_amd64.deb 2> /dev/null)
	[ -n "$daemon" ] && [ -n "$dkms" ] && [ -n "$rebuild_daemon" ] ||
		{ echo "no packages of $version in $deb_dir (the .tap builds them first)"; exit 1; }
}

# Where DKMS put pageidle.ko for RELEASE, if anywhere.
deb_module() {
	find "/lib/modules/$1/updates/dkms" -maxdepth 1 -name 'pageidle.ko*' 2> /dev/null
}

# Waits until the daemon has completed N scans, 60 s at most (by the
# clock: a call to a name no one owns waits for bus activation).
wait_scans() {
	deadline=$(($(date +%s) + 60))
	until n=$(manager ScanCount 2> /dev/null) && [ "${n#t }" -ge "$1" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || { fail "no scan $1 within 60 s"; return 1; }
		sleep 0.1
	done
}

# Every path under /etc, /run and /var/lib, and in /usr every path in the
# directories that hold the packages' files (without what is below them),
# in /usr/src and every path under /lib/modules/*/updates, where DKMS
# installs: all of /usr is some 225000 paths, a walk of many minutes over
# 9p under TCG; nothing but dpkg and DKMS writes there in these cases.
deb_tree() {
	deb_files
	dirs=$(for d in "$daemon" "$dkms"; do dpkg-deb -c "$d"; done |
		awk '{ print $6 }' | sed -n 's|^\./\(usr/.*\)/[^/]*$|/\1|p; s|^\./\(lib/.*\)/[^/]*$|/usr/\1|p' |
		sort -u)
	{
		find /etc /run /var/lib -xdev
		find $dirs /usr/src -maxdepth 1
		find /lib/modules/*/updates
	} 2> /dev/null | LC_ALL=C sort -u
}
