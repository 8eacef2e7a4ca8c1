/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Prometheus rendering: families, labels (and the cgroups' own in
 * pageidled_cgroup_info), values in base units, escaping of label values
 * (quotes, backslashes, newlines, bytes that are not UTF-8), exact
 * seconds, and the /healthz rule. */
#include "metrics.h"
#include "test-util.h"
#include "util.h"

static void check_escape(const char *in, const char *expected) {
        _cleanup_free_ char *out = NULL;

        CHECK(metrics_escape_label_value(in, &out) == 0);
        CHECK_STREQ(out, expected);
}

static void test_escape(void) {
        check_escape("", "");
        check_escape("/system.slice/foo.service", "/system.slice/foo.service");
        check_escape("/a\"b", "/a\\\"b");
        check_escape("/a\\b", "/a\\\\b");
        check_escape("/a\nb", "/a\\nb");
        check_escape("/tab\there", "/tab\there");       /* only \, " and newline are escaped */
        check_escape("/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x90\xa7", "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x90\xa7");
        /* Not UTF-8: a lone continuation byte, a truncated sequence, an
         * overlong slash, a surrogate, beyond U+10FFFF, 0xff. */
        check_escape("/a\x80", "/a\xef\xbf\xbd");
        check_escape("/\xc3", "/\xef\xbf\xbd");
        check_escape("/\xe2\x82", "/\xef\xbf\xbd\xef\xbf\xbd");
        check_escape("/\xc0\xaf", "/\xef\xbf\xbd\xef\xbf\xbd");
        check_escape("/\xed\xa0\x80", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        check_escape("/\xf4\x90\x80\x80", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        check_escape("/\xff\"", "/\xef\xbf\xbd\\\"");
}

static void test_seconds(void) {
        char buf[64];

        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), 0), "0");
        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), 30 * USEC_PER_SEC), "30");
        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), 500 * USEC_PER_MSEC), "0.5");
        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), 1700000000 * USEC_PER_SEC + 123), "1700000000.000123");
        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), 1), "0.000001");
        CHECK_STREQ(metrics_format_seconds(buf, sizeof(buf), UINT64_MAX), "18446744073709.551615");
}

/* The line of the sample "name{labels} " (or "name "), its value as text. */
static const char *sample(const char *text, const char *prefix) {
        static char value[256];
        const char *p = text;
        size_t n = strlen(prefix);

        for (;;) {
                if (strncmp(p, prefix, n) == 0 && p[n] == ' ') {
                        size_t len = strcspn(p + n + 1, "\n");

                        CHECK(len < sizeof(value));
                        memcpy(value, p + n + 1, len);
                        value[len] = 0;
                        return value;
                }
                p = strchr(p, '\n');
                if (!p || !*++p)
                        return NULL;
        }
}

static size_t count(const char *text, const char *needle) {
        size_t n = 0;

        for (const char *p = text; (p = strstr(p, needle)); p++)
                n++;
        return n;
}

