#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Memory hot-added while pageidle.ko is loaded (needs run-tests --hotplug;
# run it last: max_pfn stays grown for the rest of the boot).
#
# page_flags state, where the kernel has it: the bitmap follows max_pfn,
# so the new memory reads, and its pages can be marked and read back idle,
# with no reload.
# own state (the default without CONFIG_PAGE_IDLE_FLAG, else
# force_own_state=1): the new memory reads 0, a write that starts there
# fails with ENXIO, one that crosses the PFNs covered at load stops there,
# and the kernel log names each new block once; after a reload the new
# memory is covered: writes work and its pages read back idle.  In both,
# /dev/pageidle's calls go over all of memory, the new memory included.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
need_prog bitmap-probe
need_prog dev-stress
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
probe=$tests/bitmap-probe
memdir=/sys/devices/system/memory

if [ -z "${VMTEST_HOTPLUG_MIB:-}" ]; then
	echo "no memory to hot-add: the guest was booted without run-tests --hotplug"
	exit 77
fi
if [ ! -e "$memdir/block_size_bytes" ]; then
	echo "$KERNEL_RELEASE has no memory hotplug ($memdir/block_size_bytes missing)"
	exit 77
fi

fail() {
	echo "FAIL: $*"
	failed_targets="$failed_targets [$*]"
}
pass() { echo "ok: $*"; }
hex() { printf '0x%x' "$1"; }

# One past the last PFN of System RAM, as the kernel's max_pfn.
max_pfn() {
	end=0
	for e in $(sed -n 's/^[0-9a-f]*-\([0-9a-f]*\) : System RAM$/\1/p' /proc/iomem); do
		[ $((0x$e + 1)) -gt "$end" ] && end=$((0x$e + 1))
	done
	echo $((end / 4096))
}

blocks() { ls "$memdir" | sed -n 's/^memory\([0-9]*\)$/\1/p' | sort -n; }

# hotplug N: asks the host for DIMM N, onlines its memory blocks where the
# kernel has not, and sets new_blocks, lo and hi (its PFNs, [lo, hi)).
hotplug() {
	hp_before=$(blocks)
	: > "$VMTEST_RESULTS/hotplug-$1.request"
	i=0
	while [ ! -e "$VMTEST_RESULTS/hotplug-$1.done" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || { echo "the host did not answer hotplug request $1"; return 1; }
		sleep 0.2
	done
	block_bytes=$(($(sed 's/^/0x/' "$memdir/block_size_bytes")))
	block_pfns=$((block_bytes / 4096))
	want=$((VMTEST_HOTPLUG_MIB * 1048576 / block_bytes))
	i=0
	while :; do
		new_blocks=$(blocks | grep -vxF "$hp_before")
		[ -n "$new_blocks" ] && [ "$(echo "$new_blocks" | wc -l)" -ge "$want" ] && break
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "no memory block appeared after hot-add $1; the monitor said:"
			cat "$VMTEST_RESULTS/hotplug-$1.done"
			return 1
		fi
		sleep 0.2
	done
	lo= hi=
	for b in $new_blocks; do
		# The kernel may online it meanwhile (6.12): then the write
		# fails and the block is online all the same.
		i=0
		while state=$(cat "$memdir/memory$b/state"); [ "$state" != online ]; do
			i=$((i + 1))
			[ $i -le 50 ] || { echo "memory$b stays $state"; return 1; }
			[ "$state" = offline ] && echo online 2> /dev/null > "$memdir/memory$b/state"
			sleep 0.2
		done
		[ -n "$lo" ] || lo=$((b * block_pfns))
		hi=$(((b + 1) * block_pfns))
	done
	echo "hot-added memory blocks $(echo $new_blocks) (PFNs $(hex "$lo")-$(hex $((hi - 1)))); max_pfn now $(hex "$(max_pfn)")"
}

# expect WHAT WANT COMMAND...: the probe's output must be WANT, or start
# with it when WANT is one word (what a read or write returned).
expect() {
	what=$1 want=$2
	shift 2
	got=$("$@")
	case $want in
	*" "*) cmp=$got ;;
	*) cmp=${got%% *} ;;
	esac
	if [ "$cmp" = "$want" ]; then pass "$what: $got"
	else fail "$what: got '$got', expected $want"; fi
}

