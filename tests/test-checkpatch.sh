#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The module's sources pass the kernel's scripts/checkpatch.pl with no
# error and no warning.  Debian's header packages leave checkpatch.pl out;
# the reference kernel's headers package (tests/vm/README.md) has it, or
# $CHECKPATCH names one.
set -u
src=${top_srcdir:-.}/kernel
checkpatch=${CHECKPATCH:-}
if [ -z "$checkpatch" ]; then
	for f in /usr/src/linux-headers-*-pageidle-ref/scripts/checkpatch.pl; do
		[ -f "$f" ] && checkpatch=$f
	done
fi
if [ -z "$checkpatch" ] || [ ! -f "$checkpatch" ]; then
	echo "checkpatch.pl not found: install the reference kernel's headers (.ci/install-deps) or set CHECKPATCH"
	exit 1
fi
echo "# $checkpatch"
# The sources only: a build in the source tree leaves Kbuild's generated
# pageidle.mod.c beside them.
out=$(perl "$checkpatch" --no-tree --terse --show-types -f "$src"/pageidle_*.c "$src"/*.h 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
if [ "$rc" -ne 0 ] || echo "$out" | grep -q -e ': ERROR:' -e ': WARNING:'; then
	echo "FAIL: checkpatch reports errors or warnings"
	exit 1
fi
echo "kernel/: checkpatch clean"
