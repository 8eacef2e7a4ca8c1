#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs in the test VM (bench/sampling-accuracy boots it): how close
# Sampling=1/16 comes to the working set a full pass measures, and how
# often its published 95% interval (±1.96 working_set_bytes_stderr) holds
# it, per cgroup, for
#   - 256 MiB cgroups of anonymous memory, a file mapping (tmpfs), huge
#     pages, and a mix of the three, half of each in use;
#   - the same at 64 and 32 MiB;
#   - 256 MiB of huge pages started right after compaction
#     (/proc/sys/vm/compact_memory), in physically contiguous runs.
# The truth is the full passes' working set (Sampling=1), measured before
# the sampled ones.  The passes of one daemon read the same
# blocks, so each sample is the second pass of a daemon of its own (its
# first only marks), which draws its own blocks: BENCH_SAMPLES of them.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
samples=${BENCH_SAMPLES:-50}
interval=${BENCH_INTERVAL:-4s}
fraction=${BENCH_SAMPLING:-1/16}
# Every hot page is touched a few times per interval, and the workloads
# leave the vCPUs to the daemon most of the time.
period=1000

load_bitmap
chmod 0755 "$PWD"
echo "kernel $(uname -r), MemTotal $(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) MiB, $(nproc) CPUs"

cgroups=
# workload_set SIZE_MIB: anon, file, thp and mix cgroups of SIZE_MIB, half in use.
workload_set() {
	s=$1 h=$(($1 / 2))
	start_workload /a$s-anon a$s-anon --kind anon --size ${s}M --hot ${h}M --period $period
	start_workload /a$s-file a$s-file --kind file --file "$PWD/a$s-file.data" --size ${s}M --hot ${h}M --period $period
	start_workload /a$s-thp a$s-thp --kind thp --size ${s}M --hot ${h}M --period $period
	# The mix: 3/8 anon, 3/8 file, 1/4 huge pages.
	a=$((s * 3 / 8)) t=$((s / 4))
	start_workload /a$s-mix a$s-mix-anon --kind anon --size ${a}M --hot $((a / 2))M --period $period
	start_workload /a$s-mix a$s-mix-file --kind file --file "$PWD/a$s-mix.data" --size ${a}M --hot $((a / 2))M \
		--period $period
	start_workload /a$s-mix a$s-mix-thp --kind thp --size ${t}M --hot $((t / 2))M --period $period
	cgroups="$cgroups /a$s-anon /a$s-file /a$s-thp /a$s-mix"
}

echo 1 > /proc/sys/vm/compact_memory
workload_set 256
workload_set 64
workload_set 32
# The adversarial layout: compaction just before, so the huge pages come
# from long free runs, one after the other.
echo 1 > /proc/sys/vm/compact_memory
echo "free blocks by order after compaction (/proc/buddyinfo):"
cat /proc/buddyinfo
start_workload /adv-thp adv-thp --kind thp --size 256M --hot 128M --period $period
cgroups="$cgroups /adv-thp"
echo "huge pages: $(awk '/^AnonHugePages:/ { print int($2 / 1024) }' /proc/meminfo) MiB"

# run_daemon SAMPLING SCANS OUT: one daemon until scan SCANS, its document
# saved as OUT.
run_daemon() {
	rm -rf run
	write_conf "$interval" <<EOT
Sampling=$1
[Cgroups]
Track=$cgroups
EOT
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
	wait_scans run/stats.json "$2"
	cp run/stats.json "$3"
	stop_daemon
}

# truth: the full passes' working set and bytes per cgroup, scans 2 and
# 3 of one daemon (the first only marks), as "truth CGROUP WS BYTES".
truth() {
	rm -rf run
	write_conf "$interval" <<EOT
Sampling=1
[Cgroups]
Track=$cgroups
EOT
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
	for n in 2 3; do
		wait_scans run/stats.json $n
		cp run/stats.json full.json
		for cg in $cgroups; do
			echo "truth $cg $(json_cgroup full.json "$cg" working_set_bytes) $(json_cgroup full.json "$cg" bytes)"
		done
	done
	stop_daemon
}

# The lines as they come, so that a run cut short still gives its figures
# (bench/sampling-accuracy sums them up): "sample PASS CGROUP
# WORKING_SET_BYTES WORKING_SET_BYTES_STDERR BYTES SAMPLED_BYTES".
start=$(date +%s)
truth
for i in $(seq 1 "$samples"); do
	run_daemon "$fraction" 2 sample.json
	for cg in $cgroups; do
		echo "sample $i $cg $(json_cgroup sample.json "$cg" working_set_bytes)" \
			"$(json_cgroup sample.json "$cg" working_set_bytes_stderr)" \
			"$(json_cgroup sample.json "$cg" bytes) $(json_cgroup sample.json "$cg" sampled_bytes)"
	done
done
echo "$samples samples at $fraction, interval $interval, in $(($(date +%s) - start)) s"
stop_workloads
