#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The host unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer
# (tests/fuzz/local.mk): a memory error, a leak or undefined behaviour
# fails them, as does a failed check.
set -u
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
[ -z "${FUZZ_MISSING:-}" ] || { echo "FAIL: $FUZZ_MISSING, then run configure again"; exit 1; }
list=$top_builddir/tests/san/list
[ -s "$list" ] || { echo "no $list: build with make check" >&2; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=$top_builddir/tests/san/log
failed=0 n=0
for t in $(cat "$list"); do
	n=$((n + 1))
	if "$top_builddir/$t" > "$log" 2>&1; then
		echo "ok: $t"
	else
		echo "FAILED: $t (exit $?):"
		tail -n 40 "$log"
		failed=$((failed + 1))
	fi
done
echo "$n sanitized unit tests, $failed failed"
[ "$failed" -eq 0 ]
