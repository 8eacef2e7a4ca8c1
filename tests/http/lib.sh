# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced (by bash) from the HTTP tests, on the host and in the VM: find
# the endpoint pageidled logged, check documents against the shipped
# schema and promtool, load it with scrapers and hostile clients.
# Callers set $top_srcdir, $work (a scratch directory), $log (the
# daemon's stderr) and $daemon_pid, and define fail().
schema=$top_srcdir/daemon/pageidled-stats.schema.json
schema_check=$top_srcdir/tests/http/schema-check.jq

. "$top_srcdir/tests/require.sh"
need_tools() {
	require curl curl
	require jq jq
	require promtool prometheus
}

# wait_endpoint: sets $base (http://ADDRESS:PORT) from the daemon's log.
wait_endpoint() {
	for i in $(seq 300); do
		base=$(sed -n 's|.*Serving \(http://[^ ]*\)/ (.*|\1|p' "$log" | head -n 1)
		[ -n "$base" ] && return 0
		kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
		sleep 0.1
	done
	fail "pageidled did not say where it serves HTTP within 30 s"
}

# status PATH [CURL ARGS...]: the HTTP status code of one request.
status() {
	p=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$base$p"
}

# scan_count: from /stats.json.
scan_count() {
	curl -sf --max-time 10 "$base/stats.json" | jq -e .scan_count
}

# wait_scan_count N
wait_scan_count() {
	for i in $(seq 600); do
		n=$(scan_count 2> /dev/null) && [ "$n" -ge "$1" ] && return 0
		kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
		sleep 0.1
	done
	fail "no scan $1 after 60 s"
}

# check_same_as_file FILE: /stats.json is the document in the JSON file.
# The file is read before and after the request; the answer must be one
# of the two (a scan may land in between; HTTP gets each one an instant
# before the file is replaced).
check_same_as_file() {
	for i in $(seq 50); do
		cp "$1" "$work/before.json"
		curl -sf "$base/stats.json" -o "$work/http.json" || fail "GET /stats.json failed"
		cp "$1" "$work/after.json"
		if cmp -s "$work/http.json" "$work/before.json" || cmp -s "$work/http.json" "$work/after.json"; then
			return 0
		fi
		sleep 0.1
	done
	fail "/stats.json is neither the JSON file's document before nor after: $(diff "$work/http.json" "$work/after.json" | head -n 20)"
}

# check_schema FILE: valid against the shipped JSON Schema.
check_schema() {
	errors=$(jq -r --slurpfile schema "$schema" -f "$schema_check" "$1") || fail "jq failed on $1"
	[ -z "$errors" ] || fail "$1 does not match $schema: $errors"
}

# check_metrics FILE: promtool's lint has nothing to say.
check_metrics() {
	out=$(promtool check metrics < "$1" 2>&1) || fail "promtool check metrics: $out"
}

# metric FILE SAMPLE: the value of the sample line that starts with SAMPLE.
metric() {
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2); exit }' "$1"
}

