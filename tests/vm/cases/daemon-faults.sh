#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled keeps running through faults and recovers by itself, with one
# log line each: pageidle.ko unloaded and loaded again under it, a tracked
# cgroup removed, a bad configuration on SIGHUP.  Then SIGTERM exits 0.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"

load_bitmap
chmod 0755 "$PWD"
start_workload /fa fa --kind anon --size 16M --hot 8M
start_workload /fb fb --kind anon --size 8M --hot 8M
fb_pid=$(echo $workload_pids | awk '{ print $2 }')

write_conf 1s <<EOT
[Cgroups]
Track=/f*
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user nobody
json=run/stats.json
wait_scans $json 2
[ "$(json_top $json state)" = running ] || fail "state is $(json_top $json state), not running"
[ -n "$(json_cgroup $json /fb bytes)" ] || fail "/fb is not listed"

# 1. A tracked cgroup goes away.
kill "$fb_pid"
wait "$fb_pid" 2> /dev/null
rmdir $cgroot/fb
n=$(json_top $json scan_count)
wait_scans $json $((n + 2))
[ -z "$(json_cgroup $json /fb bytes)" ] || fail "/fb is still listed after rmdir"
[ "$(grep -c 'Cgroup /fb is gone' daemon.log)" -eq 1 ] || fail "not one log line for /fb going away"
[ "$(json_top $json state)" = running ] || fail "a removed cgroup made the state $(json_top $json state)"
echo "removed cgroup: dropped, one log line, still running"

# 2. The bitmap goes away and comes back (pageidle.ko only).
if $loaded_module; then
	unload_module_running
	i=0
	until [ "$(json_top $json state)" = degraded ]; do
		i=$((i + 1)); [ $i -lt 300 ] || fail "state never became degraded"
		sleep 0.1
	done
	echo "state: degraded: $(json_top $json state_detail)"
	sleep 3
	[ "$(grep -c "Failed to access $bitmap" daemon.log)" -eq 1 ] ||
		fail "not one log line for the missing bitmap"
	kill -0 "$daemon_pid" || fail "pageidled died without its bitmap"
	insmod "$PAGEIDLE_KO" || fail "insmod again"
	i=0
	until [ "$(json_top $json state)" = running ]; do
		i=$((i + 1)); [ $i -lt 300 ] || fail "state never came back to running"
		sleep 0.1
	done
	grep -q "$bitmap is back" daemon.log || fail "no log line for the bitmap coming back"
	n=$(json_top $json scan_count)
	wait_scans $json $((n + 1))
	within "/fa working_set_bytes after reload" "$(json_cgroup $json /fa working_set_bytes)" $((8 * 1048576)) 2
	echo "bitmap unloaded and back: degraded, then running again"
else
	echo "the kernel's own bitmap cannot go away: skipping the unload part"
fi

# 3. A bad configuration on SIGHUP keeps the old one.
printf '[Scan]\nInterval=1s\n\nWorkingSetWindow=yesterday\n' > pageidled.conf
kill -HUP "$daemon_pid"
wait_log "pageidled.conf:4: WorkingSetWindow=yesterday: not a duration"
wait_log "Keeping the previous configuration"
n=$(json_top $json scan_count)
wait_scans $json $((n + 1))
[ "$(json_top $json state)" = running ] || fail "a bad reload changed the state"
echo "bad reload: error with file:line, still running"

stop_daemon
echo "--- daemon.log"
cat daemon.log
