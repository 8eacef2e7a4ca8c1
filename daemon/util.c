/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <time.h>

#include "util.h"

int log_max_level = LOG_INFO;
static bool log_prefix;

char **strv_free(char **l) {
        if (l)
                for (char **i = l; *i; i++)
                        free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;

        if (l)
                while (l[n])
                        n++;
        return n;
}

int strv_extend(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char **nl, *c;

        c = strdup(s);
        if (!c)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(c);
                return -ENOMEM;
        }
        nl[n] = c;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

char **strv_copy(char * const *l) {
        _cleanup_strv_free_ char **c = calloc(1, sizeof(char *));

        if (!c)
                return NULL;
        for (size_t i = 0; l && l[i]; i++)
                if (strv_extend(&c, l[i]) < 0)
                        return NULL;
        return TAKE_PTR(c);
}

void log_setup(void) {
        const char *e;

        /* Under systemd, stderr goes to the journal, which reads "<N>" as the priority. */
        log_prefix = !!getenv("JOURNAL_STREAM");
        e = getenv("PAGEIDLED_LOG_LEVEL");
        if (e && strcmp(e, "debug") == 0)
                log_max_level = LOG_DEBUG;
}

size_t log_escape(char *out, size_t size, const char *s) {
        size_t o = 0;

        if (size == 0)
                return 0;
        while (*s) {
                unsigned char c = (unsigned char) *s;
                size_t n = utf8_char_len(s);
                char esc[5];
                const char *piece = esc;
                size_t len;

                if (c == '\\')
                        piece = "\\\\", n = 1;
                else if (c == '\n')
                        piece = "\\n", n = 1;
                else if (c == '\t')
                        piece = "\\t", n = 1;
                else if (n == 0 || c < 0x20 || c == 0x7f) {
                        /* Control characters and bytes that are not well-formed UTF-8. */
                        snprintf(esc, sizeof(esc), "\\x%02x", c);
                        n = 1;
                } else
                        piece = NULL;
                len = piece ? strlen(piece) : n;
                if (o + len >= size)
                        break;          /* never half an escape or a character */
                memcpy(out + o, piece ?: s, len);
                o += len;
                s += n;
        }
        out[o] = 0;
        return o;
}

int log_internal(int level, int error, const char *format, ...) {
        char buf[2048], escaped[2048];
        va_list ap;

        if (error != 0)
                errno = abs(error);
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        /* Whatever the arguments hold (cgroup names, paths, user names), a
         * message stays one line, and one the journal cannot take for a
         * "<N>" priority prefix. */
        log_escape(escaped, sizeof(escaped), buf);
        if (log_prefix)
                fprintf(stderr, "<%d>%s\n", level, escaped);
        else
                fprintf(stderr, "pageidled: %s\n", escaped);
        return -abs(error);
}

static const struct {
        const char *suffix;
        uint64_t usec;
} duration_units[] = {
        /* Longest first, so that "min" wins over "m" and "ms" over "m". */
        { "usec", 1 },
        { "msec", USEC_PER_MSEC },
        { "sec", USEC_PER_SEC },
        { "min", 60 * USEC_PER_SEC },
        { "hour", 3600 * USEC_PER_SEC },
        { "us", 1 },
        { "ms", USEC_PER_MSEC },
        { "s", USEC_PER_SEC },
        { "m", 60 * USEC_PER_SEC },
        { "h", 3600 * USEC_PER_SEC },
        { "", USEC_PER_SEC },
};

