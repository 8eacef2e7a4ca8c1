/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refs backend: smaps_rollup and cgroup.procs parsing from fixtures,
 * and whole scans over a fake /proc and cgroup tree. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "refs.h"
#include "test-util.h"
#include "util.h"

#define KB 1024u
#define PAGE 4096u

static char *read_fixture(const char *name, size_t *ret_size) {
        char *text = NULL;
        int fd = open(fixture_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        CHECK(fd >= 0);
        CHECK(read_full_fileat(fd, name, &text, ret_size) >= 0);
        close(fd);
        return text;
}

static void test_parse(void) {
        RefsRollup r;
        RefsShare s;
        size_t size;
        char *t;

        /* A real one, from the host this was written on. */
        t = read_fixture("smaps_rollup-6.18.txt", &size);
        CHECK(refs_parse_rollup(t, size, &r) == 0);
        CHECK_EQ_U64(r.rss_kb, 1788);
        CHECK_EQ_U64(r.pss_kb, 216);
        CHECK_EQ_U64(r.referenced_kb, 1788);
        CHECK_EQ_U64(r.anonymous_kb, 116);
        CHECK(r.has_pss_anon);
        CHECK_EQ_U64(r.pss_anon_kb, 116);
        refs_share_from_rollup(&r, &s);
        CHECK_EQ_U64(s.bytes[PAGE_ANON], 116 * KB);
        CHECK_EQ_U64(s.bytes[PAGE_FILE], 100 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_ANON], 0);
        CHECK_EQ_U64(s.idle_bytes[PAGE_FILE], 0);
        free(t);

        /* Pss_Shmem counts as file; a quarter referenced. */
        t = read_fixture("smaps_rollup-shared.txt", &size);
        CHECK(refs_parse_rollup(t, size, &r) == 0);
        refs_share_from_rollup(&r, &s);
        CHECK_EQ_U64(s.bytes[PAGE_ANON], 1024 * KB);
        CHECK_EQ_U64(s.bytes[PAGE_FILE], 1024 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_ANON], 768 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_FILE], 768 * KB);
        free(t);

        /* No Pss_Anon (before 5.10): the anonymous share is Anonymous/Rss of Pss. */
        t = read_fixture("smaps_rollup-5.4.txt", &size);
        CHECK(refs_parse_rollup(t, size, &r) == 0);
        CHECK(!r.has_pss_anon);
        refs_share_from_rollup(&r, &s);
        CHECK_EQ_U64(s.bytes[PAGE_ANON], 3072 * KB);
        CHECK_EQ_U64(s.bytes[PAGE_FILE], 3072 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_ANON], 2304 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_FILE], 2304 * KB);

        /* Truncated anywhere before the fields: refused, not misread. */
        CHECK(refs_parse_rollup(t, 0, &r) == -ENODATA);
        CHECK(refs_parse_rollup(t, strstr(t, "Anonymous") - t, &r) == -EINVAL);
        CHECK(refs_parse_rollup("Rss: x kB\nPss: 1 kB\nReferenced: 1 kB\nAnonymous: 0 kB\n", 52, &r) == -EINVAL);
        free(t);

        /* Referenced above Rss (rounding in the kernel): nothing idle. */
        r = (RefsRollup) { .rss_kb = 8, .pss_kb = 8, .referenced_kb = 12, .anonymous_kb = 8 };
        refs_share_from_rollup(&r, &s);
        CHECK_EQ_U64(s.bytes[PAGE_ANON], 8 * KB);
        CHECK_EQ_U64(s.idle_bytes[PAGE_ANON], 0);
        /* Nothing resident. */
        r = (RefsRollup) {};
        refs_share_from_rollup(&r, &s);
        CHECK_EQ_U64(s.bytes[PAGE_ANON] + s.bytes[PAGE_FILE] + s.idle_bytes[PAGE_ANON], 0);
}

