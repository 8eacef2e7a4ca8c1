/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The labels of a cgroup path (cgroup-labels.h), from the names the tools
 * that make cgroups give them:
 *  - systemd: a cgroup per slice, nested by name (a-b.slice in a.slice),
 *    and per service, scope, socket, mount and swap unit;
 *  - the kubelet: kubepods, then a level per QoS class but guaranteed,
 *    then a pod, then its containers.  The systemd driver writes them as
 *    slices, kubepods-burstable-pod<uid>.slice with the UID's dashes as
 *    underscores (a dash would nest), and its runtimes name the container
 *    scopes cri-containerd-<id>, crio-<id> and docker-<id> (cri-dockerd);
 *    the cgroupfs driver writes /kubepods/burstable/pod<uid>/<id> (CRI-O:
 *    crio-<id>).  A --cgroup-root other than / prefixes them (kind:
 *    kubelet.slice/kubelet-kubepods.slice/...);
 *  - Docker: docker-<id>.scope (systemd driver), /docker/<id> (cgroupfs);
 *    Podman: libpod-<id>.scope, rootful or under a user's manager, and
 *    /libpod_parent/libpod-<id> (cgroupfs); both keep their conmon in a
 *    cgroup of its own (libpod-conmon-<id>, crio-conmon-<id>,
 *    libpod-<id>/conmon), which is not the container;
 *  - systemd-machined: machine.slice/machine-<name>.scope with the name
 *    escaped as in unit names (\x2d for '-'), or
 *    machine.slice/systemd-nspawn@<name>.service. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-labels.h"
#include "util.h"

static const char * const cgroup_label_table[_CGROUP_LABEL_MAX] = {
        [CGROUP_LABEL_UNIT] = "unit",
        [CGROUP_LABEL_SLICE] = "slice",
        [CGROUP_LABEL_POD_UID] = "pod_uid",
        [CGROUP_LABEL_QOS_CLASS] = "qos_class",
        [CGROUP_LABEL_CONTAINER_ID] = "container_id",
        [CGROUP_LABEL_CONTAINER_RUNTIME] = "container_runtime",
        [CGROUP_LABEL_MACHINE] = "machine",
};

/* What pageidlectl show calls each one. */
static const char * const cgroup_label_heading_table[_CGROUP_LABEL_MAX] = {
        [CGROUP_LABEL_UNIT] = "Unit",
        [CGROUP_LABEL_SLICE] = "Slice",
        [CGROUP_LABEL_POD_UID] = "Pod UID",
        [CGROUP_LABEL_QOS_CLASS] = "QoS class",
        [CGROUP_LABEL_CONTAINER_ID] = "Container",
        [CGROUP_LABEL_CONTAINER_RUNTIME] = "Runtime",
        [CGROUP_LABEL_MACHINE] = "Machine",
};

const char *cgroup_label_to_string(CgroupLabel l) {
        return l >= 0 && l < _CGROUP_LABEL_MAX ? cgroup_label_table[l] : NULL;
}

CgroupLabel cgroup_label_from_string(const char *s) {
        if (!s)
                return _CGROUP_LABEL_INVALID;
        for (CgroupLabel l = 0; l < _CGROUP_LABEL_MAX; l++)
                if (strcmp(cgroup_label_table[l], s) == 0)
                        return l;
        return _CGROUP_LABEL_INVALID;
}

const char *cgroup_label_heading(CgroupLabel l) {
        return l >= 0 && l < _CGROUP_LABEL_MAX ? cgroup_label_heading_table[l] : NULL;
}

void cgroup_labels_done(CgroupLabels *l) {
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++) {
                free(l->value[k]);
                l->value[k] = NULL;
        }
}

/* A component of the path, or what is left of one. */
typedef struct Span {
        const char *p;
        size_t n;
} Span;

static bool span_eq(Span s, const char *str) {
        return strlen(str) == s.n && memcmp(s.p, str, s.n) == 0;
}

/* Takes prefix (n bytes) off the front of s, if s starts with it. */
static bool span_eat_prefix(Span *s, const char *prefix, size_t n) {
        if (s->n < n || memcmp(s->p, prefix, n) != 0)
                return false;
        s->p += n;
        s->n -= n;
        return true;
}

static bool span_eat(Span *s, const char *prefix) {
        return span_eat_prefix(s, prefix, strlen(prefix));
}

