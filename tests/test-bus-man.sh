#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# org.pageidled1(5) and pageidlectl(1) are mandoc-lint clean; the first
# documents every member of dbus/org.pageidled1.xml and every error name
# of daemon/bus-names.h, the second every command and option of --help.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
rc=0

. "$srcdir/tests/require.sh"
require mandoc mandoc
for m in man/org.pageidled1.5 man/pageidlectl.1; do
	mandoc -T lint -W warning "$srcdir/$m" || rc=1
done

page=$srcdir/man/org.pageidled1.5
members=$(sed -n 's/.*<\(method\|property\|signal\) name="\([A-Za-z]*\)".*/\2/p' "$srcdir/dbus/org.pageidled1.xml" | sort -u)
[ -n "$members" ] || { echo "no members found in the XML"; exit 1; }
for m in $members; do
	grep -Eq "^\.It (Fn|Va) $m( |$)|^\.It Va .*\b$m\b" "$page" || { echo "org.pageidled1(5) lacks $m"; rc=1; }
done
errors=$(sed -n 's/^#define BUS_ERROR_[A-Z_]* "\(.*\)"$/\1/p' "$srcdir/daemon/bus-names.h")
[ -n "$errors" ] || { echo "no error names found in daemon/bus-names.h"; exit 1; }
for e in $errors; do
	grep -q "^\.It Sy $e$" "$page" || { echo "org.pageidled1(5) lacks $e"; rc=1; }
done

help=$("$builddir/daemon/pageidlectl" --help)
for o in $(echo "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q "^\.It Fl .*${o#--}" "$srcdir/man/pageidlectl.1" || { echo "pageidlectl(1) lacks $o"; rc=1; }
done
for c in $(echo "$help" | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
	grep -q "^\.It Cm $c" "$srcdir/man/pageidlectl.1" || { echo "pageidlectl(1) lacks $c"; rc=1; }
done
exit $rc
