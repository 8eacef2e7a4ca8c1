/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the idle page bitmap test programs (bitmap-abi,
 * idle-exact, bitmap-stress) and the benchmark: where the bitmap is, the
 * guest's max_pfn, PFNs from /proc/self/pagemap, page flags from
 * /proc/kpageflags.  Everything is static inline so each program is one
 * translation unit plus this header.
 */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PT_DEFAULT_BITMAP "/sys/kernel/mm/page_idle/bitmap"
#define PT_PAGE_SIZE 4096UL

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_LRU 5
#define KPF_ANON 12
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_NOPAGE 20
#define KPF_KSM 21
#define KPF_THP 22

#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define PM_PRESENT (UINT64_C(1) << 63)

/* The bitmap path: an explicit option wins, then $PAGEIDLE_BITMAP. */
static inline const char *pt_bitmap_path(const char *opt)
{
        const char *e;

        if (opt && *opt)
                return opt;
        e = getenv("PAGEIDLE_BITMAP");
        if (e && *e)
                return e;
        return PT_DEFAULT_BITMAP;
}

/* One past the last PFN of "System RAM" in /proc/iomem (root only). */
static inline uint64_t pt_max_pfn_iomem(void)
{
        char line[256];
        uint64_t best = 0;
        FILE *f = fopen("/proc/iomem", "re");

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                unsigned long long start, end;
                char name[128];

                /* Top-level entries only: nested ones are indented. */
                if (line[0] == ' ')
                        continue;
                if (sscanf(line, "%llx-%llx : %127[^\n]", &start, &end, name) != 3)
                        continue;
                if (strcmp(name, "System RAM") != 0 || end == 0)
                        continue;
                if ((end + 1) / PT_PAGE_SIZE > best)
                        best = (end + 1) / PT_PAGE_SIZE;
        }
        fclose(f);
        return best;
}

/* One past the last PFN spanned by any zone in /proc/zoneinfo. */
static inline uint64_t pt_max_pfn_zoneinfo(void)
{
        char line[256];
        uint64_t best = 0, spanned = 0;
        FILE *f = fopen("/proc/zoneinfo", "re");

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                unsigned long long v;

                if (sscanf(line, " spanned %llu", &v) == 1)
                        spanned = v;
                else if (sscanf(line, " start_pfn: %llu", &v) == 1 && spanned) {
                        if (v + spanned > best)
                                best = v + spanned;
                        spanned = 0;
                }
        }
        fclose(f);
        return best;
}

/*
 * The kernel's max_pfn as userspace can see it: $PAGEIDLE_MAX_PFN if set,
 * else the end of System RAM in /proc/iomem, else the zones' span.  Says
 * so on stderr when the two sources disagree.
 */
static inline uint64_t pt_max_pfn(void)
{
        const char *e = getenv("PAGEIDLE_MAX_PFN");
        uint64_t a, b;

        if (e && *e)
                return strtoull(e, NULL, 0);
        a = pt_max_pfn_iomem();
        b = pt_max_pfn_zoneinfo();
        if (a && b && a != b)
                fprintf(stderr, "note: max_pfn from /proc/iomem 0x%" PRIx64
                        " differs from /proc/zoneinfo 0x%" PRIx64 "; using iomem\n", a, b);
        return a ? a : b;
}

static inline int pt_pin_cpu(int cpu)
{
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : 0;
}

/* PFNs of npages pages from addr, 0 where a page is not present. */
static inline int pt_pagemap_pfns(const void *addr, size_t npages, uint64_t *pfns)
{
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        size_t done = 0;
        uint64_t vpn = (uintptr_t)addr / PT_PAGE_SIZE;

        if (fd < 0)
                return -errno;
        while (done < npages) {
                ssize_t n = pread(fd, pfns + done, (npages - done) * 8,
                                  (off_t)((vpn + done) * 8));
                if (n <= 0) {
                        int r = n < 0 ? -errno : -EIO;
                        close(fd);
                        return r;
                }
                done += (size_t)n / 8;
        }
        close(fd);
        for (size_t i = 0; i < npages; i++)
                pfns[i] = (pfns[i] & PM_PRESENT) ? (pfns[i] & PM_PFN_MASK) : 0;
        return 0;
}

