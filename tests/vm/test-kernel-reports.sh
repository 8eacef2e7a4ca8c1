#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/kernel-reports.awk, which judges a guest's kernel log for
# run-tests, on logs with known reports (tests/vm/fixtures/*.console): a stall
# whose stuck CPU is in the kernel's own code passes, even when another
# CPU is in pageidle.ko meanwhile; one whose stuck CPU runs through
# pageidle.ko fails; a WARNING after a stall, and a stack dump printed
# long after one, fail on their own.
set -u
fixtures=$top_srcdir/tests/vm/fixtures
awk=$top_srcdir/tests/vm/kernel-reports.awk
n=0 failed=0

check() {
	n=$((n + 1))
	got=$(awk -f "$awk" "$fixtures/$1" | cut -f 1,2 | tr '\t\n' ' |')
	if [ "$got" = "$2" ]; then
		echo "ok $n - $1: $2"
	else
		echo "not ok $n - $1: got '$got', want '$2'"
		failed=$((failed + 1))
	fi
}

echo "1..4"
check stall-elsewhere.console "stall module-dev-stress|stall module-dev-stress|"
check stall-module.console "fail module-dev|"
check warning-after-stall.console "stall daemon-accuracy|fail daemon-accuracy|fail daemon-accuracy|"
check trace-after-stall.console "stall daemon-faults|fail daemon-faults|"
[ "$failed" = 0 ]
