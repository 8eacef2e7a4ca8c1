#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs in the test VM (bench/daemon-bench boots it): pageidled's CPU time
# per scan, user and system, and its RSS, for
#   - nothing tracked (the cost of one pass over RAM),
#   - one cgroup holding 256 MiB and 1 GiB of anonymous memory, half of
#     it in use (the cost per GiB tracked; BENCH_ANON, in MiB),
#   - 1, 10, 100 and 1000 tracked cgroups sharing 256 MiB of tmpfs pages
#     (BENCH_CGROUPS).
# Each case runs once per scan path of backend page_idle, one after the
# other on the same memory (ScanPath=kpageflags, then ScanPath=module
# where pageidle.ko provides /dev/pageidle), so their ratios come from one
# boot.  On a kernel with its own bitmap (the reference kernel), where the
# module loads beside it, the kpageflags path runs over each bitmap:
# "kpageflags" over the kernel's own, "kpageflags-modbitmap" over the
# module's (bind-mounted over the kernel's path in the daemon's private
# mount namespace, as pageidled has no setting for another bitmap).
# Each figure is the mean over the scans after the first (which only
# marks), from the daemon's debug line for every scan.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
. "$top_srcdir/bench/daemon-cost-lib.sh"
export PAGEIDLED_LOG_LEVEL=debug
interval=${BENCH_INTERVAL:-5s}
scans=${BENCH_SCANS:-3}
anon_sizes=${BENCH_ANON-256 1024}
kernel_bitmap=/sys/kernel/mm/page_idle/bitmap
module_bitmap=/sys/kernel/mm/page_idle_module/bitmap

bench_load_bitmap
[ -c /dev/pageidle ] && [ -e "$module_bitmap" ] && bench_paths="$bench_paths kpageflags-modbitmap"
command -v unshare > /dev/null || bench_paths=$(echo $bench_paths | sed 's/ *kpageflags-modbitmap//')
chmod 0755 "$PWD"
: > costs
ram_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo "kernel $(uname -r), MemTotal $((ram_kib / 1024)) MiB, $(nproc) CPUs"
echo
echo "| case | path | cgroups | tracked MiB | scan wall ms | user ms/scan | sys ms/scan | CPU ms per GiB RAM | RSS KiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"

# measure KIND LABEL PATTERN...: one daemon run per scan path tracking the
# patterns; KIND (empty, anon or tmpfs) is for the summary.
measure() {
	for path in $bench_paths; do
		measure_path "$path" "$@"
	done
}

measure_path() {
	path=$1 kind=$2 label=$3
	shift 3
	args=
	for p in "$@"; do args="$args --cgroup=$p"; done
	rm -rf run
	# CPU time is what is measured: no pacing, so that scans end quickly.
	printf '[Scan]\nCPUBudget=100%%\nScanPath=%s\n' "${path%-modbitmap}" > bench.conf
	set -- --config "$PWD/bench.conf" --interval "$interval" --json-file "$PWD/run/stats.json" \
		--user nobody $args
	if [ "$path" = kpageflags-modbitmap ]; then
		# The opener, which opens the bitmap, is the daemon's child and
		# shares its mount namespace.
		unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" "$1" && shift && exec "$@"' \
			"$module_bitmap" "$kernel_bitmap" "$pageidled" "$@" 2> daemon.log &
		daemon_pid=$!
	else
		start_daemon "$@"
	fi
	wait_scans run/stats.json "$scans"
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$daemon_pid/status)
	stop_daemon
	scan_means | awk -F '\t' -v label="$label" -v path="$path" -v kind="$kind" -v rss="$rss" -v ram_kib="$ram_kib" '
		{ m = $1; W = $2; U = $3; S = $4; C = $5; T = $6 }
		END {
			if (m == 0) { print "| " label " | " path " | no scans |"; exit 1 }
			gib = ram_kib / 1048576
			printf "| %s | %s | %d | %.0f | %.0f | %.1f | %.1f | %.1f | %d |\n", label, path, C,
				T * 4096 / 1048576, W / 1000, U / 1000, S / 1000, (U + S) / 1000 / gib, rss
			# For the figures at the end: label, path, tracked GiB, CPU ms, kind.
			printf "%s\t%s\t%.6f\t%.3f\t%s\n", label, path, T * 4096 / 1073741824, (U + S) / 1000,
				kind >> "costs"
		}'
}

