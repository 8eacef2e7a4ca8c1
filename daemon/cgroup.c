/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "util.h"

#define CGROUP_MAX_DEPTH 64

CgroupSet *cgroup_set_free(CgroupSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_nodes; i++)
                free(s->nodes[i].path);
        free(s->nodes);
        free(s->keys);
        free(s->values);
        free(s);
        return NULL;
}

int cgroup_set_new(CgroupSet **ret) {
        CgroupSet *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static size_t inode_hash(uint64_t inode, size_t n_buckets) {
        return (size_t) ((inode * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (n_buckets - 1);
}

static int cgroup_set_index_grow(CgroupSet *s) {
        size_t n = s->n_buckets ? s->n_buckets * 2 : 64;
        _cleanup_free_ uint64_t *keys = calloc(n, sizeof(uint64_t));
        _cleanup_free_ size_t *values = calloc(n, sizeof(size_t));

        if (!keys || !values)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_buckets; i++) {
                size_t h;

                if (s->keys[i] == 0)
                        continue;
                for (h = inode_hash(s->keys[i], n); keys[h] != 0; h = (h + 1) & (n - 1))
                        ;
                keys[h] = s->keys[i];
                values[h] = s->values[i];
        }
        free(s->keys);
        free(s->values);
        s->keys = TAKE_PTR(keys);
        s->values = TAKE_PTR(values);
        s->n_buckets = n;
        return 0;
}

int cgroup_set_add(CgroupSet *s, const char *path, uint64_t inode, size_t parent, bool tracked, size_t *ret_index) {
        size_t h;
        char *p;
        int r;

        if (inode == 0)
                return -EINVAL;
        if (cgroup_set_lookup(s, inode))
                return -EEXIST;
        if ((s->n_nodes + 1) * 2 > s->n_buckets) {
                r = cgroup_set_index_grow(s);
                if (r < 0)
                        return r;
        }
        if (s->n_nodes >= s->n_allocated) {
                size_t n = s->n_allocated ? s->n_allocated * 2 : 16;
                CgroupNode *nodes = realloc(s->nodes, n * sizeof(CgroupNode));

                if (!nodes)
                        return -ENOMEM;
                s->nodes = nodes;
                s->n_allocated = n;
        }
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        s->nodes[s->n_nodes] = (CgroupNode) {
                .path = p,
                .inode = inode,
                .parent = parent,
                .tracked = tracked,
                .measured_intervals = AGE_MAX,
        };
        for (h = inode_hash(inode, s->n_buckets); s->keys[h] != 0; h = (h + 1) & (s->n_buckets - 1))
                ;
        s->keys[h] = inode;
        s->values[h] = s->n_nodes;
        if (tracked)
                s->n_tracked++;
        if (ret_index)
                *ret_index = s->n_nodes;
        s->n_nodes++;
        return 0;
}

CgroupNode *cgroup_set_lookup(const CgroupSet *s, uint64_t inode) {
        if (s->n_buckets == 0 || inode == 0)
                return NULL;
        for (size_t h = inode_hash(inode, s->n_buckets); s->keys[h] != 0; h = (h + 1) & (s->n_buckets - 1))
                if (s->keys[h] == inode)
                        return &s->nodes[s->values[h]];
        return NULL;
}

CgroupNode *cgroup_set_find_path(const CgroupSet *s, const char *path) {
        for (size_t i = 0; i < s->n_nodes; i++)
                if (strcmp(s->nodes[i].path, path) == 0)
                        return &s->nodes[i];
        return NULL;
}

void cgroup_set_sum(CgroupSet *s) {
        for (size_t i = 0; i < s->n_nodes; i++)
                s->nodes[i].total = s->nodes[i].own;
        /* Children come after their parents, so one backwards sweep suffices. */
        for (size_t i = s->n_nodes; i-- > 0;)
                if (s->nodes[i].parent != CGROUP_NO_PARENT)
                        page_stats_add(&s->nodes[s->nodes[i].parent].total, &s->nodes[i].total);
}

bool cgroup_pattern_match(const char *pattern, const char *path) {
        char buf[PATH_MAX];
        size_t l = strlen(pattern);

        /* "/a/b/" means "/a/b". */
        while (l > 1 && pattern[l - 1] == '/')
                l--;
        if (l >= sizeof(buf))
                return false;
        memcpy(buf, pattern, l);
        buf[l] = 0;
        /* "*" matches the empty name too, but only "/" means the root. */
        if (strcmp(path, "/") == 0)
                return strcmp(buf, "/") == 0;
        return fnmatch(buf, path, FNM_PATHNAME | FNM_PERIOD) == 0;
}

static bool match_any(char * const *patterns, const char *path) {
        for (size_t i = 0; patterns && patterns[i]; i++)
                if (cgroup_pattern_match(patterns[i], path))
                        return true;
        return false;
}

static int walk(CgroupSet *s, int dir_fd, const char *path, char * const *patterns,
                size_t parent, unsigned depth) {
        _cleanup_(closedirp) DIR *d = NULL;
        size_t self = parent;
        struct stat st;
        bool tracked, unnamed;
        struct dirent *de;
        int fd, r;

        if (fstat(dir_fd, &st) < 0)
                return -errno;
        tracked = match_any(patterns, path);
        unnamed = tracked && !utf8_is_valid(path);
        if (unnamed)
                tracked = false;
        if (tracked || unnamed || parent != CGROUP_NO_PARENT) {
                r = cgroup_set_add(s, path, st.st_ino, parent, tracked, &self);
                if (r < 0)
                        return r;
                s->nodes[self].unnamed = unnamed;
        }
        if (depth >= CGROUP_MAX_DEPTH)
                return 0;

        /* A new open file description: a dup would share (and leave) the offset. */
        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(d))) {
                _cleanup_close_ int child_fd = -EBADF;
                char child[PATH_MAX];

                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                child_fd = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child_fd < 0) {
                        /* Removed since readdir, or not a directory after all. */
                        log_debug("Skipping cgroup %s/%s: %m", path, de->d_name);
                        continue;
                }
                if (snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") == 0 ? "" : path,
                             de->d_name) >= (int) sizeof(child))
                        continue;
                r = walk(s, child_fd, child, patterns, self, depth + 1);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_debug_errno(r, "Skipping cgroup %s: %m", child);
        }
        return errno > 0 ? -errno : 0;
}

