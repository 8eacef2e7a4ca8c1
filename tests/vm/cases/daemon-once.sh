#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled --once with the default working-set window (2min) over one
# interval of 10s: a cgroup holding 256 MiB with 64 MiB kept hot must show a
# working set near 64 MiB (what that interval saw used), not all 256, with
# both backends; and --once must fail, naming the path, when it matches no
# cgroup.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576

load_bitmap
chmod 0755 "$PWD"
start_workload /once once --kind anon --size 256M --hot 64M

# No [Scan] WorkingSetWindow=: the default window, longer than the run.
cat > pageidled.conf <<EOT
[Scan]
CPUBudget=100%
[HTTP]
Enable=no
EOT

for backend in page_idle refs; do
	echo "--- --once --backend $backend"
	"$pageidled" --config "$PWD/pageidled.conf" --once --interval 10s --backend $backend --user nobody \
		--cgroup /once > once-$backend.json 2> daemon.log || fail "--once --backend $backend failed"
	cat daemon.log
	json=once-$backend.json
	[ "$(json_top $json working_set_window_usec)" -gt 10000000 ] || fail "the window is not longer than the run"
	m=$(json_cgroup $json /once working_set_measured_usec)
	[ "$m" = 10000000 ] || fail "working_set_measured_usec is $m, not the 10s interval"
	within "/once bytes ($backend)" "$(json_cgroup $json /once bytes)" $((256 * M)) 3
	within "/once working_set_bytes ($backend)" "$(json_cgroup $json /once working_set_bytes)" $((64 * M)) 3 \
		$((256 * M))
	within "/once idle_bytes ($backend)" "$(json_cgroup $json /once idle_bytes)" $((192 * M)) 3 $((256 * M))
done

echo "--- --once on a path that matches nothing"
if "$pageidled" --config "$PWD/pageidled.conf" --once --interval 1s --user nobody --cgroup /no-such-cgroup \
	> none.json 2> daemon.log; then
	fail "--once succeeded with nothing to measure"
fi
cat daemon.log
grep -q -- "--cgroup=/no-such-cgroup matches no cgroup under /sys/fs/cgroup" daemon.log ||
	fail "the path that matched nothing is not named"
[ ! -s none.json ] || fail "--once printed a document with nothing to measure"
rm -f daemon.log
