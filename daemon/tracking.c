/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tracking changes made at run time: Track() and Untrack() on the bus. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-path.h"
#include "tracking.h"
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

void tracking_done(Tracking *t) {
        t->added = strv_free(t->added);
        t->removed = strv_free(t->removed);
}

bool tracking_is_tracked(const Tracking *t, const Snapshot *s, const char *path) {
        if (strv_contains(t->removed, path))
                return false;
        if (strv_contains(t->added, path))
                return true;
        return snapshot_find(s, path);
}

int tracking_cgroup_exists(int root_fd, const char *path) {
        struct stat st;

        if (root_fd < 0)
                return -EBADF;
        if (fstatat(root_fd, path[1] ? path + 1 : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return 0;
}

int tracking_track(Tracking *t, const Snapshot *s, int root_fd, const char *path) {
        int r;

        if (tracking_is_tracked(t, s, path))
                return -EEXIST;
        r = tracking_cgroup_exists(root_fd, path);
        if (r < 0)
                return r;
        strv_remove(t->removed, path);
        if (strv_contains(t->added, path))
                return 0;
        return strv_extend(&t->added, path);
}

int tracking_untrack(Tracking *t, const Snapshot *s, const char *path) {
        if (!tracking_is_tracked(t, s, path))
                return -ESRCH;
        strv_remove(t->added, path);
        if (strv_contains(t->removed, path))
                return 0;
        /* A configured pattern may match it: keep it out from now on. */
        return strv_extend(&t->removed, path);
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

int tracking_build_set(const Tracking *t, int root_fd, char * const *patterns, CgroupSet **ret) {
        _cleanup_strv_free_ char **all = NULL;
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        int r;

        if (!t->added && !t->removed)
                return cgroup_set_build(root_fd, patterns, ret);

        all = strv_copy(patterns);
        if (!all)
                return -ENOMEM;
        for (size_t i = 0; t->added && t->added[i]; i++) {
                _cleanup_free_ char *p = cgroup_path_to_pattern(t->added[i]);

                if (!p || strv_extend(&all, p) < 0)
                        return -ENOMEM;
        }
        r = cgroup_set_build(root_fd, all, &set);
        if (r < 0)
                return r;
        if (!t->removed || !t->removed[0]) {
                *ret = TAKE_PTR(set);
                return 0;
        }
        return filter_set(set, t->removed, ret);
}
