/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Page attribution from kpageflags/kpagecgroup/bitmap buffers: LRU pages
 * to their memcg, THP tails following their head, anon vs file, idle
 * ageing with saturation, the log2 histogram, the working-set window and
 * hierarchical totals; cold pages and promotions; and /dev/pageidle's folio reports attributed the
 * same way. */
#include <linux/kernel-page-flags.h>

#include "attrib.h"
#include "test-util.h"
#include "util.h"

#define F(b) (UINT64_C(1) << KPF_##b)
#define N_PFNS 128

static uint64_t flags[N_PFNS], cgroups[N_PFNS], idle[N_PFNS / 64], marks[N_PFNS / 64];
static uint8_t ages[N_PFNS];

static void set_page(unsigned pfn, uint64_t f, uint64_t ino) {
        flags[pfn] = f;
        cgroups[pfn] = ino;
}

static void set_idle(unsigned pfn) {
        idle[pfn / 64] |= UINT64_C(1) << (pfn % 64);
}

/* One pass in two batches of 64, so that a THP spans a batch boundary. */
static Attrib run_pass(CgroupSet *s, unsigned window) {
        Attrib a;

        for (size_t i = 0; i < s->n_nodes; i++)
                s->nodes[i].own = (PageStats) {};
        attrib_begin(&a, s, window);
        attrib_gap(&a);
        attrib_batch(&a, 64, flags, cgroups, idle, marks, ages);
        attrib_batch(&a, 64, flags + 64, cgroups + 64, idle + 1, marks + 1, ages + 64);
        cgroup_set_sum(s);
        memset(idle, 0, sizeof(idle));
        return a;
}

static CgroupSet *make_set(void) {
        CgroupSet *s;
        size_t a, b;

        CHECK(cgroup_set_new(&s) == 0);
        CHECK(cgroup_set_add(s, "/a", 100, CGROUP_NO_PARENT, true, &a) == 0);
        CHECK(cgroup_set_add(s, "/a/b", 101, a, true, &b) == 0);
        CHECK(cgroup_set_add(s, "/a/c", 102, a, false, NULL) == 0);
        CHECK(cgroup_set_add(s, "/a/b/x", 101, b, false, NULL) == -EEXIST);
        CHECK(cgroup_set_add(s, "/z", 0, CGROUP_NO_PARENT, true, NULL) == -EINVAL);
        CHECK_EQ_U64(s->n_nodes, 3);
        CHECK_EQ_U64(s->n_tracked, 2);
        return s;
}

