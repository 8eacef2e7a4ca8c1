#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# CPUBudget= spreads a pass over time.  With a pass that costs more CPU
# than the budget allows in one interval, pageidled's share of one CPU
# while it scans stays near the budget, and far below its share at
# CPUBudget=100%.  Shares are CPU time over elapsed time, both counted by
# the guest's kernel, so a busy host slows the run but does not skew them.
# Sampling=auto, where a full pass does not fit, keeps the budget too.
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

# share BUDGET SCANS [SAMPLING [SKIP]]: sets $share to pageidled's CPU
# share, in percent of one CPU, over SCANS scans after the first SKIP (2),
# at CPUBudget=BUDGET% and Sampling=SAMPLING (1), $spacing to the mean
# time between those scans in seconds and $sampling to the last one's
# fraction.
# Through /proc/kpageflags: the budget paces both scan paths alike, and
# at CPUBudget=100% passes through /dev/pageidle over this guest take only
# 15-18% of a CPU, under the 20% the checks below need to tell the
# budget's share from the full one.
share() {
	printf '[Scan]\nInterval=1s\nCPUBudget=%s%%\nSampling=%s\nScanPath=kpageflags\n[Cgroups]\nTrack=/budget\n' \
		"$1" "${3:-1}" > budget.conf
	rm -rf run
	start_daemon --config "$PWD/budget.conf" --json-file "$PWD/run/stats.json" --user nobody
	wait_scans run/stats.json "${4:-2}"
	# The count and the time from one copy of the document.
	cp run/stats.json doc0.json
	n0=$(json_top doc0.json scan_count) s0=$(json_top doc0.json last_scan_timestamp_usec)
	c0=$(ticks_of "$daemon_pid") t0=$(uptime_cs)
	wait_scans run/stats.json $((n0 + $2))
	c1=$(ticks_of "$daemon_pid") t1=$(uptime_cs)
	cp run/stats.json doc1.json
	n1=$(json_top doc1.json scan_count) s1=$(json_top doc1.json last_scan_timestamp_usec)
	pass=$(json_top doc1.json last_scan_duration_usec)
	sampling=$(json_top doc1.json sampling)
	stop_daemon
	cat daemon.log >> daemons.log
	hz=$(getconf CLK_TCK)
	share=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$hz" 'BEGIN {
		printf "%.1f\n", 100 * (c / hz) / (t / 100) }')
	spacing=$(awk -v d=$((s1 - s0)) -v n=$((n1 - n0)) 'BEGIN { printf "%.2f\n", d / n / 1e6 }')
	echo "CPUBudget=$1%, Sampling=${3:-1}: $((c1 - c0)) ticks of CPU (at $hz Hz) in $(((t1 - t0) * 10)) ms," \
		"a share of $share%; scans $spacing s apart; last pass $((pass / 1000)) ms, sampling $sampling"
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

# Sampling=auto where a full pass does not fit the budget: the first pass
# reads 1/64, the next marks the blocks of the fraction that fits, and the
# third measures; from there the share must stay within the budget as
# above, though each sampled pass is one step of the pacing (it ends
# before the pacing would sleep: the next pass waits instead), and a
# fraction below 1 is read.
PAGEIDLED_LOG_LEVEL=debug
export PAGEIDLED_LOG_LEVEL
share 10 6 auto 4
auto=$share
awk -v l="$auto" 'BEGIN { exit !(l <= 15) }' ||
	fail "at CPUBudget=10% and Sampling=auto pageidled used $auto% of a CPU"
awk -v s="$sampling" 'BEGIN { exit !(s < 1) }' ||
	fail "Sampling=auto read every page where a full pass does not fit CPUBudget=10%"
# The fractions it took, and each pass's CPU time in ms.
grep -E 'Sampling=auto|A scan' daemon.log
awk '/Scan done in/ { for (i = 1; i <= NF; i++) {
		if ($(i + 1) == "us" && $(i + 2) == "user,") u = $i
		if ($(i + 1) == "us" && $(i + 2) == "sys:") s = $i
	}
	printf " %.0f", (u + s) / 1000 }
	END { print "" }' daemon.log | sed 's/^/pass CPU ms:/'
echo "CPUBudget=10%, Sampling=auto: $auto% of a CPU, scans $spacing s apart at Interval=1s, sampling $sampling"
