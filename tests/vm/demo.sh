#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo `make demo` runs in the guest: load pageidle.ko and show the
# idle page bitmap it provides.
set -eu
bitmap=/sys/kernel/mm/page_idle/bitmap

echo "kernel $(uname -r)"
echo "\$ insmod pageidle.ko"
insmod "$PAGEIDLE_KO"
dmesg | grep 'pageidle:' | tail -n 3
echo "\$ ls -l $bitmap"
ls -l "$bitmap"
echo "\$ od -A d -t x8 -N 64 $bitmap   # first 512 page frames, 1 = idle"
od -A d -t x8 -N 64 "$bitmap"
echo "\$ rmmod pageidle"
rmmod pageidle