# 1. Nothing tracked: an empty cgroup.
cgroup_new /bench-empty
measure empty "nothing tracked" /bench-empty

# 2. Anonymous memory, half of it hot.
for mib in $anon_sizes; do
	label="$mib MiB anon"
	[ $((mib % 1024)) -eq 0 ] && label="$((mib / 1024)) GiB anon"
	start_workload /bench-anon anon$mib --kind anon --size ${mib}M --hot $((mib / 2))M
	measure anon "$label" /bench-anon
	stop_workloads
done

# 3. N cgroups sharing 256 MiB of tmpfs pages, charged to each by a
# process that wrote its file there.  Under TCG a process costs about half
# a second, so one mkdir makes all the cgroups and one awk moves itself
# into each in turn and writes its file (its own memory is allocated
# before it moves); rmdir removes them once the files are gone.
mkdir -p files
for ncg in ${BENCH_CGROUPS-1 10 100 1000}; do
	kib=$((262144 / ncg))
	cgroup_new /bench-many
	echo +memory > $cgroot/bench-many/cgroup.subtree_control
	(cd $cgroot/bench-many && seq -f c%.0f 0 $((ncg - 1)) | xargs mkdir) || fail "mkdir $ncg cgroups"
	awk -v n=$ncg -v kib=$kib -v cg=$cgroot/bench-many 'BEGIN {
		getline st < "/proc/self/stat"
		split(st, f, " ")
		pid = f[1]
		kb = "x"
		while (length(kb) < 1024)
			kb = kb kb
		chunk = kb
		while (length(chunk) < 65536)
			chunk = chunk chunk
		for (k = 0; k < n; k++) {
			procs = cg "/c" k "/cgroup.procs"
			print pid > procs
			close(procs)
			file = "files/f" k
			for (i = 0; i + 64 <= kib; i += 64)
				printf "%s", chunk > file
			for (; i < kib; i++)
				printf "%s", kb > file
			close(file)
		}
	}' || fail "writing the files of $ncg cgroups"
	measure tmpfs "$ncg x $kib KiB tmpfs" "/bench-many/*"
	rm -f files/f*
	(cd $cgroot/bench-many && seq -f c%.0f 0 $((ncg - 1)) | xargs rmdir) || fail "rmdir $ncg cgroups"
done

# The cost of tracking, per GiB: what the largest anonymous case adds to a
# scan over what an empty cgroup costs; and each path's cost against the
# kpageflags path's (over the kernel's own bitmap where it has one).
echo
awk -F '\t' '
	$5 == "empty" { base[$2] = $4 }
	$5 == "anon" && $3 >= gib[$2] { gib[$2] = $3; cpu[$2] = $4; big = $1 }
	{ cost[$1 "\t" $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	END {
		for (p in base)
			if (p in gib) {
				per[p] = (cpu[p] - base[p]) / gib[p]
				printf "%s: CPU per scan per GiB tracked (%s minus nothing tracked): %.1f ms\n", p, big, per[p]
			}
		for (p in base) {
			if (p == "kpageflags")
				continue
			printf "%s / kpageflags, CPU per scan:\n", p
			for (i = 1; i <= n; i++)
				if (cost[order[i] "\tkpageflags"] > 0 && (order[i] "\t" p) in cost)
					printf "  %-24s %.3f\n", order[i], cost[order[i] "\t" p] / cost[order[i] "\tkpageflags"]
			if ((p in per) && per["kpageflags"] > 0)
				printf "  %-24s %.3f\n", "per GiB tracked", per[p] / per["kpageflags"]
		}
	}' costs