static void test_attribution(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *s = make_set();
        CgroupNode *A, *B, *C;
        Attrib a;

        A = cgroup_set_lookup(s, 100);
        B = cgroup_set_lookup(s, 101);
        C = cgroup_set_lookup(s, 102);
        CHECK(A && B && C && !cgroup_set_lookup(s, 200));
        CHECK(cgroup_set_find_path(s, "/a/c") == C);

        set_page(0, F(LRU) | F(ANON) | F(MMAP), 100);
        set_page(1, F(LRU) | F(MMAP), 100);
        set_page(2, F(LRU) | F(ANON), 101);
        set_page(3, F(SLAB), 100);                              /* not LRU */
        set_page(4, F(LRU), 200);                               /* untracked cgroup */
        set_page(5, F(NOPAGE), 0);
        /* A THP as 6.1 reports it: tails carry neither LRU nor a memcg. */
        set_page(8, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 102);
        for (unsigned p = 9; p < 16; p++)
                set_page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
        /* A non-LRU compound page: its tail must not follow the previous head. */
        set_page(16, F(SLAB) | F(COMPOUND_HEAD), 100);
        set_page(17, F(SLAB) | F(COMPOUND_TAIL), 100);
        /* A large file folio as 6.12 reports it: tails carry the folio's flags. */
        set_page(20, F(LRU) | F(COMPOUND_HEAD), 101);
        set_page(21, F(LRU) | F(COMPOUND_TAIL), 101);
        /* A THP across the batch boundary. */
        set_page(60, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 100);
        for (unsigned p = 61; p < 68; p++)
                set_page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
        set_page(68, F(LRU) | F(ANON), 101);
        /* A tail right after a gap in the set of heads: no head, not counted. */
        set_page(70, F(ANON) | F(COMPOUND_TAIL), 100);

        /* Pass 1: nothing was marked, so everything counts as used. */
        set_idle(0);                    /* not marked before: not believed */
        a = run_pass(s, 1);
        CHECK_EQ_U64(marks[0], (1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 8) | (1ull << 20) | (1ull << 60));
        CHECK_EQ_U64(marks[1], 1ull << 4);
        CHECK_EQ_U64(a.marked_pages, 7);
        CHECK_EQ_U64(a.tracked_pages, 7 + 7 + 1 + 7);
        CHECK_EQ_U64(a.lru_pages, 8);
        CHECK_EQ_U64(A->own.pages[PAGE_ANON], 1 + 8);
        CHECK_EQ_U64(A->own.pages[PAGE_FILE], 1);
        CHECK_EQ_U64(B->own.pages[PAGE_ANON], 2);
        CHECK_EQ_U64(B->own.pages[PAGE_FILE], 2);
        CHECK_EQ_U64(C->own.pages[PAGE_ANON], 8);
        CHECK_EQ_U64(A->total.pages[PAGE_ANON], 9 + 2 + 8);
        CHECK_EQ_U64(A->total.pages[PAGE_FILE], 1 + 2);
        CHECK_EQ_U64(A->total.idle_pages[PAGE_ANON] + A->total.idle_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(A->total.ws_pages, 22);
        CHECK_EQ_U64(B->total.pages[PAGE_ANON], 2);
        CHECK_EQ_U64(ages[0], 0);

        /* Pass 2: pages 0, 8 (a THP in /a/c) and 60 (a THP in /a) stayed idle. */
        set_idle(0);
        set_idle(8);
        set_idle(60);
        set_idle(4);                    /* untracked: ignored */
        set_idle(9);                    /* a tail: its head speaks for it */
        /* A window of 4, of which one interval has been measured: the
         * working set is that interval's. */
        for (size_t i = 0; i < s->n_nodes; i++)
                s->nodes[i].measured_intervals = 1;
        a = run_pass(s, 4);
        for (size_t i = 0; i < s->n_nodes; i++)
                s->nodes[i].measured_intervals = AGE_MAX;
        CHECK_EQ_U64(ages[0], 1);
        CHECK_EQ_U64(ages[1], 0);
        CHECK_EQ_U64(ages[4], 0);
        CHECK_EQ_U64(ages[8], 1);
        CHECK_EQ_U64(ages[15], 1);
        CHECK_EQ_U64(ages[65], 1);
        CHECK_EQ_U64(A->own.idle_pages[PAGE_ANON], 1 + 8);
        CHECK_EQ_U64(A->own.idle_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(C->own.idle_pages[PAGE_ANON], 8);
        CHECK_EQ_U64(B->own.idle_pages[PAGE_ANON] + B->own.idle_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(A->total.idle_pages[PAGE_ANON], 17);
        CHECK_EQ_U64(A->total.ws_pages, 22 - 17);
        CHECK_EQ_U64(A->total.hist_pages[0], 5);
        CHECK_EQ_U64(A->total.hist_pages[1], 17);

        /* Page 0 stays idle; the /a THP is used again; the /a/c THP stays idle. */
        for (unsigned pass = 3; pass <= 300; pass++) {
                set_idle(0);
                set_idle(8);
                a = run_pass(s, 4);
                if (pass == 3) {
                        CHECK_EQ_U64(ages[0], 2);
                        CHECK_EQ_U64(ages[60], 0);
                        CHECK_EQ_U64(ages[67], 0);
                        /* Window of 4 intervals: ages 0..3 are in the working set. */
                        CHECK_EQ_U64(A->total.ws_pages, 22);
                        CHECK_EQ_U64(A->total.hist_pages[2], 9);        /* ages 2..3 */
                }
                if (pass == 6) {
                        CHECK_EQ_U64(ages[0], 5);
                        CHECK_EQ_U64(A->total.ws_pages, 22 - 9);
                        CHECK_EQ_U64(A->total.hist_pages[3], 9);        /* ages 4..7 */
                }
        }
        CHECK_EQ_U64(ages[0], 255);
        CHECK_EQ_U64(ages[8], 255);
        CHECK_EQ_U64(ages[12], 255);
        CHECK_EQ_U64(A->total.hist_pages[8], 9);

        /* Used once: back to age 0. */
        set_idle(8);
        run_pass(s, 4);
        CHECK_EQ_U64(ages[0], 0);
        CHECK_EQ_U64(ages[8], 255);

        /* Page 1 leaves the LRU (freed): no mark, age reset. */
        set_page(1, 0, 0);
        run_pass(s, 4);
        CHECK(!(marks[0] & 2));
        CHECK_EQ_U64(ages[1], 0);
}

static void test_buckets(void) {
        CHECK_EQ_U64(age_bucket(0), 0);
        CHECK_EQ_U64(age_bucket(1), 1);
        CHECK_EQ_U64(age_bucket(2), 2);
        CHECK_EQ_U64(age_bucket(3), 2);
        CHECK_EQ_U64(age_bucket(4), 3);
        CHECK_EQ_U64(age_bucket(127), 7);
        CHECK_EQ_U64(age_bucket(128), 8);
        CHECK_EQ_U64(age_bucket(255), 8);
        CHECK_EQ_U64(age_bucket_lower_usec(0, 10 * USEC_PER_SEC), 0);
        CHECK_EQ_U64(age_bucket_lower_usec(1, 10 * USEC_PER_SEC), 10 * USEC_PER_SEC);
        CHECK_EQ_U64(age_bucket_lower_usec(4, 10 * USEC_PER_SEC), 80 * USEC_PER_SEC);
        CHECK_EQ_U64(age_bucket_lower_usec(8, 1000), 128000);
        CHECK_EQ_U64(age_next(254, true, true), 255);
        CHECK_EQ_U64(age_next(255, true, true), 255);
        CHECK_EQ_U64(age_next(7, false, true), 0);
        CHECK_EQ_U64(age_next(7, true, false), 0);
}

static void test_estimate(void) {
        PageStats s = {
                .pages = { [PAGE_FILE] = 10, [PAGE_ANON] = 30 },
                .idle_pages = { [PAGE_FILE] = 5, [PAGE_ANON] = 5 },
                .ws_pages = 35,
                .hist_pages = { 30, 4, 6 },
        };
        Estimate e;

        estimate_from_stats(&e, &s, 4096, 2 * USEC_PER_SEC);
        CHECK_EQ_U64(e.bytes, 40 * 4096);
        CHECK_EQ_U64(e.idle_bytes, 10 * 4096);
        CHECK(e.idle_ratio == 0.25);
        CHECK_EQ_U64(e.working_set_bytes, 35 * 4096);
        CHECK_EQ_U64(e.anon_bytes, 30 * 4096);
        CHECK_EQ_U64(e.anon_idle_bytes, 5 * 4096);
        CHECK_EQ_U64(e.file_bytes, 10 * 4096);
        CHECK_EQ_U64(e.file_idle_bytes, 5 * 4096);
        CHECK_EQ_U64(e.hist_lower_usec[2], 4 * USEC_PER_SEC);
        CHECK_EQ_U64(e.hist_bytes[2], 6 * 4096);

        s = (PageStats) {};
        estimate_from_stats(&e, &s, 4096, USEC_PER_SEC);
        CHECK(e.idle_ratio == 0.0);
}

/* Cold pages (idle at least the cold age) and promotions (cold at the
 * previous pass, used since), a THP's tails with their head. */
static void test_cold(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *s = make_set();
        CgroupNode *A, *B;
        Estimate e;

        memset(flags, 0, sizeof(flags));
        memset(cgroups, 0, sizeof(cgroups));
        memset(marks, 0, sizeof(marks));
        memset(ages, 0, sizeof(ages));
        A = cgroup_set_lookup(s, 100);
        B = cgroup_set_lookup(s, 101);
        s->cold_intervals = 2;
        /* Windows of 1, 2 and 4 intervals: the first is ws_pages's. */
        s->n_windows = 3;
        s->windows_intervals[0] = 1;
        s->windows_intervals[1] = 2;
        s->windows_intervals[2] = 4;
        set_page(0, F(LRU) | F(ANON), 100);
        set_page(1, F(LRU), 100);
        set_page(2, F(LRU), 101);
        set_page(8, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 101);
        for (unsigned p = 9; p < 16; p++)
                set_page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);

        /* Passes 1 and 2: not yet idle for two intervals. */
        for (unsigned pass = 1; pass <= 2; pass++) {
                set_idle(0);
                set_idle(1);
                set_idle(8);
                run_pass(s, 1);
                CHECK_EQ_U64(A->total.cold_pages[PAGE_ANON] + A->total.cold_pages[PAGE_FILE], 0);
                CHECK_EQ_U64(A->total.promoted_pages, 0);
        }
        /* Pass 3: 0, 1 and the THP have been idle for two intervals. */
        set_idle(0);
        set_idle(1);
        set_idle(8);
        run_pass(s, 1);
        CHECK_EQ_U64(A->own.cold_pages[PAGE_ANON], 1);
        CHECK_EQ_U64(A->own.cold_pages[PAGE_FILE], 1);
        CHECK_EQ_U64(B->own.cold_pages[PAGE_ANON], 8);
        CHECK_EQ_U64(B->own.cold_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(A->total.cold_pages[PAGE_ANON], 9);
        CHECK_EQ_U64(A->total.promoted_pages, 0);
        /* Ages 2 (0, 1, the THP) and 0 (page 2): only page 2 was used within
         * 1 or 2 intervals, all of them within 4. */
        CHECK_EQ_U64(A->total.ws_pages, 1);
        CHECK_EQ_U64(A->total.window_ws_pages[0], 0);   /* not counted: ws_pages has it */
        CHECK_EQ_U64(A->total.window_ws_pages[1], 1);
        CHECK_EQ_U64(A->total.window_ws_pages[2], 11);
        CHECK_EQ_U64(B->total.window_ws_pages[2], 9);

        /* Pass 4: page 1 and the THP are used again: promoted; page 2,
         * never cold, is used too and is not. */
        set_idle(0);
        run_pass(s, 1);
        CHECK_EQ_U64(A->own.promoted_pages, 1);
        CHECK_EQ_U64(B->own.promoted_pages, 8);
        CHECK_EQ_U64(A->total.promoted_pages, 9);
        CHECK_EQ_U64(A->total.cold_pages[PAGE_ANON], 1);
        CHECK_EQ_U64(A->total.cold_pages[PAGE_FILE], 0);

        estimate_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC);
        estimate_cold_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC, true);
        CHECK(e.cold_known);
        CHECK_EQ_U64(e.cold_bytes, 4096);
        CHECK_EQ_U64(e.cold_anon_bytes, 4096);
        CHECK_EQ_U64(e.cold_file_bytes, 0);
        CHECK_EQ_U64(e.promoted_bytes, 9 * 4096);
        /* Two intervals of 30 s a minute. */
        CHECK(e.promotion_bytes_per_minute == 2.0 * 9 * 4096);
        CHECK_EQ_U64(e.working_set_bytes, 10 * 4096);   /* all but page 0 */
        CHECK(e.promotion_ratio == 2.0 * 9 / 10);
        /* 1.8 of the working set a minute: the most headroom, twice the
         * working set, which is below the floor for these few pages. */
        estimate_advise(&e, 4096);
        CHECK(e.headroom_ratio == ESTIMATE_HEADROOM_MAX);
        CHECK_EQ_U64(e.suggested_limit_bytes, ESTIMATE_LIMIT_MIN_BYTES);
        e.working_set_bytes = 2000 * 4096;
        estimate_advise(&e, 4096);
        CHECK_EQ_U64(e.suggested_limit_bytes, 2 * 2000 * 4096);
        /* 0.2% a minute, the far-memory target: 0.1 + 50 * 0.002 = 0.2. */
        e.promotion_ratio = 0.002;
        e.working_set_bytes = 10000 * 4096;
        estimate_advise(&e, 4096);
        CHECK(e.headroom_ratio > 0.2 - 1e-9 && e.headroom_ratio < 0.2 + 1e-9);
        CHECK_EQ_U64(e.suggested_limit_bytes, 12000 * 4096);
        /* None at all: the least headroom, rounded up to a page. */
        e.promotion_ratio = 0.0;
        e.working_set_bytes = 1005 * 4096;
        estimate_advise(&e, 4096);
        CHECK(e.headroom_ratio == ESTIMATE_HEADROOM_MIN);
        CHECK_EQ_U64(e.suggested_limit_bytes, 1106 * 4096);     /* 1105.5 pages */
        /* With the windows, the longest one's working set: page 0, idle for
         * 3 intervals, is in the 4-interval window. */
        estimate_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC);
        estimate_cold_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC, true);
        estimate_windows_from_stats(&e, &A->total, 4096, 3);
        CHECK_EQ_U64(e.n_windows, 3);
        CHECK_EQ_U64(e.window_ws_bytes[0], 10 * 4096);
        CHECK_EQ_U64(e.window_ws_bytes[1], 10 * 4096);
        CHECK_EQ_U64(e.window_ws_bytes[2], 11 * 4096);
        /* The advice keeps the longest (below the floor for these pages,
         * so scaled up here). */
        e.window_ws_bytes[1] = 1000 * 4096;
        e.window_ws_bytes[2] = 1100 * 4096;
        estimate_advise(&e, 4096);
        CHECK_EQ_U64(e.suggested_limit_bytes, 2 * 1100 * 4096);

        /* Pass 5: used again, but no longer cold before: no promotion. */
        set_idle(0);
        run_pass(s, 1);
        CHECK_EQ_U64(A->total.promoted_pages, 0);
        CHECK_EQ_U64(A->total.cold_pages[PAGE_ANON], 1);

        /* Without a cold age, nothing is counted, and an estimate says so. */
        s->cold_intervals = 0;
        run_pass(s, 1);
        CHECK_EQ_U64(A->total.cold_pages[PAGE_ANON] + A->total.cold_pages[PAGE_FILE], 0);
        estimate_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC);
        estimate_cold_from_stats(&e, &A->total, 4096, 30 * USEC_PER_SEC, false);
        CHECK(!e.cold_known);
        CHECK_EQ_U64(e.cold_bytes, 0);
        estimate_advise(&e, 4096);
        CHECK_EQ_U64(e.suggested_limit_bytes, 0);
        memset(idle, 0, sizeof(idle));
}

