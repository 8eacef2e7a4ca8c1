#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The module's sources pass the kernel's scripts/checkpatch.pl with no
# error and no warning.  Debian's header packages leave checkpatch.pl out;
# the reference kernel's headers package (tests/vm/README.md) has it, and
# so has Debian's linux-source-6.12, which .ci/install-deps installs where
# the reference kernel is still to be built; or $CHECKPATCH names one.
set -u
src=${top_srcdir:-.}/kernel
checkpatch=${CHECKPATCH:-}
tmp=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
if [ -z "$checkpatch" ]; then
	for f in /usr/src/linux-headers-*-pageidle-ref/scripts/checkpatch.pl; do
		[ -f "$f" ] && checkpatch=$f
	done
fi
if [ -z "$checkpatch" ] && [ -f /usr/src/linux-source-6.12.tar.xz ]; then
	tmp=$(mktemp -d)
	tar -C "$tmp" -xJf /usr/src/linux-source-6.12.tar.xz linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt linux-source-6.12/scripts/const_structs.checkpatch &&
		checkpatch=$tmp/linux-source-6.12/scripts/checkpatch.pl
fi
if [ -z "$checkpatch" ] || [ ! -f "$checkpatch" ]; then
	echo "checkpatch.pl not found: apt-get install linux-source-6.12, install the reference kernel's headers" \
	     "(tests/vm/install-ref-kernel) or set CHECKPATCH"
	exit 1
fi
echo "# $checkpatch"
# The sources only: a build in the source tree leaves Kbuild's generated
# pageidle.mod.c beside them.
out=$(perl "$checkpatch" --no-tree --terse --show-types -f "$src"/pageidle_*.c "$src"/*.h "$src"/uapi/*.h 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
if [ "$rc" -ne 0 ] || echo "$out" | grep -q -e ': ERROR:' -e ': WARNING:'; then
	echo "FAIL: checkpatch reports errors or warnings"
	exit 1
fi
echo "kernel/: checkpatch clean"
