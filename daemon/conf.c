/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
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

unsigned config_window_intervals(const Config *c) {
        uint64_t n = DIV_ROUND_UP(c->window_usec, c->interval_usec);

        return (unsigned) MIN(MAX(n, 1), 254);
}

/* Each parser returns 0 or a negative errno and may fill *why. */
typedef int (*ConfigParser)(const char *value, void *field, const char **why);

static int parse_interval(const char *value, void *field, const char **why) {
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
        *(uint64_t *) field = usec;
        return 0;
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
                if (word[0] != '/') {
                        *why = "cgroup paths and patterns must start with /";
                        return -EINVAL;
                }
                if (strstr(word, "/../") || strstr(word, "/./") ||
                    (strlen(word) >= 3 && strcmp(word + strlen(word) - 3, "/..") == 0)) {
                        *why = "cgroup paths must not contain . or .. components";
                        return -EINVAL;
                }
                if (strv_extend(l, word) < 0)
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
        /* An empty value stores NULL: the default Root=, or no JSONFile=. */
        if (*value && *value != '/') {
                *why = "not an absolute path";
                return -EINVAL;
        }
        return free_and_strdup(field, *value ? value : NULL);
}

static int parse_user(const char *value, void *field, const char **why) {
        if (!*value || strpbrk(value, " \t:/")) {
                *why = "not a user name";
                return -EINVAL;
        }
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
        char *end;

        errno = 0;
        v = strtoul(value, &end, 10);
        if (!*value || *value == '-' || *end || errno != 0 || v > 65535) {
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
} config_table[] = {
        { "Scan", "Interval", parse_interval, offsetof(Config, interval_usec) },
        { "Scan", "WorkingSetWindow", parse_window, offsetof(Config, window_usec) },
        { "Scan", "CPUBudget", parse_budget, offsetof(Config, cpu_budget_percent) },
        { "Scan", "Backend", parse_backend, offsetof(Config, backend) },
        { "Scan", "LoadModule", parse_bool, offsetof(Config, load_module) },
        { "Cgroups", "Track", parse_cgroup_list, offsetof(Config, cgroups) },
        { "Cgroups", "Root", parse_path_or_empty, offsetof(Config, cgroup_root) },
        { "Output", "JSONFile", parse_path_or_empty, offsetof(Config, json_file) },
        { "Daemon", "User", parse_user, offsetof(Config, user) },
        { "HTTP", "Enable", parse_bool, offsetof(Config, http_enable) },
        { "HTTP", "Address", parse_address, offsetof(Config, http_address) },
        { "HTTP", "Port", parse_port, offsetof(Config, http_port) },
};

typedef struct ParseState {
        Config *config;
        FILE *f;
        const char *filename;
        unsigned line;
        unsigned error_line;
        char *error;
        int r;
} ParseState;

_printf_(3, 4)
static void parse_fail(ParseState *s, int r, const char *format, ...) {
        va_list ap;
        char *m = NULL;

        if (s->error)
                return;
        va_start(ap, format);
        if (vasprintf(&m, format, ap) < 0)
                m = NULL;
        va_end(ap);
        s->error = m;
        s->error_line = s->line;
        s->r = r;
}

/* fgets() that counts lines, so that handler errors carry the line number
 * (Debian builds inih without INI_HANDLER_LINENO). */
static char *parse_reader(char *str, int num, void *stream) {
        ParseState *s = stream;
        char *p = fgets(str, num, s->f);

        if (p && strchr(p, '\n'))
                s->line++;
        else if (p && feof(s->f))
                s->line++;
        return p;
}

static int parse_handler(void *user, const char *section, const char *name, const char *value) {
        ParseState *s = user;

        for (size_t i = 0; i < ELEMENTSOF(config_table); i++) {
                const char *why = NULL;
                int r;

                if (strcmp(section, config_table[i].section) != 0 ||
                    strcmp(name, config_table[i].key) != 0)
                        continue;
                r = config_table[i].parser(value, (uint8_t *) s->config + config_table[i].offset, &why);
                if (r == -ENOMEM) {
                        parse_fail(s, r, "out of memory");
                        return 0;
                }
                if (r < 0) {
                        parse_fail(s, r, "%s=%s: %s", name, value, why ?: strerror(-r));
                        return 0;
                }
                return 1;
        }
        parse_fail(s, -EINVAL, "unknown setting [%s] %s=", section, name);
        return 0;
}

int config_parse_file(Config *c, FILE *f, const char *filename, char **ret_error) {
        ParseState s = { .config = c, .f = f, .filename = filename };
        int line;

        line = ini_parse_stream(parse_reader, &s, parse_handler, &s);
        if (line == 0 && !s.error)
                return 0;
        if (line < 0) {
                free(s.error);
                if (asprintf(ret_error, "%s: cannot parse: %s", filename, strerror(ENOMEM)) < 0)
                        *ret_error = NULL;
                return -ENOMEM;
        }
        if (!s.error || (unsigned) line < s.error_line) {
                /* inih's own complaint: no '=' or an unclosed [section]. */
                free(s.error);
                s.error = strdup("syntax error (expected [Section] or Key=Value)");
                s.error_line = line;
                s.r = -EINVAL;
        }
        if (asprintf(ret_error, "%s:%u: %s", filename, s.error_line, s.error ?: "error") < 0)
                *ret_error = NULL;
        free(s.error);
        return s.r;
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
