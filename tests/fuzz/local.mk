# SPDX-License-Identifier: GPL-2.0-or-later
# The parsers under libFuzzer, and the host unit tests again, both built
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer (configure
# finds $(CLANG) and checks that it links libFuzzer).  make check runs
# each fuzz target for a bounded number of inputs from the seeds below,
# and each sanitized unit test once.
#
# automake compiles everything else with $(CC), so these have rules of
# their own.  Each object of the daemon's library is rebuilt when
# automake's object of the same source is, which tracks the headers.

SAN_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
san_cc = $(CLANG) $(SAN_CFLAGS) $(DEFS) $(web_defs) -I$(top_srcdir)/daemon -I$(top_srcdir)/kernel/uapi -I$(top_srcdir)/tests \
	$(INIH_CFLAGS) $(JSONC_CFLAGS) $(LIBCAP_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(MHD_CFLAGS) $(WARN_CFLAGS)
san_libs = $(INIH_LIBS) $(JSONC_LIBS) $(LIBCAP_LIBS) $(LIBSYSTEMD_LIBS) $(MHD_LIBS) -lm

san_lib_objects = $(daemon_libpageidled_a_OBJECTS:daemon/libpageidled_a-%.$(OBJEXT)=tests/san/lib/%.o)

# Coverage for the fuzzers (fuzzer-no-link) costs the unit tests nothing.
$(san_lib_objects): tests/san/lib/%.o: daemon/libpageidled_a-%.$(OBJEXT)
	@$(MKDIR_P) tests/san/lib
	$(AM_V_CC)$(san_cc) -fsanitize=fuzzer-no-link -c -o $@ $(srcdir)/daemon/$*.c
tests/san/libpageidled.a: $(san_lib_objects)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(san_lib_objects)

# The host unit tests that take no daemon binary (test-pageidled runs the
# daemon, which this build does not make).
san_tests = \
	tests/san/test-conf \
	tests/san/test-attrib \
	tests/san/test-ram \
	tests/san/test-cgroup \
	tests/san/test-cgroup-labels \
	tests/san/test-scan \
	tests/san/test-json \
	tests/san/test-history \
	tests/san/test-refs \
	tests/san/test-bus-path \
	tests/san/test-bus-objects \
	tests/san/test-metrics \
	tests/san/test-http-conf \
	tests/san/test-log \
	tests/san/test-opener \
	tests/san/test-privs

$(san_tests): tests/san/%: tests/%.c tests/san/libpageidled.a
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(san_cc) -o $@ $(srcdir)/tests/$*.c tests/san/libpageidled.a $(san_libs)

# What test-sanitizers.sh runs.
tests/san/list: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/san && echo $(san_tests) > $@

fuzz_targets = \
	tests/fuzz/fuzz-conf \
	tests/fuzz/fuzz-rollup \
	tests/fuzz/fuzz-ram \
	tests/fuzz/fuzz-cgroup-path \
	tests/fuzz/fuzz-cgroup-labels

$(fuzz_targets): tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/san/libpageidled.a
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(san_cc) -fsanitize=fuzzer -o $@ $(srcdir)/tests/fuzz/$*.c tests/san/libpageidled.a $(san_libs)

# Built by make check like the other check programs; without clang's
# runtimes (configure said so) the two tests fail, naming the package.
if HAVE_FUZZ
check_SCRIPTS = $(san_tests) tests/san/list $(fuzz_targets)
endif
TESTS += tests/fuzz/test-sanitizers.sh tests/fuzz/test-fuzz.sh
EXTRA_DIST += \
	tests/fuzz/test-sanitizers.sh \
	tests/fuzz/test-fuzz.sh \
	tests/fuzz/fuzz.h \
	$(fuzz_targets:%=%.c) \
	tests/fuzz/seeds

clean-san:
	rm -rf tests/san tests/fuzz/out $(fuzz_targets)
PHONY += clean-san
