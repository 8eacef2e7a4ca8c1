/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config parsing: defaults, every key, and errors naming file:line. */
#include <limits.h>
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
        CHECK_EQ_U64(c->cold_age_usec, 0);
        CHECK_EQ_U64(config_cold_intervals(c), 4);      /* 2min */
        CHECK_EQ_U64(c->cpu_budget_percent, 5);
        CHECK(c->backend == BACKEND_AUTO);
        CHECK_EQ_U64(strv_length(c->cgroups), 1);
        CHECK_STREQ(c->cgroups[0], "/*");
        CHECK(!c->cgroup_root);
        CHECK_STREQ(c->json_file, "/run/pageidled/stats.json");
        CHECK_STREQ(c->user, "pageidled");
        /* History=120 scans: an hour of 30 s scans. */
        CHECK_EQ_U64(config_history_scans(c), 120);

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
        /* 95s of 10s intervals: a page is cold from its tenth idle interval. */
        CHECK_EQ_U64(c->cold_age_usec, 95 * USEC_PER_SEC);
        CHECK_EQ_U64(config_cold_intervals(c), 10);
        CHECK_EQ_U64(c->cpu_budget_percent, 20);
        CHECK(c->backend == BACKEND_PAGE_IDLE);
        CHECK_EQ_U64(strv_length(c->cgroups), 3);
        CHECK_STREQ(c->cgroups[0], "/system.slice/*.service");
        CHECK_STREQ(c->cgroups[1], "/user.slice");
        /* Kept in normal form. */
        CHECK_STREQ(c->cgroups[2], "/machine.slice");
        CHECK_STREQ(c->cgroup_root, "/sys/fs/cgroup/memory");
        CHECK_STREQ(c->json_file, "/var/lib/pageidled/stats.json");
        CHECK_STREQ(c->user, "nobody");
        CHECK_EQ_U64(config_history_scans(c), 240);
}

static void test_errors(void) {
        load_fixture("pageidled-bad-value.conf", -ERANGE,
                     ":4: CPUBudget=250%: not a percentage from 1% to 100%");
        load_fixture("pageidled-unknown-key.conf", -EINVAL, ":5: unknown setting [Output] Colour=");
        load_fixture("pageidled-syntax.conf", -EINVAL,
                     ":3: syntax error (expected [Section] or Key=Value)");
}

/* Parses size bytes of text (NULs and all) over the defaults; returns the
 * config when the parse went as expected and expect_r is 0. */
static Config *parse_text(const char *text, size_t size, int expect_r, const char *expect_error) {
        _cleanup_(config_freep) Config *c = NULL;
        char *error = NULL;
        FILE *f = fmemopen((void *) text, size, "r");
        int r;

        CHECK(f);
        CHECK(config_new_default(&c) == 0);
        r = config_parse_file(c, f, "t.conf", &error);
        fclose(f);
        if (r != expect_r || (expect_error && (!error || strcmp(error, expect_error) != 0)))
                fprintf(stderr, "\"%.200s\": r=%d (%.300s), expected r=%d (%s)\n", text, r, error ?: "",
                        expect_r, expect_error ?: "");
        CHECK(r == expect_r);
        if (expect_error)
                CHECK_STREQ(error, expect_error);
        free(error);
        return expect_r == 0 ? TAKE_PTR(c) : NULL;
}

