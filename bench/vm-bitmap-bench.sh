#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of bench/run-bitmap-bench: loads pageidle.ko and measures its
# bitmap with bench/bitmap-throughput over 1 GiB, idle and busy, in the
# state the module picks on this kernel and, where that is the page flags,
# with force_own_state=1 too; on a kernel with its own bitmap, that one as
# well.  Prints the figures; asserts nothing about them.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
bench=$top_builddir/bench/bitmap-throughput
[ -x "$bench" ] || { echo "$bench is not built"; exit 1; }
mib=${PAGEIDLE_BENCH_MIB:-1024}
iterations=${PAGEIDLE_BENCH_ITERATIONS:-5}

echo "# kernel $KERNEL_RELEASE, $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)," \
	"LRU $(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo classic)"
configs=default
[ "$(expected_state)" = page_flags ] && configs="default force_own_state=1"
first=true
for cfg in $configs; do
	if [ "$cfg" = default ]; then module_load; else module_load "$cfg"; fi || exit 1
	state=$(cat /sys/module/pageidle/parameters/state 2>/dev/null)
	for b in $(bitmaps); do
		if $kernel_has_bitmap && [ "$b" = "$kernel_bitmap" ]; then
			$first || continue
			label="kernel's own"
		else
			label="pageidle.ko state=$state"
		fi
		"$bench" --bitmap "$b" --label "$label" --mib "$mib" --iterations "$iterations" idle busy ||
			exit 1
	done
	module_unload || exit 1
	module_bitmap=
	first=false
done
