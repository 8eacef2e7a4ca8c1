#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The refs backend on the host kernel itself, which has no idle page
# bitmap: workloads with known working sets in a real memory cgroup (v2,
# or the v1 memory controller), measured by pageidled --once within 5%,
# then the daemon end to end as nobody with the capabilities refs keeps:
# the JSON file, HTTP, and D-Bus on a private bus.  Needs root and a
# memory cgroup hierarchy it may create cgroups in; skips otherwise.
# The bus is a private one (a fresh machine runs no system bus).
set -u
. "$top_srcdir/tests/bus/bus-lib.sh"
workload=$top_builddir/tests/workload/workload
MiB=1048576

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to create a cgroup"; exit 77; }
. "$top_srcdir/tests/require.sh"
require jq jq
require curl curl
require dbus-daemon dbus-daemon
require busctl systemd
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2> /dev/null; then
	root=/sys/fs/cgroup
	# refs goes by the processes' cgroups: the controller need not reach the child.
	grep -qw memory $root/cgroup.subtree_control || echo +memory 2> /dev/null > $root/cgroup.subtree_control
elif [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
	root=/sys/fs/cgroup/memory
else
	echo "SKIP: no memory cgroup hierarchy"; exit 77
fi
name=pageidled-refs-test.$$
cg=$root/$name
mkdir "$cg" 2> /dev/null || { echo "SKIP: cannot create a cgroup under $root"; exit 77; }
mkdir "$cg/file"
[ -d /sys/kernel/mm/page_idle ] && echo "note: this kernel has the idle page bitmap; testing refs as asked"

dir=$(mktemp -d /var/tmp/test-refs-host.XXXXXX)
chmod 0755 "$dir"
pids= daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null && wait "$daemon_pid" 2> /dev/null
	stop_bus
	for p in $pids; do kill "$p" 2> /dev/null; done
	[ -n "$pids" ] && wait $pids 2> /dev/null
	rmdir "$cg/file" "$cg" 2> /dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# run_in CGROUP-DIR WORKLOAD-ARGS...: the workload, moved into the cgroup before exec.
run_in() {
	d=$1
	shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$d" "$workload" "$@" &
	pids="$pids $!"
}
wait_ready() {
	for i in $(seq 100); do
		[ -f "$1" ] && return 0
		sleep 0.1
	done
	echo "FAIL: workload not ready: $1"; exit 1
}

# 64 MiB anonymous, 16 MiB of it hot; below it, 32 MiB of a shared file
# mapping (page cache), 8 MiB hot.  Stores every 100 ms.
run_in "$cg" --kind anon --size 64M --hot 16M --period 100 --ready "$dir/anon.ready"
run_in "$cg/file" --kind file --file "$dir/data" --size 32M --hot 8M --period 100 --ready "$dir/file.ready"
wait_ready "$dir/anon.ready"
wait_ready "$dir/file.ready"

cat > "$dir/pageidled.conf" <<EOT
[Scan]
Interval=2s
WorkingSetWindow=2s
[Cgroups]
Root=$root
[HTTP]
Port=0
EOT

# within ACTUAL EXPECTED WHAT [OF]: |actual - expected| <= 5% of OF (default
# EXPECTED).  Working set and idle bytes are held to 5% of the cgroup's
# size: the referenced pages of the libraries a process maps weigh in by
# their Rss, not their Pss (pageidled(8)), about 1 MiB either way here.
within() {
	of=${4:-$2}
	if awk -v a="$1" -v e="$2" -v o="$of" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(d <= o * 0.05) }'; then
		echo "ok: $3 $(($1 / 1024)) KiB, expected $(($2 / 1024)) KiB within 5% of $(($of / 1024)) KiB"
	else
		fail "$3 is $(($1 / 1024)) KiB, expected $(($2 / 1024)) KiB within 5% of $(($of / 1024)) KiB"
	fi
}
check_estimates() {
	doc=$1
	[ "$(jq -r .backend "$doc")" = refs ] || fail "backend is $(jq -r .backend "$doc"), not refs"
	get() { jq -e ".cgroups[] | select(.path == \"$1\") | .$2" "$doc"; }
	# The processes' own code, stack and libraries add some Pss; 5% covers it.
	within "$(get /$name/file file_bytes)" $((32 * MiB)) "/$name/file file_bytes"
	within "$(get /$name/file working_set_bytes)" $((8 * MiB)) "/$name/file working_set_bytes" $((32 * MiB))
	within "$(get /$name/file idle_bytes)" $((24 * MiB)) "/$name/file idle_bytes" $((32 * MiB))
	within "$(get /$name anon_bytes)" $((64 * MiB)) "/$name anon_bytes"
	within "$(get /$name bytes)" $((96 * MiB)) "/$name bytes (hierarchical)"
	within "$(get /$name working_set_bytes)" $((24 * MiB)) "/$name working_set_bytes" $((96 * MiB))
	within "$(get /$name idle_bytes)" $((72 * MiB)) "/$name idle_bytes" $((96 * MiB))
	h0=$(get /$name 'idle_age_histogram[0].bytes')
	h1=$(get /$name 'idle_age_histogram[1].bytes')
	rest=$(jq "[.cgroups[] | select(.path == \"/$name\") | .idle_age_histogram[2:][].bytes] | add" "$doc")
	[ "$h1" = "$(get /$name idle_bytes)" ] && [ "$rest" = 0 ] ||
		fail "histogram: idle bytes all in the second bucket, none older: $h0 $h1 $rest"
}

