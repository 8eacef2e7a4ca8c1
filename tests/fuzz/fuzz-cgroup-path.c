/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one validator of cgroup paths and Track= patterns, and the escaping
 * that turns a Track()ed path into a pattern.  Input: a path, optionally
 * followed by a newline and a second string to match it against. */
#include <limits.h>

#include "cgroup-path.h"
#include "cgroup.h"
#include "fuzz.h"
#include "util.h"

static bool is_normal(const char *p) {
        if (strcmp(p, "/") == 0)
                return true;
        return p[0] == '/' && !strstr(p, "//") && p[strlen(p) - 1] != '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_strndup(data, size), *path = NULL, *pattern = NULL;
        char *other = strchr(s, '\n');
        int r;

        if (other)
                *other++ = 0;
        r = cgroup_path_normalize(s, &path);
        FUZZ_CHECK(r >= 0 && r < _CGROUP_PATH_ERROR_MAX && r != CGROUP_PATH_BAD_ESCAPE);
        FUZZ_CHECK(cgroup_path_error_to_string(r));
        if (r == CGROUP_PATH_OK) {
                _cleanup_free_ char *again = NULL, *escaped = NULL, *n = NULL;

                FUZZ_CHECK(is_normal(path));
                FUZZ_CHECK(cgroup_path_normalize(path, &again) == CGROUP_PATH_OK && strcmp(again, path) == 0);
                /* A path the bus takes is a pattern that matches just it. */
                escaped = cgroup_path_to_pattern(path);
                FUZZ_CHECK(escaped);
                if (strlen(escaped) < PATH_MAX) {
                        FUZZ_CHECK(cgroup_pattern_normalize(escaped, &n) == CGROUP_PATH_OK);
                        FUZZ_CHECK(strcmp(n, escaped) == 0);
                        FUZZ_CHECK(cgroup_pattern_match(escaped, path));
                }
                if (other && cgroup_pattern_match(escaped, other))
                        FUZZ_CHECK(strcmp(other, path) == 0);
        }
        r = cgroup_pattern_normalize(s, &pattern);
        FUZZ_CHECK(r >= 0 && r < _CGROUP_PATH_ERROR_MAX);
        if (r == CGROUP_PATH_OK) {
                _cleanup_free_ char *again = NULL;

                FUZZ_CHECK(is_normal(pattern));
                FUZZ_CHECK(cgroup_pattern_normalize(pattern, &again) == CGROUP_PATH_OK && strcmp(again, pattern) == 0);
                if (other)
                        (void) cgroup_pattern_match(pattern, other);
        }
        return 0;
}
