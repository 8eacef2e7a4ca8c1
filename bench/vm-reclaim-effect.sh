#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of bench/run-reclaim-effect: what an idle page tracker on
# pageidle.ko does to reclaim.  A file on ext4 (on a loop device backed by
# the guest's tmpfs, so reclaim drops clean pages and refaults read them
# back) is read through a mapping by bench/reclaim-workload in a memory
# cgroup whose memory.max is below the file's size: a hot set in a loop, the
# rest streamed through pass after pass.  Each run gets a fresh cgroup and
# an empty page cache (drop_caches evicts the file without leaving shadow
# entries, so no refault is counted for what an earlier run read; writing
# a new file each time would cost half a minute under TCG), and one
# configuration:
#
#   none        no module, no tracker
#   page_flags  pageidle.ko with the kernel's PG_idle/PG_young (where the
#               kernel has them) and a tracker marking every PFN and reading
#               the bitmap back every PAGEIDLE_BENCH_INTERVAL_MS
#   own         the same with the module's own state (force_own_state=1
#               where page flags exist, the default elsewhere)
#
# Runs go none, page_flags, own, none, ... PAGEIDLE_BENCH_REPS times, so a
# drift in the host's load spreads over all of them.  Prints every run,
# then per configuration the mean, standard deviation and range.
set -u
: "${top_builddir:?}" "${PAGEIDLE_KO:?}"
bin=$top_builddir/bench/reclaim-workload
[ -x "$bin" ] || { echo "$bin is not built"; exit 1; }
reps=${PAGEIDLE_BENCH_REPS:-3}
hot_mib=${PAGEIDLE_BENCH_HOT_MIB:-32}
cold_mib=${PAGEIDLE_BENCH_COLD_MIB:-160}
limit_mib=${PAGEIDLE_BENCH_LIMIT_MIB:-128}
warmup=${PAGEIDLE_BENCH_WARMUP:-15}
duration=${PAGEIDLE_BENCH_DURATION:-30}
interval_ms=${PAGEIDLE_BENCH_INTERVAL_MS:-1000}
# classic or mglru: switch the LRU first (default: as booted).
lru=${PAGEIDLE_BENCH_LRU:-}
bitmap=/sys/kernel/mm/page_idle/bitmap
cgroot=/sys/fs/cgroup
img=/tmp/reclaim-ext4.img
mnt=/tmp/reclaim-ext4

grep -q '^pageidle ' /proc/modules && rmmod pageidle
[ -e "$bitmap" ] && { echo "$bitmap exists without pageidle.ko: a kernel with its own bitmap"; exit 1; }

lru_gen_file=/sys/kernel/mm/lru_gen/enabled
case $lru in
classic) echo n > "$lru_gen_file" || exit 1 ;;
mglru) echo y > "$lru_gen_file" || exit 1 ;;
esac
lru_now=classic
if [ -e "$lru_gen_file" ] && [ "$(cat "$lru_gen_file")" != 0x0000 ]; then
	lru_now="mglru($(cat "$lru_gen_file"))"
fi

# Which configurations this kernel has: own state is forced where page
# flags are the default.
insmod "$PAGEIDLE_KO" || exit 1
default_state=$(cat /sys/module/pageidle/parameters/state)
rmmod pageidle || exit 1
if [ "$default_state" = page_flags ]; then
	configs=${PAGEIDLE_BENCH_CONFIGS:-none page_flags own}
else
	configs=${PAGEIDLE_BENCH_CONFIGS:-none own}
fi

grep -qw memory "$cgroot/cgroup.controllers" || { echo "no memory controller in $cgroot"; exit 1; }
echo +memory > "$cgroot/cgroup.subtree_control" || exit 1

modprobe -q loop 2>/dev/null
modprobe -q ext4 2>/dev/null
umount "$mnt" 2>/dev/null
rm -f "$img"
file_mib=$((hot_mib + cold_mib))
truncate -s $((file_mib + file_mib / 4 + 64))M "$img" && mkfs.ext4 -q -F "$img" && mkdir -p "$mnt" &&
	mount -o loop "$img" "$mnt" || { echo "cannot mount ext4 on a loop device"; exit 1; }
