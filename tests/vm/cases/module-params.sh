#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko's parameters: the state it picks (page_flags where the
# kernel has CONFIG_PAGE_IDLE_FLAG, else own) and force_own_state, the
# read-only state parameter, sysfs_name moving the directory, refusal (with
# a log line) to shadow a kernel's own bitmap, no warning for a bad name,
# and nothing left behind after rmmod.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog bitmap-abi
params=/sys/module/pageidle/parameters

fail() {
	echo "FAIL: $*"
	failed_targets="$failed_targets params"
}
pass() { echo "ok: $*"; }
new_log_lines() { dmesg | tail -n +"$(($1 + 1))" | grep 'pageidle' | grep -v 'taints kernel'; }

# 1. Refusal next to the kernel's own bitmap.
if $kernel_has_bitmap; then
	before=$(dmesg | wc -l)
	if insmod "$PAGEIDLE_KO" 2>/dev/null; then
		fail "insmod with the default sysfs_name succeeded although the kernel has its own bitmap"
		rmmod pageidle
	else
		msg=$(new_log_lines "$before")
		if [ -n "$msg" ]; then
			pass "refused to shadow the kernel's bitmap, saying: $msg"
		else
			fail "refused to load without a kernel log line saying why"
		fi
	fi
	[ -e "$kernel_bitmap" ] || fail "the kernel's own bitmap vanished after the refused load"
fi

# 2. The default state.
want=$(expected_state)
if module_load; then
	got=$(cat "$params/state" 2>/dev/null)
	if [ "$got" = "$want" ]; then pass "state is $want by default"
	else fail "state reads '$got', expected '$want' on $KERNEL_RELEASE"; fi
	mode=$(stat -c %a "$params/state" 2>/dev/null)
	if [ "$mode" = 444 ]; then pass "state is read-only (0444)"
	else fail "state has mode $mode, not 0444"; fi
	if (echo own > "$params/state") 2>/dev/null; then
		fail "writing the state parameter succeeded"
	else
		pass "writing the state parameter is refused"
	fi
	dir=${module_bitmap%/bitmap}
	extra=
	for f in "$dir"/*; do
		[ "$f" = "$dir/bitmap" ] || extra="$extra ${f##*/}"
	done
	if [ -z "$extra" ]; then pass "$dir holds only bitmap"
	else fail "$dir holds more than bitmap:$extra"; fi
	module_unload || fail "rmmod"
	if [ ! -e "$dir" ]; then pass "$dir is gone after rmmod"
	else fail "$dir left behind after rmmod"; fi
else
	fail "default load"
fi

# 3. force_own_state=1.
if module_load force_own_state=1; then
	got=$(cat "$params/state" 2>/dev/null)
	if [ "$got" = own ]; then pass "force_own_state=1 gives state own"
	else fail "force_own_state=1: state reads '$got', expected 'own'"; fi
	module_unload || fail "rmmod"
else
	fail "load with force_own_state=1"
fi

# 4. sysfs_name moves the directory; the ABI holds there.
if module_load sysfs_name=pageidle_alt; then
	[ "$module_bitmap" = /sys/kernel/mm/pageidle_alt/bitmap ] || fail "bitmap at $module_bitmap"
	if ! $kernel_has_bitmap && [ -e /sys/kernel/mm/page_idle ]; then
		fail "/sys/kernel/mm/page_idle exists although sysfs_name=pageidle_alt"
	fi
	got=$(cat "$params/sysfs_name" 2>/dev/null)
	[ "$got" = pageidle_alt ] || echo "note: $params/sysfs_name reads '$got'"
	run_on "$module_bitmap" "$tests/bitmap-abi" --bitmap "$module_bitmap"
	module_unload || fail "rmmod"
	if [ ! -e /sys/kernel/mm/pageidle_alt ]; then pass "/sys/kernel/mm/pageidle_alt gone after rmmod"
	else fail "/sys/kernel/mm/pageidle_alt left behind after rmmod"; fi
else
	fail "load with sysfs_name=pageidle_alt"
fi

# 5. Bad names are refused cleanly (the harness fails the run on any
# WARNING it logs): empty, with a slash, dots, and a directory that exists.
for bad in '' 'page_idle/x' '.' '..' ksm; do
	[ "$bad" = ksm ] && [ ! -d /sys/kernel/mm/ksm ] && continue
	before=$(dmesg | wc -l)
	if insmod "$PAGEIDLE_KO" "sysfs_name=$bad" 2>/dev/null; then
		fail "insmod with sysfs_name='$bad' succeeded"
		rmmod pageidle
	else
		pass "sysfs_name='$bad' is refused: $(new_log_lines "$before" | head -n 1)"
	fi
done
[ -e /sys/kernel/mm/ksm/run ] || [ ! -d /sys/kernel/mm/ksm ] || fail "/sys/kernel/mm/ksm was damaged"

finish_case
