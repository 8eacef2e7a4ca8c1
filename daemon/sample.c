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

unsigned sample_auto_update(SampleAuto *a, uint64_t pass_cpu_usec, uint64_t interval_usec, unsigned budget_percent) {
        double allowed = (double) interval_usec * budget_percent / 100.0;
        double full = (double) pass_cpu_usec * (double) (UINT64_C(1) << a->shift);
        unsigned shift = a->shift;

        a->full_pass_usec = a->full_pass_usec > 0 ? (a->full_pass_usec + full) / 2 : full;
        a->passes_since_change++;
        if (full / (double) (UINT64_C(1) << shift) > allowed) {
                /* This pass did not fit: down to a fraction that would have. */
                while (shift < SAMPLE_SHIFT_MAX &&
                       full / (double) (UINT64_C(1) << shift) > allowed * SAMPLE_AUTO_FIT_PERCENT / 100.0)
                        shift++;
        } else if (shift > 0 && a->passes_since_change >= SAMPLE_AUTO_HOLD &&
                   a->full_pass_usec / (double) (UINT64_C(1) << (shift - 1)) <=
                           allowed * SAMPLE_AUTO_RISE_PERCENT / 100.0 &&
                   full / (double) (UINT64_C(1) << (shift - 1)) <= allowed * SAMPLE_AUTO_RISE_PERCENT / 100.0)
                shift--;
        if (shift != a->shift) {
                a->shift = shift;
                a->passes_since_change = 0;
        }
        return shift;
}
