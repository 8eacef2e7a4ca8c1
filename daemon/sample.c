/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sample.h"

uint64_t sample_next_pfn(uint64_t seed, unsigned shift, uint64_t pfn, uint64_t end) {
        if (shift == 0)
                return pfn < end ? pfn : end;
        while (pfn < end) {
                uint64_t block = pfn / SAMPLE_BLOCK_PFNS;

                if (sample_block_sampled(seed, shift, block))
                        return pfn;
                pfn = (block + 1) * SAMPLE_BLOCK_PFNS;
        }
        return end;
}

uint64_t sample_run_end(uint64_t seed, unsigned shift, uint64_t pfn, uint64_t end) {
        if (shift == 0)
                return end;
        while (pfn < end && sample_block_sampled(seed, shift, pfn / SAMPLE_BLOCK_PFNS))
                pfn = (pfn / SAMPLE_BLOCK_PFNS + 1) * SAMPLE_BLOCK_PFNS;
        return pfn < end ? pfn : end;
}
