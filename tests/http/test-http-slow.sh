#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Slow readers of the HTTP endpoint, on the host against a fake /proc and
# /sys (tests/http/fake-tree.sh) with 300 more cgroups, so that a document
# (280 kB) is far larger than what the kernel buffers for a connection.
# Readers ask for /stats.json and read 256 bytes a second
# (tests/http/http-hostile.c); they used to stay connected for as long as
# they cared to, each holding the document of its scan.
#  - scanning every 200 ms: every reader is cut once its document is
#    three scans old, within seconds;
#  - scanning every 5 s, 300 readers from four addresses: every reader is
#    cut by the answer deadline, 10 s after its request (before its
#    document is three scans old), or to make room for a newcomer;
#  - meanwhile /healthz answers at once, even with 300 readers.
# What the readers cost in memory is measured, not asserted: see
# bench/http-slow-readers.
set -u
if [ -z "${HTTP_SLOW_TIMEOUT:-}" ]; then
	HTTP_SLOW_TIMEOUT=120 exec timeout 120 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/http/host-daemon.sh"
need_host_tools
make_fake_tree "$work/tree"

# slow_readers NAME COUNT SECONDS [SOURCES]: runs them, sets $cut and
# $longest_ms.
slow_readers() {
	"$hostile" ${4:+-s "$4"} "$host" "$port" slowread "$2" 256 "$3" /stats.json > "$work/$1.out" &
	readers=$!
	sleep 2
	for i in 1 2 3; do
		"$hostile" "$host" "$port" probe > "$work/$1.probe" ||
			check_failed "/healthz not answered next to $2 slow readers: $(cat "$work/$1.probe")"
	done
	wait $readers
	cat "$work/$1.out"
	cut=$(sed -n 's/^cut //p' "$work/$1.out")
	longest_ms=$(sed -n 's/^longest_msec //p' "$work/$1.out")
}

start_daemon "$work/tree" fast 200ms 300
size=$(curl -sf --max-time 10 "$base/stats.json" | wc -c)
echo "the document: $size bytes"
[ "$size" -gt 200000 ] || fail "the document is only $size bytes: too small to test slow readers"
slow_readers fast 20 20
[ "$cut" = 20 ] || check_failed "$((20 - cut)) of 20 slow readers were not cut in 20 s while documents changed every 200 ms"
[ "${longest_ms:-99999}" -le 5000 ] ||
	check_failed "a slow reader kept a document many scans old for $longest_ms ms"
stop_daemon

# More readers than the connection limit: the probes (from 127.0.0.1)
# still get in, each in place of the oldest answer.
start_daemon "$work/tree" slow 5s 300
slow_readers slow 300 25 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5
[ "$cut" = 300 ] || check_failed "$((300 - cut)) of 300 slow readers were not cut in 25 s"
[ "${longest_ms:-99999}" -le 15000 ] ||
	check_failed "a slow reader stayed $longest_ms ms, past the 10 s answer deadline"
[ "${longest_ms:-0}" -ge 8000 ] ||
	check_failed "a slow reader was cut after $longest_ms ms, before the 10 s answer deadline"
stop_daemon
finish
