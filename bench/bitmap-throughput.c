// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bitmap-throughput [--bitmap PATH] [--mib N] [--iterations N] [--thp]
 *                   [--label TEXT] idle|busy...
 *
 * Throughput of an idle page bitmap in pages per second: maps N MiB
 * (default 1024) of anonymous memory (small pages unless --thp), faults
 * it, takes its PFNs from /proc/self/pagemap, then times writes that mark
 * exactly those PFNs idle and reads of the same bitmap words back, over
 * the contiguous runs of words that hold them (large requests, as a
 * scanner does).  "idle": nothing touches the memory meanwhile; "busy": a
 * thread on another CPU writes to every page of it in a loop.
 *
 * Prints one line per mode with the median, minimum and maximum of the
 * iterations, and the command that reproduces it.  Run as root.  Not a
 * test: nothing is asserted about the figures.
 */
#include "../tests/pageidle-test.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>

struct run {
        uint64_t first_word, nwords;
        uint64_t *bits;
};

static atomic_bool stop_busy;
static char *mem;
static size_t mem_len;
static uint64_t busy_passes;

static void *busy_thread(void *arg)
{
        (void)arg;
        (void)pt_pin_cpu(1);
        while (!atomic_load_explicit(&stop_busy, memory_order_relaxed)) {
                for (size_t i = 0; i < mem_len; i += PT_PAGE_SIZE)
                        mem[i]++;
                busy_passes++;
        }
        return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* Groups the PFNs' words into runs of consecutive words. */
static struct run *make_runs(uint64_t *pfns, size_t n, size_t *nruns, uint64_t *span_words)
{
        struct run *runs = NULL;
        size_t k = 0, cap = 0;

        qsort(pfns, n, 8, cmp_u64);
        *span_words = 0;
        for (size_t i = 0; i < n;) {
                uint64_t w0 = pfns[i] / 64, w1 = w0;
                size_t j = i;

                while (j < n && pfns[j] / 64 <= w1 + 1) {
                        w1 = pfns[j] / 64;
                        j++;
                }
                if (k == cap) {
                        cap = cap ? 2 * cap : 64;
                        runs = realloc(runs, cap * sizeof *runs);
                        if (!runs)
                                return NULL;
                }
                runs[k].first_word = w0;
                runs[k].nwords = w1 - w0 + 1;
                runs[k].bits = calloc(runs[k].nwords, 8);
                if (!runs[k].bits)
                        return NULL;
                for (; i < j; i++)
                        runs[k].bits[pfns[i] / 64 - w0] |= UINT64_C(1) << (pfns[i] % 64);
                *span_words += runs[k].nwords;
                k++;
        }
        *nruns = k;
        return runs;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "bitmap", required_argument, NULL, 'b' },
                { "mib", required_argument, NULL, 'm' },
                { "iterations", required_argument, NULL, 'i' },
                { "thp", no_argument, NULL, 't' },
                { "label", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *path = NULL, *label = "";
        size_t mib = 1024, iterations = 5, npages, nruns, lru = 0;
        uint64_t *pfns, span_words;
        struct run *runs;
        bool thp = false;
        int c, fd;

        while ((c = getopt_long(argc, argv, "b:m:i:tl:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'b': path = optarg; break;
                case 'm': mib = strtoul(optarg, NULL, 0); break;
                case 'i': iterations = strtoul(optarg, NULL, 0); break;
                case 't': thp = true; break;
                case 'l': label = optarg; break;
                default:
                        fprintf(stderr, "usage: %s [--bitmap PATH] [--mib N] [--iterations N] "
                                "[--thp] [--label TEXT] idle|busy...\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        if (optind >= argc || !iterations || !mib) {
                fprintf(stderr, "%s: give idle and/or busy\n", argv[0]);
                return 2;
        }
        path = pt_bitmap_path(path);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "cannot open %s: %m\n", path);
                return 1;
        }
        (void)pt_pin_cpu(0);
        mem_len = mib << 20;
        npages = mem_len / PT_PAGE_SIZE;
        mem = mmap(NULL, mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        pfns = calloc(npages, 8);
        if (mem == MAP_FAILED || !pfns) {
                perror("mmap");
                return 1;
        }
        (void)madvise(mem, mem_len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        for (size_t i = 0; i < mem_len; i += PT_PAGE_SIZE)
                mem[i] = 1;
        (void)pt_ballast(256);
        if (pt_pagemap_pfns(mem, npages, pfns) < 0) {
                perror("pagemap");
                return 1;
        }
        for (size_t i = 0; i < npages; i++)
                if (pfns[i] && pt_flag(pt_kpageflags(pfns[i]), KPF_LRU))
                        lru++;
        runs = make_runs(pfns, npages, &nruns, &span_words);
        if (!runs) {
                perror("runs");
                return 1;
        }
        printf("# %s%s%s: %zu MiB %s, %zu pages (%zu on the LRU), PFN words in %zu runs "
               "covering %" PRIu64 " words (%" PRIu64 " PFNs)\n", path, *label ? ", " : "", label,
               mib, thp ? "THP" : "small pages", npages, lru, nruns, span_words, span_words * 64);
        printf("# command: ");
        for (int a = 0; a < argc; a++)
                printf("%s%s", a ? " " : "", argv[a]);
        printf("\n");

        for (int a = optind; a < argc; a++) {
                bool busy = strcmp(argv[a], "busy") == 0;
                double *wt = calloc(iterations, sizeof *wt), *rt = calloc(iterations, sizeof *rt);
                uint64_t idle_total = 0;
                pthread_t th;

                if (!busy && strcmp(argv[a], "idle") != 0) {
                        fprintf(stderr, "unknown mode %s\n", argv[a]);
                        return 2;
                }
                busy_passes = 0;
                atomic_store(&stop_busy, false);
                if (busy && pthread_create(&th, NULL, busy_thread, NULL) != 0) {
                        perror("pthread_create");
                        return 1;
                }
                if (busy)
                        usleep(200000);
                for (size_t it = 0; it < iterations; it++) {
                        double t0 = pt_now(), t1, t2;
                        uint64_t *back;

                        for (size_t r = 0; r < nruns; r++)
                                if (pt_pwrite_all(fd, runs[r].bits, runs[r].nwords * 8,
                                                  (off_t)(runs[r].first_word * 8)) !=
                                    (ssize_t)(runs[r].nwords * 8)) {
                                        perror("write");
                                        return 1;
                                }
                        t1 = pt_now();
                        for (size_t r = 0; r < nruns; r++) {
                                back = malloc(runs[r].nwords * 8);
                                if (!back || pt_pread_all(fd, back, runs[r].nwords * 8,
                                                          (off_t)(runs[r].first_word * 8)) !=
                                    (ssize_t)(runs[r].nwords * 8)) {
                                        perror("read");
                                        return 1;
                                }
                                for (size_t w = 0; w < runs[r].nwords; w++)
                                        idle_total += (uint64_t)__builtin_popcountll(back[w] & runs[r].bits[w]);
                                free(back);
                        }
                        t2 = pt_now();
                        wt[it] = t1 - t0;
                        rt[it] = t2 - t1;
                }
                if (busy) {
                        atomic_store(&stop_busy, true);
                        pthread_join(th, NULL);
                }
                qsort(wt, iterations, sizeof *wt, cmp_double);
                qsort(rt, iterations, sizeof *rt, cmp_double);
                printf("%s%s%s %s: write %.0f pages/s (%.0f-%.0f), read %.0f pages/s (%.0f-%.0f), "
                       "%.1f%% read idle, %zu iterations%s\n", path, *label ? " " : "", label,
                       argv[a], npages / wt[iterations / 2], npages / wt[iterations - 1],
                       npages / wt[0], npages / rt[iterations / 2], npages / rt[iterations - 1],
                       npages / rt[0], 100.0 * (double)idle_total / ((double)npages * iterations),
                       iterations, busy ? "" : "");
                if (busy)
                        printf("# busy thread: %" PRIu64 " passes over the memory meanwhile\n",
                               busy_passes);
                free(wt);
                free(rt);
        }
        return 0;
}
