/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup-kernel.h"
#include "estimate.h"

#define CGROUP_NO_PARENT SIZE_MAX

/* A cgroup whose pages are counted: a tracked one, or a descendant of one
 * (its pages count towards its tracked ancestors' totals). */
typedef struct CgroupNode {
        char *path;             /* relative to the cgroup root: "/", "/a/b" */
        uint64_t inode;         /* as in /proc/kpagecgroup */
        size_t parent;          /* nearest enclosing node, or CGROUP_NO_PARENT */
        bool tracked;
        bool unnamed;           /* matched, but its path is not UTF-8, which
                                 * D-Bus, JSON and metrics need: never listed */
        unsigned measured_intervals;    /* how many intervals its pages have been
                                         * measured over, up to AGE_MAX (the
                                         * manager sets it; cgroup_set_add(): AGE_MAX) */
        PageStats own;          /* pages charged to this cgroup itself */
        PageStats total;        /* own plus every descendant's */
        CgroupKernel kernel;    /* the kernel's counters, read when published (tracked nodes) */

        /* Sampled passes (attrib.c): the cluster sums of the subtree's
         * pages over the pass's blocks, and the block being counted. */
        ClusterSums clusters;
        PageStats block_start;  /* own where the block began */
        PageStats block_total;  /* the subtree's pages in the block */
        uint64_t block_stamp, block_total_stamp;        /* 1 + that block, 0: none */
        size_t block_next, block_total_next;            /* the touched lists */
        /* The resident LRU sizes of memory.stat for the subtree, by
         * [PAGE_FILE], [PAGE_ANON] (the manager reads them for sampled
         * passes), and whether they were read. */
        uint64_t resident_bytes[2];
        bool resident_known;
} CgroupNode;

/* The nodes in depth-first pre-order (a parent before its children), with
 * an inode index for attributing pages. */
typedef struct CgroupSet {
        CgroupNode *nodes;
        size_t n_nodes, n_allocated;
        size_t n_tracked;
        uint64_t *keys;         /* open addressing: inode, 0 = empty */
        size_t *values;         /* node index */
        size_t n_buckets;       /* a power of two */
        unsigned cold_intervals;        /* pages idle this many intervals are cold;
                                         * 0: not counted (the manager sets it) */
        unsigned n_windows;             /* the working-set windows, in intervals, */
        unsigned windows_intervals[WS_WINDOWS_MAX];     /* increasing (the manager sets them) */
} CgroupSet;

CgroupSet *cgroup_set_free(CgroupSet *s);
static inline void cgroup_set_freep(CgroupSet **s) {
        cgroup_set_free(*s);
}

int cgroup_set_new(CgroupSet **ret);
/* Adds a node (tests build sets by hand this way); parent must already be in. */
int cgroup_set_add(CgroupSet *s, const char *path, uint64_t inode, size_t parent, bool tracked, size_t *ret_index);
/* Walks the hierarchy below root_fd, tracking every cgroup whose path
 * matches one of the patterns (fnmatch(3) with FNM_PATHNAME) and adding
 * their descendants.  Cgroups vanishing during the walk are skipped.  A
 * matching cgroup whose path is not valid UTF-8 is added (its pages count
 * in its ancestors' totals) but not tracked, and marked unnamed. */
int cgroup_set_build(int root_fd, char * const *patterns, CgroupSet **ret);
CgroupNode *cgroup_set_lookup(const CgroupSet *s, uint64_t inode);
/* Fills every node's total from the own counts of its subtree. */
void cgroup_set_sum(CgroupSet *s);
CgroupNode *cgroup_set_find_path(const CgroupSet *s, const char *path);

bool cgroup_pattern_match(const char *pattern, const char *path);

/* The resident LRU sizes of a memory.stat, its subtree's, into
 * ret[PAGE_FILE] and ret[PAGE_ANON]: active_ and inactive_ anon and file,
 * or on cgroup v1 their total_ fields.  -EINVAL when it has none. */
int cgroup_parse_memory_stat(const char *text, size_t size, uint64_t ret[2]);
/* The same from the memory.stat of path (a node's) below root_fd. */
int cgroup_read_resident(int root_fd, const char *path, uint64_t ret[2]);

/* The part of the working-set window (window_usec, whole intervals) that
 * n's working_set_bytes covers: less than the window until the window has
 * been measured, 0 before its first measured interval. */
static inline uint64_t cgroup_node_ws_measured_usec(const CgroupNode *n, uint64_t interval_usec, uint64_t window_usec) {
        uint64_t usec = (uint64_t) n->measured_intervals * interval_usec;

        return usec < window_usec ? usec : window_usec;
}

/* Where a cgroup path that matched nothing under root_path exists in
 * another of the hierarchies cgroup_root_open() looks at (the unified one
 * on a hybrid v1/v2 host, say): 1 with the directory in *ret, 0 if none
 * (or path is a glob). */
int cgroup_find_elsewhere(const char *sysfs_root, const char *root_path, const char *path, char **ret);

/* The memory cgroup hierarchy: root if given, else /sys/fs/cgroup when it
 * is cgroup2, else the v1 memory controller's tree. */
int cgroup_root_open(const char *sysfs_root, const char *root, char **ret_path, int *ret_fd);