file=$mnt/data
dd if=/dev/zero of="$file" bs=1M count="$file_mib" conv=fsync status=none || exit 1

echo "# kernel $KERNEL_RELEASE, $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)," \
	"LRU $lru_now; memory.max $limit_mib MiB, file $file_mib MiB (hot $hot_mib MiB), ext4 on loop on tmpfs;" \
	"warm-up ${warmup} s, measured ${duration} s; tracker interval $interval_ms ms; $reps repetitions of: $configs"

rc=0
: > /tmp/runs
rep=1
while [ $rep -le "$reps" ]; do
	for cfg in $configs; do
		case $cfg in
		none) params=- ;;
		page_flags) params=force_own_state=0 ;;
		own) params=force_own_state=1 ;;
		*) echo "unknown configuration $cfg"; exit 1 ;;
		esac

		sync
		echo 3 > /proc/sys/vm/drop_caches

		cg=$cgroot/reclaim-$cfg-$rep
		mkdir "$cg" && echo $((limit_mib * 1024 * 1024)) > "$cg/memory.max" || { rc=1; continue; }

		tracker=
		: > /tmp/track.out
		if [ "$params" != - ]; then
			insmod "$PAGEIDLE_KO" "$params" || { rc=1; rmdir "$cg"; continue; }
			state=$(cat /sys/module/pageidle/parameters/state)
			[ "$state" = "$cfg" ] || { echo "insmod $params gave state $state, not $cfg"; rc=1; }
			"$bin" track --bitmap "$bitmap" --interval-ms "$interval_ms" > /tmp/track.out 2>&1 &
			tracker=$!
		fi
		# The workload alone in the cgroup; the tracker stays in the root.
		sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
			"$bin" run --file "$file" --hot-mib "$hot_mib" --memory-stat "$cg/memory.stat" \
			--warmup-sec "$warmup" --duration-sec "$duration" \
			--label "RUN config=$cfg rep=$rep" > /tmp/run.out 2>&1 || rc=1
		if [ -n "$tracker" ]; then
			kill -TERM "$tracker"
			wait "$tracker" || rc=1
			rmmod pageidle || rc=1
		fi
		# Derived: pages reclaim scanned per page it reclaimed (a folio it
		# found referenced is scanned again before it goes), and refaults
		# per MiB of the cold part read (256 when every cold page refaults).
		echo "$(cat /tmp/run.out) $(cat /tmp/track.out)" | awk '{
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["pgsteal"] > 0) $0 = $0 sprintf(" scan_per_steal=%.2f", v["pgscan"] / v["pgsteal"])
			if (v["cold_mib"] > 0) $0 = $0 sprintf(" refaults_per_cold_mib=%.0f", v["workingset_refault_file"] / v["cold_mib"])
			print }' | tee -a /tmp/runs
		rmdir "$cg" 2>/dev/null
	done
	rep=$((rep + 1))
done
umount "$mnt"
rm -f "$img"

# Per configuration: mean, sd and range of each figure over the runs.
for cfg in $configs; do
	awk -v cfg="$cfg" '
		$1 == "RUN" && $2 == "config=" cfg {
			for (i = 3; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[2] !~ /^-?[0-9.]+$/) continue
				if (!(kv[1] in n)) { keys[++nk] = kv[1]; min[kv[1]] = max[kv[1]] = kv[2] }
				n[kv[1]]++; s[kv[1]] += kv[2]; ss[kv[1]] += kv[2] * kv[2]
				if (kv[2] < min[kv[1]]) min[kv[1]] = kv[2]
				if (kv[2] > max[kv[1]]) max[kv[1]] = kv[2]
			}
		}
		END {
			line = "SUMMARY config=" cfg
			for (k = 1; k <= nk; k++) {
				key = keys[k]
				if (key == "rep" || key == "hot_mib" || key == "file_mib") continue
				m = s[key] / n[key]
				v = n[key] > 1 ? (ss[key] - n[key] * m * m) / (n[key] - 1) : 0
				line = line sprintf(" %s=%.6g(sd=%.3g,%g..%g,n=%d)", key, m, v > 0 ? sqrt(v) : 0, min[key], max[key], n[key])
			}
			print line
		}' /tmp/runs || rc=1
done
exit $rc
