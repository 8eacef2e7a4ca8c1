# SPDX-License-Identifier: GPL-2.0-or-later
# The refs backend (/proc/PID/clear_refs and smaps_rollup) and its tests.
daemon_libpageidled_a_SOURCES += daemon/refs.c daemon/refs.h daemon/backend-refs.c

check_PROGRAMS += tests/test-refs
TESTS += tests/test-refs
tests_test_refs_SOURCES = tests/test-refs.c tests/test-util.h
tests_test_refs_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/daemon $(JSONC_CFLAGS)
tests_test_refs_LDADD = $(pageidled_libs)

EXTRA_DIST += \
	tests/fixtures/smaps_rollup-6.18.txt \
	tests/fixtures/smaps_rollup-5.4.txt \
	tests/fixtures/smaps_rollup-shared.txt

# On the host kernel itself: a real cgroup, real processes (root; skips without).
TESTS += tests/test-refs-host.sh
EXTRA_DIST += tests/test-refs-host.sh

# In the VM: the same workloads measured by both backends (distributed
# with the other VM_CASES by tests/local.mk).
VM_REFS_CASES = tests/vm/cases/refs-compare.sh
