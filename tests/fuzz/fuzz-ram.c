/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem and /proc/zoneinfo: whatever the text, the ranges come out
 * whole bitmap words, sorted, apart from each other. */
#include "fuzz.h"
#include "ram.h"
#include "util.h"

static void check_ranges(const RamRange *r, size_t n, uint64_t max_pfn) {
        for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(r[i].start_pfn % 64 == 0 && r[i].end_pfn % 64 == 0);
                FUZZ_CHECK(r[i].start_pfn < r[i].end_pfn);
                FUZZ_CHECK(i == 0 || r[i].start_pfn > r[i - 1].end_pfn);
        }
        (void) ram_ranges_pages(r, n);
        (void) max_pfn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_strndup(data, size);
        RamRange *r = NULL;
        uint64_t max_pfn = 0;
        size_t n = 0;

        if (ram_ranges_from_iomem(text, 4096, &r, &n, &max_pfn) == 0) {
                check_ranges(r, n, max_pfn);
                free(r);
        }
        r = NULL;
        n = 0;
        if (ram_ranges_from_zoneinfo(text, &r, &n, &max_pfn) == 0) {
                check_ranges(r, n, max_pfn);
                free(r);
        }
        return 0;
}
