# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by VM cases that need modprobe (or libkmod) to find pageidle.ko.
#
# Running depmod -a over the guest's whole module tree means reading every
# one of its ~4000 modules over 9p, and on 6.12 decompressing each one:
# minutes under TCG.  Instead a small tree holding the kernel's built-in
# lists and pageidle.ko alone is bind-mounted over /lib/modules/RELEASE,
# so depmod indexes one module.  Every module the guest needs beyond that
# is loaded before the cases run.

module_tree=/lib/modules/$(uname -r)
module_tree_mounted=false

# module_tree_install KO: makes "modprobe pageidle" load KO.
module_tree_install() {
	private=$(mktemp -d /tmp/module-tree.XXXXXX) || return 1
	mkdir -p "$private/updates" || return 1
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ ! -e "$module_tree/$f" ] || cp "$module_tree/$f" "$private/" || return 1
	done
	install -m 0644 "$1" "$private/updates/pageidle.ko" || return 1
	mount --bind "$private" "$module_tree" || return 1
	module_tree_mounted=true
	depmod -a || return 1
	modinfo pageidle > /dev/null || { echo "modinfo does not find pageidle after depmod"; return 1; }
}

# module_tree_restore: the guest's own module tree again.
module_tree_restore() {
	$module_tree_mounted || return 0
	umount "$module_tree" && module_tree_mounted=false
}
