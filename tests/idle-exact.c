// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idle-exact [--bitmap PATH] [--dir DIR] [--rounds N] [--seed N] CASE...
 *
 * Exactness of an idle page bitmap: maps memory, takes its PFNs from
 * /proc/self/pagemap, marks them idle through the bitmap, writes zero words
 * over them (which must change nothing), touches a chosen subset, and
 * checks that exactly the untouched pages read idle, twice over.
 *
 * CASEs:
 *   anon   private anonymous small pages (MADV_NOHUGEPAGE), reads and writes
 *   thp    anonymous transparent huge pages: tails read 0, a head reads idle
 *          only if no part of its huge page was touched
 *   thp-pte the same huge pages after their PMDs are split (an mprotect of
 *          one small page): whole huge pages mapped by PTEs
 *   file   a regular file in DIR (default $TMPDIR or /tmp), mapped shared
 *   file-read  the same file, touched through pread(2) instead of the
 *          mapping: reports how many such pages still read idle (the
 *          kernel's own bitmap sees these only through PG_idle, cleared by
 *          mark_page_accessed on the classic LRU, not with MGLRU), never fails
 *   fork   anonymous pages shared by a parent and a live forked child, each
 *          reading its own subset
 *   ksm    KSM-merged pages, each merged page mapped twice; busy if either
 *          mapping was touched
 *   all    every case above
 *
 * The three traps of the kernel's own bitmap are handled: the test pins
 * itself to CPU 0 and faults ballast after its pages so they leave the
 * CPU's LRU-add batch; forked children stay alive while the bitmap is
 * read; and each touching process flushes its TLB for the range (an
 * mprotect round trip) between marking and touching.  A page that is not
 * on the LRU before marking is reported as a setup failure.
 *
 * The bitmap is --bitmap, else $PAGEIDLE_BITMAP, else
 * /sys/kernel/mm/page_idle/bitmap.  Run as root (pagemap PFNs,
 * kpageflags).  Exit 0 if every case read back exactly, 77 if every case
 * was skipped, 1 otherwise.
 */
#include "idle-workload.h"

#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>

#define HPAGE_SIZE (2UL << 20)
#define HPAGE_NR (HPAGE_SIZE / PT_PAGE_SIZE)


static int bitmap_fd = -1;
/* A last word that max_pfn cuts short reads 0 bytes: pages there are
 * neither marked nor judged.  UINT64_MAX when there is none. */
static uint64_t partial_word = UINT64_MAX;
static const char *file_dir;
static unsigned seed = 1;
static int verbose;

struct round {
        const char *name;
        char *addr;
        size_t npages;
        int prot;
        /* touch(round, arg): flushes the TLB of every touching process
         * and touches; sets touched[i] for each page index touched. */
        int (*touch)(struct round *r, void *arg);
        void *arg;
        bool *touched;
        uint64_t *pfns;
        /* Print the outcome but do not judge it (file-read). */
        bool report_only;
};

/* Writes the words holding pfns: their bits set (marking them idle), or
 * all zero (which must change nothing). */
static int mark_pfns(const uint64_t *pfns, size_t n, bool zeros)
{
        uint64_t *sorted = malloc(n * sizeof *sorted);
        size_t k;

        if (!sorted)
                return -ENOMEM;
        memcpy(sorted, pfns, n * sizeof *sorted);
        k = wl_sort_unique(sorted, n);
        for (size_t i = 0; i < k;) {
                uint64_t word = sorted[i] / 64, bits = 0;

                for (; i < k && sorted[i] / 64 == word; i++)
                        bits |= UINT64_C(1) << (sorted[i] % 64);
                if (zeros)
                        bits = 0;
                if (word == partial_word)
                        continue;
                if (pwrite(bitmap_fd, &bits, 8, (off_t)(word * 8)) != 8) {
                        int e = errno;
                        fprintf(stderr, "marking PFN word %" PRIu64 ": %s\n", word,
                                e ? strerror(e) : "short write");
                        free(sorted);
                        return -(e ? e : EIO);
                }
        }
        free(sorted);
        return 0;
}

