/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/kernel-page-flags.h>

#include <string.h>

#include "attrib.h"
#include "sample.h"

#define KPF(b) (UINT64_C(1) << (b))

void attrib_begin(Attrib *a, CgroupSet *set, unsigned window_intervals) {
        *a = (Attrib) {
                .set = set,
                .window_intervals = window_intervals,
        };
}

void attrib_set_clusters(Attrib *a, bool on) {
        a->clusters = on;
        a->touched = SIZE_MAX;
        a->block = UINT64_MAX;
        for (size_t i = 0; i < a->set->n_nodes; i++) {
                CgroupNode *n = &a->set->nodes[i];

                n->clusters = (ClusterSums) {};
                n->block_stamp = n->block_total_stamp = 0;
        }
}

static void page_stats_sub(PageStats *d, const PageStats *a, const PageStats *b) {
        for (unsigned i = 0; i < 2; i++) {
                d->pages[i] = a->pages[i] - b->pages[i];
                d->idle_pages[i] = a->idle_pages[i] - b->idle_pages[i];
        }
        d->ws_pages = a->ws_pages - b->ws_pages;
}

/* Folds the block's pages into the sums of the nodes that have some and
 * of their ancestors. */
static void attrib_block_end(Attrib *a) {
        CgroupNode *nodes = a->set->nodes;
        uint64_t stamp = a->block + 1;
        size_t totals = SIZE_MAX;

        for (size_t i = a->touched; i != SIZE_MAX; i = nodes[i].block_next) {
                PageStats d = {};

                page_stats_sub(&d, &nodes[i].own, &nodes[i].block_start);
                for (size_t p = i; p != CGROUP_NO_PARENT; p = nodes[p].parent) {
                        if (nodes[p].block_total_stamp != stamp) {
                                nodes[p].block_total_stamp = stamp;
                                nodes[p].block_total = (PageStats) {};
                                nodes[p].block_total_next = totals;
                                totals = p;
                        }
                        page_stats_add(&nodes[p].block_total, &d);
                }
        }
        for (size_t p = totals; p != SIZE_MAX; p = nodes[p].block_total_next)
                cluster_sums_add_block(&nodes[p].clusters, &nodes[p].block_total);
        a->touched = SIZE_MAX;
}

/* pfn begins a block other than the last one's: that one is counted. */
static void attrib_block_at(Attrib *a, uint64_t pfn) {
        uint64_t block = pfn / SAMPLE_BLOCK_PFNS;

        if (block == a->block)
                return;
        if (a->block != UINT64_MAX)
                attrib_block_end(a);
        a->block = block;
}

/* Before node's counts change in the block. */
static void attrib_touch(Attrib *a, CgroupNode *node) {
        if (!a->clusters || node->block_stamp == a->block + 1)
                return;
        node->block_stamp = a->block + 1;
        node->block_start = node->own;
        node->block_next = a->touched;
        a->touched = (size_t) (node - a->set->nodes);
}

void attrib_end(Attrib *a) {
        if (a->clusters && a->block != UINT64_MAX)
                attrib_block_end(a);
        a->block = UINT64_MAX;
}

void attrib_gap(Attrib *a) {
        a->head_node = NULL;
}

static CgroupNode *attrib_lookup(Attrib *a, uint64_t inode) {
        if (inode != a->cached_inode) {
                a->cached_inode = inode;
                a->cached_node = cgroup_set_lookup(a->set, inode);
        }
        return a->cached_node;
}

