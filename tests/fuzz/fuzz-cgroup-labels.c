/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The labels of a cgroup path.  Input: a path.  Whatever it is, each label
 * has the shape its key promises (the schema's patterns), a unit, slice
 * or container ID is taken from the path itself, and the same path with
 * slashes doubled and one at the end has the same labels. */
#include <stdbool.h>

#include "cgroup-labels.h"
#include "fuzz.h"
#include "util.h"

static bool lower_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool one_of(const char *s, const char *const *l) {
        for (; *l; l++)
                if (strcmp(s, *l) == 0)
                        return true;
        return false;
}

/* Whether v is a whole component of path. */
static bool is_component(const char *path, const char *v) {
        size_t n = strlen(v);

        for (const char *p = path; (p = strstr(p, v)); p++)
                if ((p == path || p[-1] == '/') && (p[n] == 0 || p[n] == '/'))
                        return true;
        return false;
}

static void check_shapes(const char *path, const CgroupLabels *l) {
        static const char *const qos[] = { "guaranteed", "burstable", "besteffort", NULL };
        static const char *const runtimes[] = { "containerd", "crio", "docker", "podman", NULL };
        const char *v;

        if ((v = l->value[CGROUP_LABEL_UNIT])) {
                FUZZ_CHECK(strlen(v) <= 255 && is_component(path, v));
                FUZZ_CHECK(ends_with(v, ".service") || ends_with(v, ".scope") || ends_with(v, ".socket") ||
                           ends_with(v, ".mount") || ends_with(v, ".swap"));
        }
        if ((v = l->value[CGROUP_LABEL_SLICE]))
                FUZZ_CHECK(strlen(v) <= 255 && is_component(path, v) && ends_with(v, ".slice"));
        if ((v = l->value[CGROUP_LABEL_POD_UID])) {
                FUZZ_CHECK(strlen(v) == 36);
                for (size_t i = 0; i < 36; i++)
                        FUZZ_CHECK((i == 8 || i == 13 || i == 18 || i == 23) ? v[i] == '-' : lower_hex(v + i, 1));
                FUZZ_CHECK(l->value[CGROUP_LABEL_QOS_CLASS]);
        }
        if ((v = l->value[CGROUP_LABEL_QOS_CLASS]))
                FUZZ_CHECK(one_of(v, qos));
        if ((v = l->value[CGROUP_LABEL_CONTAINER_ID]))
                FUZZ_CHECK(strlen(v) == 64 && lower_hex(v, 64) && strstr(path, v));
        if ((v = l->value[CGROUP_LABEL_CONTAINER_RUNTIME]))
                FUZZ_CHECK(one_of(v, runtimes) && l->value[CGROUP_LABEL_CONTAINER_ID]);
        if ((v = l->value[CGROUP_LABEL_MACHINE])) {
                size_t n = strlen(v);

                FUZZ_CHECK(n >= 1 && n <= 64 && v[0] != '.' && !strstr(v, ".."));
                for (size_t i = 0; i < n; i++)
                        FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", v[i]));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_strndup(data, size), *doubled = NULL;
        CgroupLabels l, again;
        size_t k = 0;

        FUZZ_CHECK(cgroup_labels_parse(s, &l) == 0);
        check_shapes(s, &l);

        doubled = malloc(2 * strlen(s) + 2);
        FUZZ_CHECK(doubled);
        for (const char *p = s; *p; p++) {
                doubled[k++] = *p;
                if (*p == '/')
                        doubled[k++] = '/';
        }
        doubled[k++] = '/';
        doubled[k] = 0;
        FUZZ_CHECK(cgroup_labels_parse(doubled, &again) == 0);
        for (CgroupLabel i = 0; i < _CGROUP_LABEL_MAX; i++)
                FUZZ_CHECK(!l.value[i] == !again.value[i] && (!l.value[i] || strcmp(l.value[i], again.value[i]) == 0));
        cgroup_labels_done(&again);
        cgroup_labels_done(&l);
        return 0;
}
