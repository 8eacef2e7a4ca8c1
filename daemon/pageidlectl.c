/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pageidlectl: asks the running pageidled over D-Bus (org.pageidled1(5)). */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <sys/ioctl.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bus-names.h"
#include "cgroup-labels.h"
#include "json.h"
#include "util.h"

#define HIST_MAX 32
/* ScanNow() answers when its pass is done: allow for a slow one. */
#define SCAN_TIMEOUT_USEC (10 * 60 * USEC_PER_SEC)

static bool arg_json = false;
static bool arg_legend = true;

#define WS_MAX 8

typedef struct ManagerInfo {
        char *version, *backend, *scan_path, *state, *state_detail;
        uint64_t interval_usec, window_usec, last_scan_timestamp_usec, last_scan_duration_usec, scan_count;
} ManagerInfo;

typedef struct CgroupInfo {
        char *path;
        char *object;
        char **labels;                          /* Labels: key, value, key, value, ... */
        uint64_t bytes, idle_bytes, working_set_bytes, working_set_measured_usec;
        uint64_t working_set_window_usec;       /* the manager's */
        uint64_t anon_bytes, anon_idle_bytes, file_bytes, file_idle_bytes;
        double idle_ratio;
        uint64_t last_scan_timestamp_usec;
        uint64_t hist_idle_usec[HIST_MAX], hist_bytes[HIST_MAX];
        size_t n_hist;
        uint64_t cold_age_usec;                 /* the manager's; 0: no cold figures (refs) */
        uint64_t cold_bytes, cold_anon_bytes, cold_file_bytes, reclaimable_bytes, promoted_bytes;
        uint64_t suggested_limit_bytes;
        double promotion_bytes_per_minute, promotion_ratio, headroom_ratio;
        uint64_t ws_window_usec[WS_MAX], ws_bytes[WS_MAX], ws_measured_usec[WS_MAX];
        size_t n_ws;
        /* The kernel's: UINT64_MAX and -1 where not known (or no limit). */
        uint64_t memory_current_bytes, memory_high_bytes, memory_max_bytes, cadvisor_working_set_bytes;
        double refault_anon_per_second, refault_file_per_second, pressure_some_avg10, pressure_full_avg10;
        /* Sampling=: 0 from a daemon that does not have them */
        uint64_t sampled_bytes, idle_bytes_stderr, working_set_bytes_stderr;
} CgroupInfo;

static void manager_info_done(ManagerInfo *i) {
        free(i->version);
        free(i->backend);
        free(i->scan_path);
        free(i->state);
        free(i->state_detail);
}

static void cgroup_info_done(CgroupInfo *c) {
        free(c->path);
        free(c->object);
        strv_free(c->labels);
}

/* "Failed to track /x: Cgroup /x is already tracked.", with a hint when
 * the daemon is not there. */
static int log_bus_error(int r, const sd_bus_error *e, const char *what) {
        errno = -r;
        if (e && sd_bus_error_is_set(e)) {
                fprintf(stderr, "Failed to %s: %s\n", what, e->message ?: e->name);
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "Is pageidled running? (systemctl start pageidled)\n");
                else if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
                        fprintf(stderr, "Only root may track, untrack and scan.\n");
        } else
                fprintf(stderr, "Failed to %s: %m\n", what);
        return r < 0 ? r : -EIO;
}

static int read_string(sd_bus_message *m, char **ret) {
        const char *s;
        int r;

        r = sd_bus_message_read(m, "v", "s", &s);
        if (r < 0)
                return r;
        free(*ret);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Enters a variant holding an array of ELEMENT ("(tt)", "{ss}", ...) and
 * the array in it; leave_variant_array() leaves both. */
static int enter_variant_array(sd_bus_message *m, const char *element) {
        char signature[16];
        int r;

        if ((size_t) snprintf(signature, sizeof(signature), "a%s", element) >= sizeof(signature))
                return -EINVAL;
        r = sd_bus_message_enter_container(m, 'v', signature);
        if (r < 0)
                return r;
        return sd_bus_message_enter_container(m, 'a', element);
}

static int leave_variant_array(sd_bus_message *m) {
        int r;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_histogram(sd_bus_message *m, CgroupInfo *c) {
        uint64_t lower, bytes;
        int r;

        r = enter_variant_array(m, "(tt)");
        if (r < 0)
                return r;
        c->n_hist = 0;
        while ((r = sd_bus_message_read(m, "(tt)", &lower, &bytes)) > 0)
                if (c->n_hist < HIST_MAX) {
                        c->hist_idle_usec[c->n_hist] = lower;
                        c->hist_bytes[c->n_hist++] = bytes;
                }
        if (r < 0)
                return r;
        return leave_variant_array(m);
}

static int read_working_sets(sd_bus_message *m, CgroupInfo *c) {
        uint64_t window, bytes, measured;
        int r;

        r = enter_variant_array(m, "(ttt)");
        if (r < 0)
                return r;
        c->n_ws = 0;
        while ((r = sd_bus_message_read(m, "(ttt)", &window, &bytes, &measured)) > 0)
                if (c->n_ws < WS_MAX) {
                        c->ws_window_usec[c->n_ws] = window;
                        c->ws_bytes[c->n_ws] = bytes;
                        c->ws_measured_usec[c->n_ws++] = measured;
                }
        if (r < 0)
                return r;
        return leave_variant_array(m);
}

static int read_labels(sd_bus_message *m, CgroupInfo *c) {
        const char *k, *v;
        int r;

        r = enter_variant_array(m, "{ss}");
        if (r < 0)
                return r;
        c->labels = strv_free(c->labels);
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0)
                if (strv_extend(&c->labels, k) < 0 || strv_extend(&c->labels, v) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        return leave_variant_array(m);
}

/* Reads an a{sv} of GetAll: each known name with the signature it must
 * have, into the field at its place; unknown ones are skipped, so a newer
 * daemon with more properties works. */
typedef struct Field {
        const char *name;
        char type;              /* 's', 't', 'd', 'h' for the histogram, 'w' for the working sets, 'l' labels */
        void *where;
} Field;

static int read_properties(sd_bus_message *m, const Field *fields, size_t n, void *obj) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;
                const Field *f = NULL;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        if (strcmp(fields[i].name, name) == 0)
                                f = &fields[i];
                if (!f)
                        r = sd_bus_message_skip(m, "v");
                else if (f->type == 's')
                        r = read_string(m, f->where);
                else if (f->type == 't')
                        r = sd_bus_message_read(m, "v", "t", f->where);
                else if (f->type == 'd')
                        r = sd_bus_message_read(m, "v", "d", f->where);
                else if (f->type == 'w')
                        r = read_working_sets(m, obj);
                else if (f->type == 'l')
                        r = read_labels(m, obj);
                else
                        r = read_histogram(m, obj);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int get_all(sd_bus *bus, const char *path, const char *iface, const Field *fields, size_t n, void *obj,
                   const char *what) {
        _cleanup_message_ sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply,
                               "s", iface);
        if (r < 0) {
                log_bus_error(r, &error, what);
                sd_bus_error_free(&error);
                return r;
        }
        r = read_properties(reply, fields, n, obj);
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "Failed to parse the reply to %s: %m\n", what);
        }
        return r;
}