static bool span_eat_suffix(Span *s, const char *suffix) {
        size_t n = strlen(suffix);

        if (s->n < n || memcmp(s->p + s->n - n, suffix, n) != 0)
                return false;
        s->n -= n;
        return true;
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool is_lower_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_alnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A container ID as every runtime here writes it: 64 lower-case hex digits. */
static bool is_container_id(Span s) {
        if (s.n != 64)
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (!is_lower_hex(s.p[i]))
                        return false;
        return true;
}

/* A pod UID, 8-4-4-4-12 lower-case hex digits separated by sep (the
 * systemd driver's '_' or cgroupfs's '-'), into uid with dashes. */
static bool pod_uid_parse(Span s, char sep, char uid[static 37]) {
        if (s.n != 36)
                return false;
        for (size_t i = 0; i < s.n; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s.p[i] != sep)
                                return false;
                        uid[i] = '-';
                } else if (is_lower_hex(s.p[i]))
                        uid[i] = s.p[i];
                else
                        return false;
        }
        uid[36] = 0;
        return true;
}

/* The unit types that have cgroups, but slices. */
static const char * const unit_types[] = { "service", "scope", "socket", "mount", "swap", NULL };
static const char * const slice_types[] = { "slice", NULL };

/* Whether s is a unit name systemd would take, of one of types: no
 * longer than its 255 bytes, letters, digits and ":-_.\" before the type,
 * and for an instance (if instances is true) a template name, '@' and a
 * non-empty instance, which may hold more '@'.  A template itself has no
 * cgroup. */
static bool unit_name_valid(Span s, const char * const *types, bool instances) {
        const char *dot = NULL, *at = NULL;
        bool known = false;
        Span type;

        if (s.n == 0 || s.n > 255)
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (s.p[i] == '.')
                        dot = s.p + i;
        if (!dot || dot == s.p)
                return false;
        type = (Span) { dot + 1, (size_t) (s.p + s.n - dot - 1) };
        for (const char * const *t = types; *t; t++)
                known = known || span_eq(type, *t);
        if (!known)
                return false;
        for (const char *c = s.p; c < dot; c++) {
                if (*c == '@') {
                        at = at ?: c;
                        continue;
                }
                if (!is_alnum(*c) && !strchr(":-_.\\", *c))
                        return false;
        }
        if (!at)
                return true;
        return instances && at != s.p && at + 1 < dot;
}

/* A machine name from its escaped form in a unit name (\xNN for a byte,
 * as systemd escapes '-' and what else is not plain), into name: what
 * machined takes, a host name's letters, digits, '-', '_' and '.', at
 * most 64 of them, not starting with '.' and without "..". */
static bool machine_name_unescape(Span s, char name[static 65]) {
        size_t k = 0;

        for (size_t i = 0; i < s.n; i++) {
                char c = s.p[i];

                if (c == '\\') {
                        int hi, lo;

                        if (i + 3 >= s.n || s.p[i + 1] != 'x' || (hi = hex_value(s.p[i + 2])) < 0 ||
                            (lo = hex_value(s.p[i + 3])) < 0)
                                return false;
                        c = (char) (hi * 16 + lo);
                        i += 3;
                }
                if (k >= 64 || !(is_alnum(c) || c == '-' || c == '_' || c == '.'))
                        return false;
                if (c == '.' && (k == 0 || name[k - 1] == '.'))
                        return false;
                name[k++] = c;
        }
        name[k] = 0;
        return k > 0;
}

static int label_set(CgroupLabels *l, CgroupLabel k, const char *p, size_t n) {
        char *v = strndup(p, n);

        if (!v)
                return -ENOMEM;
        free(l->value[k]);
        l->value[k] = v;
        return 0;
}

static int label_set_span(CgroupLabels *l, CgroupLabel k, Span s) {
        return label_set(l, k, s.p, s.n);
}

static int label_set_str(CgroupLabels *l, CgroupLabel k, const char *s) {
        return label_set(l, k, s, strlen(s));
}

/* What the kubelet's part of a path says: where its tree starts, the QoS
 * class, the pod and which driver made them. */
typedef struct Kube {
        bool systemd;
        const char *qos;                /* NULL: not known */
        bool has_pod;
        size_t pod;                     /* the pod's component */
        char uid[37];
} Kube;

/* The QoS classes that have a level of their own; a guaranteed pod is
 * right below kubepods. */
static const char * const qos_levels[] = { "burstable", "besteffort" };

/* Whether c[i] is the systemd driver's <S>kubepods.slice, where <S> is
 * empty or the slice prefix of the kubelet's cgroup root (its parent
 * slice's name and a dash, as systemd nests slices); then what lies below. */
