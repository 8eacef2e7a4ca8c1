/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "history.h"
#include "util.h"

/* The paths of one tracked set, sorted (strcmp), shared by the frames of
 * the scans that tracked exactly these. */
typedef struct HistoryPaths {
        unsigned n_ref;
        size_t n;
        size_t bytes;                   /* of the allocations, for history_memory_bytes() */
        char *paths[];
} HistoryPaths;

typedef struct HistoryFrame {
        unsigned n_ref;
        uint64_t scan_count;
        uint64_t timestamp_usec;        /* CLOCK_REALTIME: the scan's end */
        uint64_t page_size;
        HistoryPaths *paths;
        HistoryPoint points[];          /* paths->n, in the paths' order */
} HistoryFrame;

struct History {
        size_t max_scans;
        HistoryFrame **ring;            /* max_scans slots */
        size_t first, n;                /* the oldest frame's slot, how many */
};

struct HistoryView {
        unsigned n_ref;
        size_t max_scans;
        size_t n;
        HistoryFrame *frames[];         /* oldest first */
};

static HistoryPaths *paths_unref(HistoryPaths *p) {
        if (!p || __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                free(p->paths[i]);
        free(p);
        return NULL;
}

static HistoryFrame *frame_ref(HistoryFrame *f) {
        __atomic_add_fetch(&f->n_ref, 1, __ATOMIC_RELAXED);
        return f;
}

static HistoryFrame *frame_unref(HistoryFrame *f) {
        if (!f || __atomic_sub_fetch(&f->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        paths_unref(f->paths);
        free(f);
        return NULL;
}

static HistoryFrame *history_slot(const History *h, size_t i) {
        return h->ring[(h->first + i) % h->max_scans];
}

static HistoryFrame *history_newest(const History *h) {
        return h->n > 0 ? history_slot(h, h->n - 1) : NULL;
}

int history_new(size_t max_scans, History **ret) {
        _cleanup_(history_freep) History *h = NULL;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        r = history_set_max_scans(h, max_scans);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(h);
        return 0;
}

History *history_free(History *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n; i++)
                frame_unref(history_slot(h, i));
        free(h->ring);
        free(h);
        return NULL;
}

int history_set_max_scans(History *h, size_t max_scans) {
        HistoryFrame **ring = NULL;
        size_t keep = MIN(h->n, max_scans);

        if (max_scans > HISTORY_MAX_SCANS)
                return -ERANGE;
        if (max_scans == h->max_scans)
                return 0;
        if (max_scans > 0) {
                ring = calloc(max_scans, sizeof(*ring));
                if (!ring)
                        return -ENOMEM;
        }
        /* The oldest go. */
        for (size_t i = 0; i < h->n - keep; i++)
                frame_unref(history_slot(h, i));
        for (size_t i = 0; i < keep; i++)
                ring[i] = history_slot(h, h->n - keep + i);
        free(h->ring);
        h->ring = ring;
        h->max_scans = max_scans;
        h->first = 0;
        h->n = keep;
        return 0;
}

static uint32_t to_pages(uint64_t bytes, uint64_t page_size) {
        uint64_t p = page_size > 0 ? bytes / page_size : 0;

        return (uint32_t) MIN(p, (uint64_t) UINT32_MAX);
}

static int compare_cgroups(const void *a, const void *b) {
        return strcmp((*(const SnapshotCgroup * const *) a)->path, (*(const SnapshotCgroup * const *) b)->path);
}

/* The previous frame's table when it has exactly these paths, else a new one. */
static int paths_for(const HistoryFrame *prev, const SnapshotCgroup **sorted, size_t n, HistoryPaths **ret) {
        HistoryPaths *p;
        bool same = prev && prev->paths->n == n;

        for (size_t i = 0; same && i < n; i++)
                same = strcmp(prev->paths->paths[i], sorted[i]->path) == 0;
        if (same) {
                __atomic_add_fetch(&prev->paths->n_ref, 1, __ATOMIC_RELAXED);
                *ret = prev->paths;
                return 0;
        }
        p = calloc(1, sizeof(*p) + n * sizeof(char *));
        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        p->bytes = sizeof(*p) + n * sizeof(char *);
        for (size_t i = 0; i < n; i++) {
                p->paths[i] = strdup(sorted[i]->path);
                if (!p->paths[i]) {
                        paths_unref(p);
                        return -ENOMEM;
                }
                p->n = i + 1;
                p->bytes += strlen(sorted[i]->path) + 1;
        }
        *ret = p;
        return 0;
}

int history_add(History *h, const Snapshot *s) {
        _cleanup_free_ const SnapshotCgroup **sorted = NULL;
        const HistoryFrame *prev = history_newest(h);
        HistoryFrame *f;
        uint64_t ps = s->info.page_size;
        int r;

        if (h->max_scans == 0 || s->info.last_scan_timestamp_usec == 0 || s->info.scan_count == 0 ||
            (prev && s->info.scan_count <= prev->scan_count))
                return 0;

        sorted = calloc(MAX(s->n_cgroups, 1), sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_cgroups; i++)
                sorted[i] = &s->cgroups[i];
        qsort(sorted, s->n_cgroups, sizeof(*sorted), compare_cgroups);

        f = calloc(1, sizeof(*f) + s->n_cgroups * sizeof(HistoryPoint));
        if (!f)
                return -ENOMEM;
        *f = (HistoryFrame) {
                .n_ref = 1,
                .scan_count = s->info.scan_count,
                .timestamp_usec = s->info.last_scan_timestamp_usec,
                .page_size = ps,
        };
        r = paths_for(prev, sorted, s->n_cgroups, &f->paths);
        if (r < 0) {
                free(f);
                return r;
        }
        for (size_t i = 0; i < s->n_cgroups; i++) {
                const Estimate *e = &sorted[i]->estimate;

                f->points[i] = (HistoryPoint) {
                        .pages = to_pages(e->bytes, ps),
                        .idle_pages = to_pages(e->idle_bytes, ps),
                        .working_set_pages = to_pages(e->working_set_bytes, ps),
                        .anon_pages = to_pages(e->anon_bytes, ps),
                        .anon_idle_pages = to_pages(e->anon_idle_bytes, ps),
                };
        }

        if (h->n == h->max_scans) {
                frame_unref(h->ring[h->first]);
                h->first = (h->first + 1) % h->max_scans;
                h->n--;
        }
        h->ring[(h->first + h->n) % h->max_scans] = f;
        h->n++;
        return 1;
}

size_t history_n_scans(const History *h) {
        return h->n;
}

size_t history_max_scans(const History *h) {
        return h->max_scans;
}

size_t history_memory_bytes(const History *h) {
        size_t bytes = sizeof(*h) + h->max_scans * sizeof(*h->ring);
        const HistoryPaths *last = NULL;

        for (size_t i = 0; i < h->n; i++) {
                const HistoryFrame *f = history_slot(h, i);

                bytes += sizeof(*f) + f->paths->n * sizeof(HistoryPoint);
                /* A table is shared by consecutive frames only. */
                if (f->paths != last)
                        bytes += f->paths->bytes;
                last = f->paths;
        }
        return bytes;
}

int history_view(const History *h, HistoryView **ret) {
        HistoryView *v;

        v = calloc(1, sizeof(*v) + h->n * sizeof(HistoryFrame *));
        if (!v)
                return -ENOMEM;
        v->n_ref = 1;
        v->max_scans = h->max_scans;
        v->n = h->n;
        for (size_t i = 0; i < h->n; i++)
                v->frames[i] = frame_ref(history_slot(h, i));
        *ret = v;
        return 0;
}

HistoryView *history_view_ref(HistoryView *v) {
        if (v)
                __atomic_add_fetch(&v->n_ref, 1, __ATOMIC_RELAXED);
        return v;
}

HistoryView *history_view_unref(HistoryView *v) {
        if (!v || __atomic_sub_fetch(&v->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        for (size_t i = 0; i < v->n; i++)
                frame_unref(v->frames[i]);
        free(v);
        return NULL;
}

size_t history_view_n_scans(const HistoryView *v) {
        return v->n;
}

/* Where path is in f, or -1. */
static ssize_t frame_find(const HistoryFrame *f, const char *path) {
        size_t lo = 0, hi = f->paths->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(f->paths->paths[mid], path);

                if (c == 0)
                        return (ssize_t) mid;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

/* The next path after prev (NULL: the first) in any of frames [first, n),
 * in strcmp order, or NULL: a merge of their sorted tables, each table
 * looked at once however many frames share it. */
static const char *next_path(const HistoryView *v, size_t first, const char *prev) {
        const HistoryPaths *last = NULL;
        const char *best = NULL;

        for (size_t i = first; i < v->n; i++) {
                const HistoryPaths *p = v->frames[i]->paths;
                size_t lo = 0, hi = p->n;

                if (p == last)
                        continue;
                last = p;
                /* The first path above prev. */
                while (prev && lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (strcmp(p->paths[mid], prev) <= 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < p->n && (!best || strcmp(p->paths[lo], best) < 0))
                        best = p->paths[lo];
        }
        return best;
}

typedef enum HistoryField {
        FIELD_TIMESTAMP,
        FIELD_SCAN_COUNT,
        FIELD_BYTES,
        FIELD_IDLE_BYTES,
        FIELD_IDLE_RATIO,
        FIELD_WORKING_SET_BYTES,
        FIELD_ANON_BYTES,
        FIELD_ANON_IDLE_BYTES,
        FIELD_FILE_BYTES,
        FIELD_FILE_IDLE_BYTES,
        _FIELD_MAX,
} HistoryField;

static const char *const field_table[_FIELD_MAX] = {
        [FIELD_TIMESTAMP] = "timestamp_usec",
        [FIELD_SCAN_COUNT] = "scan_count",
        [FIELD_BYTES] = "bytes",
        [FIELD_IDLE_BYTES] = "idle_bytes",
        [FIELD_IDLE_RATIO] = "idle_ratio",
        [FIELD_WORKING_SET_BYTES] = "working_set_bytes",
        [FIELD_ANON_BYTES] = "anon_bytes",
        [FIELD_ANON_IDLE_BYTES] = "anon_idle_bytes",
        [FIELD_FILE_BYTES] = "file_bytes",
        [FIELD_FILE_IDLE_BYTES] = "file_idle_bytes",
};

static void put_field(FILE *out, HistoryField field, const HistoryFrame *f, const HistoryPoint *p) {
        uint64_t ps = f->page_size;

        switch (field) {
        case FIELD_TIMESTAMP:
                fprintf(out, "%" PRIu64, f->timestamp_usec);
                break;
        case FIELD_SCAN_COUNT:
                fprintf(out, "%" PRIu64, f->scan_count);
                break;
        case FIELD_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) p->pages * ps);
                break;
        case FIELD_IDLE_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) p->idle_pages * ps);
                break;
        case FIELD_IDLE_RATIO:
                if (p->pages == 0)
                        fputs("0", out);
                else
                        fprintf(out, "%.6g", (double) p->idle_pages / (double) p->pages);
                break;
        case FIELD_WORKING_SET_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) p->working_set_pages * ps);
                break;
        case FIELD_ANON_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) p->anon_pages * ps);
                break;
        case FIELD_ANON_IDLE_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) p->anon_idle_pages * ps);
                break;
        case FIELD_FILE_BYTES:
                fprintf(out, "%" PRIu64, (uint64_t) (p->pages - MIN(p->anon_pages, p->pages)) * ps);
                break;
        case FIELD_FILE_IDLE_BYTES:
                fprintf(out, "%" PRIu64,
                        (uint64_t) (p->idle_pages - MIN(p->anon_idle_pages, p->idle_pages)) * ps);
                break;
        default:
                break;
        }
}

