# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the guest scripts of the daemon's cost benchmarks
# (bench/daemon-bench-guest.sh, bench/sampling-cost-guest.sh), after
# tests/workload/daemon-lib.sh: the bitmap with the module's device beside
# it, the daemon's own figures per scan, and CPU time as the guest's
# kernel counts it.

# bench_load_bitmap: the bitmap (load_bitmap), and /dev/pageidle where
# pageidle.ko provides it.  Beside the kernel's own bitmap (the reference
# kernel) the module loads under another name and serves the device, so
# that both scan paths can be measured in one boot.
bench_load_bitmap() {
	load_bitmap
	if [ ! -c /dev/pageidle ] && [ -n "${PAGEIDLE_KO:-}" ] && [ -e "$PAGEIDLE_KO" ]; then
		insmod "$PAGEIDLE_KO" sysfs_name=page_idle_module && loaded_module=true
	fi
	bench_paths=kpageflags
	[ -c /dev/pageidle ] && bench_paths="kpageflags module"
}

# scan_means [LOG]: from the daemon's debug line for every pass (LOG,
# daemon.log by default), the means over the passes after the first (which
# only marks), tab-separated: passes, wall us, user us, sys us, cgroups,
# tracked pages.  Nothing when there is no such pass.  The CPU times are
# the daemon's and its opener's from the start of the walk of the
# hierarchy to the end of the last step; what the daemon does after a
# pass (memory.stat, publishing) is not in them.
scan_means() {
	awk '
		/Scan done in/ {
			for (i = 1; i <= NF; i++) {
				if ($i == "in") wall = $(i + 1)
				if ($(i + 1) == "us" && $(i + 2) == "user,") user = $i
				if ($(i + 1) == "us" && $(i + 2) == "sys:") sys = $i
				if ($(i + 1) == "cgroups,") cg = $i
				if ($(i + 1) == "tracked,") tracked = $i
			}
			if (++n == 1) next
			W += wall; U += user; S += sys; C = cg; T = tracked; m++
		}
		END {
			if (m > 0)
				printf "%d\t%.0f\t%.0f\t%.0f\t%d\t%d\n", m, W / m, U / m, S / m, C, T
		}' "${1:-daemon.log}"
}

# passes_done [LOG]: how many passes the daemon's debug log has finished.
passes_done() {
	grep -c 'Scan done in' "${1:-daemon.log}"
}

# wait_passes N SECONDS: until daemon.log has N finished passes.
wait_passes() {
	i=0
	until [ "$(passes_done)" -ge "$1" ]; do
		i=$((i + 1))
		[ $i -lt $(($2 * 10)) ] || fail "no pass $1 after $2 s"
		kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
		sleep 0.1
	done
}

# cpu_ticks PID: user and system time of PID and of its children (the
# daemon's privileged opener), in clock ticks (/proc/PID/stat 14 and 15;
# field 4 is the parent).
cpu_ticks() {
	cat /proc/[0-9]*/stat 2> /dev/null | sed 's/^\([0-9]*\) (.*) /\1 /' |
		awk -v p="$1" '$1 == p || $3 == p { t += $13 + $14 } END { print t + 0 }'
}

# uptime_cs: the guest's uptime in hundredths of a second.
uptime_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# cpu_share TICKS CENTISECONDS: the share of one CPU, in percent.
cpu_share() {
	awk -v c="$1" -v t="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f\n", 100 * (c / hz) / (t / 100) }'
}
