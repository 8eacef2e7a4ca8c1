/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "estimate.h"

uint64_t age_bucket_lower_usec(unsigned bucket, uint64_t interval_usec) {
        if (bucket == 0)
                return 0;
        return (UINT64_C(1) << (bucket - 1)) * interval_usec;
}

void page_stats_add(PageStats *a, const PageStats *b) {
        for (unsigned i = 0; i < 2; i++) {
                a->pages[i] += b->pages[i];
                a->idle_pages[i] += b->idle_pages[i];
        }
        a->ws_pages += b->ws_pages;
        for (unsigned i = 0; i < AGE_BUCKETS; i++)
                a->hist_pages[i] += b->hist_pages[i];
        for (unsigned i = 0; i < 2; i++)
                a->cold_pages[i] += b->cold_pages[i];
        a->promoted_pages += b->promoted_pages;
        for (unsigned i = 0; i < WS_WINDOWS_MAX; i++)
                a->window_ws_pages[i] += b->window_ws_pages[i];
}

void estimate_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec) {
        *e = (Estimate) {
                .anon_bytes = s->pages[PAGE_ANON] * page_size,
                .anon_idle_bytes = s->idle_pages[PAGE_ANON] * page_size,
                .file_bytes = s->pages[PAGE_FILE] * page_size,
                .file_idle_bytes = s->idle_pages[PAGE_FILE] * page_size,
                .working_set_bytes = s->ws_pages * page_size,
        };
        e->bytes = e->anon_bytes + e->file_bytes;
        e->idle_bytes = e->anon_idle_bytes + e->file_idle_bytes;
        e->idle_ratio = e->bytes > 0 ? (double) e->idle_bytes / (double) e->bytes : 0.0;
        for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                e->hist_lower_usec[i] = age_bucket_lower_usec(i, interval_usec);
                e->hist_bytes[i] = s->hist_pages[i] * page_size;
        }
}

static void estimate_promotion_rates(Estimate *e, uint64_t interval_usec) {
        e->promotion_bytes_per_minute = interval_usec > 0 ?
                (double) e->promoted_bytes * (60.0 * 1e6) / (double) interval_usec : 0.0;
        e->promotion_ratio = e->working_set_bytes > 0 ?
                e->promotion_bytes_per_minute / (double) e->working_set_bytes : 0.0;
}

void estimate_cold_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec,
                              bool cold_known) {
        e->cold_known = cold_known;
        if (!cold_known) {
                e->cold_bytes = e->cold_anon_bytes = e->cold_file_bytes = e->promoted_bytes = 0;
                e->promotion_bytes_per_minute = e->promotion_ratio = 0.0;
                return;
        }
        e->cold_anon_bytes = s->cold_pages[PAGE_ANON] * page_size;
        e->cold_file_bytes = s->cold_pages[PAGE_FILE] * page_size;
        e->cold_bytes = e->cold_anon_bytes + e->cold_file_bytes;
        e->promoted_bytes = s->promoted_pages * page_size;
        estimate_promotion_rates(e, interval_usec);
}

void estimate_advise(Estimate *e, uint64_t page_size) {
        double h, limit, least;

        e->headroom_ratio = 0.0;
        e->suggested_limit_bytes = 0;
        if (!e->cold_known || page_size == 0)
                return;
        h = ESTIMATE_HEADROOM_MIN + ESTIMATE_HEADROOM_PER_PROMOTION * e->promotion_ratio +
                ESTIMATE_HEADROOM_PER_REFAULT * e->refault_ratio;
        h = h < ESTIMATE_HEADROOM_MAX ? h : ESTIMATE_HEADROOM_MAX;
        limit = (double) (e->n_windows > 0 ? e->window_ws_bytes[e->n_windows - 1] : e->working_set_bytes) * (1.0 + h);
        least = ESTIMATE_LIMIT_MIN_RATIO * (double) e->bytes;
        if (least < (double) ESTIMATE_LIMIT_MIN_BYTES)
                least = (double) ESTIMATE_LIMIT_MIN_BYTES;
        if (limit < least)
                limit = least;
        e->headroom_ratio = h;
        e->suggested_limit_bytes = ((uint64_t) limit + page_size - 1) / page_size * page_size;
}

void estimate_windows_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, unsigned n_windows) {
        e->n_windows = n_windows < WS_WINDOWS_MAX ? n_windows : WS_WINDOWS_MAX;
        for (unsigned i = 0; i < WS_WINDOWS_MAX; i++)
                e->window_ws_bytes[i] = i < e->n_windows ? s->window_ws_pages[i] * page_size : 0;
        e->window_ws_bytes[0] = e->working_set_bytes;
}

