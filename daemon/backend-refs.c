/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backend=refs: /proc/PID/clear_refs and smaps_rollup per process
 * (refs.c), read and cleared by the privileged opener.  Its cost is per
 * process, not per page frame, and small next to a pass over RAM, so a
 * pass is one step. */
#include <inttypes.h>
#include <linux/capability.h>

#include "backend.h"
#include "privs.h"
#include "refs.h"
#include "util.h"

typedef struct RefsBackend {
        RefsScanner *refs;
        BackendPass pass;
        int logged_error;               /* denied_error as last logged */
} RefsBackend;

static void *refs_free(void *userdata) {
        RefsBackend *b = userdata;

        if (!b)
                return NULL;
        refs_scanner_free(b->refs);
        free(b);
        return NULL;
}

static int refs_open(const BackendContext *c, void **ret) {
        RefsBackend *b = calloc(1, sizeof(*b));

        if (!b || refs_scanner_new(c->opener, c->page_size, &b->refs) < 0) {
                free(b);
                return log_oom();
        }
        *ret = b;
        return 0;
}

static int refs_prepare(void *userdata) {
        return 0;
}

static void refs_begin(void *userdata, const BackendPass *p) {
        RefsBackend *b = userdata;

        b->pass = *p;
}

static int refs_step(void *userdata, uint64_t max_pfns) {
        RefsBackend *b = userdata;
        RefsScanner *s = b->refs;
        int r;

        r = refs_scan(s, b->pass.cgroup_root_fd, b->pass.set, b->pass.window_intervals);
        if (r < 0) {
                /* Out of memory, or the opener is gone (logged), whose
                 * hang-up ends the loop anyway. */
                return r == -ENOMEM ? log_oom() : r;
        }
        if (s->denied > 0 && b->logged_error != s->denied_error)
                log_warning_errno(s->denied_error, "Skipped %" PRIu64 " processes whose /proc files were refused (pid %d: %m); "
                            "their memory is not counted.", s->denied, s->denied_pid);
        b->logged_error = s->denied > 0 ? s->denied_error : 0;
        return 1;
}

static const char *refs_scan_path(void *userdata) {
        return NULL;
}

static bool refs_measuring(void *userdata) {
        return true;
}

static void refs_end(void *userdata, uint64_t duration, uint64_t user, uint64_t sys, size_t n_cgroups) {
        RefsBackend *b = userdata;
        const RefsScanner *s = b->refs;

        log_debug("Scan done in %" PRIu64 " us, CPU %" PRIu64 " us user, %" PRIu64 " us sys: %zu cgroups, %"
                  PRIu64 " processes read and cleared, %" PRIu64 " exited, %" PRIu64 " kernel threads, %"
                  PRIu64 " refused.", duration, user, sys, n_cgroups, s->processes,
                  s->vanished, s->kernel_threads, s->denied);
}

static const char *refs_fault(void *userdata, int *error, bool *restart) {
        *restart = false;
        return NULL;
}

/* For the opener: CAP_SYS_PTRACE to read the smaps_rollup of other users'
 * processes (a ptrace-mode read check), CAP_DAC_OVERRIDE to open their
 * clear_refs (mode 0200, owned by the process's user). */
const BackendVTable backend_refs_vtable = {
        .backend = BACKEND_REFS,
        .caps = PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_SYS_PTRACE),
        .opener_proc = true,
        .open = refs_open,
        .prepare = refs_prepare,
        .begin = refs_begin,
        .step = refs_step,
        .measuring = refs_measuring,
        .scan_path = refs_scan_path,
        .end = refs_end,
        .fault = refs_fault,
        .free = refs_free,
};
