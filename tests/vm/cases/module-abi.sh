#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bitmap's file ABI (tests/bitmap-abi.c: alignment, max_pfn, the
# partial last word, large requests, position, permissions) on every
# bitmap the guest has: pageidle.ko's, and the kernel's own where it has one.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog bitmap-abi

module_load || failed_targets=insmod
for b in $(bitmaps); do
	run_on "$b" "$tests/bitmap-abi" --bitmap "$b"
done
finish_case
