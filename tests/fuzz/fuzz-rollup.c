/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refs backend's parsers: /proc/PID/smaps_rollup and cgroup.procs. */
#include "fuzz.h"
#include "refs.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ int *pids = NULL;
        RefsRollup rollup;
        RefsShare share;
        size_t n = 0;

        /* Not NUL-terminated on purpose: the parser takes a size. */
        if (refs_parse_rollup((const char *) data, size, &rollup) == 0) {
                refs_share_from_rollup(&rollup, &share);
                for (unsigned k = 0; k < 2; k++)
                        FUZZ_CHECK(share.idle_bytes[k] <= share.bytes[k]);
        }
        if (refs_parse_pids((const char *) data, size, &pids, &n) == 0)
                for (size_t i = 0; i < n; i++)
                        FUZZ_CHECK(pids[i] > 0);
        return 0;
}
