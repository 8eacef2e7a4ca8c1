/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Sampled passes: which blocks of physical memory a pass reads.
 *
 * A block is SAMPLE_BLOCK_PFNS page frames from a multiple of that size:
 * 8 whole bitmap words, 2 MiB of 4 KiB pages, so that a PMD-sized THP
 * (and any smaller folio, which the kernel aligns to its size) lies inside
 * one block and a block never shares a folio with another.  At
 * Sampling=1/2^k a block is read when the low k bits of a seeded hash of
 * its index are zero: the same blocks every pass (ages go on
 * accumulating), about one in 2^k of them, and the blocks of 1/2^(k+1) a
 * subset of those of 1/2^k, so that a change of fraction keeps the ages
 * of the blocks that stay. */
#define SAMPLE_BLOCK_PFNS UINT64_C(512)
#define SAMPLE_SHIFT_MAX 6u             /* 1/64 */

static inline uint64_t sample_hash(uint64_t seed, uint64_t block) {
        /* splitmix64's finalizer over the block index and the seed */
        uint64_t z = seed + (block + 1) * UINT64_C(0x9e3779b97f4a7c15);

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* Whether the block of index block is read at 1/2^shift. */
static inline bool sample_block_sampled(uint64_t seed, unsigned shift, uint64_t block) {
        return (sample_hash(seed, block) & ((UINT64_C(1) << shift) - 1)) == 0;
}

/* The first sampled PFN in [pfn, end), or end. */
uint64_t sample_next_pfn(uint64_t seed, unsigned shift, uint64_t pfn, uint64_t end);
/* From pfn, in a sampled block: where the run of sampled blocks ends, at
 * most end. */
uint64_t sample_run_end(uint64_t seed, unsigned shift, uint64_t pfn, uint64_t end);

static inline double sample_fraction(unsigned shift) {
        return 1.0 / (double) (UINT64_C(1) << shift);
}

/* Sampling=auto: the largest fraction whose pass fits CPUBudget= of the
 * interval, from what the last passes cost.  A pass's CPU time is two
 * parts: the scan of the sampled blocks, which scales with the fraction
 * (times 2^shift it is a full pass's, kept as a moving average), and the
 * rest of the daemon's work per pass (the walk of the hierarchy,
 * publishing, the bus), which does not.  A fraction fits when both parts
 * at that fraction come within the budget.
 *
 * The first pass reads SAMPLE_AUTO_FIRST_SHIFT (1/64), whatever the size
 * of memory: its cost says what a full pass would cost, and the next pass
 * goes at once, up or down, to the largest fraction that fits
 * SAMPLE_AUTO_FIT_PERCENT of the budget.  After that, over the budget,
 * the fraction falls at once to one that fits; under it, it rises one
 * power of two at a time, only when the next fraction would use at most
 * SAMPLE_AUTO_RISE_PERCENT of the budget and SAMPLE_AUTO_HOLD passes have
 * gone by since the last change, so that it does not swing.  Where the
 * part that does not scale alone is over the budget, 1/64 it is, and the
 * pacing of CPUBudget= spaces the passes out. */
#define SAMPLE_AUTO_FIRST_SHIFT SAMPLE_SHIFT_MAX
#define SAMPLE_AUTO_HOLD 8u
#define SAMPLE_AUTO_RISE_PERCENT 50u
#define SAMPLE_AUTO_FIT_PERCENT 80u     /* a fall aims below the budget by this */

typedef struct SampleAuto {
        unsigned shift;
        unsigned passes_since_change;
        double full_pass_usec;          /* the average, 0: no pass yet */
        double fixed_usec;              /* the average of the part that does not scale */
} SampleAuto;

static inline void sample_auto_init(SampleAuto *a) {
        *a = (SampleAuto) { .shift = SAMPLE_AUTO_FIRST_SHIFT };
}

/* A pass at a->shift took scan_cpu_usec for its blocks and fixed_cpu_usec
 * for the rest of its work; returns the shift of the next. */
unsigned sample_auto_update(SampleAuto *a, uint64_t scan_cpu_usec, uint64_t fixed_cpu_usec, uint64_t interval_usec,
                            unsigned budget_percent);