/* What /dev/pageidle reports for the layout in flags/cgroups, with the
 * idle bits as the bitmap would read them: each tracked head once, its
 * order from the tails that follow it. */
static size_t device_report(const CgroupSet *s, unsigned first, unsigned end, struct pageidle_folio *out) {
        size_t n = 0;

        for (unsigned p = first; p < end; p++) {
                const CgroupNode *node;
                unsigned tails = 0, order = 0;

                if ((flags[p] & (F(LRU) | F(COMPOUND_TAIL) | F(NOPAGE))) != F(LRU))
                        continue;
                node = cgroup_set_lookup(s, cgroups[p]);
                if (!node)
                        continue;
                if (flags[p] & F(COMPOUND_HEAD))
                        while (p + 1 + tails < N_PFNS && (flags[p + 1 + tails] & F(COMPOUND_TAIL)))
                                tails++;
                while ((1u << order) < tails + 1)
                        order++;
                out[n++] = (struct pageidle_folio) {
                        .pfn = p,
                        .cgroup = (uint32_t) (node - s->nodes),
                        .order = (uint8_t) order,
                        .flags = (flags[p] & F(ANON) ? PAGEIDLE_FOLIO_ANON : 0) |
                                 ((idle[p / 64] >> (p % 64)) & 1 ? PAGEIDLE_FOLIO_IDLE : 0),
                };
        }
        return n;
}

