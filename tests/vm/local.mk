# SPDX-License-Identifier: GPL-2.0-or-later
# The VM tests (tests/vm/README.md): one TAP test per kernel, each booting
# that kernel once and running every case in $(VM_CASES), in this order.
VM_CASES = \
	tests/vm/cases/module-load.sh \
	$(VM_MODULE_CASES) \
	$(VM_DAEMON_CASES) \
	$(VM_BUS_CASES) \
	$(VM_HTTP_CASES) \
	$(VM_REFS_CASES)

# pageidle.ko, with the programs of tests/local.mk.
VM_MODULE_CASES = \
	tests/vm/cases/module-abi.sh \
	tests/vm/cases/module-dev.sh \
	tests/vm/cases/module-params.sh \
	tests/vm/cases/module-exact.sh \
	tests/vm/cases/module-exact-own.sh \
	tests/vm/cases/module-stress.sh \
	tests/vm/cases/module-dev-stress.sh

# pageidled itself.
VM_DAEMON_CASES = \
	tests/vm/cases/daemon-accuracy.sh \
	tests/vm/cases/daemon-cold.sh \
	tests/vm/cases/daemon-advise.sh \
	tests/vm/cases/daemon-scan-paths.sh \
	tests/vm/cases/daemon-sampling.sh \
	tests/vm/cases/daemon-once.sh \
	tests/vm/cases/daemon-privileges.sh \
	tests/vm/cases/daemon-faults.sh \
	tests/vm/cases/daemon-budget.sh \
	tests/vm/cases/daemon-load-module.sh

# The API with the real backend.
VM_BUS_CASES = \
	tests/vm/cases/bus-api.sh

VM_HTTP_CASES = \
	tests/vm/cases/http-endpoint.sh

# The same workloads measured by both backends.
VM_REFS_CASES = tests/vm/cases/refs-compare.sh

# Not in VM_CASES: it moves max_pfn for the rest of the boot, so
# tests/vm/debian-6.1.tap and debian-6.12.tap run it after every other case.
VM_HOTPLUG_CASES = tests/vm/cases/module-hotplug.sh

# v1 memory cgroups: Debian's 6.1 only (6.12 has no CONFIG_MEMCG_V1), in a
# boot of their own (tests/vm/cgroup-v1-6.1.tap says why).
VM_CGROUP_V1_CASES = tests/vm/cases/daemon-cgroup-v1.sh

# Under systemd as PID 1: the installed service, end to end.
VM_SYSTEMD_CASES = \
	tests/vm/cases/systemd-service.sh \
	tests/vm/cases/bus-systemd.sh

# The Debian packages, under systemd as PID 1, in this order in one boot
# per kernel.  DKMS builds pageidle.ko in the guest, minutes each under
# TCG, so the boots hold three builds between them: the installation
# builds for the running kernel in each, and in the 6.12 boot DKMS builds
# for 6.1 once its headers are installed after the package
# (deb-new-kernel.sh).
VM_DEB_CASES_6_1 = \
	tests/vm/cases/deb-install.sh \
	tests/vm/cases/deb-upgrade.sh \
	tests/vm/cases/deb-remove.sh
VM_DEB_CASES_6_12 = \
	tests/vm/cases/deb-install.sh \
	tests/vm/cases/deb-upgrade.sh \
	tests/vm/cases/deb-new-kernel.sh \
	tests/vm/cases/deb-remove.sh
VM_DEB_TESTS = tests/vm/deb-6.1.tap tests/vm/deb-6.12.tap

VM_KERNEL_TESTS = \
	tests/vm/harness-selftest.tap \
	tests/vm/systemd-6.1.tap \
	tests/vm/systemd-6.12.tap \
	tests/vm/debian-6.1.tap \
	tests/vm/debian-6.12.tap \
	tests/vm/cgroup-v1-6.1.tap

# The reference kernel's boot (its cases are listed in the .tap).
VM_REF_TESTS = tests/vm/ref-kernel.tap

# How run-tests judges a guest's kernel log, on the host.
VM_HOST_TESTS = tests/vm/test-kernel-reports.sh

# The longest boots first, for make -j to start them first.
TESTS += $(VM_HOST_TESTS) $(VM_DEB_TESTS) $(VM_KERNEL_TESTS) $(VM_REF_TESTS)
EXTRA_DIST += \
	$(VM_HOST_TESTS) \
	tests/vm/kernel-reports.awk \
	tests/vm/fixtures/stall-elsewhere.console \
	tests/vm/fixtures/stall-module.console \
	tests/vm/fixtures/trace-after-stall.console \
	tests/vm/fixtures/warning-after-stall.console \
	$(VM_KERNEL_TESTS) \
	$(VM_REF_TESTS) \
	$(VM_CASES) \
	$(VM_HOTPLUG_CASES) \
	$(VM_CGROUP_V1_CASES) \
	$(VM_SYSTEMD_CASES) \
	$(VM_DEB_TESTS) \
	$(VM_DEB_CASES_6_12) \
	tests/vm/lib/deb.sh \
	tests/vm/cases/ref-diff.sh \
	tests/vm/cases/ref-daemon.sh \
	tests/vm/lib/module.sh \
	tests/vm/lib/module-tree.sh \
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
	VM_DEB_CASES_6_1='$(VM_DEB_CASES_6_1:%=$(abs_top_srcdir)/%)'; \
	VM_DEB_CASES_6_12='$(VM_DEB_CASES_6_12:%=$(abs_top_srcdir)/%)'; \
	FUZZ_MISSING='$(FUZZ_MISSING)'; \
	export top_srcdir top_builddir VM_CASES VM_SYSTEMD_CASES VM_CGROUP_V1_CASES \
		VM_DEB_CASES_6_1 VM_DEB_CASES_6_12 FUZZ_MISSING;

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
CLEANFILES += tests/vm/demo.tap tests/vm/out/selftest.tap tests/vm/deb-6.1.build.log \
	tests/vm/deb-6.12.build.log