/* path as a JSON string. */
static int put_string(FILE *out, const char *s) {
        _cleanup_json_ json_object *o = json_object_new_string(s);
        const char *t;

        if (!o)
                return -ENOMEM;
        t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!t)
                return -ENOMEM;
        fputs(t, out);
        return 0;
}

/* One cgroup's series over frames [first, n): one array per field, the
 * scans that had it, oldest first.  idx: room for v->n indexes. */
static int put_cgroup(FILE *out, const HistoryView *v, size_t first, const char *path, ssize_t *idx) {
        const HistoryPaths *last = NULL;
        int r;

        /* Where it is in each frame, looked up once per table. */
        for (size_t i = first; i < v->n; i++) {
                if (v->frames[i]->paths != last)
                        idx[i] = frame_find(v->frames[i], path);
                else
                        idx[i] = idx[i - 1];
                last = v->frames[i]->paths;
        }
        fputs("{\"path\":", out);
        r = put_string(out, path);
        if (r < 0)
                return r;
        for (HistoryField field = 0; field < _FIELD_MAX; field++) {
                bool comma = false;

                fprintf(out, ",\"%s\":[", field_table[field]);
                for (size_t i = first; i < v->n; i++) {
                        if (idx[i] < 0)
                                continue;
                        if (comma)
                                fputc(',', out);
                        comma = true;
                        put_field(out, field, v->frames[i], &v->frames[i]->points[idx[i]]);
                }
                fputc(']', out);
        }
        fputc('}', out);
        return 0;
}

