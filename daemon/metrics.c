/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "estimate.h"
#include "metrics.h"
#include "util.h"

/* The states manager_state_to_string() knows, so that every one has a
 * series (0 or 1) and dashboards can select on it. */
static const char * const known_states[] = { "starting", "running", "degraded" };

static void put_label_value(FILE *f, const char *value) {
        const unsigned char *p = (const unsigned char *) value;

        while (*p) {
                size_t n = utf8_char_len((const char *) p);

                if (n == 0) {
                        fputs("\xef\xbf\xbd", f);
                        p++;
                        continue;
                }
                if (*p == '\\')
                        fputs("\\\\", f);
                else if (*p == '"')
                        fputs("\\\"", f);
                else if (*p == '\n')
                        fputs("\\n", f);
                else
                        fwrite(p, 1, n, f);
                p += n;
        }
}

static int close_memstream(FILE *f, char **buf, char **ret) {
        bool failed = ferror(f);

        if (fclose(f) != 0 || failed) {
                free(*buf);
                *buf = NULL;
                return -ENOMEM;
        }
        *ret = TAKE_PTR(*buf);
        return 0;
}

int metrics_escape_label_value(const char *value, char **ret) {
        char *buf = NULL;
        size_t size;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        put_label_value(f, value);
        return close_memstream(f, &buf, ret);
}

const char *metrics_format_seconds(char *buf, size_t size, uint64_t usec) {
        uint64_t frac = usec % USEC_PER_SEC;
        int len;

        len = snprintf(buf, size, "%" PRIu64, usec / USEC_PER_SEC);
        if (frac > 0 && len > 0 && (size_t) len < size) {
                char digits[8];
                int n = 6;

                snprintf(digits, sizeof(digits), "%06" PRIu64, frac);
                while (n > 0 && digits[n - 1] == '0')
                        n--;
                snprintf(buf + len, size - len, ".%.*s", n, digits);
        }
        return buf;
}

