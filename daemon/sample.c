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

/* What a pass at 1/2^shift costs: the fixed part and its share of a full scan. */
static double sample_auto_cost(double full, double fixed, unsigned shift) {
        return fixed + full / (double) (UINT64_C(1) << shift);
}

/* The least shift from shift on whose pass costs at most limit, or SAMPLE_SHIFT_MAX. */
static unsigned sample_auto_fit(double full, double fixed, unsigned shift, double limit) {
        while (shift < SAMPLE_SHIFT_MAX && sample_auto_cost(full, fixed, shift) > limit)
                shift++;
        return shift;
}

unsigned sample_auto_update(SampleAuto *a, uint64_t scan_cpu_usec, uint64_t fixed_cpu_usec, uint64_t interval_usec,
                            unsigned budget_percent) {
        double allowed = (double) interval_usec * budget_percent / 100.0;
        double full = (double) scan_cpu_usec * (double) (UINT64_C(1) << a->shift);
        double fixed = (double) fixed_cpu_usec;
        double fit = allowed * SAMPLE_AUTO_FIT_PERCENT / 100.0, rise = allowed * SAMPLE_AUTO_RISE_PERCENT / 100.0;
        unsigned shift = a->shift;

        if (a->full_pass_usec <= 0) {
                /* The first pass: straight to the fraction it says fits. */
                a->full_pass_usec = full;
                a->fixed_usec = fixed;
                shift = sample_auto_fit(full, fixed, 0, fit);
        } else {
                a->full_pass_usec = (a->full_pass_usec + full) / 2;
                a->fixed_usec = (a->fixed_usec + fixed) / 2;
                a->passes_since_change++;
                if (sample_auto_cost(full, fixed, shift) > allowed)
                        /* This pass did not fit: down to a fraction that would have. */
                        shift = sample_auto_fit(full, fixed, shift, fit);
                else if (shift > 0 && a->passes_since_change >= SAMPLE_AUTO_HOLD &&
                         sample_auto_cost(a->full_pass_usec, a->fixed_usec, shift - 1) <= rise &&
                         sample_auto_cost(full, fixed, shift - 1) <= rise)
                        shift--;
        }
        if (shift != a->shift) {
                a->shift = shift;
                a->passes_since_change = 0;
        }
        return shift;
}
