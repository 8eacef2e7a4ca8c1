#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End to end, as an operator runs it: under systemd as PID 1 (run-tests
# --systemd), what `make install` put in place (make check stages it in
# tests/vm/stage) goes where systemd and dbus look,
# pageidle.ko is loaded by modules-load.d, and `systemctl start pageidled`
# starts the hardened service.  Then: queries with busctl and pageidlectl,
# /stats.json and /metrics over HTTP, the running process's uid, gids and
# capabilities, reload, restart and stop, and a journal free of errors.
set -u
. "$top_srcdir/tests/vm/lib/module-tree.sh"
[ -d /run/systemd/system ] || { echo "needs systemd as PID 1 (run-tests --systemd)"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "--- $(date +%T) $*"; }
# A hung call fails its check instead of the whole case.
busctl() { timeout 30 /usr/bin/busctl "$@"; }
pageidlectl() { timeout 30 "$ctl" "$@"; }
curl() { timeout 30 /usr/bin/curl "$@"; }
manager() { busctl get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager "$@"; }
wait_scans() {
	i=0
	until n=$(manager ScanCount 2> /dev/null) && [ "${n#t }" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || { fail "no scan $1 within 30 s"; return 1; }
		sleep 0.1
	done
}

step "install"
stage=$top_builddir/tests/vm/stage
[ -n "$(find "$stage" -name pageidled -type f 2> /dev/null)" ] || { echo "nothing staged in $stage"; exit 1; }
# /lib is a link to /usr/lib here: keep such links.
tar -C "$stage" -cf - . | tar -C / -xf - --keep-directory-symlink || fail "copying $stage into /"
# Where configure put a kind of file elsewhere than systemd and dbus look
# (make distcheck's prefix), the files are linked where they look, as an
# operator installing to such a prefix would.
. "$top_builddir/tests/vm/stage.dirs"
link_unless_standard() {	# DIR STANDARD-DIR LINK-DIR
	[ "$1" -ef "$2" ] && return 0
	mkdir -p "$3" && ln -sf "$1"/* "$3"/
}
link_unless_standard "$systemdsystemunitdir" /lib/systemd/system /etc/systemd/system &&
link_unless_standard "$sysusersdir" /usr/lib/sysusers.d /etc/sysusers.d &&
link_unless_standard "$tmpfilesdir" /usr/lib/tmpfiles.d /etc/tmpfiles.d &&
link_unless_standard "$modulesloaddir" /usr/lib/modules-load.d /etc/modules-load.d &&
link_unless_standard "$dbuspolicydir" /usr/share/dbus-1/system.d /etc/dbus-1/system.d &&
link_unless_standard "$dbussystemservicedir" /usr/share/dbus-1/system-services /usr/share/dbus-1/system-services ||
	fail "linking the installed files where systemd and dbus look"
# make install put the module built for the configured kernel; this guest
# may run another, so install the one built for it the same way.
module_tree_install "$PAGEIDLE_KO" || fail "installing pageidle.ko where modprobe finds it"
systemd-sysusers
systemd-tmpfiles --create
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig ||
	fail "the bus did not reload its configuration"
systemctl daemon-reload
cat > /etc/pageidled.conf <<EOT
[Scan]
Interval=2s
[Cgroups]
Track=/system.slice /init.scope
EOT

ctl=$bindir/pageidlectl
[ -x "$ctl" ] || fail "pageidlectl is not in $bindir"

step "modules-load.d loads pageidle.ko"
systemctl restart systemd-modules-load.service || fail "systemd-modules-load"
[ -e /sys/kernel/mm/page_idle/bitmap ] || fail "no bitmap after systemd-modules-load"

step "systemctl start pageidled"
systemctl start pageidled.service || fail "systemctl start pageidled"
systemctl is-active -q pageidled.service || fail "pageidled is not active"
systemctl --no-pager status pageidled.service | head -n 12
wait_scans 2

step "busctl and pageidlectl"
busctl introspect org.pageidled1 /org/pageidled1 org.pageidled1.Manager || fail "busctl introspect"
[ "$(manager Backend)" = 's "page_idle"' ] || fail "Backend is $(manager Backend)"
busctl call org.pageidled1 /org/pageidled1 org.pageidled1.Manager ListCgroups ||
	fail "ListCgroups"
pageidlectl status || fail "pageidlectl status"
pageidlectl show /system.slice || fail "pageidlectl show /system.slice"
bytes=$(pageidlectl --json show /system.slice | jq -e '.bytes') || fail "pageidlectl --json show"
[ "${bytes:-0}" -gt 0 ] || fail "/system.slice has ${bytes:-no} bytes"

step "HTTP"
curl -fsS http://127.0.0.1:9258/stats.json > stats.json || fail "GET /stats.json"
jq -e '.cgroups | length > 0' stats.json > /dev/null || fail "no cgroups in /stats.json"
curl -fsS http://127.0.0.1:9258/metrics > metrics.txt || fail "GET /metrics"
promtool check metrics < metrics.txt || fail "promtool check metrics"
curl -fsS http://127.0.0.1:9258/healthz > /dev/null || fail "GET /healthz"
[ -s /run/pageidled/stats.json ] || fail "no /run/pageidled/stats.json"

step "privileges"
pid=$(systemctl show -p MainPID --value pageidled.service)
uid=$(id -u pageidled) gid=$(id -g pageidled)
grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' "/proc/$pid/status"
status() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status" | tr -s '[:space:]' ' ' | sed 's/ $//'; }
[ "$(status Uid)" = "$uid $uid $uid $uid" ] || fail "Uid: $(status Uid)"
[ "$(status Gid)" = "$gid $gid $gid $gid" ] || fail "Gid: $(status Gid)"
[ -z "$(status Groups)" ] || fail "supplementary groups: $(status Groups)"
# CAP_DAC_OVERRIDE (bit 1) permitted and bounding, nothing effective,
# inheritable or ambient: what pageidled(8) says.
[ "$(status CapPrm)" = 0000000000000002 ] || fail "CapPrm $(status CapPrm)"
[ "$(status CapEff)" = 0000000000000000 ] || fail "CapEff $(status CapEff)"
[ "$(status CapInh)" = 0000000000000000 ] || fail "CapInh $(status CapInh)"
[ "$(status CapBnd)" = 0000000000000002 ] || fail "CapBnd $(status CapBnd)"
[ "$(status CapAmb)" = 0000000000000000 ] || fail "CapAmb $(status CapAmb)"
[ "$(status NoNewPrivs)" = 1 ] || fail "NoNewPrivs $(status NoNewPrivs)"

step "reload, restart, stop"
systemctl reload pageidled.service || fail "systemctl reload"
systemctl is-active -q pageidled.service || fail "not active after reload"
[ "$(systemctl show -p MainPID --value pageidled.service)" = "$pid" ] || fail "reload changed the process"
systemctl restart pageidled.service || fail "systemctl restart"
pid2=$(systemctl show -p MainPID --value pageidled.service)
[ "$pid2" != "$pid" ] && [ "$pid2" != 0 ] || fail "restart kept pid $pid"
wait_scans 1
systemctl stop pageidled.service || fail "systemctl stop"
systemctl is-active -q pageidled.service && fail "still active after stop"
[ "$(systemctl show -p ExecMainStatus --value pageidled.service)" = 0 ] ||
	fail "exit status $(systemctl show -p ExecMainStatus --value pageidled.service)"

step "journal"
journalctl --no-pager -b -u pageidled.service | tail -n 40
errors=$(journalctl --no-pager -q -b -u pageidled.service -p err)
[ -z "$errors" ] || fail "errors in the journal: $errors"

[ "$failures" -eq 0 ] || { echo "$failures checks failed"; exit 1; }
echo "pageidled.service installed, started, queried, restarted and stopped cleanly"
