# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the HTTP tests on the host: a fake /proc and /sys in which
# regular files stand in for kpageflags, kpagecgroup and the idle bitmap
# (which then reads back exactly what was marked), and a directory tree
# for the cgroup hierarchy.  pageidled reads them through
# PAGEIDLED_PROC_ROOT and PAGEIDLED_SYS_ROOT.
N_PFNS=4096

# put_u64 FILE INDEX VALUE: the little-endian u64 at INDEX.
put_u64() {
	bytes=
	for i in 0 1 2 3 4 5 6 7; do
		bytes="$bytes\\$(printf %03o $(( ($3 >> (8 * i)) & 255 )))"
	done
	printf "$bytes" | dd of="$1" bs=8 seek="$2" conv=notrunc status=none
}

# fill_pages FIRST COUNT FLAGS CGROUP_DIR
fill_pages() {
	ino=$(stat -c %i "$4")
	p=$1
	while [ $p -lt $(($1 + $2)) ]; do
		put_u64 "$fake/proc/kpageflags" $p $3
		put_u64 "$fake/proc/kpagecgroup" $p $ino
		p=$((p + 1))
	done
}

# make_fake_tree DIR: /a (anon), /b (file) and a cgroup whose name needs
# escaping in both formats.
make_fake_tree() {
	fake=$1
	mkdir -p "$fake/proc" "$fake/sys/kernel/mm/page_idle" "$fake/cg/a/sub" "$fake/cg/b"
	odd_name=$(printf 'we"ird\\name\nline2 caf\303\251')
	mkdir "$fake/cg/$odd_name"
	head -c $((N_PFNS * 8)) /dev/zero > "$fake/proc/kpageflags"
	head -c $((N_PFNS * 8)) /dev/zero > "$fake/proc/kpagecgroup"
	head -c $((N_PFNS / 8)) /dev/zero > "$fake/sys/kernel/mm/page_idle/bitmap"
	printf '00000000-00ffffff : System RAM\n' > "$fake/proc/iomem"
	lru=$((1 << 5)) anon=$((1 << 12))
	fill_pages 16 24 $((lru | anon)) "$fake/cg/a"
	fill_pages 40 8 $((lru | anon)) "$fake/cg/a/sub"
	fill_pages 64 16 $lru "$fake/cg/b"
	fill_pages 96 4 $lru "$fake/cg/$odd_name"
}