static void parse_string(const char *text, int expect_r, const char *expect_error) {
        config_free(parse_text(text, strlen(text), expect_r, expect_error));
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
        parse_string("[Scan]\nScanPath=bitmap\n", -EINVAL, "t.conf:2: ScanPath=bitmap: not one of auto, module, kpageflags");
        {
                _cleanup_(config_freep) Config *c = parse_text("[Scan]\nScanPath=kpageflags\n", 27, 0, NULL);

                CHECK(c && c->scan_path == SCAN_PATH_KPAGEFLAGS);
                config_free(c);
                c = parse_text("[Scan]\nScanPath=module\n", 23, 0, NULL);
                CHECK(c && c->scan_path == SCAN_PATH_MODULE);
                config_free(c);
                CHECK(config_new_default(&c) == 0 && c->scan_path == SCAN_PATH_AUTO);
        }
        parse_string("[Scan]\nLoadModule=yes\n", 0, NULL);
        {
                static const char * const good[] = { "1", "1/2", "1/4", "1/8", "1/16", "1/32", "1/64" };
                _cleanup_(config_freep) Config *c = NULL;

                CHECK(config_new_default(&c) == 0 && !c->sampling.automatic && c->sampling.shift == 0);
                for (unsigned k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
                        ConfigSampling v;
                        const char *why = NULL;

                        CHECK(config_parse_sampling(good[k], &v, &why) == 0);
                        CHECK(!v.automatic && v.shift == k);
                }
                config_free(c);
                c = parse_text("[Scan]\nSampling=auto\n", 21, 0, NULL);
                CHECK(c && c->sampling.automatic);
                config_free(c);
                c = parse_text("[Scan]\nSampling=1/16\n", 21, 0, NULL);
                CHECK(c && !c->sampling.automatic && c->sampling.shift == 4);
        }
        parse_string("[Scan]\nSampling=1/3\n", -EINVAL,
                     "t.conf:2: Sampling=1/3: not one of 1, 1/2, 1/4, 1/8, 1/16, 1/32, 1/64, auto");
        parse_string("[Scan]\nSampling=1/128\n", -EINVAL, NULL);
        parse_string("[Scan]\nSampling=0.5\n", -EINVAL, NULL);
        parse_string("[Scan]\nSampling=\n", -EINVAL, NULL);
        parse_string("[Scan]\nLoadModule=maybe\n", -EINVAL, "t.conf:2: LoadModule=maybe: not a boolean (yes or no)");
        parse_string("[Scan]\nCPUBudget=0\n", -ERANGE, NULL);
        parse_string("[Scan]\nCPUBudget=100\n", 0, NULL);
        parse_string("\n\n[Cgroups]\nTrack=system.slice\n", -EINVAL,
                     "t.conf:4: Track=system.slice: cgroup paths and patterns must start with /");
        parse_string("[Cgroups]\nTrack=/a/../b\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nRoot=relative\n", -EINVAL, "t.conf:2: Root=relative: not an absolute path");
        parse_string("[Output]\nJSONFile=\n", 0, NULL);
        parse_string("[Daemon]\nUser=\n", -EINVAL,
                     "t.conf:2: User=: not a user name (UTF-8, no control characters, spaces, ':', ',' or '/')");
        parse_string("# only a comment\n", 0, NULL);
}

/* A line of exactly n bytes before its newline: prefix, then 'x's, then tail. */
static char *line_of(size_t n, const char *prefix, const char *tail) {
        size_t lp = strlen(prefix), lt = strlen(tail);
        char *l = malloc(n + 2);

        CHECK(l && n >= lp + lt);
        memcpy(l, prefix, lp);
        memset(l + lp, 'x', n - lp - lt);
        memcpy(l + n - lt, tail, lt);
        l[n] = '\n';
        l[n + 1] = 0;
        return l;
}

static char *concat(const char *a, const char *b, const char *c) {
        char *s = NULL;

        CHECK(asprintf(&s, "%s%s%s", a, b, c) > 0);
        return s;
}

/* No line is ever split, whatever its length (libinih as Debian builds it
 * cut lines at 199 bytes, and its tail became a line of its own): a long
 * comment stays a comment. */
static void test_long_comment(void) {
        for (size_t n = 190; n <= 8200; n += n < 420 ? 1 : 997) {
                _cleanup_free_ char *comment = line_of(n, "# Do not set ", "Address=0.0.0.0"), *text = NULL;
                _cleanup_(config_freep) Config *c = NULL;

                text = concat("[HTTP]\n", comment, "Port=80\n");
                c = parse_text(text, strlen(text), 0, NULL);
                CHECK_STREQ(c->http_address, "127.0.0.1");
                CHECK_EQ_U64(c->http_port, 80);
        }
}

