#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The packages as an operator installs them, in a guest that has the
# running kernel's headers: apt-get install ./pageidled_*.deb
# ./pageidle-dkms_*.deb.  DKMS builds pageidle.ko for the running kernel
# and installs it under /lib/modules/RELEASE/updates/dkms with the
# package's version as its MODULE_VERSION, pageidle-dkms's postinst loads
# it now (modules-load.d would at the next boot) and starts the service
# again, which pageidled's postinst had started, enabled, with its socket,
# its system user and its bus name.
# The operator then changes the conffile (a short interval and all the CPU
# a pass wants, as TCG needs: at the default 5% a pass takes longer than
# three intervals and /healthz rightly calls that stale) and reloads;
# pageidlectl status reports backend page_idle and a completed scan,
# GET /healthz answers 200 and scans go through the module's device.  Lists every path under /etc, /run, /var/lib and
# /usr first, for deb-remove.sh to compare after the purge.
. "$top_srcdir/tests/vm/lib/deb.sh"
. "$top_srcdir/tests/vm/lib/module-tree.sh"
deb_guard
deb_files
release=$(uname -r)

if dpkg-query -W -f '${Status}\n' pageidled pageidle-dkms 2> /dev/null | grep -q installed; then
	echo "pageidled or pageidle-dkms is installed on the host already: remove it there to run this test"
	exit 1
fi
[ -e "/lib/modules/$release/build/Makefile" ] || { echo "no headers for $release in the guest"; exit 1; }
[ -z "$(deb_module "$release")" ] || fail "a DKMS pageidle.ko for $release before the installation"

# DKMS runs depmod after each build and removal: over small module trees
# (tests/vm/lib/module-tree.sh says why) for every kernel of the guest,
# for the rest of the boot.  The other kernels' trees lose their links to
# their headers, so that DKMS builds for the running kernel only, not also
# for the newest: minutes of compiling under TCG that the other kernel's
# own boot spends, and deb-new-kernel.sh tests a kernel whose headers come
# after the package.
step "small module trees"
for r in $(ls /lib/modules); do
	module_tree_shrink "$r" || fail "a small module tree for $r"
	[ "$r" = "$release" ] || rm -f "/lib/modules/$r/build" "/lib/modules/$r/source"
done

mkdir -p "$deb_state"
step "the trees before the installation"
deb_tree > "$deb_state/before.list"
wc -l < "$deb_state/before.list"

# man-db's trigger rebuilds its whole index: minutes under TCG, and no
# business of this test (what "debconf man-db/auto-update false" does).
rm -f /var/lib/man-db/auto-update

step "apt-get install"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "$daemon" "$dkms" 2>&1 || fail "apt-get install"
dpkg-query -W pageidled pageidle-dkms

step "DKMS built pageidle.ko for $release"
dkms status pageidle
dkms status -m pageidle -v "$version" -k "$release" | grep ': installed' > /dev/null ||
	fail "dkms status does not say pageidle/$version is installed for $release"
ko=$(deb_module "$release")
echo "module: ${ko:-none}"
[ -n "$ko" ] || fail "no pageidle.ko in /lib/modules/$release/updates/dkms"
[ "$(modinfo -k "$release" -n pageidle)" = "$ko" ] || fail "modinfo finds $(modinfo -k "$release" -n pageidle), not $ko"
[ "$(modinfo -F version "$ko")" = "$version" ] || fail "the module's version is $(modinfo -F version "$ko"), not $version"
[ -e /sys/module/pageidle ] || fail "pageidle-dkms did not load pageidle.ko"
[ -e /sys/kernel/mm/page_idle/bitmap ] || fail "no bitmap"

step "pageidled.service"
id pageidled || fail "no pageidled user"
for u in pageidled.service pageidled.socket; do
	systemctl is-enabled -q "$u" || fail "$u is not enabled"
	systemctl is-active -q "$u" || fail "$u is not active"
done
[ -d /run/pageidled ] || fail "no /run/pageidled (tmpfiles.d)"
# The bus had the package's policy before the service started, which owns
# its name (pageidled.postinst says why that needs saying).
timeout 5 /usr/bin/busctl status org.pageidled1 > /dev/null || fail "no one owns org.pageidled1"

step "the operator's change to /etc/pageidled.conf, and reload"
sed -i -e 's/^#Interval=30s$/Interval=2s/' -e 's/^#CPUBudget=5%$/CPUBudget=100%/' \
	-e 's|^#Track=/\*$|Track=/system.slice /init.scope|' /etc/pageidled.conf
grep -E '^(Interval|CPUBudget|Track)=' /etc/pageidled.conf
[ "$(grep -cE '^(Interval=2s|CPUBudget=100%|Track=/system.slice /init.scope)$' /etc/pageidled.conf)" = 3 ] ||
	fail "the shipped /etc/pageidled.conf has no #Interval=30s, #CPUBudget=5% or #Track=/* line to change"
cp /etc/pageidled.conf "$deb_state/pageidled.conf"
systemctl reload pageidled.service || fail "systemctl reload"
deadline=$(($(date +%s) + 30))
until [ "$(manager ScanIntervalUSec 2> /dev/null)" = "t 2000000" ] || [ "$(date +%s)" -ge "$deadline" ]; do
	sleep 0.1
done
[ "$(manager ScanIntervalUSec)" = "t 2000000" ] || fail "ScanIntervalUSec is $(manager ScanIntervalUSec) after the reload"
n=$(manager ScanCount) n=${n#t }
wait_scans $((n + 2))

step "pageidlectl status, /healthz"
timeout 30 pageidlectl status | tee status.txt || fail "pageidlectl status"
# The service started before DKMS had built the module, and again after
# pageidle-dkms loaded it: it scans through the module's device.
grep -qx '   Backend: page_idle (scan path module)' status.txt ||
	fail "pageidlectl status does not report backend page_idle, scan path module"
grep -q '^ Last scan: .*(scan [1-9][0-9]*)$' status.txt || fail "pageidlectl status reports no completed scan"
code=$(curl -s -o healthz.txt -w '%{http_code}' http://127.0.0.1:9258/healthz)
cat healthz.txt
[ "$code" = 200 ] || fail "GET /healthz answered $code"
systemctl --no-pager status pageidled.service | head -n 12
errors=$(journalctl --no-pager -q -b -u pageidled.service -p err)
[ -z "$errors" ] || fail "errors in the journal: $errors"
finish "installed: pageidle.ko built by DKMS for $release and loaded, pageidled.service active"
