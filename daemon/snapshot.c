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
        for (size_t i = 0; i < s->n_cgroups; i++) {
                free(s->cgroups[i].path);
                cgroup_labels_done(&s->cgroups[i].labels);
        }
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

/* The kernel's refaults per minute, of the longest window's working set. */
static void snapshot_refault_ratio(Estimate *e, const CgroupKernel *k, uint64_t page_size) {
        double per_second = (k->has_refault_anon_rate ? k->refault_anon_per_second : 0.0) +
                            (k->has_refault_file_rate ? k->refault_file_per_second : 0.0);
        uint64_t ws = e->n_windows > 0 ? e->window_ws_bytes[e->n_windows - 1] : e->working_set_bytes;

        e->refault_ratio = ws > 0 ? per_second * 60.0 * (double) page_size / (double) ws : 0.0;
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
        /* One window at least, the working-set window. */
        if (s->info.n_windows == 0) {
                s->info.n_windows = 1;
                s->info.windows_usec[0] = info->window_usec;
        }
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
                estimate_cold_from_stats(&c->estimate, &n->total, info->page_size, info->interval_usec,
                                         info->cold_age_usec > 0);
                estimate_windows_from_stats(&c->estimate, &n->total, info->page_size, s->info.n_windows);
                if (sampled)
                        estimate_scale_sampled(&c->estimate, &n->total, info->page_size, info->interval_usec);
                memcpy(c->windows_usec, s->info.windows_usec, sizeof(c->windows_usec));
                for (unsigned k = 0; k < c->estimate.n_windows; k++)
                        c->windows_measured_usec[k] = cgroup_node_ws_measured_usec(n, info->interval_usec,
                                                                                   s->info.windows_usec[k]);
                c->kernel = n->kernel;
                c->has_cadvisor_working_set = cgroup_kernel_cadvisor_working_set(&n->kernel,
                                                                                 &c->cadvisor_working_set_bytes);
                snapshot_refault_ratio(&c->estimate, &n->kernel, info->page_size);
                estimate_advise(&c->estimate, info->page_size);
                c->path = strdup(n->path);
                if (!c->path)
                        return -ENOMEM;
                s->n_cgroups++;
                r = cgroup_labels_parse(c->path, &c->labels);
                if (r < 0)
                        return r;
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
