#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko loads, provides the bitmap, and unloads, twice over.
set -eu
bitmap=/sys/kernel/mm/page_idle/bitmap

for round in 1 2; do
	insmod "$PAGEIDLE_KO"
	grep -q '^pageidle ' /proc/modules
	[ -e "$bitmap" ] || { echo "round $round: $bitmap missing after insmod"; exit 1; }
	rmmod pageidle
	[ ! -e "$bitmap" ] || { echo "round $round: $bitmap left behind after rmmod"; exit 1; }
done
echo "loaded and unloaded twice"
