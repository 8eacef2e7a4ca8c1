/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "estimate.h"
#include "json.h"
#include "util.h"

void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}

int json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int json_add_u64(json_object *o, const char *key, uint64_t v) {
        return json_add(o, key, json_object_new_uint64(v));
}

int json_add_str(json_object *o, const char *key, const char *v) {
        if (!v)  /* json-c's null is the NULL object */
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return json_add(o, key, json_object_new_string(v));
}

static int append(json_object *a, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* The windows, shortest first: working_set_windows_usec. */
static int json_add_windows(json_object *o, const SnapshotInfo *s) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (unsigned i = 0; i < s->n_windows; i++)
                if (append(a, json_object_new_uint64(s->windows_usec[i])) < 0)
                        return -ENOMEM;
        return json_add(o, "working_set_windows_usec", TAKE_PTR(a));
}

int json_add_u64_or_null(json_object *o, const char *key, bool known, uint64_t v) {
        return known ? json_add_u64(o, key, v) : json_add_str(o, key, NULL);
}

int json_add_double_or_null(json_object *o, const char *key, bool known, double v) {
        return known ? json_add(o, key, json_object_new_double(v)) : json_add_str(o, key, NULL);
}

/* Cold memory and its promotion: null where the backend measures no ages. */
static int cgroup_cold_to_json(json_object *o, const Estimate *e) {
        bool k = e->cold_known;

        if (json_add_u64_or_null(o, "cold_bytes", k, e->cold_bytes) < 0 ||
            json_add_u64_or_null(o, "cold_anon_bytes", k, e->cold_anon_bytes) < 0 ||
            json_add_u64_or_null(o, "cold_file_bytes", k, e->cold_file_bytes) < 0 ||
            json_add_u64_or_null(o, "promoted_bytes", k, e->promoted_bytes) < 0 ||
            json_add_double_or_null(o, "promotion_bytes_per_minute", k, e->promotion_bytes_per_minute) < 0 ||
            json_add_double_or_null(o, "promotion_ratio", k, e->promotion_ratio) < 0 ||
            json_add_u64_or_null(o, "reclaimable_bytes", k, e->cold_bytes) < 0 ||
            json_add_double_or_null(o, "headroom_ratio", k, e->headroom_ratio) < 0 ||
            json_add_u64_or_null(o, "suggested_limit_bytes", k, e->suggested_limit_bytes) < 0)
                return -ENOMEM;
        return 0;
}

/* Every working-set window's figure, the first as working_set_bytes. */
static int cgroup_windows_to_json(json_object *o, const SnapshotInfo *s, const SnapshotCgroup *c) {
        _cleanup_json_ json_object *a = json_object_new_array();
        const Estimate *e = &c->estimate;

        if (!a)
                return -ENOMEM;
        for (unsigned i = 0; i < e->n_windows && i < s->n_windows; i++) {
                json_object *w = json_object_new_object();

                if (!w || json_add_u64(w, "window_usec", s->windows_usec[i]) < 0 ||
                    json_add_u64(w, "bytes", e->window_ws_bytes[i]) < 0 ||
                    json_add_u64(w, "measured_usec", c->windows_measured_usec[i]) < 0) {
                        json_object_put(w);
                        return -ENOMEM;
                }
                if (append(a, w) < 0)
                        return -ENOMEM;
        }
        return json_add(o, "working_sets", TAKE_PTR(a));
}

/* What the kernel says: null where it does not (no limit, no PSI, no
 * counter, the first reading for a rate). */
