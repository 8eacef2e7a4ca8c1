# SPDX-License-Identifier: GPL-2.0-or-later
# The host tests: unit tests (plain programs: exit 0 passes, 1 fails, 77
# skips) that link the daemon's library, the scripts that run the built
# daemon or check the tree, their fixtures, and the programs the VM cases
# run in the guest (tests/vm/local.mk lists the cases).
# daemon/ first: json-c's include directory has a json.h of its own.
test_cflags = -I$(top_srcdir)/daemon $(pageidled_cflags)
test_ldadd = $(pageidled_libs)

daemon_tests = \
	tests/test-conf \
	tests/test-log \
	tests/test-attrib \
	tests/test-ram \
	tests/test-cgroup \
	tests/test-cgroup-kernel \
	tests/test-cgroup-labels \
	tests/test-scan \
	tests/test-sample \
	tests/test-estimate \
	tests/test-json \
	tests/test-history \
	tests/test-pageidled

check_PROGRAMS += $(daemon_tests)
TESTS += $(daemon_tests) tests/test-man.sh
EXTRA_DIST += tests/test-man.sh

tests_test_conf_SOURCES = tests/test-conf.c tests/test-util.h
tests_test_conf_CFLAGS = $(test_cflags)
tests_test_conf_LDADD = $(test_ldadd)
tests_test_log_SOURCES = tests/test-log.c tests/test-util.h
tests_test_log_CFLAGS = $(test_cflags)
tests_test_log_LDADD = $(test_ldadd)
tests_test_attrib_SOURCES = tests/test-attrib.c tests/test-util.h
tests_test_attrib_CFLAGS = $(test_cflags)
tests_test_attrib_LDADD = $(test_ldadd)
tests_test_ram_SOURCES = tests/test-ram.c tests/test-util.h
tests_test_ram_CFLAGS = $(test_cflags)
tests_test_ram_LDADD = $(test_ldadd)
tests_test_cgroup_SOURCES = tests/test-cgroup.c tests/test-util.h
tests_test_cgroup_CFLAGS = $(test_cflags)
tests_test_cgroup_LDADD = $(test_ldadd)
tests_test_cgroup_kernel_SOURCES = tests/test-cgroup-kernel.c tests/test-util.h
tests_test_cgroup_kernel_CFLAGS = $(test_cflags)
tests_test_cgroup_kernel_LDADD = $(test_ldadd)
tests_test_cgroup_labels_SOURCES = tests/test-cgroup-labels.c tests/test-util.h
tests_test_cgroup_labels_CFLAGS = $(test_cflags)
tests_test_cgroup_labels_LDADD = $(test_ldadd)
tests_test_scan_SOURCES = tests/test-scan.c tests/test-util.h
tests_test_scan_CFLAGS = $(test_cflags)
tests_test_scan_LDADD = $(test_ldadd)
tests_test_sample_SOURCES = tests/test-sample.c tests/test-util.h
tests_test_sample_CFLAGS = $(test_cflags)
tests_test_sample_LDADD = $(test_ldadd)
tests_test_estimate_SOURCES = tests/test-estimate.c tests/test-util.h
tests_test_estimate_CFLAGS = $(test_cflags)
tests_test_estimate_LDADD = $(test_ldadd)
tests_test_json_SOURCES = tests/test-json.c tests/test-util.h
tests_test_json_CFLAGS = $(test_cflags)
tests_test_json_LDADD = $(test_ldadd)
tests_test_history_SOURCES = tests/test-history.c tests/test-util.h
tests_test_history_CFLAGS = $(test_cflags)
tests_test_history_LDADD = $(test_ldadd)
# Runs the built daemon against a fake /proc and /sys.
tests_test_pageidled_SOURCES = tests/test-pageidled.c tests/test-util.h
tests_test_pageidled_CFLAGS = $(test_cflags)
tests_test_pageidled_LDADD = $(test_ldadd)
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
	tests/fixtures/zoneinfo-qemu.txt \
	tests/fixtures/cgroup-kernel/v2/a/memory.stat \
	tests/fixtures/cgroup-kernel/v2/a/memory.pressure \
	tests/fixtures/cgroup-kernel/v2/a/memory.current \
	tests/fixtures/cgroup-kernel/v2/a/memory.high \
	tests/fixtures/cgroup-kernel/v2/a/memory.max \
	tests/fixtures/cgroup-kernel/v2-nopsi/memory.stat \
	tests/fixtures/cgroup-kernel/v2-nopsi/memory.current \
	tests/fixtures/cgroup-kernel/v2-nopsi/memory.high \
	tests/fixtures/cgroup-kernel/v2-nopsi/memory.max \
	tests/fixtures/cgroup-kernel/v1/a/memory.stat \
	tests/fixtures/cgroup-kernel/v1/a/memory.usage_in_bytes \
	tests/fixtures/cgroup-kernel/v1/a/memory.limit_in_bytes

