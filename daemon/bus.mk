# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API (org.pageidled1(5)): the daemon's bus objects, pageidlectl,
# the bus policy, activation file and interface description, and their tests.
daemon_pageidled_SOURCES += daemon/bus.c daemon/bus.h

bin_PROGRAMS = daemon/pageidlectl
daemon_pageidlectl_SOURCES = daemon/pageidlectl.c
daemon_pageidlectl_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JSONC_CFLAGS)
daemon_pageidlectl_LDADD = $(pageidled_libs) $(LIBSYSTEMD_LIBS)

# Directories from configure (--with-dbuspolicydir and the like).
dist_dbuspolicy_DATA = dbus/org.pageidled1.conf
dist_dbusinterface_DATA = dbus/org.pageidled1.xml
dist_dbussystemservice_DATA = dbus/org.pageidled1.service

# Host tests: the path checks, and the real daemon on a private bus with the
# real policy (tests/test-bus-daemon.sh: root; it skips otherwise).
bus_tests = tests/test-bus-path tests/test-bus-objects
check_PROGRAMS += $(bus_tests)
TESTS += $(bus_tests) tests/test-bus-daemon.sh
tests_test_bus_path_SOURCES = tests/test-bus-path.c tests/test-util.h
tests_test_bus_path_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/daemon
tests_test_bus_path_LDADD = $(pageidled_libs)
# bus.c over a socketpair, with a handler of the test's own.
tests_test_bus_objects_SOURCES = tests/test-bus-objects.c tests/test-util.h \
	daemon/bus.c daemon/bus.h
tests_test_bus_objects_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/daemon $(LIBSYSTEMD_CFLAGS) $(JSONC_CFLAGS)
tests_test_bus_objects_LDADD = $(pageidled_libs) $(LIBSYSTEMD_LIBS)
EXTRA_DIST += \
	tests/test-bus-daemon.sh \
	tests/bus/bus-lib.sh \
	tests/bus/bus-checks.sh
TESTS += tests/test-bus-man.sh
EXTRA_DIST += tests/test-bus-man.sh

dist_man1_MANS = man/pageidlectl.1
dist_man5_MANS = man/org.pageidled1.5

# The VM case (tests/local.mk runs it with the others): the API with the
# real backend.
VM_BUS_CASES = \
	tests/vm/cases/bus-api.sh
# The installed setup under systemd as PID 1: needs run-tests --systemd
# (it skips otherwise), so it is not among VM_BUS_CASES.
VM_BUS_SYSTEMD_CASES = \
	tests/vm/cases/bus-systemd.sh
EXTRA_DIST += $(VM_BUS_SYSTEMD_CASES)
