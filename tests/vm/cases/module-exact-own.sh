#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# module-exact.sh with force_own_state=1: where pageidle.ko would use the
# page flags, this is the only exactness check of its own state; where it
# uses its own state anyway, it checks that the parameter changes nothing.
# A case of its own for the per-case time limit: the debug kernel is slow.
set -u
EXACT_CONFIG=force_own_state=1
export EXACT_CONFIG
exec "$top_srcdir/tests/vm/cases/module-exact.sh"