static void test_format(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        _cleanup_free_ char *text = NULL, *empty = NULL;
        _cleanup_(snapshot_unrefp) Snapshot *snap = NULL, *none = NULL;
        size_t a, q;

        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/web.slice", 10, CGROUP_NO_PARENT, true, &a) == 0);
        CHECK(cgroup_set_add(set, "/web.slice/x", 11, a, false, NULL) == 0);
        CHECK(cgroup_set_add(set, "/odd \"name\"\\\n", 12, CGROUP_NO_PARENT, true, &q) == 0);
        set->nodes[1].own = (PageStats) {
                .pages = { [PAGE_FILE] = 100, [PAGE_ANON] = 300 },
                .idle_pages = { [PAGE_FILE] = 50, [PAGE_ANON] = 50 },
                .ws_pages = 320,
                .hist_pages = { 300, 60, 40 },
                .cold_pages = { [PAGE_FILE] = 30, [PAGE_ANON] = 10 },
                .promoted_pages = 8,
                .window_ws_pages = { 0, 350 },
        };
        set->nodes[q].own = (PageStats) {
                .pages = { [PAGE_FILE] = 3 },
                .idle_pages = { [PAGE_FILE] = 1 },
                .hist_pages = { 2, 1 },
        };
        cgroup_set_sum(set);
        set->nodes[0].kernel = (CgroupKernel) {
                .has_current = true, .current_bytes = 2000 * 4096,
                .has_inactive_file = true, .inactive_file_bytes = 1500 * 4096,
                .has_high = true, .high_bytes = 3000 * 4096,
                .has_refault_file_rate = true, .refault_file_per_second = 0.5,
                .has_pressure_some = true, .pressure_some_avg10 = 0.015,
        };

        SnapshotInfo info = {
                .backend = "page_idle",
                .scan_path = "module",
                .state = "running",
                .interval_usec = 10 * USEC_PER_SEC,
                .window_usec = 30 * USEC_PER_SEC,
                .cold_age_usec = 20 * USEC_PER_SEC,
                .n_windows = 2,
                .windows_usec = { 30 * USEC_PER_SEC, 600 * USEC_PER_SEC },
                .scan_count = 7,
                .last_scan_timestamp_usec = 1700000000 * USEC_PER_SEC + 250 * USEC_PER_MSEC,
                .last_scan_duration_usec = 12345,
                .page_size = 4096,
        };
        CHECK(snapshot_new(&info, set, &snap) == 0);
        CHECK(metrics_format(snap, &text) == 0);
        fputs(text, stderr);

        CHECK(text[strlen(text) - 1] == '\n');
        CHECK(strstr(text, "# HELP pageidled_scans_total "));
        CHECK(strstr(text, "# TYPE pageidled_scans_total counter\n"));
        CHECK(strstr(text, "# TYPE pageidled_cgroup_bytes gauge\n"));
        CHECK_STREQ(sample(text, "pageidled_scans_total"), "7");
        CHECK_STREQ(sample(text, "pageidled_state{state=\"running\"}"), "1");
        CHECK_STREQ(sample(text, "pageidled_state{state=\"starting\"}"), "0");
        CHECK_STREQ(sample(text, "pageidled_state{state=\"degraded\"}"), "0");
        CHECK_STREQ(sample(text, "pageidled_scan_interval_seconds"), "10");
        CHECK_STREQ(sample(text, "pageidled_working_set_window_seconds"), "30");
        CHECK_STREQ(sample(text, "pageidled_last_scan_timestamp_seconds"), "1700000000.25");
        CHECK_STREQ(sample(text, "pageidled_last_scan_duration_seconds"), "0.012345");
        CHECK_STREQ(sample(text, "pageidled_page_size_bytes"), "4096");
        CHECK_STREQ(sample(text, "pageidled_tracked_cgroups"), "2");
        CHECK(strstr(text, "pageidled_info{version=\"" PACKAGE_VERSION "\",backend=\"page_idle\",scan_path=\"module\",schema_version=\"1\"} 1\n"));

        /* Totals are hierarchical: /web.slice holds its child's pages. */
        CHECK_STREQ(sample(text, "pageidled_cgroup_bytes{cgroup=\"/web.slice\",type=\"anon\"}"), "1228800");
        CHECK_STREQ(sample(text, "pageidled_cgroup_bytes{cgroup=\"/web.slice\",type=\"file\"}"), "409600");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_bytes{cgroup=\"/web.slice\",type=\"anon\"}"), "204800");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_bytes{cgroup=\"/web.slice\",type=\"file\"}"), "204800");
        CHECK_STREQ(sample(text, "pageidled_cgroup_working_set_bytes{cgroup=\"/web.slice\"}"), "1310720");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_ratio{cgroup=\"/web.slice\"}"), "0.25");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_age_bytes{cgroup=\"/web.slice\",idle_seconds=\"0\"}"), "1228800");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_age_bytes{cgroup=\"/web.slice\",idle_seconds=\"10\"}"), "245760");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_age_bytes{cgroup=\"/web.slice\",idle_seconds=\"20\"}"), "163840");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_age_bytes{cgroup=\"/web.slice\",idle_seconds=\"1280\"}"), "0");
        CHECK(!strstr(text, "/web.slice/x"));   /* not tracked */
        CHECK_STREQ(sample(text, "pageidled_cold_age_seconds"), "20");
        CHECK_STREQ(sample(text, "pageidled_cgroup_cold_bytes{cgroup=\"/web.slice\",type=\"anon\"}"), "40960");
        CHECK_STREQ(sample(text, "pageidled_cgroup_cold_bytes{cgroup=\"/web.slice\",type=\"file\"}"), "122880");
        CHECK_STREQ(sample(text, "pageidled_cgroup_reclaimable_bytes{cgroup=\"/web.slice\"}"), "163840");
        CHECK_STREQ(sample(text, "pageidled_cgroup_promoted_bytes{cgroup=\"/web.slice\"}"), "32768");
        /* 8 pages an interval, 6 intervals a minute, over 320 pages. */
        CHECK_STREQ(sample(text, "pageidled_cgroup_promotion_ratio{cgroup=\"/web.slice\"}"), "0.15");
        /* Twice the longest window's 350 pages is below the floor of 4 MiB. */
        CHECK_STREQ(sample(text, "pageidled_cgroup_suggested_limit_bytes{cgroup=\"/web.slice\"}"), "4194304");
        CHECK_STREQ(sample(text, "pageidled_cgroup_memory_current_bytes{cgroup=\"/web.slice\"}"), "8192000");
        CHECK_STREQ(sample(text, "pageidled_cgroup_memory_high_bytes{cgroup=\"/web.slice\"}"), "12288000");
        CHECK_STREQ(sample(text, "pageidled_cgroup_cadvisor_working_set_bytes{cgroup=\"/web.slice\"}"), "2048000");
        CHECK_STREQ(sample(text, "pageidled_cgroup_workingset_refaults_per_second{cgroup=\"/web.slice\",type=\"file\"}"),
                    "0.5");
        CHECK_STREQ(sample(text, "pageidled_cgroup_memory_pressure_avg10_ratio{cgroup=\"/web.slice\",kind=\"some\"}"),
                    "0.015");
        /* What the kernel does not say has no sample, never a 0; the family is there. */
        CHECK(strstr(text, "# TYPE pageidled_cgroup_memory_max_bytes gauge\n"));
        CHECK(!strstr(text, "pageidled_cgroup_memory_max_bytes{"));
        CHECK(!strstr(text, "pageidled_cgroup_workingset_refaults_per_second{cgroup=\"/web.slice\",type=\"anon\"}"));
        CHECK(!strstr(text, "kind=\"full\""));
        CHECK(!strstr(text, "pageidled_cgroup_memory_current_bytes{cgroup=\"/odd"));
        CHECK_STREQ(sample(text, "pageidled_cgroup_working_set_window_bytes{cgroup=\"/web.slice\",window=\"30\"}"),
                    "1310720");
        CHECK_STREQ(sample(text, "pageidled_cgroup_working_set_window_bytes{cgroup=\"/web.slice\",window=\"600\"}"),
                    "1433600");
        /* Every page read: exact, errors of 0. */
        CHECK_STREQ(sample(text, "pageidled_sampling_ratio"), "1");
        CHECK_STREQ(sample(text, "pageidled_cgroup_sampled_bytes{cgroup=\"/web.slice\"}"), "1638400");
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_bytes_stderr{cgroup=\"/web.slice\",type=\"anon\"}"), "0");
        CHECK_STREQ(sample(text, "pageidled_cgroup_working_set_bytes_stderr{cgroup=\"/web.slice\"}"), "0");

        /* Who each cgroup is: what its path gives, nothing for the odd one. */
        CHECK(strstr(text, "# TYPE pageidled_cgroup_info gauge\n"));
        CHECK_STREQ(sample(text, "pageidled_cgroup_info{cgroup=\"/web.slice\",slice=\"web.slice\"}"), "1");
        CHECK_STREQ(sample(text, "pageidled_cgroup_info{cgroup=\"/odd \\\"name\\\"\\\\\\n\"}"), "1");
        CHECK(count(text, "pageidled_cgroup_info{") == 2);

        /* The odd name, escaped; 1/3 with every digit it needs. */
        CHECK_STREQ(sample(text, "pageidled_cgroup_idle_ratio{cgroup=\"/odd \\\"name\\\"\\\\\\n\"}"),
                    "0.3333333333333333");
        CHECK_STREQ(sample(text, "pageidled_cgroup_bytes{cgroup=\"/odd \\\"name\\\"\\\\\\n\",type=\"file\"}"), "12288");

        /* Every family once, with its samples together. */
        CHECK(count(text, "# TYPE pageidled_cgroup_bytes ") == 1);
        CHECK(count(text, "# TYPE ") == count(text, "# HELP "));
        CHECK(count(text, "pageidled_cgroup_idle_age_bytes{") == 2 * AGE_BUCKETS);

        /* Without idle ages (refs), no cold families rather than zeros. */
        {
                _cleanup_(snapshot_unrefp) Snapshot *r = NULL;
                _cleanup_free_ char *t = NULL;

                info.backend = "refs";
                info.cold_age_usec = 0;
                CHECK(snapshot_new(&info, set, &r) == 0);
                CHECK(metrics_format(r, &t) == 0);
                CHECK(strstr(t, "pageidled_cgroup_bytes{"));
                CHECK(!strstr(t, "cold"));
                CHECK(!strstr(t, "promot"));
                CHECK(!strstr(t, "reclaimable"));
                CHECK(!strstr(t, "suggested"));
                info.backend = "page_idle";
        }
        /* Sampled at 1/16 without memory.stat: the samples scaled up, and
         * the errors of cgroups seen in no block half their bytes. */
        {
                _cleanup_(snapshot_unrefp) Snapshot *sampled = NULL;
                _cleanup_free_ char *t = NULL;
                SnapshotInfo si = info;

                si.sampling = 1.0 / 16;
                CHECK(snapshot_new(&si, set, &sampled) == 0);
                CHECK(metrics_format(sampled, &t) == 0);
                CHECK_STREQ(sample(t, "pageidled_sampling_ratio"), "0.0625");
                CHECK_STREQ(sample(t, "pageidled_cgroup_sampled_bytes{cgroup=\"/web.slice\"}"), "1638400");
                CHECK_STREQ(sample(t, "pageidled_cgroup_bytes{cgroup=\"/web.slice\",type=\"file\"}"), "6553600");
                CHECK_STREQ(sample(t, "pageidled_cgroup_working_set_bytes_stderr{cgroup=\"/web.slice\"}"), "13107200");
                CHECK(strstr(sampled->json, "\"sampling\": 0.0625"));
        }

        /* No cgroups yet, an unknown state: no cgroup families, the state still shown. */
        info.state = "stopping";
        info.scan_count = 0;
        CHECK(snapshot_new(&info, NULL, &none) == 0);
        CHECK(metrics_format(none, &empty) == 0);
        CHECK(!strstr(empty, "pageidled_cgroup_"));
        CHECK_STREQ(sample(empty, "pageidled_tracked_cgroups"), "0");
        CHECK_STREQ(sample(empty, "pageidled_state{state=\"stopping\"}"), "1");
        CHECK_STREQ(sample(empty, "pageidled_state{state=\"running\"}"), "0");
}

