// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idle-diff --kernel PATH --module PATH [--rounds N] [--seed N] [--dir DIR]
 *           [--verbose] CASE...
 *
 * Differential test of two idle page bitmaps on one kernel: the kernel's
 * own (/sys/kernel/mm/page_idle/bitmap) and pageidle.ko's loaded beside it
 * (sysfs_name=..., e.g. /sys/kernel/mm/pageidle_mod/bitmap).  Identical
 * write/read sequences over an identical workload must give identical
 * bitmaps, word by word.
 *
 * The method.  Each case sets up one workload (its pages stay at the same
 * PFNs throughout; a round whose PFNs moved is retried) and runs rounds.
 * A round draws one set of pages to touch from the seed and the round
 * number, then runs the same sequence once against each bitmap:
 *
 *     mark every PFN of the workload idle (write its words, bits of the
 *     workload's PFNs only), flush the TLB of every touching process (an
 *     mprotect round trip), touch the drawn pages, read the words back
 *
 * and compares what the two reads returned, bit by bit over the
 * workload's PFNs (bits of other PFNs in the same words are not ours and
 * are masked out).  The sequence starts with a mark, so what one bitmap
 * did before cannot leak into the other's result: in page_flags state the
 * two files share PG_idle/PG_young, and the mark sets PG_idle afresh for
 * both; in the module's own state the kernel's walk and the module's clear
 * the same accessed bits, so the two sequences are never interleaved (an
 * accessed bit taken by one tracker is lost to the other: a difference
 * kernel/README.md names, not a bug).  The kernel goes first in odd rounds
 * and second in even ones.
 *
 * In page_flags state the two files are one state seen twice, so two
 * crossed sequences are compared too: marked through the kernel's file and
 * read through the module's, and the other way round.
 *
 * Each read is also compared with what it should be (untouched pages idle,
 * touched ones and THP tails not), and that is printed; idle-exact judges
 * it.  What is judged here is only kernel == module.
 *
 * CASEs (judged: every page must match):
 *   anon      private anonymous small pages, read and written
 *   file      a file in DIR mapped shared, read through the mapping
 *   fork      anonymous pages shared with a live forked child; the parent
 *             touches even pages, the child odd ones
 *   thp       anonymous THPs mapped by PMDs; per huge page none, one or
 *             all of its small pages touched
 *   ksm       KSM-merged pages, each merged page mapped twice
 * CASEs whose differences kernel/README.md names for the own state (judged
 * in page_flags state, only measured and reported in own state):
 *   file-read   file pages touched through pread(2), not the mapping
 *   file-unmap  file pages touched through the mapping, then unmapped
 *               before the read
 *   whole     page_flags state only: all of memory marked through one file,
 *             read through both (see case_whole)
 *   all       every case above
 *
 * The three traps of the kernel's own bitmap (tests/vm/README.md) are
 * handled: the program pins itself to CPU 0 and faults ballast after the
 * workload so its pages leave the CPU's LRU-add batch (a round with a page
 * off the LRU is retried), the forked child lives until the last read, and
 * the TLB is flushed between marking and touching.
 *
 * Prints one line per round and sequence, a line per case with its totals
 * ("case NAME: state S: P pages compared, M mismatching, ..."), and exits 0
 * if every judged case matched, 77 if every case was skipped, 1 otherwise.
 * Run as root.
 */
#include "idle-workload.h"

#include <getopt.h>
#include <sys/wait.h>

#define HPAGE_SIZE (2UL << 20)
#define HPAGE_NR (HPAGE_SIZE / PT_PAGE_SIZE)

enum { BM_KERNEL, BM_MODULE };

static const char *bm_path[2];
static int bm_fd[2] = { -1, -1 };
static const char *bm_label[2] = { "kernel", "module" };
static char state[32] = "unknown";      /* the module's: page_flags or own */
static const char *file_dir;
static unsigned seed = 1;
static int verbose;