# One measurement, as root.
"$top_builddir/daemon/pageidled" --once --config "$dir/pageidled.conf" --cgroup "/$name" --cgroup "/$name/file" --backend refs \
	--user root > "$dir/once.json" 2> "$dir/once.log" || { cat "$dir/once.log"; fail "--once failed"; exit 1; }
check_estimates "$dir/once.json"

# Backend=auto chooses refs on a kernel without the bitmap, and says so.
if [ ! -e /sys/kernel/mm/page_idle/bitmap ]; then
	"$top_builddir/daemon/pageidled" --once --config "$dir/pageidled.conf" --cgroup "/$name/file" \
		--user root > "$dir/auto.json" 2> "$dir/auto.log" || fail "--once with auto failed"
	grep -q "Using backend refs: .*bitmap does not exist" "$dir/auto.log" ||
		fail "auto did not log its choice: $(cat "$dir/auto.log")"
	[ "$(jq -r .backend "$dir/auto.json")" = refs ] || fail "auto did not pick refs"
	# LoadModule=yes on a kernel that cannot load it: one warning, then refs.
	{ cat "$dir/pageidled.conf"; printf '[Scan]\nLoadModule=yes\n'; } > "$dir/load.conf"
	"$top_builddir/daemon/pageidled" --once --config "$dir/load.conf" --cgroup "/$name/file" \
		--user root > "$dir/load.json" 2> "$dir/load.log" || fail "--once with LoadModule=yes failed"
	grep -q "modprobe" "$dir/load.log" && grep -q "Using backend refs: .*pageidle.ko did not load" "$dir/load.log" ||
		fail "LoadModule=yes: $(cat "$dir/load.log")"
	[ "$(jq -r .backend "$dir/load.json")" = refs ] || fail "LoadModule=yes did not end with refs"
	echo "ok: auto picks refs, also after modprobe fails"
fi

# The daemon, as nobody: JSON file, HTTP and the bus (a private one, as a
# fresh machine runs none; nobody stands in for user pageidled in its policy).
bus_daemon_user=nobody
start_bus "$dir" || { fail "could not start a private system bus"; exit 1; }
log=$dir/daemon.log
PAGEIDLED_LOG_LEVEL=debug "$top_builddir/daemon/pageidled" --config "$dir/pageidled.conf" --cgroup "/$name" --cgroup "/$name/file" \
	--json-file "$dir/run/stats.json" --user nobody 2> "$log" &
daemon_pid=$!
for i in $(seq 150); do
	[ -f "$dir/run/stats.json" ] && [ "$(jq .scan_count "$dir/run/stats.json")" -ge 2 ] && break
	kill -0 $daemon_pid 2> /dev/null || { cat "$log"; fail "pageidled died"; exit 1; }
	sleep 0.1
