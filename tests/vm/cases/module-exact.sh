#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Exactness (tests/idle-exact.c): marked pages read idle exactly when they
# were not touched since, for anonymous pages with THP off and on, pages
# shared with a live forked child, KSM-merged pages, and mapped file pages
# on tmpfs and on ext4 (a loop device), on every bitmap the guest has.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog idle-exact

# A real disk file system for the file case, where the guest can have one.
ext4=
img=/tmp/exact-ext4.img
mnt=/tmp/exact-ext4
modprobe -q loop 2>/dev/null
modprobe -q ext4 2>/dev/null
if truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" && mkdir -p "$mnt" &&
	mount -o loop "$img" "$mnt"; then
	ext4=$mnt
else
	echo "no ext4 on a loop device here; the file case runs on tmpfs only"
	failed_targets="$failed_targets ext4-setup"
fi

# Where the module uses the kernel's page flags, its own state is checked too.
configs=default
[ "$(expected_state)" = page_flags ] && configs="default force_own_state=1"
first=true
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
		run_on "$label: anon thp thp-pte fork ksm" "$tests/idle-exact" --bitmap "$b" anon thp thp-pte fork ksm
		run_on "$label: file on tmpfs" "$tests/idle-exact" --bitmap "$b" --dir /tmp file
		[ -n "$ext4" ] && run_on "$label: file on ext4" "$tests/idle-exact" --bitmap "$b" --dir "$ext4" file
	done
	module_unload || failed_targets="$failed_targets rmmod($cfg)"
	module_bitmap=
	first=false
done

[ -n "$ext4" ] && umount "$mnt"
rm -f "$img"
finish_case