# check_document_pair: /stats.json and /metrics of the same scan agree
# (retried while a scan lands between the two requests).
check_document_pair() {
	for i in $(seq 50); do
		curl -sf "$base/stats.json" -o "$work/pair.json" && curl -sf "$base/metrics" -o "$work/pair.prom" ||
			fail "scrape failed"
		[ "$(jq .scan_count "$work/pair.json")" = "$(metric "$work/pair.prom" pageidled_scans_total)" ] && break
		[ $i -lt 50 ] || fail "never got /stats.json and /metrics of the same scan"
	done
	jq -r '.cgroups[] | [.path, .anon_bytes, .file_bytes, .anon_idle_bytes, .file_idle_bytes, .working_set_bytes] | @tsv' \
		"$work/pair.json" | while IFS='	' read -r path anon file anon_idle file_idle ws; do
		case $path in *\\*|*\"*) continue ;; esac        # jq @tsv escapes those itself
		[ "$(metric "$work/pair.prom" "pageidled_cgroup_bytes{cgroup=\"$path\",type=\"anon\"}")" = "$anon" ] ||
			fail "anon bytes of $path differ between /stats.json and /metrics"
		[ "$(metric "$work/pair.prom" "pageidled_cgroup_bytes{cgroup=\"$path\",type=\"file\"}")" = "$file" ] ||
			fail "file bytes of $path differ"
		[ "$(metric "$work/pair.prom" "pageidled_cgroup_idle_bytes{cgroup=\"$path\",type=\"anon\"}")" = "$anon_idle" ] ||
			fail "anon idle bytes of $path differ"
		[ "$(metric "$work/pair.prom" "pageidled_cgroup_idle_bytes{cgroup=\"$path\",type=\"file\"}")" = "$file_idle" ] ||
			fail "file idle bytes of $path differ"
		[ "$(metric "$work/pair.prom" "pageidled_cgroup_working_set_bytes{cgroup=\"$path\"}")" = "$ws" ] ||
			fail "working set of $path differs"
	done || exit 1
	[ "$(jq '.cgroups | length' "$work/pair.json")" = "$(metric "$work/pair.prom" pageidled_tracked_cgroups)" ] ||
		fail "tracked cgroups differ between /stats.json and /metrics"
}

# scraper ID SECONDS: fetches /stats.json and /metrics in turn (each with
# 30 s to answer: at nice 19 on a crowded host or in TCG, curl itself may
# wait seconds for a CPU); every
# answer must be a whole document (it parses, has every family, and
# scan_count never goes back).  Writes "requests failures" to scraper.ID.
scraper() {
	id=$1 end=$((SECONDS + $2)) n=0 bad=0 last=0
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		curl -sf --max-time "${scrape_timeout:-30}" -o "$work/s$id.json" "$base/stats.json"
		rc=$?
		if [ $rc -ne 0 ]; then
			bad=$((bad + 1)); echo "scraper $id: /stats.json failed (curl exit $rc)" >&2; continue
		fi
		count=$(jq -e 'select(.schema_version == 1 and (.cgroups | type) == "array") | .scan_count' \
			"$work/s$id.json" 2> /dev/null)
		if [ -z "$count" ] || [ "$count" -lt "$last" ]; then
			bad=$((bad + 1)); cp "$work/s$id.json" "$work/bad-$id-$n.json"
			echo "scraper $id: a broken or older document" >&2; continue
		fi
		last=$count
		n=$((n + 1))
		curl -sf --max-time "${scrape_timeout:-30}" -o "$work/s$id.prom" "$base/metrics"
		rc=$?
		if [ $rc -ne 0 ]; then
			bad=$((bad + 1)); echo "scraper $id: /metrics failed (curl exit $rc)" >&2; continue
		fi
		# Every family, and the last one's samples to the end (one process:
		# in a TCG guest each one counts).
		if ! awk -v n="$metric_families" '/^# TYPE / { t++ } { last = $0 }
			END { exit !(t == n && last ~ /^pageidled_cgroup_idle_age_bytes\{.*\} [0-9]+$/) }' \
			"$work/s$id.prom"; then
			bad=$((bad + 1)); cp "$work/s$id.prom" "$work/bad-$id-$n.prom"
			echo "scraper $id: a broken metrics document" >&2
		fi
	done
	echo "$n $bad" > "$work/scraper.$id"
}

# scrape_load SCRAPERS SECONDS: fails on any failed request or broken
# document; sets $requests.  The scrapers run at nice 19: 50 loops of
# curl and jq would otherwise take the CPUs from the daemon's scans (in a
# TCG guest, for seconds), and what is checked is that serving does not
# hold up scanning.
scrape_load() {
	pids=
	for i in $(seq "$1"); do
		(renice -n 19 -p $BASHPID > /dev/null; scraper "$i" "$2") &
		pids="$pids $!"
	done
	wait $pids
	requests=0 failures=0
	for i in $(seq "$1"); do
		read -r n bad < "$work/scraper.$i" || fail "scraper $i left no result"
		requests=$((requests + n)) failures=$((failures + bad))
	done
	echo "$1 scrapers, $2 s: $requests requests, $failures failed"
	[ "$failures" -eq 0 ] || fail "$failures of $requests requests failed or were not whole documents"
	[ "$requests" -ge "$1" ] || fail "only $requests requests in $2 s"
}

# slow_client SECONDS [FILE]: a request sent a byte a second and never
# finished, for SECONDS at most; when the server cuts it, writes how many
# seconds it lasted to FILE.
slow_client() {
	trap '' PIPE
	exec 3<> "/dev/tcp/$host/$port" || return 1
	req="GET /stats.json HTTP/1.1\r\nHost: $host\r\nUser-Agent: slowloris\r\nX-Padding: "
	start=$SECONDS end=$((SECONDS + $1))
	i=0
	while [ $SECONDS -lt $end ]; do
		if [ $i -lt ${#req} ]; then
			c=${req:$i:1}
		else
			c=a
		fi
		if ! printf "$c" >&3 2> /dev/null; then
			[ -n "${2:-}" ] && echo $((SECONDS - start)) > "$2"
			break
		fi
		i=$((i + 1))
		sleep 1
	done
	exec 3>&-
}

# raw REQUEST: sends bytes as they are, prints the status line of the answer.
raw() {
	exec 4<> "/dev/tcp/$host/$port" || return 1
	printf "$1" >&4
	timeout 10 head -n 1 <&4 | tr -d '\r'
	exec 4>&-
}

# split_base: $host and $port from $base (IPv4 only).
split_base() {
	hp=${base#http://}
	host=${hp%:*} port=${hp##*:}
}

# check_basics: methods, paths, types, sizes.
check_basics() {
	[ "$(status /stats.json)" = 200 ] || fail "/stats.json did not answer 200"
	[ "$(status /metrics)" = 200 ] || fail "/metrics did not answer 200"
	[ "$(status /)" = 200 ] || fail "/ did not answer 200"
	[ "$(status /nope)" = 404 ] || fail "/nope did not answer 404"
	[ "$(status /stats.json/)" = 404 ] || fail "/stats.json/ did not answer 404"
	[ "$(status '/stats.json?x=1')" = 200 ] || fail "a query string was not ignored"
	for m in POST PUT DELETE PATCH OPTIONS FOO; do
		[ "$(status /stats.json -X $m)" = 405 ] || fail "$m did not answer 405"
	done
	curl -s -D "$work/h" -o /dev/null -X POST --data-binary @/dev/null "$base/metrics"
	grep -qi '^Allow: GET, HEAD' "$work/h" || fail "405 without Allow: GET, HEAD"
	curl -sI "$base/stats.json" > "$work/h"
	grep -q '^HTTP/1.1 200' "$work/h" || fail "HEAD /stats.json did not answer 200"
	grep -qi '^Content-Type: application/json' "$work/h" || fail "/stats.json is not application/json"
	curl -s -D "$work/h" -o /dev/null "$base/metrics"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$work/h" || fail "/metrics has the wrong type"
	# A 1 MB body on a POST: refused without reading it all.  The close
	# with the body unread resets the connection, which now and then
	# (about 1 in 200, before and after the HTTP hardening) overtakes the
	# 405 on its way to curl: three tries.
	head -c 1048576 /dev/zero > "$work/big"
	for i in 1 2 3; do
		big_post=$(status /stats.json -X POST --data-binary @"$work/big")
		[ "$big_post" = 405 ] && break
	done
	[ "$big_post" = 405 ] || fail "a big POST did not answer 405 ($big_post)"
	# Oversized requests.
	long=$(head -c 100000 /dev/zero | tr '\0' a)
	code=$(status "/$long")
	[ "$code" = 414 ] || fail "a 100 kB URL answered $code, not 414"
	code=$(status /stats.json -H "X-Big: $long")
	[ "$code" = 431 ] || [ "$code" = 413 ] || fail "a 100 kB header answered $code, not 431"
	split_base
	# Garbage: a 400 or the connection closed, at once either way.
	t0=$SECONDS
	line=$(raw 'garbage\r\n\r\n')
	case $line in "HTTP/1.1 400"*|"") ;; *) fail "garbage got \"$line\"" ;; esac
	[ $((SECONDS - t0)) -le 5 ] || fail "garbage kept the connection open"
	line=$(raw 'GET /stats.json HTTP/1.1\r\n\r\n')
	case $line in "HTTP/1.1 400"*) ;; *) fail "HTTP/1.1 without Host got \"$line\", not 400" ;; esac
	line=$(raw 'GET /healthz HTTP/1.0\r\n\r\n')
	case $line in "HTTP/1.0 200"*|"HTTP/1.1 200"*) ;; *) fail "HTTP/1.0 got \"$line\"" ;; esac
}
