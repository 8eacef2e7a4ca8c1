/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Estimates from sampled blocks: on a synthetic memory with a known truth,
 * where pages of a block are alike (clusters), the ratio estimator is
 * unbiased enough and its standard error matches the spread of the
 * estimates over many seeds; at Sampling=1 the figures are the exact
 * counts with errors of 0. */
#include <math.h>
#include <stddef.h>

#include "estimate.h"
#include "sample.h"
#include "util.h"
#include "test-util.h"

#define N_BLOCKS 8192u          /* 16 GiB */
#define N_SEEDS 400u

static uint64_t rng_state;

static uint64_t rng(void) {
        return sample_hash(0x5eed, rng_state++);
}

static double rng_unit(void) {
        return (double) (rng() >> 11) / 9007199254740992.0;
}

typedef struct Block {
        uint64_t x, y;
} Block;

/* Blocks of a cgroup: a third hold none of its pages, the others from 1
 * to 512; a block's pages are idle with one chance per block, drawn from
 * three kinds (hot, cold, mixed), so that the pages of a block are
 * correlated as in a real memory. */
static void make_population(Block *b) {
        for (unsigned i = 0; i < N_BLOCKS; i++) {
                double p, u = rng_unit();

                b[i] = (Block) {};
                if (u < 1.0 / 3)
                        continue;
                b[i].x = 1 + rng() % 512;
                u = rng_unit();
                p = u < 0.4 ? 0.05 : u < 0.8 ? 0.95 : rng_unit();
                for (uint64_t k = 0; k < b[i].x; k++)
                        b[i].y += rng_unit() < p;
        }
}

static void test_cluster_estimator(unsigned shift) {
        static Block pop[N_BLOCKS];
        double truth, sx = 0, sy = 0, sum_r = 0, sum_r2 = 0, sum_se = 0, f = sample_fraction(shift);
        unsigned covered = 0;

        make_population(pop);
        for (unsigned i = 0; i < N_BLOCKS; i++) {
                sx += (double) pop[i].x;
                sy += (double) pop[i].y;
        }
        truth = sy / sx;

        for (uint64_t seed = 1; seed <= N_SEEDS; seed++) {
                RatioSums rs = {};
                double r, se;

                for (unsigned i = 0; i < N_BLOCKS; i++)
                        if (sample_block_sampled(seed, shift, i))
                                ratio_sums_add(&rs, pop[i].x, pop[i].y);
                r = ratio_sums_ratio(&rs);
                se = ratio_sums_stderr(&rs, f);
                CHECK(se > 0 && se < 0.5);
                sum_r += r;
                sum_r2 += r * r;
                sum_se += se;
                covered += fabs(r - truth) <= 1.96 * se;
        }
        {
                double mean = sum_r / N_SEEDS, sd = sqrt(sum_r2 / N_SEEDS - mean * mean), se = sum_se / N_SEEDS;

                fprintf(stderr, "1/%u: truth %.4f, mean %.4f, spread %.5f, mean stderr %.5f, 95%% coverage %u/%u\n",
                        1u << shift, truth, mean, sd, se, covered, N_SEEDS);
                /* Ratio estimators are biased by O(1/n): far below the spread here. */
                CHECK(fabs(mean - truth) < 4 * sd / sqrt(N_SEEDS) + 0.25 * sd);
                /* The published error is the spread, within the noise of 400 seeds. */
                CHECK(se > 0.8 * sd && se < 1.25 * sd);
                CHECK(covered >= N_SEEDS * 90 / 100 && covered <= N_SEEDS * 99 / 100);
        }
}

/* An error that ignored the clusters, treating pages as drawn one by one,
 * would be far too small for this population: the test above would catch
 * it.  Here, the formula on a small worked example. */
