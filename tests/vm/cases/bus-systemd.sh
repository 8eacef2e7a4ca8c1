#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API as installed: under systemd as PID 1 (run-tests --systemd),
# with the distribution's system bus, dbus/org.pageidled1.conf and the
# activation file in place, user pageidled from sysusers.d and the real
# pageidled.service and pageidled.socket.  pageidled owns org.pageidled1
# as user pageidled, as the bus knows it; busctl and pageidlectl read as nobody and are
# refused Track; a call starts the stopped service (bus activation); a
# reload keeps run-time tracking.  Skips without systemd.
set -u
[ -d /run/systemd/system ] || { echo "SKIP: needs systemd as PID 1 (run-tests --systemd)"; exit 77; }
pageidlectl=$top_builddir/daemon/pageidlectl
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}
loaded=false
cleanup() {
	systemctl stop pageidled.service 2> /dev/null
	systemctl stop pageidled.socket 2> /dev/null
	rm -rf /run/systemd/system/pageidled.service /run/systemd/system/pageidled.service.d /etc/pageidled.conf \
		/run/systemd/system/pageidled.socket \
		/usr/share/dbus-1/system.d/org.pageidled1.conf \
		/usr/share/dbus-1/system-services/org.pageidled1.service
	systemctl daemon-reload
	busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
	$loaded && rmmod pageidle
}
trap cleanup EXIT

if [ ! -e /sys/kernel/mm/page_idle/bitmap ]; then
	insmod "$PAGEIDLE_KO" || { echo "insmod failed"; exit 1; }
	loaded=true
fi

# What make install and the package's scripts would do.
install -m 0644 "$top_srcdir/dbus/org.pageidled1.conf" /usr/share/dbus-1/system.d/
install -m 0644 "$top_srcdir/dbus/org.pageidled1.service" /usr/share/dbus-1/system-services/
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig ||
	fail "the bus did not reload its configuration"
systemd-sysusers "$top_srcdir/units/pageidled.sysusers" || fail "systemd-sysusers"
systemd-tmpfiles --create "$top_srcdir/units/pageidled.tmpfiles" || fail "systemd-tmpfiles"
sed "s|@sbindir@|$top_builddir/daemon|g" "$top_srcdir/units/pageidled.service.in" \
	> /run/systemd/system/pageidled.service
install -m 0644 "$top_srcdir/units/pageidled.socket" /run/systemd/system/
# The build tree is under /var/tmp, which PrivateTmp= would hide.
mkdir -p /run/systemd/system/pageidled.service.d
printf '[Service]\nPrivateTmp=no\n' > /run/systemd/system/pageidled.service.d/vmtest.conf
cat > /etc/pageidled.conf <<EOT
[Scan]
Interval=2s
CPUBudget=100%
[Cgroups]
Track=/system.slice /init.scope
EOT
systemctl daemon-reload

wait_scans() {
	i=0
	until n=$(busctl get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager ScanCount 2> /dev/null) &&
		[ "${n#t }" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || { fail "no scan $1 after 60 s"; return 1; }
		sleep 0.1
	done
}

echo "--- systemctl start pageidled"
systemctl start pageidled.service || fail "systemctl start pageidled"
systemctl --no-pager status pageidled.service
pid=$(systemctl show -p MainPID --value pageidled.service)
user=$(ps -o user= -p "$pid")
[ "$user" = pageidled ] || fail "pageidled runs as $user"
owner=$(busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetConnectionUnixUser s org.pageidled1)
[ "$owner" = "u $(id -u pageidled)" ] || fail "the bus knows org.pageidled1 as $owner, not as pageidled"
busctl --system status org.pageidled1 | grep -E '^(PID|UID|EUID)=' || fail "busctl status org.pageidled1"
echo "pageidled (pid $pid) runs as $user; the bus knows its connection as ${owner#u } (pageidled)"
wait_scans 1

echo "--- reads as nobody"
as_nobody busctl introspect org.pageidled1 /org/pageidled1 org.pageidled1.Manager || fail "introspect"
as_nobody "$pageidlectl" status || fail "pageidlectl status"
as_nobody "$pageidlectl" list || fail "pageidlectl list"
as_nobody "$pageidlectl" show /system.slice || fail "pageidlectl show /system.slice"
if as_nobody "$pageidlectl" track /user.slice 2> err.txt; then
	fail "nobody may track"
fi
cat err.txt

echo "--- Track as root, kept across a reload"
mkdir -p /sys/fs/cgroup/bus-e2e
"$pageidlectl" track /bus-e2e || fail "pageidlectl track /bus-e2e"
systemctl reload pageidled.service || fail "systemctl reload"
"$pageidlectl" --json list | jq -e 'map(.path) | index("/bus-e2e") != null' > /dev/null ||
	fail "/bus-e2e not tracked after the reload"
"$pageidlectl" scan || fail "pageidlectl scan"

echo "--- bus activation"
systemctl stop pageidled.service
systemctl is-active -q pageidled.service && fail "pageidled did not stop"
as_nobody busctl get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager Version ||
	fail "a call did not start pageidled"
systemctl is-active pageidled.service || fail "pageidled not active after the call"
systemctl stop pageidled.service
rmdir /sys/fs/cgroup/bus-e2e

echo "--- journal"
journalctl --no-pager -b -u pageidled.service | tail -n 30
[ $failures -eq 0 ] || { echo "$failures checks failed"; exit 1; }
