/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* The estimates of the last scans, for every cgroup they tracked: what
 * GET /history.json and GetHistory() render.  Pure: fed one snapshot at a
 * time (history_add()), never touching the event loop.
 *
 * Each recorded scan is one frame, immutable and reference-counted: its
 * time, and one point per tracked cgroup, in pages (a u32 each, saturating
 * at 2^32 - 1 pages: 16 TiB at 4 KiB).  Frames whose cgroups have the same
 * paths share one sorted table of them, so a scan costs
 * sizeof(HistoryPoint) per cgroup and a frame header, and the paths are
 * kept once while the tracked set stays the same.  The history is a ring
 * of the last max_scans frames; a view (history_view()) is a
 * reference-counted array of references to them, which the HTTP thread
 * renders from while the main thread goes on adding: nothing is copied
 * and nothing is locked.  The figures live in memory only: a restart
 * starts from nothing; a reload keeps them (history_set_max_scans()). */

/* More would hold more than the few MiB this is for (bench/results/history-memory.md). */
#define HISTORY_MAX_SCANS 100000u

typedef struct HistoryPoint {
        uint32_t pages;
        uint32_t idle_pages;
        uint32_t working_set_pages;
        uint32_t anon_pages;
        uint32_t anon_idle_pages;
} HistoryPoint;

typedef struct History History;
typedef struct HistoryView HistoryView;

/* max_scans 0: nothing is kept. */
int history_new(size_t max_scans, History **ret);
History *history_free(History *h);
static inline void history_freep(History **h) {
        history_free(*h);
}

/* Keeps the newest max_scans frames of what is there. */
int history_set_max_scans(History *h, size_t max_scans);

/* Records s when it is a scan not recorded yet: a timestamp and a
 * scan_count above the last one recorded (a snapshot published for a
 * state change, not a scan, is not).  Returns 1 when recorded, 0 when
 * not, -ENOMEM. */
int history_add(History *h, const Snapshot *s);

size_t history_n_scans(const History *h);
size_t history_max_scans(const History *h);
/* What the frames and their path tables take from the heap (their
 * allocations' sizes, not the allocator's overhead). */
size_t history_memory_bytes(const History *h);

/* The frames there now, oldest first. */
int history_view(const History *h, HistoryView **ret);
HistoryView *history_view_ref(HistoryView *v);
HistoryView *history_view_unref(HistoryView *v);
static inline void history_view_unrefp(HistoryView **v) {
        history_view_unref(*v);
}
size_t history_view_n_scans(const HistoryView *v);

#define HISTORY_SCHEMA_VERSION 1

/* The JSON document (pageidled(8), SCAN HISTORY): the scans with a timestamp
 * at or after since_usec (CLOCK_REALTIME; 0: all), of every cgroup, or of
 * cgroup only when it is not NULL (-ENOENT when no such scan has it).
 * *ret ends in a newline; *ret_size is its length. */
int history_format(const HistoryView *v, const char *cgroup, uint64_t since_usec, char **ret, size_t *ret_size);

/* The query of GET /history.json: cgroup=PATH (a cgroup path, in its
 * normal form) and since=USEC (decimal), each at most once, nothing else. */
typedef struct HistoryQuery {
        char *cgroup;                   /* NULL: every cgroup */
        uint64_t since_usec;
        bool has_since;
} HistoryQuery;

/* Takes one argument (value NULL: "key" without "="): 0, -EINVAL with
 * *why saying what is wrong, or -ENOMEM. */
int history_query_add(HistoryQuery *q, const char *key, const char *value, const char **why);
void history_query_done(HistoryQuery *q);