struct work {
        const char *name;
        char *addr;
        size_t npages;
        int prot;
        /* Touch by reading only (KSM: a write would unshare the page). */
        bool read_only;
        /* Own state: the difference is a documented one; report it. */
        bool own_differs;
        /* Before marking (file-unmap: map and fault the file again). */
        int (*prepare)(struct work *w);
        /* Flush every touching process's TLB, touch the pages in sel[]. */
        int (*touch)(struct work *w, const bool *sel);
        /* After touching, before reading (file-unmap: munmap). */
        int (*after_touch)(struct work *w);
        /* Which pages a round touches. */
        void (*select)(struct work *w, int round, bool *sel);
        int fd;                 /* file cases */
        int to_child, from_child;       /* fork */
        /* Totals over the rounds. */
        size_t compared, mismatched, cross_compared, cross_mismatched;
        size_t off_expect[2];
};

static size_t word_index(const uint64_t *words, size_t nwords, uint64_t w)
{
        const uint64_t *p = bsearch(&w, words, nwords, sizeof *words, wl_cmp_u64);
        return p ? (size_t)(p - words) : SIZE_MAX;
}

static int bm_write(int b, const uint64_t *words, const uint64_t *mask, size_t nwords)
{
        for (size_t j = 0; j < nwords; j++)
                if (pwrite(bm_fd[b], &mask[j], 8, (off_t)(words[j] * 8)) != 8) {
                        fprintf(stderr, "%s bitmap: marking word %" PRIu64 ": %m\n",
                                bm_label[b], words[j]);
                        return -1;
                }
        return 0;
}

static int bm_read(int b, const uint64_t *words, const uint64_t *mask, size_t nwords,
                   uint64_t *out)
{
        for (size_t j = 0; j < nwords; j++) {
                if (pread(bm_fd[b], &out[j], 8, (off_t)(words[j] * 8)) != 8) {
                        fprintf(stderr, "%s bitmap: reading word %" PRIu64 ": %m\n",
                                bm_label[b], words[j]);
                        return -1;
                }
                out[j] &= mask[j];
        }
        return 0;
}

/* One sequence: mark through bitmap mark_b, touch, read through read_b. */
static int sequence(struct work *w, const bool *sel, int mark_b, int read_b,
                    const uint64_t *words, const uint64_t *mask, size_t nwords, uint64_t *out)
{
        if (w->prepare && w->prepare(w) < 0)
                return -1;
        if (bm_write(mark_b, words, mask, nwords) < 0 || w->touch(w, sel) < 0)
                return -1;
        if (w->after_touch && w->after_touch(w) < 0)
                return -1;
        return bm_read(read_b, words, mask, nwords, out);
}

static size_t popcount_xor(const uint64_t *a, const uint64_t *b, size_t n, size_t *words_differ)
{
        size_t bits = 0;

        *words_differ = 0;
        for (size_t j = 0; j < n; j++) {
                bits += (size_t)__builtin_popcountll(a[j] ^ b[j]);
                *words_differ += a[j] != b[j];
        }
        return bits;
}

static void show_diff(struct work *w, const char *what, const uint64_t *a, const uint64_t *b,
                      const uint64_t *words, size_t nwords)
{
        size_t shown = 0;

        for (size_t j = 0; j < nwords; j++) {
                uint64_t x = a[j] ^ b[j];

                while (x && (shown < 8 || verbose)) {
                        unsigned bit = (unsigned)__builtin_ctzll(x);
                        uint64_t pfn = words[j] * 64 + bit;

                        x &= x - 1;
                        printf("%s: %s: PFN 0x%" PRIx64 " reads %s, %s (kpageflags 0x%" PRIx64 ")\n",
                               w->name, what, pfn, (a[j] >> bit) & 1 ? "idle" : "busy",
                               (b[j] >> bit) & 1 ? "idle" : "busy", pt_kpageflags(pfn));
                        shown++;
                }
        }
}

