# SPDX-License-Identifier: GPL-2.0-or-later
#
# Reads a guest's kernel log and prints a line per report, tab-separated:
# "fail" or "stall", the case it appeared in (as the runner marked it,
# "vmtest: begin NAME"), and the report's first line.
#
# Oopses, BUG, WARNING, KASAN, UBSAN, lockdep and stack dumps are
# failures.  Soft lockups, RCU stalls and hung tasks are judged by their
# whole report (what the kernel prints in the 30 s after its first line,
# every CPU's backtrace with it, up to the next case marker or report):
# they count wall-clock time, which a TCG guest on a busy
# host falls far behind, so one is a failure only where the stuck CPU's
# own backtrace runs through pageidle.ko (a "[pageidle]" frame);
# otherwise it is printed as "stall", the emulator's, not the module's.
# The other CPUs' backtraces do not count: the module's scan may well be
# running on one of them meanwhile.

function flush_stall() {
	if (stall != "")
		printf "%s\t%s\t%s\n", (stall_blames ? "fail" : "stall"), stall_case, stall
	stall = ""
	stall_blames = 0
	stall_others = 0
}

BEGIN {
	report = "Oops|BUG:|WARNING:|KASAN:|UBSAN:|DEBUG_LOCKS_WARN_ON|INFO: (possible|trying to)|" \
		 "general protection fault|Kernel panic|Call Trace:"
	timing = "soft lockup|hard LOCKUP|rcu: INFO: rcu_|INFO: rcu_|INFO: task .* blocked"
	where = "outside any case"
}

{
	sub(/\r$/, "")
	ts = -1
	if (match($0, /^\[ *[0-9]+\.[0-9]+\]/))
		ts = substr($0, 2, RLENGTH - 2) + 0
}

/vmtest: begin / { flush_stall(); where = $NF; next }
/vmtest: end / { flush_stall(); where = "outside any case"; next }

$0 ~ timing {
	flush_stall()
	stall = $0
	stall_case = where
	stall_ts = ts
	next
}

stall != "" && ts >= 0 && ts - stall_ts > 30 { flush_stall() }

stall != "" {
	if ($0 ~ /Sending NMI from|NMI backtrace for cpu/)
		stall_others = 1
	if ($0 ~ /\[pageidle\]/ && !stall_others)
		stall_blames = 1
	# A stall's own dumps: its backtraces, and the NMI handler's note.
	if ($0 ~ report && $0 !~ /Call Trace:/)
		flush_stall()
	else
		next
}

$0 ~ report { printf "fail\t%s\t%s\n", where, $0 }

END { flush_stall() }
