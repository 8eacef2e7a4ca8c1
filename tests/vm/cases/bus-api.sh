#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API with the real backend: pageidled (as nobody after start-up)
# on a private system bus that runs the distribution's policy and
# dbus/org.pageidled1.conf; a workload of known size in a tracked cgroup.
# busctl, dbus-send and pageidlectl read (as nobody), are refused (as
# nobody: by the policy, and by the daemon behind a loose policy), send
# every kind of bad path, track, untrack and scan (as root), and watch
# PropertiesChanged and ScanCompleted.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
. "$top_srcdir/tests/bus/bus-lib.sh"
. "$top_srcdir/tests/bus/bus-checks.sh"
trap 'cleanup; stop_bus' EXIT
M=1048576

for t in dbus-daemon dbus-send dbus-monitor busctl setpriv jq; do
	command -v $t > /dev/null || { echo "needs $t"; exit 1; }
done
chmod 0755 "$PWD"
load_bitmap
start_workload /bus-a bus-a --kind anon --size 32M --hot 16M
cgroup_new /bus-b
CG_TRACKED=/bus-a CG_OTHER=/bus-b CG_FILE=/cgroup.procs CG_ROOT=/sys/fs/cgroup
# It runs as daemon, which stands in for user pageidled in the policy.
bus_daemon_user=daemon

write_conf <<EOT
[Cgroups]
Track=/bus-a
[HTTP]
Enable=no
EOT

run_daemon() {
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user daemon
	wait_name || { cat daemon.log; exit 1; }
	wait_scans 2
}

start_bus "$PWD"
run_daemon
check_introspection
check_reads
check_snapshot "$PWD/run/stats.json"

echo "--- the workload's estimates over the bus"
obj=$(object_of /bus-a)
u64() { busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup "$1" | awk '{ print $2 }'; }
within "/bus-a Bytes" "$(u64 Bytes)" $((32 * M)) 3
within "/bus-a AnonBytes" "$(u64 AnonBytes)" $((32 * M)) 3
within "/bus-a WorkingSetBytes" "$(u64 WorkingSetBytes)" $((16 * M)) 3 $((32 * M))

check_refused
check_bad_input
check_track_untrack
check_signals
stop_daemon

echo "--- behind a loose policy"
stop_bus
write_loose_policy "$PWD/loose.conf"
start_bus "$PWD" "$PWD/loose.conf"
run_daemon
check_refused_by_daemon
stop_daemon

echo "--- daemon.log"
cat daemon.log
[ $failures -eq 0 ] || { echo "$failures checks failed"; exit 1; }