static void test_formula(void) {
        RatioSums rs = {};
        double r, ss, xbar, expect;

        ratio_sums_add(&rs, 10, 2);
        ratio_sums_add(&rs, 20, 15);
        ratio_sums_add(&rs, 0, 0);      /* no pages: not a block of this cgroup */
        ratio_sums_add(&rs, 30, 3);
        CHECK_EQ_U64(rs.n, 3);
        r = ratio_sums_ratio(&rs);
        CHECK(fabs(r - 20.0 / 60.0) < 1e-12);
        ss = pow(2 - r * 10, 2) + pow(15 - r * 20, 2) + pow(3 - r * 30, 2);
        xbar = 20;
        expect = sqrt((1 - 0.25) / (3.0 * 2.0) * ss / (xbar * xbar));
        /* Widened to Student's t: 60² / (10² + 20² + 30²) = 2.57 blocks by
         * size, 1.57 degrees of freedom, rounded down to 1. */
        CHECK(fabs(ratio_sums_effective_blocks(&rs) - 3600.0 / 1400.0) < 1e-12);
        CHECK(fabs(ratio_sums_stderr(&rs, 0.25) - expect * 12.706205 / Z_975) < 1e-12);
        CHECK(ratio_sums_stderr(&rs, 1.0) == 0);
        /* One block says nothing of the spread. */
        rs = (RatioSums) {};
        ratio_sums_add(&rs, 10, 5);
        CHECK(ratio_sums_stderr(&rs, 0.25) == 0.5);
}

/* The quantile: the table's ends, and the expansion taking over at 30
 * without a step. */
static void test_student_t(void) {
        CHECK(fabs(student_t_975(1) - 12.706205) < 1e-6);
        CHECK(student_t_975(0.3) == student_t_975(1));
        CHECK(fabs(student_t_975(7) - 2.364624) < 1e-6);
        CHECK(student_t_975(7.9) == student_t_975(7));
        CHECK(fabs(student_t_975(29.99) - 2.045230) < 1e-6);
        CHECK(fabs(student_t_975(30) - 2.042272) < 1e-5);
        CHECK(fabs(student_t_975(60) - 2.000298) < 1e-5);
        CHECK(fabs(student_t_975(1e9) - Z_975) < 1e-6);
        for (double df = 1; df < 200; df += 0.5)
                CHECK(student_t_975(df) >= student_t_975(df + 0.5));
}

/* Huge pages: every block all in the working set or all out of it, 128
 * blocks (a 256 MiB cgroup) of which half are hot, read at 1/16: about 8
 * blocks a pass.  With so few clusters, ±1.96 standard errors held the
 * truth in fewer than 90% of the seeds; the published error must hold it
 * in 90% or more, and not by being as wide as the cgroup. */
static void test_few_clusters(unsigned hot_of_128) {
        unsigned covered = 0, covered_normal = 0, passes = 0;
        double truth = hot_of_128 / 128.0, sum_se = 0;

        for (uint64_t seed = 1; seed <= 2000; seed++) {
                RatioSums rs = {};
                double r, se, raw;
                unsigned n = 0;

                for (unsigned i = 0; i < 128; i++)
                        if (sample_block_sampled(seed, 4, i)) {
                                ratio_sums_add(&rs, 512, i < hot_of_128 ? 512 : 0);
                                n++;
                        }
                if (n < 2)
                        continue;
                passes++;
                r = ratio_sums_ratio(&rs);
                se = ratio_sums_stderr(&rs, 1.0 / 16);
                /* What the error was before: the normal quantile, no floor. */
                raw = sqrt((1 - 1.0 / 16) * r * (1 - r) / (n - 1));
                CHECK(se >= raw);
                sum_se += se;
                covered += fabs(r - truth) <= Z_975 * se;
                covered_normal += fabs(r - truth) <= Z_975 * raw;
        }
        fprintf(stderr, "128 huge-page blocks, %u hot, at 1/16: coverage %u/%u (normal quantile: %u), mean stderr %.3f\n",
                hot_of_128, covered, passes, covered_normal, sum_se / passes);
        CHECK(passes > 1900);
        CHECK(covered >= passes * 90 / 100);
        CHECK(covered > covered_normal);
        CHECK(sum_se / passes < 0.3);
}

/* Every sampled block idle: no spread, yet the error is not 0. */
static void test_all_alike(void) {
        RatioSums rs = {};

        for (unsigned i = 0; i < 8; i++)
                ratio_sums_add(&rs, 512, 0);
        CHECK(fabs(ratio_sums_stderr(&rs, 1.0 / 16) -
                   (1 - pow(0.05, 1.0 / 8)) * sqrt(1 - 1.0 / 16) / Z_975) < 1e-12);
        rs = (RatioSums) {};
        for (unsigned i = 0; i < 8; i++)
                ratio_sums_add(&rs, 512, 512);
        CHECK(ratio_sums_stderr(&rs, 1.0 / 16) > 0.1);
        /* Blocks alike at a share between: they show it, and the error stays 0. */
        rs = (RatioSums) {};
        for (unsigned i = 0; i < 8; i++)
                ratio_sums_add(&rs, 512, 256);
        CHECK(ratio_sums_stderr(&rs, 1.0 / 16) == 0);
}

