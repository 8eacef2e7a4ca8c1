# SPDX-License-Identifier: GPL-2.0-or-later
# Differential tests of pageidle.ko against the kernel's own page_idle, on
# the reference debug kernel (KASAN, lockdep, DEBUG_VM; see
# tests/vm/README.md): one boot, the cases listed in tests/vm/ref-kernel.tap.
# The bench script compares the two bitmaps' throughput on that kernel.
check_PROGRAMS += tests/idle-diff
tests_idle_diff_SOURCES = tests/idle-diff.c tests/idle-workload.h tests/pageidle-test.h

TESTS += tests/vm/ref-kernel.tap

EXTRA_DIST += \
	tests/vm/ref-kernel.tap \
	tests/vm/cases/ref-diff.sh \
	tests/vm/cases/ref-daemon.sh \
	bench/run-ref-ratio \
	bench/vm-ref-ratio.sh \
	bench/results/bitmap-ref-ratio.md
