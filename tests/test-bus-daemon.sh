#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real pageidled on a private system bus that runs with the
# distribution's policy and dbus/org.pageidled1.conf, against a fake /proc
# and /sys (regular files for kpageflags, kpagecgroup and the bitmap, which
# then reads back every mark: all tracked pages idle).  The daemon runs as
# user daemon, which stands in for user pageidled in the policy, and must
# be known to the bus as daemon, not as root.  Needs root, to start the
# daemon as root and for setpriv to become nobody; CI runs it as root.
set -u
. "$top_srcdir/tests/bus/bus-lib.sh"
. "$top_srcdir/tests/bus/bus-checks.sh"
CG_TRACKED=/a CG_OTHER=/c CG_FILE=/file
bus_daemon_user=daemon

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (to start pageidled as root)"; exit 77; }
. "$top_srcdir/tests/require.sh"
require dbus-daemon dbus-daemon
require dbus-send dbus-bin
require busctl systemd
require setpriv util-linux
require perl perl-base

dir=$(mktemp -d /tmp/test-bus-daemon.XXXXXX)
CG_ROOT=$dir/cg
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null && wait "$daemon_pid" 2> /dev/null
	stop_bus
	rm -rf "$dir"
}
trap cleanup EXIT
chmod 0755 "$dir"

# The fake machine: pages 10-19 anon in /a, 20-29 file in /b, 30-39 anon
# in /a/sub, 1024 page frames of RAM.
mkdir -p "$dir/proc" "$dir/sys/kernel/mm/page_idle" "$dir/cg/a/sub" "$dir/cg/b" "$dir/cg/c"
ino() { stat -c %i "$dir/cg/$1"; }
perl -e '
	my ($a, $b, $sub) = @ARGV;
	my (@f, @c);
	for my $p (0 .. 1023) { $f[$p] = 0; $c[$p] = 0; }
	for my $p (10 .. 19) { $f[$p] = (1 << 5) | (1 << 12); $c[$p] = $a; }
	for my $p (20 .. 29) { $f[$p] = 1 << 5; $c[$p] = $b; }
	for my $p (30 .. 39) { $f[$p] = (1 << 5) | (1 << 12); $c[$p] = $sub; }
	open(my $fh, ">", "flags") or die; print $fh pack("Q<*", @f); close($fh);
	open($fh, ">", "cgroups") or die; print $fh pack("Q<*", @c); close($fh);
' "$(ino a)" "$(ino b)" "$(ino a/sub)"
touch "$dir/cg/file"
# /a's own files, as cgroup v2 has them: no memory.high, no PSI full line.
printf '%s\n' 'anon 81920' 'inactive_file 4096' 'active_file 0' 'workingset_refault_anon 0' \
	'workingset_refault_file 7' > "$dir/cg/a/memory.stat"
printf 'some avg10=2.50 avg60=1.00 avg300=0.50 total=1000\n' > "$dir/cg/a/memory.pressure"
printf '1048576\n' > "$dir/cg/a/memory.current"
printf 'max\n' > "$dir/cg/a/memory.high"
printf '4194304\n' > "$dir/cg/a/memory.max"
mv flags "$dir/proc/kpageflags"
mv cgroups "$dir/proc/kpagecgroup"
echo "00000000-003fffff : System RAM" > "$dir/proc/iomem"
head -c 128 /dev/zero > "$dir/sys/kernel/mm/page_idle/bitmap"
cat > "$dir/pageidled.conf" <<EOT
[Scan]
Interval=1s
ColdAge=2s
WorkingSetWindow=2s, 1min
[Cgroups]
Root=$dir/cg
Track=/a /b
[HTTP]
Enable=no
EOT

start_daemon() {
	PAGEIDLED_PROC_ROOT=$dir/proc PAGEIDLED_SYS_ROOT=$dir/sys \
		"$pageidled" --config "$dir/pageidled.conf" --json-file "$dir/run/stats.json" --user daemon \
		2>> "$dir/daemon.log" &
	daemon_pid=$!
	wait_name || { cat "$dir/daemon.log"; exit 1; }
	wait_scans 1
}

start_bus "$dir"
start_daemon

