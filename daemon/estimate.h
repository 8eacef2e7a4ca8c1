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

/* WorkingSetWindow= may list this many windows. */
#define WS_WINDOWS_MAX 8u

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
        uint64_t cold_pages[2];         /* idle for at least the cold age */
        uint64_t promoted_pages;        /* cold at the previous pass, used since */
        uint64_t window_ws_pages[WS_WINDOWS_MAX];       /* each working-set window's but
                                                         * the first (ws_pages) */
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
 * with fewer than two blocks.  The error is published for 95% intervals
 * of ±Z_975 of it, so where the blocks are few it is widened by
 * t/Z_975, t the 0.975 quantile of Student's t with (effective blocks − 1)
 * degrees of freedom; and where every block is all idle (or all not),
 * it is at least what that many blocks cannot rule out. */
#define Z_975 1.959963984540054
double ratio_sums_ratio(const RatioSums *r);
double ratio_sums_stderr(const RatioSums *r, double f);
/* The blocks weighted by their size: (Σx)² / Σx², at most n. */
double ratio_sums_effective_blocks(const RatioSums *r);
double student_t_975(double df);

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
        /* Cold memory and its promotion (estimate_cold_from_stats()); all
         * zero when cold_known is false (the refs backend has no ages). */
        bool cold_known;
        uint64_t cold_bytes;
        uint64_t cold_anon_bytes;
        uint64_t cold_file_bytes;
        uint64_t promoted_bytes;                /* in the last interval */
        double promotion_bytes_per_minute;
        double promotion_ratio;                 /* per minute, of working_set_bytes */
        /* Advice, never applied (estimate_advise()); 0 when !cold_known. */
        double headroom_ratio;
        uint64_t suggested_limit_bytes;
        /* Every working-set window's (estimate_windows_from_stats()): the
         * first is working_set_bytes's. */
        unsigned n_windows;
        uint64_t window_ws_bytes[WS_WINDOWS_MAX];
        /* The kernel's refaults (both kinds), per minute, of the longest
         * window's working set; 0 when not known (set before estimate_advise()). */
        double refault_ratio;
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

/* Cold pages and promotions: a page is cold when idle for at least
 * cold_intervals intervals, and promoted when it was cold before this
 * pass (prev_age) and was used since (age 0).  cold_intervals 0: none. */
static inline void page_stats_account_cold(PageStats *s, bool anon, uint8_t prev_age, uint8_t age,
                                           unsigned cold_intervals, uint64_t n_pages) {
        if (cold_intervals == 0)
                return;
        if (age >= cold_intervals)
                s->cold_pages[anon] += n_pages;
        else if (age == 0 && prev_age >= cold_intervals)
                s->promoted_pages += n_pages;
}

/* The working set of each window after the first (whose is ws_pages),
 * in whole intervals: age below what has been measured of the window. */
static inline void page_stats_account_windows(PageStats *s, uint8_t age, const unsigned *window_intervals,
                                              unsigned n_windows, unsigned measured_intervals, uint64_t n_pages) {
        for (unsigned i = 1; i < n_windows; i++)
                if (age < ws_window_intervals(window_intervals[i], measured_intervals))
                        s->window_ws_pages[i] += n_pages;
}

void page_stats_add(PageStats *a, const PageStats *b);

void estimate_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec);
/* The cold and promotion figures of e, after estimate_from_stats(): known
 * when cold_known (the pass measured ages against a cold age). */
void estimate_cold_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec,
                              bool cold_known);

/* The headroom above the working set a limit should leave: ESTIMATE_HEADROOM_MIN,
 * growing by ESTIMATE_HEADROOM_PER_PROMOTION times the promotion ratio (the
 * share of the working set that comes back from cold memory per minute) and
 * ESTIMATE_HEADROOM_PER_REFAULT times the refault ratio (the share that
 * comes back from reclaim), at most ESTIMATE_HEADROOM_MAX; pageidled(8),
 * ESTIMATES, has the formula. */
#define ESTIMATE_HEADROOM_MIN 0.10
#define ESTIMATE_HEADROOM_MAX 1.00
#define ESTIMATE_HEADROOM_PER_PROMOTION 50.0
#define ESTIMATE_HEADROOM_PER_REFAULT 50.0
/* The least a limit may be, so that no advice is one a cgroup cannot live
 * under: at least ESTIMATE_LIMIT_MIN_BYTES (a process's code, stack and
 * page tables, which the idle ages do not show well, and room to start
 * one) and ESTIMATE_LIMIT_MIN_RATIO of the cgroup's bytes (memory unused
 * for the whole longest window may still be used less often than that: no
 * one piece of advice takes away more than the rest at once). */
#define ESTIMATE_LIMIT_MIN_BYTES (UINT64_C(4) << 20)
#define ESTIMATE_LIMIT_MIN_RATIO 0.05
/* suggested_limit_bytes = the longest window's working set * (1 + headroom),
 * at least the floor above, rounded up to a page; after
 * estimate_cold_from_stats(). */
void estimate_advise(Estimate *e, uint64_t page_size);

/* Every window's working set, after estimate_from_stats() and before
 * estimate_advise(), which takes the longest (the last: they are listed
 * in increasing order). */
void estimate_windows_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, unsigned n_windows);

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

/* After estimate_from_samples(), estimate_cold_from_stats() and
 * estimate_windows_from_stats() of a sampled pass: the cold, promoted and
 * further windows' figures, which those counted on the samples, as the
 * same shares of the estimated sizes (cold anon and file of anon_bytes and
 * file_bytes, the rest of bytes), without an error of their own.  Nothing
 * changes for a pass that read every page. */
void estimate_scale_sampled(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec);
