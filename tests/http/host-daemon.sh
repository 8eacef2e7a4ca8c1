# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced (by bash) from the HTTP tests on the host: pageidled on a fake
# tree (tests/http/fake-tree.sh).  Callers set $top_srcdir and
# $top_builddir; this gives them a scratch directory $work, removed at
# exit with the daemon and every client still running, and fail(), which
# ends the test with the daemon's last words.  The hostile-client tests
# start one fresh daemon per check (start_daemon), so that a check that
# wedges the endpoint does not fail the next ones: each calls check_failed
# when it fails and goes on, and the script ends with finish.
pageidled=$top_builddir/daemon/pageidled
hostile=$top_builddir/tests/http/http-hostile
work=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
log=$work/none.log
daemon_pid=
failures=

fail() {
	echo "FAIL: $*"
	[ -f "$log" ] && { echo "--- daemon log"; tail -n 50 "$log"; }
	exit 1
}
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null
	jobs -p | xargs -r kill 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

. "$top_srcdir/tests/http/lib.sh"
. "$top_srcdir/tests/http/fake-tree.sh"

need_host_tools() {
	[ -x "$pageidled" ] || fail "no $pageidled"
	[ -x "$hostile" ] || fail "no $hostile (make check builds it)"
	require curl curl
	require jq jq
}

# start_daemon TREE NAME INTERVAL [EXTRA_CGROUPS]: sets $base, $host, $port
# once the first scan is served (unless $scan_wait is "no"), with at most
# $nofile open files if set.
start_daemon() {
	for i in $(seq "${4:-0}"); do
		[ -d "$1/cg/c$i" ] || mkdir "$1/cg/c$i"
	done
	cat > "$work/$2.conf" <<EOT
[Scan]
Interval=$3
WorkingSetWindow=$3
CPUBudget=100%
[Cgroups]
Root=$1/cg
Track=/*
[HTTP]
Address=127.0.0.1
Port=0
EOT
	log=$work/$2.log
	: > "$log"
	(
		[ -z "${nofile:-}" ] || ulimit -n "$nofile" || exit 1
		PAGEIDLED_PROC_ROOT=$1/proc PAGEIDLED_SYS_ROOT=$1/sys NOTIFY_SOCKET= PAGEIDLED_LOG_LEVEL=debug \
			exec "$pageidled" --config "$work/$2.conf" --json-file "$work/$2/stats.json" --user root
	) 2> "$log" &
	daemon_pid=$!
	wait_endpoint
	split_base
	# The first document with the cgroups in it.
	[ "${scan_wait:-yes}" = no ] || wait_scan_count 1
	echo "$2: pageidled $daemon_pid serving $base"
}

stop_daemon() {
	kill -TERM "$daemon_pid"
	for i in $(seq 50); do
		kill -0 "$daemon_pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -0 "$daemon_pid" 2> /dev/null && { check_failed "pageidled still runs 5 s after SIGTERM"; kill -KILL "$daemon_pid"; }
	wait "$daemon_pid"
	daemon_pid=
}

# check_failed WHAT: notes a failure, with the daemon's last words.
check_failed() {
	echo "FAIL: $*"
	echo "--- daemon log (last 10 lines)"
	grep -v "Scan done" "$log" | tail -n 10
	failures="$failures
  $*"
}

finish() {
	if [ -n "$failures" ]; then
		echo "FAILED:$failures"
		exit 1
	fi
	echo PASS
	exit 0
}
