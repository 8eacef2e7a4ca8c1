#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled's HTTP endpoint end to end on the host, against a fake /proc
# and /sys (tests/http/fake-tree.sh) scanned every 200 ms:
#  - /stats.json is the JSON file's document and valid against the shipped
#    schema (labels too); /metrics passes promtool check metrics and says
#    the same;
#  - paths, methods, oversized and malformed requests get 404, 405, 414,
#    431, 400;
#  - 50 scrapers for 10 s: no failed request, only whole documents, and
#    the scans keep their schedule;
#  - slow clients (a byte a second, never finished) and idle connections:
#    others are served at once, scans go on, both are closed after 10 s;
#  - /healthz: 200 while scans are recent, 503 when they stop (a bitmap
#    that cannot be read), 200 again once they resume;
#  - SIGTERM with clients connected: a clean exit.
set -u
# Never hang make check: five minutes at most.
if [ -z "${HTTP_E2E_TIMEOUT:-}" ]; then
	HTTP_E2E_TIMEOUT=300 exec timeout 300 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
metric_families=32
. "$top_srcdir/tests/http/host-daemon.sh"
need_tools
[ -x "$pageidled" ] || fail "no $pageidled"

# start TREE NAME: the daemon on TREE, any free port.
start() {
	cat > "$work/$2.conf" <<EOT
[Scan]
Interval=200ms
WorkingSetWindow=400ms
CPUBudget=100%
[Cgroups]
Root=$1/cg
Track=/*
[HTTP]
Address=127.0.0.1
Port=0
EOT
	log=$work/$2.log
	PAGEIDLED_PROC_ROOT=$1/proc PAGEIDLED_SYS_ROOT=$1/sys NOTIFY_SOCKET= \
		"$pageidled" --config "$work/$2.conf" --json-file "$work/$2/stats.json" --user root 2> "$log" &
	daemon_pid=$!
	wait_endpoint
	echo "$2: pageidled $daemon_pid serving $base"
}

stop() {
	kill -TERM "$daemon_pid"
	for i in $(seq 50); do
		kill -0 "$daemon_pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -0 "$daemon_pid" 2> /dev/null && fail "pageidled still runs 5 s after SIGTERM"
	wait "$daemon_pid"
	rc=$?
	daemon_pid=
	[ $rc -eq 0 ] || fail "pageidled exited with $rc after SIGTERM"
}

make_fake_tree "$work/tree"
start "$work/tree" main
[ "$(status /healthz)" = 200 ] || fail "/healthz is not 200 at start"
wait_scan_count 2

# The document: the file's, valid against the schema, with the odd name intact.
check_same_as_file "$work/main/stats.json"
cp "$work/http.json" "$work/doc.json"
check_schema "$work/doc.json"
[ "$(jq '.cgroups | length' "$work/doc.json")" = 3 ] || fail "not 3 cgroups"
jq -e --arg p "/$odd_name" '[.cgroups[].path] | index($p)' "$work/doc.json" > /dev/null ||
	fail "the cgroup with an odd name is missing or mangled"
# Every field the daemon writes is described in the schema (which lets
# consumers ignore unknown fields, so the validator would not notice).
undocumented=$(jq -r --slurpfile schema "$schema" '$schema[0] as $s |
	(keys[] | select(. as $k | $s.properties | has($k) | not)),
	(.cgroups[0] | keys[] | select(. as $k | $s["$defs"].cgroup.properties | has($k) | not) | "cgroups[]." + .),
	(.cgroups[0].idle_age_histogram[0] | keys[]
	 | select(. as $k | $s["$defs"].cgroup.properties.idle_age_histogram.items.properties | has($k) | not)
	 | "idle_age_histogram[]." + .)' "$work/doc.json")
[ -z "$undocumented" ] || fail "fields missing from $schema: $undocumented"
# The schema check catches what it should.
jq '.cgroups[0].bytes = -1 | del(.scan_count)' "$work/doc.json" > "$work/broken.json"
[ "$(jq -r --slurpfile schema "$schema" -f "$schema_check" "$work/broken.json" | wc -l)" = 2 ] ||
	fail "the schema check missed a broken document"
# The fake tree's paths say nothing of who their cgroups are; the labels
# of test-cgroup-labels' shapes fit the schema's patterns, values of the
# wrong shape do not.
jq -e '[.cgroups[].labels] | all(. == {})' "$work/doc.json" > /dev/null || fail "labels for the fake tree's cgroups"
id=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
jq --arg id "$id" '.cgroups[0].labels = {unit: ("cri-containerd-" + $id + ".scope"),
	slice: "kubepods-burstable-pod0a1b2c3d_4e5f_4789_abcd_ef0123456789.slice",
	pod_uid: "0a1b2c3d-4e5f-4789-abcd-ef0123456789", qos_class: "burstable", container_id: $id,
	container_runtime: "containerd"} | .cgroups[1].labels = {unit: "machine-qemu\\x2d1\\x2dvm.scope",
	slice: "machine.slice", machine: "qemu-1-vm"}' "$work/doc.json" > "$work/labels.json"
check_schema "$work/labels.json"
jq '.cgroups[0].labels = {unit: "foo.timer", slice: "a b.slice", pod_uid: "0a1b2c3d_4e5f_4789_abcd_ef0123456789",
	qos_class: "Burstable", container_id: "ABC", container_runtime: "rkt", machine: "a/b"}' \
	"$work/doc.json" > "$work/bad-labels.json"
[ "$(jq -r --slurpfile schema "$schema" -f "$schema_check" "$work/bad-labels.json" | wc -l)" = 7 ] ||
	fail "the schema took labels of the wrong shape"

# The metrics: lint-clean, the same numbers, the odd name escaped.
curl -sf "$base/metrics" -o "$work/metrics.prom" || fail "GET /metrics failed"
check_metrics "$work/metrics.prom"
grep -q '^pageidled_cgroup_bytes{cgroup="/we\\"ird\\\\name\\nline2 café",type="file"} 16384$' "$work/metrics.prom" ||
	fail "the odd cgroup name is not escaped right in /metrics"
[ "$(metric "$work/metrics.prom" 'pageidled_cgroup_bytes{cgroup="/a",type="anon"}')" = $((32 * 4096)) ] ||
	fail "/a anon bytes in /metrics"
[ "$(metric "$work/metrics.prom" 'pageidled_cgroup_info{cgroup="/a"}')" = 1 ] || fail "no pageidled_cgroup_info for /a"
check_document_pair
echo "documents: schema, promtool and cross-checks pass"
# Every family is documented in pageidled(8), METRICS.
for name in $(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$work/metrics.prom"); do
	grep -q "^\.It Li .*\<$name\>" "$top_srcdir/man/pageidled.8" || fail "pageidled(8) does not document $name"
done

check_basics
echo "paths, methods, oversized and malformed requests: answered as they should"

# 50 scrapers for 10 s while scanning every 200 ms.
# Scans keep their schedule: at least one every two intervals.
before=$(scan_count) t0=$(date +%s%N)
scrape_load 50 10
after=$(scan_count) elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
echo "scans during the load: $((after - before)) in $elapsed_ms ms"
[ $((after - before)) -ge $((elapsed_ms / 400)) ] || fail "only $((after - before)) scans in $elapsed_ms ms at a 200 ms interval"

# Slow and idle clients: 20 of each for 12 s.
split_base
clients=
for i in $(seq 20); do
	slow_client 12 &
	clients="$clients $!"
	(exec 5<> "/dev/tcp/$host/$port" && sleep 12) &
	clients="$clients $!"
done
sleep 1
before=$(scan_count) t0=$(date +%s%N)
for i in $(seq 20); do
	# Far less than the 10 s a slow client may hold its connection (the
	# time of the transfer only: process start-up on a loaded host is not
	# the server's).
	t=$(curl -sf --max-time 5 -w '%{time_total}' "$base/stats.json" -o "$work/during.json") ||
		fail "a request failed next to slow clients"
	jq -e .scan_count "$work/during.json" > /dev/null || fail "a broken document next to slow clients"
	awk -v t="$t" 'BEGIN { exit !(t < 3) }' || fail "a request took $t s next to slow clients"
	sleep 0.25
done
after=$(scan_count) elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
echo "next to 40 slow and idle clients: 20 requests served, $((after - before)) scans in $elapsed_ms ms"
[ $((after - before)) -ge $((elapsed_ms / 400)) ] || fail "scans slowed down next to slow clients"
# A slow client is cut 10 s after it connected, however it trickles.
slow_client 30 "$work/slow-cut"
[ -f "$work/slow-cut" ] || fail "a slow client kept its connection 30 s"
echo "a slow client was cut after $(cat "$work/slow-cut") s"
[ "$(cat "$work/slow-cut")" -le 15 ] || fail "a slow client kept its connection $(cat "$work/slow-cut") s"
# An idle connection is closed after 10 s (its request deadline).
exec 6<> "/dev/tcp/$host/$port"
t0=$SECONDS
timeout 20 cat <&6 > /dev/null
exec 6<&-
echo "an idle connection was closed after $((SECONDS - t0)) s"
[ $((SECONDS - t0)) -le 15 ] || fail "an idle connection stayed open $((SECONDS - t0)) s"
wait $clients
check_basics
kill -0 "$daemon_pid" || fail "pageidled died"

# SIGHUP: a new [HTTP] setting waits for the next start, the rest is taken.
sed -i 's/^Interval=200ms/Interval=300ms/; s/^Port=0/Port=1/' "$work/main.conf"
kill -HUP "$daemon_pid"
for i in $(seq 50); do
	[ "$(curl -sf "$base/stats.json" | jq .scan_interval_usec)" = 300000 ] && break
	sleep 0.1
done
[ "$(curl -sf "$base/stats.json" | jq .scan_interval_usec)" = 300000 ] || fail "the reload was not served"
grep -q '\[HTTP\] changes take effect at the next start' "$log" || fail "no warning for [HTTP] on reload"
echo "reload: new interval served on the same socket, [HTTP] kept for the next start"

# SIGTERM with clients connected.
clients=
for i in $(seq 5); do
	slow_client 30 &
	clients="$clients $!"
done
sleep 1
stop
echo "SIGTERM with slow clients connected: clean exit"
kill $clients 2> /dev/null
wait $clients 2> /dev/null

# /healthz when scans stop: a bitmap that cannot be read (a FIFO).
make_fake_tree "$work/tree2"
rm "$work/tree2/sys/kernel/mm/page_idle/bitmap"
mkfifo "$work/tree2/sys/kernel/mm/page_idle/bitmap"
start "$work/tree2" stale
sleep 1.5
code=$(curl -s -o "$work/health" -w '%{http_code}' "$base/healthz")
[ "$code" = 503 ] || fail "/healthz answered $code, not 503, with scans failing: $(cat "$work/health")"
grep -q '^stale: no complete scan yet.*state degraded' "$work/health" || fail "/healthz says: $(cat "$work/health")"
echo "scans failing: /healthz $code, $(cat "$work/health")"
curl -sf "$base/stats.json" -o "$work/degraded.json" || fail "/stats.json failed while degraded"
check_schema "$work/degraded.json"
curl -sf "$base/metrics" -o "$work/degraded.prom" || fail "/metrics failed while degraded"
check_metrics "$work/degraded.prom"
[ "$(metric "$work/degraded.prom" 'pageidled_state{state="degraded"}')" = 1 ] || fail "/metrics does not say degraded"
rm "$work/tree2/sys/kernel/mm/page_idle/bitmap"
head -c $((N_PFNS / 8)) /dev/zero > "$work/tree2/sys/kernel/mm/page_idle/bitmap"
for i in $(seq 50); do
	[ "$(status /healthz)" = 200 ] && break
	sleep 0.1
done
[ "$(status /healthz)" = 200 ] || fail "/healthz did not recover once scans resumed"
echo "scans resumed: /healthz 200"
stop

# Enable=no: no listener.
printf '[HTTP]\nEnable=no\n' >> "$work/stale.conf"
PAGEIDLED_PROC_ROOT=$work/tree/proc PAGEIDLED_SYS_ROOT=$work/tree/sys NOTIFY_SOCKET= \
	"$pageidled" --config "$work/stale.conf" --json-file "$work/off/stats.json" --user root 2> "$work/off.log" &
daemon_pid=$!
log=$work/off.log
sleep 1
grep -q 'Serving http' "$log" && fail "Enable=no still serves"
stop

# A socket passed by systemd (systemd-socket-activate starts the daemon at
# the first connection): served instead of binding one, even with Enable=no.
if command -v systemd-socket-activate > /dev/null; then
	sa_port=$((20000 + RANDOM % 20000))
	systemd-socket-activate -l 127.0.0.1:$sa_port -E PAGEIDLED_PROC_ROOT="$work/tree/proc" \
		-E PAGEIDLED_SYS_ROOT="$work/tree/sys" "$pageidled" --config "$work/stale.conf" \
		--json-file "$work/sa/stats.json" --user root 2> "$work/sa.log" &
	daemon_pid=$!
	log=$work/sa.log
	for i in $(seq 50); do
		grep -q "Listening on 127.0.0.1:$sa_port" "$log" && break
		kill -0 "$daemon_pid" 2> /dev/null || fail "systemd-socket-activate exited (port $sa_port taken?)"
		sleep 0.1
	done
	base=http://127.0.0.1:$sa_port
	[ "$(status /healthz)" = 200 ] || fail "/healthz on the passed socket"
	grep -q "Serving http://127.0.0.1:$sa_port/ .* on the socket systemd passed" "$log" ||
		fail "the daemon did not take the passed socket"
	wait_scan_count 1
	stop
	echo "socket passed by systemd: served"
else
	echo "no systemd-socket-activate: the passed socket is not tested"
fi
echo PASS