/* Long lines are taken whole, and errors name the right line. */
static void test_long_lines(void) {
        for (size_t n = 190; n <= 8200; n += n < 420 ? 1 : 997) {
                _cleanup_free_ char *comment = line_of(n, "# Do not set ", "Address=0.0.0.0"), *text = NULL;
                _cleanup_free_ char *bad = NULL, *after = NULL, *value = line_of(n, "Track=/", "");
                _cleanup_free_ char *interval = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                char want[64], *error = NULL;
                FILE *f;

                /* A long value arrives whole (and a path has a limit). */
                text = concat("[Cgroups]\n", value, "");
                if (n - strlen("Track=") < PATH_MAX) {
                        c = parse_text(text, strlen(text), 0, NULL);
                        CHECK_EQ_U64(strv_length(c->cgroups), 1);
                        CHECK_EQ_U64(strlen(c->cgroups[0]), n - strlen("Track="));
                } else {
                        c = parse_text(text, strlen(text), -EINVAL, NULL);
                        CHECK(config_new_default(&c) == 0);
                        f = fmemopen(text, strlen(text), "r");
                        CHECK(f);
                        CHECK(config_parse_file(c, f, "t.conf", &error) == -EINVAL);
                        fclose(f);
                        CHECK(strstr(error, "t.conf:2: Track=/xxx") == error);
                        CHECK(strstr(error, "x: longer than PATH_MAX"));
                        free(error);
                }

                /* Errors after a long line name the right line. */
                after = concat("[Scan]\n", comment, "Backend=bpf\n");
                snprintf(want, sizeof(want), "t.conf:3: Backend=bpf: not one of auto, page_idle, refs");
                parse_text(after, strlen(after), -EINVAL, want);

                /* And a long bad line is refused at its own number. */
                interval = line_of(n, "Interval=", "s");
                bad = concat("[Scan]\n\n", interval, "");
                c = config_free(c);
                CHECK(config_new_default(&c) == 0);
                f = fmemopen(bad, strlen(bad), "r");
                CHECK(f);
                CHECK(config_parse_file(c, f, "t.conf", &error) == -EINVAL);
                fclose(f);
                CHECK(strncmp(error, "t.conf:3: Interval=", strlen("t.conf:3: Interval=")) == 0);
                free(error);
        }
}

static void test_bytes(void) {
        static const char nul[] = "[Scan]\nInterval=5s\0Backend=bpf\n\nBackend=refs\n";
        _cleanup_(config_freep) Config *c = NULL;

        /* A NUL byte is refused at its line, and does not shift the next ones. */
        parse_text(nul, sizeof(nul) - 1, -EINVAL, "t.conf:2: a NUL byte in the line");
        parse_string("[Scan]\nInterval=5s\x1b[2J\n", -EINVAL, "t.conf:2: a control character (0x1b) in the line");
        parse_string("[Scan]\n\nInterval=5s\rBackend=refs\n", -EINVAL,
                     "t.conf:3: a control character (0x0d) in the line");
        /* DOS line ends, a byte order mark, tabs. */
        c = parse_text("\xef\xbb\xbf[Scan]\r\n\tInterval = 5s\t\r\nBackend=refs\r\n", 41, 0, NULL);
        CHECK_EQ_U64(c->interval_usec, 5 * USEC_PER_SEC);
        CHECK(c->backend == BACKEND_REFS);
        c = config_free(c);
        /* An indented line is a line of its own (libinih took it as the
         * rest of the value above). */
        c = parse_text("[Scan]\nInterval=5s\n  Backend=refs\n", 34, 0, NULL);
        CHECK(c->backend == BACKEND_REFS);
        CHECK_EQ_U64(c->interval_usec, 5 * USEC_PER_SEC);
        c = config_free(c);
        /* The last line needs no newline. */
        c = parse_text("[Scan]\nBackend=refs", 19, 0, NULL);
        CHECK(c->backend == BACKEND_REFS);
}

