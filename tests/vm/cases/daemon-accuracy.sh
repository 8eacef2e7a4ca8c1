#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled's estimates against workloads that hold a known working set:
# anonymous memory, a shared file mapping, transparent huge pages, nested
# cgroups (hierarchical totals), and a cgroup created while it runs.  Each
# cgroup's working set, size and anon/file split must be within 2% of what
# its workloads hold (the split: within 2% of the cgroup's size).
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2

load_bitmap
chmod 0755 "$PWD"

start_workload /anon anon --kind anon --size 96M --hot 48M
start_workload /file file --kind file --file "$PWD/file.data" --size 64M --hot 32M
start_workload /thp thp --kind thp --size 64M --hot 32M
thp_pid=$pid
start_workload /nest/x nest-x --kind anon --size 32M --hot 16M
start_workload /nest/y nest-y --kind file --file "$PWD/nest-y.data" --size 32M --hot 8M
thp_kib=$(awk '/^AnonHugePages:/ { s += $2 } END { print s + 0 }' /proc/$thp_pid/smaps)
echo "thp workload: $thp_kib KiB in huge pages"
[ "$thp_kib" -ge 32768 ] || fail "the thp workload got no huge pages"

write_conf <<EOT
[Cgroups]
Track=/anon /file /thp /nest /nest/x /late
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
json=run/stats.json
wait_scans $json 3
cp $json scan3.json
echo "state: $(json_top $json state), scan path: $(json_top $json scan_path)"
# ScanPath=auto takes pageidle.ko's device where it is there.
want_path=kpageflags
[ -c /dev/pageidle ] && want_path=module
[ "$(json_top $json scan_path)" = $want_path ] || fail "scan_path is not $want_path"

check() {
	cg=$1 ws=$2 bytes=$3 anon=$4
	within "$cg working_set_bytes" "$(json_cgroup $json "$cg" working_set_bytes)" $((ws * M)) $tol
	within "$cg bytes" "$(json_cgroup $json "$cg" bytes)" $((bytes * M)) $tol
	within "$cg anon_bytes" "$(json_cgroup $json "$cg" anon_bytes)" $((anon * M)) $tol $((bytes * M))
	within "$cg file_bytes" "$(json_cgroup $json "$cg" file_bytes)" $(((bytes - anon) * M)) $tol $((bytes * M))
	within "$cg idle_bytes" "$(json_cgroup $json "$cg" idle_bytes)" $(((bytes - ws) * M)) $tol
}

cp scan3.json now.json
json=now.json
check /anon 48 96 96
check /file 32 64 0
check /thp 32 64 64
check /nest/x 16 32 32
check /nest 24 64 32
[ -z "$(json_cgroup $json /late bytes)" ] || fail "/late listed before it exists"

# A cgroup created now is picked up at the next scan.  Count scans from
# when its workload has touched all its memory: scans during that count
# every page as used.
start_workload /late late --kind anon --size 48M --hot 24M
n=$(json_top run/stats.json scan_count)
wait_scans run/stats.json $((n + 3))
cp run/stats.json now.json
check /late 24 48 48
check /anon 48 96 96

echo "--- the document"
cat now.json
stop_workloads
stop_daemon
echo "--- daemon.log"
cat daemon.log
