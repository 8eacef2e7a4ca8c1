# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the host scripts of the benchmarks that boot a guest and run
# pageidled there (bench/daemon-bench, bench/sampling-cost): checks the
# build, prints the header that says what was run where, and boots one
# guest per call.  Set bench_here to the script's directory first.
top_srcdir=${top_srcdir:-$(cd "$bench_here/.." && pwd -P)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
# Minutes of CPU time per pass under TCG (the reference kernel's KASAN and
# lockdep: a 1 GiB anonymous case takes over half an hour), for the case
# and for the whole boot.
export VMTEST_CASE_TIMEOUT=${VMTEST_CASE_TIMEOUT:-7200}
export VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-7200}
vm_bench_out=${PAGEIDLED_BENCH_OUT:-/var/tmp/pageidled-bench}

# vm_bench_header COMMAND...: fails unless the daemon and the workload are
# built, then prints the command (with the BENCH_ settings that reach the
# guest), the host and the revision.
vm_bench_header() {
	for f in daemon/pageidled tests/workload/workload; do
		[ -x "$top_builddir/$f" ] || { echo "$1: $top_builddir/$f is not built" >&2; exit 1; }
	done
	echo "# command: $(env | sed -n "s/^\(BENCH_[A-Z_]*=\)\(.*\)/\1'\2' /p" | tr -d '\n')$*"
	echo "# host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); guests: QEMU TCG, 2 vCPUs"
	rev=$(cd "$top_srcdir" && git rev-parse --short HEAD 2> /dev/null) || rev=unknown
	[ $rev = unknown ] || (cd "$top_srcdir" && git diff --quiet HEAD) || rev=$rev-dirty
	echo "# revision $rev"
}

# vm_bench_boot KERNEL MIB GUEST_SCRIPT: one boot running GUEST_SCRIPT (a
# path under bench/), whose log it prints; fails when the boot or the
# script does.
vm_bench_boot() {
	out=$vm_bench_out-$(basename "$3" .sh)-$1-$2
	echo
	echo "## $1, $2 MiB"
	status=0
	"$top_srcdir/tests/vm/run-tests" --kernel "$1" --memory "$2" --out "$out" "$3" > "$out.tap" 2>&1 || status=1
	grep -q '^not ok' "$out.tap" && { cat "$out.tap"; status=1; }
	cat "$out/results/$(basename "$3" .sh).log"
	return $status
}
