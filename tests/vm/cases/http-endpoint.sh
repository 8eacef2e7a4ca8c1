#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled's HTTP endpoint with the real bitmap and workloads in cgroups:
# the default listener 127.0.0.1:9258 served by a daemon that switched to
# nobody (and its HTTP thread with it); /stats.json is the JSON file's
# document and valid against the shipped schema; /metrics passes promtool
# and agrees with it; paths, methods and oversized requests; 50 scrapers
# for 10 s with scans on schedule; slow clients; /healthz 503 while the
# bitmap is gone (pageidle.ko unloaded) and 200 once it is back.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
work=$PWD
log=$PWD/daemon.log
M=1048576
metric_families=32
. "$top_srcdir/tests/http/lib.sh"
need_tools

require ip iproute2
ip link set lo up || { echo "FAIL: cannot bring up the loopback interface"; exit 1; }
load_bitmap
loaded_module=true
grep -qw pageidle /proc/modules || loaded_module=false
chmod 0755 "$PWD"

start_workload /anon anon --kind anon --size 32M --hot 16M
start_workload /file file --kind file --file "$PWD/file.data" --size 16M --hot 8M

write_conf <<EOT
[Cgroups]
Track=/anon /file
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
wait_endpoint
[ "$base" = http://127.0.0.1:9258 ] || fail "serving $base, not the default http://127.0.0.1:9258"
wait_scan_count 2

# Every thread runs as nobody with no effective capabilities.
for t in /proc/$daemon_pid/task/*; do
	uid=$(awk '/^Uid:/ { print $2 }' $t/status)
	capeff=$(awk '/^CapEff:/ { print $2 }' $t/status)
	[ "$uid" != 0 ] || fail "thread ${t##*/} ($(cat $t/comm)) still runs as root"
	[ "$capeff" = 0000000000000000 ] || fail "thread ${t##*/} ($(cat $t/comm)) has capabilities $capeff"
done
echo "$(ls /proc/$daemon_pid/task | wc -l) threads, none root, no effective capabilities"

check_same_as_file run/stats.json
cp http.json doc.json
check_schema doc.json
curl -sf "$base/metrics" -o metrics.prom || fail "GET /metrics failed"
check_metrics metrics.prom
check_document_pair
anon=$(metric metrics.prom 'pageidled_cgroup_bytes{cgroup="/anon",type="anon"}')
within "/anon anon bytes in /metrics" "$anon" $((32 * M)) 3
echo "documents: schema, promtool and cross-checks pass"
check_basics
echo "paths, methods, oversized and malformed requests: answered as they should"

# Scans keep their schedule: at least one every two intervals.
before=$(json_top run/stats.json scan_count) t0=$SECONDS
scrape_load 50 10
after=$(json_top run/stats.json scan_count) elapsed=$((SECONDS - t0))
echo "scans during the load: $((after - before)) in $elapsed s"
[ $((after - before)) -ge $((elapsed / 4)) ] || fail "only $((after - before)) scans in $elapsed s at a 2 s interval"

split_base
clients=
for i in $(seq 10); do
	slow_client 15 &
	clients="$clients $!"
done
sleep 2
before=$(json_top run/stats.json scan_count) t0=$SECONDS
for i in $(seq 10); do
	curl -sf --max-time 5 "$base/healthz" > /dev/null || fail "/healthz failed next to slow clients"
	sleep 1
done
after=$(json_top run/stats.json scan_count) elapsed=$((SECONDS - t0))
echo "next to 10 slow clients: 10 requests served, $((after - before)) scans in $elapsed s"
[ $((after - before)) -ge $((elapsed / 4)) ] || fail "scans slowed down next to slow clients"
wait $clients

if $loaded_module; then
	[ "$(status /healthz)" = 200 ] || fail "/healthz is not 200 while scanning"
	unload_module_running
	for i in $(seq 200); do
		[ "$(status /healthz)" = 503 ] && break
		sleep 0.1
	done
	curl -s "$base/healthz" > health.txt
	[ "$(status /healthz)" = 503 ] || fail "/healthz did not go 503 without the bitmap: $(cat health.txt)"
	echo "bitmap gone: /healthz 503, $(cat health.txt)"
	insmod "$PAGEIDLE_KO" || fail "insmod again"
	for i in $(seq 300); do
		[ "$(status /healthz)" = 200 ] && break
		sleep 0.1
	done
	[ "$(status /healthz)" = 200 ] || fail "/healthz did not come back to 200"
	echo "bitmap back: /healthz 200, $(curl -s "$base/healthz")"
else
	echo "the kernel's own bitmap cannot go away: skipping the /healthz 503 part"
fi

stop_daemon
stop_workloads
echo PASS
