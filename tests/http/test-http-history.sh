#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# GET /history.json end to end on the host, pageidled on the fake tree
# (tests/http/fake-tree.sh) scanned every 300 ms with History=5:
#  - the document is valid against daemon/pageidled-history.schema.json,
#    which describes every field it has;
#  - it keeps the last 5 scans, in order, each cgroup's arrays as long as
#    its scans, and its newest scan says what /stats.json said of it;
#  - cgroup= (URL-encoded, the odd name too) and since= select; a bad
#    query gets 400 with why, a cgroup no kept scan has 404;
#  - a reload (SIGHUP) keeps the history, cut to a smaller History=; a
#    restart begins with an empty one; History=0 keeps none.
set -u
if [ -z "${HTTP_HISTORY_TIMEOUT:-}" ]; then
	HTTP_HISTORY_TIMEOUT=240 exec timeout 240 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/http/host-daemon.sh"
need_host_tools
hschema=$top_srcdir/daemon/pageidled-history.schema.json

# start_history HISTORY: the daemon on the tree with History=HISTORY.
start_history() {
	scan_wait=no start_daemon "$work/tree" history 300ms
	sed -i "/^\[Output\]/,\$d" "$work/history.conf"
	printf '[Output]\nHistory=%s\n' "$1" >> "$work/history.conf"
	stop_daemon
	# start_daemon rewrites the file: start it by hand with History=.
	log=$work/history.log
	PAGEIDLED_PROC_ROOT=$work/tree/proc PAGEIDLED_SYS_ROOT=$work/tree/sys NOTIFY_SOCKET= PAGEIDLED_LOG_LEVEL=debug \
		"$pageidled" --config "$work/history.conf" --json-file "$work/history/stats.json" --user root 2> "$log" &
	daemon_pid=$!
	wait_endpoint
	split_base
}

get() {
	curl -sf --max-time 10 "$base$1"
}

make_fake_tree "$work/tree"
start_history 5
wait_scan_count 7

