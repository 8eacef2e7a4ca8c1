/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cgroup.h"
#include "snapshot.h"

/* Run-time tracking, on top of the configured Track= patterns: the paths
 * Track()ed and Untrack()ed on the bus, kept across reloads and forgotten
 * at exit.  Paths are normalized (cgroup_path_normalize()).  Pure: the
 * manager owns one, the bus reads it to list its objects, tests make
 * their own. */
typedef struct Tracking {
        char **added;                   /* paths Track()ed */
        char **removed;                 /* paths Untrack()ed */
} Tracking;

void tracking_done(Tracking *t);

/* Whether path is tracked from now on: Track()ed, or tracked in s (the
 * last published scan) and not Untrack()ed since. */
bool tracking_is_tracked(const Tracking *t, const Snapshot *s, const char *path);
/* Track(): 0, -EEXIST if tracked already, the error of looking path up
 * below root_fd (-ENOENT, -ENOTDIR: no such cgroup), or -ENOMEM. */
int tracking_track(Tracking *t, const Snapshot *s, int root_fd, const char *path);
/* 0 if path names a directory under root_fd (the cgroup root), else -errno. */
int tracking_cgroup_exists(int root_fd, const char *path);
/* Untrack(): 0, -ESRCH if not tracked, or -ENOMEM. */
int tracking_untrack(Tracking *t, const Snapshot *s, const char *path);

/* The set a pass scans: the patterns and the Track()ed paths, without the
 * Untrack()ed ones. */
int tracking_build_set(const Tracking *t, int root_fd, char * const *patterns, CgroupSet **ret);
