# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests: require COMMAND PACKAGE fails the test,
# naming the Debian package to install, when COMMAND is not on PATH.
# .ci/install-deps installs every such package, so a missing one is a
# broken machine, never a reason to skip.
require() {
	command -v "$1" > /dev/null && return 0
	echo "FAIL: $1 not found: apt-get install $2"
	exit 1
}