int cgroup_set_build(int root_fd, char * const *patterns, CgroupSet **ret) {
        _cleanup_(cgroup_set_freep) CgroupSet *s = NULL;
        int r;

        r = cgroup_set_new(&s);
        if (r < 0)
                return r;
        r = walk(s, root_fd, "/", patterns, CGROUP_NO_PARENT, 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* A cgroup2 tree with the memory controller, or the v1 memory controller's tree. */
static bool root_is_memcg(int fd, const struct statfs *sfs) {
        _cleanup_free_ char *controllers = NULL;

        if (sfs->f_type == CGROUP_SUPER_MAGIC)
                return faccessat(fd, "memory.usage_in_bytes", F_OK, 0) >= 0;
        if (sfs->f_type != CGROUP2_SUPER_MAGIC)
                return false;
        if (read_full_fileat(fd, "cgroup.controllers", &controllers, NULL) < 0)
                return false;
        for (char *w = strtok(controllers, " \n"); w; w = strtok(NULL, " \n"))
                if (strcmp(w, "memory") == 0)
                        return true;
        return false;
}

static const char * const root_candidates[] = { "/fs/cgroup", "/fs/cgroup/unified", "/fs/cgroup/memory" };

int cgroup_find_elsewhere(const char *sysfs_root, const char *root_path, const char *path, char **ret) {
        char p[PATH_MAX];
        struct stat st;

        if (path[0] != '/' || strpbrk(path, "*?[\\"))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(root_candidates); i++) {
                int n = snprintf(p, sizeof(p), "%s%s", sysfs_root, root_candidates[i]);

                if (n < 0 || (size_t) n >= sizeof(p) || strcmp(p, root_path) == 0)
                        continue;
                if (snprintf(p + n, sizeof(p) - n, "%s", path[1] ? path : "") >= (int) (sizeof(p) - n))
                        continue;
                if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                *ret = strdup(p);
                return *ret ? 1 : -ENOMEM;
        }
        return 0;
}

int cgroup_root_open(const char *sysfs_root, const char *root, char **ret_path, int *ret_fd) {
        char path[PATH_MAX];
        int fd;

        if (root) {
                fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                *ret_path = strdup(root);
                if (!*ret_path) {
                        safe_close(fd);
                        return -ENOMEM;
                }
                *ret_fd = fd;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(root_candidates); i++) {
                struct statfs sfs;

                snprintf(path, sizeof(path), "%s%s", sysfs_root, root_candidates[i]);
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (fstatfs(fd, &sfs) < 0) {
                        safe_close(fd);
                        continue;
                }
                if (root_is_memcg(fd, &sfs)) {
                        *ret_path = strdup(path);
                        if (!*ret_path) {
                                safe_close(fd);
                                return -ENOMEM;
                        }
                        *ret_fd = fd;
                        return 0;
                }
                safe_close(fd);
        }
        return -ENOENT;
}

int cgroup_parse_memory_stat(const char *text, size_t size, uint64_t ret[2]) {
        static const struct {
                const char *key;
                unsigned type;
                bool total;
        } keys[] = {
                { "active_anon", PAGE_ANON, false },
                { "inactive_anon", PAGE_ANON, false },
                { "active_file", PAGE_FILE, false },
                { "inactive_file", PAGE_FILE, false },
                { "total_active_anon", PAGE_ANON, true },
                { "total_inactive_anon", PAGE_ANON, true },
                { "total_active_file", PAGE_FILE, true },
                { "total_inactive_file", PAGE_FILE, true },
        };
        uint64_t sum[2][2] = {};        /* [total][type] */
        unsigned found[2] = {};
        const char *p = text, *end = text + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', end - p), *line_end = nl ? nl : end;
                char buf[64];
                size_t l = line_end - p;

                if (l < sizeof(buf)) {
                        char name[32];
                        unsigned long long v;

                        memcpy(buf, p, l);
                        buf[l] = 0;
                        if (sscanf(buf, "%31s %llu", name, &v) == 2)
                                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                                        if (strcmp(name, keys[i].key) == 0) {
                                                sum[keys[i].total][keys[i].type] += v;
                                                found[keys[i].total]++;
                                        }
                }
                p = line_end + 1;
        }
        /* v1 has both, and only total_ counts the descendants. */
        for (int t = 1; t >= 0; t--)
                if (found[t] == 4) {
                        ret[PAGE_FILE] = sum[t][PAGE_FILE];
                        ret[PAGE_ANON] = sum[t][PAGE_ANON];
                        return 0;
                }
        return -EINVAL;
}

int cgroup_read_resident(int root_fd, const char *path, uint64_t ret[2]) {
        _cleanup_free_ char *text = NULL, *name = NULL;
        size_t size;
        int r;

        if (asprintf(&name, "%s/memory.stat", path[1] ? path + 1 : ".") < 0)
                return -ENOMEM;
        r = read_full_fileat(root_fd, name, &text, &size);
        if (r < 0)
                return r;
        return cgroup_parse_memory_stat(text, size, ret);
}
