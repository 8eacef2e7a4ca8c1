/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which blocks a sampled pass reads: about one in 2^k, the same ones for
 * a seed, each fraction's blocks among the larger fraction's. */
#include <math.h>

#include "sample.h"
#include "test-util.h"

#define N_BLOCKS (1u << 20)     /* 2 TiB of 4 KiB pages */

static void test_fraction(void) {
        static const uint64_t seeds[] = { 0, 1, UINT64_C(0xdeadbeefcafef00d) };

        for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
                for (unsigned k = 0; k <= SAMPLE_SHIFT_MAX; k++) {
                        uint64_t n = 0, first_half = 0;
                        double expect = N_BLOCKS * sample_fraction(k);

                        for (uint64_t b = 0; b < N_BLOCKS; b++)
                                if (sample_block_sampled(seeds[s], k, b)) {
                                        n++;
                                        first_half += b < N_BLOCKS / 2;
                                }
                        /* Five binomial standard deviations. */
                        CHECK(fabs((double) n - expect) <= 5 * sqrt(expect * (1 - sample_fraction(k))) + 0.5);
                        /* Spread over the range, not bunched. */
                        CHECK(fabs((double) first_half - expect / 2) <= 5 * sqrt(expect / 2) + 0.5);
                }
        /* Every block at 1. */
        for (uint64_t b = 0; b < 4096; b++)
                CHECK(sample_block_sampled(7, 0, b));
}

static void test_subset_and_seed(void) {
        uint64_t differ = 0;

        for (uint64_t b = 0; b < N_BLOCKS; b++) {
                for (unsigned k = 0; k < SAMPLE_SHIFT_MAX; k++)
                        if (sample_block_sampled(42, k + 1, b))
                                CHECK(sample_block_sampled(42, k, b));
                /* The same answer each time; another seed, other blocks. */
                CHECK(sample_block_sampled(42, 4, b) == sample_block_sampled(42, 4, b));
                differ += sample_block_sampled(42, 4, b) != sample_block_sampled(43, 4, b);
        }
        CHECK(differ > N_BLOCKS / 16);
}

static void test_runs(void) {
        const uint64_t seed = 99, start = 64, end = 64 + 300 * SAMPLE_BLOCK_PFNS + 128;

        for (unsigned k = 0; k <= SAMPLE_SHIFT_MAX; k++) {
                uint64_t pfn = start, covered = 0, expect = 0;

                for (uint64_t p = start; p < end; p += 64)
                        expect += 64 * sample_block_sampled(seed, k, p / SAMPLE_BLOCK_PFNS);
                while ((pfn = sample_next_pfn(seed, k, pfn, end)) < end) {
                        uint64_t e = sample_run_end(seed, k, pfn, end);

                        CHECK(e > pfn && e <= end);
                        CHECK(e == end || e % SAMPLE_BLOCK_PFNS == 0);
                        for (uint64_t p = pfn; p < e; p += 64)
                                CHECK(sample_block_sampled(seed, k, p / SAMPLE_BLOCK_PFNS));
                        CHECK(e == end || !sample_block_sampled(seed, k, e / SAMPLE_BLOCK_PFNS));
                        covered += e - pfn;
                        pfn = e;
                }
                CHECK_EQ_U64(covered, expect);
                if (k == 0)
                        CHECK_EQ_U64(covered, end - start);
        }
}

