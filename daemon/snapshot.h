/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cgroup-labels.h"
#include "cgroup.h"
#include "estimate.h"

/* A finished scan as every output sees it: made once per publish from the
 * manager's state and the pass's cgroup set, estimates included, then
 * never changed.  The JSON file, HTTP (the document and the metrics) and
 * the bus render it; none of them reads the manager.  Shared by
 * reference: the HTTP thread holds one while it answers, the bus one for
 * its properties, so that they live as long as their last reader. */

/* What the manager says of itself; strings are copied. */
typedef struct SnapshotInfo {
        const char *backend;
        const char *scan_path;          /* "module", "kpageflags", or NULL (refs) */
        const char *state;
        const char *state_detail;       /* why it is not "running", or NULL */
        uint64_t interval_usec;
        uint64_t window_usec;           /* whole intervals */
        uint64_t cold_age_usec;         /* whole intervals; 0: cold memory not measured (refs) */
        unsigned n_windows;             /* every working-set window, the first window_usec */
        uint64_t windows_usec[WS_WINDOWS_MAX];  /* whole intervals */
        uint64_t scan_count;
        uint64_t last_scan_timestamp_usec;      /* CLOCK_REALTIME, 0: none yet */
        uint64_t last_scan_duration_usec;
        uint64_t page_size;
        double sampling;                /* Sampling=: the fraction of the pass, 1: every page */
} SnapshotInfo;

/* One tracked cgroup, as the document, the metrics and its bus object have it. */
typedef struct SnapshotCgroup {
        char *path;
        CgroupLabels labels;                    /* who it is, from the path */
        Estimate estimate;
        uint64_t working_set_measured_usec;     /* of the window, what working_set_bytes covers */
        uint64_t last_scan_timestamp_usec;      /* 0: not measured yet */
        uint64_t windows_usec[WS_WINDOWS_MAX];          /* the info's, for the bus */
        uint64_t windows_measured_usec[WS_WINDOWS_MAX]; /* of each window, what its working set covers */
        CgroupKernel kernel;                    /* what the kernel says of it */
        bool has_cadvisor_working_set;
        uint64_t cadvisor_working_set_bytes;    /* memory.current - inactive_file, for comparison */
} SnapshotCgroup;

typedef struct Snapshot {
        unsigned n_ref;
        SnapshotInfo info;              /* its strings owned */
        SnapshotCgroup *cgroups;        /* the tracked nodes, in the walk's order */
        size_t n_cgroups;
        uint64_t bytes;                 /* of the top-level nodes: what is tracked in all */
        char *json;                     /* the document (json_format()), rendered once */
} Snapshot;

/* cgroups may be NULL (nothing published yet): no cgroup listed. */
int snapshot_new(const SnapshotInfo *info, const CgroupSet *cgroups, Snapshot **ret);
Snapshot *snapshot_ref(Snapshot *s);
Snapshot *snapshot_unref(Snapshot *s);
static inline void snapshot_unrefp(Snapshot **s) {
        snapshot_unref(*s);
}

const SnapshotCgroup *snapshot_find(const Snapshot *s, const char *path);

/* A cgroup no scan has measured yet (Track()ed since): zero bytes, the
 * histogram's buckets labelled for interval_usec. */
void snapshot_cgroup_empty(SnapshotCgroup *c, uint64_t interval_usec);
