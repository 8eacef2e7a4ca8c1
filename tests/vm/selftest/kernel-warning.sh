#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes a line shaped like a kernel WARNING into the kernel log; the
# harness must fail the run and name this case.
echo "WARNING: CPU: 0 PID: $$ at selftest injected by tests/vm/selftest" > /dev/kmsg
