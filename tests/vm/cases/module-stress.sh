#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Concurrency: readers and writers over the whole bitmap (64 KiB requests
# at random offsets, tests/bitmap-stress.c) while memory is faulted,
# forked, split and freed, with stress-ng's vm and idle-page stressors
# where stress-ng is installed; then the same while pageidle.ko is
# unloaded and loaded again and again.  About 30 s (10 s + 20 s).  The
# harness fails the run on any oops, BUG, WARNING, KASAN or lockdep report.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog bitmap-stress

module_load || { failed_targets=insmod; finish_case; }
b=$module_bitmap

# 1. Steady: 10 s.
sng=
if command -v stress-ng > /dev/null; then
	# --idle-page uses /sys/kernel/mm/page_idle/bitmap: the module's on
	# kernels without their own, the kernel's otherwise.
	stress-ng --vm 1 --vm-bytes 128M --idle-page 1 --timeout 10s --metrics-brief \
		> /tmp/stress-ng.log 2>&1 &
	sng=$!
else
	echo "note: stress-ng is not installed; running without it (apt-get install stress-ng)"
fi
for k in $(bitmaps); do
	[ "$k" = "$b" ] && continue
	"$tests/bitmap-stress" --bitmap "$k" --seconds 10 --readers 1 --writers 1 --churners 0 \
		> /tmp/kernel-bitmap-stress.log 2>&1 &
done
run_on "$b steady" "$tests/bitmap-stress" --bitmap "$b" --seconds 10
wait
if [ -n "$sng" ]; then
	wait "$sng"
	rc=$?
	cat /tmp/stress-ng.log
	[ "$rc" = 0 ] || failed_targets="$failed_targets stress-ng(exit $rc)"
fi
[ -s /tmp/kernel-bitmap-stress.log ] && cat /tmp/kernel-bitmap-stress.log

# 2. Reloading: the module goes away and comes back under the workers for
# 20 s or more.  No open file may pin it: rmmod must always succeed.
"$tests/bitmap-stress" --bitmap "$b" --seconds 600 --reload > /tmp/reload-stress.log 2>&1 &
workers=$!
# At least 20 s and 3 reloads; at most 90 s (the debug kernel under TCG
# took 10 s per rmmod and 12-17 s per insmod with the host's 2 cores
# shared by four VMs).  Fewer than 2 reloads fails.
start=$(date +%s)
reloads=0 rmmod_fail=0 insmod_fail=0
while now=$(date +%s) && [ "$now" -lt $((start + 90)) ] &&
	{ [ "$now" -lt $((start + 20)) ] || [ "$reloads" -lt 3 ]; }; do
	sleep 0.3
	t0=$(date +%s.%N)
	if ! rmmod pageidle; then
		rmmod_fail=$((rmmod_fail + 1))
		grep '^pageidle ' /proc/modules
		continue
	fi
	t1=$(date +%s.%N)
	sleep 0.2
	t2=$(date +%s.%N)
	# shellcheck disable=SC2086
	insmod "$PAGEIDLE_KO" $module_params || insmod_fail=$((insmod_fail + 1))
	t3=$(date +%s.%N)
	reloads=$((reloads + 1))
	echo "reload $reloads: rmmod $(awk "BEGIN { print $t1 - $t0 }") s, insmod $(awk "BEGIN { print $t3 - $t2 }") s"
done
kill -TERM "$workers"
wait "$workers"
rc=$?
cat /tmp/reload-stress.log
echo "$reloads reloads, $rmmod_fail failed rmmods, $insmod_fail failed insmods"
[ "$rc" = 0 ] || failed_targets="$failed_targets reload-workers"
[ "$rmmod_fail" = 0 ] || failed_targets="$failed_targets rmmod-while-open"
[ "$insmod_fail" = 0 ] || failed_targets="$failed_targets insmod"
[ "$reloads" -ge 2 ] || failed_targets="$failed_targets too-few-reloads"
finish_case
