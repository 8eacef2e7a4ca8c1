/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup walk over a directory tree made at test time: which cgroups
 * are tracked, which count towards them, and their inodes. */
#include <fcntl.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "test-util.h"
#include "util.h"

static char root[] = "/tmp/test-cgroup.XXXXXX";

static void mk(const char *rel) {
        char p[4096];

        snprintf(p, sizeof(p), "%s%s", root, rel);
        CHECK(mkdir(p, 0755) == 0);
}

static uint64_t ino(const char *rel) {
        char p[4096];
        struct stat st;

        snprintf(p, sizeof(p), "%s%s", root, rel);
        CHECK(stat(p, &st) == 0);
        return st.st_ino;
}

static void test_patterns(void) {
        CHECK(cgroup_pattern_match("/a", "/a"));
        CHECK(cgroup_pattern_match("/a/", "/a"));
        CHECK(!cgroup_pattern_match("/a", "/a/b"));
        CHECK(cgroup_pattern_match("/*", "/a"));
        CHECK(!cgroup_pattern_match("/*", "/a/b"));
        CHECK(!cgroup_pattern_match("/*", "/.hidden"));
        CHECK(cgroup_pattern_match("/", "/"));
        CHECK(cgroup_pattern_match("//", "/"));
        CHECK(!cgroup_pattern_match("/*", "/"));
        CHECK(cgroup_pattern_match("/system.slice/*.service", "/system.slice/foo.service"));
        CHECK(!cgroup_pattern_match("/system.slice/*.service", "/system.slice/foo.socket"));
        CHECK(cgroup_pattern_match("/*/*/x", "/a/b/x"));
}

static void test_walk(void) {
        _cleanup_(cgroup_set_freep) CgroupSet *s = NULL;
        _cleanup_close_ int fd = -EBADF;
        char * const patterns[] = { "/a", "/*.slice", "/f.slice/*.service", NULL };
        CgroupNode *n;

        CHECK(mkdtemp(root));
        mk("/a");
        mk("/a/b");
        mk("/a/c");
        mk("/a/c/d");
        mk("/e.slice");
        mk("/f.slice");
        mk("/f.slice/g.service");
        mk("/f.slice/g.service/sub");
        mk("/h");
        mk("/h/i.slice");       /* not top level: no match */
        mk("/f.slice/bad\xff.service");        /* matches, but not UTF-8 */

        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(cgroup_set_build(fd, patterns, &s) == 0);

        /* Tracked: /a, /e.slice, /f.slice, /f.slice/g.service; counted below
         * them: /a/b, /a/c, /a/c/d, /f.slice/g.service/sub, and the unnamed
         * /f.slice/bad\xff.service. */
        CHECK_EQ_U64(s->n_tracked, 4);
        CHECK_EQ_U64(s->n_nodes, 9);
        n = cgroup_set_lookup(s, ino("/f.slice/bad\xff.service"));
        CHECK(n && n->unnamed && !n->tracked);
        CHECK_STREQ(s->nodes[n->parent].path, "/f.slice");
        CHECK(!cgroup_set_lookup(s, ino("")));
        CHECK(!cgroup_set_lookup(s, ino("/h")));
        CHECK(!cgroup_set_lookup(s, ino("/h/i.slice")));

        n = cgroup_set_lookup(s, ino("/a/c/d"));
        CHECK(n);
        CHECK_STREQ(n->path, "/a/c/d");
        CHECK(!n->tracked);
        CHECK_STREQ(s->nodes[n->parent].path, "/a/c");
        CHECK_STREQ(s->nodes[s->nodes[n->parent].parent].path, "/a");
        CHECK(s->nodes[s->nodes[n->parent].parent].parent == CGROUP_NO_PARENT);

        n = cgroup_set_lookup(s, ino("/f.slice/g.service"));
        CHECK(n && n->tracked);
        CHECK_STREQ(s->nodes[n->parent].path, "/f.slice");

        /* Parents come before children. */
        for (size_t i = 0; i < s->n_nodes; i++)
                CHECK(s->nodes[i].parent == CGROUP_NO_PARENT || s->nodes[i].parent < i);

        /* Hierarchical totals: /a/c/d's pages count for /a. */
        cgroup_set_lookup(s, ino("/a/c/d"))->own.pages[PAGE_ANON] = 3;
        cgroup_set_lookup(s, ino("/a/b"))->own.pages[PAGE_FILE] = 4;
        cgroup_set_lookup(s, ino("/a"))->own.pages[PAGE_FILE] = 1;
        cgroup_set_sum(s);
        CHECK_EQ_U64(cgroup_set_lookup(s, ino("/a"))->total.pages[PAGE_ANON], 3);
        CHECK_EQ_U64(cgroup_set_lookup(s, ino("/a"))->total.pages[PAGE_FILE], 5);
        CHECK_EQ_U64(cgroup_set_lookup(s, ino("/a/c"))->total.pages[PAGE_ANON], 3);

        /* A removed cgroup is gone from the next walk, a new one appears. */
        s = cgroup_set_free(s);
        {
                char p[4096];

                snprintf(p, sizeof(p), "%s/a/c/d", root);
                CHECK(rmdir(p) == 0);
        }
        mk("/new.slice");
        CHECK(cgroup_set_build(fd, patterns, &s) == 0);
        CHECK_EQ_U64(s->n_tracked, 5);
        CHECK_EQ_U64(s->n_nodes, 9);
        CHECK(cgroup_set_find_path(s, "/new.slice"));
        CHECK(!cgroup_set_find_path(s, "/a/c/d"));

        /* Tracking the root counts everything. */
        s = cgroup_set_free(s);
        CHECK(cgroup_set_build(fd, (char * const[]) { "/", NULL }, &s) == 0);
        CHECK_EQ_U64(s->n_tracked, 1);
        CHECK_EQ_U64(s->n_nodes, 12);
        CHECK_STREQ(s->nodes[0].path, "/");
}