static void test_estimate(void) {
        PageStats s = {
                .pages = { [PAGE_FILE] = 100, [PAGE_ANON] = 300 },
                .idle_pages = { [PAGE_FILE] = 50, [PAGE_ANON] = 30 },
                .ws_pages = 320,
                .hist_pages = { 320, 40, 40 },
        };
        ClusterSums c = {};
        Estimate full, e;
        const uint64_t resident[2] = { [PAGE_FILE] = 1600 * 4096, [PAGE_ANON] = 4800 * 4096 };

        /* At 1, the counts as they are; the sums are not looked at. */
        estimate_from_stats(&full, &s, 4096, 1000000);
        estimate_from_samples(&e, &s, &c, resident, 1.0, 4096, 1000000);
        CHECK(memcmp(&full, &e, offsetof(Estimate, sampled_bytes)) == 0);
        CHECK_EQ_U64(e.sampled_bytes, 400 * 4096);
        CHECK_EQ_U64(e.idle_bytes_stderr + e.working_set_bytes_stderr + e.anon_idle_bytes_stderr +
                     e.file_idle_bytes_stderr, 0);

        /* At 1/16: two blocks, with the shares applied to memory.stat's sizes. */
        cluster_sums_add_block(&c, &(PageStats) {
                .pages = { 50, 100 }, .idle_pages = { 25, 10 }, .ws_pages = 120 });
        cluster_sums_add_block(&c, &(PageStats) {
                .pages = { 50, 200 }, .idle_pages = { 25, 20 }, .ws_pages = 200 });
        estimate_from_samples(&e, &s, &c, resident, 1.0 / 16, 4096, 1000000);
        CHECK_EQ_U64(e.bytes, 6400 * 4096);
        CHECK_EQ_U64(e.anon_bytes, 4800 * 4096);
        CHECK_EQ_U64(e.file_bytes, 1600 * 4096);
        CHECK_EQ_U64(e.sampled_bytes, 400 * 4096);
        CHECK_EQ_U64(e.idle_bytes, 1280 * 4096);                /* 800 file, 480 anon */
        CHECK_EQ_U64(e.working_set_bytes, 6400 * 4096 * 4 / 5);
        CHECK_EQ_U64(e.file_idle_bytes, 800 * 4096);
        CHECK_EQ_U64(e.anon_idle_bytes, 480 * 4096);
        CHECK_EQ_U64(e.hist_bytes[0], 6400 * 4096 * 4 / 5);
        CHECK_EQ_U64(e.hist_bytes[1] + e.hist_bytes[2], 6400 * 4096 / 5);
        CHECK(fabs(e.idle_ratio - 0.2) < 1e-9);
        /* The buckets add up to bytes also where shares do not round evenly. */
        {
                PageStats odd = s;
                uint64_t sum = 0;

                odd.hist_pages[0] = 133;
                odd.hist_pages[1] = 133;
                odd.hist_pages[2] = 134;
                estimate_from_samples(&e, &odd, &c, (const uint64_t[2]) { 7 * 4096, 11 * 4096 }, 1.0 / 16, 4096, 1);
                for (unsigned i = 0; i < AGE_BUCKETS; i++)
                        sum += e.hist_bytes[i];
                CHECK_EQ_U64(sum, e.bytes);
                CHECK_EQ_U64(e.idle_bytes, e.anon_idle_bytes + e.file_idle_bytes);
        }
        estimate_from_samples(&e, &s, &c, resident, 1.0 / 16, 4096, 1000000);
        CHECK(e.idle_bytes_stderr > 0);
        CHECK_EQ_U64(e.anon_idle_bytes_stderr, 0);              /* both blocks: 10% */
        CHECK_EQ_U64(e.working_set_bytes_stderr, 0);            /* both blocks: 80% */
        CHECK_EQ_U64(e.file_idle_bytes_stderr, 0);              /* both blocks: half idle */
        /* Without memory.stat, the samples scaled up. */
        estimate_from_samples(&e, &s, &c, NULL, 1.0 / 16, 4096, 1000000);
        CHECK_EQ_U64(e.bytes, 16 * 400 * 4096);
}

