# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tests of the Debian packages: deb_packages builds them
# (make check-deb-packages, tests/local.mk) unless they are built from the
# tree as it is, one test at a time (make -j2 check runs several), and sets
# deb_dir, deb_daemon, deb_dkms and deb_changes, and deb_rebuild_daemon and
# deb_rebuild_dkms (the same packages with a higher version).
deb_packages() {
	deb_dir=$top_builddir/tests/deb
	mkdir -p "$deb_dir"
	# Outside the jobserver of the make check that runs the test.
	if ! flock "$deb_dir.lock" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s -C "$top_builddir" check-deb-packages; then
		echo "FAIL: make check-deb-packages failed (log: $deb_dir/build.log)"
		tail -n 30 "$deb_dir/build.log" 2> /dev/null
		return 1
	fi
	deb_daemon=$(ls "$deb_dir"/pageidled_*.deb)
	deb_dkms=$(ls "$deb_dir"/pageidle-dkms_*_all.deb)
	deb_changes=$(ls "$deb_dir"/pageidled_*.changes)
	deb_rebuild_daemon=$(ls "$deb_dir"/rebuild/pageidled_*.deb)
	deb_rebuild_dkms=$(ls "$deb_dir"/rebuild/pageidle-dkms_*_all.deb)
}
