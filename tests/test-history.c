/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The history: which snapshots become a scan of it, the ring's bound and
 * its resizing (a reload), views that outlive what they were taken from,
 * the shared path tables, and the document: its series per cgroup, the
 * cgroup= and since= filters, names that need escaping. */
#include <json-c/json.h>

#include "history.h"
#include "test-util.h"
#include "util.h"

#define PS 4096u

static json_object *get(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v)) {
                fprintf(stderr, "missing key %s\n", key);
                exit(EXIT_FAILURE);
        }
        return v;
}

/* A snapshot of scan n: each of paths with n * (its index + 1) pages, a
 * quarter of them idle, half of them anon. */
static void make_snapshot(Snapshot *s, SnapshotCgroup *cg, uint64_t n, const char *const *paths, size_t n_paths) {
        *s = (Snapshot) {
                .n_ref = 1,
                .info = {
                        .scan_count = n,
                        .last_scan_timestamp_usec = n ? 1000000 * n : 0,
                        .page_size = PS,
                        .interval_usec = 1000000,
                },
                .cgroups = cg,
                .n_cgroups = n_paths,
        };
        for (size_t i = 0; i < n_paths; i++) {
                uint64_t pages = n * (i + 1) * 4;

                cg[i] = (SnapshotCgroup) { .path = (char *) paths[i] };
                cg[i].estimate = (Estimate) {
                        .bytes = pages * PS,
                        .idle_bytes = pages / 4 * PS,
                        .idle_ratio = 0.25,
                        .working_set_bytes = pages / 2 * PS,
                        .anon_bytes = pages / 2 * PS,
                        .anon_idle_bytes = pages / 4 * PS,
                        .file_bytes = pages / 2 * PS,
                        .file_idle_bytes = 0,
                };
        }
}

static int add(History *h, uint64_t n, const char *const *paths, size_t n_paths) {
        SnapshotCgroup cg[8];
        Snapshot s;

        CHECK(n_paths <= ELEMENTSOF(cg));
        make_snapshot(&s, cg, n, paths, n_paths);
        return history_add(h, &s);
}

static json_object *render(const History *h, const char *cgroup, uint64_t since) {
        _cleanup_(history_view_unrefp) HistoryView *v = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *doc;
        size_t size;

        CHECK(history_view(h, &v) == 0);
        CHECK(history_format(v, cgroup, since, &text, &size) == 0);
        CHECK(size == strlen(text) && size > 0 && text[size - 1] == '\n');
        doc = json_tokener_parse(text);
        CHECK(doc);
        return doc;
}

static json_object *find_cgroup(json_object *doc, const char *path) {
        json_object *cgroups = get(doc, "cgroups");

        for (size_t i = 0; i < json_object_array_length(cgroups); i++) {
                json_object *c = json_object_array_get_idx(cgroups, i);

                if (strcmp(json_object_get_string(get(c, "path")), path) == 0)
                        return c;
        }
        return NULL;
}

static uint64_t at(json_object *c, const char *field, size_t i) {
        json_object *a = get(c, field);

        CHECK(i < json_object_array_length(a));
        return json_object_get_uint64(json_object_array_get_idx(a, i));
}

static void test_ring(void) {
        static const char *const paths[] = { "/a", "/b" };
        _cleanup_(history_freep) History *h = NULL;
        json_object *doc, *a;

        CHECK(history_new(3, &h) == 0);
        /* Scan 0 (nothing measured yet) and a state change without a new scan are not scans. */
        CHECK(add(h, 0, paths, 2) == 0);
        CHECK(history_n_scans(h) == 0);
        for (uint64_t n = 1; n <= 5; n++) {
                CHECK(add(h, n, paths, 2) == 1);
                CHECK(add(h, n, paths, 2) == 0);
        }
        CHECK(add(h, 4, paths, 2) == 0);
        CHECK_EQ_U64(history_n_scans(h), 3);

        doc = render(h, NULL, 0);
        CHECK_EQ_U64(json_object_get_int(get(doc, "schema_version")), HISTORY_SCHEMA_VERSION);
        CHECK_EQ_U64(json_object_get_uint64(get(doc, "max_scans")), 3);
        CHECK_EQ_U64(json_object_get_uint64(get(doc, "scans")), 3);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 2);
        a = find_cgroup(doc, "/a");
        CHECK(a);
        /* Scans 3, 4, 5, oldest first, every field as long. */
        CHECK_EQ_U64(at(a, "scan_count", 0), 3);
        CHECK_EQ_U64(at(a, "scan_count", 2), 5);
        CHECK_EQ_U64(at(a, "timestamp_usec", 0), 3000000);
        CHECK_EQ_U64(at(a, "bytes", 0), 3 * 4 * PS);
        CHECK_EQ_U64(at(a, "idle_bytes", 2), 5 * PS);
        CHECK_EQ_U64(at(a, "working_set_bytes", 2), 10 * PS);
        CHECK_EQ_U64(at(a, "anon_bytes", 2), 10 * PS);
        CHECK_EQ_U64(at(a, "anon_idle_bytes", 2), 5 * PS);
        CHECK_EQ_U64(at(a, "file_bytes", 2), 10 * PS);
        CHECK_EQ_U64(at(a, "file_idle_bytes", 2), 0);
        CHECK(json_object_get_double(json_object_array_get_idx(get(a, "idle_ratio"), 1)) == 0.25);
        json_object_object_foreach(a, key, val) {
                if (strcmp(key, "path") != 0)
                        CHECK_EQ_U64(json_object_array_length(val), 3);
        }
        CHECK_EQ_U64(at(find_cgroup(doc, "/b"), "bytes", 2), 5 * 2 * 4 * PS);
        json_object_put(doc);
}

