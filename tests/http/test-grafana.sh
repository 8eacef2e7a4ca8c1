#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/grafana/pageidled.json against a real Prometheus (Debian's
# prometheus, run here as a child on a loopback port with its own storage)
# scraping pageidled on the fake tree every second:
#  - the dashboard itself: every panel has the Prometheus datasource input,
#    targets, each with that datasource, a refId and an expression; the
#    cgroup variable is a query over the metrics;
#  - after two scrapes, every panel's expression, taken from the JSON by
#    jq (with $cgroup as the variable's All value: "(?s:.*)", since ".*"
#    does not match a newline in a cgroup name), evaluated through
#    Prometheus' HTTP API: each returns series, and each that selects by
#    $cgroup returns series for every tracked cgroup, the odd names
#    included;
#  - the variable's label_values() query, through /api/v1/label, lists
#    every tracked cgroup.
set -u
if [ -z "${GRAFANA_TEST_TIMEOUT:-}" ]; then
	GRAFANA_TEST_TIMEOUT=240 exec timeout 240 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
dashboard=$top_srcdir/contrib/grafana/pageidled.json
. "$top_srcdir/tests/http/host-daemon.sh"
need_host_tools
require prometheus prometheus
prom_pid=
trap 'kill $prom_pid 2> /dev/null; cleanup' EXIT

# The dashboard, as Grafana imports it.
jq -e . "$dashboard" > /dev/null || fail "$dashboard is not JSON"
problems=$(jq -r '
	(.__inputs | map(select(.name == "DS_PROMETHEUS" and .pluginId == "prometheus")) | length == 1
	 or error("no DS_PROMETHEUS input")) as $_ |
	(.panels | length > 0 or error("no panels")) as $_ |
	.panels[] | . as $p | "panel \(.id) \"\(.title)\"" as $name |
	(if .datasource != {"type": "prometheus", "uid": "${DS_PROMETHEUS}"} then "\($name): datasource \(.datasource)" else empty end),
	(if (.targets | length) == 0 then "\($name): no targets" else empty end),
	(.targets[] |
	 (if .datasource != $p.datasource then "\($name) \(.refId): datasource \(.datasource)" else empty end),
	 (if (.refId | type) != "string" then "\($name): a target without refId" else empty end),
	 (if (.expr | type) != "string" or .expr == "" then "\($name) \(.refId): no expression" else empty end))
	' "$dashboard" 2>&1) || fail "the dashboard: $problems"
[ -z "$problems" ] || fail "the dashboard: $problems"
jq -e '.templating.list[] | select(.name == "cgroup" and .type == "query" and .includeAll
	and .datasource.uid == "${DS_PROMETHEUS}")' "$dashboard" > /dev/null || fail "no cgroup variable over Prometheus"
all=$(jq -r '.templating.list[] | select(.name == "cgroup") | .allValue' "$dashboard")
n_exprs=$(jq '[.panels[].targets[]] | length' "$dashboard")
echo "dashboard: $(jq '.panels | length' "$dashboard") panels, $n_exprs expressions, each with the Prometheus datasource"

make_fake_tree "$work/tree"
xss='<img src=x onerror=alert(1)>'
mkdir "$work/tree/cg/$xss"
fill_pages 120 8 $lru "$work/tree/cg/$xss"
start_daemon "$work/tree" grafana 500ms
tracked=$(curl -sf "$base/stats.json" | jq -c '[.cgroups[].path] | sort') || fail "GET /stats.json failed"
[ "$(echo "$tracked" | jq length)" = 4 ] || fail "not 4 tracked cgroups: $tracked"

# Prometheus on a free loopback port, scraping the daemon every second.
mkdir "$work/prom"
cat > "$work/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pageidled
    static_configs:
      - targets: ['$host:$port']
EOT
for try in 1 2 3 4 5; do
	prom_port=$((20000 + RANDOM % 20000))
	prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
		--web.listen-address="127.0.0.1:$prom_port" --log.level=warn 2> "$work/prom/log" &
	prom_pid=$!
	prom=http://127.0.0.1:$prom_port
	for i in $(seq 100); do
		curl -sf "$prom/-/ready" > /dev/null && break 2
		kill -0 "$prom_pid" 2> /dev/null || break
		sleep 0.2
	done
	kill "$prom_pid" 2> /dev/null
	wait "$prom_pid" 2> /dev/null
	prom_pid=
done
[ -n "$prom_pid" ] || fail "prometheus did not start: $(tail -n 5 "$work/prom/log")"
echo "prometheus $prom_pid on $prom"

# query EXPR: the result vector of an instant query, as JSON.
query() {
	curl -sf --max-time 10 -G "$prom/api/v1/query" --data-urlencode "query=$1" |
		jq -ce 'select(.status == "success") | .data.result'
}
# At least two scrapes of the daemon, and the target up.
for i in $(seq 150); do
	n=$(query 'count_over_time(pageidled_scans_total[5m])' | jq -r '.[0].value[1] // 0')
	[ "${n:-0}" -ge 2 ] && [ "$(query 'up{job="pageidled"}' | jq -r '.[0].value[1]')" = 1 ] && break
	sleep 0.2
done
[ "${n:-0}" -ge 2 ] || fail "prometheus did not scrape the daemon twice in 30 s: $(tail -n 5 "$work/prom/log")"
echo "prometheus scraped the daemon $n times"

# Every expression of the dashboard, as Grafana would send it with All selected.
jq -r '.panels[] | .title as $t | .targets[] | [$t, .refId, .expr] | @json' "$dashboard" > "$work/exprs"
[ "$(wc -l < "$work/exprs")" = "$n_exprs" ] || fail "the expressions were not all extracted"
checked=0
while read -r line; do
	title=$(echo "$line" | jq -r '.[0]') ref=$(echo "$line" | jq -r '.[1]') expr=$(echo "$line" | jq -r '.[2]')
	promql=${expr//\$cgroup/$all}
	case $promql in *'$'*) fail "\"$title\" $ref: a variable this test does not know in $expr" ;; esac
	result=$(query "$promql") || fail "\"$title\" $ref: prometheus refused $promql"
	[ "$(echo "$result" | jq length)" -gt 0 ] || fail "\"$title\" $ref: no series for $promql"
	if [ "$promql" != "$expr" ]; then
		got=$(echo "$result" | jq -c '[.[].metric.cgroup] | unique')
		missing=$(jq -nc --argjson want "$tracked" --argjson got "$got" '$want - $got')
		[ "$missing" = "[]" ] || fail "\"$title\" $ref: no series for $missing from $promql (got $got)"
	fi
	checked=$((checked + 1))
	echo "ok \"$title\" $ref: $(echo "$result" | jq length) series"
done < "$work/exprs"
[ "$checked" = "$n_exprs" ] || fail "checked $checked of $n_exprs expressions"

# The variable's values: label_values(pageidled_cgroup_bytes, cgroup).
jq -e '.templating.list[] | select(.name == "cgroup") | .query.query == "label_values(pageidled_cgroup_bytes, cgroup)"' \
	"$dashboard" > /dev/null || fail "the cgroup variable's query is not the one checked here"
values=$(curl -sf -G "$prom/api/v1/label/cgroup/values" --data-urlencode 'match[]=pageidled_cgroup_bytes' |
	jq -c '.data | sort')
[ "$values" = "$tracked" ] || fail "the cgroup variable lists $values, not $tracked"
echo "the cgroup variable lists every tracked cgroup"

kill "$prom_pid"
wait "$prom_pid" 2> /dev/null
prom_pid=
stop_daemon
finish
