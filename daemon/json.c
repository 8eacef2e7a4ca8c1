/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "estimate.h"
#include "json.h"
#include "util.h"

static void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

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

static json_object *cgroup_to_json(const CgroupNode *n, const Snapshot *s) {
        _cleanup_json_ json_object *o = json_object_new_object(), *hist = json_object_new_array();
        Estimate e;

        if (!o || !hist)
                return NULL;
        estimate_from_stats(&e, &n->total, s->page_size, s->interval_usec);
        if (json_add_str(o, "path", n->path) < 0 ||
            json_add_u64(o, "bytes", e.bytes) < 0 ||
            json_add_u64(o, "idle_bytes", e.idle_bytes) < 0 ||
            json_add(o, "idle_ratio", json_object_new_double(e.idle_ratio)) < 0 ||
            json_add_u64(o, "working_set_bytes", e.working_set_bytes) < 0 ||
            json_add_u64(o, "working_set_measured_usec",
                         cgroup_node_ws_measured_usec(n, s->interval_usec, s->window_usec)) < 0 ||
            json_add_u64(o, "anon_bytes", e.anon_bytes) < 0 ||
            json_add_u64(o, "anon_idle_bytes", e.anon_idle_bytes) < 0 ||
            json_add_u64(o, "file_bytes", e.file_bytes) < 0 ||
            json_add_u64(o, "file_idle_bytes", e.file_idle_bytes) < 0)
                return NULL;
        for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                json_object *b = json_object_new_object();

                if (!b || json_add_u64(b, "idle_usec", e.hist_lower_usec[i]) < 0 ||
                    json_add_u64(b, "bytes", e.hist_bytes[i]) < 0) {
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

int json_format(const Snapshot *s, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object(), *cgroups = json_object_new_array();
        const char *text;

        if (!o || !cgroups)
                return -ENOMEM;
        if (json_add_u64(o, "schema_version", JSON_SCHEMA_VERSION) < 0 ||
            json_add_str(o, "version", PACKAGE_VERSION) < 0 ||
            json_add_str(o, "backend", s->backend) < 0 ||
            json_add_str(o, "state", s->state) < 0 ||
            json_add_str(o, "state_detail", s->state_detail) < 0 ||
            json_add_u64(o, "scan_interval_usec", s->interval_usec) < 0 ||
            json_add_u64(o, "working_set_window_usec", s->window_usec) < 0 ||
            json_add_u64(o, "scan_count", s->scan_count) < 0 ||
            json_add_u64(o, "last_scan_timestamp_usec", s->last_scan_timestamp_usec) < 0 ||
            json_add_u64(o, "last_scan_duration_usec", s->last_scan_duration_usec) < 0 ||
            json_add_u64(o, "page_size", s->page_size) < 0)
                return -ENOMEM;
        for (size_t i = 0; s->cgroups && i < s->cgroups->n_nodes; i++)
                if (s->cgroups->nodes[i].tracked &&
                    append(cgroups, cgroup_to_json(&s->cgroups->nodes[i], s)) < 0)
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

int json_write_atomic(const char *path, const char *text) {
        _cleanup_close_ int fd = -EBADF;
        char tmp[PATH_MAX];
        size_t len = strlen(text);
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
        if (rename(tmp, path) < 0)
                goto fail_errno;
        return 0;

fail_errno:
        k = -errno;
        unlink(tmp);
        return (int) k;
}
