/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"

#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
/* Without the (x + y - 1) of the usual form, which wraps near the top. */
#define DIV_ROUND_UP(x, y) ((x) / (y) + !!((x) % (y)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define NSEC_PER_USEC UINT64_C(1000)

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char * const *l);
int strv_extend(char ***l, const char *s);
char **strv_copy(char * const *l);

/* Logging: one line to stderr, with a syslog priority prefix the journal
 * understands when stderr is connected to it.  The _errno variants set
 * errno for "%m" and return the negative error. */
extern int log_max_level;
void log_setup(void);
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);
#define log_full_errno(level, error, ...)                                       \
        ({                                                                      \
                int _l = (level), _e = (error);                                 \
                _l <= log_max_level ? log_internal(_l, _e, __VA_ARGS__)         \
                                    : -abs(_e);                                 \
        })
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* Writes s into out (size bytes, terminated) as log lines show it: a
 * backslash as \\, newline and tab as \n and \t, other control
 * characters and bytes that are not well-formed UTF-8 as \xNN.  Cut short
 * where out is full, never inside an escape or a character.  Returns the
 * length written.  log_internal() passes every message through it. */
size_t log_escape(char *out, size_t size, const char *s);

/* "30s", "500ms", "2min", "1h", "1min 30s"; a bare number is seconds. */
int parse_duration(const char *s, uint64_t *ret_usec);
/* Formats into buf (at least 32 bytes), e.g. "1min 30s", "250ms". */
const char *format_duration(char *buf, size_t size, uint64_t usec);
/* "5%" or "5": a whole percentage 1..100. */
int parse_percent(const char *s, unsigned *ret);

uint64_t now_usec(int clock);
uint64_t cpu_time_usec(void);
/* User and system CPU time of the process so far. */
void cpu_times_usec(uint64_t *ret_user, uint64_t *ret_sys);

/* Reads a whole (small, virtual) file relative to dirfd into a NUL-terminated buffer. */
int read_full_fileat(int dirfd, const char *path, char **ret, size_t *ret_size);
/* pread(2)/pwrite(2) of the whole count, retried on EINTR; a call that
 * moves nothing (end of file) ends it, and the bytes done are returned. */
ssize_t pread_full(int fd, void *buf, size_t count, off_t offset);
ssize_t pwrite_full(int fd, const void *buf, size_t count, off_t offset);
/* One sendmsg() of size bytes on a socket, with fd passed along (SCM_RIGHTS)
 * when it is >= 0; retried on EINTR.  Returns the bytes sent or -errno. */
ssize_t send_with_fd(int sock, const void *buf, size_t size, int fd);

/* Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values
 * above U+10FFFF.  utf8_char_len() is the length of the character at p,
 * 0 if p does not start a well-formed one (or is the terminating NUL). */
size_t utf8_char_len(const char *p);
bool utf8_is_valid(const char *s);
/* A copy of s for a log line, each byte that is not part of well-formed
 * UTF-8 written as \xNN.  NULL when out of memory. */
char *utf8_escape_invalid(const char *s);

/* An absolute path in normal form (no empty, "." or ".." component) that
 * names a file: not "/", no trailing slash, shorter than PATH_MAX, its last
 * component short enough to take a ".XXXXXX" suffix within NAME_MAX. */
bool path_is_normal_file(const char *p);
/* A name getpwnam() may be asked for: valid UTF-8 of at most 255 bytes, no
 * control character, space, ':', ',' or '/', not "." or "..", not starting
 * with '-', not a number. */
bool user_name_is_valid(const char *s);
