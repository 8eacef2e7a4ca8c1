# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API (org.pageidled1(5)): the daemon's bus objects, pageidlectl,
# the bus policy, activation file and interface description, and their tests.
daemon_pageidled_SOURCES += \
	daemon/bus.c daemon/bus.h \
	daemon/track.c daemon/track.h \
	daemon/cgroup-path.c daemon/cgroup-path.h

bin_PROGRAMS = daemon/pageidlectl
daemon_pageidlectl_SOURCES = daemon/pageidlectl.c daemon/cgroup-path.c daemon/cgroup-path.h
daemon_pageidlectl_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JSONC_CFLAGS)
daemon_pageidlectl_LDADD = $(pageidled_libs) $(LIBSYSTEMD_LIBS)

dbuspolicydir = $(datadir)/dbus-1/system.d
dist_dbuspolicy_DATA = dbus/org.pageidled1.conf
dbusinterfacedir = $(datadir)/dbus-1/interfaces
dist_dbusinterface_DATA = dbus/org.pageidled1.xml
dbussystemservicedir = $(datadir)/dbus-1/system-services
dist_dbussystemservice_DATA = dbus/org.pageidled1.service
