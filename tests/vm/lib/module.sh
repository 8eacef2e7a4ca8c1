# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the module's VM cases (tests/vm/cases/module-*.sh).
#
# Every case tests each idle page bitmap the guest has: the kernel's own
# (/sys/kernel/mm/page_idle/bitmap on the reference kernel) and
# pageidle.ko's.  Where the kernel has its own, the module is loaded under
# sysfs_name=$PAGEIDLE_ALT_NAME beside it, so the same tests check both.

: "${top_srcdir:?}" "${top_builddir:?}" "${PAGEIDLE_KO:?}"
tests=$top_builddir/tests
PAGEIDLE_ALT_NAME=page_idle_module
kernel_bitmap=/sys/kernel/mm/page_idle/bitmap
module_bitmap=
kernel_has_bitmap=false
# A case that timed out may have left the module loaded.
if grep -q '^pageidle ' /proc/modules; then
	echo "note: pageidle was still loaded; unloading it first"
	rmmod pageidle || echo "rmmod of the stale pageidle failed"
fi
if [ -e "$kernel_bitmap" ] && ! grep -q '^pageidle ' /proc/modules; then
	kernel_has_bitmap=true
fi

# Rounds per idle-exact case: one on a KASAN kernel, which is several times
# slower under TCG (give its runs VMTEST_CASE_TIMEOUT=1200 as well).
exact_rounds=2
if grep -q '^CONFIG_KASAN=y' "/boot/config-$KERNEL_RELEASE" 2>/dev/null; then
	exact_rounds=1
fi

# need_prog NAME: the test program, built by make check (or by hand).
need_prog() {
	if [ ! -x "$tests/$1" ]; then
		echo "$tests/$1 is not built (make check builds it)"
		exit 1
	fi
}

# module_load [PARAM=VALUE...]: loads pageidle.ko, under the alternative
# name where the kernel has its own bitmap, and sets module_bitmap and
# module_params (what insmod was given, to load it again the same way).
module_load() {
	name=page_idle
	for p in "$@"; do
		case $p in sysfs_name=*) name=${p#sysfs_name=} ;; esac
	done
	if $kernel_has_bitmap && [ "$name" = page_idle ]; then
		name=$PAGEIDLE_ALT_NAME
		set -- "$@" "sysfs_name=$name"
	fi
	module_params="$*"
	if ! insmod "$PAGEIDLE_KO" "$@"; then
		echo "insmod $PAGEIDLE_KO $* failed:"
		dmesg | grep 'pageidle' | tail -n 5
		return 1
	fi
	module_bitmap=/sys/kernel/mm/$name/bitmap
	if [ ! -e "$module_bitmap" ]; then
		echo "insmod $* succeeded but $module_bitmap does not exist"
		return 1
	fi
}

module_unload() {
	grep -q '^pageidle ' /proc/modules || return 0
	rmmod pageidle || { echo "rmmod pageidle failed"; return 1; }
}

# The bitmaps to test, one per line: the kernel's own first.
bitmaps() {
	if $kernel_has_bitmap; then echo "$kernel_bitmap"; fi
	if [ -n "$module_bitmap" ]; then echo "$module_bitmap"; fi
}

# Which state the module should pick by default on this kernel.
expected_state() {
	if grep -q '^CONFIG_PAGE_IDLE_FLAG=y' "/boot/config-$KERNEL_RELEASE" 2>/dev/null; then
		echo page_flags
	else
		echo own
	fi
}

# Each target's result, then a summary line; exit status for the case.
failed_targets=
run_on() {
	run_label=$1
	shift
	echo "### $run_label: $*"
	if "$@"; then
		echo "### $run_label: ok"
	else
		echo "### $run_label: FAILED (exit $?)"
		failed_targets="$failed_targets [$run_label]"
	fi
}

finish_case() {
	module_unload || failed_targets="$failed_targets rmmod"
	if [ -n "$failed_targets" ]; then
		echo "failed:$failed_targets"
		exit 1
	fi
	echo "all passed"
	exit 0
}