static void test_root_open(void) {
        _cleanup_free_ char *path = NULL;
        int fd = -EBADF;

        CHECK(cgroup_root_open("/sys", root, &path, &fd) == 0);
        CHECK_STREQ(path, root);
        CHECK(fd >= 0);
        safe_close(fd);
        free(TAKE_PTR(path));
        /* A sysfs without cgroups. */
        CHECK(cgroup_root_open(root, NULL, &path, &fd) == -ENOENT);
}

/* The resident LRU sizes a sampled pass applies its shares to. */
static void test_memory_stat(void) {
        static const char v2[] =
                "anon 1000\nfile 9999\nkernel 5\nactive_anon 300\ninactive_anon 700\n"
                "active_file 4000\ninactive_file 5000\nunevictable 77\nactive_anonymous 1\n";
        static const char v1[] =
                "cache 1\nrss 2\nactive_anon 10\ninactive_anon 20\nactive_file 30\ninactive_file 40\n"
                "hierarchical_memory_limit 9223372036854771712\n"
                "total_active_anon 1000\ntotal_inactive_anon 2000\ntotal_active_file 3000\n"
                "total_inactive_file 4000\n";
        uint64_t r[2];

        CHECK(cgroup_parse_memory_stat(v2, sizeof(v2) - 1, r) == 0);
        CHECK_EQ_U64(r[PAGE_ANON], 1000);
        CHECK_EQ_U64(r[PAGE_FILE], 9000);
        CHECK(cgroup_parse_memory_stat(v1, sizeof(v1) - 1, r) == 0);
        CHECK_EQ_U64(r[PAGE_ANON], 3000);
        CHECK_EQ_U64(r[PAGE_FILE], 7000);
        CHECK(cgroup_parse_memory_stat("anon 5\n", 7, r) == -EINVAL);
        /* Not NUL-terminated: the size says where it ends. */
        CHECK(cgroup_parse_memory_stat(v2, (size_t) (strstr(v2, "inactive_file") - v2) + 10, r) == -EINVAL);
}

int main(void) {
        test_memory_stat();
        test_patterns();
        test_walk();
        test_root_open();
        {
                char cmd[4200];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                CHECK(system(cmd) == 0);
        }
        return 0;
}
