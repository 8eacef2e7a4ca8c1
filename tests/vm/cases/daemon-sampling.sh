#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Full and sampled passes agree: the same workloads (anonymous, file-backed
# and huge pages, 256 MiB cgroups with half of each in use) measured by
# pageidled with Sampling=1, then by two daemons with Sampling=1/16, one
# after the other (they share the pages' idle flags; each draws its own
# blocks), three passes each.
# - Sampling=1: sampling is 1, sampled_bytes is bytes, every *_stderr is 0,
#   and the figures are within 2% of what the workloads hold, so that they
#   are a truth to compare with.
# - Sampling=1/16: sampling is 0.0625, bytes (memory.stat's) within 2% of
#   the full pass's, sampled_bytes a part of them, and working_set_bytes
#   and idle_bytes within 3 of their own published standard errors of the
#   full pass's, plus a slack of four blocks (8 MiB: the full and sampled
#   passes are seconds apart, and bytes differ by what memory.stat counts).
#   Their standard errors must be above 0: the hot half of each cgroup
#   lies in physical runs, so the sampled blocks cannot all hold the same
#   share.  No upper bound on the error: a cgroup of huge pages lies in
#   few blocks, and over one or two effective blocks Student's t widens
#   the error past the cgroup's size (pageidled(8), ESTIMATES), which is
#   honest; the check is that the interval holds the truth.
# Within 3 standard errors an honest estimate misses about once in a
# few hundred runs (all sampled blocks on one side of the hot boundary);
# one too small by half misses in most.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
block=$((2 * M))
cgroups="/s-anon /s-file /s-thp"
passes=3

load_bitmap
chmod 0755 "$PWD"

# Huge pages for /s-thp: earlier cases leave memory fragmented.
echo 1 > /proc/sys/vm/compact_memory
# All three at once: touching 768 MiB takes most of the case's time under TCG.
launch_workload /s-anon anon --kind anon --size 256M --hot 128M --period 1000
anon_pid=$pid
launch_workload /s-file file --kind file --file "$PWD/file.data" --size 256M --hot 128M --period 1000
file_pid=$pid
launch_workload /s-thp thp --kind thp --size 256M --hot 128M --period 1000
thp_pid=$pid
wait_workload anon $anon_pid
wait_workload file $file_pid
wait_workload thp $thp_pid
thp_kib=$(awk '/^AnonHugePages:/ { s += $2 } END { print s + 0 }' /proc/$thp_pid/smaps)
echo "thp workload: $thp_kib KiB in huge pages"
[ "$thp_kib" -ge 131072 ] || fail "the thp workload got fewer than 128 MiB of huge pages"

# run_daemon SAMPLING INTERVAL NAME: one daemon for $passes measured
# passes, each pass's document kept as NAME-K.json.
run_daemon() {
	rm -rf run
	write_conf "$2" <<EOT
Sampling=$1
[Cgroups]
Track=$cgroups
EOT
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
	for k in $(seq $passes); do
		wait_scans run/stats.json $k
		cp run/stats.json "$3-$k.json"
	done
	stop_daemon
	cat daemon.log >> daemons.log
	echo "$3: sampling $(json_top "$3-1.json" sampling), scan path $(json_top "$3-1.json" scan_path)"
}

# stderrs FILE CGROUP: every *_stderr value of CGROUP's entry.
stderrs() {
	awk -v p="\"$2\"," '
		$1 == "\"path\":" { inside = ($2 == p); next }
		inside && $1 ~ /_stderr":$/ { v = $2; sub(/,$/, "", v); print substr($1, 2, length($1) - 3) "=" v }' "$1"
}

# A full pass over 2 GiB with 768 MiB tracked takes a second or two under TCG.
run_daemon 1 3s full
for k in $(seq $passes); do
	json=full-$k.json
	awk -v s="$(json_top $json sampling)" 'BEGIN { exit !(s == 1) }' || fail "$json: Sampling=1 did not read every page"
	for cg in $cgroups; do
		bytes=$(json_cgroup $json "$cg" bytes)
		[ "$(json_cgroup $json "$cg" sampled_bytes)" = "$bytes" ] ||
			fail "$json: $cg: a full pass read $(json_cgroup $json "$cg" sampled_bytes) of $bytes bytes"
		errs=$(stderrs $json "$cg")
		[ $(echo "$errs" | wc -l) -eq 4 ] || fail "$json: $cg: not four *_stderr fields: $errs"
		for e in $errs; do
			[ "${e#*=}" = 0 ] || fail "$json: $cg: a full pass has an error: $e"
		done
		within "$cg working_set_bytes (full $k)" "$(json_cgroup $json "$cg" working_set_bytes)" $((128 * M)) 2 \
			$((256 * M))
		within "$cg bytes (full $k)" "$bytes" $((256 * M)) 2
	done
done
full=full-$passes.json

misses=0
for run in 1 2; do
	run_daemon 1/16 2s sampled$run
	for k in $(seq $passes); do
		json=sampled$run-$k.json
		awk -v s="$(json_top $json sampling)" 'BEGIN { exit !(s == 0.0625) }' || fail "$json: sampling is not 1/16"
		for cg in $cgroups; do
			bytes=$(json_cgroup $json "$cg" bytes)
			sampled=$(json_cgroup $json "$cg" sampled_bytes)
			within "$cg bytes (sampled $run-$k)" "$bytes" "$(json_cgroup $full "$cg" bytes)" 2
			[ "$sampled" -lt $((bytes / 2)) ] ||
				fail "$json: $cg: sampled_bytes $sampled of $bytes is not a sample at 1/16"
			for key in working_set_bytes idle_bytes; do
				est=$(json_cgroup $json "$cg" $key)
				se=$(json_cgroup $json "$cg" ${key}_stderr)
				truth=$(json_cgroup $full "$cg" $key)
				[ "$se" -gt 0 ] || fail "$json: $cg: ${key}_stderr is 0 at 1/16"
				awk -v e="$est" -v t="$truth" -v s="$se" -v b="$bytes" -v slack=$((4 * block)) \
				    -v what="$cg $key ($run-$k)" 'BEGIN {
					d = e - t; if (d < 0) d = -d
					printf "%-34s sampled %10d  stderr %10d  full %10d  off %5.2f stderr, %5.1f%% of bytes  %s\n",
						what, e, s, t, d / s, 100 * d / b,
						d <= 1.96 * s ? "in the 95% interval" : d <= 3 * s + slack ? "within 3 stderr" : "OUT"
					exit !(d <= 3 * s + slack) }' ||
					fail "$json: $cg: $key $est is more than 3 of its stderr $se (+ 4 blocks) off the full pass's $truth"
				awk -v e="$est" -v t="$truth" -v s="$se" 'BEGIN { d = e - t; exit !(d > 1.96 * s || -d > 1.96 * s) }' &&
					misses=$((misses + 1))
			done
		done
	done
done
echo "outside the published 95% interval: $misses of $((2 * passes * 3 * 2)) figures (passes of one daemon read the same blocks)"

stop_workloads
echo "--- the last sampled document"
cat sampled2-$passes.json
echo "--- daemons.log"
cat daemons.log