void cluster_sums_add_block(ClusterSums *c, const PageStats *b) {
        uint64_t all = b->pages[PAGE_ANON] + b->pages[PAGE_FILE];

        ratio_sums_add(&c->figure[CLUSTER_IDLE], all, b->idle_pages[PAGE_ANON] + b->idle_pages[PAGE_FILE]);
        ratio_sums_add(&c->figure[CLUSTER_WS], all, b->ws_pages);
        ratio_sums_add(&c->figure[CLUSTER_ANON_IDLE], b->pages[PAGE_ANON], b->idle_pages[PAGE_ANON]);
        ratio_sums_add(&c->figure[CLUSTER_FILE_IDLE], b->pages[PAGE_FILE], b->idle_pages[PAGE_FILE]);
}

void cluster_sums_add(ClusterSums *a, const ClusterSums *b) {
        for (unsigned i = 0; i < _CLUSTER_MAX; i++) {
                RatioSums *x = &a->figure[i];
                const RatioSums *y = &b->figure[i];

                x->n += y->n;
                x->sx += y->sx;
                x->sy += y->sy;
                x->sxx += y->sxx;
                x->syy += y->syy;
                x->sxy += y->sxy;
        }
}

double ratio_sums_ratio(const RatioSums *r) {
        return r->sx > 0 ? r->sy / r->sx : 0.0;
}

/* The 0.975 quantile of Student's t with df degrees of freedom: a table
 * to 30, then the Cornish-Fisher expansion around the normal quantile,
 * which agrees with the table to 1e-6 from 30 on. */
double student_t_975(double df) {
        static const double table[30] = {
                12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
                2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
                2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
                2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
        };
        const double z = Z_975, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;

        if (df < 1)
                df = 1;
        if (df < 30)
                /* Fractional degrees of freedom round down: the wider interval. */
                return table[(unsigned) df - 1];
        return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
                (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df);
}

double ratio_sums_effective_blocks(const RatioSums *r) {
        return r->sxx > 0 ? r->sx * r->sx / r->sxx : 0.0;
}

double ratio_sums_stderr(const RatioSums *r, double f) {
        double ratio, ss, xbar, var, se, n_eff, edge;

        if (f >= 1.0)
                return 0.0;
        if (r->n < 2)
                return 0.5;
        ratio = ratio_sums_ratio(r);
        /* Σ(y − r x)², expanded: rounding leaves it a hair off 0 where
         * every block has the same share. */
        ss = r->syy - 2 * ratio * r->sxy + ratio * ratio * r->sxx;
        if (ss < 1e-12 * r->syy)
                ss = 0;
        xbar = r->sx / (double) r->n;
        var = (1.0 - f) / ((double) r->n * (double) (r->n - 1)) * ss / (xbar * xbar);
        /* With few blocks the variance is itself a rough estimate and the
         * normal quantile too narrow: widen to Student's t, with the
         * blocks weighted by their size (a block holding a few of the
         * cgroup's pages adds little). */
        n_eff = ratio_sums_effective_blocks(r);
        se = sqrt(var) * student_t_975(n_eff - 1) / Z_975;
        /* Every block all idle, or all not: their spread is 0, yet blocks
         * unlike them may hold up to 1 − 0.05^(1/n) of the pages (at 95%,
         * the chance that n blocks drawn all miss them). */
        if (r->sy <= 0 || r->sy >= r->sx) {
                edge = (1.0 - pow(0.05, 1.0 / n_eff)) * sqrt(1.0 - f) / Z_975;
                if (se < edge)
                        se = edge;
        }
        return se;
}

static uint64_t round_bytes(double v) {
        return v > 0 ? (uint64_t) llround(v) : 0;
}

/* Estimates stay whole pages, as every byte count of the document is. */
static uint64_t round_pages(double v, uint64_t page_size) {
        return round_bytes(v / (double) page_size) * page_size;
}