# Connected after the switch of user: the bus knows the daemon as daemon.
owner=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	GetConnectionUnixUser s org.pageidled1)
[ "$owner" = "u $(id -u daemon)" ] || fail "the bus knows org.pageidled1 as ${owner:-nothing}, not as daemon"
echo "the bus knows org.pageidled1 as $owner (daemon is $(id -u daemon))"

cd "$dir"
check_introspection
check_reads
check_snapshot "$dir/run/stats.json"

# Cold memory: the fake bitmap reads every mark back idle, so from the
# third scan on (ColdAge=2s of 1s intervals) all of /a and /b is cold and
# none of it comes back; advise puts /a, with more to reclaim, first.
echo "--- cold memory, and advise as nobody"
wait_scans 4
jq -e '.cold_age_usec == 2000000 and ([.cgroups[] | select(.path == "/a")][0] |
	.bytes > 0 and .cold_bytes == .bytes and .cold_anon_bytes == .bytes and .cold_file_bytes == 0 and
	.reclaimable_bytes == .bytes and .promoted_bytes == 0 and .promotion_ratio == 0 and
	.suggested_limit_bytes >= .working_set_bytes) and ([.cgroups[] | select(.path == "/b")][0] |
	.bytes > 0 and .cold_file_bytes == .bytes)' "$dir/run/stats.json" > /dev/null ||
	fail "cold memory in the document: $(jq -c '[.cold_age_usec, (.cgroups[] | [.path, .bytes, .cold_bytes, .promoted_bytes])]' "$dir/run/stats.json")"
[ "$(busctl --system get-property org.pageidled1 "/org/pageidled1/cgroup/_2fa" org.pageidled1.Cgroup ColdBytes)" = \
	"t $(jq '.cgroups[] | select(.path == "/a") | .bytes' "$dir/run/stats.json")" ] || fail "ColdBytes of /a on the bus"
as_nobody "$pageidlectl" advise > advise.txt || fail "pageidlectl advise"
cat advise.txt
[ "$(awk 'NR == 2 { print $1 }' advise.txt)" = /a ] || fail "advise does not put /a first"
grep -q '^/a .* MiB' advise.txt || fail "advise shows no MiB"
as_nobody "$pageidlectl" --json advise /b | jq -e 'length == 1 and .[0].path == "/b" and .[0].memory_current_bytes == null and
	.[0].reclaimable_bytes == .[0].bytes and .[0].cold_age_usec == 2000000' > /dev/null || fail "pageidlectl --json advise /b"
# The kernel's figures of /a from its files, null where there are none
# (no limit, no PSI full line; /b has no files at all); the refault counter
# stands still, so its rate is 0, not null.
jq -e '[.cgroups[] | select(.path == "/a")][0] | .memory_current_bytes == 1048576 and .memory_high_bytes == null and
	.memory_max_bytes == 4194304 and .cadvisor_working_set_bytes == 1044480 and
	.workingset_refault_file_per_second == 0 and .workingset_refault_anon_per_second == 0 and
	.memory_pressure_some_avg10_ratio == 0.025 and .memory_pressure_full_avg10_ratio == null' \
	"$dir/run/stats.json" > /dev/null || fail "the kernel's figures of /a: $(jq -c '.cgroups[0]' "$dir/run/stats.json")"
jq -e '[.cgroups[] | select(.path == "/b")][0] | .memory_current_bytes == null and .cadvisor_working_set_bytes == null and
	.workingset_refault_file_per_second == null and .memory_pressure_some_avg10_ratio == null' \
	"$dir/run/stats.json" > /dev/null || fail "/b has no kernel figures but shows some"
[ "$(busctl --system get-property org.pageidled1 /org/pageidled1/cgroup/_2fb org.pageidled1.Cgroup MemoryMaxBytes)" = \
	"t 18446744073709551615" ] || fail "MemoryMaxBytes of /b is not UINT64_MAX"
# Both windows, in the document and through pageidlectl.
jq -e '.working_set_windows_usec == [2000000, 60000000] and ([.cgroups[] | select(.path == "/a")][0] |
	(.working_sets | map(.window_usec)) == [2000000, 60000000] and .working_sets[0].bytes == .working_set_bytes)' \
	"$dir/run/stats.json" > /dev/null || fail "working_sets in the document: $(jq -c '.cgroups[0].working_sets' "$dir/run/stats.json")"
