#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# CPUBudget= spreads a pass over time.  With a pass that costs more CPU
# than the budget allows in one interval, pageidled's share of one CPU
# while it scans stays near the budget, and far below its share at
# CPUBudget=100%.  Shares are CPU time over elapsed time, both counted by
# the guest's kernel, so a busy host slows the run but does not skew them.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"

load_bitmap
chmod 0755 "$PWD"
start_workload /budget budget --kind anon --size 256M --hot 64M

# ticks_of PID: user and system time in clock ticks (/proc/PID/stat 14, 15).
ticks_of() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
uptime_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# share BUDGET SCANS: sets $share to pageidled's CPU share, in percent of
# one CPU, over SCANS scans after the first two, at CPUBudget=BUDGET%.
# Through /proc/kpageflags: the budget paces both scan paths alike, and
# at CPUBudget=100% passes through /dev/pageidle over this guest take only
# 15-18% of a CPU, under the 20% the checks below need to tell the
# budget's share from the full one.
share() {
	printf '[Scan]\nInterval=1s\nCPUBudget=%s%%\nScanPath=kpageflags\n[Cgroups]\nTrack=/budget\n' "$1" > budget.conf
	rm -rf run
	start_daemon --config "$PWD/budget.conf" --json-file "$PWD/run/stats.json" --user nobody
	wait_scans run/stats.json 2
	n0=$(json_top run/stats.json scan_count) c0=$(ticks_of "$daemon_pid") t0=$(uptime_cs)
	wait_scans run/stats.json $((n0 + $2))
	c1=$(ticks_of "$daemon_pid") t1=$(uptime_cs)
	pass=$(json_top run/stats.json last_scan_duration_usec)
	stop_daemon
	hz=$(getconf CLK_TCK)
	share=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$hz" 'BEGIN {
		printf "%.1f\n", 100 * (c / hz) / (t / 100) }')
	echo "CPUBudget=$1%: $((c1 - c0)) ticks of CPU (at $hz Hz) in $(((t1 - t0) * 10)) ms," \
		"a share of $share%; last pass $((pass / 1000)) ms"
}

share 100 3
full=$share
share 10 2
low=$share
awk -v f="$full" -v l="$low" 'BEGIN { exit !(f > 20) }' ||
	fail "at CPUBudget=100% a pass took only $full% of a CPU: too cheap here to test the budget"
awk -v l="$low" 'BEGIN { exit !(l <= 15) }' ||
	fail "at CPUBudget=10% pageidled used $low% of a CPU"
awk -v f="$full" -v l="$low" 'BEGIN { exit !(l * 2 <= f) }' ||
	fail "CPUBudget=10% ($low%) did not lower the share much below 100% ($full%)"
echo "CPUBudget=10%: $low% of a CPU, against $full% at 100%"