static int run_round(struct work *w, int round, bool *sel, uint64_t *pfns, uint64_t *after)
{
        size_t n = w->npages, nwords = 0, notlru = 0;
        uint64_t *words = calloc(n, 8), *mask = NULL, *expect = NULL, *res[4] = {};
        uint64_t *heads = calloc(n, 8);
        int first = round % 2 ? BM_KERNEL : BM_MODULE, ret = PT_FAIL;
        bool cross = strcmp(state, "page_flags") == 0;

        if (!words || !heads)
                goto out;
        if (w->prepare && w->prepare(w) < 0)
                goto out;
        if (pt_pagemap_pfns(w->addr, n, pfns) < 0) {
                perror("pagemap");
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                uint64_t f;

                if (!pfns[i]) {
                        printf("%s: page %zu is not present\n", w->name, i);
                        goto out;
                }
                f = pt_kpageflags(pfns[i]);
                heads[i] = wl_head_of(pfns[i], f);
                if (heads[i] != pfns[i])
                        f = pt_kpageflags(heads[i]);
                notlru += !pt_flag(f, KPF_LRU);
                words[i] = pfns[i] / 64;
        }
        if (notlru) {
                printf("%s round %d: %zu pages not on the LRU yet; retrying\n", w->name, round,
                       notlru);
                usleep(300000);
                ret = PT_RETRY;
                goto out;
        }
        nwords = wl_sort_unique(words, n);
        mask = calloc(nwords, 8);
        expect = calloc(nwords, 8);
        for (int k = 0; k < 4; k++)
                res[k] = calloc(nwords, 8);
        if (!mask || !expect || !res[0] || !res[1] || !res[2] || !res[3])
                goto out;

        /* What the reads should give: untouched heads and small pages idle. */
        w->select(w, round, sel);
        for (size_t i = 0; i < n; i++)
                mask[word_index(words, nwords, pfns[i] / 64)] |= UINT64_C(1) << (pfns[i] % 64);
        for (size_t i = 0; i < n; i++)
                if (heads[i] == pfns[i])
                        expect[word_index(words, nwords, pfns[i] / 64)] |=
                                UINT64_C(1) << (pfns[i] % 64);
        for (size_t i = 0; i < n; i++)
                if (sel[i])
                        expect[word_index(words, nwords, heads[i] / 64)] &=
                                ~(UINT64_C(1) << (heads[i] % 64));

        /* The same sequence against each bitmap, alternating who goes first. */
        if (sequence(w, sel, first, first, words, mask, nwords, res[first]) < 0 ||
            sequence(w, sel, !first, !first, words, mask, nwords, res[!first]) < 0)
                goto out;
        /* page_flags: marked through one file, read through the other. */
        if (cross &&
            (sequence(w, sel, BM_KERNEL, BM_MODULE, words, mask, nwords, res[2]) < 0 ||
             sequence(w, sel, BM_MODULE, BM_KERNEL, words, mask, nwords, res[3]) < 0))
                goto out;

        if ((w->prepare && w->prepare(w) < 0) ||
            pt_pagemap_pfns(w->addr, n, after) < 0 || memcmp(after, pfns, n * 8) != 0) {
                printf("%s round %d: pages moved to other PFNs during the round; retrying\n",
                       w->name, round);
                ret = PT_RETRY;
                goto out;
        }

        {
                size_t pages = 0, wd, wd2 = 0, wd3 = 0, diff, off[2], idle[2], c2 = 0, c3 = 0;

                for (size_t j = 0; j < nwords; j++)
                        pages += (size_t)__builtin_popcountll(mask[j]);
                diff = popcount_xor(res[BM_KERNEL], res[BM_MODULE], nwords, &wd);
                for (int b = 0; b < 2; b++) {
                        size_t unused;

                        off[b] = popcount_xor(res[b], expect, nwords, &unused);
                        idle[b] = 0;
                        for (size_t j = 0; j < nwords; j++)
                                idle[b] += (size_t)__builtin_popcountll(res[b][j]);
                        w->off_expect[b] += off[b];
                }
                if (cross) {
                        c2 = popcount_xor(res[2], res[BM_KERNEL], nwords, &wd2);
                        c3 = popcount_xor(res[3], res[BM_KERNEL], nwords, &wd3);
                        w->cross_compared += 2 * pages;
                        w->cross_mismatched += c2 + c3;
                }
                w->compared += pages;
                w->mismatched += diff;
                printf("%s round %d (%s first): %zu PFNs in %zu words; kernel read %zu idle, "
                       "module %zu idle; %zu PFNs differ (%zu words); off expectation: kernel %zu, "
                       "module %zu",
                       w->name, round, bm_label[first], pages, nwords, idle[0], idle[1], diff, wd,
                       off[0], off[1]);
                if (cross)
                        printf("; marked by kernel read by module: %zu differ, marked by module "
                               "read by kernel: %zu differ", c2, c3);
                printf("\n");
                if (diff)
                        show_diff(w, "kernel vs module", res[BM_KERNEL], res[BM_MODULE], words,
                                  nwords);
                if (cross && c2)
                        show_diff(w, "kernel vs marked-by-kernel-read-by-module",
                                  res[BM_KERNEL], res[2], words, nwords);
                if (cross && c3)
                        show_diff(w, "kernel vs marked-by-module-read-by-kernel",
                                  res[BM_KERNEL], res[3], words, nwords);
                if (verbose) {
                        show_diff(w, "kernel vs expected", res[BM_KERNEL], expect, words, nwords);
                        show_diff(w, "module vs expected", res[BM_MODULE], expect, words, nwords);
                }
        }
        ret = PT_OK;
out:
        free(words);
        free(heads);
        free(mask);
        free(expect);
        for (int k = 0; k < 4; k++)
                free(res[k]);
        return ret;
}

