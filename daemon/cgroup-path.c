/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on cgroup paths and patterns that come from outside, one validator
 * for all of them: the bus's path arguments (bus.c: GetCgroup, Track,
 * Untrack), and Track= patterns from the config file and from pageidled's
 * --cgroup (both through config_parse_cgroup_pattern() in conf.c).
 * pageidlectl checks only what it could not send and leaves the rest to
 * the daemon, so that there is one answer. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "util.h"

static const char * const cgroup_path_error_table[_CGROUP_PATH_ERROR_MAX] = {
        [CGROUP_PATH_OK] = "valid",
        [CGROUP_PATH_EMPTY] = "empty",
        [CGROUP_PATH_NOT_UTF8] = "not valid UTF-8",
        [CGROUP_PATH_TOO_LONG] = "longer than PATH_MAX",
        [CGROUP_PATH_RELATIVE] = "not absolute: cgroup paths start with / at the cgroup root",
        [CGROUP_PATH_DOT] = "has a . or .. component",
        [CGROUP_PATH_BAD_ESCAPE] = "has a \\ before / or at its end",
};

const char *cgroup_path_error_to_string(CgroupPathError e) {
        return e >= 0 && e < _CGROUP_PATH_ERROR_MAX ? cgroup_path_error_table[e] : NULL;
}

/* Whether the component p[0..l) is "." or "..", in a pattern once each
 * backslash-escaped character is read as itself. */
static bool component_is_dot(const char *p, size_t l, bool pattern) {
        size_t dots = 0;

        for (size_t i = 0; i < l; i++) {
                if (pattern && p[i] == '\\')
                        i++;
                if (i >= l || p[i] != '.')
                        return false;
                dots++;
        }
        return dots == 1 || dots == 2;
}

static int normalize(const char *path, bool pattern, char **ret) {
        _cleanup_free_ char *n = NULL;
        size_t len, k = 0;
        const char *p;

        if (!path || !*path)
                return CGROUP_PATH_EMPTY;
        len = strlen(path);
        if (len >= PATH_MAX)
                return CGROUP_PATH_TOO_LONG;
        if (!utf8_is_valid(path))
                return CGROUP_PATH_NOT_UTF8;
        if (path[0] != '/')
                return CGROUP_PATH_RELATIVE;
        if (pattern)
                for (p = path; *p; p++)
                        if (*p == '\\' && (!*++p || *p == '/'))
                                return CGROUP_PATH_BAD_ESCAPE;

        n = malloc(len + 2);
        if (!n)
                return -ENOMEM;
        for (p = path; *p;) {
                size_t l;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                l = strcspn(p, "/");
                if (component_is_dot(p, l, pattern))
                        return CGROUP_PATH_DOT;
                n[k++] = '/';
                memcpy(n + k, p, l);
                k += l;
                p += l;
        }
        if (k == 0)
                n[k++] = '/';
        n[k] = 0;
        *ret = TAKE_PTR(n);
        return CGROUP_PATH_OK;
}

int cgroup_path_normalize(const char *path, char **ret) {
        return normalize(path, false, ret);
}

int cgroup_pattern_normalize(const char *pattern, char **ret) {
        return normalize(pattern, true, ret);
}

char *cgroup_path_to_pattern(const char *path) {
        char *r = malloc(strlen(path) * 2 + 1), *q = r;

        if (!r)
                return NULL;
        for (const char *p = path; *p; p++) {
                if (strchr("*?[]\\", *p))
                        *q++ = '\\';
                *q++ = *p;
        }
        *q = 0;
        return r;
}