static int get_manager(sd_bus *bus, ManagerInfo *i) {
        const Field fields[] = {
                { "Version", 's', &i->version },
                { "Backend", 's', &i->backend },
                { "ScanPath", 's', &i->scan_path },
                { "State", 's', &i->state },
                { "StateDetail", 's', &i->state_detail },
                { "ScanIntervalUSec", 't', &i->interval_usec },
                { "WorkingSetWindowUSec", 't', &i->window_usec },
                { "LastScanTimestamp", 't', &i->last_scan_timestamp_usec },
                { "LastScanDurationUSec", 't', &i->last_scan_duration_usec },
                { "ScanCount", 't', &i->scan_count },
        };

        return get_all(bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, fields, ELEMENTSOF(fields), i,
                       "get the daemon's status");
}

static int get_window(sd_bus *bus, uint64_t *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_trivial(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                        "WorkingSetWindowUSec", &error, 't', ret);
        if (r < 0) {
                log_bus_error(r, &error, "get the working-set window");
                sd_bus_error_free(&error);
        }
        return r;
}

static int get_cgroup(sd_bus *bus, const char *object, CgroupInfo *c) {
        const Field fields[] = {
                { "Path", 's', &c->path },
                { "Labels", 'l', NULL },
                { "Bytes", 't', &c->bytes },
                { "IdleBytes", 't', &c->idle_bytes },
                { "IdleRatio", 'd', &c->idle_ratio },
                { "WorkingSetBytes", 't', &c->working_set_bytes },
                { "WorkingSetMeasuredUSec", 't', &c->working_set_measured_usec },
                { "AnonBytes", 't', &c->anon_bytes },
                { "AnonIdleBytes", 't', &c->anon_idle_bytes },
                { "FileBytes", 't', &c->file_bytes },
                { "FileIdleBytes", 't', &c->file_idle_bytes },
                { "IdleAgeHistogram", 'h', NULL },
                { "LastScanTimestamp", 't', &c->last_scan_timestamp_usec },
                { "ColdBytes", 't', &c->cold_bytes },
                { "ColdAnonBytes", 't', &c->cold_anon_bytes },
                { "ColdFileBytes", 't', &c->cold_file_bytes },
                { "ReclaimableBytes", 't', &c->reclaimable_bytes },
                { "PromotedBytes", 't', &c->promoted_bytes },
                { "PromotionBytesPerMinute", 'd', &c->promotion_bytes_per_minute },
                { "PromotionRatio", 'd', &c->promotion_ratio },
                { "HeadroomRatio", 'd', &c->headroom_ratio },
                { "SuggestedLimitBytes", 't', &c->suggested_limit_bytes },
                { "WorkingSets", 'w', NULL },
                { "MemoryCurrentBytes", 't', &c->memory_current_bytes },
                { "MemoryHighBytes", 't', &c->memory_high_bytes },
                { "MemoryMaxBytes", 't', &c->memory_max_bytes },
                { "CadvisorWorkingSetBytes", 't', &c->cadvisor_working_set_bytes },
                { "WorkingsetRefaultAnonPerSecond", 'd', &c->refault_anon_per_second },
                { "WorkingsetRefaultFilePerSecond", 'd', &c->refault_file_per_second },
                { "MemoryPressureSomeAvg10Ratio", 'd', &c->pressure_some_avg10 },
                { "MemoryPressureFullAvg10Ratio", 'd', &c->pressure_full_avg10 },
                { "SampledBytes", 't', &c->sampled_bytes },
                { "IdleBytesStderr", 't', &c->idle_bytes_stderr },
                { "WorkingSetBytesStderr", 't', &c->working_set_bytes_stderr },
        };

        /* An older daemon without them: not known. */
        c->memory_current_bytes = c->memory_high_bytes = c->memory_max_bytes = c->cadvisor_working_set_bytes =
                UINT64_MAX;
        c->refault_anon_per_second = c->refault_file_per_second = c->pressure_some_avg10 = c->pressure_full_avg10 =
                -1.0;

        c->object = strdup(object);
        if (!c->object)
                return -ENOMEM;
        return get_all(bus, object, BUS_CGROUP_INTERFACE, fields, ELEMENTSOF(fields), c,
                       "get the cgroup's estimates");
}

static int get_cold_age(sd_bus *bus, uint64_t *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_trivial(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ColdAgeUSec",
                                        &error, 't', ret);
        if (r < 0) {
                log_bus_error(r, &error, "get the cold age");
                sd_bus_error_free(&error);
        }
        return r;
}

/* --- formatting ------------------------------------------------------- */

static const char *format_bytes(char *buf, size_t size, uint64_t bytes) {
        static const char units[] = "KMGTPE";
        double v = (double) bytes;
        int u = -1;

        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return buf;
        }
        while (v >= 1024.0 && u < (int) sizeof(units) - 2) {
                v /= 1024.0;
                u++;
        }
        snprintf(buf, size, "%.1f%c", v, units[u]);
        return buf;
}