as_nobody "$pageidlectl" show --json /a | jq -e '(.working_sets | length) == 2 and .working_sets[1].window_usec == 60000000' \
	> /dev/null || fail "pageidlectl show --json: working_sets"
as_nobody "$pageidlectl" --json advise /a | jq -e '.[0].memory_current_bytes == 1048576 and .[0].memory_high_bytes == null and
	.[0].cadvisor_working_set_bytes == 1044480 and .[0].memory_pressure_full_avg10_ratio == null and
	(.[0].working_sets | length) == 2' > /dev/null || fail "pageidlectl --json advise /a: the kernel's figures"
grep -q '^/a .* 1.0 MiB' advise.txt || fail "advise does not show cAdvisor's 1.0 MiB for /a"
[ "$(as_nobody "$pageidlectl" show /a | grep -c 'Working set:')" = 2 ] || fail "pageidlectl show: not one line per window"
expect_error "" "Failed to advise on /nope: the cgroup is not tracked" "$pageidlectl" advise /a /nope

# Who a cgroup is: a Docker container's scope, Track()ed at run time, has
# its labels on the bus before its first scan and after, in the document
# and through pageidlectl; /a, whose path says nothing, has none.
echo "--- labels"
id=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
cg=/system.slice/docker-$id.scope
want_labels="a{ss} 4 \"unit\" \"docker-$id.scope\" \"slice\" \"system.slice\" \"container_id\" \"$id\" \"container_runtime\" \"docker\""
mkdir -p "$dir/cg$cg"
"$pageidlectl" track "$cg" > /dev/null || fail "pageidlectl track $cg"
obj=$(object_of "$cg")
v=$(as_nobody busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup Labels)
[ "$v" = "$want_labels" ] || fail "Labels of $cg before its first scan: $v"
"$pageidlectl" scan || fail "pageidlectl scan"
v=$(as_nobody busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup Labels)
[ "$v" = "$want_labels" ] || fail "Labels of $cg: $v"
v=$(as_nobody busctl --system get-property org.pageidled1 /org/pageidled1/cgroup/_2fa org.pageidled1.Cgroup Labels)
[ "$v" = "a{ss} 0" ] || fail "Labels of /a: $v"
as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 org.pageidled1.Manager GetSnapshot |
	jq -r '.data[0]' > labels.json
jq -e --arg p "$cg" --arg id "$id" '([.cgroups[] | select(.path == $p)][0].labels == {unit: ("docker-" + $id + ".scope"),
	slice: "system.slice", container_id: $id, container_runtime: "docker"}) and
	([.cgroups[] | select(.path == "/a")][0].labels == {})' labels.json > /dev/null ||
	fail "labels in the document: $(jq -c '[.cgroups[] | [.path, .labels]]' labels.json)"
as_nobody "$pageidlectl" show "$cg" > show-labels.txt || fail "pageidlectl show $cg"
head -n 6 show-labels.txt
grep -q "^ *Unit: docker-$id.scope$" show-labels.txt && grep -q "^ *Slice: system.slice$" show-labels.txt &&
	grep -q "^ *Container: $id$" show-labels.txt && grep -q "^ *Runtime: docker$" show-labels.txt ||
	fail "pageidlectl show $cg does not show its labels"
as_nobody "$pageidlectl" show /a | grep -q '^ *\(Unit\|Slice\|Container\):' && fail "pageidlectl show /a shows labels"
as_nobody "$pageidlectl" show --json "$cg" | jq -e --arg id "$id" '.labels.container_id == $id and
	.labels.slice == "system.slice"' > /dev/null || fail "pageidlectl show --json $cg: labels"
as_nobody "$pageidlectl" --json advise "$cg" /a | jq -e --arg p "$cg" '([.[] | select(.path == $p)][0].labels |
	.container_runtime == "docker") and ([.[] | select(.path == "/a")][0].labels == {})' > /dev/null ||
	fail "pageidlectl --json advise: labels"
"$pageidlectl" untrack "$cg" > /dev/null || fail "pageidlectl untrack $cg"