static void test_pids(void) {
        int *pids = NULL;
        size_t n = 0;

        CHECK(refs_parse_pids("1\n23\n456\n", 9, &pids, &n) == 3);
        CHECK(n == 3 && pids[0] == 1 && pids[1] == 23 && pids[2] == 456);
        free(pids);
        pids = NULL;
        CHECK(refs_parse_pids("", 0, &pids, &n) == 0 && n == 0);
        free(pids);
        pids = NULL;
        CHECK(refs_parse_pids("7", 1, &pids, &n) == 1 && pids[0] == 7);
        free(pids);
        pids = NULL;
        CHECK(refs_parse_pids("1\nx\n", 4, &pids, &n) == -EINVAL);
        CHECK(refs_parse_pids("99999999999\n", 12, &pids, &n) == -EINVAL);
        CHECK(refs_parse_pids("0\n", 2, &pids, &n) == -EINVAL);
}

static void write_file(const char *dir, const char *name, const char *text) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        CHECK(f);
        fputs(text, f);
        CHECK(fclose(f) == 0);
}

static char *read_back(const char *dir, const char *name) {
        char path[PATH_MAX], *text = NULL;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        CHECK(read_full_fileat(AT_FDCWD, path, &text, NULL) >= 0);
        return text;
}

static void make_dir(const char *dir, const char *name) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        CHECK(mkdir(path, 0755) == 0);
}

static void put_process(const char *proc, int pid, const char *fixture) {
        char name[64];
        size_t size;
        char *t = read_fixture(fixture, &size);

        snprintf(name, sizeof(name), "%d", pid);
        make_dir(proc, name);
        snprintf(name, sizeof(name), "%d/smaps_rollup", pid);
        write_file(proc, name, t);
        snprintf(name, sizeof(name), "%d/clear_refs", pid);
        write_file(proc, name, "");
        free(t);
}

static void set_referenced(const char *proc, int pid, unsigned kb) {
        char name[64], text[256];

        snprintf(name, sizeof(name), "%d/smaps_rollup", pid);
        snprintf(text, sizeof(text),
                 "00400000-7ffd3b1fe000 ---p 00000000 00:00 0 [rollup]\n"
                 "Rss: 4096 kB\nPss: 2048 kB\nPss_Anon: 1024 kB\nReferenced: %u kB\nAnonymous: 1024 kB\n", kb);
        write_file(proc, name, text);
}

