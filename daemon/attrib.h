/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "pageidle_dev.h"

/* Page attribution for one pass, batch by batch in PFN order: each LRU page
 * goes to the cgroup its memcg inode names, tails of a compound page follow
 * their head (cgroup, anon/file, idle state), and each tracked page's idle
 * age moves on from what the bitmap says about the previous mark. */
typedef struct Attrib {
        CgroupSet *set;
        unsigned window_intervals;

        CgroupNode *head_node;          /* the head whose tails follow, or NULL */
        bool head_anon;
        uint8_t head_age;
        uint8_t head_prev_age;          /* the head's age before this pass */

        uint64_t cached_inode;          /* last lookup: runs of pages share a cgroup */
        CgroupNode *cached_node;

        uint64_t lru_pages;             /* every LRU page seen, tracked or not */
        uint64_t tracked_pages;         /* pages attributed to a node, tails included */
        uint64_t marked_pages;          /* bits set in the new marks */

        /* Sampled passes: the nodes' ClusterSums, block by block. */
        bool clusters;
        uint64_t batch_pfn;             /* where attrib_batch()'s PFNs begin */
        uint64_t block;                 /* the block being counted */
        size_t touched;                 /* nodes with pages in it, SIZE_MAX: none */
} Attrib;

void attrib_begin(Attrib *a, CgroupSet *set, unsigned window_intervals);
/* Empties the nodes' cluster sums (estimate.h) and, if on, gathers them
 * for this pass from here on, each node's over its subtree, with blocks
 * of SAMPLE_BLOCK_PFNS; attrib_batch() then needs batch_pfn set.
 * attrib_end() counts the last block. */
void attrib_set_clusters(Attrib *a, bool on);
void attrib_end(Attrib *a);
/* Called where PFNs are not contiguous with the previous batch. */
void attrib_gap(Attrib *a);

/* n_pfns is a multiple of 64 and the batch starts at a multiple of 64.
 * flags and cgroups: one u64 per PFN from /proc/kpageflags and
 * /proc/kpagecgroup; idle: the bitmap words as read back (only bits whose
 * previous mark is set are believed); marks: in, the previous marks, out,
 * the pages to mark now; ages: one byte per PFN, updated in place. */
void attrib_batch(Attrib *a, size_t n_pfns, const uint64_t *flags, const uint64_t *cgroups,
                  const uint64_t *idle, uint64_t *marks, uint8_t *ages);

/* The same from /dev/pageidle's report (pageidle_dev.h) for the PFNs
 * [first_pfn, end_pfn) of a range that starts at range_pfn and has
 * range_pfns PFNs: the folios of the set's nodes, in PFN order, each under
 * the index of its node (the scan named the nodes' inodes in their order).
 * marks and ages are the range's; the words of the batch are marked anew. */
void attrib_folios(Attrib *a, uint64_t range_pfn, uint64_t range_pfns, uint64_t first_pfn, uint64_t end_pfn,
                   const struct pageidle_folio *folios, size_t n_folios, uint64_t *marks, uint8_t *ages);