done
[ "$(jq -r .state "$dir/run/stats.json")" = running ] || fail "daemon not running: $(cat "$dir/run/stats.json")"
# One document: the file is replaced after every scan.
cp "$dir/run/stats.json" "$dir/daemon.json"
check_estimates "$dir/daemon.json"
# The daemon holds no capability; its privileged opener (its one child)
# exactly the two refs needs.
status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
opener=$(pgrep -P $daemon_pid)
[ "$(status $daemon_pid CapPrm)" = 0000000000000000 ] || fail "the daemon holds capabilities $(status $daemon_pid CapPrm)"
[ "$(status $daemon_pid CapBnd)" = 0000000000000000 ] || fail "the daemon's bounding set is $(status $daemon_pid CapBnd)"
[ "$(status $daemon_pid NoNewPrivs)" = 1 ] || fail "the daemon has no_new_privs unset"
[ "$(status $daemon_pid Uid)" = "$(id -u nobody)" ] || fail "not running as nobody"
if [ -n "$opener" ] && [ "$(echo "$opener" | wc -l)" = 1 ]; then
	[ "$(status $opener CapPrm)" = 0000000000080002 ] ||
		fail "the opener's permitted capabilities are $(status $opener CapPrm), not cap_dac_override and cap_sys_ptrace"
	[ "$(status $opener CapBnd)" = 0000000000080002 ] || fail "the opener's bounding set is $(status $opener CapBnd)"
	[ "$(status $opener Uid)" = "$(id -u nobody)" ] || fail "the opener does not run as nobody"
else
	fail "the daemon has not one child (the opener) but: ${opener:-none}"
fi
grep -q "processes read and cleared" "$log" || fail "no scan logged"
if grep -q "refused" "$log" && ! grep -q " 0 refused" "$log"; then
	fail "processes refused: $(grep refused "$log" | tail -n 1)"
fi

base=$(sed -n 's|.*Serving \(http://[^ ]*\)/ (.*|\1|p' "$log" | head -n 1)
if [ -n "$base" ] && command -v curl > /dev/null; then
	curl -sf "$base/stats.json" -o "$dir/http.json" || fail "GET /stats.json failed"
	[ "$(jq -r .backend "$dir/http.json")" = refs ] || fail "/stats.json backend is not refs"
	curl -sf "$base/metrics" | grep -q 'pageidled_info{.*backend="refs"' || fail "/metrics does not say refs"
	echo "ok: HTTP at $base says refs"
else
	echo "note: no HTTP endpoint in this build"
fi
wait_name || fail "org.pageidled1 not on the bus"
b=$(prop Backend)
[ "$b" = 's "refs"' ] || fail "Backend property is $b"
busctl --system call org.pageidled1 /org/pageidled1 org.pageidled1.Manager GetSnapshot > "$dir/bus.out" ||
	fail "GetSnapshot failed"
grep -q '\\"backend\\": \\"refs\\"' "$dir/bus.out" || fail "GetSnapshot does not say refs"
echo "ok: D-Bus Backend property $b"

# A workload exiting and a cgroup going away between scans: normal events.
n=$(jq .scan_count "$dir/run/stats.json")
for p in $pids; do kill "$p"; done
wait $pids 2> /dev/null
pids=
rmdir "$cg/file"
for i in $(seq 100); do
	[ "$(jq .scan_count "$dir/run/stats.json")" -ge $((n + 2)) ] && break
	sleep 0.1
done
[ "$(jq -r .state "$dir/run/stats.json")" = running ] || fail "not running after the workloads went"
[ "$(jq ".cgroups[] | select(.path == \"/$name\") | .bytes" "$dir/run/stats.json")" = 0 ] ||
	fail "bytes left after the workloads exited"
kill -TERM $daemon_pid
wait $daemon_pid || fail "pageidled did not exit cleanly"
daemon_pid=
if grep -q 'Failed\|Skipped\|longer than the interval' "$log"; then
	fail "trouble logged: $(grep 'Failed\|Skipped\|longer than the interval' "$log")"
fi

[ $failures -eq 0 ] || { echo "--- daemon log"; tail -n 30 "$log"; exit 1; }
echo "PASS"