static void test_scan(void) {
        char tmpl[] = "/tmp/test-refs.XXXXXX", proc[PATH_MAX], cg[PATH_MAX];
        char *patterns[] = { (char *) "/a", NULL };
        _cleanup_(refs_scanner_freep) RefsScanner *s = NULL;
        _cleanup_(opener_freep) Opener *opener = NULL;
        CgroupSet *set = NULL;
        CgroupNode *a, *b;
        int root_fd;
        char *t;

        CHECK(mkdtemp(tmpl));
        snprintf(proc, sizeof(proc), "%s/proc", tmpl);
        snprintf(cg, sizeof(cg), "%s/cgroup", tmpl);
        CHECK(mkdir(proc, 0755) == 0 && mkdir(cg, 0755) == 0);
        write_file(cg, "cgroup.procs", "1\n");
        make_dir(cg, "a");
        make_dir(cg, "a/b");
        make_dir(cg, "c");
        /* 101 exits between the read of cgroup.procs and its files; 102 is a kernel thread. */
        write_file(cg, "a/cgroup.procs", "100\n101\n102\n");
        write_file(cg, "a/b/cgroup.procs", "200\n");
        write_file(cg, "c/cgroup.procs", "300\n");
        put_process(proc, 100, "smaps_rollup-shared.txt");
        put_process(proc, 102, "smaps_rollup-shared.txt");
        write_file(proc, "102/smaps_rollup", "");
        put_process(proc, 200, "smaps_rollup-5.4.txt");
        put_process(proc, 300, "smaps_rollup-5.4.txt");

        root_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(root_fd >= 0);
        CHECK(opener_new_local(&(OpenerConfig) { .proc_root = proc }, &opener) == 0);
        CHECK(refs_scanner_new(opener, PAGE, &s) == 0);

        CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
        CHECK(set->n_nodes == 2);
        /* A tracked cgroup removed after the walk is skipped. */
        CHECK(cgroup_set_add(set, "/gone", 99999, CGROUP_NO_PARENT, true, NULL) == 0);
        CHECK(refs_scan(s, root_fd, set, 1) == 0);
        cgroup_set_sum(set);
        CHECK_EQ_U64(s->processes, 2);
        CHECK_EQ_U64(s->vanished, 1);
        CHECK_EQ_U64(s->kernel_threads, 1);
        CHECK_EQ_U64(s->denied, 0);

        a = cgroup_set_find_path(set, "/a");
        b = cgroup_set_find_path(set, "/a/b");
        CHECK(a && b);
        CHECK_EQ_U64(a->own.pages[PAGE_ANON], 256);
        CHECK_EQ_U64(a->own.pages[PAGE_FILE], 256);
        CHECK_EQ_U64(a->own.idle_pages[PAGE_ANON], 192);
        CHECK_EQ_U64(a->own.ws_pages, 128);
        CHECK_EQ_U64(b->own.pages[PAGE_ANON], 768);
        CHECK_EQ_U64(b->own.idle_pages[PAGE_FILE], 576);
        /* Hierarchical. */
        CHECK_EQ_U64(a->total.pages[PAGE_ANON], 1024);
        CHECK_EQ_U64(a->total.pages[PAGE_FILE], 1024);
        CHECK_EQ_U64(a->total.idle_pages[PAGE_ANON] + a->total.idle_pages[PAGE_FILE], 1536);
        CHECK_EQ_U64(a->total.hist_pages[0], 512);
        CHECK_EQ_U64(a->total.hist_pages[1], 1536);
        CHECK_EQ_U64(a->total.ws_pages, 512);
        /* Cleared with "1", the referenced bits of all pages; /c is not counted. */
        t = read_back(proc, "100/clear_refs");
        CHECK_STREQ(t, "1");
        free(t);
        t = read_back(proc, "300/clear_refs");
        CHECK_STREQ(t, "");
        free(t);
        set = cgroup_set_free(set);

        /* The working set over three intervals: all of 100's memory used two
         * intervals ago, nothing since. */
        set_referenced(proc, 100, 4096);
        CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
        CHECK(refs_scan(s, root_fd, set, 3) == 0);
        a = cgroup_set_find_path(set, "/a");
        CHECK_EQ_U64(a->own.ws_pages, 512);
        CHECK_EQ_U64(a->own.hist_pages[0], 512);
        set = cgroup_set_free(set);

        set_referenced(proc, 100, 0);
        CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
        CHECK(refs_scan(s, root_fd, set, 3) == 0);
        a = cgroup_set_find_path(set, "/a");
        CHECK_EQ_U64(a->own.hist_pages[0], 0);
        CHECK_EQ_U64(a->own.hist_pages[1], 512);
        CHECK_EQ_U64(a->own.ws_pages, 512);
        set = cgroup_set_free(set);

        /* The same window with only the last interval measured (the one
         * before it read what was referenced since the process started):
         * only the last. */
        CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
        for (size_t i = 0; i < set->n_nodes; i++)
                set->nodes[i].measured_intervals = 1;
        CHECK(refs_scan(s, root_fd, set, 3) == 0);
        a = cgroup_set_find_path(set, "/a");
        CHECK_EQ_U64(a->own.ws_pages, 0);
        set = cgroup_set_free(set);

        /* Window of one interval: only the last. */
        CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
        CHECK(refs_scan(s, root_fd, set, 1) == 0);
        a = cgroup_set_find_path(set, "/a");
        CHECK_EQ_U64(a->own.ws_pages, 0);
        set = cgroup_set_free(set);

        /* A clear_refs we may not open: skipped, counted, not read. */
        if (geteuid() != 0) {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/100/clear_refs", proc);
                CHECK(chmod(path, 0) == 0);
                CHECK(cgroup_set_build(root_fd, patterns, &set) == 0);
                CHECK(refs_scan(s, root_fd, set, 1) == 0);
                CHECK_EQ_U64(s->denied, 1);
                CHECK(s->denied_pid == 100 && s->denied_error == -EACCES);
                a = cgroup_set_find_path(set, "/a");
                CHECK_EQ_U64(a->own.pages[PAGE_ANON], 0);
                set = cgroup_set_free(set);
        }

        close(root_fd);
        {
                char cmd[PATH_MAX + 16];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
                CHECK(system(cmd) == 0);
        }
}

int main(void) {
        test_parse();
        test_pids();
        test_scan();
        return EXIT_SUCCESS;
}