/* A duration for people: its largest one or two units, e.g. "2min 30s", "250ms". */
static const char *format_span(char *buf, size_t size, uint64_t usec) {
        static const struct {
                const char *unit;
                uint64_t usec;
        } units[] = {
                { "d", 24 * 3600 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "s", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        size_t n = 0;
        unsigned parts = 0;

        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        buf[0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(units) && parts < 2 && n < size; i++) {
                uint64_t k = usec / units[i].usec;

                if (k == 0) {
                        if (parts > 0)
                                break;
                        continue;
                }
                n += snprintf(buf + n, size - n, "%s%" PRIu64 "%s", parts ? " " : "", k, units[i].unit);
                usec -= k * units[i].usec;
                parts++;
        }
        return buf;
}

static const char *format_timestamp(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "n/a");
        return buf;
}

static bool utf8_locale(void) {
        const char *c = nl_langinfo(CODESET);

        return c && (strcasecmp(c, "UTF-8") == 0 || strcasecmp(c, "utf8") == 0);
}

static unsigned columns(void) {
        struct winsize ws;
        const char *e = getenv("COLUMNS");
        long c;

        if (e && (c = strtol(e, NULL, 10)) > 0 && c < 10000)
                return (unsigned) c;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 80;
}

static const char *percent(char *buf, size_t size, double ratio) {
        snprintf(buf, size, "%.1f%%", ratio * 100.0);
        return buf;
}

/* --- JSON ------------------------------------------------------------- */

/* D-Bus has no null string: the daemon sends "" for none (a state with no
 * detail), and the JSON says null there, as pageidled's own document does. */
static int json_add_bus_str(json_object *o, const char *key, const char *v) {
        return json_add_str(o, key, v && *v ? v : NULL);
}

static int json_print(json_object *o) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!s)
                return -ENOMEM;
        puts(s);
        return 0;
}

/* Cold memory, promotion and the advice, as the document names them. */
static int cgroup_cold_to_json(json_object *o, const CgroupInfo *c) {
        bool k = c->cold_age_usec > 0;

        if (json_add_u64_or_null(o, "cold_age_usec", k, c->cold_age_usec) < 0 ||
            json_add_u64_or_null(o, "cold_bytes", k, c->cold_bytes) < 0 ||
            json_add_u64_or_null(o, "cold_anon_bytes", k, c->cold_anon_bytes) < 0 ||
            json_add_u64_or_null(o, "cold_file_bytes", k, c->cold_file_bytes) < 0 ||
            json_add_u64_or_null(o, "promoted_bytes", k, c->promoted_bytes) < 0 ||
            json_add_double_or_null(o, "promotion_bytes_per_minute", k, c->promotion_bytes_per_minute) < 0 ||
            json_add_double_or_null(o, "promotion_ratio", k, c->promotion_ratio) < 0 ||
            json_add_u64_or_null(o, "reclaimable_bytes", k, c->reclaimable_bytes) < 0 ||
            json_add_double_or_null(o, "headroom_ratio", k, c->headroom_ratio) < 0 ||
            json_add_u64_or_null(o, "suggested_limit_bytes", k, c->suggested_limit_bytes) < 0)
                return -ENOMEM;
        return 0;
}

/* The kernel's figures, null where the daemon sends UINT64_MAX or -1. */
static int cgroup_kernel_to_json(json_object *o, const CgroupInfo *c) {
        if (json_add_u64_or_null(o, "memory_current_bytes", c->memory_current_bytes != UINT64_MAX,
                               c->memory_current_bytes) < 0 ||
            json_add_u64_or_null(o, "memory_high_bytes", c->memory_high_bytes != UINT64_MAX, c->memory_high_bytes) < 0 ||
            json_add_u64_or_null(o, "memory_max_bytes", c->memory_max_bytes != UINT64_MAX, c->memory_max_bytes) < 0 ||
            json_add_u64_or_null(o, "cadvisor_working_set_bytes", c->cadvisor_working_set_bytes != UINT64_MAX,
                               c->cadvisor_working_set_bytes) < 0 ||
            json_add_double_or_null(o, "workingset_refault_anon_per_second", c->refault_anon_per_second >= 0,
                                  c->refault_anon_per_second) < 0 ||
            json_add_double_or_null(o, "workingset_refault_file_per_second", c->refault_file_per_second >= 0,
                                  c->refault_file_per_second) < 0 ||
            json_add_double_or_null(o, "memory_pressure_some_avg10_ratio", c->pressure_some_avg10 >= 0,
                                  c->pressure_some_avg10) < 0 ||
            json_add_double_or_null(o, "memory_pressure_full_avg10_ratio", c->pressure_full_avg10 >= 0,
                                  c->pressure_full_avg10) < 0)
                return -ENOMEM;
        return 0;
}

static int cgroup_working_sets_to_json(json_object *o, const CgroupInfo *c) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_ws; i++) {
                json_object *w = json_object_new_object();

                if (!w || json_add_u64(w, "window_usec", c->ws_window_usec[i]) < 0 ||
                    json_add_u64(w, "bytes", c->ws_bytes[i]) < 0 ||
                    json_add_u64(w, "measured_usec", c->ws_measured_usec[i]) < 0 || json_object_array_add(a, w) < 0) {
                        json_object_put(w);
                        return -ENOMEM;
                }
        }
        return json_add(o, "working_sets", TAKE_PTR(a));
}

/* The document's labels object: {} from a daemon that has none. */
static int cgroup_labels_to_json(json_object *o, const CgroupInfo *c) {
        _cleanup_json_ json_object *l = json_object_new_object();

        if (!l)
                return -ENOMEM;
        for (char **p = c->labels; p && p[0] && p[1]; p += 2)
                if (json_add_str(l, p[0], p[1]) < 0)
                        return -ENOMEM;
        return json_add(o, "labels", TAKE_PTR(l));
}

