#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# After deb-install.sh: pageidled rebuilt with a higher version (make
# check's tests/deb/rebuild), installed over it.  The operator's change to
# the conffile /etc/pageidled.conf is kept (no prompt, no .dpkg-new or
# .dpkg-dist beside it), the service was restarted and runs with it (its
# scan interval is the changed one), and the module DKMS built stays
# installed and loaded.  pageidle-dkms is not upgraded here: its postinst
# would only rebuild the same module, minutes of compiling under TCG that
# deb-install.sh and deb-new-kernel.sh already spend.
. "$top_srcdir/tests/vm/lib/deb.sh"
deb_guard
deb_files
release=$(uname -r)
[ -f "$deb_state/pageidled.conf" ] || { echo "deb-install.sh did not run first"; exit 1; }

new=$(dpkg-deb -f "$rebuild_daemon" Version)
old=$(dpkg-query -W -f '${Version}' pageidled)
dpkg --compare-versions "$new" gt "$old" || { echo "the rebuild's version $new is not above $old"; exit 1; }
pid=$(systemctl show -p MainPID --value pageidled.service)

step "apt-get install the rebuild ($old -> $new)"
export DEBIAN_FRONTEND=noninteractive
# No --force-conf* option: dpkg must not need to ask.
apt-get install -y --no-install-recommends "$rebuild_daemon" < /dev/null 2>&1 ||
	fail "apt-get install"
[ "$(dpkg-query -W -f '${Version}' pageidled)" = "$new" ] || fail "pageidled is not $new"
[ "$(dpkg-query -W -f '${Version}' pageidle-dkms)" = "$old" ] || fail "pageidle-dkms is not $old any more"

step "the conffile"
cmp "$deb_state/pageidled.conf" /etc/pageidled.conf || fail "/etc/pageidled.conf changed in the upgrade"
ls /etc/pageidled.conf.* 2> /dev/null && fail "dpkg left the files above beside /etc/pageidled.conf"

step "the service, restarted, with it"
systemctl is-active -q pageidled.service || fail "pageidled is not active"
pid2=$(systemctl show -p MainPID --value pageidled.service)
echo "MainPID $pid -> $pid2"
[ "$pid2" != "$pid" ] && [ "$pid2" != 0 ] || fail "the upgrade did not restart pageidled"
wait_scans 1
[ "$(manager ScanIntervalUSec)" = "t 2000000" ] || fail "ScanIntervalUSec is $(manager ScanIntervalUSec), not the conffile's 2s"
[ "$(manager Backend)" = 's "page_idle"' ] || fail "Backend is $(manager Backend)"
# The socket stays as it was: started again while the service holds its
# listening socket, it could not bind the port and stayed failed.
systemctl is-active -q pageidled.socket || fail "pageidled.socket is $(systemctl is-active pageidled.socket)"
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9258/healthz)
[ "$code" = 200 ] || fail "GET /healthz answered $code after the upgrade"

step "the module"
dkms status pageidle
dkms status -m pageidle -v "$version" -k "$release" | grep ': installed' > /dev/null ||
	fail "pageidle/$version is not installed for $release after the upgrade"
[ -e /sys/module/pageidle ] || fail "pageidle.ko is not loaded after the upgrade"
[ -n "$(deb_module "$release")" ] || fail "no pageidle.ko for $release after the upgrade"
[ -e /sys/kernel/mm/page_idle/bitmap ] || fail "no bitmap after the upgrade"
finish "upgraded to $new: the conffile's change kept, and in use"
