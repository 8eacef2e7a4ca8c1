#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The v1 memory controller's tree (Root=): with the memory controller
# moved from cgroup2 to a v1 hierarchy, pageidled attributes pages by the
# v1 cgroups' inodes, and each cgroup's estimates, nested ones summed into
# their parent, are within 2% of what its workloads hold.  Only on kernels
# that still have v1 memory cgroups (Debian's 6.1; 6.12 is built without
# CONFIG_MEMCG_V1), in a boot of its own (tests/vm/cgroup-v1-6.1.tap).
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2

v1=$PWD/v1
mounted=false
# v1 cgroups have no subtree_control: creating one is all it takes.
cgroup_new() {
	parent=$cgroot
	for part in $(echo "$1" | tr / ' '); do
		parent=$parent/$part
		if [ ! -d "$parent" ]; then
			mkdir "$parent" || fail "mkdir $parent"
			made_cgroups="$made_cgroups ${parent#$cgroot}"
		fi
	done
}
# The memory controller stays with the v1 hierarchy, even unmounted,
# while pages charged to its cgroups remain (page cache the workloads read
# in, their binaries among it).
trap 'cleanup; $mounted && umount "$v1"' EXIT

load_bitmap
chmod 0755 "$PWD"

# A controller moves to a v1 hierarchy only when cgroup2 has it nowhere.
if grep -qw memory "$cgroot/cgroup.subtree_control"; then
	echo -memory > "$cgroot/cgroup.subtree_control" || fail "cannot take memory from cgroup2"
fi
mkdir "$v1"
mount -t cgroup -o memory pageidled-v1 "$v1" || fail "mounting the v1 memory controller"
mounted=true
[ -f "$v1/memory.usage_in_bytes" ] || fail "$v1 is not a v1 memory hierarchy"
cgroot=$v1

start_workload /anon anon --kind anon --size 64M --hot 32M
start_workload /file file --kind file --file "$PWD/file.data" --size 32M --hot 16M
start_workload /nest/x nest-x --kind anon --size 32M --hot 8M

write_conf <<EOT
[Cgroups]
Root=$v1
Track=/anon /file /nest
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
wait_scans run/stats.json 3
cp run/stats.json now.json
json=now.json
grep -q "Tracking 3 cgroups under $v1" daemon.log || fail "the log does not say it tracks the v1 tree"

check() {
	cg=$1 ws=$2 bytes=$3 anon=$4
	within "$cg working_set_bytes" "$(json_cgroup $json "$cg" working_set_bytes)" $((ws * M)) $tol
	within "$cg bytes" "$(json_cgroup $json "$cg" bytes)" $((bytes * M)) $tol
	within "$cg anon_bytes" "$(json_cgroup $json "$cg" anon_bytes)" $((anon * M)) $tol $((bytes * M))
	within "$cg idle_bytes" "$(json_cgroup $json "$cg" idle_bytes)" $(((bytes - ws) * M)) $tol
}
check /anon 32 64 64
check /file 16 32 0
check /nest 8 32 32
stop_daemon
echo "v1 memory cgroups: estimates within $tol%"
