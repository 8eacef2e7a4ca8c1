/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Per-PFN idle age: how many consecutive scan intervals a page stayed
 * idle, saturating at AGE_MAX.  0 means accessed during the last interval
 * (or not marked before it, which counts as accessed). */
#define AGE_MAX 255u

/* Histogram buckets by idle age in intervals: [0,1), [1,2), [2,4), ...,
 * [128,255]: bucket 0 holds pages used in the last interval, bucket k>0
 * pages idle for at least 2^(k-1) intervals. */
#define AGE_BUCKETS 9u

enum {
        PAGE_FILE = 0,
        PAGE_ANON = 1,
};

/* Counts in pages, accumulated during one pass. */
typedef struct PageStats {
        uint64_t pages[2];              /* [PAGE_FILE], [PAGE_ANON] */
        uint64_t idle_pages[2];
        uint64_t ws_pages;
        uint64_t hist_pages[AGE_BUCKETS];
} PageStats;

/* Sampled passes estimate shares by cluster sampling, the blocks of
 * sample.h being the clusters.  Per figure, y_i of x_i pages of block i
 * are idle (or in the working set); the ratio r = Σy/Σx over the n
 * sampled blocks holding any of the x pages estimates the share, with
 *   var(r) ≈ (1 − f) / (n (n − 1)) · Σ(y_i − r x_i)² / x̄²,   x̄ = Σx/n,
 * f the sampling fraction.  The sums are gathered block by block during a
 * pass; the sum of squares expands, so no block is kept. */
enum {
        CLUSTER_IDLE,                   /* idle pages of all pages */
        CLUSTER_WS,                     /* working-set pages of all pages */
        CLUSTER_ANON_IDLE,              /* idle anon pages of anon pages */
        CLUSTER_FILE_IDLE,              /* idle file pages of file pages */
        _CLUSTER_MAX,
};

typedef struct RatioSums {
        uint64_t n;                     /* blocks with x_i > 0 */
        double sx, sy, sxx, syy, sxy;
} RatioSums;

typedef struct ClusterSums {
        RatioSums figure[_CLUSTER_MAX];
} ClusterSums;

/* One block's counts of a cgroup's pages. */
static inline void ratio_sums_add(RatioSums *r, uint64_t x, uint64_t y) {
        double dx = (double) x, dy = (double) y;

        if (x == 0)
                return;
        r->n++;
        r->sx += dx;
        r->sy += dy;
        r->sxx += dx * dx;
        r->syy += dy * dy;
        r->sxy += dx * dy;
}

/* The block's pages as PageStats counts them (the differences of a
 * cgroup's counts over the block). */
void cluster_sums_add_block(ClusterSums *c, const PageStats *block);
void cluster_sums_add(ClusterSums *a, const ClusterSums *b);
/* The estimated share, 0 with no block; and its standard error at
 * sampling fraction f: 0 at f = 1, 0.5 (as unsure as a share can be)
 * with fewer than two blocks. */
double ratio_sums_ratio(const RatioSums *r);
double ratio_sums_stderr(const RatioSums *r, double f);

/* What is published per cgroup; pageidled(8), section ESTIMATES, says what
 * each figure means (the JSON document and the bus carry the same names). */
typedef struct Estimate {
        uint64_t bytes;
        uint64_t idle_bytes;
        double idle_ratio;
        uint64_t working_set_bytes;
        uint64_t anon_bytes;
        uint64_t anon_idle_bytes;
        uint64_t file_bytes;
        uint64_t file_idle_bytes;
        uint64_t hist_lower_usec[AGE_BUCKETS];
        uint64_t hist_bytes[AGE_BUCKETS];
        /* Sampled passes: the bytes measured, and each estimated figure's
         * standard error (all 0 at Sampling=1, where bytes are measured
         * and exact). */
        uint64_t sampled_bytes;
        uint64_t idle_bytes_stderr;
        uint64_t working_set_bytes_stderr;
        uint64_t anon_idle_bytes_stderr;
        uint64_t file_idle_bytes_stderr;
} Estimate;

static inline uint8_t age_next(uint8_t age, bool was_marked, bool idle) {
        if (!was_marked || !idle)
                return 0;
        return age < AGE_MAX ? (uint8_t) (age + 1) : (uint8_t) AGE_MAX;
}

static inline unsigned age_bucket(uint8_t age) {
        if (age == 0)
                return 0;
        return 1 + (31 - __builtin_clz((unsigned) age));
}

uint64_t age_bucket_lower_usec(unsigned bucket, uint64_t interval_usec);

/* The intervals a working set covers: the window, or what has been
 * measured of it when that is less (an interval at least: pages not marked
 * before count as accessed, so they are in any working set). */
static inline unsigned ws_window_intervals(unsigned window_intervals, unsigned measured_intervals) {
        unsigned n = window_intervals < measured_intervals ? window_intervals : measured_intervals;

        return n > 0 ? n : 1;
}

static inline void page_stats_account(PageStats *s, bool anon, uint8_t age,
                                      unsigned window_intervals, uint64_t n_pages) {
        s->pages[anon] += n_pages;
        if (age > 0)
                s->idle_pages[anon] += n_pages;
        if (age < window_intervals)
                s->ws_pages += n_pages;
        s->hist_pages[age_bucket(age)] += n_pages;
}

void page_stats_add(PageStats *a, const PageStats *b);

void estimate_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec);

/* A sampled pass's estimate at fraction f < 1: s and c count the sampled
 * pages; resident_bytes[PAGE_FILE], [PAGE_ANON] are the cgroup's own
 * resident LRU sizes (memory.stat), or NULL when unknown, when the
 * sampled counts are scaled by 1/f instead.  Their sum is bytes; the
 * samples split it into anon and file as the page flags do (memory.stat
 * counts shmem as anon).  Each share measured on the
 * samples is applied to its base: working set and the histogram to all
 * bytes, anon and file idle to the anon and file bytes (idle_bytes is
 * their sum), rounded to whole pages.  At f = 1, estimate_from_stats()
 * with errors of 0. */
void estimate_from_samples(Estimate *e, const PageStats *s, const ClusterSums *c, const uint64_t *resident_bytes,
                           double f, uint64_t page_size, uint64_t interval_usec);
