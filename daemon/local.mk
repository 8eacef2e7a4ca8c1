# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled: the logic lives in a noinst library that the daemon and the
# host tests link alike; only manager.c and pageidled.c touch the event loop.
noinst_LIBRARIES = daemon/libpageidled.a
daemon_libpageidled_a_SOURCES = \
	daemon/util.c daemon/util.h \
	daemon/cgroup-path.c daemon/cgroup-path.h \
	daemon/conf.c daemon/conf.h \
	daemon/estimate.c daemon/estimate.h \
	daemon/cgroup.c daemon/cgroup.h \
	daemon/attrib.c daemon/attrib.h \
	daemon/ram.c daemon/ram.h \
	daemon/scan.c daemon/scan.h \
	daemon/backend.h daemon/backend-page-idle.c \
	daemon/snapshot.c daemon/snapshot.h \
	daemon/tracking.c daemon/tracking.h \
	daemon/json.c daemon/json.h \
	daemon/privs.c daemon/privs.h \
	daemon/opener.c daemon/opener.h
daemon_libpageidled_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(JSONC_CFLAGS) $(LIBCAP_CFLAGS)
pageidled_libs = daemon/libpageidled.a $(INIH_LIBS) $(JSONC_LIBS) $(LIBCAP_LIBS)

sbin_PROGRAMS = daemon/pageidled
daemon_pageidled_SOURCES = \
	daemon/pageidled.c \
	daemon/manager.c daemon/manager.h \
	daemon/manager-bus.c
daemon_pageidled_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBCAP_CFLAGS) $(JSONC_CFLAGS)
daemon_pageidled_LDADD = $(pageidled_libs) $(LIBSYSTEMD_LIBS) $(LIBCAP_LIBS)
