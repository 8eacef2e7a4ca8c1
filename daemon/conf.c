/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <arpa/inet.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "sample.h"
#include "conf.h"
#include "estimate.h"

_Static_assert(CONFIG_WINDOWS_MAX == WS_WINDOWS_MAX, "one bound for the windows");
#include "util.h"

static const char * const backend_table[_BACKEND_MAX] = {
        [BACKEND_AUTO] = "auto",
        [BACKEND_PAGE_IDLE] = "page_idle",
        [BACKEND_REFS] = "refs",
};

const char *backend_to_string(Backend b) {
        return b >= 0 && b < _BACKEND_MAX ? backend_table[b] : NULL;
}

Backend backend_from_string(const char *s) {
        for (Backend b = 0; b < _BACKEND_MAX; b++)
                if (strcmp(s, backend_table[b]) == 0)
                        return b;
        return _BACKEND_INVALID;
}

static const char * const scan_path_table[_SCAN_PATH_MAX] = {
        [SCAN_PATH_AUTO] = "auto",
        [SCAN_PATH_MODULE] = "module",
        [SCAN_PATH_KPAGEFLAGS] = "kpageflags",
};

const char *scan_path_to_string(ScanPath p) {
        return p >= 0 && p < _SCAN_PATH_MAX ? scan_path_table[p] : NULL;
}

ScanPath scan_path_from_string(const char *s) {
        for (ScanPath p = 0; p < _SCAN_PATH_MAX; p++)
                if (strcmp(s, scan_path_table[p]) == 0)
                        return p;
        return _SCAN_PATH_INVALID;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        strv_free(c->cgroups);
        free(c->cgroup_root);
        free(c->json_file);
        free(c->user);
        free(c->http_address);
        free(c);
        return NULL;
}

