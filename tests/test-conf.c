/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config parsing: defaults, every key, and errors naming file:line. */
#include <stdio.h>

#include "conf.h"
#include "test-util.h"
#include "util.h"

static Config *load_fixture(const char *name, int expect_r, const char *expect_error_suffix) {
        char path[8192], *error = NULL;
        Config *c = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
        r = config_load(path, true, &c, &error);
        if (expect_r == 0) {
                if (r < 0)
                        fprintf(stderr, "%s\n", error ?: "?");
                CHECK(r == 0);
                CHECK(!error);
                return c;
        }
        CHECK(r == expect_r);
        CHECK(!c);
        CHECK(error);
        fprintf(stderr, "expected error: %s\n", error);
        CHECK(strncmp(error, path, strlen(path)) == 0);
        CHECK_STREQ(error + strlen(path), expect_error_suffix);
        free(error);
        return NULL;
}

static void test_defaults(void) {
        _cleanup_(config_freep) Config *c = NULL;
        char *error = NULL;

        CHECK(config_load("/nonexistent/pageidled.conf", false, &c, &error) == 0);
        CHECK_EQ_U64(c->interval_usec, 30 * USEC_PER_SEC);
        CHECK_EQ_U64(c->window_usec, 120 * USEC_PER_SEC);
        CHECK_EQ_U64(config_window_intervals(c), 4);
        CHECK_EQ_U64(c->cpu_budget_percent, 5);
        CHECK(c->backend == BACKEND_AUTO);
        CHECK_EQ_U64(strv_length(c->cgroups), 1);
        CHECK_STREQ(c->cgroups[0], "/*");
        CHECK(!c->cgroup_root);
        CHECK_STREQ(c->json_file, "/run/pageidled/stats.json");
        CHECK_STREQ(c->user, "pageidled");

        CHECK(config_load("/nonexistent/pageidled.conf", true, &c, &error) == -ENOENT);
        CHECK_STREQ(error, "/nonexistent/pageidled.conf: No such file or directory");
        free(error);
}

static void test_every_key(void) {
        _cleanup_(config_freep) Config *c = load_fixture("pageidled-good.conf", 0, NULL);

        CHECK_EQ_U64(c->interval_usec, 10 * USEC_PER_SEC);
        CHECK_EQ_U64(c->window_usec, 45 * USEC_PER_SEC);
        /* 45s of 10s intervals: rounded up to whole intervals. */
        CHECK_EQ_U64(config_window_intervals(c), 5);
        CHECK_EQ_U64(c->cpu_budget_percent, 20);
        CHECK(c->backend == BACKEND_PAGE_IDLE);
        CHECK_EQ_U64(strv_length(c->cgroups), 3);
        CHECK_STREQ(c->cgroups[0], "/system.slice/*.service");
        CHECK_STREQ(c->cgroups[1], "/user.slice");
        CHECK_STREQ(c->cgroups[2], "/machine.slice/");
        CHECK_STREQ(c->cgroup_root, "/sys/fs/cgroup/memory");
        CHECK_STREQ(c->json_file, "/var/lib/pageidled/stats.json");
        CHECK_STREQ(c->user, "nobody");
}

static void test_errors(void) {
        load_fixture("pageidled-bad-value.conf", -ERANGE,
                     ":4: CPUBudget=250%: not a percentage from 1% to 100%");
        load_fixture("pageidled-unknown-key.conf", -EINVAL, ":5: unknown setting [Output] Colour=");
        load_fixture("pageidled-syntax.conf", -EINVAL,
                     ":3: syntax error (expected [Section] or Key=Value)");
}

static void parse_string(const char *text, int expect_r, const char *expect_error) {
        _cleanup_(config_freep) Config *c = NULL;
        char *error = NULL;
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        CHECK(f);
        CHECK(config_new_default(&c) == 0);
        r = config_parse_file(c, f, "t.conf", &error);
        fclose(f);
        if (r != expect_r)
                fprintf(stderr, "\"%s\": r=%d (%s)\n", text, r, error ?: "");
        CHECK(r == expect_r);
        if (expect_error)
                CHECK_STREQ(error, expect_error);
        free(error);
}

static void test_values(void) {
        parse_string("[Scan]\nInterval=500ms\n", 0, NULL);
        parse_string("[Scan]\nInterval=1min 30s\n", 0, NULL);
        parse_string("[Scan]\nInterval=50ms\n", -ERANGE, "t.conf:2: Interval=50ms: out of range (100ms to 24h)");
        parse_string("[Scan]\nInterval=ten\n", -EINVAL,
                     "t.conf:2: Interval=ten: not a duration (e.g. 30s, 500ms, 2min)");
        parse_string("[Scan]\nWorkingSetWindow=0\n", -ERANGE, "t.conf:2: WorkingSetWindow=0: must be positive");
        parse_string("[Scan]\nBackend=bpf\n", -EINVAL, "t.conf:2: Backend=bpf: not one of auto, page_idle, refs");
        parse_string("[Scan]\nBackend=refs\n", 0, NULL);
        parse_string("[Scan]\nLoadModule=yes\n", 0, NULL);
        parse_string("[Scan]\nLoadModule=maybe\n", -EINVAL, "t.conf:2: LoadModule=maybe: not a boolean (yes or no)");
        parse_string("[Scan]\nCPUBudget=0\n", -ERANGE, NULL);
        parse_string("[Scan]\nCPUBudget=100\n", 0, NULL);
        parse_string("\n\n[Cgroups]\nTrack=system.slice\n", -EINVAL,
                     "t.conf:4: Track=system.slice: cgroup paths and patterns must start with /");
        parse_string("[Cgroups]\nTrack=/a/../b\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nRoot=relative\n", -EINVAL, "t.conf:2: Root=relative: not an absolute path");
        parse_string("[Output]\nJSONFile=\n", 0, NULL);
        parse_string("[Daemon]\nUser=\n", -EINVAL, "t.conf:2: User=: not a user name");
        parse_string("# only a comment\n", 0, NULL);
}

static void test_durations(void) {
        uint64_t u;
        char buf[32];

        CHECK(parse_duration("30", &u) == 0 && u == 30 * USEC_PER_SEC);
        CHECK(parse_duration("250ms", &u) == 0 && u == 250 * USEC_PER_MSEC);
        CHECK(parse_duration("2min", &u) == 0 && u == 120 * USEC_PER_SEC);
        CHECK(parse_duration("2m", &u) == 0 && u == 120 * USEC_PER_SEC);
        CHECK(parse_duration("1h 1s", &u) == 0 && u == 3601 * USEC_PER_SEC);
        CHECK(parse_duration("7us", &u) == 0 && u == 7);
        CHECK(parse_duration("", &u) == -EINVAL);
        CHECK(parse_duration("5 parsecs", &u) == -EINVAL);
        CHECK(parse_duration("-1s", &u) == -EINVAL);
        CHECK_STREQ(format_duration(buf, sizeof(buf), 90 * USEC_PER_SEC), "90s");
        CHECK_STREQ(format_duration(buf, sizeof(buf), 120 * USEC_PER_SEC), "2min");
        CHECK_STREQ(format_duration(buf, sizeof(buf), 1500), "1500us");
}

int main(void) {
        test_defaults();
        test_every_key();
        test_errors();
        test_values();
        test_durations();
        return 0;
}
