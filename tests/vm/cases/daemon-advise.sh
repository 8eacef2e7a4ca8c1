#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The advice against workloads that know its truth, in one run of pageidled
# (a scan every 5 s, windows of 5, 15 and 30 s, a cold age of 10 s), with
# page cache on ext4 on a loop device (on tmpfs it would be shmem, which
# without swap the kernel cannot drop):
# - /cache: a 192M file read twice, then left alone, and 16M of anonymous
#   memory kept hot.  cAdvisor's working set (memory.current minus
#   inactive_file) counts the page cache, far above the 16M used;
#   working_set_bytes is within 2% of 16M, cold_file_bytes of 192M, and the
#   suggested limit of 16M plus the least headroom.
# - /wake: 48M of anonymous memory of which the next 1M, in turn, is used
#   every second, after 47 s idle: promotion_bytes_per_minute over eight
#   scans must be within 10% of 60M a minute.
# - /windows: workloads holding 8M, 8M and 16M hot; the case stops the 16M
#   one after it sees scan 3 and one 8M one after scan 6 (SIGSTOP: its
#   memory stays, unused).  Windows are whole passes (1, 3 and 6), and a
#   workload stopped after scan S last used its pages in the interval of
#   pass S or, where pass S read a page before the workload's last round
#   came to it, of pass S + 1: at scan C their age is C - S or C - S - 1.
#   So the checks come where both ages fall in the same windows: at scan 8
#   (ages 1-2 and 4-5) the three windows hold 8M, 16M and 32M, at scan 11
#   (ages 4-5 and 7-8) 8M, 8M and 16M, each within 2%.
# - /squeeze: memory.high 16M under a read-only mapping of a 24M file read
#   in full every two seconds: the kernel refaults it, so the file refault
#   rate and (where the kernel has PSI) memory.pressure are above 0, and
#   the suggested limit is above memory.high.  Without PSI the pressure must
#   be null, not 0.
# pageidlectl advise, over a private bus, lists /cache first, and its --json
# has every field of the advice, with the document's names.
# The workloads use their memory every second, not more: the guest's CPU
# is scarce under TCG, and this loop must see every scan.
set -u
. "$top_srcdir/tests/bus/bus-lib.sh"
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2
interval=5
img=$PWD/ext4.img
mnt=$PWD/ext4
lru_gen=/sys/kernel/mm/lru_gen/enabled
lru_gen_was=
mounted=false
stopped=

finish() {
	[ -n "$stopped" ] && kill -CONT $stopped 2> /dev/null
	cleanup
	stop_bus
	$mounted && umount "$mnt"
	[ -n "$lru_gen_was" ] && echo "$lru_gen_was" > $lru_gen
}
trap finish EXIT
trap 'exit 1' INT TERM

for t in dbus-daemon busctl jq mkfs.ext4 setpriv; do
	command -v $t > /dev/null || fail "needs $t"
done
chmod 0755 "$PWD"
load_bitmap

modprobe -q loop 2> /dev/null
modprobe -q ext4 2> /dev/null
truncate -s 256M "$img" && mkfs.ext4 -q -F "$img" && mkdir "$mnt" && mount -o loop "$img" "$mnt" ||
	fail "no ext4 on a loop device"
mounted=true
# Sparse: reading them makes page cache without I/O.
truncate -s 192M "$mnt/cache.data" && truncate -s 24M "$mnt/squeeze.data" || fail "making the files"

# in_cgroup CGROUP COMMAND...: COMMAND in CGROUP, in the foreground.
in_cgroup() {
	cg=$1
	shift
	cgroup_new "$cg"
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cgroot$cg" "$@"
}

# stat_of CGROUP: memory.stat's file LRU sizes, for the log.
stat_of() {
	awk '$1 ~ /^(in)?active_file$/ { printf "%s %.1fM  ", $1, $2 / 1048576 } END { print "" }' \
		"$cgroot$1/memory.stat"
}

# MGLRU leaves page cache read once or twice in its oldest generation,
# which memory.stat counts as inactive until reclaim ages it; the classic
# LRU makes it active at the second read, as page cache in use for a while
# is.  So the file is read on the classic LRU.
if [ -w $lru_gen ] && [ "$(cat $lru_gen)" != 0x0000 ]; then
	lru_gen_was=$(cat $lru_gen)
	echo 0 > $lru_gen || fail "turning MGLRU off"
fi
for i in 1 2; do
	in_cgroup /cache cat "$mnt/cache.data" > /dev/null || fail "reading cache.data"
done
if [ -n "$lru_gen_was" ]; then
	echo "$lru_gen_was" > $lru_gen || fail "turning MGLRU back on"
	lru_gen_was=