static int run_rounds(struct work *w, int rounds)
{
        bool *sel = calloc(w->npages, sizeof *sel);
        uint64_t *pfns = calloc(w->npages, 8), *after = calloc(w->npages, 8);
        bool judged = !w->own_differs || strcmp(state, "own") != 0;
        int res = PT_OK;

        if (!sel || !pfns || !after)
                return PT_FAIL;
        for (int r = 1; r <= rounds && res == PT_OK; r++) {
                int rr, tries = 0;

                do
                        rr = run_round(w, r, sel, pfns, after);
                while (rr == PT_RETRY && ++tries < 3);
                if (rr != PT_OK)
                        res = PT_FAIL;
        }
        free(sel);
        free(pfns);
        free(after);
        if (res != PT_OK) {
                printf("case %s: could not run a round to the end\n", w->name);
                return res;
        }
        printf("case %s: state %s: %zu pages compared, %zu mismatching (%.2f%%)",
               w->name, state, w->compared, w->mismatched,
               w->compared ? 100.0 * (double)w->mismatched / (double)w->compared : 0.0);
        if (w->cross_compared)
                printf("; crossed: %zu compared, %zu mismatching", w->cross_compared,
                       w->cross_mismatched);
        printf("; off expectation: kernel %zu, module %zu; %s\n", w->off_expect[0],
               w->off_expect[1],
               judged ? "judged" : "a difference kernel/README.md names for the own state: "
                                   "measured, not judged");
        if (!judged)
                return PT_OK;
        return w->mismatched || w->cross_mismatched ? PT_FAIL : PT_OK;
}

/* --- touching ------------------------------------------------------------ */

/* About 40% of the pages, by a hash of the seed, round and index. */
static void select_hashed(struct work *w, int round, bool *sel)
{
        for (size_t i = 0; i < w->npages; i++)
                sel[i] = wl_hash32(seed, (uint32_t)(i * 7919u + (unsigned)round * 104729u)) % 5 < 2;
}

static int touch_plain(struct work *w, const bool *sel)
{
        if (pt_flush_tlb(w->addr, w->npages * PT_PAGE_SIZE, w->prot) < 0) {
                perror("mprotect");
                return -1;
        }
        for (size_t i = 0; i < w->npages; i++)
                if (sel[i])
                        wl_touch_page(w->addr + i * PT_PAGE_SIZE + (i * 37) % PT_PAGE_SIZE,
                                   !w->read_only && (w->prot & PROT_WRITE) && (i & 4));
        return 0;
}

static void *ballast(void)
{
        return pt_ballast(256);
}

static void unballast(void *b)
{
        if (b)
                munmap(b, 256 * PT_PAGE_SIZE);
}

/* --- cases ---------------------------------------------------------------- */