# The privileged opener over its socketpair, and the capability checks.
check_PROGRAMS += tests/test-opener tests/test-privs
TESTS += tests/test-opener tests/test-privs
tests_test_opener_SOURCES = tests/test-opener.c tests/test-util.h
tests_test_opener_CFLAGS = $(test_cflags)
tests_test_opener_LDADD = $(test_ldadd)
tests_test_privs_SOURCES = tests/test-privs.c tests/test-util.h
tests_test_privs_CFLAGS = $(test_cflags)
tests_test_privs_LDADD = $(test_ldadd)
# The daemon's own privileges, started as root and with ambient capabilities.
TESTS += tests/test-privs-daemon.sh
EXTRA_DIST += tests/test-privs-daemon.sh

# --- the refs backend -------------------------------------------------------
check_PROGRAMS += tests/test-refs
TESTS += tests/test-refs
tests_test_refs_SOURCES = tests/test-refs.c tests/test-util.h
tests_test_refs_CFLAGS = $(test_cflags)
tests_test_refs_LDADD = $(test_ldadd)

EXTRA_DIST += \
	tests/fixtures/smaps_rollup-6.18.txt \
	tests/fixtures/smaps_rollup-5.4.txt \
	tests/fixtures/smaps_rollup-shared.txt

# On the host kernel itself: a real cgroup, real processes (root; skips without).
TESTS += tests/test-refs-host.sh
EXTRA_DIST += tests/test-refs-host.sh

# --- the D-Bus API ----------------------------------------------------------
# The path checks, bus.c over a socketpair with a handler of the test's
# own, and the real daemon on a private bus with the real policy
# (tests/test-bus-daemon.sh: root; it skips otherwise).
bus_tests = tests/test-bus-path tests/test-bus-objects
check_PROGRAMS += $(bus_tests)
TESTS += $(bus_tests) tests/test-bus-daemon.sh
tests_test_bus_path_SOURCES = tests/test-bus-path.c tests/test-util.h
tests_test_bus_path_CFLAGS = $(test_cflags)
tests_test_bus_path_LDADD = $(test_ldadd)
tests_test_bus_objects_SOURCES = tests/test-bus-objects.c tests/test-util.h
tests_test_bus_objects_CFLAGS = $(test_cflags)
tests_test_bus_objects_LDADD = $(test_ldadd)
EXTRA_DIST += \
	tests/test-bus-daemon.sh \
	tests/bus/bus-lib.sh \
	tests/bus/bus-checks.sh
TESTS += tests/test-bus-man.sh
EXTRA_DIST += tests/test-bus-man.sh

# --- the HTTP endpoint ------------------------------------------------------
http_tests = tests/test-metrics tests/test-http-conf
check_PROGRAMS += $(http_tests)
TESTS += $(http_tests)
tests_test_metrics_SOURCES = tests/test-metrics.c tests/test-util.h
tests_test_metrics_CFLAGS = $(test_cflags)
tests_test_metrics_LDADD = $(test_ldadd)
tests_test_http_conf_SOURCES = tests/test-http-conf.c tests/test-util.h
tests_test_http_conf_CFLAGS = $(test_cflags)
tests_test_http_conf_LDADD = $(test_ldadd)

# The daemon on the host against a fake /proc and /sys, scraped with curl,
# checked with jq (against the schema) and promtool; then against hostile
# clients (connection floods, idle and slow ones, odd requests), each run
# by http-hostile.
check_PROGRAMS += tests/http/http-hostile
tests_http_http_hostile_SOURCES = tests/http/http-hostile.c
TESTS += \
	tests/http/test-http-e2e.sh \
	tests/http/test-http-limits.sh \
	tests/http/test-http-slow.sh \
	tests/http/test-grafana.sh \
	tests/http/test-http-history.sh
