#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, shown in the test VM: pageidled tracks workloads in a few
# cgroups and their estimates change as they do.  /web keeps 64 of its
# 128 MiB busy; /batch uses all of its 96 MiB, then only 16 MiB from 20 s on;
# /cache maps a 64 MiB file and writes 8 MiB of it.  One line per cgroup
# after every scan: resident, working set, idle ratio.
# Run it with: tests/vm/run-tests --kernel 6.1 --out DIR tests/workload/daemon-demo.sh
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576

load_bitmap
chmod 0755 "$PWD"
start_workload /web web --kind anon --size 128M --hot 64M
start_workload /cache cache --kind file --file "$PWD/cache.data" --size 64M --hot 8M
start_workload /batch batch --kind anon --size 96M --hot 96M --after 20 --then-hot 16M
t0=$(date +%s)

echo "\$ pageidled --config demo.conf --cgroup '/*' --json-file run/stats.json   # Interval=2s"
printf '[Scan]\nInterval=2s\nWorkingSetWindow=2s\nCPUBudget=100%%\n' > demo.conf
start_daemon --config "$PWD/demo.conf" --cgroup '/*' --json-file "$PWD/run/stats.json" --user nobody
json=run/stats.json
printf '%5s %5s  %-8s %12s %16s %10s\n' time scan cgroup resident "working set" idle
for scan in 1 2 3 4 5 6 7 8 9 10 11 12; do
	wait_scans $json $scan
	cp $json snap.json
	awk -v t=$(($(date +%s) - t0)) -v scan=$scan -v M=$M '
		function val() { v = $2; sub(/,$/, "", v); gsub(/"/, "", v); return v }
		$1 == "\"path\":" { path = val(); bytes = "" }
		$1 == "\"bytes\":" && bytes == "" { bytes = val() }
		$1 == "\"idle_ratio\":" { ratio = val() }
		$1 == "\"working_set_bytes\":" {
			printf "%4ds %5d  %-8s %8.1f MiB %12.1f MiB %9.0f%%\n", t, scan, path, bytes / M, val() / M, 100 * ratio }
		' snap.json
done
stop_workloads
stop_daemon
