/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A range of page frames, [start_pfn, end_pfn), both multiples of 64 so
 * that it covers whole bitmap words. */
typedef struct RamRange {
        uint64_t start_pfn;
        uint64_t end_pfn;
} RamRange;

/* Each of these also gives, in *ret_max_pfn (may be NULL), where the
 * highest range ends before it is widened: the kernel's max_pfn, where the
 * idle page bitmap ends.  When that is not a multiple of 64, the pages of
 * the last word cannot be read back from the bitmap.
 *
 * "System RAM" lines at the top level of /proc/iomem.  Fails with -EPERM
 * when the addresses are hidden (all zero, as for readers without
 * CAP_SYS_ADMIN). */
int ram_ranges_from_iomem(const char *text, uint64_t page_size, RamRange **ret, size_t *ret_n,
                          uint64_t *ret_max_pfn);
/* The spans of populated zones in /proc/zoneinfo ("start_pfn:", "spanned"). */
int ram_ranges_from_zoneinfo(const char *text, RamRange **ret, size_t *ret_n, uint64_t *ret_max_pfn);
/* Tries <proc_root>/iomem, then <proc_root>/zoneinfo. */
int ram_ranges_read(const char *proc_root, uint64_t page_size, RamRange **ret, size_t *ret_n,
                    uint64_t *ret_max_pfn);
uint64_t ram_ranges_pages(const RamRange *r, size_t n);