static void test_filters(void) {
        static const char *const ab[] = { "/a", "/b" }, *const b[] = { "/b" }, *const bc[] = { "/b", "/c" };
        _cleanup_(history_freep) History *h = NULL;
        _cleanup_(history_view_unrefp) HistoryView *v = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *doc, *c;
        size_t size;

        CHECK(history_new(10, &h) == 0);
        CHECK(add(h, 1, ab, 2) == 1);
        CHECK(add(h, 2, ab, 2) == 1);
        CHECK(add(h, 3, b, 1) == 1);            /* /a went away */
        CHECK(add(h, 4, bc, 2) == 1);           /* /c came */

        /* Each cgroup has the scans that had it; the cgroups in path order. */
        doc = render(h, NULL, 0);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 3);
        CHECK_STREQ(json_object_get_string(get(json_object_array_get_idx(get(doc, "cgroups"), 0), "path")), "/a");
        CHECK_STREQ(json_object_get_string(get(json_object_array_get_idx(get(doc, "cgroups"), 2), "path")), "/c");
        CHECK_EQ_U64(json_object_array_length(get(find_cgroup(doc, "/a"), "bytes")), 2);
        CHECK_EQ_U64(json_object_array_length(get(find_cgroup(doc, "/b"), "bytes")), 4);
        c = find_cgroup(doc, "/c");
        CHECK_EQ_U64(json_object_array_length(get(c, "scan_count")), 1);
        CHECK_EQ_U64(at(c, "scan_count", 0), 4);
        CHECK_EQ_U64(at(c, "bytes", 0), 4 * 2 * 4 * PS);
        json_object_put(doc);

        /* since: the scans at or after it. */
        doc = render(h, NULL, 3000000);
        CHECK_EQ_U64(json_object_get_uint64(get(doc, "scans")), 2);
        CHECK(!find_cgroup(doc, "/a"));
        CHECK_EQ_U64(json_object_array_length(get(find_cgroup(doc, "/b"), "bytes")), 2);
        json_object_put(doc);
        doc = render(h, NULL, 4000001);
        CHECK_EQ_U64(json_object_get_uint64(get(doc, "scans")), 0);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 0);
        json_object_put(doc);

        /* cgroup: that one only, and -ENOENT for one no scan (since then) had. */
        doc = render(h, "/a", 0);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 1);
        CHECK_EQ_U64(json_object_get_uint64(get(doc, "scans")), 2);
        CHECK_EQ_U64(at(find_cgroup(doc, "/a"), "scan_count", 1), 2);
        json_object_put(doc);
        CHECK(history_view(h, &v) == 0);
        CHECK(history_format(v, "/nope", 0, &text, &size) == -ENOENT);
        CHECK(history_format(v, "/a", 3000000, &text, &size) == -ENOENT);
        CHECK(!text);
}

