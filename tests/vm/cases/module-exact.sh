#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Exactness (tests/idle-exact.c): marked pages read idle exactly when they
# were not touched since, for anonymous pages with THP off and on, pages
# shared with a live forked child, KSM-merged pages, and mapped file pages
# on tmpfs and on ext4 (a loop device), on every bitmap the guest has; and
# reports how many file pages touched only through read(2) still read idle.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog idle-exact

# A real disk file system for the file case, where the guest can have one.
ext4=
img=/tmp/exact-ext4.img
mnt=/tmp/exact-ext4
# A case killed by its time limit may have left them behind.
umount "$mnt" 2>/dev/null
rm -f "$img"
modprobe -q loop 2>/dev/null
modprobe -q ext4 2>/dev/null
if truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" && mkdir -p "$mnt" &&
	mount -o loop "$img" "$mnt"; then
	ext4=$mnt
else
	echo "no ext4 on a loop device here; the file case runs on tmpfs only"
	failed_targets="$failed_targets ext4-setup"
fi

# EXACT_CONFIG: module parameters (module-exact-own.sh sets
# force_own_state=1); the kernel's own bitmap is checked only without.
configs=${EXACT_CONFIG:-default}
first=true
[ "$configs" = default ] || first=false
for cfg in $configs; do
	if [ "$cfg" = default ]; then module_load; else module_load "$cfg"; fi ||
		failed_targets="$failed_targets insmod($cfg)"
	for b in $(bitmaps); do
		if $kernel_has_bitmap && [ "$b" = "$kernel_bitmap" ]; then
			$first || continue
			label="$b (kernel's own)"
		else
			label="$b (module, $cfg)"
		fi
		run_on "$label: anon thp thp-pte fork ksm" "$tests/idle-exact" --rounds "$exact_rounds" --bitmap "$b" anon thp thp-pte fork ksm
		run_on "$label: file on tmpfs" "$tests/idle-exact" --rounds "$exact_rounds" --bitmap "$b" --dir /tmp file
		[ -n "$ext4" ] && run_on "$label: file on ext4" "$tests/idle-exact" --rounds "$exact_rounds" --bitmap "$b" --dir "$ext4" file
		# Page cache accesses through read(2): reported, not judged, with
		# MGLRU as booted and with the classic LRU.
		dir=${ext4:-/tmp}
		run_on "$label: file-read on $dir" "$tests/idle-exact" --rounds 1 --bitmap "$b" --dir "$dir" file-read
		lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null)
		if [ -n "$lru_gen" ] && [ "$lru_gen" != 0x0000 ] && echo 0 > /sys/kernel/mm/lru_gen/enabled; then
			run_on "$label: file-read on $dir, classic LRU" "$tests/idle-exact" --rounds 1 --bitmap "$b" --dir "$dir" file-read
			echo "$lru_gen" > /sys/kernel/mm/lru_gen/enabled
		fi
	done
	module_unload || failed_targets="$failed_targets rmmod($cfg)"
	module_bitmap=
	first=false
done

[ -n "$ext4" ] && umount "$mnt"
rm -f "$img"
finish_case