static int read_bit(uint64_t pfn, uint64_t *cache_word, uint64_t *cache_val, bool *bit)
{
        if (*cache_word != pfn / 64) {
                ssize_t r = pread(bitmap_fd, cache_val, 8, (off_t)(pfn / 64 * 8));
                if (r != 8) {
                        fprintf(stderr, "reading PFN word %" PRIu64 ": %s\n", pfn / 64,
                                r < 0 ? strerror(errno) : "short read");
                        return -EIO;
                }
                *cache_word = pfn / 64;
        }
        *bit = (*cache_val >> (pfn % 64)) & 1;
        return 0;
}

static int run_round(struct round *r, int round_no)
{
        size_t n = r->npages, nfolios = 0, ntouched_folios = 0;
        size_t exp_idle = 0, got_idle = 0, false_idle = 0, false_busy = 0, tail_set = 0;
        size_t notlru = 0, shown = 0, ntouched = 0, ndistinct = 0, unstable = 0, unjudged = 0;
        uint64_t *after = calloc(n, 8), *flags = calloc(n, 8), *heads = calloc(n, 8);
        uint64_t *touched_heads = calloc(n, 8), *distinct = calloc(n, 8);
        uint64_t cw = UINT64_MAX, cv = 0;
        int res = PT_FAIL, ret;

        if (!after || !flags || !heads || !touched_heads || !distinct)
                goto out;
        memset(r->touched, 0, n * sizeof *r->touched);
        if ((ret = pt_pagemap_pfns(r->addr, n, r->pfns)) < 0) {
                fprintf(stderr, "%s: pagemap: %s\n", r->name, strerror(-ret));
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                if (!r->pfns[i]) {
                        printf("%s: page %zu is not present (no PFN in pagemap; run as root?)\n",
                               r->name, i);
                        goto out;
                }
                flags[i] = pt_kpageflags(r->pfns[i]);
                heads[i] = wl_head_of(r->pfns[i], flags[i]);
                if (!pt_flag(heads[i] == r->pfns[i] ? flags[i] : pt_kpageflags(heads[i]), KPF_LRU)) {
                        if (notlru++ < 5)
                                printf("%s: page %zu PFN 0x%" PRIx64 " (head 0x%" PRIx64
                                       ", kpageflags 0x%" PRIx64 ") is not on the LRU\n",
                                       r->name, i, r->pfns[i], heads[i], flags[i]);
                }
        }
        if (notlru) {
                /* Pages isolated for a moment (a split, a migration)
                 * come back; the round is retried, and fails after 3. */
                printf("%s: %zu of %zu pages are not on the LRU (kpageflags bit 5) before "
                       "marking: the bitmap ignores them, so the test cannot judge them\n",
                       r->name, notlru, n);
                res = PT_RETRY;
                usleep(300000);
                goto out;
        }

        if (mark_pfns(r->pfns, n, false) < 0 || mark_pfns(r->pfns, n, true) < 0)
                goto out;
        if (r->touch(r, r->arg) < 0)
                goto out;

        /* Read each PFN's word once: a read clears young bits, so read all
         * words after every touch. */
        memcpy(distinct, r->pfns, n * 8);
        ndistinct = wl_sort_unique(distinct, n);
        {
                bool *bits = calloc(ndistinct, 1);

                if (!bits)
                        goto out;
                for (size_t j = 0; j < ndistinct; j++)
                        if (distinct[j] / 64 != partial_word &&
                            read_bit(distinct[j], &cw, &cv, &bits[j]) < 0) {
                                free(bits);
                                goto out;
                        }
                /* Nothing touched the pages since: a second read must agree. */
                cw = UINT64_MAX;
                for (size_t j = 0; j < ndistinct; j++) {
                        bool again;

                        if (distinct[j] / 64 == partial_word)
                                continue;
                        if (read_bit(distinct[j], &cw, &cv, &again) < 0) {
                                free(bits);
                                goto out;
                        }
                        if (again != bits[j] && unstable++ < 5)
                                printf("%s: PFN 0x%" PRIx64 " read %s, then %s on a second read\n",
                                       r->name, distinct[j], bits[j] ? "idle" : "busy",
                                       again ? "idle" : "busy");
                }

                if ((ret = pt_pagemap_pfns(r->addr, n, after)) < 0)
                        goto out_bits;
                if (memcmp(after, r->pfns, n * 8) != 0) {
                        printf("%s: some pages moved to other PFNs during the round (migration "
                               "or compaction); retrying\n", r->name);
                        res = PT_RETRY;
                        goto out_bits;
                }

                for (size_t i = 0; i < n; i++)
                        if (r->touched[i]) {
                                touched_heads[ntouched_folios++] = heads[i];
                                ntouched++;
                        }
                ntouched_folios = wl_sort_unique(touched_heads, ntouched_folios);

                /* distinct[] holds every PFN mapped (heads and tails). */
                for (size_t j = 0; j < ndistinct; j++) {
                        uint64_t pfn = distinct[j], f = pt_kpageflags(pfn);
                        bool tail = pt_flag(f, KPF_COMPOUND_TAIL);
                        bool expect = !tail && !wl_has_u64(touched_heads, ntouched_folios, pfn);
                        bool got = bits[j];

                        if (pfn / 64 == partial_word) {
                                unjudged++;
                                continue;
                        }
                        nfolios += !tail;
                        exp_idle += expect;
                        got_idle += got;
                        if (expect == got)
                                continue;
                        if (tail)
                                tail_set++;
                        else if (got)
                                false_idle++;
                        else
                                false_busy++;
                        if (shown++ < 10 || verbose) {
                                size_t idx = 0;

                                while (idx < n && r->pfns[idx] != pfn)
                                        idx++;
                                printf("%s: PFN 0x%" PRIx64 " (page %zu%s%s) expected %s, read %s;"
                                       " kpageflags now 0x%" PRIx64 "\n", r->name, pfn, idx,
                                       tail ? ", THP tail" : "",
                                       pt_flag(f, KPF_COMPOUND_HEAD) ? ", THP head" : "",
                                       expect ? "idle" : "busy", got ? "idle" : "busy", f);
                        }
                }
                if (unjudged)
                        printf("%s: %zu pages in the partial last word (PFNs from 0x%" PRIx64
                               ") not judged\n", r->name, unjudged, partial_word * 64);
                res = (false_idle || false_busy || tail_set || unstable) ? PT_FAIL : PT_OK;
                if (r->report_only) {
                        printf("%s round %d: %zu of %zu pages touched only through read(2) "
                               "read idle (reported, not judged)\n", r->name, round_no,
                               false_idle, ntouched);
                        if (!false_busy && !tail_set && !unstable)
                                res = PT_OK;
                }
                printf("%s round %d: %zu pages, %zu folios, %zu pages touched (%zu folios); "
                       "expected %zu idle, read %zu idle; %zu read idle but touched, "
                       "%zu read busy but untouched, %zu tails read 1, %zu changed on a "
                       "second read: %s\n",
                       r->name, round_no, n, nfolios, ntouched, ntouched_folios, exp_idle,
                       got_idle, false_idle, false_busy, tail_set, unstable,
                       res == PT_OK ? "ok" : "FAIL");
out_bits:
                free(bits);
        }
out:
        free(after);
        free(flags);
        free(heads);
        free(touched_heads);
        free(distinct);
        return res;
}

