/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan engine over fake kpageflags, kpagecgroup and bitmap files: it
 * writes marks only in the words holding tracked pages, reads back only
 * what it marked, keeps ages across passes, steps in bounded batches,
 * reports and recovers from a failing bitmap, and leaves alone a last word
 * that max_pfn cuts short; and a sampled pass reads, marks and counts
 * only its blocks, gathering their cluster sums. */
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <sys/stat.h>

#include "sample.h"
#include "scan.h"
#include "test-util.h"
#include "util.h"

#define F(b) (UINT64_C(1) << KPF_##b)
#define MAX_PFN 16384
#define SENTINEL UINT64_C(0xa5a5a5a5a5a5a5a5)
/* Words between tracked pages, too far from them for a write to span. */
static const uint64_t sentinel_words[] = { 20, 100, 200 };

static char dir[] = "/tmp/test-scan.XXXXXX";
static int flags_fd, cgroup_fd, bitmap_fd;

static int make_file(const char *name, size_t size) {
        char p[4096];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK(ftruncate(fd, size) == 0);
        return fd;
}

static void put_u64(int fd, uint64_t index, uint64_t v) {
        CHECK(pwrite(fd, &v, 8, index * 8) == 8);
}

static uint64_t get_u64(int fd, uint64_t index) {
        uint64_t v = 0;

        CHECK(pread(fd, &v, 8, index * 8) == 8);
        return v;
}

static void page(uint64_t pfn, uint64_t f, uint64_t ino) {
        put_u64(flags_fd, pfn, f);
        put_u64(cgroup_fd, pfn, ino);
}

/* The kernel clears a page's idle bit when it is accessed. */
static void access_page(uint64_t pfn) {
        put_u64(bitmap_fd, pfn / 64, get_u64(bitmap_fd, pfn / 64) & ~(UINT64_C(1) << (pfn % 64)));
}

static int run_pass(Scanner *s, CgroupSet *set, unsigned *ret_steps) {
        unsigned steps = 0;
        int r;

        for (size_t i = 0; i < set->n_nodes; i++)
                set->nodes[i].own = (PageStats) {};
        scanner_begin_pass(s, set, 2);
        do {
                r = scanner_step(s, 1024);
                steps++;
        } while (r == 0);
        cgroup_set_sum(set);
        if (ret_steps)
                *ret_steps = steps;
        return r;
}

/* Where max_pfn is not a multiple of 64, the kernel's bitmap gives no
 * answer for the last word: a read of it returns 0 bytes, a write marks its
 * pages but counts no bytes for it.  The scanner leaves that word alone,
 * and tracked pages in it count as in use. */
static void test_partial_last_word(void) {
        const uint64_t max_pfn = 4096 + 40, partial_word = 4096 / 64;
        const RamRange ranges[] = { { 0, (max_pfn + 63) & ~UINT64_C(63) } };
        _cleanup_(scanner_freep) Scanner *s = NULL;
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        CgroupNode *n;

        flags_fd = make_file("partial-kpageflags", ranges[0].end_pfn * 8);
        cgroup_fd = make_file("partial-kpagecgroup", ranges[0].end_pfn * 8);
        bitmap_fd = make_file("partial-bitmap", ranges[0].end_pfn / 8);
        page(4000, F(LRU) | F(ANON), 100);
        page(4090, F(LRU) | F(ANON), 100);
        page(4100, F(LRU) | F(ANON), 100);     /* in the partial word */
        put_u64(bitmap_fd, partial_word, SENTINEL);

        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/t", 100, CGROUP_NO_PARENT, true, NULL) == 0);
        CHECK(scanner_new(dup(flags_fd), dup(cgroup_fd), dup(bitmap_fd), ranges, 1, 0, &s) == 0);
        scanner_set_max_pfn(s, max_pfn);

        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(s->bitmap_write_bytes, 2 * 8);
        CHECK_EQ_U64(get_u64(bitmap_fd, 4090 / 64), UINT64_C(1) << (4090 % 64));
        access_page(4000);
        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(s->bitmap_read_bytes, 2 * 8);
        CHECK_EQ_U64(get_u64(bitmap_fd, partial_word), SENTINEL);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.pages[PAGE_ANON], 3);
        CHECK_EQ_U64(n->total.idle_pages[PAGE_ANON], 1);

        safe_close(flags_fd);
        safe_close(cgroup_fd);
        safe_close(bitmap_fd);
}

