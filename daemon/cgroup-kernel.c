/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-kernel.h"
#include "cleanup.h"
#include "util.h"

/* v1's memory.limit_in_bytes without a limit: the page counter's maximum
 * (LONG_MAX rounded down to a page), so anything this large is none. */
#define V1_UNLIMITED (UINT64_C(1) << 62)

int cgroup_kernel_parse_bytes(const char *text, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (strncmp(text, "max", 3) == 0 && (text[3] == '\n' || text[3] == 0))
                return 0;
        if (*text < '0' || *text > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(text, &end, 10);
        if (errno != 0 || (*end != '\n' && *end != 0))
                return -EINVAL;
        if (v >= V1_UNLIMITED)
                return 0;
        *ret = v;
        return 1;
}

/* The value of "key value" lines: true if key is there. */
static bool stat_field(const char *text, const char *key, uint64_t *ret) {
        size_t n = strlen(key);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                unsigned long long v;
                char *end;

                if (strncmp(p, key, n) != 0 || p[n] != ' ')
                        continue;
                errno = 0;
                v = strtoull(p + n + 1, &end, 10);
                if (errno != 0 || end == p + n + 1 || (*end != '\n' && *end != 0))
                        return false;
                *ret = v;
                return true;
        }
        return false;
}

/* v1: the hierarchical total_KEY where there is one, as v2's are. */
static bool stat_field_v(const char *text, bool v1, const char *key, uint64_t *ret) {
        char total[64];

        if (v1) {
                snprintf(total, sizeof(total), "total_%s", key);
                if (stat_field(text, total, ret))
                        return true;
        }
        return stat_field(text, key, ret);
}

void cgroup_kernel_parse_stat(const char *text, bool v1, CgroupKernel *k) {
        k->has_refault_anon = stat_field_v(text, v1, "workingset_refault_anon", &k->refault_anon);
        k->has_refault_file = stat_field_v(text, v1, "workingset_refault_file", &k->refault_file);
        k->has_inactive_file = stat_field_v(text, v1, "inactive_file", &k->inactive_file_bytes);
}

/* "some avg10=1.23 avg60=... total=..." */
static bool pressure_line(const char *text, const char *kind, double *ret) {
        size_t n = strlen(kind);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                char *end;
                double v;

                if (strncmp(p, kind, n) != 0 || strncmp(p + n, " avg10=", 7) != 0)
                        continue;
                errno = 0;
                v = strtod(p + n + 7, &end);
                if (errno != 0 || end == p + n + 7 || (*end != ' ' && *end != '\n' && *end != 0) || v < 0 || v > 100)
                        return false;
                *ret = v / 100.0;
                return true;
        }
        return false;
}

void cgroup_kernel_parse_pressure(const char *text, CgroupKernel *k) {
        k->has_pressure_some = pressure_line(text, "some", &k->pressure_some_avg10);
        k->has_pressure_full = pressure_line(text, "full", &k->pressure_full_avg10);
}

/* Reads dir/name whole; NULL in *ret when it cannot be read (not there,
 * a cgroup gone): only -ENOMEM is an error. */
static int read_cgroup_file(int dir_fd, const char *name, char **ret) {
        int r = read_full_fileat(dir_fd, name, ret, NULL);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                *ret = NULL;
        return 0;
}

static int read_bytes(int dir_fd, const char *name, bool *ret_has, uint64_t *ret) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = read_cgroup_file(dir_fd, name, &t);
        if (r < 0)
                return r;
        *ret_has = t && cgroup_kernel_parse_bytes(t, ret) > 0;
        return t ? 1 : 0;
}

int cgroup_kernel_read(int root_fd, const char *path, uint64_t now_usec, CgroupKernel *k) {
        _cleanup_free_ char *stat = NULL, *pressure = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        *k = (CgroupKernel) {};
        fd = openat(root_fd, *path ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;       /* gone: nothing known */
        k->read_usec = now_usec;
        r = read_bytes(fd, "memory.current", &k->has_current, &k->current_bytes);
        if (r < 0)
                return r;
        if (r == 0) {
                /* v1, or the v2 root, which has no memory.current. */
                r = read_bytes(fd, "memory.usage_in_bytes", &k->has_current, &k->current_bytes);
                if (r < 0)
                        return r;
                k->v1 = r > 0;
        }
        if (k->v1)
                r = read_bytes(fd, "memory.limit_in_bytes", &k->has_max, &k->max_bytes);
        else {
                r = read_bytes(fd, "memory.high", &k->has_high, &k->high_bytes);
                if (r >= 0)
                        r = read_bytes(fd, "memory.max", &k->has_max, &k->max_bytes);
        }
        if (r < 0)
                return r;
        if (read_cgroup_file(fd, "memory.stat", &stat) < 0 || read_cgroup_file(fd, "memory.pressure", &pressure) < 0)
                return -ENOMEM;
        if (stat)
                cgroup_kernel_parse_stat(stat, k->v1, k);
        if (pressure)
                cgroup_kernel_parse_pressure(pressure, k);
        return 0;
}

static bool rate(bool has, uint64_t now, bool had, uint64_t before, double seconds, double *ret) {
        if (!has || !had || now < before || seconds <= 0)
                return false;
        *ret = (double) (now - before) / seconds;
        return true;
}

void cgroup_kernel_rates(CgroupKernel *k, const CgroupKernel *prev) {
        double seconds;

        k->has_refault_anon_rate = k->has_refault_file_rate = false;
        if (!prev || prev->read_usec == 0 || k->read_usec <= prev->read_usec)
                return;
        seconds = (double) (k->read_usec - prev->read_usec) / 1e6;
        k->has_refault_anon_rate = rate(k->has_refault_anon, k->refault_anon, prev->has_refault_anon,
                                        prev->refault_anon, seconds, &k->refault_anon_per_second);
        k->has_refault_file_rate = rate(k->has_refault_file, k->refault_file, prev->has_refault_file,
                                        prev->refault_file, seconds, &k->refault_file_per_second);
}

bool cgroup_kernel_cadvisor_working_set(const CgroupKernel *k, uint64_t *ret) {
        if (!k->has_current || !k->has_inactive_file)
                return false;
        *ret = k->current_bytes > k->inactive_file_bytes ? k->current_bytes - k->inactive_file_bytes : 0;
        return true;
}
