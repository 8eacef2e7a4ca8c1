# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled and pageidlectl.  Every module but the two main()s is in one
# noinst library that both programs and every test link (tests/local.mk,
# and tests/fuzz/local.mk, which builds the same objects with sanitizers).
# A program takes from the archive only the objects it calls into.
noinst_LIBRARIES = daemon/libpageidled.a
daemon_libpageidled_a_SOURCES = \
	daemon/cleanup.h \
	daemon/util.c daemon/util.h \
	daemon/cgroup-path.c daemon/cgroup-path.h \
	daemon/conf.c daemon/conf.h \
	daemon/estimate.c daemon/estimate.h \
	daemon/sample.c daemon/sample.h \
	daemon/cgroup.c daemon/cgroup.h \
	daemon/cgroup-kernel.c daemon/cgroup-kernel.h \
	daemon/cgroup-labels.c daemon/cgroup-labels.h \
	daemon/attrib.c daemon/attrib.h \
	daemon/ram.c daemon/ram.h \
	daemon/scan.c daemon/scan.h \
	daemon/backend.h \
	daemon/backend-page-idle.c \
	daemon/refs.c daemon/refs.h daemon/backend-refs.c \
	daemon/snapshot.c daemon/snapshot.h \
	daemon/history.c daemon/history.h \
	daemon/tracking.c daemon/tracking.h \
	daemon/json.c daemon/json.h \
	daemon/metrics.c daemon/metrics.h \
	daemon/privs.c daemon/privs.h \
	daemon/opener.c daemon/opener.h \
	daemon/manager.c daemon/manager.h daemon/manager-bus.c \
	daemon/bus-names.h \
	daemon/bus.c daemon/bus.h \
	daemon/http.c daemon/http.h

# What every file of the library, the programs and the tests is compiled
# and linked with.
# kernel/uapi: /dev/pageidle's ABI, the module's own header.
pageidled_cflags = $(AM_CFLAGS) -I$(top_srcdir)/kernel/uapi $(LIBSYSTEMD_CFLAGS) $(INIH_CFLAGS) $(JSONC_CFLAGS) \
	$(LIBCAP_CFLAGS) $(MHD_CFLAGS) $(web_defs)
# Where http.c reads the page (web/local.mk) and its charting library,
# Debian's libjs-dygraphs, from (also for the sanitizer build,
# tests/fuzz/local.mk).
dygraphsdir = /usr/share/javascript/dygraphs
web_defs = -DWEB_DIR='"$(webdir)"' -DDYGRAPHS_DIR='"$(dygraphsdir)"'
pageidled_libs = daemon/libpageidled.a $(LIBSYSTEMD_LIBS) $(INIH_LIBS) $(JSONC_LIBS) \
	$(LIBCAP_LIBS) $(MHD_LIBS) -lm
daemon_libpageidled_a_CFLAGS = $(pageidled_cflags)

sbin_PROGRAMS = daemon/pageidled
daemon_pageidled_SOURCES = daemon/pageidled.c
daemon_pageidled_CFLAGS = $(pageidled_cflags)
daemon_pageidled_LDADD = $(pageidled_libs)

bin_PROGRAMS = daemon/pageidlectl
daemon_pageidlectl_SOURCES = daemon/pageidlectl.c
daemon_pageidlectl_CFLAGS = $(pageidled_cflags)
daemon_pageidlectl_LDADD = $(pageidled_libs)

# The JSON documents' schemas, for consumers and for the tests.
dist_pkgdata_DATA = daemon/pageidled-stats.schema.json daemon/pageidled-history.schema.json