static bool kube_systemd(const Span *c, size_t n, size_t i, Kube *k) {
        Span root = c[i], x;

        if (!unit_name_valid(root, slice_types, false) || !span_eat_suffix(&root, "kubepods.slice"))
                return false;
        if (root.n > 0) {
                Span parent;

                if (root.p[root.n - 1] != '-' || i == 0)
                        return false;
                parent = c[i - 1];
                if (!span_eat_suffix(&parent, ".slice") || parent.n != root.n - 1 ||
                    memcmp(parent.p, root.p, parent.n) != 0)
                        return false;
        }
        *k = (Kube) { .systemd = true };
        if (i + 1 >= n)
                return true;
        for (size_t q = 0; q < ELEMENTSOF(qos_levels); q++) {
                x = c[i + 1];
                if (!span_eat_prefix(&x, root.p, root.n) || !span_eat(&x, "kubepods-") || !span_eat(&x, qos_levels[q]) ||
                    !span_eq(x, ".slice"))
                        continue;
                k->qos = qos_levels[q];
                if (i + 2 >= n)
                        return true;
                x = c[i + 2];
                if (span_eat_prefix(&x, root.p, root.n) && span_eat(&x, "kubepods-") && span_eat(&x, qos_levels[q]) &&
                    span_eat(&x, "-pod") && span_eat_suffix(&x, ".slice") && pod_uid_parse(x, '_', k->uid)) {
                        k->has_pod = true;
                        k->pod = i + 2;
                }
                return true;
        }
        x = c[i + 1];
        if (span_eat_prefix(&x, root.p, root.n) && span_eat(&x, "kubepods-pod") && span_eat_suffix(&x, ".slice") &&
            pod_uid_parse(x, '_', k->uid)) {
                k->qos = "guaranteed";
                k->has_pod = true;
                k->pod = i + 1;
        }
        return true;
}

/* Whether c[i] is the cgroupfs driver's kubepods; then what lies below. */
static bool kube_cgroupfs(const Span *c, size_t n, size_t i, Kube *k) {
        Span x;

        if (!span_eq(c[i], "kubepods"))
                return false;
        *k = (Kube) {};
        if (i + 1 >= n)
                return true;
        for (size_t q = 0; q < ELEMENTSOF(qos_levels); q++) {
                if (!span_eq(c[i + 1], qos_levels[q]))
                        continue;
                k->qos = qos_levels[q];
                if (i + 2 >= n)
                        return true;
                x = c[i + 2];
                if (span_eat(&x, "pod") && pod_uid_parse(x, '-', k->uid)) {
                        k->has_pod = true;
                        k->pod = i + 2;
                }
                return true;
        }
        x = c[i + 1];
        if (span_eat(&x, "pod") && pod_uid_parse(x, '-', k->uid)) {
                k->qos = "guaranteed";
                k->has_pod = true;
                k->pod = i + 1;
        }
        return true;
}

/* A container of a pod, the component right below it; "" for a runtime
 * the name does not tell (cgroupfs's bare ID). */
static bool kube_container(const Kube *k, Span x, Span *id, const char **runtime) {
        static const struct {
                const char *prefix, *runtime;
        } scopes[] = {
                { "cri-containerd-", "containerd" },
                { "crio-", "crio" },
                { "docker-", "docker" },
        };

        if (k->systemd) {
                if (!span_eat_suffix(&x, ".scope"))
                        return false;
                for (size_t s = 0; s < ELEMENTSOF(scopes); s++) {
                        Span y = x;

                        if (span_eat(&y, scopes[s].prefix) && is_container_id(y)) {
                                *id = y;
                                *runtime = scopes[s].runtime;
                                return true;
                        }
                }
                return false;
        }
        if (is_container_id(x)) {
                *id = x;
                *runtime = "";
                return true;
        }
        if (span_eat(&x, "crio-") && is_container_id(x)) {
                *id = x;
                *runtime = "crio";
                return true;
        }
        return false;
}

/* A Docker or Podman container outside Kubernetes: c[i] itself, or
 * c[i] below its cgroupfs parent.  Podman's cgroupfs manager has kept
 * conmon in the container's directory (libpod-<id>/conmon, beside
 * libpod-<id>/ctr): not the container. */
