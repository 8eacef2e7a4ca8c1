# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/vm/cases/daemon-*.sh: run pageidled and workloads in
# cgroups inside the test VM, and read its JSON document.
workload=$top_builddir/tests/workload/workload
pageidled=$top_builddir/daemon/pageidled
cgroot=/sys/fs/cgroup
bitmap=/sys/kernel/mm/page_idle/bitmap
workload_pids=
daemon_pid=
loaded_module=false
made_cgroups=

# Cases share one boot: each leaves the guest as it found it.
cleanup() {
	stop_workloads
	[ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2> /dev/null && wait "$daemon_pid" 2> /dev/null
	for cg in $made_cgroups; do
		# Children first: the list has parents before their children.
		echo "$cg"
	done | sort -r | while read -r cg; do rmdir "$cgroot$cg" 2> /dev/null; done
	if $loaded_module && grep -q '^pageidle ' /proc/modules; then
		rmmod pageidle || echo "cleanup: rmmod pageidle failed"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	[ -f daemon.log ] && { echo "--- daemon.log"; cat daemon.log; }
	exit 1
}

# The kernel's own bitmap (the reference kernel) or pageidle.ko's.
load_bitmap() {
	if [ -e $bitmap ]; then
		echo "using the kernel's own $bitmap"
	else
		insmod "$PAGEIDLE_KO" || fail "insmod $PAGEIDLE_KO"
		loaded_module=true
	fi
}

# unload_module_running: rmmod pageidle while pageidled runs.  A pass holds
# /dev/pageidle open, and the module with it (EBUSY); between passes it
# goes through.
unload_module_running() {
	i=0
	until rmmod pageidle 2> /dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "rmmod pageidle with pageidled running"
		sleep 0.1
	done
	[ $i -eq 0 ] || echo "rmmod: $i tries while a pass held /dev/pageidle"
}

# cgroup_new PATH: a cgroup with the memory controller on in its parents.
cgroup_new() {
	parent=$cgroot
	for part in $(echo "$1" | tr / ' '); do
		grep -qw memory "$parent/cgroup.subtree_control" ||
			echo +memory > "$parent/cgroup.subtree_control"
		parent=$parent/$part
		if [ ! -d "$parent" ]; then
			mkdir "$parent"
			made_cgroups="$made_cgroups ${parent#$cgroot}"
		fi
	done
}

# start_workload CGROUP NAME ARGS...: runs the workload in CGROUP and waits
# until it has touched all its memory; its process ID is then in $pid.
start_workload() {
	launch_workload "$@"
	wait_workload "$2" $pid
}

# launch_workload CGROUP NAME ARGS...: start_workload without the wait,
# so that several workloads touch their memory at once.
launch_workload() {
	cg=$1 name=$2
	shift 2
	cgroup_new "$cg"
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cgroot$cg" \
		"$workload" --ready "$PWD/$name.ready" "$@" &
	pid=$!
	workload_pids="$workload_pids $pid"
}

# wait_workload NAME PID: until the workload launched as NAME is ready.
wait_workload() {
	i=0
	while [ ! -f "$1.ready" ]; do
		kill -0 $2 2> /dev/null || fail "workload $1 exited"
		i=$((i + 1))
		[ $i -lt 600 ] || fail "workload $1 never got ready"
		sleep 0.1
	done
}

stop_workloads() {
	[ -n "$workload_pids" ] && kill $workload_pids 2> /dev/null
	for p in $workload_pids; do wait "$p" 2> /dev/null; done
	workload_pids=
}

# write_conf [INTERVAL [WINDOWS]] < SECTIONS: pageidled.conf with the
# [Scan] section the cases share (a scan every INTERVAL, 2s by default,
# working-set windows WINDOWS, by default one interval, and no CPU budget
# to wait for), followed by the sections given on standard input.
write_conf() {
	printf '[Scan]\nInterval=%s\nWorkingSetWindow=%s\nCPUBudget=100%%\n' "${1:-2s}" "${2:-${1:-2s}}" > pageidled.conf
	cat >> pageidled.conf
}

# start_daemon ARGS...: pageidled in the background, logging to daemon.log.
start_daemon() {
	"$pageidled" "$@" 2> daemon.log &
	daemon_pid=$!
}

# stop_daemon: SIGTERM, and it must exit 0.
stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	rc=$?
	daemon_pid=
	[ $rc -eq 0 ] || fail "pageidled exited with $rc after SIGTERM"
}

# wait_log PATTERN: until daemon.log has a line matching PATTERN (grep -E).
wait_log() {
	i=0
	until grep -Eq "$1" daemon.log; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "no log line matching '$1' after 60 s"
		sleep 0.1
	done
}

# json_top FILE KEY: a top-level value of the pretty-printed document.
json_top() {
	awk -v k="\"$2\":" '$1 == k { sub(/^[^:]*: */, ""); sub(/,$/, ""); gsub(/"/, ""); print; exit }' "$1"
}

# json_cgroup FILE CGROUP KEY: a value in CGROUP's entry.
json_cgroup() {
	awk -v p="\"$2\"," -v k="\"$3\":" '
		$1 == "\"path\":" { inside = ($2 == p); next }
		inside && $1 == k { v = $2; sub(/,$/, "", v); print v; exit }' "$1"
}

# wait_scans FILE N: until the document says scan_count >= N.
wait_scans() {
	i=0
	while :; do
		n=$(json_top "$1" scan_count 2> /dev/null)
		[ -n "$n" ] && [ "$n" -ge "$2" ] && return 0
		i=$((i + 1))
		[ $i -lt 1200 ] || fail "no scan $2 in $1 after 120 s"
		kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
		sleep 0.1
	done
}

# within WHAT ESTIMATE TRUTH PERCENT [OF]: prints the comparison and fails
# unless the estimate is within PERCENT of OF (default: of the truth).
within() {
	if awk -v e="$2" -v t="$3" -v p="$4" -v r="${5:-$3}" 'BEGIN {
		d = e - t; if (d < 0) d = -d
		printf "%-28s estimate %10d  truth %10d  off %5.2f%% of %d\n", "'"$1"'", e, t, (r ? 100 * d / r : 0), r
		exit !(d <= r * p / 100) }'; then
		return 0
	fi
	fail "$1: estimate $2 is not within $4% of ${5:-$3} from $3"
}