get /history.json > "$work/h.json" || fail "GET /history.json failed"
errors=$(jq -r --slurpfile schema "$hschema" -f "$schema_check" "$work/h.json") || fail "jq failed"
[ -z "$errors" ] || fail "/history.json does not match the schema: $errors"
undocumented=$(jq -r --slurpfile schema "$hschema" '$schema[0] as $s |
	(keys[] | select(. as $k | $s.properties | has($k) | not)),
	(.cgroups[0] | keys[] | select(. as $k | $s["$defs"].cgroup.properties | has($k) | not) | "cgroups[]." + .)' \
	"$work/h.json")
[ -z "$undocumented" ] || fail "fields missing from the history schema: $undocumented"
jq '.cgroups[0].bytes[0] = -1 | del(.scans)' "$work/h.json" > "$work/broken.json"
[ "$(jq -r --slurpfile schema "$hschema" -f "$schema_check" "$work/broken.json" | wc -l)" = 2 ] ||
	fail "the schema check missed a broken history"
jq -e '.max_scans == 5 and .scans == 5 and (.cgroups | length) == 3' "$work/h.json" > /dev/null ||
	fail "not 5 scans of 3 cgroups: $(jq -c '{max_scans, scans, n: (.cgroups | length)}' "$work/h.json")"
jq -e '[.cgroups[].path] == ([.cgroups[].path] | sort)' "$work/h.json" > /dev/null || fail "cgroups not in path order"
jq -e 'all(.cgroups[]; . as $c | [.[] | arrays | length] | unique == [5])' "$work/h.json" > /dev/null ||
	fail "arrays of other lengths than 5"
jq -e 'all(.cgroups[].scan_count; . as $s | [range(1; length)] | all($s[.] == $s[. - 1] + 1))' "$work/h.json" \
	> /dev/null || fail "scans not consecutive, oldest first"
jq -e 'all(.cgroups[].timestamp_usec; . as $t | [range(1; length)] | all($t[.] > $t[. - 1]))' "$work/h.json" \
	> /dev/null || fail "timestamps not increasing"
echo "/history.json: valid against the schema; the last 5 scans of 3 cgroups, in order"

# The newest kept scan is the one /stats.json has (retried while a scan
# lands between the two requests).
for i in $(seq 50); do
	get /stats.json > "$work/s.json" && get /history.json > "$work/h.json" || fail "scrape failed"
	[ "$(jq .scan_count "$work/s.json")" = "$(jq '.cgroups[0].scan_count[-1]' "$work/h.json")" ] && break
	[ $i -lt 50 ] || fail "never got /stats.json and /history.json of the same scan"
done
differ=$(jq -rn --slurpfile s "$work/s.json" --slurpfile h "$work/h.json" '
	$s[0].cgroups[] as $c | ($h[0].cgroups[] | select(.path == $c.path)) as $x |
	("bytes", "idle_bytes", "working_set_bytes", "anon_bytes", "anon_idle_bytes", "file_bytes",
	 "file_idle_bytes", "idle_ratio") as $k |
	select($x[$k][-1] != $c[$k] and ($k != "idle_ratio" or (($x[$k][-1] - $c[$k]) | fabs) > 1e-5)) |
	"\($c.path) \($k): \($x[$k][-1]) in the history, \($c[$k]) in /stats.json"')
[ -z "$differ" ] || fail "the history's newest scan differs from /stats.json: $differ"
[ "$(jq -r .last_scan_timestamp_usec "$work/s.json")" = "$(jq '.cgroups[0].timestamp_usec[-1]' "$work/h.json")" ] ||
	fail "the newest timestamp is not last_scan_timestamp_usec"
echo "its newest scan is /stats.json's"

# cgroup= and since=.
odd=$(jq -rn --slurpfile h "$work/h.json" '$h[0].cgroups[].path | select(startswith("/we"))')
enc=$(jq -rn --arg p "$odd" '$p | @uri')
get "/history.json?cgroup=$enc" > "$work/odd.json" || fail "cgroup= with the odd name failed"
jq -e --arg p "$odd" '(.cgroups | length) == 1 and .cgroups[0].path == $p' "$work/odd.json" > /dev/null ||
	fail "cgroup= did not select the odd name: $(head -c 300 "$work/odd.json")"
get '/history.json?cgroup=%2Fa%2F' | jq -e '.cgroups[0].path == "/a" and (.cgroups | length) == 1' > /dev/null ||
	fail "cgroup=/a/ (not in normal form) did not select /a"
get /history.json > "$work/h.json"
since=$(jq '.cgroups[0].timestamp_usec[2]' "$work/h.json")
get "/history.json?since=$since&cgroup=/b" > "$work/since.json" || fail "since= failed"
# Scans may have landed since: every one kept is at since or later, the
# first at since unless so many landed that the ring let it go.
jq -e --argjson t "$since" '.scans >= 1 and (.cgroups[0].timestamp_usec | length) == .scans and
	(.cgroups[0].timestamp_usec | all(. >= $t)) and
	(.cgroups[0].timestamp_usec[0] == $t or .scans == .max_scans)' "$work/since.json" > /dev/null ||
	fail "since=$since did not keep the scans from then on: $(head -c 300 "$work/since.json")"
get '/history.json?since=18446744073709551615' | jq -e '.scans == 0 and .cgroups == []' > /dev/null ||
	fail "since= after every scan is not an empty history"
for q in 'x=1' 'cgroup' 'cgroup=' 'cgroup=a' 'cgroup=/a/../b' 'cgroup=%FF' 'since=' 'since=-1' 'since=1e6' \
	'since=18446744073709551616' 'since=1&since=2' 'cgroup=/a&cgroup=/b' 'cgroup=/a&x'; do
	code=$(curl -s -o "$work/bad" -w '%{http_code}' "$base/history.json?$q")
	[ "$code" = 400 ] || fail "?$q answered $code, not 400"
	grep -q '^Bad query: ' "$work/bad" || fail "?$q: the 400 does not say why: $(cat "$work/bad")"
done
[ "$(status '/history.json?cgroup=/nope')" = 404 ] || fail "an unknown cgroup is not 404"
[ "$(status /history.json -X POST)" = 405 ] || fail "POST /history.json is not 405"
[ "$(status /history.json/)" = 404 ] || fail "/history.json/ is not 404"
echo "cgroup= and since= select; bad queries 400, an unknown cgroup 404"

# A reload keeps the history, cut to History=3; with Interval=10s, no
# scan lands meanwhile, so the answer is what was there, cut (a history
# begun anew would be empty).
before=$(get /history.json | jq '.cgroups[0].scan_count[-1]')
sed -i 's/^History=5$/History=3/; s/^Interval=300ms$/Interval=10s/' "$work/history.conf"
kill -HUP "$daemon_pid"
for i in $(seq 50); do
	get /history.json > "$work/r.json" && [ "$(jq .max_scans "$work/r.json")" = 3 ] && break
	sleep 0.1
done
jq -e --argjson b "$before" '.max_scans == 3 and .scans == 3 and .cgroups[0].scan_count[-1] >= $b and
	.cgroups[0].scan_count[0] == .cgroups[0].scan_count[-1] - 2' \
	"$work/r.json" > /dev/null || fail "the reload did not keep the history: $(jq -c .cgroups[0].scan_count "$work/r.json")"
echo "reload: kept, $(jq -c .cgroups[0].scan_count "$work/r.json") with History=3"
stop_daemon

# A restart begins anew; History=0 keeps nothing.
start_history 0
wait_scan_count 2
get /history.json | jq -e '.max_scans == 0 and .scans == 0 and .cgroups == []' > /dev/null ||
	fail "History=0 kept something"
stop_daemon
start_history 100
wait_scan_count 2
get /history.json | jq -e '.cgroups[0].scan_count[0] == 1' > /dev/null || fail "a restart did not begin anew"
echo "restart: begins with an empty history; History=0 keeps none"
stop_daemon
finish