fi
echo "/cache after the reads: $(stat_of /cache)"
start_workload /cache cache --kind anon --size 16M --hot 16M --period 1000
start_workload /wake wake --kind anon --size 48M --hot 0 --wake 1M --wake-period 1000
start_workload /windows win-a --kind anon --size 8M --hot 8M --period 1000
start_workload /windows win-b --kind anon --size 8M --hot 8M --period 1000
pid_b=$pid
start_workload /windows win-c --kind anon --size 16M --hot 16M --period 1000
pid_c=$pid
cgroup_new /squeeze
echo 16M > $cgroot/squeeze/memory.high || fail "setting memory.high"
start_workload /squeeze squeeze --kind file --read --file "$mnt/squeeze.data" --size 24M --hot 24M --period 2000

bus_daemon_user=daemon
start_bus "$PWD"
write_conf ${interval}s "${interval}s, $((3 * interval))s, $((6 * interval))s" <<EOT
ColdAge=$((2 * interval))s
[Cgroups]
Track=/cache /wake /windows /squeeze
[HTTP]
Enable=no
EOT
start_daemon --config "$PWD/pageidled.conf" --json-file "$PWD/run/stats.json" --user daemon
wait_name || fail "org.pageidled1 never appeared"
json=run/stats.json

# jq is slow to start under TCG (seconds when the host is busy): each
# document is read once, into shell variables.
# load FILE CGROUP NAME: NAME_KEY for each figure of CGROUP's entry in FILE
# (null as "null"), NAME_wsI for the bytes of its working set I.
load() {
	eval "$(jq -r --arg p "$2" --arg v "$3" '.cgroups[] | select(.path == $p) |
		(to_entries[] | select(.value | type != "array" and type != "object") |
			"\($v)_\(.key)=\(.value | tostring | @sh)"),
		(.working_sets | to_entries[] | "\($v)_ws\(.key)=\(.value.bytes)")' "$1")"
}

# windows W1 W2 W3: /windows' working sets (loaded as w) within 2% of W1, W2, W3 MiB.
windows() {
	within "/windows window 1" "$w_ws0" $(($1 * M)) $tol
	within "/windows window 2" "$w_ws1" $(($2 * M)) $tol
	within "/windows window 3" "$w_ws2" $(($3 * M)) $tol
}

# The fields of the advice, in the document and in pageidlectl --json advise.
advice_fields='["bytes", "working_set_bytes", "cold_bytes", "cold_anon_bytes", "cold_file_bytes",
	"promoted_bytes", "promotion_bytes_per_minute", "promotion_ratio", "reclaimable_bytes", "headroom_ratio",
	"suggested_limit_bytes", "working_sets", "memory_current_bytes", "memory_high_bytes", "memory_max_bytes",
	"cadvisor_working_set_bytes", "workingset_refault_anon_per_second", "workingset_refault_file_per_second",
	"memory_pressure_some_avg10_ratio", "memory_pressure_full_avg10_ratio"]'

check_cache() {
	load $1 /cache c
	echo "/cache now: $(stat_of /cache)"
	within "/cache working_set_bytes" "$c_working_set_bytes" $((16 * M)) $tol
	within "/cache cold_file_bytes" "$c_cold_file_bytes" $((192 * M)) $tol
	[ "$c_reclaimable_bytes" = "$c_cold_bytes" ] || fail "/cache reclaimable_bytes is not cold_bytes"
	# No promotion, no refaults: the least headroom over the longest window's.
	within "/cache suggested_limit_bytes" "$c_suggested_limit_bytes" $((16 * M * 11 / 10)) $tol
	echo "/cache cadvisor_working_set_bytes $c_cadvisor_working_set_bytes," \
		"memory_current_bytes $c_memory_current_bytes, bytes $c_bytes"
	[ "$c_cadvisor_working_set_bytes" -ge $(((16 + 144) * M)) ] ||
		fail "/cache: cAdvisor's working set is not far above the 16M used"
}

check_squeeze() {
	load $1 /squeeze s
	echo "/squeeze: memory_current_bytes $s_memory_current_bytes, memory_high_bytes $s_memory_high_bytes, bytes $s_bytes,"
	echo "  refaults/s file $s_workingset_refault_file_per_second, anon $s_workingset_refault_anon_per_second;" \
		"pressure some $s_memory_pressure_some_avg10_ratio, full $s_memory_pressure_full_avg10_ratio;"
	echo "  windows $s_ws0 $s_ws1 $s_ws2, headroom $s_headroom_ratio, suggested_limit_bytes $s_suggested_limit_bytes," \
		"cadvisor_working_set_bytes $s_cadvisor_working_set_bytes"
	[ "$s_memory_high_bytes" = $((16 * M)) ] || fail "/squeeze memory_high_bytes is not 16M"
	awk -v r="$s_workingset_refault_file_per_second" 'BEGIN { exit !(r > 0) }' || fail "/squeeze: no file refaults"
	if [ -e /proc/pressure/memory ] && [ -e $cgroot/squeeze/memory.pressure ]; then
		awk -v s="$s_memory_pressure_some_avg10_ratio" 'BEGIN { exit !(s > 0) }' || fail "/squeeze: no memory pressure"
		[ "$s_memory_pressure_full_avg10_ratio" != null ] || fail "/squeeze: no full pressure figure with PSI"
	else
		echo "no PSI in this kernel: the pressure must be absent"
		[ "$s_memory_pressure_some_avg10_ratio" = null ] && [ "$s_memory_pressure_full_avg10_ratio" = null ] ||
			fail "/squeeze: a pressure figure without PSI"
	fi
	[ "$s_suggested_limit_bytes" -gt "$s_memory_high_bytes" ] || fail "/squeeze: the suggested limit is not above memory.high"
}

