#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A kernel whose headers are installed after pageidle-dkms gets its own
# pageidle.ko from DKMS.  The other Debian kernel of the test machine
# (6.1 in the 6.12 guest) has its headers on the host, so they are first
# purged in the guest (with --force-depends: linux-headers-amd64 depends on
# them), before DKMS can have built anything for it; then the headers
# package is installed again from apt's cache with dpkg -i, whose postinst
# runs /etc/kernel/header_postinst.d as any new kernel's headers do.
# .ci/install-deps keeps that .deb in /var/cache/apt/archives.
. "$top_srcdir/tests/vm/lib/deb.sh"
deb_guard
dpkg-query -W pageidle-dkms > /dev/null 2>&1 || { echo "deb-install.sh did not run first"; exit 1; }

other=$(ls /boot | sed -n 's/^vmlinuz-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | sort -V | tail -n 1)
[ -n "$other" ] && [ "$other" != "$(uname -r)" ] || { echo "no other Debian kernel than $(uname -r) in /boot"; exit 1; }
pkg=linux-headers-$other
ver=$(dpkg-query -W -f '${Version}' "$pkg") || { echo "$pkg is not installed"; exit 1; }
deb=/var/cache/apt/archives/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb
[ -f "$deb" ] || { echo "no $deb: run .ci/install-deps (apt-get install --reinstall --download-only $pkg)"; exit 1; }

step "purge $pkg"
export DEBIAN_FRONTEND=noninteractive
dpkg --purge --force-depends "$pkg" 2>&1 || fail "dpkg --purge $pkg"
[ ! -e "/lib/modules/$other/build/Makefile" ] || fail "$other still has headers"
[ -z "$(deb_module "$other")" ] || fail "a DKMS pageidle.ko for $other before its headers are installed"
dkms status pageidle

step "dpkg -i $(basename "$deb")"
dpkg -i "$deb" 2>&1 || fail "dpkg -i $deb"
dkms status pageidle
dkms status -m pageidle -v "$version" -k "$other" | grep ': installed' > /dev/null ||
	fail "DKMS did not build and install pageidle/$version for $other"
ko=$(deb_module "$other")
echo "module: ${ko:-none}"
[ -n "$ko" ] || fail "no pageidle.ko in /lib/modules/$other/updates/dkms"
[ -n "$ko" ] && [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$other" ] ||
	fail "the module's vermagic is not $other"
finish "$other got its own pageidle.ko from DKMS"