/* The info family's labels: every one the path gives, in a fixed order,
 * their values escaped as the cgroup's (systemd's \x2d). */
static void test_info(void) {
        static const char id[] = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        _cleanup_(snapshot_unrefp) Snapshot *snap = NULL;
        _cleanup_free_ char *text = NULL;
        SnapshotInfo info = { .backend = "page_idle", .state = "running", .interval_usec = USEC_PER_SEC,
                              .window_usec = USEC_PER_SEC, .page_size = 4096 };
        char path[256], want[1024];

        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", 1, CGROUP_NO_PARENT, true,
                             NULL) == 0);
        snprintf(path, sizeof(path), "/kubepods/besteffort/pod0a1b2c3d-4e5f-4789-abcd-ef0123456789/crio-%s", id);
        CHECK(cgroup_set_add(set, path, 2, CGROUP_NO_PARENT, true, NULL) == 0);
        CHECK(snapshot_new(&info, set, &snap) == 0);
        CHECK(metrics_format(snap, &text) == 0);
        CHECK_STREQ(sample(text, "pageidled_cgroup_info{cgroup=\"/machine.slice/machine-qemu\\\\x2d1\\\\x2dvm.scope\","
                                 "unit=\"machine-qemu\\\\x2d1\\\\x2dvm.scope\",slice=\"machine.slice\","
                                 "machine=\"qemu-1-vm\"}"), "1");
        snprintf(want, sizeof(want), "pageidled_cgroup_info{cgroup=\"%s\",pod_uid=\"0a1b2c3d-4e5f-4789-abcd-ef0123456789\","
                 "qos_class=\"besteffort\",container_id=\"%s\",container_runtime=\"crio\"}", path, id);
        CHECK_STREQ(sample(text, want), "1");
}

