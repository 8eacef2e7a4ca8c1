#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each parser's libFuzzer target (tests/fuzz/local.mk), under ASan and UBSan,
# for a fixed number of inputs from a fixed seed, starting from the seeds
# in tests/fuzz/seeds: a crash, a leak, undefined behaviour or a broken
# property fails it, with the input saved in tests/fuzz/out/TARGET/.
# FUZZ_RUNS=N sets the number of inputs (default 100000 per target).
set -u
: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
[ -z "${FUZZ_MISSING:-}" ] || { echo "FAIL: $FUZZ_MISSING, then run configure again"; exit 1; }
runs=${FUZZ_RUNS:-100000}
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for t in conf rollup ram cgroup-path cgroup-labels; do
	bin=$top_builddir/tests/fuzz/fuzz-$t out=$top_builddir/tests/fuzz/out/$t
	seeds=$top_srcdir/tests/fuzz/seeds/$t
	[ -x "$bin" ] || { echo "FAILED: no $bin" >&2; failed=$((failed + 1)); continue; }
	[ -d "$seeds" ] || { echo "FAILED: no $seeds" >&2; failed=$((failed + 1)); continue; }
	rm -rf "$out" && mkdir -p "$out/corpus" || exit 1
	# The first directory gets what the run finds; the seeds are only read.
	# -timeout only says when one input hangs.
	if "$bin" -seed=1 -runs="$runs" -max_len=4096 -timeout=60 -artifact_prefix="$out/" \
		-print_final_stats=1 "$out/corpus" "$seeds" > "$out/log" 2>&1; then
		echo "ok: fuzz-$t, $(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log") inputs," \
			"$(ls "$out/corpus" | wc -l) new in the corpus"
	else
		echo "FAILED: fuzz-$t; the input is in $out:"
		grep -v '^#\|^INFO\|^stat::' "$out/log" | tail -n 40
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
