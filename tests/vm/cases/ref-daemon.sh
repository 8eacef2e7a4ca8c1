#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled's page_idle backend on the kernel's own bitmap and on
# pageidle.ko's (loaded beside it as sysfs_name=pageidle_mod, in both of
# its state modes), over the same running workloads: anonymous, file and
# THP memory in three cgroups, each with a known hot part.  pageidled
# always opens /sys/kernel/mm/page_idle/bitmap (it has no option for
# another path), so for the module it runs in a private mount namespace
# with the module's file bind-mounted over that path.  Each run is
# `pageidled --once` (mark, wait one interval, read); every estimate must
# be within 2% of the cgroup's size of the same estimate on the kernel's
# own bitmap, and of the truth.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
M=1048576
tol=2
kernel_bitmap=/sys/kernel/mm/page_idle/bitmap
module_bitmap=/sys/kernel/mm/pageidle_mod/bitmap
if [ ! -e "$kernel_bitmap" ]; then
	echo "this kernel has no idle page tracking of its own: nothing to compare with"
	exit 77
fi
command -v unshare > /dev/null || fail "no unshare(1) (util-linux) for the private mount namespace"
grep -q '^pageidle ' /proc/modules && rmmod pageidle
chmod 0755 "$PWD"

start_workload /anon anon --kind anon --size 32M --hot 16M
start_workload /file file --kind file --file "$PWD/file.data" --size 32M --hot 8M
start_workload /thp thp --kind thp --size 32M --hot 16M

# once LABEL [BITMAP]: one pageidled --once run, its document in LABEL.json.
write_conf <<EOT
[Cgroups]
Track=/anon /file /thp
EOT
once() {
	label=$1 bm=${2:-}
	set -- "$pageidled" --once --config "$PWD/pageidled.conf" --user root --backend page_idle
	if [ -n "$bm" ]; then
		unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /sys/kernel/mm/page_idle/bitmap && exec "$@"' \
			"$bm" "$@" > "$label.json" 2> "$label.log"
	else
		"$@" > "$label.json" 2> "$label.log"
	fi || { cat "$label.log" "$label.json"; fail "pageidled --once on $label exited $?"; }
	echo "--- $label: $(json_top "$label.json" backend) backend, $(wc -c < "$label.json") bytes of JSON"
	cat "$label.log"
	[ -s "$label.json" ] || { cat "$label.log"; fail "pageidled --once on $label printed nothing"; }
	for cg in /anon /file /thp; do
		printf '%s %s:' "$label" $cg
		for key in bytes working_set_bytes idle_bytes anon_bytes file_bytes; do
			printf ' %s %s' $key "$(json_cgroup "$label.json" $cg $key)"
		done
		echo
	done
}

# compare LABEL: LABEL's estimates against the kernel's and the truth.
compare() {
	label=$1
	for spec in "/anon 16 32 32" "/file 8 32 0" "/thp 16 32 32"; do
		set -- $spec
		cg=$1 ws=$(($2 * M)) bytes=$(($3 * M)) anon=$(($4 * M))
		for key in bytes working_set_bytes idle_bytes anon_bytes file_bytes; do
			k=$(json_cgroup kernel.json "$cg" "$key")
			v=$(json_cgroup "$label.json" "$cg" "$key")
			[ -n "$v" ] && [ -n "$k" ] || fail "$cg $key missing from kernel.json or $label.json"
			within "$label $cg $key vs kernel" "$v" "$k" $tol "$bytes"
		done
		within "$label $cg working_set_bytes" "$(json_cgroup "$label.json" "$cg" working_set_bytes)" $ws $tol $bytes
		within "$label $cg anon_bytes" "$(json_cgroup "$label.json" "$cg" anon_bytes)" $anon $tol $bytes
	done
}

once kernel
for cg in /anon /file /thp; do
	within "kernel $cg working_set_bytes" "$(json_cgroup kernel.json $cg working_set_bytes)" \
		$(( $(echo $cg | sed 's,/anon,16,;s,/file,8,;s,/thp,16,') * M)) $tol $((32 * M))
done
for cfg in force_own_state=0 force_own_state=1; do
	insmod "$PAGEIDLE_KO" sysfs_name=pageidle_mod "$cfg" || fail "insmod $cfg"
	st=$(cat /sys/module/pageidle/parameters/state)
	once "module-$st" "$module_bitmap"
	compare "module-$st"
	rmmod pageidle || fail "rmmod after $cfg"
done
echo "--- kernel.json"
cat kernel.json
stop_workloads
echo "all passed"
