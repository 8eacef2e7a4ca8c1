/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the history costs at 1000 cgroups (bench/results/history-memory.md):
 * for each History= size, the heap the frames take (history_memory_bytes()
 * and the allocator's own count, mallinfo2()), the size of the whole
 * /history.json, and the CPU time of rendering it and of one
 * history_add().  Run: bench/history-memory [CGROUPS] */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "util.h"

static uint64_t cpu_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

int main(int argc, char **argv) {
        static const size_t sizes[] = { 60, 120, 240, 480, 2880 };
        size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
        SnapshotCgroup *cg = calloc(n, sizeof(*cg));
        Snapshot s = { .n_ref = 1, .cgroups = cg, .n_cgroups = n, .info.page_size = 4096 };

        if (!cg)
                return 1;
        for (size_t i = 0; i < n; i++) {
                /* A typical unit's path: /system.slice/NAME.service, 40 bytes. */
                if (asprintf(&cg[i].path, "/system.slice/service-%06zu-example.service", i) < 0)
                        return 1;
                cg[i].estimate.bytes = (uint64_t) (i + 1) << 20;
                cg[i].estimate.idle_bytes = (uint64_t) (i + 1) << 19;
                cg[i].estimate.working_set_bytes = (uint64_t) (i + 1) << 18;
                cg[i].estimate.anon_bytes = (uint64_t) (i + 1) << 19;
                cg[i].estimate.anon_idle_bytes = (uint64_t) (i + 1) << 17;
        }
        printf("# bench/history-memory %zu (cgroups: %zu, paths of %zu bytes)\n", n, n, strlen(cg[0].path));
        printf("| History= scans | heap (history_memory_bytes) | heap (mallinfo2 uordblks+hblkhd) | "
               "/history.json | render CPU | history_add CPU |\n|---|---|---|---|---|---|\n");
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                struct mallinfo2 before, after;
                History *h = NULL;
                HistoryView *v = NULL;
                char *text = NULL;
                size_t size;
                uint64_t t0, t_add = 0, t_render;

                before = mallinfo2();
                if (history_new(sizes[k], &h) < 0)
                        return 1;
                for (size_t scan = 1; scan <= sizes[k] + 5; scan++) {
                        s.info.scan_count = scan;
                        s.info.last_scan_timestamp_usec = 1700000000000000u + scan * 30000000u;
                        t0 = cpu_ns();
                        if (history_add(h, &s) != 1)
                                return 1;
                        t_add += cpu_ns() - t0;
                }
                after = mallinfo2();
                if (history_view(h, &v) < 0)
                        return 1;
                t0 = cpu_ns();
                if (history_format(v, NULL, 0, &text, &size) < 0)
                        return 1;
                t_render = cpu_ns() - t0;
                printf("| %zu | %.2f MiB | %.2f MiB | %.1f MiB | %.0f ms | %.0f us |\n", sizes[k],
                       history_memory_bytes(h) / 1048576.0,
                       ((after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd)) / 1048576.0,
                       size / 1048576.0, t_render / 1e6, t_add / 1e3 / (sizes[k] + 5));
                free(text);
                history_view_unref(v);
                history_free(h);
        }
        return 0;
}
