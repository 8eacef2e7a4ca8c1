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

VM_KERNEL_TESTS = \
	tests/vm/harness-selftest.tap \
	tests/vm/debian-6.1.tap \
	tests/vm/debian-6.12.tap

TESTS += $(VM_KERNEL_TESTS) tests/test-units.sh
EXTRA_DIST += \
	tests/test-units.sh \
	$(VM_KERNEL_TESTS) \
	$(VM_CASES) \
	tests/vm/README.md \
	tests/vm/build-ref-kernel \
	tests/vm/pageidle-ref.config \
	tests/vm/run-tests \
	tests/vm/guest-init \
	tests/vm/guest-run \
	tests/vm/demo.sh \
	tests/vm/selftest/failing-case.sh \
	tests/vm/selftest/kernel-warning.sh

AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	VM_CASES='$(VM_CASES:%=$(abs_top_srcdir)/%)'; \
	export top_srcdir top_builddir VM_CASES;

clean-vm:
	rm -rf tests/vm/out
PHONY += clean-vm

# The main job for now: boot Debian's kernel, load pageidle.ko, show its bitmap.
demo: all
	@$(top_srcdir)/tests/vm/run-tests --kernel 6.1 --out '$(abs_top_builddir)/tests/vm/out/demo' \
		'$(abs_top_srcdir)/tests/vm/demo.sh' > tests/vm/demo.tap; \
	rc=$$?; cat tests/vm/out/demo/results/demo.log 2>/dev/null; \
	grep -v '^ok' tests/vm/demo.tap || true; exit $$rc
PHONY += demo
CLEANFILES += tests/vm/demo.tap tests/vm/out/selftest.tap