void attrib_batch(Attrib *a, size_t n_pfns, const uint64_t *flags, const uint64_t *cgroups,
                  const uint64_t *idle, uint64_t *marks, uint8_t *ages) {
        for (size_t w = 0; w < n_pfns / 64; w++) {
                uint64_t prev = marks[w], idle_word = idle[w], mark = 0;

                if (a->clusters)
                        attrib_block_at(a, a->batch_pfn + w * 64);
                for (unsigned b = 0; b < 64; b++) {
                        size_t i = w * 64 + b;
                        uint64_t f = flags[i];
                        CgroupNode *node;
                        uint8_t age;
                        bool anon;

                        if (f & KPF(KPF_COMPOUND_TAIL)) {
                                /* Tails read 0 in the bitmap; the head speaks for them. */
                                if (a->head_node) {
                                        attrib_touch(a, a->head_node);
                                        page_stats_account(&a->head_node->own, a->head_anon, a->head_age,
                                                           ws_window_intervals(a->window_intervals,
                                                                               a->head_node->measured_intervals),
                                                           1);
                                        page_stats_account_cold(&a->head_node->own, a->head_anon,
                                                                a->head_prev_age, a->head_age,
                                                                a->set->cold_intervals, 1);
                                        page_stats_account_windows(&a->head_node->own, a->head_age,
                                                                   a->set->windows_intervals, a->set->n_windows,
                                                                   a->head_node->measured_intervals, 1);
                                        a->tracked_pages++;
                                        ages[i] = a->head_age;
                                } else
                                        ages[i] = 0;
                                continue;
                        }
                        a->head_node = NULL;
                        if ((f & (KPF(KPF_LRU) | KPF(KPF_NOPAGE))) != KPF(KPF_LRU)) {
                                ages[i] = 0;
                                continue;
                        }
                        a->lru_pages++;
                        node = attrib_lookup(a, cgroups[i]);
                        if (!node) {
                                ages[i] = 0;
                                continue;
                        }
                        anon = f & KPF(KPF_ANON);
                        age = age_next(ages[i], (prev >> b) & 1, (idle_word >> b) & 1);
                        page_stats_account_cold(&node->own, anon, ages[i], age, a->set->cold_intervals, 1);
                        page_stats_account_windows(&node->own, age, a->set->windows_intervals, a->set->n_windows,
                                                   node->measured_intervals, 1);
                        if (f & KPF(KPF_COMPOUND_HEAD))
                                a->head_prev_age = ages[i];
                        ages[i] = age;
                        mark |= UINT64_C(1) << b;
                        attrib_touch(a, node);
                        page_stats_account(&node->own, anon, age,
                                           ws_window_intervals(a->window_intervals, node->measured_intervals), 1);
                        a->tracked_pages++;
                        if (f & KPF(KPF_COMPOUND_HEAD)) {
                                a->head_node = node;
                                a->head_anon = anon;
                                a->head_age = age;
                        }
                }
                marks[w] = mark;
                a->marked_pages += __builtin_popcountll(mark);
        }
}

/* Whether the kernel reported what was asked for: a head in the batch, of
 * a node of the set.  Anything else is not believed. */
static bool folio_asked_for(const Attrib *a, const struct pageidle_folio *f, uint64_t first_pfn, uint64_t end_pfn) {
        return f->pfn >= first_pfn && f->pfn < end_pfn && f->cgroup < a->set->n_nodes;
}

void attrib_folios(Attrib *a, uint64_t range_pfn, uint64_t range_pfns, uint64_t first_pfn, uint64_t end_pfn,
                   const struct pageidle_folio *folios, size_t n_folios, uint64_t *marks, uint8_t *ages) {
        uint64_t first_word = (first_pfn - range_pfn) / 64, end_word = (end_pfn - range_pfn) / 64;

        /* Each head's age moves on from the marks of the last pass ... */
        for (size_t k = 0; k < n_folios; k++) {
                const struct pageidle_folio *f = &folios[k];
                uint64_t i = f->pfn - range_pfn, n = UINT64_C(1) << f->order, end;
                bool anon = f->flags & PAGEIDLE_FOLIO_ANON;
                CgroupNode *node;
                uint8_t age;

                if (!folio_asked_for(a, f, first_pfn, end_pfn))
                        continue;
                node = &a->set->nodes[f->cgroup];
                age = age_next(ages[i], (marks[i / 64] >> (i % 64)) & 1, f->flags & PAGEIDLE_FOLIO_IDLE);
                page_stats_account_cold(&node->own, anon, ages[i], age, a->set->cold_intervals, n);
                page_stats_account_windows(&node->own, age, a->set->windows_intervals, a->set->n_windows,
                                           node->measured_intervals, n);
                /* Tails follow their head, as in attrib_batch(). */
                end = i + n < range_pfns ? i + n : range_pfns;
                memset(ages + i, age, end - i);
                if (a->clusters) {
                        attrib_block_at(a, f->pfn);
                        attrib_touch(a, node);
                }
                page_stats_account(&node->own, anon, age,
                                   ws_window_intervals(a->window_intervals, node->measured_intervals), n);
                a->tracked_pages += n;
        }
        /* ... then only the heads reported now stay marked. */
        memset(marks + first_word, 0, (end_word - first_word) * sizeof(uint64_t));
        for (size_t k = 0; k < n_folios; k++) {
                uint64_t i = folios[k].pfn - range_pfn;

                if (!folio_asked_for(a, &folios[k], first_pfn, end_pfn))
                        continue;
                marks[i / 64] |= UINT64_C(1) << (i % 64);
                a->marked_pages++;
        }
}
