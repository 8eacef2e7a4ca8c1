#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Backend=auto with LoadModule=yes on a kernel without the bitmap: with
# pageidle.ko installed where modprobe finds it, pageidled loads it before
# it drops privileges, uses page_idle and says so in its log and its
# document.  (Its fallback to refs when modprobe fails is tested on the
# host, by tests/test-refs-host.sh.)
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"
. "$top_srcdir/tests/vm/lib/module-tree.sh"

[ ! -e $bitmap ] || fail "$bitmap exists before the test: nothing to load"
loaded_module=true	# so that cleanup unloads it
trap 'cleanup; module_tree_restore' EXIT
module_tree_install "$PAGEIDLE_KO" || fail "installing pageidle.ko where modprobe finds it"

printf '[Scan]\nInterval=1s\nLoadModule=yes\n[Cgroups]\nTrack=/\n' > pageidled.conf
"$pageidled" --once --config "$PWD/pageidled.conf" --user nobody > auto.json 2> daemon.log ||
	fail "pageidled --once with LoadModule=yes failed"
cat daemon.log
grep -q '^pageidle ' /proc/modules || fail "pageidle.ko is not loaded"
grep -q 'Using backend page_idle: loaded pageidle.ko' daemon.log || fail "the log does not say it loaded the module"
[ "$(json_top auto.json backend)" = page_idle ] || fail "the document says backend $(json_top auto.json backend)"
echo "LoadModule=yes loaded pageidle.ko and pageidled used it"
