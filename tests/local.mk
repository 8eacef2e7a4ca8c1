# SPDX-License-Identifier: GPL-2.0-or-later
# Host tests, and the VM tests: one TAP test per kernel, each booting that
# kernel once and running every case in $(VM_CASES).
VM_CASES = \
	tests/vm/cases/module-load.sh \
	$(VM_MODULE_CASES) \
	$(VM_DAEMON_CASES) \
	$(VM_BUS_CASES) \
	$(VM_HTTP_CASES) \
	$(VM_REFS_CASES)

# Under systemd as PID 1: the installed service, end to end.
VM_SYSTEMD_CASES = \
	tests/vm/cases/systemd-service.sh \
	$(VM_BUS_SYSTEMD_CASES)

VM_KERNEL_TESTS = \
	tests/vm/harness-selftest.tap \
	tests/vm/systemd-6.1.tap \
	tests/vm/systemd-6.12.tap \
	tests/vm/debian-6.1.tap \
	tests/vm/debian-6.12.tap \
	tests/vm/cgroup-v1-6.1.tap

TESTS += $(VM_KERNEL_TESTS) tests/test-units.sh tests/test-checkpatch.sh
EXTRA_DIST += \
	tests/require.sh \
	tests/test-units.sh \
	tests/test-checkpatch.sh \
	$(VM_KERNEL_TESTS) \
	$(VM_CASES) \
	tests/vm/cases/systemd-service.sh \
	tests/vm/README.md \
	tests/vm/build-ref-kernel \
	tests/vm/install-ref-kernel \
	tests/vm/pageidle-ref.config \
	tests/vm/run-tests \
	tests/vm/guest-init \
	tests/vm/guest-run \
	tests/vm/selftest/failing-case.sh \
	tests/vm/selftest/kernel-warning.sh

AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	VM_CASES='$(VM_CASES:%=$(abs_top_srcdir)/%)'; \
	VM_SYSTEMD_CASES='$(VM_SYSTEMD_CASES:%=$(abs_top_srcdir)/%)'; \
	VM_CGROUP_V1_CASES='$(VM_CGROUP_V1_CASES:%=$(abs_top_srcdir)/%)'; \
	FUZZ_MISSING='$(FUZZ_MISSING)'; \
	export top_srcdir top_builddir VM_CASES VM_SYSTEMD_CASES VM_CGROUP_V1_CASES FUZZ_MISSING;

clean-vm:
	rm -rf tests/vm/out tests/vm/stage tests/vm/stage.dirs
PHONY += clean-vm

# What make install puts in place, for the end-to-end cases to copy into
# the guest's root (installing there, under TCG, would take minutes), and
# where configure said each kind of file goes (distcheck's are under its
# own prefix, where systemd and dbus do not look).
check_DATA = vm-stage
vm-stage: all-am
	$(AM_V_GEN)rm -rf tests/vm/stage && \
	$(MAKE) $(AM_MAKEFLAGS) install DESTDIR='$(abs_top_builddir)/tests/vm/stage' > /dev/null && \
	{ echo "systemdsystemunitdir='$(systemdsystemunitdir)'"; \
	  echo "sysusersdir='$(sysusersdir)'"; \
	  echo "tmpfilesdir='$(tmpfilesdir)'"; \
	  echo "modulesloaddir='$(modulesloaddir)'"; \
	  echo "dbuspolicydir='$(dbuspolicydir)'"; \
	  echo "dbussystemservicedir='$(dbussystemservicedir)'"; \
	  echo "bindir='$(bindir)'"; } > tests/vm/stage.dirs
PHONY += vm-stage

# The main job, in a VM: pageidled tracking sample workloads in a few
# cgroups, their estimates printed after every scan.
# The workloads are check programs, which "make all" does not build.
demo: all tests/workload/workload
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(top_srcdir)/tests/vm/run-tests --kernel 6.1 --out '$(abs_top_builddir)/tests/vm/out/demo' \
		'$(abs_top_srcdir)/tests/workload/daemon-demo.sh' > tests/vm/demo.tap; \
	rc=$$?; cat tests/vm/out/demo/results/daemon-demo.log 2>/dev/null; \
	grep -v '^ok' tests/vm/demo.tap || true; exit $$rc
PHONY += demo
CLEANFILES += tests/vm/demo.tap tests/vm/out/selftest.tap
