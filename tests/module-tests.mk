# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko's tests: programs that make check builds and the VM cases run
# in the guest against every idle page bitmap it has (see
# tests/vm/lib/module.sh), and the bitmap throughput benchmark (bench/,
# run by hand with bench/run-bitmap-bench; never a timed test).  The
# reclaim benchmark (bench/run-reclaim-effect) builds its own program.
module_test_programs = \
	tests/bitmap-abi \
	tests/idle-exact \
	tests/bitmap-stress \
	tests/bitmap-probe \
	bench/bitmap-throughput

check_PROGRAMS += $(module_test_programs)

tests_bitmap_abi_SOURCES = tests/bitmap-abi.c tests/pageidle-test.h
tests_idle_exact_SOURCES = tests/idle-exact.c tests/pageidle-test.h
tests_bitmap_stress_SOURCES = tests/bitmap-stress.c tests/pageidle-test.h
tests_bitmap_probe_SOURCES = tests/bitmap-probe.c tests/pageidle-test.h
bench_bitmap_throughput_SOURCES = bench/bitmap-throughput.c tests/pageidle-test.h
bench_bitmap_throughput_CFLAGS = $(AM_CFLAGS) -pthread
bench_bitmap_throughput_LDFLAGS = -pthread

VM_MODULE_CASES = \
	tests/vm/cases/module-abi.sh \
	tests/vm/cases/module-params.sh \
	tests/vm/cases/module-exact.sh \
	tests/vm/cases/module-exact-own.sh \
	tests/vm/cases/module-stress.sh

# Not in VM_CASES: it moves max_pfn for the rest of the boot, so
# tests/vm/debian-6.1.tap and debian-6.12.tap run it after every other case.
VM_HOTPLUG_CASES = tests/vm/cases/module-hotplug.sh

EXTRA_DIST += \
	$(VM_HOTPLUG_CASES) \
	tests/vm/lib/module.sh \
	bench/run-bitmap-bench \
	bench/vm-bitmap-bench.sh \
	bench/results/bitmap-throughput.md \
	bench/run-reclaim-effect \
	bench/vm-reclaim-effect.sh \
	bench/reclaim-workload.c \
	bench/results/reclaim-effect.md