zero_word=0x0000000000000000

# page_flags: the bitmap follows max_pfn.
if [ "$(expected_state)" = page_flags ]; then
	module_load || exit 1
	before=$(dmesg | wc -l)
	if hotplug 1; then
		expect "page_flags: read of the new memory's first word" 8 \
			"$probe" read "$module_bitmap" $((lo / 64))
		expect "page_flags: write to the new memory's first word" 8 \
			"$probe" write "$module_bitmap" $((lo / 64)) 0
		expect "page_flags: write at the new max_pfn" -ENXIO \
			"$probe" write "$module_bitmap" $((($(max_pfn) + 63) / 64)) 0
		run_on "page_flags: new memory marked idle" "$probe" idle "$module_bitmap" "$lo" "$hi"
		# /dev/pageidle's calls over all of memory, the new included,
		# while cgroups come and go.
		run_on "page_flags: /dev/pageidle over the new memory" "$tests/dev-stress" --seconds 5 --scanners 1
		if dmesg | tail -n +$((before + 1)) | grep -q 'pageidle: .*onlined beyond'; then
			fail "page_flags: the module logged memory beyond what it tracks"
		fi
	else
		fail "hot-add 1"
	fi
	module_unload || fail "rmmod"
	own_params=force_own_state=1 slot=2
else
	own_params= slot=1
fi

# own: PFNs below max_pfn at load, until a reload.
old_max=$(max_pfn)
own_words=$(((old_max + 63) / 64))
module_load $own_params || exit 1
state=$(cat /sys/module/pageidle/parameters/state)
[ "$state" = own ] || fail "state is $state with '$own_params', expected own"
before=$(dmesg | wc -l)
if hotplug $slot; then
	w=$((lo / 64))
	expect "own: read of the new memory's first word" "8 $zero_word" \
		"$probe" read "$module_bitmap" $w
	expect "own: write of 0 to the new memory's first word" -ENXIO \
		"$probe" write "$module_bitmap" $w 0
	expect "own: write of ~0 to the new memory's first word" -ENXIO \
		"$probe" write "$module_bitmap" $w 0xffffffffffffffff
	expect "own: write of the first word above the PFNs at load" -ENXIO \
		"$probe" write "$module_bitmap" "$own_words" 0
	expect "own: write across the PFNs at load (stops there)" 8 \
		"$probe" write "$module_bitmap" $((own_words - 1)) 0 2
	expect "own: write below the PFNs at load" 8 \
		"$probe" write "$module_bitmap" $((own_words - 2)) 0
	log=$(dmesg | tail -n +$((before + 1)) | grep 'pageidle: ')
	echo "$log" | sed 's/^/  log: /'
	for b in $new_blocks; do
		first=$(hex $((b * block_pfns)))
		last=$(hex $(((b + 1) * block_pfns - 1)))
		n=$(echo "$log" | grep -c "PFNs $first-$last onlined beyond the $(hex $((own_words * 64))) PFNs")
		if [ "$n" = 1 ]; then pass "own: memory$b logged once"
		else fail "own: memory$b (PFNs $first-$last) logged $n times"; fi
	done

	# A reload covers the new memory.
	module_unload || fail "rmmod"
	module_load $own_params || exit 1
	expect "own, reloaded: read of the new memory's first word" 8 \
		"$probe" read "$module_bitmap" $w
	expect "own, reloaded: write to the new memory's first word" 8 \
		"$probe" write "$module_bitmap" $w 0
	run_on "own, reloaded: new memory marked idle" "$probe" idle "$module_bitmap" "$lo" "$hi"
	run_on "own, reloaded: /dev/pageidle over the new memory" "$tests/dev-stress" --seconds 5 --scanners 1
else
	fail "hot-add $slot"
fi

finish_case
