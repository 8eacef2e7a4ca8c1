/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "json.h"
#include "snapshot.h"
#include "util.h"

Snapshot *snapshot_ref(Snapshot *s) {
        if (s)
                __atomic_add_fetch(&s->n_ref, 1, __ATOMIC_RELAXED);
        return s;
}

Snapshot *snapshot_unref(Snapshot *s) {
        if (!s || __atomic_sub_fetch(&s->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        for (size_t i = 0; i < s->n_cgroups; i++)
                free(s->cgroups[i].path);
        free(s->cgroups);
        free((char *) s->info.backend);
        free((char *) s->info.scan_path);
        free((char *) s->info.state);
        free((char *) s->info.state_detail);
        free(s->json);
        free(s);
        return NULL;
}

static int strdup_or_null(const char *s, const char **ret) {
        *ret = NULL;
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

void snapshot_cgroup_empty(SnapshotCgroup *c, uint64_t interval_usec) {
        *c = (SnapshotCgroup) {};
        estimate_from_stats(&c->estimate, &(PageStats) {}, 0, interval_usec);
}

int snapshot_new(const SnapshotInfo *info, const CgroupSet *set, Snapshot **ret) {
        _cleanup_(snapshot_unrefp) Snapshot *s = NULL;
        bool sampled;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->n_ref = 1;
        s->info = *info;
        s->info.backend = s->info.scan_path = s->info.state = s->info.state_detail = NULL;
        if (!(s->info.sampling > 0 && s->info.sampling <= 1))
                s->info.sampling = 1;   /* not given: every page */
        sampled = s->info.sampling < 1;
        if (strdup_or_null(info->backend, &s->info.backend) < 0 ||
            strdup_or_null(info->scan_path, &s->info.scan_path) < 0 ||
            strdup_or_null(info->state, &s->info.state) < 0 ||
            strdup_or_null(info->state_detail, &s->info.state_detail) < 0)
                return -ENOMEM;

        s->cgroups = calloc(set ? MAX(set->n_tracked, 1) : 1, sizeof(SnapshotCgroup));
        if (!s->cgroups)
                return -ENOMEM;
        for (size_t i = 0; set && i < set->n_nodes; i++) {
                const CgroupNode *n = &set->nodes[i];
                SnapshotCgroup *c;

                if (n->parent == CGROUP_NO_PARENT && !sampled)
                        s->bytes += (n->total.pages[PAGE_FILE] + n->total.pages[PAGE_ANON]) * info->page_size;
                if (!n->tracked)
                        continue;
                c = &s->cgroups[s->n_cgroups];
                *c = (SnapshotCgroup) {
                        .working_set_measured_usec = cgroup_node_ws_measured_usec(n, info->interval_usec,
                                                                                  info->window_usec),
                        .last_scan_timestamp_usec = info->last_scan_timestamp_usec,
                };
                estimate_from_samples(&c->estimate, &n->total, &n->clusters,
                                      n->resident_known ? n->resident_bytes : NULL, sampled ? info->sampling : 1.0,
                                      info->page_size, info->interval_usec);
                /* Sampled, a top-level node is tracked (its descendants
                 * only count towards it) and its bytes are estimated. */
                if (n->parent == CGROUP_NO_PARENT && sampled)
                        s->bytes += c->estimate.bytes;
                c->path = strdup(n->path);
                if (!c->path)
                        return -ENOMEM;
                s->n_cgroups++;
        }

        r = json_format(s, &s->json);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

const SnapshotCgroup *snapshot_find(const Snapshot *s, const char *path) {
        for (size_t i = 0; s && i < s->n_cgroups; i++)
                if (strcmp(s->cgroups[i].path, path) == 0)
                        return &s->cgroups[i];
        return NULL;
}
