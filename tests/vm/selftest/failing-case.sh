#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fails with a message the harness must pass on.
echo "selftest: this case fails on purpose"
exit 3
