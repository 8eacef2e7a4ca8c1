/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks on cgroup paths from the bus and pageidlectl: what is
 * refused and why, the normal form, UTF-8, and the escaping that makes a
 * Track()ed path a literal Track= pattern. */
#include <limits.h>

#include "cgroup-path.h"
#include "cgroup.h"
#include "test-util.h"
#include "util.h"

static void check_ok(const char *in, const char *want) {
        _cleanup_free_ char *out = NULL;

        CHECK_EQ_U64(cgroup_path_normalize(in, &out), CGROUP_PATH_OK);
        CHECK_STREQ(out, want);
}

static void check_bad(const char *in, CgroupPathError want) {
        char *out = NULL;

        CHECK_EQ_U64(cgroup_path_normalize(in, &out), want);
        CHECK(!out);
}

static void test_normalize(void) {
        char long_path[PATH_MAX + 2];

        check_ok("/", "/");
        check_ok("//", "/");
        check_ok("/system.slice/foo.service", "/system.slice/foo.service");
        check_ok("/system.slice//foo.service/", "/system.slice/foo.service");
        check_ok("/a/.hidden/..b/...", "/a/.hidden/..b/...");
        check_ok("/caf\xc3\xa9", "/caf\xc3\xa9");

        check_bad(NULL, CGROUP_PATH_EMPTY);
        check_bad("", CGROUP_PATH_EMPTY);
        check_bad("system.slice", CGROUP_PATH_RELATIVE);
        check_bad("./a", CGROUP_PATH_RELATIVE);
        check_bad("/a/../b", CGROUP_PATH_DOT);
        check_bad("/..", CGROUP_PATH_DOT);
        check_bad("/a/.", CGROUP_PATH_DOT);
        check_bad("/a/./b", CGROUP_PATH_DOT);
        check_bad("/\xff", CGROUP_PATH_NOT_UTF8);

        memset(long_path, 'x', sizeof(long_path));
        long_path[0] = '/';
        long_path[PATH_MAX - 1] = 0;    /* PATH_MAX - 1 bytes: fits */
        {
                _cleanup_free_ char *out = NULL;

                CHECK_EQ_U64(cgroup_path_normalize(long_path, &out), CGROUP_PATH_OK);
        }
        long_path[PATH_MAX - 1] = 'x';
        long_path[PATH_MAX] = 0;        /* PATH_MAX bytes: no room for the NUL */
        check_bad(long_path, CGROUP_PATH_TOO_LONG);

        for (int e = 0; e < _CGROUP_PATH_ERROR_MAX; e++)
                CHECK(cgroup_path_error_to_string(e));
        CHECK(!cgroup_path_error_to_string(_CGROUP_PATH_ERROR_MAX));
}

/* Track= and --cgroup patterns: the same checks, with escapes read. */
static void check_pattern(const char *in, int want, const char *want_out) {
        _cleanup_free_ char *out = NULL;

        CHECK_EQ_U64(cgroup_pattern_normalize(in, &out), want);
        if (want_out)
                CHECK_STREQ(out, want_out);
        else
                CHECK(!out);
}

static void test_pattern_normalize(void) {
        check_pattern("/", CGROUP_PATH_OK, "/");
        check_pattern("/a//*/", CGROUP_PATH_OK, "/a/*");
        check_pattern("/system.slice/*.service", CGROUP_PATH_OK, "/system.slice/*.service");
        check_pattern("/\\*", CGROUP_PATH_OK, "/\\*");
        check_pattern("/a\\\\b", CGROUP_PATH_OK, "/a\\\\b");
        check_pattern("/.*/..?", CGROUP_PATH_OK, "/.*/..?");
        check_pattern("", CGROUP_PATH_EMPTY, NULL);
        check_pattern("*", CGROUP_PATH_RELATIVE, NULL);
        check_pattern("/a/..", CGROUP_PATH_DOT, NULL);
        check_pattern("/a/./b", CGROUP_PATH_DOT, NULL);
        check_pattern("/a/.", CGROUP_PATH_DOT, NULL);
        check_pattern("/a/\\.\\.", CGROUP_PATH_DOT, NULL);
        check_pattern("/\\./b", CGROUP_PATH_DOT, NULL);
        check_pattern("/a\\", CGROUP_PATH_BAD_ESCAPE, NULL);
        check_pattern("/a\\/b", CGROUP_PATH_BAD_ESCAPE, NULL);
        check_pattern("/\xc3", CGROUP_PATH_NOT_UTF8, NULL);

        /* For a literal path a backslash is a character like any other. */
        check_ok("/a\\", "/a\\");
}

static void test_utf8(void) {
        CHECK(utf8_is_valid(""));
        CHECK(utf8_is_valid("plain"));
        CHECK(utf8_is_valid("\xc3\xa9\xe2\x89\xa5\xf0\x9f\x90\xa7"));     /* é ≥ 🐧 */
        CHECK(utf8_is_valid("\xf4\x8f\xbf\xbf"));                       /* U+10FFFF */
        CHECK(!utf8_is_valid("\x80"));                                  /* a lone continuation */
        CHECK(!utf8_is_valid("\xc3"));                                  /* cut short */
        CHECK(!utf8_is_valid("\xc3\x28"));
        CHECK(!utf8_is_valid("\xc0\xaf"));                              /* overlong "/" */
        CHECK(!utf8_is_valid("\xe0\x80\xaf"));
        CHECK(!utf8_is_valid("\xed\xa0\x80"));                          /* a surrogate */
        CHECK(!utf8_is_valid("\xf4\x90\x80\x80"));                      /* above U+10FFFF */
        CHECK(!utf8_is_valid("\xf8\x88\x80\x80\x80"));
        CHECK(!utf8_is_valid("\xfe\xff"));

        /* For log lines: what is not UTF-8 is written as \xNN. */
        {
                _cleanup_free_ char *e = utf8_escape_invalid("/a\xff\xc3\xa9/\xc3");

                CHECK_STREQ(e, "/a\\xff\xc3\xa9/\\xc3");
        }
}

static void test_pattern(void) {
        static const char * const paths[] = {
                "/", "/a", "/system.slice/foo.service", "/a*b", "/x[1]", "/q?", "/back\\slash", "/.dot",
        };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *p = cgroup_path_to_pattern(paths[i]);

                CHECK(p);
                CHECK(cgroup_pattern_match(p, paths[i]));
        }
        {
                _cleanup_free_ char *p = cgroup_path_to_pattern("/a*b");

                CHECK_STREQ(p, "/a\\*b");
                CHECK(!cgroup_pattern_match(p, "/axxb"));
        }
        {
                _cleanup_free_ char *p = cgroup_path_to_pattern("/x[1]");

                CHECK(!cgroup_pattern_match(p, "/x1"));
        }
        {
                _cleanup_free_ char *p = cgroup_path_to_pattern("/a");

                CHECK(!cgroup_pattern_match(p, "/a/b"));
                CHECK(!cgroup_pattern_match(p, "/"));
        }
}

int main(void) {
        test_normalize();
        test_pattern_normalize();
        test_utf8();
        test_pattern();
        return 0;
}
