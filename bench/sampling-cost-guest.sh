#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs in the test VM (bench/sampling-cost boots it): what sampled passes
# cost, with one cgroup holding 1 GiB of anonymous memory, half of it in
# use.  BENCH_PARTS says which of these run, in this order:
#   cost   CPU per pass at Sampling=1/16 against Sampling=1, on each scan
#          path (ScanPath=kpageflags, and module where pageidle.ko
#          provides /dev/pageidle), the runs interleaved, BENCH_ROUNDS
#          rounds of them, so that their ratios come from one boot;
#   damon  DAMON's kdamond monitoring the physical address space with its
#          default attributes, then pageidled at an interval of
#          BENCH_DAMON_INTERVAL seconds (60) on each
#          of BENCH_DAMON_RUNS (PATH-DENOMINATOR: kpageflags-1 is full
#          passes through /proc/kpageflags, module-16 Sampling=1/16 through
#          the device), one after the other (both use PG_idle): CPU time
#          per minute over BENCH_DAMON_MINUTES minutes each;
#   auto   Sampling=auto with CPUBudget=BENCH_AUTO_BUDGET percent and
#          Interval=BENCH_AUTO_INTERVAL, whose full pass does not fit: the
#          fractions it takes, and over BENCH_AUTO_SCANS scans once it has
#          settled, the scans' spacing against the interval and the CPU
#          share against the budget (measured as tests/vm/cases/
#          daemon-budget.sh does), on each scan path.
# CPU shares are CPU time over elapsed time, both counted by the guest's
# kernel, so a busy host slows the runs but does not skew them much.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
. "$top_srcdir/bench/daemon-cost-lib.sh"
export PAGEIDLED_LOG_LEVEL=debug
parts=${BENCH_PARTS:-cost damon auto}
rounds=${BENCH_ROUNDS:-2}
damon_runs=${BENCH_DAMON_RUNS:-kpageflags-1 module-1 kpageflags-16 module-16}
damon_minutes=${BENCH_DAMON_MINUTES:-2}
damon_interval=${BENCH_DAMON_INTERVAL:-60}
auto_budget=${BENCH_AUTO_BUDGET:-10}
auto_interval=${BENCH_AUTO_INTERVAL:-2}
auto_scans=${BENCH_AUTO_SCANS:-10}
hz=$(getconf CLK_TCK)
damon=/sys/kernel/mm/damon/admin

bench_load_bitmap
chmod 0755 "$PWD"
ram_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo "kernel $(uname -r), MemTotal $((ram_kib / 1024)) MiB, $(nproc) CPUs, scan paths: $bench_paths"
start_workload /bench-anon anon1g --kind anon --size 1024M --hot 512M

# run_daemon PATH SAMPLING INTERVAL_S BUDGET_PERCENT: pageidled tracking
# /bench-anon, as user nobody.
run_daemon() {
	printf '[Scan]\nInterval=%ss\nCPUBudget=%s%%\nScanPath=%s\nSampling=%s\n[Cgroups]\nTrack=/bench-anon\n' \
		"$3" "$4" "$1" "$2" > bench.conf
	rm -rf run
	start_daemon --config "$PWD/bench.conf" --json-file "$PWD/run/stats.json" --user nobody
}

# 1. CPU per pass, 1/16 against 1.  Two figures per run: the daemon's own
# per-pass line (scan_means), and all its CPU time per scan (the walk,
# the pass, memory.stat and publishing), from /proc over the same passes.
cost_run() {
	path=$1 sampling=$2 round=$3
	run_daemon "$path" "$sampling" 5 100
	wait_passes 1 600
	n0=$(passes_done) c0=$(cpu_ticks "$daemon_pid")
	wait_passes $((n0 + 3)) 600
	n1=$(passes_done) c1=$(cpu_ticks "$daemon_pid")
	stop_daemon
	scan_means | awk -F '\t' -v r="$round" -v p="$path" -v s="$sampling" -v c=$((c1 - c0)) -v n=$((n1 - n0)) \
		-v hz="$hz" '{
		printf "| %d | %s | %s | %d | %.1f | %.0f | %.1f | %.1f | %.1f | %.0f |\n", r, p, s, $1, $6 * 4096 / 1048576,
			$2 / 1000, $3 / 1000, $4 / 1000, ($3 + $4) / 1000, 1000 * c / hz / n
		printf "%s\t%s\t%.3f\t%.3f\t%d\n", p, s, ($3 + $4) / 1000, 1000 * c / hz / n, $6 >> "costs"
	}'
}

