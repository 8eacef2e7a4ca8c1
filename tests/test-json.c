/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON document: schema version, field names and values, tracked
 * cgroups only, their labels, cold memory and its promotion (null where
 * unknown), and the atomic replacement of the file. */
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "json.h"
#include "test-util.h"
#include "util.h"

static json_object *get(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v)) {
                fprintf(stderr, "missing key %s\n", key);
                exit(EXIT_FAILURE);
        }
        return v;
}

static uint64_t get_u64(json_object *o, const char *key) {
        return json_object_get_uint64(get(o, key));
}

static void touch(const char *dir, const char *name) {
        char p[4200];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);
}

static bool exists(const char *dir, const char *name) {
        char p[4200];

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* What json_write_atomic() leaves after a crash goes; nothing else. */
static void test_temporaries(void) {
        char dir[] = "/tmp/test-json-tmp.XXXXXX", p[4200], q[4200];

        CHECK(mkdtemp(dir));
        touch(dir, "stats.json");
        touch(dir, "stats.json.Ab3XyZ");
        touch(dir, "stats.json.000000");
        touch(dir, "stats.json.abc12");         /* five characters */
        touch(dir, "stats.json.abc1234");       /* seven */
        touch(dir, "stats.json.ab-123");
        touch(dir, "other.json.ABCDEF");
        touch(dir, "target");
        snprintf(p, sizeof(p), "%s/stats.json.LnK123", dir);
        snprintf(q, sizeof(q), "%s/target", dir);
        CHECK(symlink(q, p) == 0);
        snprintf(p, sizeof(p), "%s/stats.json.DiR123", dir);
        CHECK(mkdir(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/stats.json", dir);
        CHECK(json_remove_temporaries(p) == 2);
        CHECK(!exists(dir, "stats.json.Ab3XyZ") && !exists(dir, "stats.json.000000"));
        CHECK(exists(dir, "stats.json") && exists(dir, "stats.json.abc12") && exists(dir, "stats.json.abc1234"));
        CHECK(exists(dir, "stats.json.ab-123") && exists(dir, "other.json.ABCDEF"));
        CHECK(exists(dir, "stats.json.LnK123") && exists(dir, "target") && exists(dir, "stats.json.DiR123"));
        CHECK(json_remove_temporaries(p) == 0);
        snprintf(p, sizeof(p), "%s/nowhere/stats.json", dir);
        CHECK(json_remove_temporaries(p) == 0);
        snprintf(p, sizeof(p), "rm -rf '%s'", dir);
        CHECK(system(p) == 0);
}

/* Who each cgroup is: an object of the labels its path gives, and only
 * those, {} when it gives none. */
static void test_labels(void) {
        static const char *const pod = "/kubepods.slice/kubepods-burstable.slice/"
                "kubepods-burstable-pod0a1b2c3d_4e5f_4789_abcd_ef0123456789.slice";
        static const char id[] = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        _cleanup_(snapshot_unrefp) Snapshot *snap = NULL;
        SnapshotInfo info = { .backend = "page_idle", .state = "running", .interval_usec = USEC_PER_SEC,
                              .window_usec = USEC_PER_SEC, .page_size = 4096 };
        json_object *doc, *l;
        char path[512];
        size_t p;

        snprintf(path, sizeof(path), "%s/cri-containerd-%s.scope", pod, id);
        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/", 1, CGROUP_NO_PARENT, true, &p) == 0);
        CHECK(cgroup_set_add(set, path, 2, p, true, NULL) == 0);
        CHECK(snapshot_new(&info, set, &snap) == 0);
        doc = json_tokener_parse(snap->json);
        CHECK(doc);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 2);
        l = get(json_object_array_get_idx(get(doc, "cgroups"), 0), "labels");
        CHECK(json_object_is_type(l, json_type_object));
        CHECK_EQ_U64(json_object_object_length(l), 0);
        l = get(json_object_array_get_idx(get(doc, "cgroups"), 1), "labels");
        CHECK_EQ_U64(json_object_object_length(l), 6);
        CHECK_STREQ(json_object_get_string(get(l, "unit")), path + strlen(pod) + 1);
        CHECK_STREQ(json_object_get_string(get(l, "slice")), strrchr(pod, '/') + 1);
        CHECK_STREQ(json_object_get_string(get(l, "pod_uid")), "0a1b2c3d-4e5f-4789-abcd-ef0123456789");
        CHECK_STREQ(json_object_get_string(get(l, "qos_class")), "burstable");
        CHECK_STREQ(json_object_get_string(get(l, "container_id")), id);
        CHECK_STREQ(json_object_get_string(get(l, "container_runtime")), "containerd");
        json_object_put(doc);
}

int main(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        _cleanup_free_ char *text = NULL, *back = NULL;
        json_object *doc, *cgroups, *c, *hist, *b;
        char dir[] = "/tmp/test-json.XXXXXX", path[4096];
        size_t a;
        _cleanup_(snapshot_unrefp) Snapshot *snap = NULL;
        struct stat st;

        test_temporaries();
        test_labels();
        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/web.slice", 10, CGROUP_NO_PARENT, true, &a) == 0);
        CHECK(cgroup_set_add(set, "/web.slice/x", 11, a, false, NULL) == 0);
        set->nodes[1].own = (PageStats) {
                .pages = { [PAGE_FILE] = 100, [PAGE_ANON] = 300 },
                .idle_pages = { [PAGE_FILE] = 50, [PAGE_ANON] = 50 },
                .ws_pages = 320,
                .hist_pages = { 300, 60, 40 },
                .cold_pages = { [PAGE_FILE] = 30, [PAGE_ANON] = 10 },
                .promoted_pages = 8,
                .window_ws_pages = { 0, 350, 380 },
        };
        cgroup_set_sum(set);
        /* The kernel's counters of /web.slice: no memory.high ("max"), no
         * full pressure line, the anon refault rate not known yet. */
        set->nodes[0].kernel = (CgroupKernel) {
                .read_usec = 1,
                .has_current = true, .current_bytes = 2000 * 4096,
                .has_max = true, .max_bytes = 4000 * 4096,
                .has_inactive_file = true, .inactive_file_bytes = 1500 * 4096,
                .has_refault_file_rate = true, .refault_file_per_second = 0.5,
                .has_pressure_some = true, .pressure_some_avg10 = 0.015,
        };

        SnapshotInfo info = {
                .backend = "page_idle",
                .state = "running",
                .interval_usec = 10 * USEC_PER_SEC,
                .window_usec = 30 * USEC_PER_SEC,
                .cold_age_usec = 20 * USEC_PER_SEC,
                .n_windows = 3,
                .windows_usec = { 30 * USEC_PER_SEC, 600 * USEC_PER_SEC, 3600 * USEC_PER_SEC },
                .scan_count = 7,
                .last_scan_timestamp_usec = 1700000000 * USEC_PER_SEC,
                .last_scan_duration_usec = 12345,
                .page_size = 4096,
        };
        CHECK(snapshot_new(&info, set, &snap) == 0);
        CHECK(json_format(snap, &text) == 0);
        CHECK_STREQ(snap->json, text);
        CHECK(text[strlen(text) - 1] == '\n');

        doc = json_tokener_parse(text);
        CHECK(doc);
        CHECK_EQ_U64(get_u64(doc, "schema_version"), 1);
        CHECK_STREQ(json_object_get_string(get(doc, "backend")), "page_idle");
        CHECK_STREQ(json_object_get_string(get(doc, "state")), "running");
        CHECK(json_object_is_type(get(doc, "state_detail"), json_type_null));
        CHECK_EQ_U64(get_u64(doc, "scan_interval_usec"), 10 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(doc, "working_set_window_usec"), 30 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(doc, "scan_count"), 7);
        CHECK_EQ_U64(get_u64(doc, "last_scan_timestamp_usec"), 1700000000 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(doc, "last_scan_duration_usec"), 12345);
        CHECK_EQ_U64(get_u64(doc, "page_size"), 4096);

        cgroups = get(doc, "cgroups");
        CHECK_EQ_U64(json_object_array_length(cgroups), 1);     /* the untracked child is not listed */
        c = json_object_array_get_idx(cgroups, 0);
        CHECK_STREQ(json_object_get_string(get(c, "path")), "/web.slice");
        CHECK_EQ_U64(json_object_object_length(get(c, "labels")), 1);
        CHECK_STREQ(json_object_get_string(get(get(c, "labels"), "slice")), "web.slice");
        CHECK_EQ_U64(get_u64(c, "bytes"), 400 * 4096);
        CHECK_EQ_U64(get_u64(c, "idle_bytes"), 100 * 4096);
        CHECK(json_object_get_double(get(c, "idle_ratio")) == 0.25);
        CHECK_EQ_U64(get_u64(c, "working_set_bytes"), 320 * 4096);
        CHECK_EQ_U64(get_u64(c, "anon_bytes"), 300 * 4096);
        CHECK_EQ_U64(get_u64(c, "anon_idle_bytes"), 50 * 4096);
        CHECK_EQ_U64(get_u64(c, "file_bytes"), 100 * 4096);
        CHECK_EQ_U64(get_u64(c, "file_idle_bytes"), 50 * 4096);
        CHECK_EQ_U64(get_u64(doc, "cold_age_usec"), 20 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(c, "cold_bytes"), 40 * 4096);
        CHECK_EQ_U64(get_u64(c, "cold_anon_bytes"), 10 * 4096);
        CHECK_EQ_U64(get_u64(c, "cold_file_bytes"), 30 * 4096);
        CHECK_EQ_U64(get_u64(c, "reclaimable_bytes"), 40 * 4096);
        CHECK_EQ_U64(get_u64(c, "promoted_bytes"), 8 * 4096);
        /* Six intervals of 10 s a minute. */
        CHECK(json_object_get_double(get(c, "promotion_bytes_per_minute")) == 6.0 * 8 * 4096);
        CHECK(json_object_get_double(get(c, "promotion_ratio")) == 6.0 * 8 / 320);
        CHECK_EQ_U64(get_u64(c, "memory_current_bytes"), 2000 * 4096);
        CHECK(json_object_is_type(get(c, "memory_high_bytes"), json_type_null));
        CHECK_EQ_U64(get_u64(c, "memory_max_bytes"), 4000 * 4096);
        /* cAdvisor's figure counts the active page cache: above ours. */
        CHECK_EQ_U64(get_u64(c, "cadvisor_working_set_bytes"), 500 * 4096);
        CHECK(json_object_is_type(get(c, "workingset_refault_anon_per_second"), json_type_null));
        CHECK(json_object_get_double(get(c, "workingset_refault_file_per_second")) == 0.5);
        CHECK(json_object_get_double(get(c, "memory_pressure_some_avg10_ratio")) == 0.015);
        CHECK(json_object_is_type(get(c, "memory_pressure_full_avg10_ratio"), json_type_null));
        /* 0.1 + 50 * 0.15, at most 1: twice the longest window's working
         * set, 760 pages, is below the floor. */
        CHECK(json_object_get_double(get(c, "headroom_ratio")) == 1.0);
        CHECK_EQ_U64(get_u64(c, "suggested_limit_bytes"), ESTIMATE_LIMIT_MIN_BYTES);
        {
                json_object *ws = get(c, "working_sets"), *w, *wu = get(doc, "working_set_windows_usec");

                CHECK_EQ_U64(json_object_array_length(wu), 3);
                CHECK_EQ_U64(json_object_get_uint64(json_object_array_get_idx(wu, 2)), 3600 * USEC_PER_SEC);
                CHECK_EQ_U64(json_object_array_length(ws), 3);
                w = json_object_array_get_idx(ws, 0);
                CHECK_EQ_U64(get_u64(w, "window_usec"), 30 * USEC_PER_SEC);
                CHECK_EQ_U64(get_u64(w, "bytes"), 320 * 4096);          /* working_set_bytes */
                CHECK_EQ_U64(get_u64(w, "measured_usec"), 30 * USEC_PER_SEC);
                w = json_object_array_get_idx(ws, 1);
                CHECK_EQ_U64(get_u64(w, "window_usec"), 600 * USEC_PER_SEC);
                CHECK_EQ_U64(get_u64(w, "bytes"), 350 * 4096);
                w = json_object_array_get_idx(ws, 2);
                CHECK_EQ_U64(get_u64(w, "bytes"), 380 * 4096);
                /* Measured all along (cgroup_set_add()): AGE_MAX intervals of 10 s. */
                CHECK_EQ_U64(get_u64(w, "measured_usec"), 2550 * USEC_PER_SEC);
        }
        hist = get(c, "idle_age_histogram");
        CHECK_EQ_U64(json_object_array_length(hist), AGE_BUCKETS);
        b = json_object_array_get_idx(hist, 0);
        CHECK_EQ_U64(get_u64(b, "idle_usec"), 0);
        CHECK_EQ_U64(get_u64(b, "bytes"), 300 * 4096);
        b = json_object_array_get_idx(hist, 2);
        CHECK_EQ_U64(get_u64(b, "idle_usec"), 20 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(b, "bytes"), 40 * 4096);
        b = json_object_array_get_idx(hist, 8);
        CHECK_EQ_U64(get_u64(b, "idle_usec"), 1280 * USEC_PER_SEC);
        json_object_put(doc);

        /* Refaults widen the headroom: 0.5 pages a second of 380 pages is
         * 30/380 a minute, 0.1 + 50 * 30/380 > 1 with no promotion at all. */
        {
                _cleanup_(snapshot_unrefp) Snapshot *r = NULL;

                set->nodes[0].total.promoted_pages = 0;
                CHECK(snapshot_new(&info, set, &r) == 0);
                CHECK(r->cgroups[0].estimate.promotion_ratio == 0.0);
                CHECK(r->cgroups[0].estimate.refault_ratio == 30.0 / 380);
                CHECK(r->cgroups[0].estimate.headroom_ratio == 1.0);
                set->nodes[0].kernel.refault_file_per_second = 0.01;   /* 0.6/380 a minute */
                snapshot_unref(r);
                CHECK(snapshot_new(&info, set, &r) == 0);
                CHECK(r->cgroups[0].estimate.headroom_ratio > 0.1 + 50 * 0.6 / 380 - 1e-9);
                CHECK(r->cgroups[0].estimate.headroom_ratio < 0.1 + 50 * 0.6 / 380 + 1e-9);
                set->nodes[0].total.promoted_pages = 8;
                set->nodes[0].kernel.refault_file_per_second = 0.5;
        }

        /* Without idle ages (refs), the cold figures are null, not 0. */
        {
                _cleanup_(snapshot_unrefp) Snapshot *r = NULL;
                json_object *d;

                info.backend = "refs";
                info.cold_age_usec = 0;
                CHECK(snapshot_new(&info, set, &r) == 0);
                d = json_tokener_parse(r->json);
                CHECK(d);
                CHECK(json_object_is_type(get(d, "cold_age_usec"), json_type_null));
                c = json_object_array_get_idx(get(d, "cgroups"), 0);
                CHECK(json_object_is_type(get(c, "cold_bytes"), json_type_null));
                CHECK(json_object_is_type(get(c, "cold_anon_bytes"), json_type_null));
                CHECK(json_object_is_type(get(c, "cold_file_bytes"), json_type_null));
                CHECK(json_object_is_type(get(c, "promoted_bytes"), json_type_null));
                CHECK(json_object_is_type(get(c, "promotion_bytes_per_minute"), json_type_null));
                CHECK(json_object_is_type(get(c, "promotion_ratio"), json_type_null));
                CHECK(json_object_is_type(get(c, "reclaimable_bytes"), json_type_null));
                CHECK(json_object_is_type(get(c, "headroom_ratio"), json_type_null));
                CHECK(json_object_is_type(get(c, "suggested_limit_bytes"), json_type_null));
                /* The kernel's figures do not depend on the backend. */
                CHECK_EQ_U64(get_u64(c, "memory_current_bytes"), 2000 * 4096);
                CHECK_EQ_U64(get_u64(c, "bytes"), 400 * 4096);
                json_object_put(d);
        }

        /* Written whole, mode 0644, with no temporary file left beside it. */
        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/stats.json", dir);
        CHECK(json_write_atomic(path, "old\n") == 0);
        CHECK(json_write_atomic(path, text) == 0);
        CHECK(read_full_fileat(AT_FDCWD, path, &back, NULL) == 0);
        CHECK_STREQ(back, text);
        CHECK(stat(path, &st) == 0);
        CHECK_EQ_U64(st.st_mode & 07777, 0644);
        {
                char cmd[4200];

                snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) = 1 && rm -rf '%s'", dir, dir);
                CHECK(system(cmd) == 0);
        }
        CHECK(json_write_atomic("/nonexistent/dir/stats.json", text) == -ENOENT);
        return 0;
}