# Every field of the advice for every cgroup in the document FILE and in
# pageidlectl's (with the cold age, which the document has once), null in
# one where null in the other; memory.high and the cold age as set.
check_advise() {
	as_nobody "$pageidlectl" advise > advise.txt || fail "pageidlectl advise"
	cat advise.txt
	[ "$(awk 'NR == 2 { print $1 }' advise.txt)" = /cache ] || fail "advise does not put /cache, with most to reclaim, first"
	as_nobody "$pageidlectl" --json advise > advise.json || fail "pageidlectl --json advise"
	jq -n -e --argjson ks "$advice_fields" --slurpfile doc "$1" --slurpfile adv advise.json '
		def nulls: map(. as $c | [$ks[] | . as $k | $c[$k] == null]) | sort;
		$doc[0].cgroups as $d | $adv[0] as $a |
		($d | length) == 4 and ($a | length) == 4 and
		all($d[]; . as $c | all($ks[]; . as $k | $c | has($k))) and
		all($a[]; . as $c | all($ks[], "cold_age_usec"; . as $k | $c | has($k))) and
		($d | nulls) == ($a | nulls) and
		($a[] | select(.path == "/squeeze") | .memory_high_bytes == 16777216) and
		($a[] | select(.path == "/cache") | .memory_high_bytes == null and .cold_age_usec == 10000000) and
		$doc[0].working_set_windows_usec == [5000000, 15000000, 30000000]' > /dev/null ||
		fail "the advice's fields in the document and pageidlectl --json advise"
	echo "the advice's fields: in the document and pageidlectl --json advise, null in both alike"
}

# What the case does to the workloads at each scan.
on_scan() {
	case $1 in
	3) kill -STOP $pid_c; stopped="$stopped $pid_c" ;;
	6) kill -STOP $pid_b; stopped="$stopped $pid_b" ;;
	*) return ;;
	esac
	# Pass N + 1 starts an interval after pass N did: a stop later than
	# that would leave the pages' ages one pass less than the checks allow.
	now=$(date +%s%6N)
	ts=$(json_top scan-$1.json last_scan_timestamp_usec) dur=$(json_top scan-$1.json last_scan_duration_usec)
	echo "stopped a /windows workload after scan $1," \
		"$(((ts - dur + interval * 1000000 - now) / 1000)) ms before pass $(($1 + 1)) was due"
}

# Every scan, in turn, until scan 11, copied for the checks that follow.
last=0
while [ $last -lt 11 ]; do
	n=$(json_top $json scan_count 2> /dev/null)
	if [ -n "$n" ] && [ "$n" -gt "$last" ]; then
		cp $json scan.json
		n=$(json_top scan.json scan_count)
		[ "$n" -eq $((last + 1)) ] || fail "scans $((last + 1)) to $((n - 1)) not seen"
		mv scan.json scan-$n.json
		last=$n
		on_scan $n
	fi
	kill -0 "$daemon_pid" 2> /dev/null || fail "pageidled died"
	sleep 0.1
done
# Per scan: its duration, /wake's promotion, /windows' working sets.
jq -r '"\(.scan_count) \(.last_scan_duration_usec) " + (.cgroups[] | select(.path == "/wake") |
	"\(.promoted_bytes) \(.promotion_bytes_per_minute) \(.cold_bytes)") + " " +
	(.cgroups[] | select(.path == "/windows") | [.working_sets[].bytes | tostring] | join(" "))' \
	$(seq -f scan-%g.json 1 11) > scans.txt
awk '{ printf "scan %d, %d us: /wake promoted_bytes %d, %d/min, cold_bytes %d; /windows %d %d %d\n",
	$1, $2, $3, $4, $5, $6, $7, $8 }' scans.txt
check_cache scan-9.json
check_squeeze scan-9.json
# 1M a second, 60M a minute; every wake from scan 4 on was of memory cold
# at the scan before.
within "/wake promotion per minute, mean of scans 4-11" \
	"$(awk '$1 >= 4 { s += $4; n++ } END { printf "%d", s / n }' scans.txt)" $((60 * M)) 10
load scan-8.json /windows w
windows 8 16 32
load scan-11.json /windows w
windows 8 8 16
check_advise scan-11.json

echo "--- the document at scan 9"
cat scan-9.json
kill -CONT $stopped
stopped=
stop_workloads
stop_daemon
echo "--- daemon.log"
cat daemon.log
