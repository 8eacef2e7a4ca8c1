/* SPDX-License-Identifier: GPL-2.0-or-later */
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
        e->promotion_bytes_per_minute = interval_usec > 0 ?
                (double) e->promoted_bytes * (60.0 * 1e6) / (double) interval_usec : 0.0;
        e->promotion_ratio = e->working_set_bytes > 0 ?
                e->promotion_bytes_per_minute / (double) e->working_set_bytes : 0.0;
}

void estimate_advise(Estimate *e, uint64_t page_size) {
        double h, limit;

        e->headroom_ratio = 0.0;
        e->suggested_limit_bytes = 0;
        if (!e->cold_known || page_size == 0)
                return;
        h = ESTIMATE_HEADROOM_MIN + ESTIMATE_HEADROOM_PER_PROMOTION * e->promotion_ratio +
                ESTIMATE_HEADROOM_PER_REFAULT * e->refault_ratio;
        h = h < ESTIMATE_HEADROOM_MAX ? h : ESTIMATE_HEADROOM_MAX;
        limit = (double) (e->n_windows > 0 ? e->window_ws_bytes[e->n_windows - 1] : e->working_set_bytes) * (1.0 + h);
        e->headroom_ratio = h;
        e->suggested_limit_bytes = ((uint64_t) limit + page_size - 1) / page_size * page_size;
}

void estimate_windows_from_stats(Estimate *e, const PageStats *s, uint64_t page_size, unsigned n_windows) {
        e->n_windows = n_windows < WS_WINDOWS_MAX ? n_windows : WS_WINDOWS_MAX;
        for (unsigned i = 0; i < WS_WINDOWS_MAX; i++)
                e->window_ws_bytes[i] = i < e->n_windows ? s->window_ws_pages[i] * page_size : 0;
        e->window_ws_bytes[0] = e->working_set_bytes;
}
