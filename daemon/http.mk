# SPDX-License-Identifier: GPL-2.0-or-later
# The HTTP endpoint: Prometheus rendering and the health rule are pure
# functions in the daemon's library (host-tested); the libmicrohttpd server
# is part of the daemon only.
daemon_libpageidled_a_SOURCES += daemon/metrics.c daemon/metrics.h
daemon_pageidled_SOURCES += daemon/http.c daemon/http.h
daemon_pageidled_CFLAGS += $(MHD_CFLAGS)
daemon_pageidled_LDADD += $(MHD_LIBS) -lm

# The JSON document's schema, for consumers and for the tests.
dist_pkgdata_DATA = daemon/pageidled-stats.schema.json

http_tests = tests/test-metrics tests/test-http-conf
check_PROGRAMS += $(http_tests)
TESTS += $(http_tests)
tests_test_metrics_SOURCES = tests/test-metrics.c tests/test-util.h
tests_test_metrics_CFLAGS = $(daemon_test_cflags)
tests_test_metrics_LDADD = $(daemon_test_ldadd) -lm
tests_test_http_conf_SOURCES = tests/test-http-conf.c tests/test-util.h
tests_test_http_conf_CFLAGS = $(daemon_test_cflags)
tests_test_http_conf_LDADD = $(daemon_test_ldadd)

# The daemon on the host against a fake /proc and /sys, scraped with curl,
# checked with jq (against the schema) and promtool; then against hostile
# clients (connection floods, idle and slow ones, odd requests), each run
# by http-hostile.
check_PROGRAMS += tests/http/http-hostile
tests_http_http_hostile_SOURCES = tests/http/http-hostile.c
TESTS += \
	tests/http/test-http-e2e.sh \
	tests/http/test-http-limits.sh \
	tests/http/test-http-slow.sh
EXTRA_DIST += \
	tests/http/test-http-e2e.sh \
	tests/http/test-http-limits.sh \
	tests/http/test-http-slow.sh \
	tests/http/host-daemon.sh \
	tests/http/lib.sh \
	tests/http/schema-check.jq \
	tests/http/fake-tree.sh \
	bench/http-slow-readers \
	bench/results/http-slow-readers.md

VM_HTTP_CASES = \
	tests/vm/cases/http-endpoint.sh
