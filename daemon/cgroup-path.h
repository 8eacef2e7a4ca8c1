/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* What cgroup paths and Track= patterns must look like, wherever they come
 * from (the bus, pageidled's --cgroup, the config file).  Paths are
 * relative to the cgroup root and absolute: "/", "/system.slice/foo.service". */
typedef enum CgroupPathError {
        CGROUP_PATH_OK,
        CGROUP_PATH_EMPTY,
        CGROUP_PATH_NOT_UTF8,
        CGROUP_PATH_TOO_LONG,           /* PATH_MAX or more bytes */
        CGROUP_PATH_RELATIVE,
        CGROUP_PATH_DOT,                /* a "." or ".." component */
        CGROUP_PATH_BAD_ESCAPE,         /* patterns: a '\\' before '/' or at the end */
        _CGROUP_PATH_ERROR_MAX,
} CgroupPathError;

const char *cgroup_path_error_to_string(CgroupPathError e);

/* Checks path and, when it is good, writes its normal form (no repeated or
 * trailing slashes) to *ret.  Returns CGROUP_PATH_OK, the error otherwise,
 * or -ENOMEM. */
int cgroup_path_normalize(const char *path, char **ret);
/* The same for a Track= pattern (glob(7), '\\' escaping the next
 * character): a component that is "." or ".." once unescaped is refused
 * too, and so is an escape of '/' or of nothing. */
int cgroup_pattern_normalize(const char *pattern, char **ret);

/* A literal path as a Track= pattern: glob characters escaped. */
char *cgroup_path_to_pattern(const char *path);
