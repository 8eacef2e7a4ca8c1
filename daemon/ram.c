/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ram.h"
#include "util.h"

static int range_cmp(const void *a, const void *b) {
        const RamRange *x = a, *y = b;

        return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

/* Widens each range to whole bitmap words, sorts, and merges overlaps. */
static size_t ranges_normalize(RamRange *r, size_t n) {
        size_t out = 0;

        for (size_t i = 0; i < n; i++) {
                r[i].start_pfn &= ~UINT64_C(63);
                r[i].end_pfn = (r[i].end_pfn + 63) & ~UINT64_C(63);
        }
        qsort(r, n, sizeof(RamRange), range_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r[i].end_pfn <= r[i].start_pfn)
                        continue;
                if (out > 0 && r[i].start_pfn <= r[out - 1].end_pfn) {
                        r[out - 1].end_pfn = MAX(r[out - 1].end_pfn, r[i].end_pfn);
                        continue;
                }
                r[out++] = r[i];
        }
        return out;
}

static int ranges_append(RamRange **r, size_t *n, uint64_t start, uint64_t end) {
        RamRange *nr = realloc(*r, (*n + 1) * sizeof(RamRange));

        if (!nr)
                return -ENOMEM;
        nr[(*n)++] = (RamRange) { start, end };
        *r = nr;
        return 0;
}

/* Where the highest range ends before ranges_normalize() widens it: the
 * kernel's max_pfn, at which its idle page bitmap ends. */
static uint64_t ranges_max_pfn(const RamRange *r, size_t n) {
        uint64_t max = 0;

        for (size_t i = 0; i < n; i++)
                max = MAX(max, r[i].end_pfn);
        return max;
}

int ram_ranges_from_iomem(const char *text, uint64_t page_size, RamRange **ret, size_t *ret_n,
                          uint64_t *ret_max_pfn) {
        _cleanup_free_ RamRange *r = NULL;
        size_t n = 0;
        bool hidden = true;
        int k;

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                unsigned long long start, end;
                int consumed = 0;

                /* Nested lines are indented: only top-level ones are RAM ranges. */
                if (*l == ' ' || *l == '\n')
                        continue;
                if (sscanf(l, "%llx-%llx : %n", &start, &end, &consumed) != 2 || consumed == 0)
                        continue;
                if (strncmp(l + consumed, "System RAM", 10) != 0 ||
                    (l[consumed + 10] != '\n' && l[consumed + 10] != 0))
                        continue;
                if (start != 0 || end != 0)
                        hidden = false;
                k = ranges_append(&r, &n, start / page_size, (end + 1) / page_size);
                if (k < 0)
                        return k;
        }
        if (n == 0)
                return -ENOENT;
        if (hidden)
                return -EPERM;
        if (ret_max_pfn)
                *ret_max_pfn = ranges_max_pfn(r, n);
        n = ranges_normalize(r, n);
        *ret = TAKE_PTR(r);
        *ret_n = n;
        return 0;
}

int ram_ranges_from_zoneinfo(const char *text, RamRange **ret, size_t *ret_n, uint64_t *ret_max_pfn) {
        _cleanup_free_ RamRange *r = NULL;
        uint64_t spanned = 0;
        size_t n = 0;
        int k;

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                unsigned long long v;

                while (*l == ' ')
                        l++;
                if (strncmp(l, "Node ", 5) == 0)
                        spanned = 0;
                else if (sscanf(l, "spanned %llu", &v) == 1)
                        spanned = v;
                else if (sscanf(l, "start_pfn: %llu", &v) == 1 && spanned > 0) {
                        k = ranges_append(&r, &n, v, v + spanned);
                        if (k < 0)
                                return k;
                }
        }
        if (n == 0)
                return -ENOENT;
        if (ret_max_pfn)
                *ret_max_pfn = ranges_max_pfn(r, n);
        n = ranges_normalize(r, n);
        *ret = TAKE_PTR(r);
        *ret_n = n;
        return 0;
}

int ram_ranges_read(const char *proc_root, uint64_t page_size, RamRange **ret, size_t *ret_n,
                    uint64_t *ret_max_pfn) {
        _cleanup_free_ char *text = NULL;
        char path[PATH_MAX];
        int r;

        snprintf(path, sizeof(path), "%s/iomem", proc_root);
        r = read_full_fileat(AT_FDCWD, path, &text, NULL);
        if (r >= 0) {
                r = ram_ranges_from_iomem(text, page_size, ret, ret_n, ret_max_pfn);
                if (r >= 0)
                        return r;
        }
        free(text);
        text = NULL;
        snprintf(path, sizeof(path), "%s/zoneinfo", proc_root);
        r = read_full_fileat(AT_FDCWD, path, &text, NULL);
        if (r < 0)
                return r;
        return ram_ranges_from_zoneinfo(text, ret, ret_n, ret_max_pfn);
}

uint64_t ram_ranges_pages(const RamRange *r, size_t n) {
        uint64_t total = 0;

        for (size_t i = 0; i < n; i++)
                total += r[i].end_pfn - r[i].start_pfn;
        return total;
}
