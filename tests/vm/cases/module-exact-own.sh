#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# module-exact.sh with force_own_state=1, on kernels where pageidle.ko
# otherwise uses the page flags (on the others, module-exact.sh already
# checks the module's own state).  A case of its own for the per-case
# time limit: the debug kernel is slow.
set -u
. "$top_srcdir/tests/vm/lib/module.sh"
if [ "$(expected_state)" != page_flags ]; then
	echo "the module uses its own state by default here: module-exact covers it"
	exit 77
fi
EXACT_CONFIG=force_own_state=1
export EXACT_CONFIG
exec "$top_srcdir/tests/vm/cases/module-exact.sh"
