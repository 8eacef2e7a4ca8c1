/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum Backend {
        BACKEND_AUTO,
        BACKEND_PAGE_IDLE,
        BACKEND_REFS,
        _BACKEND_MAX,
        _BACKEND_INVALID = -EINVAL,
} Backend;

const char *backend_to_string(Backend b);
Backend backend_from_string(const char *s);

/* How Backend=page_idle finds the tracked pages: through pageidle.ko's
 * /dev/pageidle where it is there (auto), or always through
 * /proc/kpageflags and /proc/kpagecgroup with the bitmap. */
typedef enum ScanPath {
        SCAN_PATH_AUTO,
        SCAN_PATH_MODULE,
        SCAN_PATH_KPAGEFLAGS,
        _SCAN_PATH_MAX,
        _SCAN_PATH_INVALID = -EINVAL,
} ScanPath;

const char *scan_path_to_string(ScanPath p);
ScanPath scan_path_from_string(const char *s);

#define CONFIG_FILE "/etc/pageidled.conf"
#define HTTP_DEFAULT_ADDRESS "127.0.0.1"
#define HTTP_DEFAULT_PORT 9258

/* History=: a duration, or a number of scans when usec is 0. */
typedef struct ConfigHistory {
        uint64_t usec;
        unsigned scans;
} ConfigHistory;

/* WorkingSetWindow=: up to CONFIG_WINDOWS_MAX windows, shortest first. */
#define CONFIG_WINDOWS_MAX 8u
typedef struct ConfigWindows {
        uint64_t usec[CONFIG_WINDOWS_MAX];
        unsigned n;                     /* 0: not given, the default's one window */
} ConfigWindows;

/* Sampling=: read one block of physical memory in 2^shift (sample.h),
 * or let the daemon choose the fraction from what passes cost (auto,
 * starting from every block). */
typedef struct ConfigSampling {
        bool automatic;
        unsigned shift;                 /* 0 (every block) to SAMPLE_SHIFT_MAX */
} ConfigSampling;

/* Every setting, in the units it is used in.  Defaults are in conf.c and
 * documented in pageidled.conf(5). */
typedef struct Config {
        uint64_t interval_usec;         /* [Scan] Interval= */
        union {
                uint64_t window_usec;   /* [Scan] WorkingSetWindow=, its first window */
                ConfigWindows windows;  /* [Scan] WorkingSetWindow=, every window */
        };
        uint64_t cold_age_usec;         /* [Scan] ColdAge=, 0: the default */
        unsigned cpu_budget_percent;    /* [Scan] CPUBudget= */
        Backend backend;                /* [Scan] Backend= */
        ScanPath scan_path;             /* [Scan] ScanPath= */
        bool load_module;               /* [Scan] LoadModule=: auto may modprobe pageidle */
        ConfigSampling sampling;        /* [Scan] Sampling= */
        char **cgroups;                 /* [Cgroups] Track=, paths or glob patterns */
        char *cgroup_root;              /* [Cgroups] Root=, NULL: detect */
        char *json_file;                /* [Output] JSONFile=, NULL: none */
        ConfigHistory history;          /* [Output] History= */
        char *user;                     /* [Daemon] User= */
        bool http_enable;               /* [HTTP] Enable= */
        char *http_address;             /* [HTTP] Address=, an IPv4 or IPv6 literal */
        uint16_t http_port;             /* [HTTP] Port=, 0: any free port */
} Config;

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

int config_new_default(Config **ret);

/* Parses INI text (size bytes, need not be NUL-terminated) into c, which
 * holds the defaults or an earlier file's values; filename only names it in
 * errors.  Every line is taken whole: one longer than CONFIG_LINE_MAX bytes
 * (without its newline) is an error.  On error,
 * returns a negative errno and, in *ret_error, a message of the form
 * "FILE:LINE: what is wrong" (c may then hold some of the file's values). */
#define CONFIG_LINE_MAX (64 * 1024)
int config_parse_buffer(Config *c, const char *text, size_t size, const char *filename, char **ret_error);
/* The same for the rest of f, at most CONFIG_FILE_MAX bytes. */
#define CONFIG_FILE_MAX (1024 * 1024)
int config_parse_file(Config *c, FILE *f, const char *filename, char **ret_error);

/* Loads defaults, then filename if it exists (a missing file is not an
 * error unless must_exist). */
int config_load(const char *filename, bool must_exist, Config **ret, char **ret_error);

/* The default Track= list, every top-level cgroup, when none was given
 * (or the list was emptied). */
int config_default_cgroups(Config *c);

/* The checks the file and the command line share.  Each returns 0, or a
 * negative errno with *why saying what is wrong. */
int config_parse_interval(const char *s, uint64_t *ret_usec, const char **why);
/* A Track= path or pattern, in its normal form (cgroup_pattern_normalize()). */
int config_parse_cgroup_pattern(const char *s, char **ret, const char **why);
/* A JSONFile= path; "" is allowed (no file). */
int config_check_json_file(const char *path, const char **why);
int config_check_user(const char *name, const char **why);
/* A Sampling= value: 1, 1/2, 1/4 ... 1/64, or auto. */
int config_parse_sampling(const char *s, ConfigSampling *ret, const char **why);

/* How many scans History= keeps: its number, or its duration in whole
 * intervals (rounded up), at most CONFIG_HISTORY_MAX_SCANS; 0: none. */
#define CONFIG_HISTORY_MAX_SCANS 100000u
unsigned config_history_scans(const Config *c);

/* Number of whole intervals in the working-set window, at least one. */
unsigned config_window_intervals(const Config *c);
/* The same for every window, into ret (CONFIG_WINDOWS_MAX of them);
 * returns how many there are. */
#define CONFIG_WINDOW_MAX_INTERVALS 254u
unsigned config_windows_intervals(const Config *c, unsigned *ret);

/* ColdAge= in whole intervals (rounded up, at least one); more than
 * AGE_MAX only in a configuration config_check() refuses.  Without
 * ColdAge=, the default, at most AGE_MAX intervals. */
#define CONFIG_COLD_AGE_DEFAULT_USEC (120 * USEC_PER_SEC)
uint64_t config_cold_intervals(const Config *c);

/* The checks of settings that depend on each other, on the configuration
 * as the file and the command line make it: 0, or a negative errno and in
 * *ret_error what is wrong. */
int config_check(const Config *c, char **ret_error);