/* The fields and names of the JSON document's cgroup entries. */
static json_object *cgroup_to_json(const CgroupInfo *c) {
        _cleanup_json_ json_object *o = json_object_new_object(), *h = json_object_new_array();

        if (!o || !h)
                return NULL;
        if (json_add_bus_str(o, "path", c->path) < 0 || json_add_bus_str(o, "object", c->object) < 0 ||
            cgroup_labels_to_json(o, c) < 0 ||
            json_add_u64(o, "bytes", c->bytes) < 0 || json_add_u64(o, "idle_bytes", c->idle_bytes) < 0 ||
            json_add(o, "idle_ratio", json_object_new_double(c->idle_ratio)) < 0 ||
            json_add_u64(o, "working_set_bytes", c->working_set_bytes) < 0 ||
            json_add_u64(o, "working_set_measured_usec", c->working_set_measured_usec) < 0 ||
            json_add_u64(o, "working_set_window_usec", c->working_set_window_usec) < 0 ||
            json_add_u64(o, "anon_bytes", c->anon_bytes) < 0 ||
            json_add_u64(o, "anon_idle_bytes", c->anon_idle_bytes) < 0 ||
            json_add_u64(o, "file_bytes", c->file_bytes) < 0 ||
            json_add_u64(o, "file_idle_bytes", c->file_idle_bytes) < 0 ||
            json_add_u64(o, "last_scan_timestamp_usec", c->last_scan_timestamp_usec) < 0 ||
            json_add_u64(o, "sampled_bytes", c->sampled_bytes) < 0 ||
            json_add_u64(o, "idle_bytes_stderr", c->idle_bytes_stderr) < 0 ||
            json_add_u64(o, "working_set_bytes_stderr", c->working_set_bytes_stderr) < 0 ||
            cgroup_cold_to_json(o, c) < 0)
                return NULL;
        for (size_t i = 0; i < c->n_hist; i++) {
                json_object *b = json_object_new_object();

                if (!b || json_add_u64(b, "idle_usec", c->hist_idle_usec[i]) < 0 ||
                    json_add_u64(b, "bytes", c->hist_bytes[i]) < 0 || json_object_array_add(h, b) < 0) {
                        json_object_put(b);
                        return NULL;
                }
        }
        if (json_add(o, "idle_age_histogram", TAKE_PTR(h)) < 0)
                return NULL;
        if (cgroup_working_sets_to_json(o, c) < 0 || cgroup_kernel_to_json(o, c) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* --- verbs ------------------------------------------------------------ */

static int list_objects(sd_bus *bus, char ***ret) {
        _cleanup_message_ sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **l = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path, *object;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ListCgroups", &error,
                               &reply, NULL);
        if (r < 0) {
                log_bus_error(r, &error, "list the tracked cgroups");
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(so)");
        if (r < 0)
                return r;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while ((r = sd_bus_message_read(reply, "(so)", &path, &object)) > 0)
                if (strv_extend(&l, object) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static int verb_status(sd_bus *bus, char **args) {
        _cleanup_strv_free_ char **objects = NULL;
        ManagerInfo i = {};
        char a[64], b[64];
        int r;

        r = get_manager(bus, &i);
        if (r >= 0)
                r = list_objects(bus, &objects);
        if (r < 0)
                goto finish;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();

                r = -ENOMEM;
                if (!o || json_add_bus_str(o, "version", i.version) < 0 ||
                    json_add_bus_str(o, "backend", i.backend) < 0 ||
                    json_add_bus_str(o, "scan_path", i.scan_path) < 0 ||
                    json_add_bus_str(o, "state", i.state) < 0 ||
                    json_add_bus_str(o, "state_detail", i.state_detail) < 0 ||
                    json_add_u64(o, "scan_interval_usec", i.interval_usec) < 0 ||
                    json_add_u64(o, "working_set_window_usec", i.window_usec) < 0 ||
                    json_add_u64(o, "scan_count", i.scan_count) < 0 ||
                    json_add_u64(o, "last_scan_timestamp_usec", i.last_scan_timestamp_usec) < 0 ||
                    json_add_u64(o, "last_scan_duration_usec", i.last_scan_duration_usec) < 0 ||
                    json_add_u64(o, "tracked_cgroups", strv_length(objects)) < 0)
                        goto finish;
                r = json_print(o);
                goto finish;
        }
        printf("    Daemon: pageidled %s\n", i.version ?: "?");
        printf("   Backend: %s%s%s%s\n", i.backend ?: "?", i.scan_path && *i.scan_path ? " (scan path " : "",
               i.scan_path ?: "", i.scan_path && *i.scan_path ? ")" : "");
        printf("     State: %s%s%s%s\n", i.state ?: "?", i.state_detail && *i.state_detail ? " (" : "",
               i.state_detail ?: "", i.state_detail && *i.state_detail ? ")" : "");
        printf("  Interval: %s\n", format_span(a, sizeof(a), i.interval_usec));
        printf("    Window: %s (working set)\n", format_span(a, sizeof(a), i.window_usec));
        if (i.scan_count > 0)
                printf(" Last scan: %s, took %s (scan %" PRIu64 ")\n",
                       format_timestamp(a, sizeof(a), i.last_scan_timestamp_usec),
                       format_span(b, sizeof(b), i.last_scan_duration_usec), i.scan_count);
        else
                printf(" Last scan: none yet\n");
        printf("   Cgroups: %zu tracked\n", strv_length(objects));
        r = 0;
finish:
        manager_info_done(&i);
        return r;
}

static int cgroup_info_compare(const void *a, const void *b) {
        const CgroupInfo *x = a, *y = b;

        return strcmp(x->path ?: "", y->path ?: "");
}

static int verb_list(sd_bus *bus, char **args) {
        _cleanup_strv_free_ char **objects = NULL;
        _cleanup_json_ json_object *array = NULL;
        CgroupInfo *infos = NULL;
        uint64_t window = 0, cold_age = 0;
        size_t n, width = strlen("CGROUP");
        int r;

        r = list_objects(bus, &objects);
        if (r < 0)
                return r;
        n = strv_length(objects);
        infos = calloc(n ?: 1, sizeof(CgroupInfo));
        if (!infos)
                return -ENOMEM;
        r = n > 0 ? get_window(bus, &window) : 0;
        if (r >= 0 && n > 0)
                r = get_cold_age(bus, &cold_age);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n; i++) {
                r = get_cgroup(bus, objects[i], &infos[i]);
                if (r < 0)
                        goto finish;
                infos[i].working_set_window_usec = window;
                infos[i].cold_age_usec = cold_age;
                if (infos[i].path && strlen(infos[i].path) > width)
                        width = strlen(infos[i].path);
        }
        qsort(infos, n, sizeof(CgroupInfo), cgroup_info_compare);

        if (arg_json) {
                r = -ENOMEM;
                array = json_object_new_array();
                if (!array)
                        goto finish;
                for (size_t i = 0; i < n; i++) {
                        json_object *o = cgroup_to_json(&infos[i]);

                        if (!o || json_object_array_add(array, o) < 0) {
                                json_object_put(o);
                                goto finish;
                        }
                }
                r = json_print(array);
                goto finish;
        }
        if (arg_legend)
                printf("%-*s %9s %9s %7s %11s\n", (int) width, "CGROUP", "BYTES", "IDLE", "IDLE%", "WORKING SET");
        for (size_t i = 0; i < n; i++) {
                char a[32], b[32], c[32], d[32];

                /* "*": over less than the whole window so far (see show). */
                printf("%-*s %9s %9s %7s %10s%s\n", (int) width, infos[i].path ?: "?",
                       format_bytes(a, sizeof(a), infos[i].bytes), format_bytes(b, sizeof(b), infos[i].idle_bytes),
                       infos[i].last_scan_timestamp_usec ? percent(c, sizeof(c), infos[i].idle_ratio) : "-",
                       format_bytes(d, sizeof(d), infos[i].working_set_bytes),
                       infos[i].working_set_measured_usec < window ? "*" : " ");
        }
        if (arg_legend) {
                bool partial = false;

                for (size_t i = 0; i < n; i++)
                        partial = partial || infos[i].working_set_measured_usec < window;
                if (partial)
                        printf("\n* measured over less than the working-set window so far.");
                printf("\n%zu cgroups listed.\n", n);
        }
        r = 0;
finish:
        for (size_t i = 0; i < n; i++)
                cgroup_info_done(&infos[i]);
        free(infos);
        return r;
}

/* Only checked here what cannot even be sent: the daemon checks the rest. */
static int check_path(const char *path, const char *verb) {
        if (!utf8_is_valid(path)) {
                fprintf(stderr, "Failed to %s the cgroup: the path is not valid UTF-8.\n", verb);
                return -EINVAL;
        }
        return 0;
}

static int call_path(sd_bus *bus, const char *method, const char *path, const char *what, char **ret_object) {
        _cleanup_message_ sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *object;
        char buf[PATH_MAX + 64];
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, method, &error, &reply,
                               "s", path);
        if (r < 0) {
                snprintf(buf, sizeof(buf), "%s %s", what, strlen(path) < PATH_MAX ? path : "the cgroup");
                log_bus_error(r, &error, buf);
                sd_bus_error_free(&error);
                return r;
        }
        if (!ret_object)
                return 0;
        r = sd_bus_message_read(reply, "o", &object);
        if (r < 0)
                return r;
        *ret_object = strdup(object);
        return *ret_object ? 0 : -ENOMEM;
}

static void histogram_print(const CgroupInfo *c) {
        bool utf8 = utf8_locale();
        unsigned cols = columns(), bar_max;
        uint64_t max = 0;

        for (size_t i = 0; i < c->n_hist; i++)
                max = MAX(max, c->hist_bytes[i]);
        /* label (12) + space + bar + space + size (9) */
        bar_max = cols > 12 + 1 + 1 + 9 + 10 ? cols - (12 + 1 + 1 + 9) - 1 : 10;
        bar_max = MIN(bar_max, 60u);

        printf("Idle for       Bytes\n");
        for (size_t i = 0; i < c->n_hist; i++) {
                char label[32], span[32], size[32];
                unsigned eighths = max ? (unsigned) ((c->hist_bytes[i] * bar_max * 8 + max / 2) / max) : 0;

                if (c->hist_idle_usec[i] == 0)
                        snprintf(label, sizeof(label), "in use");
                else
                        snprintf(label, sizeof(label), "%s%s", utf8 ? "\u2265 " : ">= ",
                                 format_span(span, sizeof(span), c->hist_idle_usec[i]));
                /* "≥" is one column but three bytes. */
                printf("%*s ", utf8 && c->hist_idle_usec[i] ? 14 : 12, label);
                if (utf8) {
                        static const char * const partial[8] = {
                                "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589",
                        };

                        for (unsigned k = 0; k < eighths / 8; k++)
                                fputs("\u2588", stdout);
                        fputs(partial[eighths % 8], stdout);
                        if (eighths == 0 && c->hist_bytes[i] > 0)
                                fputs("\u258f", stdout);
                } else {
                        for (unsigned k = 0; k < (eighths + 4) / 8; k++)
                                putchar('#');
                        if ((eighths + 4) / 8 == 0 && c->hist_bytes[i] > 0)
                                putchar('.');
                }
                printf(" %s\n", format_bytes(size, sizeof(size), c->hist_bytes[i]));
        }
}

/* Who the cgroup is, a line per label, under the headings of the other
 * lines as cgroup-labels.c names them; a key this version does not know
 * under its own name. */
static void labels_print(const CgroupInfo *c) {
        for (char **p = c->labels; p && p[0] && p[1]; p += 2) {
                const char *h = cgroup_label_heading(cgroup_label_from_string(p[0]));

                printf("%13s: %s\n", h ?: p[0], p[1]);
        }
}

static int verb_show(sd_bus *bus, char **args) {
        _cleanup_free_ char *object = NULL;
        CgroupInfo c = {};
        char a[32], b[32], d[64];
        int r;

        r = check_path(args[0], "show");
        if (r < 0)
                return r;
        r = call_path(bus, "GetCgroup", args[0], "show", &object);
        if (r < 0)
                return r;
        r = get_cgroup(bus, object, &c);
        if (r >= 0)
                r = get_window(bus, &c.working_set_window_usec);
        if (r >= 0)
                r = get_cold_age(bus, &c.cold_age_usec);
        if (r < 0)
                goto finish;
        if (arg_json) {
                _cleanup_json_ json_object *o = cgroup_to_json(&c);

                r = o ? json_print(o) : -ENOMEM;
                goto finish;
        }
        printf("%s\n", c.path);
        labels_print(&c);
        printf("        Bytes: %s (anon %s, file %s)\n", format_bytes(a, sizeof(a), c.bytes),
               format_bytes(b, sizeof(b), c.anon_bytes), format_bytes(d, sizeof(d), c.file_bytes));
        /* A sampled scan: what it read, and each estimate's 95% interval. */
        if (c.sampled_bytes > 0 && c.sampled_bytes < c.bytes)
                printf("      Sampled: %s read\n", format_bytes(a, sizeof(a), c.sampled_bytes));
        printf("   Idle bytes: %s", format_bytes(a, sizeof(a), c.idle_bytes));
        if (c.idle_bytes_stderr > 0)
                printf(" %s %s", utf8_locale() ? "\u00b1" : "+-",
                       format_bytes(a, sizeof(a), (uint64_t) (1.96 * (double) c.idle_bytes_stderr)));
        printf(", %s (anon %s, ", percent(b, sizeof(b), c.idle_ratio), format_bytes(d, sizeof(d), c.anon_idle_bytes));
        printf("file %s)\n", format_bytes(a, sizeof(a), c.file_idle_bytes));
        /* Which window the figure covers, and whether it is all of it. */
        printf("  Working set: %s", format_bytes(a, sizeof(a), c.working_set_bytes));
        if (c.working_set_bytes_stderr > 0)
                printf(" %s %s", utf8_locale() ? "\u00b1" : "+-",
                       format_bytes(a, sizeof(a), (uint64_t) (1.96 * (double) c.working_set_bytes_stderr)));
        if (c.working_set_measured_usec >= c.working_set_window_usec)
                printf(", used within %s\n", format_span(b, sizeof(b), c.working_set_window_usec));
        else if (c.working_set_measured_usec > 0)
                printf(", used within the last %s: measured over %s of %s so far\n",
                       format_span(b, sizeof(b), c.working_set_measured_usec), b,
                       format_span(d, sizeof(d), c.working_set_window_usec));
        else
                printf(", not measured yet (window %s)\n", format_span(d, sizeof(d), c.working_set_window_usec));
        for (size_t k = 1; k < c.n_ws; k++) {
                printf("  Working set: %s", format_bytes(a, sizeof(a), c.ws_bytes[k]));
                if (c.ws_measured_usec[k] >= c.ws_window_usec[k])
                        printf(", used within %s\n", format_span(b, sizeof(b), c.ws_window_usec[k]));
                else
                        printf(", used within the last %s: measured over %s of %s so far\n",
                               format_span(b, sizeof(b), c.ws_measured_usec[k]), b,
                               format_span(d, sizeof(d), c.ws_window_usec[k]));
        }
        if (c.cold_age_usec > 0) {
                printf("         Cold: %s", format_bytes(a, sizeof(a), c.cold_bytes));
                printf(" (anon %s, ", format_bytes(b, sizeof(b), c.cold_anon_bytes));
                printf("file %s), idle for %s or more\n", format_bytes(a, sizeof(a), c.cold_file_bytes),
                       format_span(d, sizeof(d), c.cold_age_usec));
                printf("     Promoted: %s/min", format_bytes(a, sizeof(a), (uint64_t) c.promotion_bytes_per_minute));
                printf(", %s of the working set a minute\n", percent(b, sizeof(b), c.promotion_ratio));
                printf("   Suggestion: limit %s", format_bytes(a, sizeof(a), c.suggested_limit_bytes));
                printf(" (working set + %s), reclaimable now %s\n", percent(b, sizeof(b), c.headroom_ratio),
                       format_bytes(d, sizeof(d), c.reclaimable_bytes));
        } else
                printf("         Cold: not measured (no idle ages with this backend)\n");
        if (c.last_scan_timestamp_usec)
                printf("    Last scan: %s\n\n", format_timestamp(d, sizeof(d), c.last_scan_timestamp_usec));
        else
                printf("    Last scan: not scanned yet\n\n");
        histogram_print(&c);
        r = 0;
finish:
        cgroup_info_done(&c);
        return r;
}

/* Element i of the array @key of a history cgroup entry; NULL (which
 * json-c reads as 0) where the daemon sent none. */
static json_object *history_at(json_object *cg, const char *key, size_t i) {
        json_object *a;

        if (!json_object_object_get_ex(cg, key, &a) || !json_object_is_type(a, json_type_array))
                return NULL;
        return json_object_array_get_idx(a, i);
}

/* The kept scans of one cgroup, oldest first: the document GetHistory
 * returns as it is with --json, else a row per scan. */
static int verb_history(sd_bus *bus, char **args) {
        _cleanup_message_ sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *doc = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        json_object *cgroups, *cg, *times;
        const char *text;
        size_t n;
        int r;

        r = check_path(args[0], "show the history of");
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "GetHistory", &error, &reply,
                               "st", args[0], UINT64_C(0));
        if (r < 0) {
                char what[PATH_MAX + 32];

                snprintf(what, sizeof(what), "show the history of %s",
                         strlen(args[0]) < PATH_MAX ? args[0] : "the cgroup");
                log_bus_error(r, &error, what);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return r;
        if (arg_json) {
                puts(text);
                return 0;
        }
        doc = json_tokener_parse(text);
        if (!doc || !json_object_object_get_ex(doc, "cgroups", &cgroups) ||
            json_object_array_length(cgroups) != 1 || !(cg = json_object_array_get_idx(cgroups, 0)) ||
            !json_object_object_get_ex(cg, "timestamp_usec", &times)) {
                fprintf(stderr, "Failed to show the history of %s: the daemon's answer is not a history document.\n",
                        args[0]);
                return -EBADMSG;
        }
        n = json_object_array_length(times);
        if (arg_legend)
                printf("%-30s %6s %10s %12s %6s\n", "SCAN ENDED", "SCAN", "BYTES", "WORKING SET", "IDLE");
        for (size_t i = 0; i < n; i++) {
                char t[64], a[32], b[32], c[32];

                printf("%-30s %6" PRIu64 " %10s %12s %6s\n",
                       format_timestamp(t, sizeof(t), json_object_get_uint64(history_at(cg, "timestamp_usec", i))),
                       json_object_get_uint64(history_at(cg, "scan_count", i)),
                       format_bytes(a, sizeof(a), json_object_get_uint64(history_at(cg, "bytes", i))),
                       format_bytes(b, sizeof(b), json_object_get_uint64(history_at(cg, "working_set_bytes", i))),
                       percent(c, sizeof(c), json_object_get_double(history_at(cg, "idle_ratio", i))));
        }
        if (arg_legend)
                printf("\n%zu scans kept of %s.\n", n, args[0]);
        return 0;
}

static int verb_track(sd_bus *bus, char **args) {
        _cleanup_free_ char *object = NULL;
        int r;

        r = check_path(args[0], "track");
        if (r < 0)
                return r;
        r = call_path(bus, "Track", args[0], "track", &object);
        if (r < 0)
                return r;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();

                if (!o || json_add_bus_str(o, "path", args[0]) < 0 || json_add_bus_str(o, "object", object) < 0)
                        return -ENOMEM;
                return json_print(o);
        }
        printf("Tracking %s from the next scan on (%s).\n", args[0], object);
        return 0;
}

