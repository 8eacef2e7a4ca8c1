/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload side shared by idle-exact (the bitmap against the truth)
 * and idle-diff (the module's bitmap against the kernel's): sets of PFNs,
 * folio heads, touching pages, and getting THPs and KSM-merged pages from
 * the kernel.  Static inline, as pageidle-test.h, which it builds on.
 */
#pragma once

#include "pageidle-test.h"

#define WL_THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* Which pages a round touches: a seeded hash, the same on every run. */
static inline uint32_t wl_hash32(unsigned seed, uint32_t x)
{
        x ^= seed * 0x9e3779b9u;
        x ^= x >> 16;
        x *= 0x7feb352du;
        x ^= x >> 15;
        x *= 0x846ca68bu;
        x ^= x >> 16;
        return x;
}

static inline int wl_cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* Sorts v and drops repeats; returns how many are left. */
static inline size_t wl_sort_unique(uint64_t *v, size_t n)
{
        size_t k = 0;

        qsort(v, n, sizeof *v, wl_cmp_u64);
        for (size_t i = 0; i < n; i++)
                if (k == 0 || v[k - 1] != v[i])
                        v[k++] = v[i];
        return k;
}

/* Whether sorted v holds x. */
static inline bool wl_has_u64(const uint64_t *v, size_t n, uint64_t x)
{
        return bsearch(&x, v, n, sizeof *v, wl_cmp_u64) != NULL;
}

/* The head PFN of the folio that pfn belongs to. */
static inline uint64_t wl_head_of(uint64_t pfn, uint64_t flags)
{
        uint64_t win[512];
        size_t n;

        if (!pt_flag(flags, KPF_COMPOUND_TAIL))
                return pfn;
        n = pfn >= 511 ? 512 : pfn + 1;
        if (pt_kpage_read("/proc/kpageflags", pfn + 1 - n, n, win) < 0)
                return pfn;
        for (size_t i = n; i-- > 0;)
                if (pt_flag(win[i], KPF_COMPOUND_HEAD))
                        return pfn + 1 - n + i;
        return pfn;
}

static inline void wl_touch_page(char *p, bool write)
{
        if (write)
                *(volatile char *)p += 1;
        else
                (void)*(volatile char *)p;
}

static char wl_thp_saved[64];

static inline void wl_thp_restore(void)
{
        int fd;

        if (!wl_thp_saved[0])
                return;
        fd = open(WL_THP_ENABLED, O_WRONLY);
        if (fd >= 0) {
                if (write(fd, wl_thp_saved, strlen(wl_thp_saved)) < 0)
                        perror("restoring transparent_hugepage/enabled");
                close(fd);
        }
}

/* Lets madvise(MADV_HUGEPAGE) give THPs where the system has them off,
 * and puts the setting back at exit.  -ENOENT: a kernel without THP. */
static inline int wl_thp_allow(const char *who)
{
        char buf[128] = "";
        int fd = open(WL_THP_ENABLED, O_RDWR);

        if (fd < 0)
                return -ENOENT;
        if (read(fd, buf, sizeof buf - 1) > 0 && strstr(buf, "[never]")) {
                strcpy(wl_thp_saved, "never");
                atexit(wl_thp_restore);
                if (pwrite(fd, "madvise", 7, 0) < 0)
                        fprintf(stderr, "%s: enabling THP (madvise): %m\n", who);
        }
        close(fd);
        return 0;
}

static inline int wl_ksm_write(const char *knob, const char *val)
{
        char path[128];
        int fd, r = 0;

        snprintf(path, sizeof path, "/sys/kernel/mm/ksm/%s", knob);
        fd = open(path, O_WRONLY);
        if (fd < 0 || write(fd, val, strlen(val)) < 0)
                r = -errno;
        if (fd >= 0)
                close(fd);
        return r;
}

static inline void wl_ksm_read(const char *knob, char *buf, size_t size)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof path, "/sys/kernel/mm/ksm/%s", knob);
        buf[0] = 0;
        f = fopen(path, "re");
        if (f) {
                if (!fgets(buf, (int)size, f))
                        buf[0] = 0;
                fclose(f);
        }
        buf[strcspn(buf, "\n")] = 0;
}

static char wl_ksm_saved[3][32];
static const char *const wl_ksm_knobs[3] = { "run", "pages_to_scan", "sleep_millisecs" };

static inline void wl_ksm_restore(void)
{
        for (size_t i = 3; i-- > 0;)
                if (wl_ksm_saved[i][0])
                        wl_ksm_write(wl_ksm_knobs[i], wl_ksm_saved[i]);
}

/*
 * Fills the n pages at p so that pages 2g and 2g+1 have the same contents,
 * has ksmd merge them (waiting up to 120 s), then stops ksmd so that it
 * holds no KSM page locks while the bitmap is marked and read; merged pages
 * stay merged.  The KSM settings are put back at exit.  Returns the pairs
 * merged, or -errno.
 */
static inline long wl_ksm_merge_pairs(char *p, size_t n, unsigned seed, uint64_t *pfns)
{
        size_t merged = 0;
        double t0;
        int r;

        if (!wl_ksm_saved[0][0]) {
                for (size_t i = 0; i < 3; i++)
                        wl_ksm_read(wl_ksm_knobs[i], wl_ksm_saved[i], sizeof wl_ksm_saved[i]);
                atexit(wl_ksm_restore);
        }
        for (size_t i = 0; i < n; i++) {
                uint64_t *w = (uint64_t *)(p + i * PT_PAGE_SIZE);
                uint64_t v = ((uint64_t)wl_hash32(seed, (uint32_t)(i / 2)) << 32) | (i / 2) | 1;

                for (size_t j = 0; j < PT_PAGE_SIZE / 8; j++)
                        w[j] = v + j;
        }
        if (madvise(p, n * PT_PAGE_SIZE, MADV_MERGEABLE) < 0)
                return -errno;
        wl_ksm_write("pages_to_scan", "2000");
        wl_ksm_write("sleep_millisecs", "10");
        r = wl_ksm_write("run", "1");
        if (r < 0)
                return r;
        t0 = pt_now();
        while (pt_now() - t0 < 120) {
                merged = 0;
                if (pt_pagemap_pfns(p, n, pfns) == 0)
                        for (size_t i = 0; i + 1 < n; i += 2)
                                merged += pfns[i] && pfns[i] == pfns[i + 1] &&
                                          pt_flag(pt_kpageflags(pfns[i]), KPF_KSM);
                if (merged == n / 2)
                        break;
                usleep(200000);
        }
        wl_ksm_write("run", "0");
        printf("ksm: %zu of %zu pairs merged after %.1f s\n", merged, n / 2, pt_now() - t0);
        return (long)merged;
}
