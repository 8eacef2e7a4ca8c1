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

static json_object *cgroup_to_json(const SnapshotCgroup *c) {
        _cleanup_json_ json_object *o = json_object_new_object(), *hist = json_object_new_array();
        const Estimate *e = &c->estimate;

        if (!o || !hist)
                return NULL;
        if (json_add_str(o, "path", c->path) < 0 ||
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
            json_add_u64(o, "file_idle_bytes_stderr", e->file_idle_bytes_stderr) < 0)
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
            json_add_u64(o, "scan_count", s->scan_count) < 0 ||
            json_add_u64(o, "last_scan_timestamp_usec", s->last_scan_timestamp_usec) < 0 ||
            json_add_u64(o, "last_scan_duration_usec", s->last_scan_duration_usec) < 0 ||
            json_add_u64(o, "page_size", s->page_size) < 0 ||
            json_add(o, "sampling", json_object_new_double(s->sampling)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < snapshot->n_cgroups; i++)
                if (append(cgroups, cgroup_to_json(&snapshot->cgroups[i])) < 0)
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