EXTRA_DIST += \
	tests/http/test-http-e2e.sh \
	tests/http/test-http-limits.sh \
	tests/http/test-http-slow.sh \
	tests/http/test-grafana.sh \
	tests/http/test-http-history.sh \
	tests/http/host-daemon.sh \
	tests/http/lib.sh \
	tests/http/schema-check.jq \
	tests/http/fake-tree.sh

# --- the tree ----------------------------------------------------------------
# The units, and checkpatch on the module's sources.
TESTS += tests/test-units.sh tests/test-checkpatch.sh
EXTRA_DIST += \
	tests/require.sh \
	tests/test-units.sh \
	tests/test-checkpatch.sh

# --- programs the VM cases run ----------------------------------------------
# pageidle.ko's tests, run in the guest against every idle page bitmap it
# has (see tests/vm/lib/module.sh), and the differential test against the
# kernel's own page_idle on the reference kernel.
module_test_programs = \
	tests/bitmap-abi \
	tests/idle-exact \
	tests/bitmap-stress \
	tests/bitmap-probe \
	tests/idle-diff \
	tests/dev-abi \
	tests/dev-stress

check_PROGRAMS += $(module_test_programs)

tests_bitmap_abi_SOURCES = tests/bitmap-abi.c tests/pageidle-test.h
tests_idle_exact_SOURCES = tests/idle-exact.c tests/pageidle-test.h
tests_bitmap_stress_SOURCES = tests/bitmap-stress.c tests/pageidle-test.h
tests_bitmap_probe_SOURCES = tests/bitmap-probe.c tests/pageidle-test.h
tests_idle_diff_SOURCES = tests/idle-diff.c tests/idle-workload.h tests/pageidle-test.h
# /dev/pageidle's ioctl, with the module's own header.
tests_dev_abi_SOURCES = tests/dev-abi.c tests/pageidle-test.h
tests_dev_abi_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/kernel/uapi -pthread
tests_dev_abi_LDADD = -lpthread
tests_dev_stress_SOURCES = tests/dev-stress.c tests/pageidle-test.h
tests_dev_stress_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/kernel/uapi

# Workload programs the VM cases run in cgroups.
check_PROGRAMS += tests/workload/workload
tests_workload_workload_SOURCES = tests/workload/workload.c
EXTRA_DIST += \
	tests/workload/daemon-lib.sh \
	tests/workload/daemon-demo.sh

# --- the Debian packages ------------------------------------------------------
# Built as "make deb" builds them, from this tree's dist tarball, into
# tests/deb (and again with a higher version into tests/deb/rebuild, for the
# upgrade case), only for the tests that use them, which run this target
# through tests/deb-packages.sh (automake has no way to add a prerequisite
# to a test's log): build-aux/make-deb keeps them while the tarball's
# contents stay the same.
deb_check_dir = tests/deb
deb_check_distdir = $(deb_check_dir)/$(PACKAGE)-$(VERSION)
check-deb-packages:
	@rm -rf '$(deb_check_distdir)' && mkdir -p '$(deb_check_dir)'
	$(AM_V_GEN)$(MAKE) $(AM_MAKEFLAGS) distdir distdir='$(deb_check_distdir)' > /dev/null && \
	(cd '$(deb_check_dir)' && tar --format=posix -chf - '$(PACKAGE)-$(VERSION)' | gzip -1 > '$(PACKAGE)-$(VERSION).tar.gz') && \
	rm -rf '$(deb_check_distdir)' && \
	$(top_srcdir)/build-aux/make-deb --out '$(deb_check_dir)' --rebuild-as +rebuild1 \
		'$(deb_check_dir)/$(PACKAGE)-$(VERSION).tar.gz' > /dev/null
clean-deb-check:
	rm -rf '$(deb_check_dir)' '$(deb_check_dir).lock'
PHONY += check-deb-packages clean-deb-check

# The version in configure.ac, debian/changelog and dkms.conf; the shipped
# /etc/pageidled.conf against pageidled.conf(5).
TESTS += tests/test-deb-version.sh
# lintian and the packages' contents.
TESTS += tests/test-deb-lintian.sh
EXTRA_DIST += tests/test-deb-version.sh tests/test-deb-lintian.sh tests/deb-packages.sh