static int run_rounds(struct round *r, int rounds)
{
        int res = PT_OK;

        r->touched = calloc(r->npages, sizeof *r->touched);
        r->pfns = calloc(r->npages, 8);
        if (!r->touched || !r->pfns)
                return PT_FAIL;
        for (int i = 1; i <= rounds; i++) {
                int rr, tries = 0;

                do
                        rr = run_round(r, i);
                while (rr == PT_RETRY && ++tries < 3);
                if (rr == PT_RETRY)
                        printf("%s round %d: FAIL after 3 tries\n", r->name, i);
                if (rr != PT_OK)
                        res = PT_FAIL;
        }
        free(r->touched);
        free(r->pfns);
        return res;
}

/* --- touch patterns ---------------------------------------------------- */

/* About 40% of the pages by a hash of the index; writes where allowed. */
static int touch_hashed(struct round *r, void *arg)
{
        (void)arg;
        if (pt_flush_tlb(r->addr, r->npages * PT_PAGE_SIZE, r->prot) < 0) {
                perror("mprotect");
                return -1;
        }
        for (size_t i = 0; i < r->npages; i++) {
                uint32_t h = wl_hash32(seed, (uint32_t)i);

                if (h % 5 >= 2)
                        continue;
                wl_touch_page(r->addr + i * PT_PAGE_SIZE + (h >> 8) % PT_PAGE_SIZE,
                           (r->prot & PROT_WRITE) && (h & 0x80));
                r->touched[i] = true;
        }
        return 0;
}