static void test_resize_and_views(void) {
        static const char *const a[] = { "/a" };
        _cleanup_(history_freep) History *h = NULL;
        _cleanup_(history_view_unrefp) HistoryView *v = NULL;
        _cleanup_free_ char *text = NULL;
        json_object *doc;
        size_t size, one, two;

        CHECK(history_new(5, &h) == 0);
        for (uint64_t n = 1; n <= 5; n++)
                CHECK(add(h, n, a, 1) == 1);
        /* A view keeps its frames whatever the history does next. */
        CHECK(history_view(h, &v) == 0);
        CHECK(history_set_max_scans(h, 2) == 0);           /* a reload with a smaller History= */
        CHECK_EQ_U64(history_n_scans(h), 2);
        doc = render(h, NULL, 0);
        CHECK_EQ_U64(at(find_cgroup(doc, "/a"), "scan_count", 0), 4);
        json_object_put(doc);
        CHECK(history_set_max_scans(h, 4) == 0);           /* and a larger one: nothing lost */
        CHECK(add(h, 6, a, 1) == 1);
        CHECK(add(h, 7, a, 1) == 1);
        CHECK(add(h, 8, a, 1) == 1);
        CHECK_EQ_U64(history_n_scans(h), 4);
        doc = render(h, NULL, 0);
        CHECK_EQ_U64(at(find_cgroup(doc, "/a"), "scan_count", 0), 5);
        CHECK_EQ_U64(at(find_cgroup(doc, "/a"), "scan_count", 3), 8);
        json_object_put(doc);
        h = history_free(h);
        CHECK(history_view_n_scans(v) == 5);
        CHECK(history_format(v, NULL, 0, &text, &size) == 0);
        doc = json_tokener_parse(text);
        CHECK(doc);
        CHECK_EQ_U64(at(find_cgroup(doc, "/a"), "scan_count", 4), 5);
        json_object_put(doc);

        /* Off: nothing kept; out of range refused. */
        CHECK(history_new(0, &h) == 0);
        CHECK(add(h, 1, a, 1) == 0);
        CHECK(history_set_max_scans(h, HISTORY_MAX_SCANS + 1) == -ERANGE);
        h = history_free(h);

        /* Scans of the same cgroups share one path table. */
        CHECK(history_new(10, &h) == 0);
        CHECK(add(h, 1, a, 1) == 1);
        one = history_memory_bytes(h);
        CHECK(add(h, 2, a, 1) == 1);
        two = history_memory_bytes(h);
        CHECK(two - one < sizeof(HistoryPoint) + 64);
        CHECK(two - one >= sizeof(HistoryPoint));
}

static void test_names_and_saturation(void) {
        static const char *const odd[] = { "/<img src=x onerror=alert(1)>", "/we\"ird\\name\nline2 caf\xc3\xa9" };
        _cleanup_(history_freep) History *h = NULL;
        SnapshotCgroup cg[2];
        json_object *doc;
        Snapshot s;

        CHECK(history_new(2, &h) == 0);
        make_snapshot(&s, cg, 1, odd, 2);
        cg[0].estimate.bytes = (uint64_t) PS << 40;     /* 2^40 pages */
        CHECK(history_add(h, &s) == 1);
        doc = render(h, NULL, 0);
        CHECK(find_cgroup(doc, odd[0]));
        CHECK(find_cgroup(doc, odd[1]));
        CHECK_EQ_U64(at(find_cgroup(doc, odd[0]), "bytes", 0), (uint64_t) UINT32_MAX * PS);
        json_object_put(doc);
        doc = render(h, odd[1], 0);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 1);
        json_object_put(doc);
}

static void query(const char *const *args, int expect_r, const char *expect_cgroup, uint64_t expect_since) {
        HistoryQuery q = {};
        const char *why = NULL;
        int r = 0;

        for (size_t i = 0; args[i] && r == 0; i += 2)
                r = history_query_add(&q, args[i], args[i + 1][0] == '\001' ? NULL : args[i + 1], &why);
        if (r != expect_r)
                fprintf(stderr, "query %s=%s: %d (%s), expected %d\n", args[0], args[1], r, why ?: "", expect_r);
        CHECK(r == expect_r);
        if (r < 0)
                CHECK(why && *why);
        else {
                if (expect_cgroup)
                        CHECK_STREQ(q.cgroup, expect_cgroup);
                else
                        CHECK(!q.cgroup);
                CHECK_EQ_U64(q.since_usec, expect_since);
        }
        history_query_done(&q);
}

/* The query's arguments: strict ("\001": a key without a value). */
static void test_query(void) {
        query((const char *[]) { NULL }, 0, NULL, 0);
        query((const char *[]) { "cgroup", "/a//b/", NULL }, 0, "/a/b", 0);
        query((const char *[]) { "since", "1700000000000000", "cgroup", "/", NULL }, 0, "/", 1700000000000000);
        query((const char *[]) { "since", "18446744073709551615", NULL }, 0, NULL, UINT64_MAX);
        query((const char *[]) { "since", "18446744073709551616", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "123456789012345678901", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "-1", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "1e6", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", " 1", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "\001", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "since", "1", "since", "2", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "a", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "/a/../b", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "\001", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "/\xff", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "cgroup", "/a", "cgroup", "/b", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "x", "1", NULL }, -EINVAL, NULL, 0);
        query((const char *[]) { "Cgroup", "/a", NULL }, -EINVAL, NULL, 0);
}

int main(void) {
        test_query();
        test_ring();
        test_filters();
        test_resize_and_views();
        test_names_and_saturation();
        return 0;
}
