# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks, run by hand (never timed in make check), each beside its
# committed results in bench/results/.  make check builds the bitmap
# throughput program, which bench/run-bitmap-bench runs in a VM; the
# reclaim benchmark (bench/run-reclaim-effect) builds its own program.
check_PROGRAMS += bench/bitmap-throughput
bench_bitmap_throughput_SOURCES = bench/bitmap-throughput.c tests/pageidle-test.h
bench_bitmap_throughput_CFLAGS = $(AM_CFLAGS) -pthread
bench_bitmap_throughput_LDFLAGS = -pthread

EXTRA_DIST += \
	bench/run-bitmap-bench \
	bench/vm-bitmap-bench.sh \
	bench/results/bitmap-throughput.md \
	bench/run-reclaim-effect \
	bench/vm-reclaim-effect.sh \
	bench/reclaim-workload.c \
	bench/results/reclaim-effect.md \
	bench/run-ref-ratio \
	bench/vm-ref-ratio.sh \
	bench/results/bitmap-ref-ratio.md \
	bench/vm-bench.sh \
	bench/daemon-cost-lib.sh \
	bench/daemon-bench \
	bench/daemon-bench-guest.sh \
	bench/daemon-results.md \
	bench/sampling-cost \
	bench/sampling-cost-guest.sh \
	bench/results/sampling-cost.md \
	bench/bus-listener \
	bench/results/bus-listener.md \
	bench/http-slow-readers \
	bench/results/http-slow-readers.md \
	bench/sampling-accuracy \
	bench/sampling-accuracy-guest.sh \
	bench/results/sampling-accuracy.md

# The history's memory at 1000 cgroups, with its results.
check_PROGRAMS += bench/history-memory
bench_history_memory_SOURCES = bench/history-memory.c
bench_history_memory_CFLAGS = -I$(top_srcdir)/daemon $(pageidled_cflags)
bench_history_memory_LDADD = $(pageidled_libs)
EXTRA_DIST += bench/results/history-memory.md