/* The shortest decimal that reads back as the same double. */
static void put_double(FILE *f, double v) {
        char buf[64];

        if (isnan(v)) {
                fputs("NaN", f);
                return;
        }
        if (isinf(v)) {
                fputs(v > 0 ? "+Inf" : "-Inf", f);
                return;
        }
        for (int precision = 15; precision <= 17; precision++) {
                snprintf(buf, sizeof(buf), "%.*g", precision, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        fputs(buf, f);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled gauge, in seconds. */
static void put_seconds_gauge(FILE *f, const char *name, const char *help, uint64_t usec) {
        char buf[64];

        put_family(f, name, "gauge", help);
        fprintf(f, "%s %s\n", name, metrics_format_seconds(buf, sizeof(buf), usec));
}

/* name{cgroup="..."[,extra]} value: the caller writes the value. */
static void put_cgroup_sample(FILE *f, const char *name, const SnapshotCgroup *n, const char *extra_label,
                              const char *extra_value) {
        fprintf(f, "%s{cgroup=\"", name);
        put_label_value(f, n->path);
        fputc('"', f);
        if (extra_label) {
                fprintf(f, ",%s=\"", extra_label);
                put_label_value(f, extra_value);
                fputc('"', f);
        }
        fputs("} ", f);
}

typedef enum CgroupMetric {
        CGROUP_BYTES,
        CGROUP_IDLE_BYTES,
        CGROUP_WORKING_SET_BYTES,
        CGROUP_IDLE_RATIO,
        CGROUP_SAMPLED_BYTES,
        CGROUP_IDLE_BYTES_STDERR,
        CGROUP_WORKING_SET_BYTES_STDERR,
        CGROUP_IDLE_AGE_BYTES,          /* last: its samples end the document */
        _CGROUP_METRIC_MAX,
} CgroupMetric;

static const struct {
        const char *name;
        const char *help;
} cgroup_metrics[_CGROUP_METRIC_MAX] = {
        [CGROUP_BYTES] = {
                "pageidled_cgroup_bytes",
                "Resident LRU memory of the cgroup and its descendants seen in the last scan, by type (anon, file).",
        },
        [CGROUP_IDLE_BYTES] = {
                "pageidled_cgroup_idle_bytes",
                "Of pageidled_cgroup_bytes, the memory not accessed during the last full scan interval, by type.",
        },
        [CGROUP_WORKING_SET_BYTES] = {
                "pageidled_cgroup_working_set_bytes",
                "Memory of the cgroup accessed within the working-set window (pageidled_working_set_window_seconds).",
        },
        [CGROUP_IDLE_RATIO] = {
                "pageidled_cgroup_idle_ratio",
                "Idle bytes divided by bytes, 0 when the cgroup has no memory.",
        },
        [CGROUP_IDLE_AGE_BYTES] = {
                "pageidled_cgroup_idle_age_bytes",
                "Memory of the cgroup by idle age: idle for at least idle_seconds and less than the next bucket's "
                "idle_seconds (log2 buckets of scan intervals; 0: accessed during the last interval).",
        },
        [CGROUP_SAMPLED_BYTES] = {
                "pageidled_cgroup_sampled_bytes",
                "Of pageidled_cgroup_bytes, the memory the last scan read (pageidled_sampling_ratio).",
        },
        [CGROUP_IDLE_BYTES_STDERR] = {
                "pageidled_cgroup_idle_bytes_stderr",
                "Standard error of pageidled_cgroup_idle_bytes, by type; 0 when every page was read.",
        },
        [CGROUP_WORKING_SET_BYTES_STDERR] = {
                "pageidled_cgroup_working_set_bytes_stderr",
                "Standard error of pageidled_cgroup_working_set_bytes; 0 when every page was read.",
        },
};

static void put_cgroup_metric(FILE *f, CgroupMetric which, const SnapshotCgroup *n) {
        const char *name = cgroup_metrics[which].name;
        const Estimate *e = &n->estimate;
        char buf[64];

        switch (which) {
        case CGROUP_BYTES:
                put_cgroup_sample(f, name, n, "type", "anon");
                fprintf(f, "%" PRIu64 "\n", e->anon_bytes);
                put_cgroup_sample(f, name, n, "type", "file");
                fprintf(f, "%" PRIu64 "\n", e->file_bytes);
                break;
        case CGROUP_IDLE_BYTES:
                put_cgroup_sample(f, name, n, "type", "anon");
                fprintf(f, "%" PRIu64 "\n", e->anon_idle_bytes);
                put_cgroup_sample(f, name, n, "type", "file");
                fprintf(f, "%" PRIu64 "\n", e->file_idle_bytes);
                break;
        case CGROUP_WORKING_SET_BYTES:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->working_set_bytes);
                break;
        case CGROUP_IDLE_RATIO:
                put_cgroup_sample(f, name, n, NULL, NULL);
                put_double(f, e->idle_ratio);
                fputc('\n', f);
                break;
        case CGROUP_IDLE_AGE_BYTES:
                for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                        put_cgroup_sample(f, name, n, "idle_seconds",
                                          metrics_format_seconds(buf, sizeof(buf), e->hist_lower_usec[i]));
                        fprintf(f, "%" PRIu64 "\n", e->hist_bytes[i]);
                }
                break;
        case CGROUP_SAMPLED_BYTES:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->sampled_bytes);
                break;
        case CGROUP_IDLE_BYTES_STDERR:
                put_cgroup_sample(f, name, n, "type", "anon");
                fprintf(f, "%" PRIu64 "\n", e->anon_idle_bytes_stderr);
                put_cgroup_sample(f, name, n, "type", "file");
                fprintf(f, "%" PRIu64 "\n", e->file_idle_bytes_stderr);
                break;
        case CGROUP_WORKING_SET_BYTES_STDERR:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->working_set_bytes_stderr);
                break;
        default:
                break;
        }
}