int parse_duration(const char *s, uint64_t *ret_usec) {
        uint64_t total = 0;
        bool any = false;

        for (;;) {
                unsigned long long v;
                char *end;
                size_t i;

                while (isspace((unsigned char) *s))
                        s++;
                if (!*s)
                        break;
                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                errno = 0;
                v = strtoull(s, &end, 10);
                if (errno != 0)
                        return -ERANGE;
                s = end;
                for (i = 0; i < ELEMENTSOF(duration_units); i++) {
                        size_t l = strlen(duration_units[i].suffix);

                        if (strncmp(s, duration_units[i].suffix, l) == 0 &&
                            !isalpha((unsigned char) s[l]))
                                break;
                }
                if (i >= ELEMENTSOF(duration_units))
                        return -EINVAL;
                s += strlen(duration_units[i].suffix);
                if (v > UINT64_MAX / duration_units[i].usec ||
                    total + v * duration_units[i].usec < total)
                        return -ERANGE;
                total += v * duration_units[i].usec;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

const char *format_duration(char *buf, size_t size, uint64_t usec) {
        if (usec % (3600 * USEC_PER_SEC) == 0 && usec > 0)
                snprintf(buf, size, "%" PRIu64 "h", usec / (3600 * USEC_PER_SEC));
        else if (usec % (60 * USEC_PER_SEC) == 0 && usec > 0)
                snprintf(buf, size, "%" PRIu64 "min", usec / (60 * USEC_PER_SEC));
        else if (usec % USEC_PER_SEC == 0)
                snprintf(buf, size, "%" PRIu64 "s", usec / USEC_PER_SEC);
        else if (usec % USEC_PER_MSEC == 0)
                snprintf(buf, size, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
        else
                snprintf(buf, size, "%" PRIu64 "us", usec);
        return buf;
}

int parse_percent(const char *s, unsigned *ret) {
        unsigned long v;
        char *end;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0)
                return -ERANGE;
        if (*end == '%')
                end++;
        if (*end)
                return -EINVAL;
        if (v < 1 || v > 100)
                return -ERANGE;
        *ret = v;
        return 0;
}

uint64_t now_usec(int clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

uint64_t cpu_time_usec(void) {
        return now_usec(CLOCK_PROCESS_CPUTIME_ID);
}

void cpu_times_usec(uint64_t *ret_user, uint64_t *ret_sys) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        *ret_user = (uint64_t) ru.ru_utime.tv_sec * USEC_PER_SEC + (uint64_t) ru.ru_utime.tv_usec;
        *ret_sys = (uint64_t) ru.ru_stime.tv_sec * USEC_PER_SEC + (uint64_t) ru.ru_stime.tv_usec;
}

int read_full_fileat(int dirfd, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (allocated - size < 4096) {
                        char *nb;

                        allocated = allocated ? allocated * 2 : 16384;
                        if (allocated > 64 * 1024 * 1024)
                                return -EFBIG;
                        nb = realloc(buf, allocated + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += n;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

/* The one loop behind pread_full() and pwrite_full(). buf is not const
 * so that it serves both; when writing it is only read. */
static ssize_t pio_full(int fd, void *buf, size_t count, off_t offset, bool writing) {
        size_t done = 0;

        while (done < count) {
                char *p = (char *) buf + done;
                ssize_t n = writing ? pwrite(fd, p, count - done, offset + done)
                                    : pread(fd, p, count - done, offset + done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                /* End of file, or a write that moves nothing (the
                 * page_idle bitmap's partial last word): the caller
                 * judges the short count. */
                if (n == 0)
                        break;
                done += n;
        }
        return done;
}

ssize_t pread_full(int fd, void *buf, size_t count, off_t offset) {
        return pio_full(fd, buf, count, offset, false);
}

ssize_t pwrite_full(int fd, const void *buf, size_t count, off_t offset) {
        return pio_full(fd, (void *) buf, count, offset, true);
}

size_t utf8_char_len(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        uint32_t c;
        size_t n;

        if (p[0] == 0)
                return 0;
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2, c = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                n = 3, c = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                n = 4, c = p[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)      /* also stops at the NUL */
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
        if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
                return 0;
        return n;
}

bool utf8_is_valid(const char *s) {
        while (*s) {
                size_t n = utf8_char_len(s);

                if (n == 0)
                        return false;
                s += n;
        }
        return true;
}

char *utf8_escape_invalid(const char *s) {
        char *out = malloc(strlen(s) * 4 + 1), *o = out;

        if (!out)
                return NULL;
        while (*s) {
                size_t n = utf8_char_len(s);

                if (n == 0) {
                        o += sprintf(o, "\\x%02x", (unsigned char) *s);
                        s++;
                        continue;
                }
                memcpy(o, s, n);
                o += n;
                s += n;
        }
        *o = 0;
        return out;
}

bool path_is_normal_file(const char *p) {
        size_t len = strlen(p);

        if (p[0] != '/' || len >= PATH_MAX || p[len - 1] == '/')
                return false;
        while (*p) {
                size_t l;

                p++;    /* the '/' */
                l = strcspn(p, "/");
                if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!p[l] && l > NAME_MAX - strlen(".XXXXXX"))
                        return false;
                p += l;
        }
        return true;
}

bool user_name_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 255 || s[0] == '-' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        if (strspn(s, "0123456789") == len)
                return false;
        if (!utf8_is_valid(s))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f || strchr(" :,/", *p))
                        return false;
        return true;
}

ssize_t send_with_fd(int sock, const void *buf, size_t size, int fd) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { (void *) buf, size };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0)
                if (errno != EINTR)
                        return -errno;
        return n;
}