/* The module's scan path and the kpageflags one agree: the same pages to
 * the same nodes, the same marks, the same ages, pass after pass. */
static void test_folios_agree(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *k = make_set(), *d = make_set();
        uint64_t d_marks[N_PFNS / 64] = {}, idle_pattern[3][N_PFNS / 64] = {
                { ~UINT64_C(0), ~UINT64_C(0) },
                { UINT64_C(0xaaaaaaaaaaaaaaaa), ~UINT64_C(0) },
                { ~UINT64_C(0), UINT64_C(0x00000000000000f0) },
        };
        uint8_t d_ages[N_PFNS] = {};
        struct pageidle_folio report[N_PFNS];
        uint64_t promoted = 0;

        memset(flags, 0, sizeof(flags));
        memset(cgroups, 0, sizeof(cgroups));
        memset(marks, 0, sizeof(marks));
        memset(ages, 0, sizeof(ages));
        k->cold_intervals = d->cold_intervals = 1;
        k->n_windows = d->n_windows = 2;
        k->windows_intervals[0] = d->windows_intervals[0] = 2;
        k->windows_intervals[1] = d->windows_intervals[1] = 3;
        for (unsigned p = 0; p < 8; p++)
                set_page(p, F(LRU) | (p % 2 ? F(ANON) : 0), p < 4 ? 100 : 101);
        set_page(8, F(SLAB), 100);
        set_page(9, F(LRU), 200);
        set_page(16, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 102);
        for (unsigned p = 17; p < 24; p++)
                set_page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
        set_page(56, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 101);
        for (unsigned p = 57; p < 72; p++)
                set_page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
        set_page(80, F(LRU), 100);
        set_page(127, F(LRU) | F(ANON), 102);

        for (unsigned pass = 0; pass < 3; pass++) {
                Attrib ka, da;
                size_t n;

                for (size_t i = 0; i < d->n_nodes; i++)
                        d->nodes[i].own = (PageStats) {};
                memcpy(idle, idle_pattern[pass], sizeof(idle));
                attrib_begin(&da, d, 2);
                n = device_report(d, 0, 64, report);
                attrib_folios(&da, 0, N_PFNS, 0, 64, report, n, d_marks, d_ages);
                n = device_report(d, 64, N_PFNS, report);
                attrib_folios(&da, 0, N_PFNS, 64, N_PFNS, report, n, d_marks, d_ages);
                cgroup_set_sum(d);
                ka = run_pass(k, 2);

                CHECK_EQ_U64(da.tracked_pages, ka.tracked_pages);
                CHECK_EQ_U64(da.marked_pages, ka.marked_pages);
                CHECK_EQ_U64(d_marks[0], marks[0]);
                CHECK_EQ_U64(d_marks[1], marks[1]);
                for (unsigned p = 0; p < N_PFNS; p++)
                        if (flags[p] & (F(LRU) | F(COMPOUND_TAIL)))
                                CHECK_EQ_U64(d_ages[p], ages[p]);
                for (size_t i = 0; i < k->n_nodes; i++) {
                        CHECK(memcmp(&k->nodes[i].total, &d->nodes[i].total, sizeof(PageStats)) == 0);
                        promoted += k->nodes[i].own.promoted_pages;
                }
        }
        /* The patterns wake pages that were cold: the paths agree on that too. */
        CHECK(promoted > 0);
        /* Not what was asked for: a folio outside the batch, or of no node. */
        {
                struct pageidle_folio bad[] = {
                        { .pfn = 70, .cgroup = 0 },
                        { .pfn = 3, .cgroup = 99 },
                };
                Attrib da;

                attrib_begin(&da, d, 2);
                attrib_folios(&da, 0, N_PFNS, 0, 64, bad, 2, d_marks, d_ages);
                CHECK_EQ_U64(da.tracked_pages, 0);
                CHECK_EQ_U64(d_marks[0], 0);
        }
}

int main(void) {
        test_buckets();
        test_estimate();
        test_attribution();
        test_cold();
        test_folios_agree();
        return 0;
}
