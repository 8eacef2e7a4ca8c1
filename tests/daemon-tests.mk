# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's host unit tests (plain programs: exit 0 passes, 1 fails, 77
# skips), their fixtures, and the daemon's cases for the VM runs.
daemon_tests = \
	tests/test-conf \
	tests/test-log \
	tests/test-attrib \
	tests/test-ram \
	tests/test-cgroup \
	tests/test-scan \
	tests/test-json \
	tests/test-pageidled

check_PROGRAMS += $(daemon_tests)
TESTS += $(daemon_tests) tests/test-man.sh
EXTRA_DIST += tests/test-man.sh

daemon_test_cflags = $(AM_CFLAGS) -I$(top_srcdir)/daemon $(JSONC_CFLAGS)
daemon_test_ldadd = $(pageidled_libs)

tests_test_conf_SOURCES = tests/test-conf.c tests/test-util.h
tests_test_conf_CFLAGS = $(daemon_test_cflags)
tests_test_conf_LDADD = $(daemon_test_ldadd)
tests_test_log_SOURCES = tests/test-log.c tests/test-util.h
tests_test_log_CFLAGS = $(daemon_test_cflags)
tests_test_log_LDADD = $(daemon_test_ldadd)
tests_test_attrib_SOURCES = tests/test-attrib.c tests/test-util.h
tests_test_attrib_CFLAGS = $(daemon_test_cflags)
tests_test_attrib_LDADD = $(daemon_test_ldadd)
tests_test_ram_SOURCES = tests/test-ram.c tests/test-util.h
tests_test_ram_CFLAGS = $(daemon_test_cflags)
tests_test_ram_LDADD = $(daemon_test_ldadd)
tests_test_cgroup_SOURCES = tests/test-cgroup.c tests/test-util.h
tests_test_cgroup_CFLAGS = $(daemon_test_cflags)
tests_test_cgroup_LDADD = $(daemon_test_ldadd)
tests_test_scan_SOURCES = tests/test-scan.c tests/test-util.h
tests_test_scan_CFLAGS = $(daemon_test_cflags)
tests_test_scan_LDADD = $(daemon_test_ldadd)
tests_test_json_SOURCES = tests/test-json.c tests/test-util.h
tests_test_json_CFLAGS = $(daemon_test_cflags)
tests_test_json_LDADD = $(daemon_test_ldadd)
# Runs the built daemon against a fake /proc and /sys.
tests_test_pageidled_SOURCES = tests/test-pageidled.c tests/test-util.h
tests_test_pageidled_CFLAGS = $(daemon_test_cflags)
tests_test_pageidled_LDADD = $(daemon_test_ldadd)
EXTRA_tests_test_pageidled_DEPENDENCIES = daemon/pageidled tests/fault-inject.so
# Preloaded into the daemon by test-pageidled to make a timer handler fail.
check_PROGRAMS += tests/fault-inject.so
tests_fault_inject_so_SOURCES = tests/fault-inject.c
tests_fault_inject_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_fault_inject_so_LDFLAGS = -shared
tests_fault_inject_so_LDADD = -ldl

EXTRA_DIST += \
	tests/fixtures/pageidled-good.conf \
	tests/fixtures/pageidled-bad-value.conf \
	tests/fixtures/pageidled-unknown-key.conf \
	tests/fixtures/pageidled-syntax.conf \
	tests/fixtures/iomem-qemu.txt \
	tests/fixtures/iomem-hidden.txt \
	tests/fixtures/zoneinfo-qemu.txt

# Workload programs the VM cases run in cgroups.
check_PROGRAMS += tests/workload/workload
tests_workload_workload_SOURCES = tests/workload/workload.c
EXTRA_DIST += \
	tests/workload/daemon-lib.sh \
	tests/workload/daemon-demo.sh \
	tests/vm/lib/module-tree.sh

# The daemon's benchmark, run by hand (bench/daemon-bench), never timed in make check.
EXTRA_DIST += \
	bench/daemon-bench \
	bench/daemon-bench-guest.sh \
	bench/daemon-results.md \
	bench/bus-listener \
	bench/results/bus-listener.md

# v1 memory cgroups: Debian's 6.1 only (6.12 has no CONFIG_MEMCG_V1), in a
# boot of their own (tests/vm/cgroup-v1-6.1.tap says why).
VM_CGROUP_V1_CASES = tests/vm/cases/daemon-cgroup-v1.sh
EXTRA_DIST += $(VM_CGROUP_V1_CASES)

VM_DAEMON_CASES = \
	tests/vm/cases/daemon-accuracy.sh \
	tests/vm/cases/daemon-once.sh \
	tests/vm/cases/daemon-privileges.sh \
	tests/vm/cases/daemon-faults.sh \
	tests/vm/cases/daemon-budget.sh \
	tests/vm/cases/daemon-load-module.sh

# The privileged opener over its socketpair, and the capability checks.
check_PROGRAMS += tests/test-opener tests/test-privs
TESTS += tests/test-opener tests/test-privs
tests_test_opener_SOURCES = tests/test-opener.c tests/test-util.h
tests_test_opener_CFLAGS = $(daemon_test_cflags)
tests_test_opener_LDADD = $(daemon_test_ldadd)
tests_test_privs_SOURCES = tests/test-privs.c tests/test-util.h
tests_test_privs_CFLAGS = $(daemon_test_cflags)
tests_test_privs_LDADD = $(daemon_test_ldadd)
# The daemon's own privileges, started as root and with ambient capabilities.
TESTS += tests/test-privs-daemon.sh
EXTRA_DIST += tests/test-privs-daemon.sh