static int case_anon(int rounds)
{
        size_t n = 512;
        struct work w = { .name = "anon", .npages = n, .prot = PROT_READ | PROT_WRITE,
                          .touch = touch_plain, .select = select_hashed };
        void *b;
        int res;

        w.addr = mmap(NULL, n * PT_PAGE_SIZE, w.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (w.addr == MAP_FAILED || madvise(w.addr, n * PT_PAGE_SIZE, MADV_NOHUGEPAGE) < 0) {
                perror("anon: mmap");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                w.addr[i * PT_PAGE_SIZE] = (char)i;
        b = ballast();
        res = run_rounds(&w, rounds);
        munmap(w.addr, n * PT_PAGE_SIZE);
        unballast(b);
        return res;
}

/* file-read: pread(2) of the first byte of each selected page (tmpfs
 * calls folio_mark_accessed() only for a read from a page's start). */
static int touch_read(struct work *w, const bool *sel)
{
        char c;

        for (size_t i = 0; i < w->npages; i++)
                if (sel[i] && pread(w->fd, &c, 1, (off_t)(i * PT_PAGE_SIZE)) != 1) {
                        perror("file-read: pread");
                        return -1;
                }
        return 0;
}

static int file_map(struct work *w)
{
        w->addr = mmap(NULL, w->npages * PT_PAGE_SIZE, PROT_READ, MAP_SHARED, w->fd, 0);
        if (w->addr == MAP_FAILED) {
                perror("file: mmap");
                w->addr = NULL;
                return -1;
        }
        for (size_t i = 0; i < w->npages; i++)
                (void)*(volatile char *)(w->addr + i * PT_PAGE_SIZE);
        return 0;
}

/* file-unmap: map and fault the file before marking, unmap after touching. */
static int file_remap(struct work *w)
{
        return w->addr ? 0 : file_map(w);
}

static int file_unmap(struct work *w)
{
        munmap(w->addr, w->npages * PT_PAGE_SIZE);
        w->addr = NULL;
        return 0;
}

/* pagemap needs the mapping: the round's PFNs are taken with it mapped
 * (prepare), and file-unmap keeps the PFNs from then. */
static int case_file_common(int rounds, const char *name)
{
        size_t n = 512;
        const char *dir = file_dir ? file_dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        struct work w = { .name = name, .npages = n, .prot = PROT_READ, .touch = touch_plain,
                          .select = select_hashed };
        char path[4096], page[4096];
        void *b;
        int res;

        if (strcmp(name, "file-read") == 0) {
                w.touch = touch_read;
                w.own_differs = true;
        } else if (strcmp(name, "file-unmap") == 0) {
                w.prepare = file_remap;
                w.after_touch = file_unmap;
                w.own_differs = true;
        }
        snprintf(path, sizeof path, "%s/idle-diff.XXXXXX", dir);
        w.fd = mkstemp(path);
        if (w.fd < 0) {
                fprintf(stderr, "%s: creating a file in %s: %m\n", name, dir);
                return PT_FAIL;
        }
        unlink(path);
        for (size_t i = 0; i < n; i++) {
                memset(page, (int)(i % 251) + 1, sizeof page);
                if (write(w.fd, page, sizeof page) != (ssize_t)sizeof page) {
                        perror("file: write");
                        return PT_FAIL;
                }
        }
        if (fsync(w.fd) < 0)
                perror("file: fsync");
        if (file_map(&w) < 0)
                return PT_FAIL;
        b = ballast();
        res = run_rounds(&w, rounds);
        if (w.addr)
                munmap(w.addr, n * PT_PAGE_SIZE);
        close(w.fd);
        unballast(b);
        return res;
}

static int case_file(int rounds)
{
        return case_file_common(rounds, "file");
}

static int case_file_read(int rounds)
{
        return case_file_common(rounds, "file-read");
}

static int case_file_unmap(int rounds)
{
        return case_file_common(rounds, "file-unmap");
}

/* fork: the parent touches the selected even pages, the child the odd
 * ones; the child draws the same selection from the round number. */
static int touch_fork(struct work *w, const bool *sel)
{
        char c = 'g';

        if (pt_flush_tlb(w->addr, w->npages * PT_PAGE_SIZE, w->prot) < 0)
                return -1;
        for (size_t i = 0; i < w->npages; i += 2)
                if (sel[i])
                        wl_touch_page(w->addr + i * PT_PAGE_SIZE, false);
        /* The child gets the selection itself through the pipe. */
        if (write(w->to_child, &c, 1) != 1 ||
            write(w->to_child, sel, w->npages * sizeof *sel) != (ssize_t)(w->npages * sizeof *sel) ||
            read(w->from_child, &c, 1) != 1 || c != 'd') {
                fprintf(stderr, "fork: the child did not touch its pages\n");
                return -1;
        }
        return 0;
}

static int case_fork(int rounds)
{
        size_t n = 512, len = n * PT_PAGE_SIZE;
        struct work w = { .name = "fork", .npages = n, .prot = PROT_READ | PROT_WRITE,
                          .touch = touch_fork, .select = select_hashed };
        int to_child[2], from_child[2], res;
        bool *csel = calloc(n, sizeof *csel);
        void *b;
        pid_t pid;

        w.addr = mmap(NULL, len, w.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (w.addr == MAP_FAILED || !csel || madvise(w.addr, len, MADV_NOHUGEPAGE) < 0 ||
            pipe(to_child) < 0 || pipe(from_child) < 0) {
                perror("fork: setup");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                w.addr[i * PT_PAGE_SIZE] = (char)i;
        b = ballast();
        pid = fork();
        if (pid < 0) {
                perror("fork");
                return PT_FAIL;
        }
        if (pid == 0) {
                char c;

                close(to_child[1]);
                close(from_child[0]);
                while (read(to_child[0], &c, 1) == 1 && c == 'g') {
                        size_t got = 0;

                        while (got < n * sizeof *csel) {
                                ssize_t k = read(to_child[0], (char *)csel + got,
                                                 n * sizeof *csel - got);
                                if (k <= 0)
                                        _exit(1);
                                got += (size_t)k;
                        }
                        if (pt_flush_tlb(w.addr, len, w.prot) < 0)
                                _exit(1);
                        for (size_t i = 1; i < n; i += 2)
                                if (csel[i])
                                        wl_touch_page(w.addr + i * PT_PAGE_SIZE, false);
                        c = 'd';
                        if (write(from_child[1], &c, 1) != 1)
                                _exit(1);
                }
                _exit(0);
        }
        close(to_child[0]);
        close(from_child[1]);
        w.to_child = to_child[1];
        w.from_child = from_child[0];
        /* Shared: the child's pagemap is the parent's until either writes;
         * neither does (reads only). */
        res = run_rounds(&w, rounds);
        /* The child lives until every read is done. */
        close(to_child[1]);
        waitpid(pid, NULL, 0);
        close(from_child[0]);
        munmap(w.addr, len);
        unballast(b);
        free(csel);
        return res;
}

/* thp: per huge page, by hash: none, the head, one middle page, all. */
static void select_thp(struct work *w, int round, bool *sel)
{
        for (size_t k = 0; k < w->npages / HPAGE_NR; k++) {
                uint32_t h = wl_hash32(seed, (uint32_t)(k * 31u + (unsigned)round * 7u));
                size_t mid = 1 + (h >> 8) % (HPAGE_NR - 1);

                for (size_t i = 0; i < HPAGE_NR; i++) {
                        bool t;

                        switch (h % 4) {
                        case 0: t = false; break;
                        case 1: t = i == 0; break;
                        case 2: t = i == mid; break;
                        default: t = true; break;
                        }
                        sel[k * HPAGE_NR + i] = t;
                }
        }
}

static int case_thp(int rounds)
{
        size_t nh = 4, n = nh * HPAGE_NR, len = n * PT_PAGE_SIZE, notthp = 0;
        struct work w = { .name = "thp", .npages = n, .prot = PROT_READ | PROT_WRITE,
                          .touch = touch_plain, .select = select_thp };
        char *raw;
        uint64_t pfn;
        void *b;
        int res;

        if (wl_thp_allow("thp") < 0) {
                printf("thp: no %s: kernel without THP\n", WL_THP_ENABLED);
                return PT_SKIP;
        }
        raw = mmap(NULL, len + HPAGE_SIZE, w.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) {
                perror("thp: mmap");
                return PT_FAIL;
        }
        w.addr = (char *)(((uintptr_t)raw + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1));
        if (madvise(w.addr, len, MADV_HUGEPAGE) < 0) {
                perror("thp: madvise");
                return PT_FAIL;
        }
        for (size_t i = 0; i < n; i++)
                w.addr[i * PT_PAGE_SIZE] = (char)i;
        b = ballast();
        for (size_t k = 0; k < nh; k++)
                if (pt_pagemap_pfns(w.addr + k * HPAGE_SIZE, 1, &pfn) < 0 || !pfn ||
                    !pt_flag(pt_kpageflags(pfn), KPF_THP))
                        notthp++;
        if (notthp) {
                printf("thp: %zu of %zu 2 MiB ranges got no transparent huge page "
                       "(fragmented memory, or THP disabled in %s)\n", notthp, nh, WL_THP_ENABLED);
                res = PT_FAIL;
        } else {
                res = run_rounds(&w, rounds);
        }
        munmap(raw, len + HPAGE_SIZE);
        unballast(b);
        return res;
}

static int case_ksm(int rounds)
{
        size_t n = 256, len = n * PT_PAGE_SIZE;
        struct work w = { .name = "ksm", .npages = n, .prot = PROT_READ | PROT_WRITE,
                          .touch = touch_plain, .select = select_hashed };
        uint64_t *pfns = calloc(n, 8);
        long merged;
        void *b;
        int res;

        if (access("/sys/kernel/mm/ksm/run", W_OK) < 0) {
                printf("ksm: kernel without KSM\n");
                return PT_SKIP;
        }
        w.addr = mmap(NULL, len, w.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (w.addr == MAP_FAILED || !pfns || madvise(w.addr, len, MADV_NOHUGEPAGE) < 0) {
                perror("ksm: setup");
                return PT_FAIL;
        }
        merged = wl_ksm_merge_pairs(w.addr, n, seed, pfns);
        if (merged < 0) {
                printf("ksm: merging: %s\n", strerror((int)-merged));
                res = PT_FAIL;
        } else if ((size_t)merged != n / 2) {
                res = PT_FAIL;
        } else {
                w.read_only = true;
                b = ballast();
                res = run_rounds(&w, rounds);
                unballast(b);
        }
        munmap(w.addr, len);
        free(pfns);
        return res;
}

/*
 * whole (page_flags state only): every PFN of the machine.  Marks all of
 * memory idle through the kernel's file, then reads the whole bitmap
 * through the kernel's file, the module's, and the kernel's again (and the
 * other way round).  The files share one state, so a PFN on which the two
 * reads of one file agree must read the same through the other file read
 * between them; PFNs whose two reads differ were used (or freed, or added
 * to the LRU) meanwhile by the rest of the system and are left out.
 */
static int read_all(int b, uint64_t *buf, size_t nbytes)
{
        ssize_t r = pt_pread_all(bm_fd[b], buf, nbytes, 0);

        if (r < 0) {
                fprintf(stderr, "%s bitmap: reading it all: %s\n", bm_label[b], strerror((int)-r));
                return -1;
        }
        memset((char *)buf + r, 0, nbytes - (size_t)r);
        return 0;
}

static int case_whole(int rounds)
{
        uint64_t max_pfn = pt_max_pfn(), nwords = max_pfn / 64, *ones, *a1, *b, *a2;
        size_t nbytes = (size_t)nwords * 8, mismatched_total = 0;
        int res = PT_OK;

        if (strcmp(state, "page_flags") != 0) {
                printf("whole: the module keeps its own state: the two files are two trackers, "
                       "and one takes the accessed bits the other would see (kernel/README.md)\n");
                return PT_SKIP;
        }
        ones = malloc(nbytes);
        a1 = malloc(nbytes);
        b = malloc(nbytes);
        a2 = malloc(nbytes);
        if (!nwords || !ones || !a1 || !b || !a2)
                return PT_FAIL;
        memset(ones, 0xff, nbytes);
        for (int r = 1; r <= rounds; r++) {
                int first = r % 2 ? BM_KERNEL : BM_MODULE;
                size_t stable = 0, idle = 0, mismatched = 0, shown = 0;
                double t0 = pt_now(), t1;

                if (pt_pwrite_all(bm_fd[first], ones, nbytes, 0) <= 0) {
                        fprintf(stderr, "whole: marking through the %s file: %m\n",
                                bm_label[first]);
                        res = PT_FAIL;
                        break;
                }
                t1 = pt_now();
                if (read_all(first, a1, nbytes) < 0 || read_all(!first, b, nbytes) < 0 ||
                    read_all(first, a2, nbytes) < 0) {
                        res = PT_FAIL;
                        break;
                }
                for (uint64_t j = 0; j < nwords; j++) {
                        uint64_t st = ~(a1[j] ^ a2[j]), bad = (a1[j] ^ b[j]) & st;

                        stable += (size_t)__builtin_popcountll(st);
                        idle += (size_t)__builtin_popcountll(a1[j] & st);
                        mismatched += (size_t)__builtin_popcountll(bad);
                        while (bad && shown++ < 8) {
                                unsigned bit = (unsigned)__builtin_ctzll(bad);
                                uint64_t pfn = j * 64 + bit;

                                bad &= bad - 1;
                                printf("whole: PFN 0x%" PRIx64 " reads %s twice through the %s "
                                       "file, %s through the %s file (kpageflags 0x%" PRIx64 ")\n",
                                       pfn, (a1[j] >> bit) & 1 ? "idle" : "busy", bm_label[first],
                                       (b[j] >> bit) & 1 ? "idle" : "busy", bm_label[!first],
                                       pt_kpageflags(pfn));
                        }
                }
                mismatched_total += mismatched;
                printf("whole round %d: %" PRIu64 " PFNs marked through the %s file in %.2f s; "
                       "read %s, %s, %s: %zu PFNs read the same twice (%zu of them idle), "
                       "%zu of those read differently through the %s file\n", r, nwords * 64,
                       bm_label[first], t1 - t0, bm_label[first], bm_label[!first],
                       bm_label[first], stable, idle, mismatched, bm_label[!first]);
        }
        printf("case whole: state %s: %zu mismatching PFNs over %d rounds; judged\n", state,
               mismatched_total, rounds);
        free(ones);
        free(a1);
        free(b);
        free(a2);
        return res == PT_OK && mismatched_total ? PT_FAIL : res;
}

static const struct pt_case cases[] = {
        { "anon", case_anon },
        { "file", case_file },
        { "fork", case_fork },
        { "thp", case_thp },
        { "ksm", case_ksm },
        { "file-read", case_file_read },
        { "file-unmap", case_file_unmap },
        { "whole", case_whole },
};

static void read_state(void)
{
        FILE *f = fopen("/sys/module/pageidle/parameters/state", "re");

        if (f) {
                if (!fgets(state, sizeof state, f))
                        strcpy(state, "unknown");
                fclose(f);
        }
        state[strcspn(state, "\n")] = 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "kernel", required_argument, NULL, 'k' },
                { "module", required_argument, NULL, 'm' },
                { "dir", required_argument, NULL, 'd' },
                { "rounds", required_argument, NULL, 'r' },
                { "seed", required_argument, NULL, 's' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c, rounds = 2;

        bm_path[BM_KERNEL] = PT_DEFAULT_BITMAP;
        while ((c = getopt_long(argc, argv, "k:m:d:r:s:vh", opts, NULL)) >= 0) {
                switch (c) {
                case 'k': bm_path[BM_KERNEL] = optarg; break;
                case 'm': bm_path[BM_MODULE] = optarg; break;
                case 'd': file_dir = optarg; break;
                case 'r': rounds = atoi(optarg); break;
                case 's': seed = (unsigned)strtoul(optarg, NULL, 0); break;
                case 'v': verbose = 1; break;
                default:
                        fprintf(stderr, "usage: %s [--kernel PATH] --module PATH [--dir DIR] "
                                "[--rounds N] [--seed N] [--verbose] CASE...\n"
                                "cases: anon file fork thp ksm file-read file-unmap whole all\n",
                                argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        if (!bm_path[BM_MODULE] || optind >= argc) {
                fprintf(stderr, "%s: --module PATH and at least one case are needed (--help)\n",
                        argv[0]);
                return 2;
        }
        for (int b = 0; b < 2; b++) {
                bm_fd[b] = open(bm_path[b], O_RDWR | O_CLOEXEC);
                if (bm_fd[b] < 0) {
                        fprintf(stderr, "cannot open %s: %m\n", bm_path[b]);
                        return 1;
                }
        }
        read_state();
        if (pt_pin_cpu(0) < 0) {
                perror("sched_setaffinity(CPU 0)");
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        printf("# kernel %s, module %s (state %s), seed %u, %d rounds per case\n",
               bm_path[BM_KERNEL], bm_path[BM_MODULE], state, seed, rounds);
        return pt_run_cases(cases, sizeof(cases) / sizeof(cases[0]), argv + optind, argc - optind, rounds);
}
