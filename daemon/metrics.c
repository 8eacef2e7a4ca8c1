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
        CGROUP_INFO,
        CGROUP_BYTES,
        CGROUP_IDLE_BYTES,
        CGROUP_WORKING_SET_BYTES,
        CGROUP_WORKING_SET_WINDOW_BYTES,
        CGROUP_IDLE_RATIO,
        /* Only where the backend keeps idle ages (cold_age_usec > 0). */
        CGROUP_COLD_BYTES,
        CGROUP_RECLAIMABLE_BYTES,
        CGROUP_PROMOTED_BYTES,
        CGROUP_PROMOTION_RATIO,
        CGROUP_SUGGESTED_LIMIT_BYTES,
        /* The kernel's figures: a sample only where the kernel gives one. */
        CGROUP_MEMORY_CURRENT_BYTES,
        CGROUP_MEMORY_HIGH_BYTES,
        CGROUP_MEMORY_MAX_BYTES,
        CGROUP_CADVISOR_WORKING_SET_BYTES,
        CGROUP_REFAULTS_PER_SECOND,
        CGROUP_PRESSURE_AVG10_RATIO,
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
        [CGROUP_INFO] = {
                "pageidled_cgroup_info",
                "Who the cgroup is, as far as its path says: systemd unit and slice, Kubernetes pod_uid, qos_class, "
                "container_id and container_runtime, machined machine, each label only where known; always 1.",
        },
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
        [CGROUP_WORKING_SET_WINDOW_BYTES] = {
                "pageidled_cgroup_working_set_window_bytes",
                "Memory of the cgroup accessed within each working-set window, labelled by its length in seconds.",
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
        [CGROUP_COLD_BYTES] = {
                "pageidled_cgroup_cold_bytes",
                "Memory of the cgroup not accessed for at least pageidled_cold_age_seconds, by type (anon, file).",
        },
        [CGROUP_RECLAIMABLE_BYTES] = {
                "pageidled_cgroup_reclaimable_bytes",
                "Advice, never acted on: the memory that could be reclaimed now, the cold memory.",
        },
        [CGROUP_PROMOTED_BYTES] = {
                "pageidled_cgroup_promoted_bytes",
                "Memory that was cold at the previous scan and was accessed during the last scan interval.",
        },
        [CGROUP_PROMOTION_RATIO] = {
                "pageidled_cgroup_promotion_ratio",
                "Promoted memory per minute divided by the working set, 0 when the working set is 0.",
        },
        [CGROUP_SUGGESTED_LIMIT_BYTES] = {
                "pageidled_cgroup_suggested_limit_bytes",
                "Advice, never acted on: a memory limit, the longest window's working set with a headroom that "
                "grows with promotion and refaults.",
        },
        [CGROUP_MEMORY_CURRENT_BYTES] = {
                "pageidled_cgroup_memory_current_bytes",
                "The kernel's memory.current of the cgroup (cgroup v1: memory.usage_in_bytes).",
        },
        [CGROUP_MEMORY_HIGH_BYTES] = {
                "pageidled_cgroup_memory_high_bytes",
                "The cgroup's memory.high; no sample where it is max or not there.",
        },
        [CGROUP_MEMORY_MAX_BYTES] = {
                "pageidled_cgroup_memory_max_bytes",
                "The cgroup's memory.max (cgroup v1: memory.limit_in_bytes); no sample where there is no limit.",
        },
        [CGROUP_CADVISOR_WORKING_SET_BYTES] = {
                "pageidled_cgroup_cadvisor_working_set_bytes",
                "For comparison, cAdvisor's working set: memory.current minus inactive_file, at least 0.",
        },
        [CGROUP_REFAULTS_PER_SECOND] = {
                "pageidled_cgroup_workingset_refaults_per_second",
                "Pages refaulted per second between the last two scans (memory.stat workingset_refault_anon, "
                "_file), by type.",
        },
        [CGROUP_PRESSURE_AVG10_RATIO] = {
                "pageidled_cgroup_memory_pressure_avg10_ratio",
                "memory.pressure avg10 as a ratio, by kind (some, full); no sample without PSI.",
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

/* name{cgroup="...",unit="...",...} 1: the labels the path gives, for
 * joining onto the other families with on(cgroup) group_left. */
static void put_cgroup_info(FILE *f, const char *name, const SnapshotCgroup *n) {
        fprintf(f, "%s{cgroup=\"", name);
        put_label_value(f, n->path);
        fputc('"', f);
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                if (n->labels.value[k]) {
                        fprintf(f, ",%s=\"", cgroup_label_to_string(k));
                        put_label_value(f, n->labels.value[k]);
                        fputc('"', f);
                }
        fputs("} 1\n", f);
}

/* A sample only where the figure is known: no sample rather than 0. */
static void put_cgroup_u64_if(FILE *f, const char *name, const SnapshotCgroup *n, bool known, uint64_t v) {
        if (!known)
                return;
        put_cgroup_sample(f, name, n, NULL, NULL);
        fprintf(f, "%" PRIu64 "\n", v);
}

static void put_cgroup_double_if(FILE *f, const char *name, const SnapshotCgroup *n, const char *label,
                                 const char *value, bool known, double v) {
        if (!known)
                return;
        put_cgroup_sample(f, name, n, label, value);
        put_double(f, v);
        fputc('\n', f);
}

static void put_cgroup_metric(FILE *f, CgroupMetric which, const SnapshotCgroup *n) {
        const char *name = cgroup_metrics[which].name;
        const Estimate *e = &n->estimate;
        char buf[64];

        switch (which) {
        case CGROUP_INFO:
                put_cgroup_info(f, name, n);
                break;
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
        case CGROUP_WORKING_SET_WINDOW_BYTES:
                for (unsigned i = 0; i < e->n_windows; i++) {
                        put_cgroup_sample(f, name, n, "window",
                                          metrics_format_seconds(buf, sizeof(buf), n->windows_usec[i]));
                        fprintf(f, "%" PRIu64 "\n", e->window_ws_bytes[i]);
                }
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
        case CGROUP_COLD_BYTES:
                put_cgroup_sample(f, name, n, "type", "anon");
                fprintf(f, "%" PRIu64 "\n", e->cold_anon_bytes);
                put_cgroup_sample(f, name, n, "type", "file");
                fprintf(f, "%" PRIu64 "\n", e->cold_file_bytes);
                break;
        case CGROUP_RECLAIMABLE_BYTES:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->cold_bytes);
                break;
        case CGROUP_PROMOTED_BYTES:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->promoted_bytes);
                break;
        case CGROUP_PROMOTION_RATIO:
                put_cgroup_sample(f, name, n, NULL, NULL);
                put_double(f, e->promotion_ratio);
                fputc('\n', f);
                break;
        case CGROUP_SUGGESTED_LIMIT_BYTES:
                put_cgroup_sample(f, name, n, NULL, NULL);
                fprintf(f, "%" PRIu64 "\n", e->suggested_limit_bytes);
                break;
        case CGROUP_MEMORY_CURRENT_BYTES:
                put_cgroup_u64_if(f, name, n, n->kernel.has_current, n->kernel.current_bytes);
                break;
        case CGROUP_MEMORY_HIGH_BYTES:
                put_cgroup_u64_if(f, name, n, n->kernel.has_high, n->kernel.high_bytes);
                break;
        case CGROUP_MEMORY_MAX_BYTES:
                put_cgroup_u64_if(f, name, n, n->kernel.has_max, n->kernel.max_bytes);
                break;
        case CGROUP_CADVISOR_WORKING_SET_BYTES:
                put_cgroup_u64_if(f, name, n, n->has_cadvisor_working_set, n->cadvisor_working_set_bytes);
                break;
        case CGROUP_REFAULTS_PER_SECOND:
                put_cgroup_double_if(f, name, n, "type", "anon", n->kernel.has_refault_anon_rate,
                                     n->kernel.refault_anon_per_second);
                put_cgroup_double_if(f, name, n, "type", "file", n->kernel.has_refault_file_rate,
                                     n->kernel.refault_file_per_second);
                break;
        case CGROUP_PRESSURE_AVG10_RATIO:
                put_cgroup_double_if(f, name, n, "kind", "some", n->kernel.has_pressure_some,
                                     n->kernel.pressure_some_avg10);
                put_cgroup_double_if(f, name, n, "kind", "full", n->kernel.has_pressure_full,
                                     n->kernel.pressure_full_avg10);
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
        if (s->cold_age_usec > 0)
                put_seconds_gauge(f, "pageidled_cold_age_seconds",
                                  "Memory idle at least this long counts as cold (whole scan intervals).",
                                  s->cold_age_usec);
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
                if (m >= CGROUP_COLD_BYTES && m <= CGROUP_SUGGESTED_LIMIT_BYTES && s->cold_age_usec == 0)
                        continue;
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
