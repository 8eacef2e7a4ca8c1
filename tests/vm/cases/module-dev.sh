#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /dev/pageidle, the module's scan interface (tests/dev-abi.c: errors,
# read-back and re-mark, small buffers, signals, permissions), in both
# state modes, with the marks checked against the module's bitmap (and on
# the reference kernel, page flags shared with the kernel's own).  Then an
# open device pins the module: rmmod fails until it is closed.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog dev-abi

cgroot=/sys/fs/cgroup
grep -qw memory $cgroot/cgroup.subtree_control || echo +memory > $cgroot/cgroup.subtree_control

# run_modes STATE: dev-abi against the module's bitmap and, where the
# marks are page flags, the kernel's own too (own marks are the module's).
run_modes() {
	for b in $(bitmaps); do
		[ "$1" = own ] && [ "$b" != "$module_bitmap" ] && continue
		run_on "$1 $b" "$tests/dev-abi" --bitmap "$b"
	done
}

module_load || failed_targets=insmod
run_modes "$(cat /sys/module/pageidle/parameters/state)"

# An open file holds the module.
exec 3< /dev/pageidle
if rmmod pageidle 2> /dev/null; then
	echo "rmmod succeeded with /dev/pageidle open"
	failed_targets="$failed_targets pinned"
	module_load || failed_targets="$failed_targets insmod"
else
	echo "rmmod with /dev/pageidle open: refused, as it should be"
fi
exec 3<&-
module_unload || failed_targets="$failed_targets rmmod"
[ -e /dev/pageidle ] && failed_targets="$failed_targets dev-left"

if [ "$(expected_state)" = page_flags ]; then
	module_load force_own_state=1 || failed_targets="$failed_targets insmod-own"
	run_modes own
fi
finish_case
