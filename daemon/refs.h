/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The refs backend, for kernels that have no idle page bitmap and cannot
 * load pageidle.ko: every interval, for each process of every counted
 * cgroup, /proc/PID/smaps_rollup says how much of its resident memory was
 * referenced since the previous interval, and writing "1" to
 * /proc/PID/clear_refs clears the referenced bits of all its pages for
 * the next one.  Shares of memory are by Pss, so a page mapped by several
 * processes counts once in total. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "estimate.h"
#include "opener.h"

/* The fields of /proc/PID/smaps_rollup the backend uses, in kB. */
typedef struct RefsRollup {
        uint64_t rss_kb;
        uint64_t pss_kb;
        uint64_t referenced_kb;
        uint64_t anonymous_kb;
        uint64_t pss_anon_kb;           /* where the kernel has it */
        bool has_pss_anon;
} RefsRollup;

/* One process's share, in bytes. */
typedef struct RefsShare {
        uint64_t bytes[2];              /* [PAGE_FILE], [PAGE_ANON], by Pss */
        uint64_t idle_bytes[2];
} RefsShare;

/* Parses the text of smaps_rollup (size bytes, need not be terminated).
 * Returns -EINVAL when Rss, Pss, Referenced or Anonymous is missing; an
 * empty text (a kernel thread, a zombie) is -ENODATA. */
int refs_parse_rollup(const char *text, size_t size, RefsRollup *ret);

/* The process's Pss split into anonymous and file (the rest: page cache,
 * shared memory, tmpfs), each split into idle and not in the proportion
 * of its Rss not referenced. */
void refs_share_from_rollup(const RefsRollup *r, RefsShare *ret);

/* Parses cgroup.procs: one decimal pid a line.  Returns the number of
 * pids in *ret (malloc'ed), or a negative errno. */
int refs_parse_pids(const char *text, size_t size, int **ret, size_t *ret_n);

/* Per-cgroup history of referenced pages, for working_set_bytes. */
typedef struct RefsHistory {
        uint64_t inode;
        uint64_t referenced_pages[AGE_MAX];     /* a ring, the newest at pos */
        unsigned pos, n;
} RefsHistory;

typedef struct RefsScanner {
        Opener *opener;                 /* reads and clears the /proc files; not owned */
        uint64_t page_size;
        RefsHistory *history;           /* one per node of the last set, in its order */
        size_t n_history;

        /* Of the last pass. */
        uint64_t processes;             /* read and cleared */
        uint64_t vanished;              /* exited (or cgroup gone) during the pass */
        uint64_t denied;                /* smaps_rollup or clear_refs refused */
        uint64_t kernel_threads;        /* no memory of their own */
        int denied_error;
        int denied_pid;
} RefsScanner;

int refs_scanner_new(Opener *opener, uint64_t page_size, RefsScanner **ret);
RefsScanner *refs_scanner_free(RefsScanner *s);
static inline void refs_scanner_freep(RefsScanner **s) {
        refs_scanner_free(*s);
}

/* Reads and clears every process of every node of set (cgroup.procs below
 * cgroup_root_fd), filling each node's own stats; the caller sums them.
 * Processes that exit and cgroups that go away are skipped.  A process
 * whose files are refused is skipped and counted in denied.  Returns 0 or
 * a negative errno: -ENOMEM, or -ENOTCONN when the opener is gone. */
int refs_scan(RefsScanner *s, int cgroup_root_fd, CgroupSet *set, unsigned window_intervals);

/* The histories are kept by cgroup inode from pass to pass; this fills
 * ws_pages of every node's own stats from them and the pass's counts. */
int refs_history_update(RefsScanner *s, CgroupSet *set, unsigned window_intervals);
