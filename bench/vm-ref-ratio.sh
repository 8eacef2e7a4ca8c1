#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of bench/run-ref-ratio, on a kernel with its own bitmap (the
# reference kernel): pageidle.ko loaded beside it (sysfs_name=pageidle_mod),
# in each state mode, and bench/bitmap-throughput run alternately on the
# kernel's file and the module's, PAIRS times each, same size, same mode.
# Prints every run, then per mode the module/kernel ratio of write and read
# throughput: the median over the pairs of (module run / kernel run just
# before it), so drift in the host's load cancels out.
set -u
: "${top_builddir:?}" "${PAGEIDLE_KO:?}"
bench=$top_builddir/bench/bitmap-throughput
[ -x "$bench" ] || { echo "$bench is not built"; exit 1; }
mib=${PAGEIDLE_BENCH_MIB:-256}
pairs=${PAGEIDLE_BENCH_PAIRS:-4}
iterations=${PAGEIDLE_BENCH_ITERATIONS:-3}
kernel_bitmap=/sys/kernel/mm/page_idle/bitmap
module_bitmap=/sys/kernel/mm/pageidle_mod/bitmap
[ -e "$kernel_bitmap" ] || { echo "no $kernel_bitmap: not a kernel with its own bitmap"; exit 1; }
grep -q '^pageidle ' /proc/modules && rmmod pageidle

echo "# kernel $KERNEL_RELEASE, $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)," \
	"LRU $(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo classic); $mib MiB, $pairs pairs, $iterations iterations per run"
rc=0
for cfg in force_own_state=0 force_own_state=1; do
	insmod "$PAGEIDLE_KO" sysfs_name=pageidle_mod "$cfg" || exit 1
	st=$(cat /sys/module/pageidle/parameters/state)
	: > /tmp/ratio.$st
	for mode in idle busy; do
		p=1
		while [ $p -le "$pairs" ]; do
			for who in kernel module; do
				if [ $who = kernel ]; then b=$kernel_bitmap; else b=$module_bitmap; fi
				"$bench" --bitmap "$b" --label "$who state=$st pair=$p" --mib "$mib" \
					--iterations "$iterations" $mode > /tmp/run.out || rc=1
				cat /tmp/run.out
				sed -n "s/.* $mode: write \([0-9]*\) pages\/s.*, read \([0-9]*\) pages\/s.*/$mode $p $who \1 \2/p" \
					/tmp/run.out >> /tmp/ratio.$st
			done
			p=$((p + 1))
		done
	done
	rmmod pageidle || rc=1
	for mode in idle busy; do
		awk -v st="$st" -v mode="$mode" '
			$1 == mode && $3 == "kernel" { kw[$2] = $4; kr[$2] = $5 }
			$1 == mode && $3 == "module" { mw[$2] = $4; mr[$2] = $5 }
			function median(a, n,   i, j, t) {
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
					if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			END {
				n = 0
				for (p in kw) if (p in mw && kw[p] > 0 && kr[p] > 0) {
					n++; w[n] = mw[p] / kw[p]; r[n] = mr[p] / kr[p]
					kws[n] = kw[p]; krs[n] = kr[p]; mws[n] = mw[p]; mrs[n] = mr[p]
				}
				if (!n) { print "RATIO " st " " mode ": no pairs"; exit 1 }
				printf "RATIO state=%s %s: module/kernel write %.2f, read %.2f (median of %d pairs; " \
					"kernel write %.0f read %.0f, module write %.0f read %.0f pages/s, medians)\n",
					st, mode, median(w, n), median(r, n), n, median(kws, n), median(krs, n),
					median(mws, n), median(mrs, n)
			}' /tmp/ratio.$st || rc=1
	done
done
exit $rc