static void test_syntax(void) {
        parse_string("[Scan]\nInterval: 5s\n", -EINVAL, "t.conf:2: syntax error (expected [Section] or Key=Value)");
        parse_string("[Scan] # a comment\nInterval=5s\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("[Scan\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("[]\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("\n[Colours]\n", -EINVAL, "t.conf:2: unknown section [Colours]");
        parse_string("Interval=5s\n", -EINVAL, "t.conf:1: Interval= before any [Section]");
        parse_string("[Scan]\n=5s\n", -EINVAL, "t.conf:2: syntax error (expected [Section] or Key=Value)");
        /* What follows = is the value, ; and # included. */
        parse_string("[Scan]\nInterval=5s ; fast\n", -EINVAL,
                     "t.conf:2: Interval=5s ; fast: not a duration (e.g. 30s, 500ms, 2min)");
        parse_string("[Scan]\nInterval=5s\n; Backend=bpf\n  # Backend=bpf\n", 0, NULL);
        /* What libinih would take otherwise is refused: ':' for '=', and
         * a [Section] line read up to its first ']', its name cut at 49
         * bytes. */
        parse_string("[Scan]\nBackend:x=refs\n", -EINVAL, "t.conf:2: syntax error (expected [Section] or Key=Value)");
        parse_string("[Scan]\nBackend : refs\n", -EINVAL, "t.conf:2: syntax error (expected [Section] or Key=Value)");
        parse_string("[Scan]junk\nInterval=5s\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("[Sc]an]\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("[Sc[an]\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string("[Scan] ; a comment\n", -EINVAL, "t.conf:1: syntax error (expected [Section])");
        parse_string(" [HTTP] \r\n Port = 80 \r\n", 0, NULL);
        parse_string("[HTTPxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]\nPort=80\n", -EINVAL,
                     "t.conf:1: unknown section [HTTPxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]");
        /* No line is the rest of the one above, indented or not. */
        parse_string("[Scan]\nInterval=5s\n\tBackend\n", -EINVAL,
                     "t.conf:3: syntax error (expected [Section] or Key=Value)");
        parse_string("[Cgroups]\nTrack=/a\n  /b\n", -EINVAL, "t.conf:3: syntax error (expected [Section] or Key=Value)");
}

/* Lines of up to CONFIG_LINE_MAX bytes are taken whole; a longer one is
 * refused at its number, never split. */
static void test_line_limit(void) {
        _cleanup_free_ char *comment = line_of(CONFIG_LINE_MAX, "# Do not set ", "Address=0.0.0.0");
        _cleanup_free_ char *longer = line_of(CONFIG_LINE_MAX + 1, "# Do not set ", "Address=0.0.0.0");
        _cleanup_free_ char *track = malloc(CONFIG_LINE_MAX + 2), *text = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        char want[128];
        size_t n;

        text = concat("[HTTP]\n", comment, "Port=80\n");
        c = parse_text(text, strlen(text), 0, NULL);
        CHECK_STREQ(c->http_address, "127.0.0.1");
        CHECK_EQ_U64(c->http_port, 80);
        c = config_free(c);
        free(text);

        snprintf(want, sizeof(want), "t.conf:2: longer than %d bytes, the longest a line may be", CONFIG_LINE_MAX);
        text = concat("[HTTP]\n", longer, "Port=80\n");
        parse_text(text, strlen(text), -EINVAL, want);
        /* Also as the last line, without its newline. */
        parse_text(text, strlen("[HTTP]\n") + CONFIG_LINE_MAX + 1, -EINVAL, want);
        config_free(parse_text(text, strlen("[HTTP]\n") + CONFIG_LINE_MAX, 0, NULL));
        free(text);

        /* A list that long arrives whole. */
        CHECK(track);
        memset(track, ' ', CONFIG_LINE_MAX);
        memcpy(track, "Track=", 6);
        for (n = 0; 6 + 3 * (n + 1) <= CONFIG_LINE_MAX - 3; n++)
                memcpy(track + 6 + 3 * n, " /a", 3);
        memcpy(track + CONFIG_LINE_MAX - 3, " /b\n", 5);
        text = concat("[Cgroups]\n", track, "");
        c = parse_text(text, strlen(text), 0, NULL);
        CHECK_EQ_U64(strv_length(c->cgroups), n + 1);
        CHECK_STREQ(c->cgroups[strv_length(c->cgroups) - 1], "/b");
}

static void test_duplicates(void) {
        _cleanup_(config_freep) Config *c = NULL;

        parse_string("[Scan]\nInterval=5s\nBackend=refs\nInterval=10s\n", -EINVAL,
                     "t.conf:4: Interval= already set on line 2; a key may be given once");
        parse_string("[Scan]\nInterval=5s\n[HTTP]\nPort=1\n[Scan]\nInterval=5s\n", -EINVAL,
                     "t.conf:6: Interval= already set on line 2; a key may be given once");
        parse_string("[HTTP]\nPort=1\nPort=\n", -EINVAL, "t.conf:3: Port= already set on line 2; a key may be given once");
        /* Track= is a list: each line adds to it. */
        c = parse_text("[Cgroups]\nTrack=/a\nTrack=/b /c\n", 31, 0, NULL);
        CHECK_EQ_U64(strv_length(c->cgroups), 3);
}

/* The window in intervals does not wrap around. */
static void test_window(void) {
        _cleanup_(config_freep) Config *c = NULL;

        c = parse_text("[Scan]\nWorkingSetWindow=18446744073709551615us\n", 47, 0, NULL);
        CHECK_EQ_U64(config_window_intervals(c), 254);
        c->interval_usec = 100 * USEC_PER_MSEC;
        c->window_usec = UINT64_MAX - 5;
        CHECK_EQ_U64(config_window_intervals(c), 254);
        c->interval_usec = 24 * 3600 * USEC_PER_SEC;
        CHECK_EQ_U64(config_window_intervals(c), 254);
        c->window_usec = 1;
        CHECK_EQ_U64(config_window_intervals(c), 1);
}

/* Track= paths: one validator with the bus and --cgroup. */
static void test_track_paths(void) {
        _cleanup_(config_freep) Config *c = NULL;

        parse_string("[Cgroups]\nTrack=/a/.\n", -EINVAL, "t.conf:2: Track=/a/.: has a . or .. component");
        parse_string("[Cgroups]\nTrack=/a/./b\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nTrack=/..\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nTrack=/*/..\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nTrack=/a/\\.\\.\n", -EINVAL, NULL);
        parse_string("[Cgroups]\nTrack=/a\\\n", -EINVAL, "t.conf:2: Track=/a\\: has a \\ before / or at its end");
        parse_string("[Cgroups]\nTrack=/\xff\n", -EINVAL, "t.conf:2: Track=/\\xff: not valid UTF-8");
        c = parse_text("[Cgroups]\nTrack=//a//b/ /.x/..y/\n", 33, 0, NULL);
        CHECK_EQ_U64(strv_length(c->cgroups), 2);
        CHECK_STREQ(c->cgroups[0], "/a/b");
        CHECK_STREQ(c->cgroups[1], "/.x/..y");
}

/* Port= takes digits only. */
static void test_port(void) {
        _cleanup_(config_freep) Config *c = NULL;

        parse_string("[HTTP]\nPort=+80\n", -ERANGE, "t.conf:2: Port=+80: not a port number from 0 to 65535");
        parse_string("[HTTP]\nPort=0x50\n", -ERANGE, NULL);
        parse_string("[HTTP]\nPort=8 0\n", -ERANGE, NULL);
        parse_string("[HTTP]\nPort=000080\n", -ERANGE, NULL);
        parse_string("[HTTP]\nPort=18446744073709551697\n", -ERANGE, NULL);
        c = parse_text("[HTTP]\nPort= 080\n", 17, 0, NULL);
        CHECK_EQ_U64(c->http_port, 80);
}

/* JSONFile= names a file. */
static void test_json_file(void) {
        _cleanup_(config_freep) Config *c = NULL;
        char *text;

        parse_string("[Output]\nJSONFile=/\n", -EINVAL,
                     "t.conf:2: JSONFile=/: not an absolute path to a file (no trailing /, no . or .. or empty component)");
        parse_string("[Output]\nJSONFile=/run/pageidled/\n", -EINVAL, NULL);
        parse_string("[Output]\nJSONFile=/run/pageidled/.\n", -EINVAL, NULL);
        parse_string("[Output]\nJSONFile=/run/pageidled/..\n", -EINVAL, NULL);
        parse_string("[Output]\nJSONFile=/run/../etc/x.json\n", -EINVAL, NULL);
        parse_string("[Output]\nJSONFile=/run//x.json\n", -EINVAL, NULL);
        parse_string("[Output]\nJSONFile=run/x.json\n", -EINVAL, NULL);
        /* The temporary file beside it needs 7 more bytes within NAME_MAX. */
        for (size_t l = 247; l <= 249; l++) {
                _cleanup_free_ char *line = line_of(strlen("JSONFile=/run/") + l, "JSONFile=/run/", "");

                text = concat("[Output]\n", line, "");
                parse_string(text, l <= 248 ? 0 : -EINVAL, NULL);
                free(text);
        }
        c = parse_text("[Output]\nJSONFile=/run/.p/x..json\n", 34, 0, NULL);
        CHECK_STREQ(c->json_file, "/run/.p/x..json");
}

/* User= names a user. */
static void test_user(void) {
        _cleanup_(config_freep) Config *c = NULL;

        parse_string("[Daemon]\nUser=nob\xffody\n", -EINVAL,
                     "t.conf:2: User=nob\\xffody: not a user name (UTF-8, no control characters, spaces, ':', ',' or '/')");
        parse_string("[Daemon]\nUser=a b\n", -EINVAL, NULL);
        parse_string("[Daemon]\nUser=a,b\n", -EINVAL, NULL);
        parse_string("[Daemon]\nUser=-a\n", -EINVAL, NULL);
        parse_string("[Daemon]\nUser=1000\n", -EINVAL, NULL);
        parse_string("[Daemon]\nUser=..\n", -EINVAL, NULL);
        c = parse_text("[Daemon]\nUser=j\xc3\xb6rg_1$\n", 23, 0, NULL);
        CHECK_STREQ(c->user, "j\xc3\xb6rg_1$");
}

/* What the command line shares with the file. */
static void test_shared_checks(void) {
        const char *why;
        char *p = NULL;
        uint64_t u;

        why = NULL;
        CHECK(config_check_user("pageidled", &why) == 0 && !why);
        CHECK(config_check_user("root\nx", &why) == -EINVAL && why);
        CHECK(config_check_user("\xc3", &why) == -EINVAL);
        CHECK(config_check_user("", &why) == -EINVAL);
        CHECK(config_check_json_file("", &why) == 0);
        CHECK(config_check_json_file("/run/pageidled/", &why) == -EINVAL);
        CHECK(config_parse_cgroup_pattern("/a/../b", &p, &why) == -EINVAL && !p);
        CHECK(config_parse_cgroup_pattern("a", &p, &why) == -EINVAL && !p);
        CHECK(config_parse_cgroup_pattern("/a//*/", &p, &why) == 0);
        CHECK_STREQ(p, "/a/*");
        free(p);
        CHECK(config_parse_interval("25h", &u, &why) == -ERANGE);
        CHECK(config_parse_interval("1h", &u, &why) == 0 && u == 3600 * USEC_PER_SEC);
}

/* ColdAge= is a positive duration of at most 255 intervals, the most an
 * idle age counts; the limit depends on Interval=, which the command line
 * may change, so it is checked on the whole configuration. */
static void test_cold_age(void) {
        _cleanup_(config_freep) Config *c = NULL;
        char *error = NULL;

        parse_string("[Scan]\nColdAge=0\n", -ERANGE, "t.conf:2: ColdAge=0: must be positive");
        parse_string("[Scan]\nColdAge=soon\n", -EINVAL, "t.conf:2: ColdAge=soon: not a duration (e.g. 2min)");
        c = parse_text("[Scan]\nInterval=1s\nColdAge=255s\n", strlen("[Scan]\nInterval=1s\nColdAge=255s\n"), 0, NULL);
        CHECK_EQ_U64(config_cold_intervals(c), 255);
        CHECK(config_check(c, &error) == 0 && !error);
        c->cold_age_usec = 255 * USEC_PER_SEC + 1;
        CHECK_EQ_U64(config_cold_intervals(c), 256);
        CHECK(config_check(c, &error) == -ERANGE);
        CHECK_STREQ(error, "ColdAge=255000001us is longer than 255 scan intervals of 1s, "
                    "the most an idle age counts: raise Interval= or lower ColdAge=");
        free(error);
        error = NULL;
        c->cold_age_usec = UINT64_MAX;
        CHECK(config_check(c, &error) == -ERANGE && error);
        free(error);
        error = NULL;
        /* The defaults pass, with any interval: the default cold age is
         * 2min or 255 intervals, whichever is shorter. */
        config_free(c);
        c = NULL;
        CHECK(config_new_default(&c) == 0);
        CHECK(config_check(c, &error) == 0 && !error);
        c->interval_usec = 100 * USEC_PER_MSEC;
        CHECK_EQ_U64(config_cold_intervals(c), 255);
        CHECK(config_check(c, &error) == 0 && !error);
        c->interval_usec = 24 * 3600 * USEC_PER_SEC;
        CHECK_EQ_U64(config_cold_intervals(c), 1);
}

/* WorkingSetWindow= lists windows shortest first, separated by commas;
 * the first is the one working_set_bytes has always meant. */
static void test_windows(void) {
        _cleanup_(config_freep) Config *c = NULL;
        unsigned w[CONFIG_WINDOWS_MAX];
        char *error = NULL;

        c = parse_text("[Scan]\nInterval=30s\nWorkingSetWindow=1min, 10min,1h\n",
                       strlen("[Scan]\nInterval=30s\nWorkingSetWindow=1min, 10min,1h\n"), 0, NULL);
        CHECK_EQ_U64(c->windows.n, 3);
        CHECK_EQ_U64(c->window_usec, 60 * USEC_PER_SEC);
        CHECK_EQ_U64(c->windows.usec[2], 3600 * USEC_PER_SEC);
        CHECK_EQ_U64(config_window_intervals(c), 2);
        CHECK_EQ_U64(config_windows_intervals(c, w), 3);
        CHECK_EQ_U64(w[0], 2);
        CHECK_EQ_U64(w[1], 20);
        CHECK_EQ_U64(w[2], 120);
        CHECK(config_check(c, &error) == 0 && !error);
        /* A space still joins the parts of one window. */
        config_free(c);
        c = parse_text("[Scan]\nWorkingSetWindow=1h 30min\n", strlen("[Scan]\nWorkingSetWindow=1h 30min\n"), 0, NULL);
        CHECK_EQ_U64(c->windows.n, 1);
        CHECK_EQ_U64(c->window_usec, 90 * 60 * USEC_PER_SEC);
        /* The default: one window of 2min. */
        config_free(c);
        CHECK(config_new_default(&c) == 0);
        CHECK_EQ_U64(c->windows.n, 0);
        CHECK_EQ_U64(config_windows_intervals(c, w), 1);
        CHECK_EQ_U64(w[0], 4);
        /* A window the ages cannot hold is refused, naming it; the default is not. */
        c->interval_usec = USEC_PER_SEC;
        c->windows = (ConfigWindows) { .usec = { 60 * USEC_PER_SEC, 255 * USEC_PER_SEC }, .n = 2 };
        CHECK(config_check(c, &error) == -ERANGE);
        CHECK_STREQ(error, "WorkingSetWindow=255s is longer than 254 scan intervals of 1s, the most an idle age "
                    "counts: raise Interval= or shorten the window");
        free(error);
        error = NULL;
        c->windows.usec[1] = 254 * USEC_PER_SEC;
        CHECK(config_check(c, &error) == 0 && !error);
        c->windows = (ConfigWindows) { .usec = { 120 * USEC_PER_SEC } };
        c->interval_usec = 100 * USEC_PER_MSEC;
        CHECK(config_check(c, &error) == 0 && !error);

        parse_string("[Scan]\nWorkingSetWindow=10min, 1min\n", -EINVAL,
                     "t.conf:2: WorkingSetWindow=10min, 1min: windows must be listed shortest first, "
                     "each longer than the one before");
        parse_string("[Scan]\nWorkingSetWindow=1min,1min\n", -EINVAL,
                     "t.conf:2: WorkingSetWindow=1min,1min: windows must be listed shortest first, "
                     "each longer than the one before");
        parse_string("[Scan]\nWorkingSetWindow=1min,\n", -EINVAL, "t.conf:2: WorkingSetWindow=1min,: not a duration (e.g. 2min)");
        parse_string("[Scan]\nWorkingSetWindow=1min,0\n", -ERANGE, "t.conf:2: WorkingSetWindow=1min,0: must be positive");
        parse_string("[Scan]\nWorkingSetWindow=1s,2s,3s,4s,5s,6s,7s,8s\n", 0, NULL);
        parse_string("[Scan]\nWorkingSetWindow=1s,2s,3s,4s,5s,6s,7s,8s,9s\n", -E2BIG,
                     "t.conf:2: WorkingSetWindow=1s,2s,3s,4s,5s,6s,7s,8s,9s: too many windows (at most 8)");
}

/* The whole file is read, up to its limit. */
static void test_size(void) {
        size_t size = CONFIG_FILE_MAX + 1;
        char *big = malloc(size);

        CHECK(big);
        memset(big, '\n', size);
        memcpy(big, "[Scan]\n", 7);
        config_free(parse_text(big, size - 1, 0, NULL));
        parse_text(big, size, -EFBIG, "t.conf: longer than 1048576 bytes, the most a configuration file may be");
        free(big);
}

static Config *parse_ok(const char *text) {
        return parse_text(text, strlen(text), 0, NULL);
}

/* History= is a number of scans or a duration, kept in whole intervals. */
static void test_history(void) {
        Config *c;

        c = parse_ok("[Output]\nHistory=500\n");
        CHECK_EQ_U64(config_history_scans(c), 500);
        config_free(c);
        c = parse_ok("[Scan]\nInterval=10s\n[Output]\nHistory=95s\n");
        CHECK_EQ_U64(config_history_scans(c), 10);
        config_free(c);
        c = parse_ok("[Output]\nHistory=0\n");
        CHECK_EQ_U64(config_history_scans(c), 0);
        config_free(c);
        /* 1000 days of 100 ms scans: capped. */
        c = parse_ok("[Scan]\nInterval=100ms\n[Output]\nHistory=24000h\n");
        CHECK_EQ_U64(config_history_scans(c), CONFIG_HISTORY_MAX_SCANS);
        config_free(c);
        parse_string("[Output]\nHistory=100001\n", -ERANGE, "t.conf:2: History=100001: more scans than 100000");
        parse_string("[Output]\nHistory=99999999999999999999\n", -ERANGE, NULL);
        parse_string("[Output]\nHistory=0s\n", -ERANGE, "t.conf:2: History=0s: a duration of 0; History=0 keeps nothing");
        parse_string("[Output]\nHistory=a while\n", -EINVAL,
                     "t.conf:2: History=a while: neither a number of scans nor a duration (e.g. 120, 1h, 30min)");
        parse_string("[Output]\nHistory=\n", -EINVAL, NULL);
        parse_string("[Output]\nHistory=-1\n", -EINVAL, NULL);
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
        test_history();
        test_long_comment();
        test_long_lines();
        test_bytes();
        test_syntax();
        test_line_limit();
        test_duplicates();
        test_window();
        test_cold_age();
        test_windows();
        test_track_paths();
        test_port();
        test_json_file();
        test_user();
        test_shared_checks();
        test_size();
        return 0;
}
