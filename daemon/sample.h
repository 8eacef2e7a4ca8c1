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
