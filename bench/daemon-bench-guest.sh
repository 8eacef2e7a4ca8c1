#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs in the test VM (bench/daemon-bench boots it): pageidled's CPU time
# per scan, user and system, and its RSS, for
#   - nothing tracked (the cost of one pass over RAM),
#   - one cgroup holding 256 MiB and 1 GiB of anonymous memory, half of
#     it in use (the cost per GiB tracked),
#   - 1, 10, 100 and 1000 tracked cgroups sharing 256 MiB of tmpfs pages.
# Each case runs twice in a row on the same memory, once per scan path of
# backend page_idle (ScanPath=kpageflags, then ScanPath=module where
# pageidle.ko provides /dev/pageidle), so their ratios come from one boot.
# Each figure is the mean over the scans after the first (which only
# marks), from the daemon's debug line for every scan.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
. "$top_srcdir/bench/daemon-cost-lib.sh"
export PAGEIDLED_LOG_LEVEL=debug
interval=${BENCH_INTERVAL:-5s}
scans=${BENCH_SCANS:-3}

bench_load_bitmap
chmod 0755 "$PWD"
ram_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo "kernel $(uname -r), MemTotal $((ram_kib / 1024)) MiB, $(nproc) CPUs"
echo
echo "| case | path | cgroups | tracked MiB | scan wall ms | user ms/scan | sys ms/scan | CPU ms per GiB RAM | RSS KiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"

# measure LABEL PATTERN...: one daemon run per scan path tracking the patterns.
measure() {
	for path in $bench_paths; do
		measure_path "$path" "$@"
	done
}

measure_path() {
	path=$1 label=$2
	shift 2
	args=
	for p in "$@"; do args="$args --cgroup=$p"; done
	rm -rf run
	# CPU time is what is measured: no pacing, so that scans end quickly.
	printf '[Scan]\nCPUBudget=100%%\nScanPath=%s\n' "$path" > bench.conf
	start_daemon --config "$PWD/bench.conf" --interval "$interval" --json-file "$PWD/run/stats.json" \
		--user nobody $args
	wait_scans run/stats.json "$scans"
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$daemon_pid/status)
	stop_daemon
	scan_means | awk -F '\t' -v label="$label" -v path="$path" -v rss="$rss" -v ram_kib="$ram_kib" '
		{ m = $1; W = $2; U = $3; S = $4; C = $5; T = $6 }
		END {
			if (m == 0) { print "| " label " | " path " | no scans |"; exit 1 }
			gib = ram_kib / 1048576
			printf "| %s | %s | %d | %.0f | %.0f | %.1f | %.1f | %.1f | %d |\n", label, path, C,
				T * 4096 / 1048576, W / 1000, U / 1000, S / 1000, (U + S) / 1000 / gib, rss
			# For the figures at the end: label, path, tracked GiB, CPU ms.
			printf "%s\t%s\t%.6f\t%.3f\n", label, path, T * 4096 / 1073741824, (U + S) / 1000 >> "costs"
		}'
}

# 1. Nothing tracked: an empty cgroup.
cgroup_new /bench-empty
measure "nothing tracked" /bench-empty

# 2. Anonymous memory, half of it hot.
start_workload /bench-anon anon256 --kind anon --size 256M --hot 128M
measure "256 MiB anon" /bench-anon
stop_workloads
start_workload /bench-anon anon1g --kind anon --size 1024M --hot 512M
measure "1 GiB anon" /bench-anon
stop_workloads

# 3. N cgroups sharing 256 MiB of tmpfs pages, charged to each by a
# process that wrote its file there and left.
mkdir -p files
for ncg in ${BENCH_CGROUPS-1 10 100 1000}; do
	kib=$((262144 / ncg))
	cgroup_new /bench-many
	echo +memory > $cgroot/bench-many/cgroup.subtree_control
	k=0
	while [ $k -lt $ncg ]; do
		mkdir $cgroot/bench-many/c$k
		sh -c 'echo $$ > "$1/cgroup.procs" && exec head -c "$2" /dev/zero > "$3"' sh \
			$cgroot/bench-many/c$k ${kib}K files/f$k
		k=$((k + 1))
	done
	measure "$ncg x $kib KiB tmpfs" "/bench-many/*"
	rm -f files/f*
	k=0
	while [ $k -lt $ncg ]; do rmdir $cgroot/bench-many/c$k; k=$((k + 1)); done
done

# The cost of tracking, per GiB: what 1 GiB of anonymous memory adds to a
# scan over what an empty cgroup costs; and each path's cost against the
# other's.
echo
awk -F '\t' '
	$1 == "nothing tracked" { base[$2] = $4 }
	$1 == "1 GiB anon" { gib[$2] = $3; cpu[$2] = $4 }
	{ cost[$1 "\t" $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	END {
		for (p in base)
			printf "%s: CPU per scan per GiB tracked (1 GiB anon minus nothing tracked): %.1f ms\n", p,
				(cpu[p] - base[p]) / gib[p]
		if (!("module" in base))
			exit
		print "module / kpageflags, CPU per scan:"
		for (i = 1; i <= n; i++)
			if (cost[order[i] "\tkpageflags"] > 0)
				printf "  %-24s %.3f\n", order[i], cost[order[i] "\tmodule"] / cost[order[i] "\tkpageflags"]
		m = (cpu["module"] - base["module"]) / gib["module"]
		k = (cpu["kpageflags"] - base["kpageflags"]) / gib["kpageflags"]
		printf "  %-24s %.3f\n", "per GiB tracked", m / k
	}' costs
