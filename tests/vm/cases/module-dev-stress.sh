#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /dev/pageidle under churn (tests/dev-stress.c): scan calls over all of
# memory naming cgroups that are created and removed meanwhile, whose
# tasks fault, collapse and move between them, fork and exit, while
# memory is compacted, and bitmap-stress's churners fault, fork, split and
# free other memory and its readers and writers use the bitmap; 20 s.
# Then the same while pageidle.ko is unloaded and loaded again: a call in
# flight holds the module (rmmod fails with EBUSY, counted), and rmmod
# goes through between calls.  The harness fails the run on any oops,
# BUG, WARNING, KASAN or lockdep report.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog dev-stress
need_prog bitmap-stress

cgroot=/sys/fs/cgroup
grep -qw memory $cgroot/cgroup.subtree_control || echo +memory > $cgroot/cgroup.subtree_control
module_load || { failed_targets=insmod; finish_case; }
b=$module_bitmap

# 1. Steady.
"$tests/bitmap-stress" --bitmap "$b" --seconds 20 --readers 1 --writers 1 --churners 2 \
	> /tmp/dev-stress-bitmap.log 2>&1 &
churn=$!
run_on "dev-stress steady" "$tests/dev-stress" --seconds 20
wait "$churn" || failed_targets="$failed_targets bitmap-stress"
cat /tmp/dev-stress-bitmap.log

# 2. Reloading, at least 20 s and 3 reloads, at most 300 s: under KASAN
# on a busy host one insmod can take half a minute (one CI run managed a
# single reload in 90 s).
"$tests/dev-stress" --seconds 600 --reload --scanners 1 > /tmp/dev-stress-reload.log 2>&1 &
workers=$!
start=$(date +%s)
reloads=0 busy=0 insmod_fail=0
while now=$(date +%s) && [ "$now" -lt $((start + 300)) ] &&
	{ [ "$now" -lt $((start + 20)) ] || [ "$reloads" -lt 3 ]; }; do
	sleep 0.3
	if ! rmmod pageidle 2> /dev/null; then
		busy=$((busy + 1))
		continue
	fi
	sleep 0.2
	# shellcheck disable=SC2086
	insmod "$PAGEIDLE_KO" $module_params || insmod_fail=$((insmod_fail + 1))
	reloads=$((reloads + 1))
done
kill -TERM "$workers"
wait "$workers"
rc=$?
cat /tmp/dev-stress-reload.log
echo "$reloads reloads, $busy rmmods refused while a call held the device, $insmod_fail failed insmods"
[ "$rc" = 0 ] || failed_targets="$failed_targets reload-workers"
[ "$insmod_fail" = 0 ] || failed_targets="$failed_targets insmod"
[ "$reloads" -ge 2 ] || failed_targets="$failed_targets too-few-reloads"
finish_case