void estimate_from_samples(Estimate *e, const PageStats *s, const ClusterSums *c, const uint64_t *resident_bytes,
                           double f, uint64_t page_size, uint64_t interval_usec) {
        const RatioSums *fig = c->figure;
        uint64_t sampled = s->pages[PAGE_ANON] + s->pages[PAGE_FILE], in_hist = 0;
        unsigned largest = 0;
        double anon, file, all;

        estimate_from_stats(e, s, page_size, interval_usec);
        e->sampled_bytes = e->bytes;
        if (f >= 1.0)
                return;
        if (resident_bytes) {
                /* memory.stat puts shmem and tmpfs on the anon lists, the
                 * page flags (and Sampling=1) with the file pages: its sum
                 * is the size, the samples split it. */
                all = (double) (resident_bytes[PAGE_ANON] + resident_bytes[PAGE_FILE]);
                anon = sampled > 0 ? all * (double) s->pages[PAGE_ANON] / (double) sampled :
                                     (double) resident_bytes[PAGE_ANON];
                file = all - anon;
        } else {
                anon = (double) (s->pages[PAGE_ANON] * page_size) / f;
                file = (double) (s->pages[PAGE_FILE] * page_size) / f;
        }
        all = anon + file;
        e->anon_bytes = round_pages(anon, page_size);
        e->file_bytes = round_pages(file, page_size);
        e->bytes = e->anon_bytes + e->file_bytes;
        /* The parts add up to idle_bytes, as at Sampling=1: each share on
         * its own base.  Its error is the combined share's. */
        e->anon_idle_bytes = round_pages(ratio_sums_ratio(&fig[CLUSTER_ANON_IDLE]) * anon, page_size);
        e->file_idle_bytes = round_pages(ratio_sums_ratio(&fig[CLUSTER_FILE_IDLE]) * file, page_size);
        e->idle_bytes = e->anon_idle_bytes + e->file_idle_bytes;
        e->working_set_bytes = round_pages(ratio_sums_ratio(&fig[CLUSTER_WS]) * all, page_size);
        e->idle_bytes_stderr = round_bytes(ratio_sums_stderr(&fig[CLUSTER_IDLE], f) * all);
        e->working_set_bytes_stderr = round_bytes(ratio_sums_stderr(&fig[CLUSTER_WS], f) * all);
        e->anon_idle_bytes_stderr = round_bytes(ratio_sums_stderr(&fig[CLUSTER_ANON_IDLE], f) * anon);
        e->file_idle_bytes_stderr = round_bytes(ratio_sums_stderr(&fig[CLUSTER_FILE_IDLE], f) * file);
        e->idle_ratio = e->bytes > 0 ? (double) e->idle_bytes / (double) e->bytes : 0.0;
        /* The buckets add up to bytes: the largest takes the rounding. */
        for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                e->hist_bytes[i] = sampled > 0 ?
                        round_pages((double) s->hist_pages[i] / (double) sampled * all, page_size) : 0;
                in_hist += e->hist_bytes[i];
                if (e->hist_bytes[i] > e->hist_bytes[largest])
                        largest = i;
        }
        if (sampled > 0) {
                if (in_hist > e->bytes && e->hist_bytes[largest] < in_hist - e->bytes)
                        e->hist_bytes[largest] = 0;
                else
                        e->hist_bytes[largest] = e->hist_bytes[largest] + e->bytes - in_hist;
        }
}

/* Pages counted on the samples of one type, as bytes of the estimate. */
static uint64_t scale_pages(uint64_t pages, uint64_t sampled_pages, uint64_t estimated_bytes, uint64_t page_size) {
        if (sampled_pages == 0)
                return 0;
        return round_pages((double) pages / (double) sampled_pages * (double) estimated_bytes, page_size);
}

void estimate_scale_sampled(Estimate *e, const PageStats *s, uint64_t page_size, uint64_t interval_usec) {
        uint64_t sampled = s->pages[PAGE_ANON] + s->pages[PAGE_FILE];

        if (e->sampled_bytes == e->bytes && sampled * page_size == e->bytes)
                return;         /* every page read */
        if (e->cold_known) {
                e->cold_anon_bytes = scale_pages(s->cold_pages[PAGE_ANON], s->pages[PAGE_ANON], e->anon_bytes,
                                                 page_size);
                e->cold_file_bytes = scale_pages(s->cold_pages[PAGE_FILE], s->pages[PAGE_FILE], e->file_bytes,
                                                 page_size);
                e->cold_bytes = e->cold_anon_bytes + e->cold_file_bytes;
                e->promoted_bytes = scale_pages(s->promoted_pages, sampled, e->bytes, page_size);
                estimate_promotion_rates(e, interval_usec);
        }
        for (unsigned i = 1; i < e->n_windows; i++)
                e->window_ws_bytes[i] = scale_pages(s->window_ws_pages[i], sampled, e->bytes, page_size);
}