/* Sampled passes over 256 blocks: /t has 8 pages in every block, 4 of
 * them idle after the first pass, and its child /t/c a THP in every
 * fourth block. */
#define S_BLOCKS 256u
#define S_PFNS (S_BLOCKS * SAMPLE_BLOCK_PFNS)
#define S_SEED UINT64_C(12345)

static bool s_sampled(unsigned shift, uint64_t pfn) {
        return sample_block_sampled(S_SEED, shift, pfn / SAMPLE_BLOCK_PFNS);
}

static void test_sampled(void) {
        /* The first range starts inside a block, not at its start. */
        const RamRange ranges[] = { { 64, S_PFNS } };
        _cleanup_(scanner_freep) Scanner *s = NULL;
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        uint64_t expect_pages, expect_blocks, expect_thp, sxx;
        CgroupNode *t, *c;
        size_t a;

        flags_fd = make_file("s-kpageflags", S_PFNS * 8);
        cgroup_fd = make_file("s-kpagecgroup", S_PFNS * 8);
        bitmap_fd = make_file("s-bitmap", S_PFNS / 8);
        for (uint64_t b = 0; b < S_BLOCKS; b++) {
                uint64_t base = b * SAMPLE_BLOCK_PFNS;

                for (unsigned i = 0; i < 8; i++)
                        page(base + 100 + i * 32, F(LRU) | (i % 2 ? F(ANON) : 0), 100);
                if (b % 4 == 1) {
                        page(base, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 101);
                        for (uint64_t p = 1; p < 64; p++)
                                page(base + p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
                }
        }
        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/t", 100, CGROUP_NO_PARENT, true, &a) == 0);
        CHECK(cgroup_set_add(set, "/t/c", 101, a, true, NULL) == 0);
        CHECK(scanner_new(dup(flags_fd), dup(cgroup_fd), dup(bitmap_fd), ranges, 1, 4096, &s) == 0);

        /* 1/4: only its blocks are read and marked. */
        scanner_set_sampling(s, S_SEED, 2);
        CHECK(run_pass(s, set, NULL) == 1);
        expect_pages = expect_blocks = expect_thp = 0;
        for (uint64_t b = 0; b < S_BLOCKS; b++)
                if (s_sampled(2, b * SAMPLE_BLOCK_PFNS)) {
                        expect_blocks++;
                        expect_pages += SAMPLE_BLOCK_PFNS - (b == 0 ? 64 : 0);
                        expect_thp += b % 4 == 1;
                }
        /* About a quarter of the blocks. */
        CHECK(expect_blocks > S_BLOCKS / 8 && expect_blocks < S_BLOCKS / 2);
        CHECK_EQ_U64(s->sampled_pfns, expect_pages);
        CHECK_EQ_U64(s->kpageflags_read_bytes, expect_pages * 8);
        for (uint64_t w = 0; w < S_PFNS / 64; w++)
                if (!s_sampled(2, w * 64))
                        CHECK_EQ_U64(get_u64(bitmap_fd, w), 0);
                else if (w % 8 == 1)
                        CHECK(get_u64(bitmap_fd, w) != 0);
        t = cgroup_set_find_path(set, "/t");
        c = cgroup_set_find_path(set, "/t/c");
        CHECK_EQ_U64(t->total.pages[PAGE_ANON] + t->total.pages[PAGE_FILE], expect_blocks * 8 + expect_thp * 64);
        CHECK_EQ_U64(c->total.pages[PAGE_ANON], expect_thp * 64);
        /* Cluster sums: /t's blocks hold 8 pages, or 72 with /t/c's THP. */
        CHECK_EQ_U64(t->clusters.figure[CLUSTER_IDLE].n, expect_blocks);
        CHECK(t->clusters.figure[CLUSTER_IDLE].sx == (double) (expect_blocks * 8 + expect_thp * 64));
        sxx = (expect_blocks - expect_thp) * 64 + expect_thp * 72 * 72;
        CHECK(t->clusters.figure[CLUSTER_IDLE].sxx == (double) sxx);
        CHECK_EQ_U64(c->clusters.figure[CLUSTER_IDLE].n, expect_thp);
        CHECK_EQ_U64(t->clusters.figure[CLUSTER_ANON_IDLE].n, expect_blocks);
        CHECK(t->clusters.figure[CLUSTER_IDLE].sy == 0);

        /* Pass 2: the file pages were used. */
        for (uint64_t b = 0; b < S_BLOCKS; b++)
                for (unsigned i = 0; i < 8; i += 2)
                        access_page(b * SAMPLE_BLOCK_PFNS + 100 + i * 32);
        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(t->total.idle_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(t->total.idle_pages[PAGE_ANON], expect_blocks * 4 + expect_thp * 64);
        CHECK(t->clusters.figure[CLUSTER_IDLE].sy == (double) (expect_blocks * 4 + expect_thp * 64));
        CHECK(t->clusters.figure[CLUSTER_FILE_IDLE].sy == 0);
        CHECK(t->clusters.figure[CLUSTER_ANON_IDLE].sxy ==
              (double) ((expect_blocks - expect_thp) * 16 + expect_thp * 68 * 68));

        /* 1/8 keeps the ages of the blocks that stay and forgets the others;
         * back at 1/4, those start afresh. */
        scanner_set_sampling(s, S_SEED, 3);
        for (uint64_t b = 0; b < S_BLOCKS; b++) {
                uint64_t pfn = b * SAMPLE_BLOCK_PFNS + 132;     /* an anon page, idle */

                if (!s_sampled(2, pfn))
                        continue;
                CHECK_EQ_U64(s->ranges[0].ages[pfn - 64], s_sampled(3, pfn) ? 1 : 0);
        }
        CHECK(run_pass(s, set, NULL) == 1);
        scanner_set_sampling(s, S_SEED, 2);
        CHECK(run_pass(s, set, NULL) == 1);
        for (uint64_t b = 0; b < S_BLOCKS; b++) {
                uint64_t pfn = b * SAMPLE_BLOCK_PFNS + 132;     /* an anon page, idle */

                if (s_sampled(2, pfn))
                        CHECK_EQ_U64(s->ranges[0].ages[pfn - 64], s_sampled(3, pfn) ? 3 : 0);
        }

        /* Back to every block: the counts of a full pass. */
        scanner_set_sampling(s, S_SEED, 0);
        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(s->sampled_pfns, S_PFNS - 64);
        CHECK_EQ_U64(t->total.pages[PAGE_ANON] + t->total.pages[PAGE_FILE], S_BLOCKS * 8 + S_BLOCKS / 4 * 64);
        CHECK_EQ_U64(t->clusters.figure[CLUSTER_IDLE].n, 0);    /* not gathered at 1 */

        safe_close(flags_fd);
        safe_close(cgroup_fd);
        safe_close(bitmap_fd);
}

int main(void) {
        const RamRange ranges[] = { { 0, 4096 }, { 8192, MAX_PFN } };
        _cleanup_(scanner_freep) Scanner *s = NULL;
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        CgroupNode *n;
        unsigned steps;
        size_t a;
        char cmd[4200];

        CHECK(mkdtemp(dir));
        flags_fd = make_file("kpageflags", MAX_PFN * 8);
        cgroup_fd = make_file("kpagecgroup", MAX_PFN * 8 - 4096 * 8);  /* ends early: no pages there */
        bitmap_fd = make_file("bitmap", MAX_PFN / 8);

        page(5, F(LRU) | F(ANON), 100);
        page(3000, F(LRU), 100);
        page(9000, F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), 101);
        for (uint64_t p = 9001; p < 9512; p++)
                page(p, F(ANON) | F(COMPOUND_TAIL) | F(THP), 0);
        page(9600, F(LRU), 555);                /* untracked */
        put_u64(flags_fd, 15000, F(LRU));       /* past the end of kpagecgroup: no memcg */
        for (size_t i = 0; i < ELEMENTSOF(sentinel_words); i++)
                put_u64(bitmap_fd, sentinel_words[i], SENTINEL);

        CHECK(cgroup_set_new(&set) == 0);
        CHECK(cgroup_set_add(set, "/t", 100, CGROUP_NO_PARENT, true, &a) == 0);
        CHECK(cgroup_set_add(set, "/t/thp", 101, a, true, NULL) == 0);

        CHECK(scanner_new(dup(flags_fd), dup(cgroup_fd), dup(bitmap_fd), ranges, 2, 512, &s) == 0);
        CHECK_EQ_U64(scanner_total_pfns(s), 4096 + 8192);

        /* Pass 1: marks, reads nothing back. */
        CHECK(run_pass(s, set, &steps) == 1);
        CHECK_EQ_U64(steps, (4096 + 8192) / 1024);
        CHECK_EQ_U64(s->bitmap_read_bytes, 0);
        CHECK_EQ_U64(s->bitmap_write_bytes, 3 * 8);
        /* kpagecgroup only for the LRU heads: 5, 3000, 9000, 9600 (15000 is past its end). */
        CHECK_EQ_U64(s->kpagecgroup_read_bytes, 4 * 8);
        CHECK_EQ_U64(get_u64(bitmap_fd, 0), UINT64_C(1) << 5);
        CHECK_EQ_U64(get_u64(bitmap_fd, 3000 / 64), UINT64_C(1) << (3000 % 64));
        CHECK_EQ_U64(get_u64(bitmap_fd, 9000 / 64), UINT64_C(1) << (9000 % 64));
        CHECK_EQ_U64(get_u64(bitmap_fd, 9600 / 64), 0);
        for (size_t i = 0; i < ELEMENTSOF(sentinel_words); i++)
                CHECK_EQ_U64(get_u64(bitmap_fd, sentinel_words[i]), SENTINEL);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.pages[PAGE_ANON] + n->total.pages[PAGE_FILE], 2 + 512);
        CHECK_EQ_U64(n->total.idle_pages[PAGE_ANON] + n->total.idle_pages[PAGE_FILE], 0);

        /* Pass 2: page 3000 was used, the rest stayed idle. */
        access_page(3000);
        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(s->bitmap_read_bytes, 3 * 8);
        CHECK_EQ_U64(s->bitmap_write_bytes, 3 * 8);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.pages[PAGE_ANON], 1 + 512);
        CHECK_EQ_U64(n->total.pages[PAGE_FILE], 1);
        CHECK_EQ_U64(n->total.idle_pages[PAGE_ANON], 1 + 512);
        CHECK_EQ_U64(n->total.idle_pages[PAGE_FILE], 0);
        CHECK_EQ_U64(n->total.ws_pages, 2 + 512);   /* window of 2: ages 0 and 1 */
        CHECK_EQ_U64(cgroup_set_find_path(set, "/t/thp")->total.idle_pages[PAGE_ANON], 512);

        /* Pass 3: ages 2 leave the working set. */
        CHECK(run_pass(s, set, NULL) == 1);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.ws_pages, 1);
        CHECK_EQ_U64(n->total.hist_pages[2], 1 + 512);
        CHECK_EQ_U64(n->total.hist_pages[1], 1);

        /* The bitmap fails (say, the module went away): the error names it. */
        {
                int bad = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                CHECK(bad >= 0);
                safe_close(s->fds[SCAN_FILE_BITMAP]);
                s->fds[SCAN_FILE_BITMAP] = bad;
        }
        CHECK(run_pass(s, set, NULL) == -EISDIR);
        CHECK(s->failed_file == SCAN_FILE_BITMAP);
        CHECK_STREQ(scan_file_to_string(s->failed_file), "/sys/kernel/mm/page_idle/bitmap");
        CHECK(!s->in_pass);

        /* Without a bitmap the pass still counts bytes, and nothing reads idle. */
        scanner_set_bitmap_fd(s, -EBADF);
        CHECK(run_pass(s, set, NULL) == 1);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.pages[PAGE_ANON] + n->total.pages[PAGE_FILE], 2 + 512);
        CHECK_EQ_U64(n->total.idle_pages[PAGE_ANON] + n->total.idle_pages[PAGE_FILE], 0);

        /* It comes back: the first pass only marks, the next one measures. */
        scanner_set_bitmap_fd(s, dup(bitmap_fd));
        CHECK(run_pass(s, set, NULL) == 1);
        CHECK_EQ_U64(s->bitmap_read_bytes, 0);
        CHECK(run_pass(s, set, NULL) == 1);
        n = cgroup_set_find_path(set, "/t");
        CHECK_EQ_U64(n->total.idle_pages[PAGE_ANON] + n->total.idle_pages[PAGE_FILE], 2 + 512);

        /* kpageflags unreadable. */
        {
                int bad = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                safe_close(s->fds[SCAN_FILE_KPAGEFLAGS]);
                s->fds[SCAN_FILE_KPAGEFLAGS] = bad;
        }
        CHECK(run_pass(s, set, NULL) == -EISDIR);
        CHECK(s->failed_file == SCAN_FILE_KPAGEFLAGS);

        safe_close(flags_fd);
        safe_close(cgroup_fd);
        safe_close(bitmap_fd);
        test_partial_last_word();
        test_sampled();

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        return 0;
}