part_cost() {
	echo
	echo "### CPU per pass, Sampling=1/16 against Sampling=1 (interval 5 s, CPUBudget=100%)"
	echo
	echo "| round | path | sampling | passes | tracked MiB read | pass wall ms | user ms | sys ms | pass CPU ms | process CPU ms/scan |"
	echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"
	rm -f costs
	r=1
	while [ $r -le "$rounds" ]; do
		for path in $bench_paths; do
			cost_run "$path" 1 $r
			cost_run "$path" 1/16 $r
		done
		r=$((r + 1))
	done
	echo
	awk -F '\t' '
		{ pass[$1 "\t" $2] += $3; proc[$1 "\t" $2] += $4; pages[$1 "\t" $2] += $5; paths[$1] = 1 }
		END {
			for (p in paths)
				printf "%s: 1/16 over 1, pass CPU %.3f, process CPU per scan %.3f; tracked pages read %.3f\n", p,
					pass[p "\t1/16"] / pass[p "\t1"], proc[p "\t1/16"] / proc[p "\t1"],
					pages[p "\t1/16"] / pages[p "\t1"]
		}' costs
}

# 2. DAMON, then pageidled, CPU time per minute.
damon_region() {
	# DAMON's user-space tool's default for paddr: the largest System
	# RAM resource.
	best=0
	for r in $(sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\1-\2/p' /proc/iomem); do
		s=$((0x${r%-*})) e=$((0x${r#*-} + 1))
		[ $((e - s)) -gt $best ] && best=$((e - s)) bs=$s be=$e
	done
	echo "$bs $be"
}

damon_run() {
	[ -d $damon ] || { echo "no $damon: CONFIG_DAMON_SYSFS is off"; return; }
	set -- $(damon_region)
	echo 1 > $damon/kdamonds/nr_kdamonds
	echo 1 > $damon/kdamonds/0/contexts/nr_contexts
	ctx=$damon/kdamonds/0/contexts/0
	echo paddr > $ctx/operations
	echo 1 > $ctx/targets/nr_targets
	echo 1 > $ctx/targets/0/regions/nr_regions
	echo "$1" > $ctx/targets/0/regions/0/start
	echo "$2" > $ctx/targets/0/regions/0/end
	echo on > $damon/kdamonds/0/state || fail "DAMON: state on"
	kpid=$(cat $damon/kdamonds/0/pid)
	a=$ctx/monitoring_attrs
	echo "DAMON: paddr over [$1, $2), kdamond pid $kpid; sample $(cat $a/intervals/sample_us) us," \
		"aggregation $(cat $a/intervals/aggr_us) us, update $(cat $a/intervals/update_us) us," \
		"regions $(cat $a/nr_regions/min)-$(cat $a/nr_regions/max)"
	sleep 10        # past its first aggregation and regions update
	c0=$(cpu_ticks "$kpid") t0=$(uptime_cs)
	sleep $((damon_minutes * 60))
	c1=$(cpu_ticks "$kpid") t1=$(uptime_cs)
	echo off > $damon/kdamonds/0/state
	echo 0 > $damon/kdamonds/nr_kdamonds
	printf '| DAMON paddr, default attributes | %.0f | %d | %.2f | %.2f |\n' $(((t1 - t0) / 100)) $((c1 - c0)) \
		"$(cpu_share $((c1 - c0)) $((t1 - t0)))" \
		"$(awk -v s="$(cpu_share $((c1 - c0)) $((t1 - t0)))" 'BEGIN { print s * 60 / 100 }')"
}

# The window runs from the end of the first pass (which only marks) to
# the end of the pass damon_minutes minutes later.
pageidled_minute_run() {
	path=${1%-*} denominator=${1#*-}
	sampling=1
	[ "$denominator" = 1 ] || sampling=1/$denominator
	run_daemon "$path" "$sampling" "$damon_interval" 100
	wait_passes 1 900
	c0=$(cpu_ticks "$daemon_pid") t0=$(uptime_cs)
	wait_passes $((1 + damon_minutes * 60 / damon_interval)) $((damon_minutes * 60 + 900))
	c1=$(cpu_ticks "$daemon_pid") t1=$(uptime_cs)
	stop_daemon
	grep -q "Scanning through /dev/pageidle" daemon.log && used=module || used=kpageflags
	[ "$used" = "$path" ] || fail "ScanPath=$path took the $used path"
	share=$(cpu_share $((c1 - c0)) $((t1 - t0)))
	printf '| pageidled, %s, Sampling=%s (pass CPU %s ms) | %.0f | %d | %.2f | %.2f |\n' "$path" "$sampling" \
		"$(scan_means | awk -F '\t' '{ printf "%.0f", ($3 + $4) / 1000 }')" $(((t1 - t0) / 100)) $((c1 - c0)) \
		"$share" "$(awk -v s="$share" 'BEGIN { print s * 60 / 100 }')"
}

part_damon() {
	echo
	echo "### CPU time per minute: DAMON, then pageidled at a ${damon_interval} s interval (CPUBudget=100%)"
	echo
	echo "Each over $damon_minutes minutes; at $hz ticks a second."
	echo
	echo "| monitor | window s | CPU ticks | CPU % of one CPU | CPU s per minute |"
	echo "|---|---:|---:|---:|---:|"
	damon_run
	for run in $damon_runs; do
		case $run in module-*) [ -c /dev/pageidle ] || continue ;; esac
		pageidled_minute_run "$run"
	done
}

# 3. Sampling=auto where a full pass does not fit.
auto_run() {
	path=$1
	run_daemon "$path" auto "$auto_interval" "$auto_budget"
	# Settled: SAMPLE_AUTO_HOLD (8) scans without a change.
	i=0 last=0
	while :; do
		changes=$(grep -c 'Sampling=auto: reading' daemon.log)
		n=$(passes_done)
		if [ "$changes" != "${seen_changes:-x}" ]; then
			seen_changes=$changes last=$n
		fi
		[ "$changes" -gt 0 ] && [ $((n - last)) -ge 8 ] && break
		i=$((i + 1))
		[ $i -lt 9000 ] || fail "Sampling=auto did not settle in 900 s"
		sleep 0.1
	done
	seen_changes=
	settle_s=$(($(uptime_cs) / 100))
	# A scan's count and time from one copy of the document.
	cp run/stats.json first.json
	c0=$(cpu_ticks "$daemon_pid") t0=$(uptime_cs)
	n0=$(json_top first.json scan_count) ts0=$(json_top first.json last_scan_timestamp_usec)
	changes0=$(grep -c 'Sampling=auto: reading' daemon.log)
	wait_scans run/stats.json $((n0 + auto_scans))
	cp run/stats.json last.json
	c1=$(cpu_ticks "$daemon_pid") t1=$(uptime_cs)
	n1=$(json_top last.json scan_count) ts1=$(json_top last.json last_scan_timestamp_usec)
	changes=$(($(grep -c 'Sampling=auto: reading' daemon.log) - changes0))
	sampling=$(json_top last.json sampling)
	pass=$(json_top last.json last_scan_duration_usec)
	stop_daemon
	echo
	echo "ScanPath=$path:"
	sed -n 's/.*\(Sampling=auto: reading.*\)/    \1/p; s/.*\(A scan took.*\)/    \1/p; s/.*\(A scan used.*\)/    \1/p' daemon.log
	# Each pass's CPU time in ms, and [1/N] where the fraction changed.
	awk '/Sampling=auto: reading/ { for (i = 1; i <= NF; i++) if ($i == "reading") printf " [%s]", $(i + 1) }
		/Scan done in/ { for (i = 1; i <= NF; i++) {
				if ($(i + 1) == "us" && $(i + 2) == "user,") u = $i
				if ($(i + 1) == "us" && $(i + 2) == "sys:") s = $i
			}
			printf " %.0f", (u + s) / 1000 }
		END { print "" }' daemon.log | fold -s -w 100 | sed '1s/^ */    pass CPU ms: /; 2,$s/^ */        /'
	echo "    $(passes_done) passes; 8 without a change after $((settle_s - daemon_start_s)) s, then over $((n1 - n0)) scans:" \
		"spacing $(awk -v d=$((ts1 - ts0)) -v n=$((n1 - n0)) 'BEGIN { printf "%.2f", d / n / 1e6 }') s" \
		"(Interval=${auto_interval}s), CPU share $(cpu_share $((c1 - c0)) $((t1 - t0)))%" \
		"(CPUBudget=$auto_budget%), $changes changes of fraction; last pass $((pass / 1000)) ms, JSON sampling $sampling"
}

part_auto() {
	echo
	echo "### Sampling=auto, CPUBudget=$auto_budget%, Interval=${auto_interval}s"
	for path in $bench_paths; do
		daemon_start_s=$(($(uptime_cs) / 100))
		auto_run "$path"
	done
}

for part in $parts; do
	part_$part
done
stop_workloads
