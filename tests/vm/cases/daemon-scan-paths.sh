#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Both scan paths of backend page_idle on the same workloads in one guest:
# pageidled with ScanPath=kpageflags, then with ScanPath=module (each
# after its own three scans); daemon-accuracy runs the default, auto.
# Each path's estimates
# must be within 2% of what the workloads hold, and within 2% of each
# other for every cgroup's bytes, working set, idle bytes and anon/file
# split (of the cgroup's size).  Each document and the log must name the
# path the scans took.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2

load_bitmap
# Beside the kernel's own bitmap, the module serves the device too (page
# flags shared with the kernel's).
if [ ! -c /dev/pageidle ]; then
	insmod "$PAGEIDLE_KO" sysfs_name=page_idle_module || fail "insmod $PAGEIDLE_KO sysfs_name=page_idle_module"
	loaded_module=true
fi
chmod 0755 "$PWD"
[ -c /dev/pageidle ] || fail "/dev/pageidle is missing with pageidle.ko loaded"

start_workload /anon anon --kind anon --size 96M --hot 48M
start_workload /file file --kind file --file "$PWD/file.data" --size 64M --hot 32M
start_workload /thp thp --kind thp --size 64M --hot 32M
start_workload /nest/x nest-x --kind anon --size 32M --hot 16M
start_workload /nest/y nest-y --kind file --file "$PWD/nest-y.data" --size 32M --hot 8M

check() {
	doc=$1 cg=$2 ws=$3 bytes=$4 anon=$5
	within "$cg working_set_bytes" "$(json_cgroup $doc "$cg" working_set_bytes)" $((ws * M)) $tol
	within "$cg bytes" "$(json_cgroup $doc "$cg" bytes)" $((bytes * M)) $tol
	within "$cg anon_bytes" "$(json_cgroup $doc "$cg" anon_bytes)" $((anon * M)) $tol $((bytes * M))
	within "$cg idle_bytes" "$(json_cgroup $doc "$cg" idle_bytes)" $(((bytes - ws) * M)) $tol
}

# run_path PATH: three scans with ScanPath=PATH; the document in PATH.json.
run_path() {
	write_conf <<EOT
ScanPath=$1
[Cgroups]
Track=/anon /file /thp /nest /nest/x
EOT
	rm -f run/stats.json
	start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
	wait_scans run/stats.json 3
	cp run/stats.json "$1.json"
	stop_daemon
	cp daemon.log "$1.log"
	echo "--- ScanPath=$1: scan_path $(json_top "$1.json" scan_path)"
	check "$1.json" /anon 48 96 96
	check "$1.json" /file 32 64 0
	check "$1.json" /thp 32 64 64
	check "$1.json" /nest/x 16 32 32
	check "$1.json" /nest 24 64 32
}

run_path kpageflags
[ "$(json_top kpageflags.json scan_path)" = kpageflags ] || fail "ScanPath=kpageflags: scan_path is not kpageflags"
grep -q "Scanning through /dev/pageidle" kpageflags.log && fail "ScanPath=kpageflags used the device"
run_path module
[ "$(json_top module.json scan_path)" = module ] || fail "ScanPath=module: scan_path is not module"
grep -q "Scanning through /dev/pageidle" module.log || fail "no log line for the module path"

echo "--- the two paths, cgroup by cgroup"
for cg in /anon /file /thp /nest /nest/x; do
	size=$(json_cgroup kpageflags.json $cg bytes)
	for key in bytes working_set_bytes idle_bytes anon_bytes file_bytes; do
		within "$cg $key" "$(json_cgroup module.json $cg $key)" "$(json_cgroup kpageflags.json $cg $key)" \
			$tol "$size"
	done
done

stop_workloads
echo "--- module.log"
cat module.log
