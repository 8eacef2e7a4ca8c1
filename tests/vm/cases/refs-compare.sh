#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The same workloads measured by both backends: pageidled --once with
# page_idle (the kernel's bitmap or pageidle.ko's), then with refs
# (/proc/PID/smaps_rollup and clear_refs).  For memory the workloads own
# (not shared with processes outside), pageidled(8) says they agree within
# 5%: refs adds the Pss of the processes' code and libraries, which
# page_idle charges to whichever cgroup first read them.  Each must also
# be within 5% of what the workloads hold.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=5

load_bitmap
chmod 0755 "$PWD"

start_workload /rc/anon rc-anon --kind anon --size 64M --hot 16M
start_workload /rc/file rc-file --kind file --file "$PWD/rc-file.data" --size 32M --hot 8M

write_conf <<EOT
[Cgroups]
Track=/rc /rc/anon /rc/file
EOT

for b in page_idle refs; do
	"$pageidled" --once --backend $b --config "$PWD/pageidled.conf" --user nobody > $b.json 2> daemon.log ||
		fail "pageidled --once --backend $b failed"
	[ "$(json_top $b.json backend)" = $b ] || fail "--backend $b: the document says $(json_top $b.json backend)"
	cat daemon.log
done

# With the bitmap there, auto picks page_idle and says so.
"$pageidled" --once --config "$PWD/pageidled.conf" --user nobody > auto.json 2> daemon.log ||
	fail "pageidled --once with auto failed"
grep -q "Using backend page_idle: .*bitmap exists" daemon.log || fail "auto did not log page_idle"
[ "$(json_top auto.json backend)" = page_idle ] || fail "auto picked $(json_top auto.json backend)"

for key in bytes idle_bytes working_set_bytes anon_bytes file_bytes; do
	for cg in /rc /rc/anon /rc/file; do
		p=$(json_cgroup page_idle.json $cg $key)
		r=$(json_cgroup refs.json $cg $key)
		size=$(json_cgroup page_idle.json $cg bytes)
		# Of the cgroup's size: the split and idle parts may be near 0.
		within "$cg $key refs~page_idle" "$r" "$p" $tol "$size"
	done
done
truth() {
	cg=$1 ws=$2 bytes=$3 anon=$4
	for b in page_idle refs; do
		within "$b $cg working_set_bytes" "$(json_cgroup $b.json $cg working_set_bytes)" $((ws * M)) $tol $((bytes * M))
		within "$b $cg bytes" "$(json_cgroup $b.json $cg bytes)" $((bytes * M)) $tol
		within "$b $cg anon_bytes" "$(json_cgroup $b.json $cg anon_bytes)" $((anon * M)) $tol $((bytes * M))
	done
}
truth /rc 24 96 64
truth /rc/anon 16 64 64
truth /rc/file 8 32 0

echo "--- page_idle"
cat page_idle.json
echo "--- refs"
cat refs.json
stop_workloads