int history_format(const HistoryView *v, const char *cgroup, uint64_t since_usec, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ ssize_t *idx = NULL;
        _cleanup_fclose_ FILE *out = NULL;
        size_t size = 0, first = 0, n_scans = 0;
        bool found = false;
        int r = 0;

        /* Frames are in time order: the first at or after since. */
        while (first < v->n && v->frames[first]->timestamp_usec < since_usec)
                first++;
        if (cgroup) {
                for (size_t i = first; i < v->n; i++)
                        if (frame_find(v->frames[i], cgroup) >= 0) {
                                n_scans++;
                                found = true;
                        }
                if (!found)
                        return -ENOENT;
        } else
                n_scans = v->n - first;

        idx = calloc(MAX(v->n, 1), sizeof(*idx));
        out = open_memstream(&buf, &size);
        if (!idx || !out)
                return -ENOMEM;
        fprintf(out, "{\"schema_version\":%u,\"max_scans\":%zu,\"scans\":%zu,\"cgroups\":[",
                HISTORY_SCHEMA_VERSION, v->max_scans, n_scans);
        if (cgroup)
                r = put_cgroup(out, v, first, cgroup, idx);
        else
                for (const char *p = next_path(v, first, NULL); p && r >= 0; p = next_path(v, first, p)) {
                        if (found)
                                fputc(',', out);
                        found = true;
                        r = put_cgroup(out, v, first, p, idx);
                }
        if (r < 0)
                return r;
        fputs("]}\n", out);
        if (ferror(out) || fflush(out) != 0)
                return -ENOMEM;
        out = (fclose(out), NULL);
        *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int history_query_add(HistoryQuery *q, const char *key, const char *value, const char **why) {
        int r;

        if (strcmp(key, "cgroup") == 0) {
                if (q->cgroup) {
                        *why = "cgroup= given twice";
                        return -EINVAL;
                }
                if (!value) {
                        *why = "cgroup= without a value";
                        return -EINVAL;
                }
                r = cgroup_path_normalize(value, &q->cgroup);
                if (r < 0)
                        return r;
                if (r > 0) {
                        *why = r == CGROUP_PATH_RELATIVE ? "cgroup= must be a path starting with /" :
                                cgroup_path_error_to_string(r);
                        return -EINVAL;
                }
                return 0;
        }
        if (strcmp(key, "since") == 0) {
                if (q->has_since) {
                        *why = "since= given twice";
                        return -EINVAL;
                }
                /* Digits only, and no more than a u64 holds. */
                if (!value || !*value || strspn(value, "0123456789") != strlen(value) || strlen(value) > 20 ||
                    (strlen(value) == 20 && strcmp(value, "18446744073709551615") > 0)) {
                        *why = "since= must be microseconds since the epoch (CLOCK_REALTIME), in decimal";
                        return -EINVAL;
                }
                q->since_usec = strtoull(value, NULL, 10);
                q->has_since = true;
                return 0;
        }
        *why = "unknown query argument: only cgroup= and since= are";
        return -EINVAL;
}

void history_query_done(HistoryQuery *q) {
        free(q->cgroup);
        *q = (HistoryQuery) {};
}
