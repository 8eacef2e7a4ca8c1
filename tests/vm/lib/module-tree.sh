# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by VM cases that need modprobe (or libkmod, or DKMS) to find
# pageidle.ko.
#
# Running depmod -a over a kernel's whole module tree means reading every
# one of its ~4000 modules over 9p, and on 6.12 decompressing each one:
# minutes under TCG, and DKMS runs it after every install and removal.
# Instead a small tree holding the kernel's built-in lists, its build and
# source links and an empty updates/ is bind-mounted over
# /lib/modules/RELEASE, so depmod indexes only what is installed there
# later.  Every module the guest needs beyond that is loaded before the
# cases run.

module_tree=/lib/modules/$(uname -r)
module_tree_mounted=false

# module_tree_shrink RELEASE: /lib/modules/RELEASE becomes such a small
# tree, until the guest powers off or module_tree_restore.
module_tree_shrink() {
	tree=/lib/modules/$1
	private=$(mktemp -d "/tmp/module-tree-$1.XXXXXX") || return 1
	mkdir -p "$private/updates" || return 1
	for f in modules.builtin modules.builtin.modinfo modules.order build source; do
		[ ! -e "$tree/$f" ] && [ ! -L "$tree/$f" ] || cp -P "$tree/$f" "$private/" || return 1
	done
	mount --bind "$private" "$tree" || return 1
	[ "$tree" != "$module_tree" ] || module_tree_mounted=true
	depmod -a "$1"
}

# module_tree_install KO: makes "modprobe pageidle" load KO.
module_tree_install() {
	module_tree_shrink "$(uname -r)" || return 1
	install -m 0644 "$1" "$module_tree/updates/pageidle.ko" || return 1
	depmod -a || return 1
	modinfo pageidle > /dev/null || { echo "modinfo does not find pageidle after depmod"; return 1; }
}

# module_tree_restore: the guest's own module tree again.
module_tree_restore() {
	$module_tree_mounted || return 0
	umount "$module_tree" && module_tree_mounted=false
}