int config_new_default(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (Config) {
                .interval_usec = 30 * USEC_PER_SEC,
                .window_usec = 120 * USEC_PER_SEC,
                .cpu_budget_percent = 5,
                .backend = BACKEND_AUTO,
                .http_enable = true,
                .http_port = HTTP_DEFAULT_PORT,
                .history.scans = 120,
        };
        c->json_file = strdup("/run/pageidled/stats.json");
        c->user = strdup("pageidled");
        c->http_address = strdup(HTTP_DEFAULT_ADDRESS);
        if (!c->json_file || !c->user || !c->http_address)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_default_cgroups(Config *c) {
        /* Track= lines replace the default rather than add to it. */
        if (strv_length(c->cgroups) > 0)
                return 0;
        return strv_extend(&c->cgroups, "/*");
}

static unsigned window_intervals(uint64_t window_usec, uint64_t interval_usec) {
        uint64_t n = DIV_ROUND_UP(window_usec, interval_usec);

        return (unsigned) MIN(MAX(n, 1), CONFIG_WINDOW_MAX_INTERVALS);
}

unsigned config_window_intervals(const Config *c) {
        return window_intervals(c->window_usec, c->interval_usec);
}

unsigned config_windows_intervals(const Config *c, unsigned *ret) {
        unsigned n = MAX(c->windows.n, 1u);

        for (unsigned i = 0; i < n; i++)
                ret[i] = window_intervals(c->windows.usec[i], c->interval_usec);
        return n;
}

uint64_t config_cold_intervals(const Config *c) {
        uint64_t n = DIV_ROUND_UP(c->cold_age_usec ?: CONFIG_COLD_AGE_DEFAULT_USEC, c->interval_usec);

        /* The default fits any interval; a ColdAge= given does or is refused. */
        if (c->cold_age_usec == 0)
                n = MIN(n, AGE_MAX);
        return MAX(n, 1);
}

int config_check(const Config *c, char **ret_error) {
        char a[32], b[32];

        *ret_error = NULL;
        if (config_cold_intervals(c) > AGE_MAX) {
                if (asprintf(ret_error, "ColdAge=%s is longer than %u scan intervals of %s, the most an idle age "
                             "counts: raise Interval= or lower ColdAge=",
                             format_duration(a, sizeof(a), c->cold_age_usec), AGE_MAX,
                             format_duration(b, sizeof(b), c->interval_usec)) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -ERANGE;
        }
        /* A window given that the ages cannot hold is refused; the default fits. */
        for (unsigned i = 0; i < c->windows.n; i++) {
                if (DIV_ROUND_UP(c->windows.usec[i], c->interval_usec) <= CONFIG_WINDOW_MAX_INTERVALS)
                        continue;
                if (asprintf(ret_error, "WorkingSetWindow=%s is longer than %u scan intervals of %s, the most "
                             "an idle age counts: raise Interval= or shorten the window",
                             format_duration(a, sizeof(a), c->windows.usec[i]), CONFIG_WINDOW_MAX_INTERVALS,
                             format_duration(b, sizeof(b), c->interval_usec)) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -ERANGE;
        }
        return 0;
}

unsigned config_history_scans(const Config *c) {
        uint64_t n = c->history.usec > 0 ? DIV_ROUND_UP(c->history.usec, c->interval_usec) : c->history.scans;

        return (unsigned) MIN(n, (uint64_t) CONFIG_HISTORY_MAX_SCANS);
}

/* Each parser returns 0 or a negative errno and may fill *why. */
typedef int (*ConfigParser)(const char *value, void *field, const char **why);

int config_parse_interval(const char *value, uint64_t *ret_usec, const char **why) {
        uint64_t usec;
        int r;

        r = parse_duration(value, &usec);
        if (r < 0) {
                *why = "not a duration (e.g. 30s, 500ms, 2min)";
                return r;
        }
        if (usec < 100 * USEC_PER_MSEC || usec > 24 * 3600 * USEC_PER_SEC) {
                *why = "out of range (100ms to 24h)";
                return -ERANGE;
        }
        *ret_usec = usec;
        return 0;
}

static int parse_interval(const char *value, void *field, const char **why) {
        return config_parse_interval(value, field, why);
}

static int parse_window(const char *value, void *field, const char **why) {
        uint64_t usec;
        int r;

        r = parse_duration(value, &usec);
        if (r < 0) {
                *why = "not a duration (e.g. 2min)";
                return r;
        }
        if (usec == 0) {
                *why = "must be positive";
                return -ERANGE;
        }
        *(uint64_t *) field = usec;
        return 0;
}

/* One window or several, separated by commas, shortest first (a space
 * already joins the parts of one duration: "1h 30min"). */
static int parse_windows(const char *value, void *field, const char **why) {
        ConfigWindows w = {};
        const char *p = value;

        for (;;) {
                size_t k = strcspn(p, ",");
                _cleanup_free_ char *item = strndup(p, k);
                int r;

                if (!item)
                        return -ENOMEM;
                if (w.n == CONFIG_WINDOWS_MAX) {
                        *why = "too many windows (at most 8)";
                        return -E2BIG;
                }
                r = parse_window(item, &w.usec[w.n], why);
                if (r < 0)
                        return r;
                if (w.n > 0 && w.usec[w.n] <= w.usec[w.n - 1]) {
                        *why = "windows must be listed shortest first, each longer than the one before";
                        return -EINVAL;
                }
                w.n++;
                if (!p[k])
                        break;
                p += k + 1;
        }
        *(ConfigWindows *) field = w;
        return 0;
}

/* A number of scans, or a duration (with its unit). */
static int parse_history(const char *value, void *field, const char **why) {
        ConfigHistory *h = field;
        uint64_t usec;

        if (*value && strspn(value, "0123456789") == strlen(value)) {
                unsigned long v = strlen(value) <= 6 ? strtoul(value, NULL, 10) : ULONG_MAX;

                if (v > CONFIG_HISTORY_MAX_SCANS) {
                        *why = "more scans than 100000";
                        return -ERANGE;
                }
                *h = (ConfigHistory) { .scans = (unsigned) v };
                return 0;
        }
        if (parse_duration(value, &usec) < 0) {
                *why = "neither a number of scans nor a duration (e.g. 120, 1h, 30min)";
                return -EINVAL;
        }
        if (usec == 0) {
                *why = "a duration of 0; History=0 keeps nothing";
                return -ERANGE;
        }
        *h = (ConfigHistory) { .usec = usec };
        return 0;
}

static int parse_budget(const char *value, void *field, const char **why) {
        int r = parse_percent(value, field);

        if (r < 0)
                *why = "not a percentage from 1% to 100%";
        return r;
}

static int parse_backend(const char *value, void *field, const char **why) {
        Backend b = backend_from_string(value);

        if (b < 0) {
                *why = "not one of auto, page_idle, refs";
                return -EINVAL;
        }
        *(Backend *) field = b;
        return 0;
}

static int parse_scan_path(const char *value, void *field, const char **why) {
        ScanPath p = scan_path_from_string(value);

        if (p < 0) {
                *why = "not one of auto, module, kpageflags";
                return -EINVAL;
        }
        *(ScanPath *) field = p;
        return 0;
}

int config_parse_sampling(const char *s, ConfigSampling *ret, const char **why) {
        static const char * const fractions[SAMPLE_SHIFT_MAX + 1] = {
                "1", "1/2", "1/4", "1/8", "1/16", "1/32", "1/64",
        };

        if (strcmp(s, "auto") == 0) {
                *ret = (ConfigSampling) { .automatic = true };
                return 0;
        }
        for (unsigned k = 0; k <= SAMPLE_SHIFT_MAX; k++)
                if (strcmp(s, fractions[k]) == 0) {
                        *ret = (ConfigSampling) { .shift = k };
                        return 0;
                }
        *why = "not one of 1, 1/2, 1/4, 1/8, 1/16, 1/32, 1/64, auto";
        return -EINVAL;
}

static int parse_sampling(const char *value, void *field, const char **why) {
        return config_parse_sampling(value, field, why);
}

int config_parse_cgroup_pattern(const char *s, char **ret, const char **why) {
        int r = cgroup_pattern_normalize(s, ret);

        if (r == CGROUP_PATH_RELATIVE) {
                *why = "cgroup paths and patterns must start with /";
                return -EINVAL;
        }
        if (r > 0) {
                *why = cgroup_path_error_to_string(r);
                return -EINVAL;
        }
        return r;
}

static int parse_cgroup_list(const char *value, void *field, const char **why) {
        char ***l = field;
        _cleanup_free_ char *copy = NULL;
        char *word, *state = NULL;

        /* An empty assignment resets the list, as in systemd unit files. */
        if (!*value) {
                *l = strv_free(*l);
                return 0;
        }
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        for (word = strtok_r(copy, " \t", &state); word; word = strtok_r(NULL, " \t", &state)) {
                _cleanup_free_ char *n = NULL;
                int r;

                r = config_parse_cgroup_pattern(word, &n, why);
                if (r < 0)
                        return r;
                if (strv_extend(l, n) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Replaces the string *p owns with a copy of s, or with NULL when s is
 * NULL. On -ENOMEM *p keeps its old value, so a failed parse leaves the
 * setting as it was. */
static int free_and_strdup(char **p, const char *s) {
        char *c = NULL;

        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        free(*p);
        *p = c;
        return 0;
}

static int parse_path_or_empty(const char *value, void *field, const char **why) {
        /* An empty value stores NULL: the default Root=. */
        if (*value && *value != '/') {
                *why = "not an absolute path";
                return -EINVAL;
        }
        return free_and_strdup(field, *value ? value : NULL);
}

int config_check_json_file(const char *path, const char **why) {
        if (*path && !path_is_normal_file(path)) {
                *why = "not an absolute path to a file (no trailing /, no . or .. or empty component)";
                return -EINVAL;
        }
        return 0;
}

static int parse_json_file(const char *value, void *field, const char **why) {
        int r = config_check_json_file(value, why);

        /* An empty value stores NULL: no JSON file. */
        if (r < 0)
                return r;
        return free_and_strdup(field, *value ? value : NULL);
}

int config_check_user(const char *name, const char **why) {
        if (!user_name_is_valid(name)) {
                *why = "not a user name (UTF-8, no control characters, spaces, ':', ',' or '/')";
                return -EINVAL;
        }
        return 0;
}

static int parse_user(const char *value, void *field, const char **why) {
        int r = config_check_user(value, why);

        if (r < 0)
                return r;
        return free_and_strdup(field, value);
}

static int parse_bool(const char *value, void *field, const char **why) {
        static const char * const yes[] = { "yes", "true", "on", "1" }, * const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcmp(value, yes[i]) == 0) {
                        *(bool *) field = true;
                        return 0;
                }
                if (strcmp(value, no[i]) == 0) {
                        *(bool *) field = false;
                        return 0;
                }
        }
        *why = "not a boolean (yes or no)";
        return -EINVAL;
}

static int parse_address(const char *value, void *field, const char **why) {
        unsigned char a[sizeof(struct in6_addr)];

        if (inet_pton(AF_INET, value, a) != 1 && inet_pton(AF_INET6, value, a) != 1) {
                *why = "not an IPv4 or IPv6 address (e.g. 127.0.0.1, ::1, 0.0.0.0)";
                return -EINVAL;
        }
        return free_and_strdup(field, value);
}

static int parse_port(const char *value, void *field, const char **why) {
        unsigned long v;

        /* Digits only: strtoul() would also take "+80", " 80" and "-0". */
        if (!*value || strspn(value, "0123456789") != strlen(value) || strlen(value) > 5 ||
            (v = strtoul(value, NULL, 10)) > 65535) {
                *why = "not a port number from 0 to 65535";
                return -ERANGE;
        }
        *(uint16_t *) field = (uint16_t) v;
        return 0;
}

static const struct {
        const char *section;
        const char *key;
        ConfigParser parser;
        size_t offset;
        bool list;              /* may be repeated, each line adding to it */
} config_table[] = {
        { "Scan", "Interval", parse_interval, offsetof(Config, interval_usec) },
        { "Scan", "WorkingSetWindow", parse_windows, offsetof(Config, windows) },
        { "Scan", "ColdAge", parse_window, offsetof(Config, cold_age_usec) },
        { "Scan", "CPUBudget", parse_budget, offsetof(Config, cpu_budget_percent) },
        { "Scan", "Backend", parse_backend, offsetof(Config, backend) },
        { "Scan", "ScanPath", parse_scan_path, offsetof(Config, scan_path) },
        { "Scan", "LoadModule", parse_bool, offsetof(Config, load_module) },
        { "Scan", "Sampling", parse_sampling, offsetof(Config, sampling) },
        { "Cgroups", "Track", parse_cgroup_list, offsetof(Config, cgroups), true },
        { "Cgroups", "Root", parse_path_or_empty, offsetof(Config, cgroup_root) },
        { "Output", "JSONFile", parse_json_file, offsetof(Config, json_file) },
        { "Output", "History", parse_history, offsetof(Config, history) },
        { "Daemon", "User", parse_user, offsetof(Config, user) },
        { "HTTP", "Enable", parse_bool, offsetof(Config, http_enable) },
        { "HTTP", "Address", parse_address, offsetof(Config, http_address) },
        { "HTTP", "Port", parse_port, offsetof(Config, http_port) },
};

/* libinih parses, with the options Debian's build has as variables, set
 * before each parse (the configuration is parsed on the main thread only):
 * no continuation lines, no comments after a value, a heap line buffer for
 * a line of CONFIG_LINE_MAX bytes, a stop at the first error (and no byte
 * order mark: the reader skips it).  The reader hands it one whole line per
 * call, or stops the parse at a line that would not fit, so no line is ever
 * split; and it counts lines for the errors. */
static void parse_setup_inih(void) {
        ini_use_stack = ini_allow_realloc = ini_allow_multiline = ini_allow_inline_comments = ini_allow_bom = false;
        ini_initial_alloc = ini_max_line = CONFIG_LINE_MAX + 3;
        ini_stop_on_first_error = true;
        ini_start_comment_prefixes = (char *) "#;";
}

typedef struct ParseState {
        Config *config;
        const char *filename;
        const char *next, *end;         /* what libinih has not been handed yet */
        unsigned line;
        unsigned set_line[ELEMENTSOF(config_table)];    /* 0: not set in this file */
        char *error;
        int r;
} ParseState;

_printf_(3, 4)
static int parse_fail(ParseState *s, int r, const char *format, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int k;

        va_start(ap, format);
        k = vasprintf(&m, format, ap);
        va_end(ap);
        if (k < 0 || asprintf(&s->error, "%s:%u: %s", s->filename, s->line, m) < 0) {
                s->error = NULL;
                return -ENOMEM;
        }
        return r;
}

/* What libinih would read otherwise than pageidled.conf(5) says: a ':'
 * before the first '=' (it takes it for one), or a [Section] line with more
 * than blanks after its ']' or a name we do not know (it takes what lies
 * before the first ']', cut at 49 bytes). */
static int parse_check_line(ParseState *s, const char *l) {
        size_t k;

        l += strspn(l, " \t");
        if (strchr("#;\r\n", *l))
                return 0;
        if (*l != '[') {
                k = strcspn(l, "=:");
                return k > 0 && l[k] == '=' ? 0 :
                        parse_fail(s, -EINVAL, "syntax error (expected [Section] or Key=Value)");
        }
        k = strcspn(++l, "[]");
        if (k == 0 || l[k] != ']' || l[k + 1 + strspn(l + k + 1, " \t\r\n")])
                return parse_fail(s, -EINVAL, "syntax error (expected [Section])");
        for (size_t i = 0; i < ELEMENTSOF(config_table); i++)
                if (strncmp(l, config_table[i].section, k) == 0 && !config_table[i].section[k])
                        return 0;
        return parse_fail(s, -EINVAL, "unknown section [%.*s]", (int) k, l);
}

/* libinih's reader: the next line and its newline into buf (size bytes),
 * or NULL at the end or at an error. */
static char *parse_read(char *buf, int size, void *userdata) {
        ParseState *s = userdata;
        const char *eol;
        size_t n;

        if (s->next >= s->end)
                return NULL;
        eol = memchr(s->next, '\n', s->end - s->next) ?: s->end;
        n = eol - s->next;
        s->line++;
        /* Its newline and NUL fit with a byte to spare: libinih never
         * takes it for the start of a longer line. */
        if (n + 2 >= (size_t) size) {
                s->r = parse_fail(s, -EINVAL, "longer than %d bytes, the longest a line may be", size - 3);
                return NULL;
        }
        for (const char *q = s->next; q < eol; q++) {
                unsigned char b = *q;

                if ((b < 0x20 && b != '\t' && !(b == '\r' && q + 1 == eol)) || b == 0x7f) {
                        s->r = b ? parse_fail(s, -EINVAL, "a control character (0x%02x) in the line", b) :
                                parse_fail(s, -EINVAL, "a NUL byte in the line");
                        return NULL;
                }
        }
        memcpy(buf, s->next, n);
        memcpy(buf + n, "\n", 2);
        s->next = eol + (eol < s->end);
        s->r = parse_check_line(s, buf);
        return s->r < 0 ? NULL : buf;
}

static int parse_assignment(ParseState *s, const char *section, const char *key, const char *value) {
        if (!*section)
                return parse_fail(s, -EINVAL, "%s= before any [Section]", key);
        for (size_t i = 0; i < ELEMENTSOF(config_table); i++) {
                const char *why = NULL;
                int r;

                if (strcmp(section, config_table[i].section) != 0 || strcmp(key, config_table[i].key) != 0)
                        continue;
                if (s->set_line[i] && !config_table[i].list)
                        return parse_fail(s, -EINVAL, "%s= already set on line %u; a key may be given once",
                                          key, s->set_line[i]);
                s->set_line[i] = s->line;
                r = config_table[i].parser(value, (uint8_t *) s->config + config_table[i].offset, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        _cleanup_free_ char *v = utf8_escape_invalid(value);

                        if (!v)
                                return -ENOMEM;
                        return parse_fail(s, r, "%s=%s: %s", key, v, why ?: strerror(-r));
                }
                return 0;
        }
        return parse_fail(s, -EINVAL, "unknown setting [%s] %s=", section, key);
}

/* libinih's handler: nonzero to go on. */
static int parse_handle(void *userdata, const char *section, const char *key, const char *value) {
        ParseState *s = userdata;

        s->r = parse_assignment(s, section, key, value);
        return s->r >= 0;
}

int config_parse_buffer(Config *c, const char *text, size_t size, const char *filename, char **ret_error) {
        ParseState s = { .config = c, .filename = filename, .next = text, .end = text + size };
        int r;

        *ret_error = NULL;
        if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)     /* a UTF-8 byte order mark */
                s.next += 3;
        parse_setup_inih();
        r = ini_parse_stream(parse_read, &s, parse_handle, &s);
        if (r == -2)
                s.r = -ENOMEM;
        else if (r > 0 && s.r == 0)     /* a line libinih refused that the reader let through */
                s.r = parse_fail(&s, -EINVAL, "syntax error");
        if (s.r == -ENOMEM) {
                free(s.error);
                return -ENOMEM;
        }
        *ret_error = s.error;
        return s.r;
}

int config_parse_file(Config *c, FILE *f, const char *filename, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        *ret_error = NULL;
        /* One more byte than allowed, to see that the file goes on. */
        buf = malloc(CONFIG_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        size = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
        if (ferror(f)) {
                int r = errno > 0 ? -errno : -EIO;

                if (asprintf(ret_error, "%s: %s", filename, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (size > CONFIG_FILE_MAX) {
                if (asprintf(ret_error, "%s: longer than %u bytes, the most a configuration file may be",
                             filename, (unsigned) CONFIG_FILE_MAX) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }
        return config_parse_buffer(c, buf, size, filename, ret_error);
}

int config_load(const char *filename, bool must_exist, Config **ret, char **ret_error) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        *ret_error = NULL;
        r = config_new_default(&c);
        if (r < 0)
                return r;
        f = fopen(filename, "re");
        if (!f) {
                if (errno != ENOENT || must_exist) {
                        r = -errno;
                        if (asprintf(ret_error, "%s: %s", filename, strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
        } else {
                r = config_parse_file(c, f, filename, ret_error);
                if (r < 0)
                        return r;
        }
        r = config_default_cgroups(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