# GetHistory(), as nobody through the real policy: the scans so far of
# the tracked cgroup, the same as the cgroup's part of the whole; a bad
# path and a cgroup no scan has are refused by name.
echo "--- GetHistory, as nobody"
wait_scans 2
as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 org.pageidled1.Manager \
	GetHistory st "$CG_TRACKED" 0 > history.out || fail "GetHistory as nobody"
jq -r '.data[0]' history.out > history.json
jq -e --arg p "$CG_TRACKED" '.schema_version == 1 and (.cgroups | length) == 1 and .cgroups[0].path == $p and
	(.cgroups[0].scan_count | length) >= 2 and .cgroups[0].scan_count[0] == 1' history.json > /dev/null ||
	fail "GetHistory of $CG_TRACKED: $(head -c 300 history.json)"
as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 org.pageidled1.Manager \
	GetHistory st "" 0 | jq -r '.data[0]' | jq -e --arg p "$CG_TRACKED" '[.cgroups[].path] | index($p) != null' \
	> /dev/null || fail "GetHistory of every cgroup does not have $CG_TRACKED"
err=$(as_nobody busctl --system call org.pageidled1 /org/pageidled1 org.pageidled1.Manager GetHistory st relative 0 2>&1)
case $err in *"Invalid cgroup path"*) ;; *) fail "GetHistory of a relative path: $err" ;; esac
err=$(as_nobody busctl --system call org.pageidled1 /org/pageidled1 org.pageidled1.Manager GetHistory st /nope 0 2>&1)
case $err in *"No scan in the history"*) ;; *) fail "GetHistory of an unknown cgroup: $err" ;; esac
echo "GetHistory: $(jq '.cgroups[0].scan_count | length' history.json) scans of $CG_TRACKED; bad paths refused"

# pageidlectl history: a row per kept scan, in the order of the
# document's scan numbers; --json is the document itself.
echo "--- pageidlectl history, as nobody"
# The text first: the document asked for next has its rows and maybe more.
as_nobody "$pageidlectl" --no-legend history "$CG_TRACKED" > ctl-history.txt || fail "pageidlectl history"
cat ctl-history.txt
as_nobody "$pageidlectl" --json history "$CG_TRACKED" > ctl-history.json || fail "pageidlectl --json history"
jq -e --arg p "$CG_TRACKED" '.schema_version == 1 and .cgroups[0].path == $p' ctl-history.json > /dev/null ||
	fail "pageidlectl --json history: $(head -c 300 ctl-history.json)"
awk '{ print $(NF - 3) }' ctl-history.txt > ctl-history.rows
jq -r '.cgroups[0].scan_count[]' ctl-history.json | head -n "$(wc -l < ctl-history.rows)" > ctl-history.want
[ -s ctl-history.rows ] && cmp -s ctl-history.rows ctl-history.want ||
	fail "pageidlectl history rows are not the kept scans: $(tr '\n' ' ' < ctl-history.rows)"
as_nobody "$pageidlectl" history "$CG_TRACKED" | grep -q '^SCAN ENDED .*WORKING SET' ||
	fail "pageidlectl history has no column headings"
err=$(as_nobody "$pageidlectl" history /nope 2>&1) && fail "pageidlectl history of an unknown cgroup succeeded"
case $err in "Failed to show the history of /nope: No scan in the history"*) ;;
*) fail "pageidlectl history /nope: $err" ;; esac
check_refused
check_bad_input
check_track_untrack
check_signals

# Again behind a policy that lets everyone call everything.
kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
[ $rc -eq 0 ] || fail "pageidled exited with $rc after SIGTERM"
stop_bus
write_loose_policy "$dir/loose.conf"
start_bus "$dir" "$dir/loose.conf"
start_daemon
check_refused_by_daemon

# The bus goes away: the daemon exits with an error, for the service
# manager to restart it.
stop_bus
wait "$daemon_pid"
rc=$?
daemon_pid=
[ $rc -ne 0 ] || fail "pageidled exited with 0 when the bus went away"
grep -q "Lost the connection to the system bus" "$dir/daemon.log" || fail "no word about the lost bus"
echo "--- daemon log"
cat "$dir/daemon.log"
[ $failures -eq 0 ] || { echo "$failures checks failed"; exit 1; }