/* A sampled pass's cold, promoted and further windows' figures are the
 * samples' shares of the estimated sizes; a full pass's stay counts. */
static void test_scale_sampled(void) {
        const uint64_t P = 4096;
        PageStats s = {
                .pages = { [PAGE_FILE] = 100, [PAGE_ANON] = 100 },
                .cold_pages = { [PAGE_FILE] = 25, [PAGE_ANON] = 50 },
                .promoted_pages = 10,
                .window_ws_pages = { 60, 80 },
        };
        Estimate e = {
                .bytes = 800 * P, .anon_bytes = 300 * P, .file_bytes = 500 * P, .sampled_bytes = 200 * P,
                .working_set_bytes = 240 * P, .cold_known = true, .n_windows = 2,
                .cold_bytes = 75 * P, .cold_anon_bytes = 50 * P, .cold_file_bytes = 25 * P, .promoted_bytes = 10 * P,
                .window_ws_bytes = { 240 * P, 80 * P },
        };
        Estimate full;

        estimate_scale_sampled(&e, &s, P, 30 * USEC_PER_SEC);
        CHECK(e.cold_anon_bytes == 150 * P);    /* half of the anon samples, of 300 pages */
        CHECK(e.cold_file_bytes == 125 * P);    /* a quarter of the file samples, of 500 */
        CHECK(e.cold_bytes == 275 * P);
        CHECK(e.promoted_bytes == 40 * P);      /* 10 of 200 samples, of 800 */
        CHECK(e.window_ws_bytes[0] == 240 * P && e.window_ws_bytes[1] == 320 * P);
        CHECK(fabs(e.promotion_bytes_per_minute - 80.0 * P) < 1e-6);
        CHECK(fabs(e.promotion_ratio - 80.0 / 240.0) < 1e-9);

        /* Every page read: nothing to scale. */
        estimate_from_stats(&full, &s, P, 30 * USEC_PER_SEC);
        full.sampled_bytes = full.bytes;
        estimate_cold_from_stats(&full, &s, P, 30 * USEC_PER_SEC, true);
        estimate_scale_sampled(&full, &s, P, 30 * USEC_PER_SEC);
        CHECK(full.cold_bytes == 75 * P && full.promoted_bytes == 10 * P);
}

/* The suggested limit never falls below its floor: a cgroup whose memory
 * went unused for the whole longest window (or that has none) is advised
 * ESTIMATE_LIMIT_MIN_BYTES or ESTIMATE_LIMIT_MIN_RATIO of its bytes,
 * whichever is more, never 0; above the floor the formula stands. */
static void test_advise_floor(void) {
        const uint64_t P = 4096, M = 1024 * 1024;
        Estimate e = { .cold_known = true, .n_windows = 3 };

        /* 512M, all idle in every window: 5% of it, rounded up to a page. */
        e.bytes = 512 * M;
        estimate_advise(&e, P);
        CHECK(e.headroom_ratio == ESTIMATE_HEADROOM_MIN);
        CHECK_EQ_U64(e.suggested_limit_bytes, 6554 * P);        /* 6553.6 pages */
        /* 1M, all idle: the fixed minimum, above what it holds. */
        e.bytes = 1 * M;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 4 * M);
        /* No pages at all: still a limit a process can start under. */
        e.bytes = 0;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 4 * M);
        /* A little used: the floor is above the working set's share. */
        e.bytes = 40 * M;
        e.working_set_bytes = e.window_ws_bytes[0] = e.window_ws_bytes[1] = e.window_ws_bytes[2] = 1 * M;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 4 * M);
        /* Above the floor, the longest window's working set plus headroom. */
        e.bytes = 400 * M;
        e.window_ws_bytes[2] = 100 * M;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 110 * M);
        /* Where 5% of the bytes is more than the formula, the 5%. */
        e.bytes = 4000 * M;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 200 * M);
        /* Without idle ages there is no advice, floor or not. */
        e.cold_known = false;
        estimate_advise(&e, P);
        CHECK_EQ_U64(e.suggested_limit_bytes, 0);
}

int main(void) {
        test_advise_floor();
        test_formula();
        test_student_t();
        test_all_alike();
        test_few_clusters(64);
        test_few_clusters(16);
        test_estimate();
        test_scale_sampled();
        test_cluster_estimator(4);
        test_cluster_estimator(6);
        return 0;
}
