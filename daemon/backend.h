/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "conf.h"
#include "opener.h"
#include "pageidle_dev.h"

/* pageidle.ko's scan interface, which page_idle opens for each pass. */
#define BACKEND_DEVICE_PATH "/dev/" PAGEIDLE_DEV_NAME

/* A way of measuring which pages of the tracked cgroups stayed idle: one
 * implementation per Backend= value, each in a file named for it
 * (backend-page-idle.c: the idle page bitmap with kpageflags and
 * kpagecgroup; backend-refs.c: clear_refs and smaps_rollup per process).
 * The manager drives every one alike: open at start, then each interval
 * prepare, begin a pass over the cgroup set, step until it is done
 * (pacing the steps by CPU budget), end it; it never looks inside one. */

/* What open() gets: where things are, and the privileged opener, which
 * opens the bitmap and reads /proc for it once privileges are dropped. */
typedef struct BackendContext {
        const char *proc_root;          /* "/proc" or a test tree */
        const char *bitmap_path;
        ScanPath scan_path;             /* page_idle: [Scan] ScanPath= */
        uint64_t page_size;
        Opener *opener;                 /* not owned; outlives the backend */
        bool once;                      /* --once: nothing to wait for */
} BackendContext;

/* One pass, as begin() gets it. */
typedef struct BackendPass {
        CgroupSet *set;                 /* the nodes' own stats are filled */
        unsigned window_intervals;
        int cgroup_root_fd;
        uint64_t sample_seed;           /* page_idle: Sampling= (sample.h) */
        unsigned sample_shift;
} BackendPass;

typedef struct BackendVTable {
        Backend backend;
        uint64_t caps;                  /* what the opener keeps for it (PRIVS_CAP()) */
        bool opener_bitmap;             /* it opens bitmap_path (and /dev/pageidle) through the opener */
        bool opener_proc;               /* it reads /proc/PID files through the opener */

        /* 0, or 1 when it opened but waits for its device (logged): the
         * manager is degraded until a pass begins with it.  Logs its errors. */
        int (*open)(const BackendContext *c, void **ret);
        /* Before a pass, before the hierarchy is walked: 0 when it can
         * measure; 1 when its device came back (logged), so this pass only
         * marks and measuring starts over; <0 when there is nothing to
         * measure with (see fault()). */
        int (*prepare)(void *b);
        void (*begin)(void *b, const BackendPass *p);
        /* Up to about max_pfns page frames of work: 1 when the pass is
         * done, 0 when there is more, <0 when it failed (abandoned). */
        int (*step)(void *b, uint64_t max_pfns);
        /* Whether the pass just done measured anything (or only marked). */
        bool (*measuring)(void *b);
        /* How the last pass found the pages ("module", "kpageflags"), or
         * NULL where the backend has one way only. */
        const char *(*scan_path)(void *b);
        /* The pass is done: its debug line (bench/daemon-bench reads it). */
        void (*end)(void *b, uint64_t duration_usec, uint64_t user_usec, uint64_t sys_usec, size_t n_cgroups);
        /* After prepare() or step() failed with *error: the file to name in
         * the fault, or NULL when the failure is fatal (the loop ends).
         * Sets *restart when measurements start over (the device went
         * away), and may rewrite *error for the message. */
        const char *(*fault)(void *b, int *error, bool *restart);
        void *(*free)(void *b);
} BackendVTable;

extern const BackendVTable backend_page_idle_vtable;
extern const BackendVTable backend_refs_vtable;

/* The vtable of a resolved Backend= (never auto). */
static inline const BackendVTable *backend_vtable(Backend b) {
        return b == BACKEND_REFS ? &backend_refs_vtable : &backend_page_idle_vtable;
}