/* Per huge page k: none, the head, a middle page, the last page, every
 * page, none. */
static int touch_thp(struct round *r, void *arg)
{
        static const int sub[] = { -1, 0, 300, 511, -2, -1 };
        size_t nh = r->npages / HPAGE_NR;

        (void)arg;
        if (pt_flush_tlb(r->addr, r->npages * PT_PAGE_SIZE, r->prot) < 0) {
                perror("mprotect");
                return -1;
        }
        for (size_t k = 0; k < nh; k++) {
                int s = sub[k % 6];
                size_t base = k * HPAGE_NR;

                if (s == -1)
                        continue;
                for (size_t i = 0; i < HPAGE_NR; i++) {
                        if (s >= 0 && (size_t)s != i)
                                continue;
                        wl_touch_page(r->addr + (base + i) * PT_PAGE_SIZE, (k & 1) != 0);
                        r->touched[base + i] = true;
                }
        }
        return 0;
}

/* --- cases ------------------------------------------------------------- */

static int case_anon(int rounds)
{
        size_t n = 1024;
        char *p = mmap(NULL, n * PT_PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        void *ballast;
        struct round r = { .name = "anon", .addr = p, .npages = n,
                           .prot = PROT_READ | PROT_WRITE, .touch = touch_hashed };
        int res;

        if (p == MAP_FAILED || madvise(p, n * PT_PAGE_SIZE, MADV_NOHUGEPAGE) < 0) {
                perror("anon: mmap/madvise");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                p[i * PT_PAGE_SIZE] = (char)i;
        ballast = pt_ballast(256);
        res = run_rounds(&r, rounds);
        munmap(p, n * PT_PAGE_SIZE);
        if (ballast)
                munmap(ballast, 256 * PT_PAGE_SIZE);
        return res;
}

static int thp_common(int rounds, bool split_pmd)
{
        size_t nh = 6, n = nh * HPAGE_NR, len = n * PT_PAGE_SIZE, notthp = 0;
        char *raw, *p;
        struct round r = { .name = split_pmd ? "thp-pte" : "thp", .npages = n,
                           .prot = PROT_READ | PROT_WRITE, .touch = touch_thp };
        uint64_t pfn;
        void *ballast;
        int res;

        if (wl_thp_allow("thp") < 0) {
                printf("thp: no %s: kernel without THP\n", WL_THP_ENABLED);
                return PT_SKIP;
        }

        raw = mmap(NULL, len + HPAGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) {
                perror("thp: mmap");
                return PT_FAIL;
        }
        p = (char *)(((uintptr_t)raw + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1));
        if (madvise(p, len, MADV_HUGEPAGE) < 0) {
                perror("thp: madvise(MADV_HUGEPAGE)");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                p[i * PT_PAGE_SIZE] = (char)i;
        ballast = pt_ballast(256);
        for (size_t k = 0; k < nh; k++) {
                if (pt_pagemap_pfns(p + k * HPAGE_SIZE, 1, &pfn) < 0 || !pfn ||
                    !pt_flag(pt_kpageflags(pfn), KPF_THP) ||
                    !pt_flag(pt_kpageflags(pfn), KPF_COMPOUND_HEAD))
                        notthp++;
        }
        /* thp-pte: an mprotect of one small page splits each PMD into
         * PTEs, leaving the huge page whole but mapped by 512 PTEs; then
         * MADV_NOHUGEPAGE keeps khugepaged from collapsing them into new
         * huge pages (isolating and moving them) while the test runs. */
        if (split_pmd && madvise(p, len, MADV_NOHUGEPAGE) < 0) {
                perror("thp-pte: madvise(MADV_NOHUGEPAGE)");
                return PT_FAIL;
        }
        for (size_t k = 0; split_pmd && !notthp && k < nh; k++) {
                char *q = p + k * HPAGE_SIZE + 7 * PT_PAGE_SIZE;

                if (mprotect(q, PT_PAGE_SIZE, PROT_READ) < 0 ||
                    mprotect(q, PT_PAGE_SIZE, PROT_READ | PROT_WRITE) < 0) {
                        perror("thp-pte: mprotect");
                        return PT_FAIL;
                }
                if (pt_pagemap_pfns(p + k * HPAGE_SIZE, 1, &pfn) < 0 || !pfn ||
                    !pt_flag(pt_kpageflags(pfn), KPF_THP))
                        notthp++;
        }
        if (notthp) {
                printf("thp: %zu of %zu 2 MiB ranges did not get a transparent huge page "
                       "(fragmented memory, or THP disabled in %s)\n", notthp, nh, WL_THP_ENABLED);
                res = PT_FAIL;
        } else {
                r.addr = p;
                res = run_rounds(&r, rounds);
        }
        munmap(raw, len + HPAGE_SIZE);
        if (ballast)
                munmap(ballast, 256 * PT_PAGE_SIZE);
        return res;
}

static int case_thp(int rounds)
{
        return thp_common(rounds, false);
}

static int case_thp_pte(int rounds)
{
        return thp_common(rounds, true);
}

/* file-read: the touches go through pread(2) on the file, not the
 * mapping: the page cache's mark_page_accessed, not an accessed bit. */
static int touch_by_read(struct round *r, void *arg)
{
        int fd = *(int *)arg;
        char c;

        for (size_t i = 0; i < r->npages; i++) {
                uint32_t h = wl_hash32(seed, (uint32_t)i);

                if (h % 5 >= 2)
                        continue;
                if (pread(fd, &c, 1, (off_t)(i * PT_PAGE_SIZE + (h >> 8) % PT_PAGE_SIZE)) != 1) {
                        perror("file-read: pread");
                        return -1;
                }
                r->touched[i] = true;
        }
        return 0;
}

static int file_common(int rounds, bool by_read)
{
        size_t n = 1024, len = n * PT_PAGE_SIZE;
        const char *dir = file_dir ? file_dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        char path[4096], *page = malloc(PT_PAGE_SIZE), *p, name[4200];
        struct round r = { .npages = n, .prot = PROT_READ, .touch = touch_hashed };
        void *ballast;
        int fd, res;

        if (by_read) {
                r.touch = touch_by_read;
                r.arg = &fd;
                r.report_only = true;
        }

        snprintf(path, sizeof path, "%s/idle-exact.XXXXXX", dir);
        fd = mkstemp(path);
        if (fd < 0 || !page) {
                fprintf(stderr, "file: creating a file in %s: %m\n", dir);
                return PT_FAIL;
        }
        unlink(path);
        for (size_t i = 0; i < n; i++) {
                memset(page, (int)(i % 251) + 1, PT_PAGE_SIZE);
                if (write(fd, page, PT_PAGE_SIZE) != (ssize_t)PT_PAGE_SIZE) {
                        perror("file: write");
                        return PT_FAIL;
                }
        }
        /* No writeback may hold a page lock while the test runs. */
        if (fsync(fd) < 0)
                perror("file: fsync");
        p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                perror("file: mmap");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                (void)*(volatile char *)(p + i * PT_PAGE_SIZE);
        ballast = pt_ballast(256);
        snprintf(name, sizeof name, "%s(%s)", by_read ? "file-read" : "file", dir);
        r.name = name;
        r.addr = p;
        res = run_rounds(&r, rounds);
        munmap(p, len);
        close(fd);
        free(page);
        if (ballast)
                munmap(ballast, 256 * PT_PAGE_SIZE);
        return res;
}

static int case_file(int rounds)
{
        return file_common(rounds, false);
}

static int case_file_read(int rounds)
{
        return file_common(rounds, true);
}

/* fork: the child reads pages with i % 4 == 1, the parent i % 4 == 0. */
struct fork_arg {
        int to_child, from_child;
};

static int touch_fork(struct round *r, void *varg)
{
        struct fork_arg *a = varg;
        char c = 'g';

        if (pt_flush_tlb(r->addr, r->npages * PT_PAGE_SIZE, r->prot) < 0) {
                perror("mprotect");
                return -1;
        }
        for (size_t i = 0; i < r->npages; i++) {
                if (i % 4 == 0) {
                        wl_touch_page(r->addr + i * PT_PAGE_SIZE, false);
                        r->touched[i] = true;
                } else if (i % 4 == 1) {
                        r->touched[i] = true;   /* by the child */
                }
        }
        if (write(a->to_child, &c, 1) != 1 || read(a->from_child, &c, 1) != 1 || c != 'd') {
                fprintf(stderr, "fork: the child did not touch its pages\n");
                return -1;
        }
        return 0;
}

static int case_fork(int rounds)
{
        size_t n = 1024, len = n * PT_PAGE_SIZE, shared = 0;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        int to_child[2], from_child[2], res;
        uint64_t *pfns = calloc(n, 8), *cpfns = calloc(n, 8), cnt;
        struct fork_arg a;
        struct round r = { .name = "fork", .addr = p, .npages = n,
                           .prot = PROT_READ | PROT_WRITE, .touch = touch_fork, .arg = &a };
        void *ballast;
        pid_t pid;

        if (p == MAP_FAILED || !pfns || !cpfns || madvise(p, len, MADV_NOHUGEPAGE) < 0 ||
            pipe(to_child) < 0 || pipe(from_child) < 0) {
                perror("fork: setup");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                p[i * PT_PAGE_SIZE] = (char)i;
        ballast = pt_ballast(256);
        pid = fork();
        if (pid < 0) {
                perror("fork");
                return PT_FAIL;
        }
        if (pid == 0) {
                char c;

                close(to_child[1]);
                close(from_child[0]);
                if (pt_pagemap_pfns(p, n, cpfns) < 0 ||
                    write(from_child[1], cpfns, n * 8) != (ssize_t)(n * 8))
                        _exit(1);
                /* One 'g' per round: flush, read the child's pages, 'd'. */
                while (read(to_child[0], &c, 1) == 1 && c == 'g') {
                        if (pt_flush_tlb(p, len, PROT_READ | PROT_WRITE) < 0)
                                _exit(1);
                        for (size_t i = 1; i < n; i += 4)
                                wl_touch_page(p + i * PT_PAGE_SIZE, false);
                        c = 'd';
                        if (write(from_child[1], &c, 1) != 1)
                                _exit(1);
                }
                _exit(0);
        }
        close(to_child[0]);
        close(from_child[1]);
        a.to_child = to_child[1];
        a.from_child = from_child[0];
        {
                size_t got = 0;

                while (got < n * 8) {
                        ssize_t k = read(from_child[0], (char *)cpfns + got, n * 8 - got);
                        if (k <= 0)
                                break;
                        got += (size_t)k;
                }
        }
        if (pt_pagemap_pfns(p, n, pfns) < 0 || memcmp(pfns, cpfns, n * 8) != 0) {
                printf("fork: the child's PFNs differ from the parent's: pages are not shared\n");
                res = PT_FAIL;
        } else {
                for (size_t i = 0; i < n; i++)
                        if (pt_kpage_read("/proc/kpagecount", pfns[i], 1, &cnt) == 0 && cnt == 2)
                                shared++;
                printf("fork: %zu of %zu pages mapped by both processes (kpagecount 2)\n",
                       shared, n);
                res = run_rounds(&r, rounds);
        }
        /* The child stays alive until every read is done. */
        close(to_child[1]);
        waitpid(pid, NULL, 0);
        close(from_child[0]);
        munmap(p, len);
        if (ballast)
                munmap(ballast, 256 * PT_PAGE_SIZE);
        free(pfns);
        free(cpfns);
        return res;
}

/* ksm: pages 2g and 2g+1 hold the same data and merge into one KSM page;
 * group g % 4: 0 reads page 2g, 1 reads 2g+1, 2 both, 3 neither. */
static int touch_ksm(struct round *r, void *arg)
{
        (void)arg;
        if (pt_flush_tlb(r->addr, r->npages * PT_PAGE_SIZE, r->prot) < 0) {
                perror("mprotect");
                return -1;
        }
        for (size_t i = 0; i < r->npages; i++) {
                size_t g = i / 2, which = i % 2;
                bool t = (g % 4 == 0 && which == 0) || (g % 4 == 1 && which == 1) || g % 4 == 2;

                if (!t)
                        continue;
                wl_touch_page(r->addr + i * PT_PAGE_SIZE, false);
                r->touched[i] = true;
        }
        return 0;
}

static int case_ksm(int rounds)
{
        size_t n = 256, len = n * PT_PAGE_SIZE;
        uint64_t *pfns = calloc(n, 8);
        char *p;
        struct round r = { .name = "ksm", .npages = n, .prot = PROT_READ | PROT_WRITE,
                           .touch = touch_ksm };
        long merged;
        int res;

        if (access("/sys/kernel/mm/ksm/run", W_OK) < 0) {
                printf("ksm: no /sys/kernel/mm/ksm/run: kernel without KSM\n");
                return PT_SKIP;
        }
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || !pfns || madvise(p, len, MADV_NOHUGEPAGE) < 0) {
                perror("ksm: setup");
                return PT_FAIL;
        }
        merged = wl_ksm_merge_pairs(p, n, seed, pfns);
        if (merged < 0) {
                printf("ksm: merging: %s\n", strerror((int)-merged));
                res = PT_FAIL;
        } else if ((size_t)merged != n / 2) {
                printf("ksm: ksmd did not merge every pair within 120 s\n");
                res = PT_FAIL;
        } else {
                void *ballast = pt_ballast(256);

                r.addr = p;
                res = run_rounds(&r, rounds);
                if (ballast)
                        munmap(ballast, 256 * PT_PAGE_SIZE);
        }
        munmap(p, len);
        free(pfns);
        return res;
}

static const struct pt_case cases[] = {
        { "anon", case_anon },
        { "thp", case_thp },
        { "thp-pte", case_thp_pte },
        { "file", case_file },
        { "file-read", case_file_read },
        { "fork", case_fork },
        { "ksm", case_ksm },
};

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "bitmap", required_argument, NULL, 'b' },
                { "dir", required_argument, NULL, 'd' },
                { "rounds", required_argument, NULL, 'r' },
                { "seed", required_argument, NULL, 's' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *path = NULL;
        int c, rounds = 2;
        uint64_t max_pfn;

        while ((c = getopt_long(argc, argv, "b:d:r:s:vh", opts, NULL)) >= 0) {
                switch (c) {
                case 'b': path = optarg; break;
                case 'd': file_dir = optarg; break;
                case 'r': rounds = atoi(optarg); break;
                case 's': seed = (unsigned)strtoul(optarg, NULL, 0); break;
                case 'v': verbose = 1; break;
                default:
                        fprintf(stderr, "usage: %s [--bitmap PATH] [--dir DIR] [--rounds N] "
                                "[--seed N] [--verbose] anon|thp|thp-pte|file|file-read|fork|ksm|all...\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "%s: no case given (anon thp thp-pte file file-read fork ksm all)\n", argv[0]);
                return 2;
        }
        path = pt_bitmap_path(path);
        bitmap_fd = open(path, O_RDWR | O_CLOEXEC);
        if (bitmap_fd < 0) {
                fprintf(stderr, "cannot open %s: %m\n", path);
                return 1;
        }
        if (pt_pin_cpu(0) < 0) {
                perror("sched_setaffinity(CPU 0)");
                return 1;
        }
        max_pfn = pt_max_pfn();
        if (max_pfn % 64)
                partial_word = max_pfn / 64;
        setvbuf(stdout, NULL, _IOLBF, 0);
        printf("# bitmap %s, seed %u, %d rounds per case\n", path, seed, rounds);
        return pt_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argv + optind, argc - optind, rounds);
}