static int cgroup_kernel_to_json(json_object *o, const SnapshotCgroup *c) {
        const CgroupKernel *k = &c->kernel;

        if (json_add_u64_or_null(o, "memory_current_bytes", k->has_current, k->current_bytes) < 0 ||
            json_add_u64_or_null(o, "memory_high_bytes", k->has_high, k->high_bytes) < 0 ||
            json_add_u64_or_null(o, "memory_max_bytes", k->has_max, k->max_bytes) < 0 ||
            json_add_u64_or_null(o, "cadvisor_working_set_bytes", c->has_cadvisor_working_set,
                                 c->cadvisor_working_set_bytes) < 0 ||
            json_add_double_or_null(o, "workingset_refault_anon_per_second", k->has_refault_anon_rate,
                                    k->refault_anon_per_second) < 0 ||
            json_add_double_or_null(o, "workingset_refault_file_per_second", k->has_refault_file_rate,
                                    k->refault_file_per_second) < 0 ||
            json_add_double_or_null(o, "memory_pressure_some_avg10_ratio", k->has_pressure_some,
                                    k->pressure_some_avg10) < 0 ||
            json_add_double_or_null(o, "memory_pressure_full_avg10_ratio", k->has_pressure_full,
                                    k->pressure_full_avg10) < 0)
                return -ENOMEM;
        return 0;
}

/* Who the cgroup is: only the labels its path gives, {} for none. */
static int cgroup_labels_to_json(json_object *o, const CgroupLabels *l) {
        _cleanup_json_ json_object *labels = json_object_new_object();

        if (!labels)
                return -ENOMEM;
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                if (l->value[k] && json_add_str(labels, cgroup_label_to_string(k), l->value[k]) < 0)
                        return -ENOMEM;
        return json_add(o, "labels", TAKE_PTR(labels));
}