static bool other_container(const Span *c, size_t n, size_t i, Span *id, const char **runtime) {
        Span x = c[i], y;

        if (span_eat_suffix(&x, ".scope")) {
                y = x;
                if (span_eat(&y, "docker-") && is_container_id(y)) {
                        *id = y;
                        *runtime = "docker";
                        return true;
                }
                y = x;
                if (span_eat(&y, "libpod-") && is_container_id(y)) {
                        *id = y;
                        *runtime = "podman";
                        return true;
                }
                return false;
        }
        if (i > 0 && span_eq(c[i - 1], "docker") && is_container_id(x)) {
                *id = x;
                *runtime = "docker";
                return true;
        }
        if (i > 0 && span_eq(c[i - 1], "libpod_parent") && span_eat(&x, "libpod-") && is_container_id(x) &&
            !(i + 1 < n && span_eq(c[i + 1], "conmon"))) {
                *id = x;
                *runtime = "podman";
                return true;
        }
        return false;
}

/* A machine of machined: c[i] in machine.slice, its name into name. */
static bool machine(const Span *c, size_t i, char name[static 65]) {
        Span x = c[i];

        if (i == 0 || !span_eq(c[i - 1], "machine.slice") || !unit_name_valid(x, unit_types, true))
                return false;
        if (span_eat(&x, "machine-") && span_eat_suffix(&x, ".scope"))
                return machine_name_unescape(x, name);
        x = c[i];
        if (span_eat(&x, "systemd-nspawn@") && span_eat_suffix(&x, ".service"))
                return machine_name_unescape(x, name);
        return false;
}

static int labels_from_components(const Span *c, size_t n, CgroupLabels *l) {
        bool has_kube = false, has_container = false, has_machine = false;
        size_t unit = n, slice = n;
        const char *runtime = NULL;
        char name[65] = "";
        Kube kube = {};
        Span id = {};
        int r;

        for (size_t i = 0; i < n; i++) {
                char m[65];
                Kube k;

                if (unit_name_valid(c[i], unit_types, true))
                        unit = i;
                if (unit_name_valid(c[i], slice_types, false))
                        slice = i;
                if (kube_systemd(c, n, i, &k) || kube_cgroupfs(c, n, i, &k)) {
                        has_kube = true;
                        kube = k;
                }
                if (machine(c, i, m)) {
                        has_machine = true;
                        memcpy(name, m, sizeof(name));
                }
        }
        /* Within the kubelet's tree only a pod's own containers count, not
         * (in kind) the node's container the tree is in. */
        if (has_kube)
                has_container = kube.has_pod && kube.pod + 1 < n && kube_container(&kube, c[kube.pod + 1], &id, &runtime);
        else
                for (size_t i = 0; i < n; i++) {
                        Span x;
                        const char *rt;

                        if (other_container(c, n, i, &x, &rt)) {
                                has_container = true;
                                id = x;
                                runtime = rt;
                        }
                }

        if ((unit < n && (r = label_set_span(l, CGROUP_LABEL_UNIT, c[unit])) < 0) ||
            (slice < n && (r = label_set_span(l, CGROUP_LABEL_SLICE, c[slice])) < 0) ||
            (kube.has_pod && (r = label_set_str(l, CGROUP_LABEL_POD_UID, kube.uid)) < 0) ||
            (kube.qos && (r = label_set_str(l, CGROUP_LABEL_QOS_CLASS, kube.qos)) < 0) ||
            (has_container && (r = label_set_span(l, CGROUP_LABEL_CONTAINER_ID, id)) < 0) ||
            (has_container && *runtime && (r = label_set_str(l, CGROUP_LABEL_CONTAINER_RUNTIME, runtime)) < 0) ||
            (has_machine && (r = label_set_str(l, CGROUP_LABEL_MACHINE, name)) < 0))
                return r;
        return 0;
}

int cgroup_labels_parse(const char *path, CgroupLabels *ret) {
        _cleanup_free_ Span *c = NULL;
        CgroupLabels l = {};
        size_t n = 0;
        int r;

        *ret = (CgroupLabels) {};
        if (!path || !*path)
                return 0;
        /* A component and its slash take two bytes at least. */
        c = calloc(strlen(path) / 2 + 1, sizeof(Span));
        if (!c)
                return -ENOMEM;
        for (const char *p = path; *p;) {
                size_t k;

                p += strspn(p, "/");
                k = strcspn(p, "/");
                if (k > 0)
                        c[n++] = (Span) { p, k };
                p += k;
        }
        r = labels_from_components(c, n, &l);
        if (r < 0) {
                cgroup_labels_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}
