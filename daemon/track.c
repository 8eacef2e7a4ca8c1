/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tracking changes made at run time: Track(), Untrack() and ScanNow() on
 * the bus. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "track.h"
#include "util.h"

static bool strv_contains(char * const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (strcmp(l[i], s) == 0)
                        return true;
        return false;
}

static void strv_remove(char **l, const char *s) {
        size_t j = 0;

        for (size_t i = 0; l && l[i]; i++) {
                if (strcmp(l[i], s) == 0)
                        free(l[i]);
                else
                        l[j++] = l[i];
        }
        if (l)
                l[j] = NULL;
}

bool manager_is_tracked(const Manager *m, const char *path) {
        const CgroupNode *n;

        if (strv_contains(m->track_removed, path))
                return false;
        if (strv_contains(m->track_added, path))
                return true;
        n = m->published ? cgroup_set_find_path(m->published, path) : NULL;
        return n && n->tracked;
}

int manager_track(Manager *m, const char *path) {
        strv_remove(m->track_removed, path);
        if (strv_contains(m->track_added, path))
                return 0;
        return strv_extend(&m->track_added, path);
}

int manager_untrack(Manager *m, const char *path) {
        strv_remove(m->track_added, path);
        if (strv_contains(m->track_removed, path))
                return 0;
        /* A configured pattern may match it: keep it out from now on. */
        return strv_extend(&m->track_removed, path);
}

int manager_cgroup_exists(const Manager *m, const char *path) {
        struct stat st;

        if (m->cgroup_root_fd < 0)
                return -EBADF;
        if (fstatat(m->cgroup_root_fd, path[1] ? path + 1 : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return 0;
}

/* Copies the nodes that stay tracked, and their descendants, leaving out the
 * Untrack()ed ones (a set is in pre-order, so parents come first). */
static int filter_set(const CgroupSet *in, char * const *removed, CgroupSet **ret) {
        _cleanup_(cgroup_set_freep) CgroupSet *out = NULL;
        _cleanup_free_ size_t *map = NULL;
        int r;

        r = cgroup_set_new(&out);
        if (r < 0)
                return r;
        map = malloc(sizeof(size_t) * (in->n_nodes ?: 1));
        if (!map)
                return -ENOMEM;
        for (size_t i = 0; i < in->n_nodes; i++) {
                const CgroupNode *n = &in->nodes[i];
                size_t parent = n->parent == CGROUP_NO_PARENT ? CGROUP_NO_PARENT : map[n->parent];
                bool tracked = n->tracked && !strv_contains(removed, n->path);

                map[i] = CGROUP_NO_PARENT;
                if (!tracked && !n->unnamed && parent == CGROUP_NO_PARENT)
                        continue;
                r = cgroup_set_add(out, n->path, n->inode, parent, tracked, &map[i]);
                if (r < 0)
                        return r;
                out->nodes[map[i]].unnamed = n->unnamed;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int manager_build_cgroup_set(Manager *m, CgroupSet **ret) {
        _cleanup_strv_free_ char **patterns = NULL;
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        int r;

        if (!m->track_added && !m->track_removed)
                return cgroup_set_build(m->cgroup_root_fd, m->config->cgroups, ret);

        patterns = strv_copy(m->config->cgroups);
        if (!patterns)
                return -ENOMEM;
        for (size_t i = 0; m->track_added && m->track_added[i]; i++) {
                _cleanup_free_ char *p = cgroup_path_to_pattern(m->track_added[i]);

                if (!p || strv_extend(&patterns, p) < 0)
                        return -ENOMEM;
        }
        r = cgroup_set_build(m->cgroup_root_fd, patterns, &set);
        if (r < 0)
                return r;
        if (!m->track_removed || !m->track_removed[0]) {
                *ret = TAKE_PTR(set);
                return 0;
        }
        return filter_set(set, m->track_removed, ret);
}

void manager_scan_now(Manager *m) {
        if (m->scanning) {
                /* manager_schedule_pass() starts the next one at once. */
                m->scan_requested = true;
                return;
        }
        if (sd_event_source_set_time(m->pass_timer, now_usec(CLOCK_MONOTONIC)) >= 0)
                (void) sd_event_source_set_enabled(m->pass_timer, SD_EVENT_ONESHOT);
}
