/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "ram.h"

/* Per-range state kept from pass to pass: which pages were marked, and
 * how long each has been idle. */
typedef struct ScanRange {
        uint64_t start_pfn, end_pfn;
        uint64_t *marks;                /* one bit per PFN */
        uint8_t *ages;                  /* one byte per PFN */
} ScanRange;

typedef enum ScanFile {
        SCAN_FILE_KPAGEFLAGS,
        SCAN_FILE_KPAGECGROUP,
        SCAN_FILE_BITMAP,
        SCAN_FILE_DEVICE,
        _SCAN_FILE_MAX,
} ScanFile;

const char *scan_file_to_string(ScanFile f);

/* The scan engine: one pass over the RAM ranges per interval, in batches,
 * by one of two paths.
 *
 * kpageflags: for each batch it reads page flags and memcg inodes for
 * every PFN, reads back the bitmap only in the words it marked last time,
 * attributes the pages, and marks the tracked ones idle again, writing only
 * the words that hold tracked pages.
 *
 * module: with /dev/pageidle open for the pass (scanner_set_device_fd()),
 * one PAGEIDLE_IOC_SCAN call per batch does all of that in the kernel and
 * reports the tracked folios only.  Both paths keep the same marks and
 * ages, so a pass may take either. */
typedef struct Scanner {
        int fds[_SCAN_FILE_MAX];        /* owned; the bitmap and device ones may be -EBADF */
        ScanRange *ranges;
        size_t n_ranges;
        size_t batch_pfns;
        uint64_t bitmap_words;          /* whole words below max_pfn; UINT64_MAX: unknown */
        uint64_t *flags_buf, *cgroup_buf, *idle_buf;
        uint64_t *inodes;               /* module path: the nodes' inodes, in node order */
        size_t n_inodes, n_inodes_allocated;
        struct pageidle_folio *folio_buf;
        size_t folio_buf_n;
        bool via_device;                /* this pass takes the module path */

        Attrib attrib;
        bool in_pass;
        size_t range_index;
        uint64_t next_pfn;

        ScanFile failed_file;           /* which file the last error came from */
        uint64_t kpagecgroup_read_bytes;        /* I/O of the current pass */
        uint64_t bitmap_read_bytes;
        uint64_t bitmap_write_bytes;
        uint64_t device_calls;
        uint64_t kpageflags_read_bytes;
        uint64_t sampled_pfns;          /* of the RAM ranges, the PFNs the pass read */

        uint64_t sample_seed;           /* Sampling= (sample.h) */
        unsigned sample_shift;          /* 0: every block */
} Scanner;

/* Takes the fds (also on failure). batch_pfns: 0 for the default. */
int scanner_new(int kpageflags_fd, int kpagecgroup_fd, int bitmap_fd,
                const RamRange *ranges, size_t n_ranges, size_t batch_pfns, Scanner **ret);
Scanner *scanner_free(Scanner *s);
/* Where the bitmap ends (ram_ranges_read() tells).  The bitmap gives no
 * answer for a last word that max_pfn cuts short, so the scanner neither
 * marks nor reads it, and tracked pages there count as in use. */
void scanner_set_max_pfn(Scanner *s, uint64_t max_pfn);
static inline void scanner_freep(Scanner **s) {
        scanner_free(*s);
}

/* Replaces the bitmap fd (taken), e.g. after the module came back; the
 * old marks mean nothing to a new bitmap, so they and the ages are reset. */
void scanner_set_bitmap_fd(Scanner *s, int fd);
void scanner_forget(Scanner *s);

/* The device for the passes to come (taken; -EBADF: none).  A pass begun
 * with it open takes the module path. */
void scanner_set_device_fd(Scanner *s, int fd);

/* Reads only the blocks sample.h picks at 1/2^shift from the next pass
 * on (0: all).  Blocks no longer read lose their marks and ages, so that
 * when a larger fraction takes them again they start afresh, as at a new
 * mark; a new seed forgets every block. */
void scanner_set_sampling(Scanner *s, uint64_t seed, unsigned shift);

/* Begins a pass: 0, or -E2BIG when the set has more nodes than one device
 * call may name (that pass takes the kpageflags path), or -ENOMEM. */
int scanner_begin_pass(Scanner *s, CgroupSet *set, unsigned window_intervals);
/* Processes at least one batch and up to about max_pfns page frames.
 * Returns 1 when the pass is complete, 0 when there is more, or a negative
 * errno with failed_file set (the pass is then abandoned). */
int scanner_step(Scanner *s, uint64_t max_pfns);
uint64_t scanner_total_pfns(const Scanner *s);
size_t scanner_memory_bytes(const Scanner *s);
