#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's man pages are mandoc-lint clean, pageidled.conf(5) documents
# every key of the config table in daemon/conf.c, and pageidled(8) every
# option of --help.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
rc=0

. "$srcdir/tests/require.sh"
require mandoc mandoc
for m in man/pageidled.8 man/pageidled.conf.5; do
	mandoc -T lint -W warning "$srcdir/$m" || rc=1
done

keys=$(sed -n 's/^ *{ "\([A-Za-z]*\)", "\([A-Za-z]*\)", parse_.*/\1 \2/p' "$srcdir/daemon/conf.c")
[ -n "$keys" ] || { echo "no keys found in daemon/conf.c"; exit 1; }
echo "$keys" | while read -r section key; do
	grep -q "^\.Ss \[$section\]" "$srcdir/man/pageidled.conf.5" ||
		{ echo "pageidled.conf(5) lacks section [$section]"; exit 1; }
	grep -q "^\.It Cm $key=" "$srcdir/man/pageidled.conf.5" ||
		{ echo "pageidled.conf(5) lacks $key="; exit 1; }
done || rc=1

opts=$("$builddir/daemon/pageidled" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
for o in $opts; do
	grep -q "^\.It Fl .*${o#--}" "$srcdir/man/pageidled.8" ||
		{ echo "pageidled(8) lacks $o"; rc=1; }
done
exit $rc
