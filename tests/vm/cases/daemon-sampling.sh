#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Full and sampled passes agree: the same workloads (anonymous, file-backed,
# huge pages and a mix of the three, 256 MiB cgroups with half of each in
# use) measured by pageidled with Sampling=1, then twice with
# Sampling=1/16 (two daemons one after the other: they share the pages'
# idle flags; each draws its own blocks).  A sampled pass must read a
# sample (sampled_bytes well below bytes), keep bytes exact (memory.stat),
# and publish an error with each estimate that is neither 0 nor the whole
# cgroup; its 95% interval, ±1.96 of working_set_bytes_stderr, must hold
# the full pass's working set in at least 6 of the 8 cgroup runs, and
# every run must be within 4 of it.  At 1/16 a 256 MiB cgroup lies in
# about 8 sampled blocks: an honest 95% interval misses now and then, so
# one miss per run is no failure, while an error too small by half would
# miss most of them.  The full pass's figures are checked against the
# workloads too, so that they are a truth to compare with.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
cgroups="/s-anon /s-file /s-thp /s-mix"

load_bitmap
chmod 0755 "$PWD"

# Huge pages for /s-thp and /s-mix: earlier cases leave memory fragmented.
echo 1 > /proc/sys/vm/compact_memory
start_workload /s-anon anon --kind anon --size 256M --hot 128M
start_workload /s-file file --kind file --file "$PWD/file.data" --size 256M --hot 128M
start_workload /s-thp thp --kind thp --size 256M --hot 128M
thp_pid=$pid
start_workload /s-mix mix-anon --kind anon --size 96M --hot 48M
start_workload /s-mix mix-file --kind file --file "$PWD/mix.data" --size 96M --hot 48M
start_workload /s-mix mix-thp --kind thp --size 64M --hot 32M
thp_kib=$(awk '/^AnonHugePages:/ { s += $2 } END { print s + 0 }' /proc/$thp_pid/smaps)
echo "thp workload: $thp_kib KiB in huge pages"
[ "$thp_kib" -ge 131072 ] || fail "the thp workload got fewer than 128 MiB of huge pages"

# run_daemon SAMPLING INTERVAL NAME: one daemon until its third scan, whose
# document is kept as NAME.json.
run_daemon() {
	rm -rf run
	write_conf "$2" <<EOT
Sampling=$1
[Cgroups]
Track=$cgroups
EOT
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
	wait_scans run/stats.json 3
	cp run/stats.json "$3.json"
	stop_daemon
	cat daemon.log >> daemons.log
	echo "$3: sampling $(json_top "$3.json" sampling), scan path $(json_top "$3.json" scan_path)"
}

# A full pass over 2 GiB with 1 GiB tracked takes seconds under TCG.
run_daemon 1 4s full
awk -v s="$(json_top full.json sampling)" 'BEGIN { exit !(s == 1) }' || fail "Sampling=1 did not read every page"
for cg in $cgroups; do
	within "$cg working_set_bytes (full)" "$(json_cgroup full.json "$cg" working_set_bytes)" $((128 * M)) 2 $((256 * M))
	within "$cg bytes (full)" "$(json_cgroup full.json "$cg" bytes)" $((256 * M)) 2
	[ "$(json_cgroup full.json "$cg" working_set_bytes_stderr)" = 0 ] || fail "$cg: a full pass has an error"
done

covered=0 runs=0
for run in 1 2; do
	run_daemon 1/16 2s sampled$run
	json=sampled$run.json
	awk -v s="$(json_top $json sampling)" 'BEGIN { exit !(s == 0.0625) }' ||
		fail "$json: sampling is not 1/16"
	for cg in $cgroups; do
		bytes=$(json_cgroup $json "$cg" bytes)
		sampled=$(json_cgroup $json "$cg" sampled_bytes)
		ws=$(json_cgroup $json "$cg" working_set_bytes)
		se=$(json_cgroup $json "$cg" working_set_bytes_stderr)
		full=$(json_cgroup full.json "$cg" working_set_bytes)
		full_bytes=$(json_cgroup full.json "$cg" bytes)
		within "$cg bytes (sampled $run)" "$bytes" "$full_bytes" 2
		[ "$sampled" -gt 0 ] && [ "$sampled" -lt $((bytes / 4)) ] ||
			fail "$cg: sampled_bytes $sampled of $bytes is not a sample at 1/16"
		[ "$se" -gt 0 ] && [ "$se" -lt $((bytes / 2)) ] ||
			fail "$cg: working_set_bytes_stderr $se of $bytes bytes"
		verdict=$(awk -v e="$ws" -v t="$full" -v s="$se" -v b="$bytes" 'BEGIN {
			d = e - t; if (d < 0) d = -d
			printf "%-24s sampled %10d ± %10d (1.96 se)  full %10d  off %5.2f se, %5.2f%% of bytes  ",
				"'"$cg"' (run '"$run"')", e, 1.96 * s, t, d / s, 100 * d / b
			print (d <= 1.96 * s) ? "inside" : (d <= 4 * s) ? "outside" : "far"
		}')
		echo "$verdict"
		runs=$((runs + 1))
		case $verdict in
		*inside) covered=$((covered + 1)) ;;
		*far) fail "$cg: the sampled working set is more than 4 standard errors off the full one" ;;
		esac
	done
done
echo "the 95% interval held the full pass's working set in $covered of $runs cgroup runs"
[ $covered -ge $((runs - 2)) ] || fail "the sampled intervals missed the full working set in $((runs - covered)) of $runs"

stop_workloads
echo "--- the last sampled document"
cat sampled2.json
echo "--- daemons.log"
cat daemons.log