int metrics_format(const Snapshot *snapshot, char **ret) {
        const SnapshotInfo *s = &snapshot->info;
        size_t n_tracked = snapshot->n_cgroups;
        bool state_known = false;
        char *buf = NULL;
        size_t size;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        put_family(f, "pageidled_info", "gauge",
                   "Version of the daemon, its scanning backend and scan path, and the JSON schema version; always 1.");
        fputs("pageidled_info{version=\"", f);
        put_label_value(f, PACKAGE_VERSION);
        fputs("\",backend=\"", f);
        put_label_value(f, s->backend ?: "");
        fputs("\",scan_path=\"", f);
        put_label_value(f, s->scan_path ?: "");
        fprintf(f, "\",schema_version=\"%d\"} 1\n", JSON_SCHEMA_VERSION);

        put_family(f, "pageidled_state", "gauge",
                   "1 for the state the daemon is in (starting, running, degraded), 0 for the others.");
        for (size_t i = 0; i < ELEMENTSOF(known_states); i++) {
                bool on = s->state && strcmp(s->state, known_states[i]) == 0;

                fprintf(f, "pageidled_state{state=\"%s\"} %d\n", known_states[i], on);
                state_known = state_known || on;
        }
        if (s->state && !state_known) {
                fputs("pageidled_state{state=\"", f);
                put_label_value(f, s->state);
                fputs("\"} 1\n", f);
        }

        put_family(f, "pageidled_scans_total", "counter",
                   "Complete scans (measurements) since the daemon started.");
        fprintf(f, "pageidled_scans_total %" PRIu64 "\n", s->scan_count);

        put_seconds_gauge(f, "pageidled_scan_interval_seconds", "Time between scans.", s->interval_usec);
        put_seconds_gauge(f, "pageidled_working_set_window_seconds",
                          "Memory accessed within this window counts as working set (whole scan intervals).",
                          s->window_usec);
        put_seconds_gauge(f, "pageidled_last_scan_timestamp_seconds",
                          "When the last complete scan finished, in seconds since the epoch; 0 before the first.",
                          s->last_scan_timestamp_usec);
        put_seconds_gauge(f, "pageidled_last_scan_duration_seconds",
                          "Wall-clock time the last complete scan took.", s->last_scan_duration_usec);

        put_family(f, "pageidled_page_size_bytes", "gauge", "Size of a page, the unit of every measurement.");
        fprintf(f, "pageidled_page_size_bytes %" PRIu64 "\n", s->page_size);

        put_family(f, "pageidled_sampling_ratio", "gauge",
                   "Fraction of physical memory the last scan read (Sampling=): 1 for every page.");
        fputs("pageidled_sampling_ratio ", f);
        put_double(f, s->sampling);
        fputc('\n', f);

        put_family(f, "pageidled_tracked_cgroups", "gauge", "Number of cgroups tracked in the last scan.");
        fprintf(f, "pageidled_tracked_cgroups %zu\n", n_tracked);

        for (CgroupMetric m = 0; m < _CGROUP_METRIC_MAX; m++) {
                if (n_tracked == 0)
                        break;
                put_family(f, cgroup_metrics[m].name, "gauge", cgroup_metrics[m].help);
                for (size_t i = 0; i < n_tracked; i++)
                        put_cgroup_metric(f, m, &snapshot->cgroups[i]);
        }

        return close_memstream(f, &buf, ret);
}

bool metrics_health_check(uint64_t now_usec, uint64_t last_scan_usec, uint64_t interval_usec,
                          uint64_t scan_count, const char *state, char *buf, size_t size) {
        /* In whole milliseconds, which read better in the reason. */
        uint64_t age = now_usec > last_scan_usec ? (now_usec - last_scan_usec) / USEC_PER_MSEC * USEC_PER_MSEC : 0;
        uint64_t limit = HEALTH_MAX_INTERVALS * interval_usec;
        char a[32], b[32];
        bool ok = age <= limit;

        if (scan_count == 0)
                snprintf(buf, size, "%s: no complete scan yet, started %s ago (limit %s), state %s\n",
                         ok ? "ok" : "stale", format_duration(a, sizeof(a), age),
                         format_duration(b, sizeof(b), limit), state ?: "unknown");
        else
                snprintf(buf, size, "%s: scan %" PRIu64 " finished %s ago (limit %s), state %s\n",
                         ok ? "ok" : "stale", scan_count, format_duration(a, sizeof(a), age),
                         format_duration(b, sizeof(b), limit), state ?: "unknown");
        return ok;
}