static int verb_untrack(sd_bus *bus, char **args) {
        int r;

        r = check_path(args[0], "untrack");
        if (r < 0)
                return r;
        r = call_path(bus, "Untrack", args[0], "untrack", NULL);
        if (r < 0)
                return r;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();

                if (!o || json_add_bus_str(o, "path", args[0]) < 0)
                        return -ENOMEM;
                return json_print(o);
        }
        printf("No longer tracking %s.\n", args[0]);
        return 0;
}

static int verb_scan(sd_bus *bus, char **args) {
        _cleanup_message_ sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        ManagerInfo i = {};
        char a[32];
        int r;

        r = sd_bus_message_new_method_call(bus, &call, BUS_NAME, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow");
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, SCAN_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                log_bus_error(r, &error, "scan");
                sd_bus_error_free(&error);
                return r;
        }
        r = get_manager(bus, &i);
        if (r < 0)
                goto finish;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();

                r = -ENOMEM;
                if (!o || json_add_bus_str(o, "state", i.state) < 0 ||
                    json_add_u64(o, "scan_count", i.scan_count) < 0 ||
                    json_add_u64(o, "last_scan_duration_usec", i.last_scan_duration_usec) < 0)
                        goto finish;
                r = json_print(o);
                goto finish;
        }
        if (i.scan_count > 0)
                printf("Scan %" PRIu64 " done in %s.\n", i.scan_count,
                       format_span(a, sizeof(a), i.last_scan_duration_usec));
        else
                printf("Scan done; the first estimates come with the next one (state: %s).\n", i.state ?: "?");
        r = 0;