/* Flags of n consecutive PFNs from /proc/kpageflags (or kpagecount). */
static inline int pt_kpage_read(const char *file, uint64_t pfn, size_t n, uint64_t *out)
{
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        size_t done = 0;

        if (fd < 0)
                return -errno;
        while (done < n) {
                ssize_t r = pread(fd, out + done, (n - done) * 8, (off_t)((pfn + done) * 8));
                if (r <= 0) {
                        int e = r < 0 ? -errno : -EIO;
                        close(fd);
                        return e;
                }
                done += (size_t)r / 8;
        }
        close(fd);
        return 0;
}

static inline uint64_t pt_kpageflags(uint64_t pfn)
{
        uint64_t f = 0;

        if (pt_kpage_read("/proc/kpageflags", pfn, 1, &f) < 0)
                return 0;
        return f;
}

static inline bool pt_flag(uint64_t flags, int bit)
{
        return (flags >> bit) & 1;
}

static inline double pt_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Fault npages of anonymous memory (small pages) on the current CPU, so
 * that pages faulted before are pushed out of the CPU's LRU-add batch and
 * onto the LRU.  Returns the mapping (to munmap later) or NULL.
 */
static inline void *pt_ballast(size_t npages)
{
        size_t len = npages * PT_PAGE_SIZE;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
                return NULL;
        (void)madvise(p, len, MADV_NOHUGEPAGE);
        for (size_t i = 0; i < npages; i++)
                p[i * PT_PAGE_SIZE] = 1;
        return p;
}

/*
 * Flush this process's TLB entries for a range: marking idle clears
 * accessed bits without a flush (x86, by design), and a translation still
 * cached would let a later touch go unrecorded.  The round trip goes
 * through PROT_NONE: a change to PROT_READ does not flush PTEs that are
 * read-only already (KSM pages, pages shared after fork, read-only file
 * mappings), since x86 flushes only when a permission is taken away.
 */
static inline int pt_flush_tlb(void *addr, size_t len, int prot)
{
        if (mprotect(addr, len, PROT_NONE) < 0 || mprotect(addr, len, prot) < 0)
                return -errno;
        return 0;
}

/* Full-length pread/pwrite over the bitmap, which kernfs hands over in
 * PAGE_SIZE pieces: loop until count bytes or a short (0) answer. */
static inline ssize_t pt_pread_all(int fd, void *buf, size_t count, off_t off)
{
        size_t done = 0;

        while (done < count) {
                ssize_t n = pread(fd, (char *)buf + done, count - done, off + (off_t)done);
                if (n < 0)
                        return done ? (ssize_t)done : -errno;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

static inline ssize_t pt_pwrite_all(int fd, const void *buf, size_t count, off_t off)
{
        size_t done = 0;

        while (done < count) {
                ssize_t n = pwrite(fd, (const char *)buf + done, count - done, off + (off_t)done);
                if (n < 0)
                        return done ? (ssize_t)done : -errno;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

/* What a case of a test program returns; PT_RETRY: a round the
 * environment spoiled (a page moved meanwhile), to run again. */
enum { PT_OK = 0, PT_FAIL = 1, PT_RETRY = 2, PT_SKIP = 77 };

struct pt_case {
        const char *name;
        int (*run)(int rounds);
};

/*
 * Runs the cases @names name, in that order ("all": every one), with a
 * line "case NAME: ok|FAIL|SKIP" each and a summary.  Returns the
 * program's exit status: 0 if every case that ran passed, 1 if one failed,
 * 2 for a name no case has, 77 if every case was skipped.
 */
static inline int pt_run_cases(const struct pt_case *cases, size_t n_cases, char **names, int n_names,
                               int rounds)
{
        int ran = 0, failed = 0, skipped = 0;

        for (int a = 0; a < n_names; a++) {
                bool all = strcmp(names[a], "all") == 0, known = all;

                for (size_t k = 0; k < n_cases; k++) {
                        int res;

                        if (!all && strcmp(names[a], cases[k].name) != 0)
                                continue;
                        known = true;
                        res = cases[k].run(rounds);
                        ran++;
                        if (res == PT_SKIP)
                                skipped++;
                        else
                                failed += res != PT_OK;
                        printf("case %s: %s\n", cases[k].name,
                               res == PT_SKIP ? "SKIP" : res == PT_OK ? "ok" : "FAIL");
                }
                if (!known) {
                        fprintf(stderr, "unknown case %s\n", names[a]);
                        return 2;
                }
        }
        printf("%d cases, %d failed, %d skipped\n", ran, failed, skipped);
        if (failed)
                return 1;
        return skipped == ran ? PT_SKIP : 0;
}
