#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko beside the kernel's own page_idle (tests/idle-diff.c): the
# module loaded with sysfs_name=pageidle_mod, in each of its state modes
# (the kernel's page flags; force_own_state=1), runs the same write/read
# sequences over the same workloads as /sys/kernel/mm/page_idle/bitmap,
# and the two bitmaps must match word by word for anonymous, file-backed,
# shared-after-fork, THP and KSM pages.  The cases where kernel/README.md
# names a difference for the own state (file pages touched through read(2),
# or through a mapping unmapped before the read) are judged in page_flags
# state and measured in own state, with MGLRU (as booted) and with the
# classic LRU, where the difference shows.  In page_flags state, where the
# two files share one state, all of memory is also marked through one and
# read through both.  Needs a kernel with its own
# bitmap (the reference kernel); skips elsewhere.
set -u
: "${top_builddir:?}" "${PAGEIDLE_KO:?}"
diff=$top_builddir/tests/idle-diff
kernel_bitmap=/sys/kernel/mm/page_idle/bitmap
module_bitmap=/sys/kernel/mm/pageidle_mod/bitmap
if [ ! -e "$kernel_bitmap" ]; then
	echo "this kernel has no idle page tracking of its own: nothing to compare with"
	exit 77
fi
[ -x "$diff" ] || { echo "$diff is not built (make check builds it)"; exit 1; }
grep -q '^pageidle ' /proc/modules && rmmod pageidle

failed=
run() {
	label=$1
	shift
	echo "### $label: $*"
	if "$@"; then
		echo "### $label: ok"
	else
		echo "### $label: FAILED (exit $?)"
		failed="$failed [$label]"
	fi
}

lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null)
for cfg in force_own_state=0 force_own_state=1; do
	if ! insmod "$PAGEIDLE_KO" sysfs_name=pageidle_mod "$cfg"; then
		failed="$failed [insmod $cfg]"
		continue
	fi
	st=$(cat /sys/module/pageidle/parameters/state)
	run "$st: MGLRU $lru_gen" "$diff" --module "$module_bitmap" --rounds 2 \
		anon file fork thp ksm file-read file-unmap whole
	if [ -n "$lru_gen" ] && [ "$lru_gen" != 0x0000 ] && echo 0 > /sys/kernel/mm/lru_gen/enabled; then
		run "$st: classic LRU" "$diff" --module "$module_bitmap" --rounds 2 \
			file-read file-unmap
		echo "$lru_gen" > /sys/kernel/mm/lru_gen/enabled
	fi
	rmmod pageidle || failed="$failed [rmmod $cfg]"
done
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
echo "all passed"