finish:
        manager_info_done(&i);
        return r;
}

/* What could be saved first; then by path. */
static int cgroup_info_compare_saved(const void *a, const void *b) {
        const CgroupInfo *x = a, *y = b;

        if (x->reclaimable_bytes != y->reclaimable_bytes)
                return x->reclaimable_bytes < y->reclaimable_bytes ? 1 : -1;
        return cgroup_info_compare(a, b);
}

static const char *format_mib(char *buf, size_t size, uint64_t bytes) {
        snprintf(buf, size, "%.1f MiB", (double) bytes / (1024.0 * 1024.0));
        return buf;
}

static bool strv_has(char **l, const char *s) {
        for (; l && *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

/* advise [CGROUP...]: the cold memory one could reclaim and the limit the
 * estimates suggest, most to save first; the daemon applies none of it. */
static int verb_advise(sd_bus *bus, char **args) {
        _cleanup_strv_free_ char **objects = NULL;
        _cleanup_json_ json_object *array = NULL;
        CgroupInfo *infos = NULL;
        uint64_t cold_age = 0;
        size_t n, m = 0, width = strlen("CGROUP");
        int r;

        for (char **a = args; a && *a; a++) {
                r = check_path(*a, "advise on");
                if (r < 0)
                        return r;
        }
        r = list_objects(bus, &objects);
        if (r < 0)
                return r;
        n = strv_length(objects);
        infos = calloc(n ?: 1, sizeof(CgroupInfo));
        if (!infos)
                return -ENOMEM;
        r = n > 0 ? get_cold_age(bus, &cold_age) : 0;
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < n; i++) {
                r = get_cgroup(bus, objects[i], &infos[m]);
                if (r < 0) {
                        m++;
                        goto finish;
                }
                infos[m].cold_age_usec = cold_age;
                if (args && *args && !strv_has(args, infos[m].path ?: "")) {
                        cgroup_info_done(&infos[m]);
                        infos[m] = (CgroupInfo) {};
                        continue;
                }
                if (infos[m].path && strlen(infos[m].path) > width)
                        width = strlen(infos[m].path);
                m++;
        }
        for (char **a = args; a && *a; a++) {
                bool found = false;

                for (size_t i = 0; i < m && !found; i++)
                        found = infos[i].path && strcmp(infos[i].path, *a) == 0;
                if (!found) {
                        fprintf(stderr, "Failed to advise on %s: the cgroup is not tracked.\n", *a);
                        r = -ENOENT;
                        goto finish;
                }
        }
        qsort(infos, m, sizeof(CgroupInfo), cgroup_info_compare_saved);

        if (arg_json) {
                r = -ENOMEM;
                array = json_object_new_array();
                if (!array)
                        goto finish;
                for (size_t i = 0; i < m; i++) {
                        json_object *o = json_object_new_object();

                        if (!o || json_add_bus_str(o, "path", infos[i].path) < 0 ||
                            cgroup_labels_to_json(o, &infos[i]) < 0 ||
                            json_add_u64(o, "bytes", infos[i].bytes) < 0 ||
                            json_add_u64(o, "working_set_bytes", infos[i].working_set_bytes) < 0 ||
                            cgroup_cold_to_json(o, &infos[i]) < 0 || cgroup_working_sets_to_json(o, &infos[i]) < 0 ||
                            cgroup_kernel_to_json(o, &infos[i]) < 0 || json_object_array_add(array, o) < 0) {
                                json_object_put(o);
                                goto finish;
                        }
                }
                r = json_print(array);
                goto finish;
        }
        if (arg_legend)
                printf("%-*s %12s %12s %12s %12s %6s %13s %9s %12s\n", (int) width, "CGROUP", "BYTES", "WORKING SET",
                       "CADVISOR WS", "RECLAIMABLE", "COLD%", "PROMOTED", "PROMOTED%", "LIMIT");
        for (size_t i = 0; i < m; i++) {
                const CgroupInfo *c = &infos[i];
                char a[32], b[32], d[32], e[32], f[48], g[32], h[32], k[32];

                /* cAdvisor's figure, where the kernel gives what it needs. */
                if (c->cadvisor_working_set_bytes != UINT64_MAX)
                        format_mib(k, sizeof(k), c->cadvisor_working_set_bytes);
                else
                        snprintf(k, sizeof(k), "-");
                if (cold_age == 0) {
                        printf("%-*s %12s %12s %12s %12s %6s %13s %9s %12s\n", (int) width, c->path ?: "?",
                               format_mib(a, sizeof(a), c->bytes), format_mib(b, sizeof(b), c->working_set_bytes), k,
                               "-", "-", "-", "-", "-");
                        continue;
                }
                snprintf(f, sizeof(f), "%s/min", format_mib(g, sizeof(g), (uint64_t) c->promotion_bytes_per_minute));
                printf("%-*s %12s %12s %12s %12s %6s %13s %9s %12s\n", (int) width, c->path ?: "?",
                       format_mib(a, sizeof(a), c->bytes), format_mib(b, sizeof(b), c->working_set_bytes), k,
                       format_mib(d, sizeof(d), c->reclaimable_bytes),
                       percent(e, sizeof(e), c->bytes > 0 ? (double) c->cold_bytes / (double) c->bytes : 0.0), f,
                       percent(h, sizeof(h), c->promotion_ratio), format_mib(g, sizeof(g), c->suggested_limit_bytes));
        }
        if (arg_legend) {
                char a[32];

                if (cold_age > 0)
                        printf("\nCADVISOR WS: usage minus inactive page cache, as cAdvisor counts it;\n"
                               "RECLAIMABLE: idle for %s or more; PROMOTED%%: of the working set a minute;\n"
                               "LIMIT: working set plus headroom, 4 MiB and 5%% of BYTES at least, see pageidled(8).\n"
                               "Nothing is applied.\n",
                               format_span(a, sizeof(a), cold_age));
                else
                        printf("\nNo idle ages with this backend: no cold memory or limit to suggest.\n");
                printf("%zu cgroups listed.\n", m);
        }
        r = 0;
finish:
        for (size_t i = 0; i < m; i++)
                cgroup_info_done(&infos[i]);
        free(infos);
        return r;
}

static const struct {
        const char *name;
        unsigned args;
        bool more;              /* takes any number of arguments beyond args */
        int (*run)(sd_bus *bus, char **args);
} verbs[] = {
        { "status", 0, false, verb_status },
        { "list", 0, false, verb_list },
        { "show", 1, false, verb_show },
        { "history", 1, false, verb_history },
        { "track", 1, false, verb_track },
        { "untrack", 1, false, verb_untrack },
        { "scan", 0, false, verb_scan },
        { "advise", 0, true, verb_advise },
};

static void help(void) {
        printf("pageidlectl [OPTIONS...] COMMAND ...\n\n"
               "Ask pageidled how much of each cgroup's memory is in use.\n\n"
               "Commands:\n"
               "  status             Show the daemon's state and its last scan (default)\n"
               "  list               List the tracked cgroups with their estimates\n"
               "  show CGROUP        Show a cgroup's estimates and idle-age histogram\n"
               "  history CGROUP     Show a cgroup's estimates over the kept scans\n"
               "  track CGROUP       Track a cgroup from the next scan on (root)\n"
               "  untrack CGROUP     Stop tracking a cgroup (root)\n"
               "  scan               Scan now and wait until the scan is done (root)\n"
               "  advise [CGROUP...] Suggest limits and what could be reclaimed, most first\n\n"
               "Options:\n"
               "  -h --help          Show this help and exit\n"
               "     --version       Show the version and exit\n"
               "     --json          Print JSON instead of text\n"
               "     --no-legend     Leave out the column headings and the footer of list\n"
               "                     and history\n\n"
               "CGROUP is a path from the cgroup root, e.g. /system.slice/foo.service.\n"
               "See pageidlectl(1).\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_NO_LEGEND,
};

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("pageidlectl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                default:
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *verb;
        unsigned n_args;
        int r;

        setlocale(LC_ALL, "");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        verb = optind < argc ? argv[optind] : "status";
        n_args = optind < argc ? (unsigned) (argc - optind - 1) : 0;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (strcmp(verbs[i].name, verb) != 0)
                        continue;
                if (n_args < verbs[i].args) {
                        fprintf(stderr, "Too few arguments: %s takes %s.\n", verb, "a CGROUP");
                        return EXIT_FAILURE;
                }
                if (n_args > verbs[i].args && !verbs[i].more) {
                        fprintf(stderr, "Too many arguments for %s; see --help.\n", verb);
                        return EXIT_FAILURE;
                }
                r = sd_bus_default_system(&bus);
                if (r < 0) {
                        errno = -r;
                        fprintf(stderr, "Failed to connect to the system bus: %m\n");
                        return EXIT_FAILURE;
                }
                r = verbs[i].run(bus, optind < argc ? argv + optind + 1 : argv + argc);
                if (r == -ENOMEM)
                        fprintf(stderr, "Out of memory.\n");
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        fprintf(stderr, "Unknown command verb %s; see --help.\n", verb);
        return EXIT_FAILURE;
}
