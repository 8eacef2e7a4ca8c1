/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cgroup-path.h"
#include "manager.h"

/* Run-time tracking, on top of the configured Track= patterns, kept across
 * reloads and forgotten at exit.  Paths are normalized. */
bool manager_is_tracked(const Manager *m, const char *path);
int manager_track(Manager *m, const char *path);
int manager_untrack(Manager *m, const char *path);
/* 0 if path names a directory under the cgroup root, else -errno. */
int manager_cgroup_exists(const Manager *m, const char *path);

/* The set a pass scans: the configured patterns and the Track()ed paths,
 * without the Untrack()ed ones. */
int manager_build_cgroup_set(Manager *m, CgroupSet **ret);

/* Starts a pass now, or right after the one under way. */
void manager_scan_now(Manager *m);