static void test_health(void) {
        const uint64_t s = USEC_PER_SEC, t0 = 1000 * s;
        char buf[256];

        /* Just started, no scan yet: fine for three intervals. */
        CHECK(metrics_health_check(t0 + 5 * s, t0, 30 * s, 0, "starting", buf, sizeof(buf)));
        CHECK(strstr(buf, "ok: no complete scan yet"));
        CHECK(metrics_health_check(t0 + 90 * s, t0, 30 * s, 0, "starting", buf, sizeof(buf)));
        CHECK(!metrics_health_check(t0 + 90 * s + 1000, t0, 30 * s, 0, "degraded", buf, sizeof(buf)));
        CHECK(strstr(buf, "stale: no complete scan yet"));
        CHECK(strstr(buf, "state degraded"));
        /* The last scan 61 s ago with a 30 s interval: fine; 91 s: stale. */
        CHECK(metrics_health_check(t0 + 61 * s, t0, 30 * s, 12, "running", buf, sizeof(buf)));
        CHECK_STREQ(buf, "ok: scan 12 finished 61s ago (limit 90s), state running\n");
        CHECK(!metrics_health_check(t0 + 91 * s, t0, 30 * s, 12, "degraded", buf, sizeof(buf)));
        CHECK_STREQ(buf, "stale: scan 12 finished 91s ago (limit 90s), state degraded\n");
        /* A clock that did not move, and short intervals. */
        CHECK(metrics_health_check(t0, t0, 200 * USEC_PER_MSEC, 1, "running", buf, sizeof(buf)));
        CHECK(!metrics_health_check(t0 + 601 * USEC_PER_MSEC, t0, 200 * USEC_PER_MSEC, 1, "running", buf, sizeof(buf)));
}

int main(void) {
        test_escape();
        test_seconds();
        test_format();
        test_info();
        test_health();
        return 0;
}
