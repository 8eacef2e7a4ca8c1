/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on cgroup paths that come from outside (the bus, the command line). */
#include <errno.h>
#include <limits.h>
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
};

const char *cgroup_path_error_to_string(CgroupPathError e) {
        return e >= 0 && e < _CGROUP_PATH_ERROR_MAX ? cgroup_path_error_table[e] : NULL;
}

int cgroup_path_normalize(const char *path, char **ret) {
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
                if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
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