/* auto: at 5% of 10 s, a pass may take 500 ms of CPU. */
static void test_auto(void) {
        const uint64_t interval = 10000000;
        SampleAuto a;
        unsigned shift;

        /* The first pass reads 1/64, whatever the machine. */
        sample_auto_init(&a);
        CHECK_EQ_U64(a.shift, SAMPLE_AUTO_FIRST_SHIFT);
        CHECK_EQ_U64(a.shift, SAMPLE_SHIFT_MAX);
        /* Its 1/64 of a full pass of 100 ms: straight up to 1, which fits. */
        CHECK_EQ_U64(sample_auto_update(&a, 100000 / 64, 0, interval, 5), 0);
        for (unsigned i = 0; i < 20; i++)
                CHECK_EQ_U64(sample_auto_update(&a, 100000, 0, interval, 5), 0);
        /* The machine grows: a full pass of 3 s.  At once down to a
         * fraction that fits in 80% of the budget: 3 s / 8 = 375 ms. */
        CHECK_EQ_U64(sample_auto_update(&a, 3000000, 0, interval, 5), 3);
        /* Its passes cost an eighth now, and it stays there: 1/4 would
         * take 750 ms, over half the budget. */
        for (unsigned i = 0; i < 50; i++)
                CHECK_EQ_U64(sample_auto_update(&a, 3000000 / 8, 0, interval, 5), 3);
        /* A pass just over the budget (noise) is a fall, one that just
         * fits is not. */
        CHECK_EQ_U64(sample_auto_update(&a, 490000, 0, interval, 5), 3);
        CHECK_EQ_U64(sample_auto_update(&a, 510000, 0, interval, 5), 4);
        /* The load goes: a full pass of 200 ms.  It rises one power of two
         * at a time, each after SAMPLE_AUTO_HOLD passes, to 1/1. */
        shift = 4;
        for (unsigned i = 0; i < 5 * SAMPLE_AUTO_HOLD + 10; i++) {
                unsigned next = sample_auto_update(&a, 200000 >> shift, 0, interval, 5);

                CHECK(next == shift || next + 1 == shift);
                shift = next;
        }
        CHECK_EQ_U64(shift, 0);
        /* At 400 ms a full pass would take most of the budget: 1/2 it stays. */
        CHECK_EQ_U64(sample_auto_update(&a, 600000, 0, interval, 5), 1);
        for (unsigned i = 0; i < 3 * SAMPLE_AUTO_HOLD; i++)
                CHECK_EQ_U64(sample_auto_update(&a, 400000 / 2, 0, interval, 5), 1);
        /* Never below 1/64, however slow. */
        CHECK_EQ_U64(sample_auto_update(&a, UINT64_C(1) << 40, 0, interval, 5), SAMPLE_SHIFT_MAX);
}

/* auto against the work that does not scale with the fraction: seen in
 * the guests of bench/sampling-cost, where a pass of a few tens of ms at
 * 1/64 came with as much again of publishing, and the share went past
 * CPUBudget= though each pass "fitted". */
static void test_auto_fixed(void) {
        const uint64_t interval = 2000000;             /* 10%: 200 ms */
        SampleAuto a;

        /* A probe at 1/64 of a full pass of 6.4 s (100 ms) with 40 ms of
         * the rest: 1/64 alone would fit 160 ms, 1/32 (240 ms) would not. */
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 6400000 / 64, 40000, interval, 10), 6);
        /* The same full pass with no fixed part: 1/64 too (1/32 is 200 ms,
         * over 80% of the budget)... */
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 6400000 / 64, 0, interval, 10), 6);
        /* ... and of 3.2 s, 1/32 without, 1/64 with 90 ms besides. */
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 3200000 / 64, 0, interval, 10), 5);
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 3200000 / 64, 90000, interval, 10), 6);
        /* At 1/32: a pass of 100 ms fits alone, not with 150 ms besides:
         * a fall, where the steps' CPU alone would have kept it. */
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 3200000 / 64, 0, interval, 10), 5);
        CHECK_EQ_U64(sample_auto_update(&a, 100000, 0, interval, 10), 5);
        CHECK_EQ_U64(sample_auto_update(&a, 100000, 150000, interval, 10), 6);
        /* No rise while the fixed part takes the room: 1/32 would be 100 ms
         * + 60 ms, over half the budget. */
        for (unsigned i = 0; i < 4 * SAMPLE_AUTO_HOLD; i++)
                CHECK_EQ_U64(sample_auto_update(&a, 50000, 60000, interval, 10), 6);
        /* With less of it, a rise, one step: 80 ms + 0 at 1/32. */
        for (unsigned i = 0; i < 2 * SAMPLE_AUTO_HOLD && a.shift == 6; i++)
                sample_auto_update(&a, 40000, 0, interval, 10);
        CHECK_EQ_U64(a.shift, 5);
        /* The fixed part alone over the budget: 1/64, and the pacing
         * spaces the passes. */
        CHECK_EQ_U64(sample_auto_update(&a, 100000, 300000, interval, 10), 6);
        /* A probe that says a full pass fits: straight to 1. */
        sample_auto_init(&a);
        CHECK_EQ_U64(sample_auto_update(&a, 1000, 1000, interval, 10), 0);
}

int main(void) {
        test_auto();
        test_auto_fixed();
        test_fraction();
        test_subset_and_seed();
        test_runs();
        return 0;
}
