#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Cold memory and its promotion against a workload that knows both: 64M of
# anonymous memory of which it keeps the first 16M hot, so that once the
# cold age has passed 48M is cold; then it makes the first 48M hot, which
# wakes 32M of cold memory within one interval.  cold_bytes must be within
# 2% of 48M, then of 16M, and the passes must count 32M promoted in all
# (within 2%).
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2

load_bitmap
chmod 0755 "$PWD"

start_workload /cold cold --kind anon --size 64M --hot 16M --after 60 --then-hot 48M
ready_s=$(date +%s)

# Intervals long enough for this loop, under TCG, to see every scan.
write_conf 6s <<EOT
ColdAge=12s
[Cgroups]
Track=/cold
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
json=run/stats.json
wait_scans $json 5
cp $json now.json
[ "$(json_top now.json cold_age_usec)" = 12000000 ] || fail "cold_age_usec is $(json_top now.json cold_age_usec)"
within "/cold cold_bytes" "$(json_cgroup now.json /cold cold_bytes)" $((48 * M)) $tol
within "/cold cold_anon_bytes" "$(json_cgroup now.json /cold cold_anon_bytes)" $((48 * M)) $tol
within "/cold reclaimable_bytes" "$(json_cgroup now.json /cold reclaimable_bytes)" $((48 * M)) $tol

# Every scan's promotion, until 30 s after the switch: their sum is the
# 32M woken (the pass under way at the switch may share it with the next),
# and nothing else (the hot part stays hot, the rest idle, until then).
total=0 last=$(json_top $json scan_count)
while [ "$(date +%s)" -lt $((ready_s + 90)) ]; do
	n=$(json_top $json scan_count 2> /dev/null)
	if [ -n "$n" ] && [ "$n" -gt "$last" ]; then
		cp $json scan.json
		n=$(json_top scan.json scan_count)
		[ "$n" -eq $((last + 1)) ] || fail "scans $((last + 1)) to $((n - 1)) not seen"
		p=$(json_cgroup scan.json /cold promoted_bytes)
		echo "scan $n: promoted_bytes $p, cold_bytes $(json_cgroup scan.json /cold cold_bytes)"
		[ "$p" -gt 0 ] && cp scan.json promoted.json
		total=$((total + p))
		last=$n
	fi
	kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
	sleep 0.1
done
within "/cold promoted_bytes, all scans" "$total" $((32 * M)) $tol
wait_scans $json $((last + 2))
cp $json now.json
within "/cold cold_bytes after the wake-up" "$(json_cgroup now.json /cold cold_bytes)" $((16 * M)) $tol
within "/cold promoted_bytes after" "$(json_cgroup now.json /cold promoted_bytes)" 0 1 $((32 * M))

echo "--- the document at the wake-up"
cat promoted.json 2> /dev/null
stop_workloads
stop_daemon
echo "--- daemon.log"
cat daemon.log