static json_object *cgroup_to_json(const SnapshotInfo *s, const SnapshotCgroup *c) {
        _cleanup_json_ json_object *o = json_object_new_object(), *hist = json_object_new_array();
        const Estimate *e = &c->estimate;

        if (!o || !hist)
                return NULL;
        if (json_add_str(o, "path", c->path) < 0 ||
            cgroup_labels_to_json(o, &c->labels) < 0 ||
            json_add_u64(o, "bytes", e->bytes) < 0 ||
            json_add_u64(o, "idle_bytes", e->idle_bytes) < 0 ||
            json_add(o, "idle_ratio", json_object_new_double(e->idle_ratio)) < 0 ||
            json_add_u64(o, "working_set_bytes", e->working_set_bytes) < 0 ||
            json_add_u64(o, "working_set_measured_usec", c->working_set_measured_usec) < 0 ||
            json_add_u64(o, "anon_bytes", e->anon_bytes) < 0 ||
            json_add_u64(o, "anon_idle_bytes", e->anon_idle_bytes) < 0 ||
            json_add_u64(o, "file_bytes", e->file_bytes) < 0 ||
            json_add_u64(o, "file_idle_bytes", e->file_idle_bytes) < 0 ||
            json_add_u64(o, "sampled_bytes", e->sampled_bytes) < 0 ||
            json_add_u64(o, "idle_bytes_stderr", e->idle_bytes_stderr) < 0 ||
            json_add_u64(o, "working_set_bytes_stderr", e->working_set_bytes_stderr) < 0 ||
            json_add_u64(o, "anon_idle_bytes_stderr", e->anon_idle_bytes_stderr) < 0 ||
            json_add_u64(o, "file_idle_bytes_stderr", e->file_idle_bytes_stderr) < 0 ||
            cgroup_cold_to_json(o, e) < 0 ||
            cgroup_windows_to_json(o, s, c) < 0 ||
            cgroup_kernel_to_json(o, c) < 0)
                return NULL;
        for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                json_object *b = json_object_new_object();

                if (!b || json_add_u64(b, "idle_usec", e->hist_lower_usec[i]) < 0 ||
                    json_add_u64(b, "bytes", e->hist_bytes[i]) < 0) {
                        json_object_put(b);
                        return NULL;
                }
                if (append(hist, b) < 0)
                        return NULL;
        }
        if (json_add(o, "idle_age_histogram", TAKE_PTR(hist)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int json_format(const Snapshot *snapshot, char **ret) {
        const SnapshotInfo *s = &snapshot->info;
        _cleanup_json_ json_object *o = json_object_new_object(), *cgroups = json_object_new_array();
        const char *text;

        if (!o || !cgroups)
                return -ENOMEM;
        if (json_add_u64(o, "schema_version", JSON_SCHEMA_VERSION) < 0 ||
            json_add_str(o, "version", PACKAGE_VERSION) < 0 ||
            json_add_str(o, "backend", s->backend) < 0 ||
            json_add_str(o, "scan_path", s->scan_path) < 0 ||
            json_add_str(o, "state", s->state) < 0 ||
            json_add_str(o, "state_detail", s->state_detail) < 0 ||
            json_add_u64(o, "scan_interval_usec", s->interval_usec) < 0 ||
            json_add_u64(o, "working_set_window_usec", s->window_usec) < 0 ||
            json_add_u64_or_null(o, "cold_age_usec", s->cold_age_usec > 0, s->cold_age_usec) < 0 ||
            json_add_windows(o, s) < 0 ||
            json_add_u64(o, "scan_count", s->scan_count) < 0 ||
            json_add_u64(o, "last_scan_timestamp_usec", s->last_scan_timestamp_usec) < 0 ||
            json_add_u64(o, "last_scan_duration_usec", s->last_scan_duration_usec) < 0 ||
            json_add_u64(o, "page_size", s->page_size) < 0 ||
            json_add(o, "sampling", json_object_new_double(s->sampling)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < snapshot->n_cgroups; i++)
                if (append(cgroups, cgroup_to_json(s, &snapshot->cgroups[i])) < 0)
                        return -ENOMEM;
        if (json_add(o, "cgroups", TAKE_PTR(cgroups)) < 0)
                return -ENOMEM;

        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        if (asprintf(ret, "%s\n", text) < 0)
                return -ENOMEM;
        return 0;
}

/* Whether what is written to fd would outlive a crash of the machine:
 * not on tmpfs or ramfs, whose files go with it anyway. */
static bool json_durable(int fd) {
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return true;
        return sfs.f_type != TMPFS_MAGIC && sfs.f_type != RAMFS_MAGIC;
}

static int json_fsync_dir(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = -EBADF;

        if (!copy)
                return -ENOMEM;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* A name json_write_atomic() gives its temporary file: path's name, a dot
 * and six characters of mkostemp(3). */
static bool json_is_temporary(const char *name, const char *base) {
        size_t n = strlen(base);

        if (strncmp(name, base, n) != 0 || name[n] != '.' || strlen(name + n + 1) != 6)
                return false;
        for (const char *p = name + n + 1; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                        return false;
        return true;
}

int json_remove_temporaries(const char *path) {
        _cleanup_free_ char *d = strdup(path), *b = strdup(path);
        _cleanup_(closedirp) DIR *dir = NULL;
        struct dirent *de;
        int removed = 0;

        if (!d || !b)
                return -ENOMEM;
        dir = opendir(dirname(d));
        if (!dir)
                return errno == ENOENT ? 0 : -errno;
        while ((errno = 0, de = readdir(dir))) {
                struct stat st;

                if (!json_is_temporary(de->d_name, basename(b)))
                        continue;
                /* Only what this user could have left: a regular file of its own. */
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
                    st.st_uid != geteuid())
                        continue;
                if (unlinkat(dirfd(dir), de->d_name, 0) < 0)
                        return -errno;
                removed++;
        }
        return errno > 0 ? -errno : removed;
}

int json_write_atomic(const char *path, const char *text) {
        _cleanup_close_ int fd = -EBADF;
        char tmp[PATH_MAX];
        size_t len = strlen(text);
        bool durable;
        ssize_t k;

        if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0)
                goto fail_errno;
        k = pwrite_full(fd, text, len, 0);
        if (k >= 0 && (size_t) k != len)
                k = -EIO;
        if (k < 0) {
                errno = (int) -k;
                goto fail_errno;
        }
        /* On a disk, the data first, so that a crash leaves the old file or
         * the new one, never an empty one; then the rename itself. */
        durable = json_durable(fd);
        if (durable && fsync(fd) < 0)
                goto fail_errno;
        if (rename(tmp, path) < 0)
                goto fail_errno;
        if (durable)
                return json_fsync_dir(path);
        return 0;

fail_errno:
        k = -errno;
        unlink(tmp);
        return (int) k;
}
