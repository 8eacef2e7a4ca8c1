/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backend=page_idle: the idle page bitmap (the kernel's, or pageidle.ko's)
 * read and marked alongside /proc/kpageflags and /proc/kpagecgroup, or
 * pageidle.ko's /dev/pageidle doing all three in the kernel, in steps over
 * the RAM ranges (scan.c, attrib.c).  The device is opened for each pass
 * and closed after it, so that the module can be unloaded between passes
 * (an open device holds it). */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "privs.h"
#include "ram.h"
#include "scan.h"
#include "util.h"

typedef struct PageIdleBackend {
        Scanner *scanner;
        Opener *opener;                 /* reopens the bitmap when pageidle.ko is back */
        char *bitmap_path;
        ScanPath scan_path;             /* ScanPath= */
        const char *path_used;          /* how the last pass went, NULL before one */
        int device_error;               /* why the last pass could not open the device, logged once */
        bool logged_too_many;
} PageIdleBackend;

static void *page_idle_free(void *userdata) {
        PageIdleBackend *b = userdata;

        if (!b)
                return NULL;
        scanner_free(b->scanner);
        free(b->bitmap_path);
        free(b);
        return NULL;
}

static int open_proc_file(const char *proc_root, const char *name) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", proc_root, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        return fd;
}

static int page_idle_open(const BackendContext *c, void **ret) {
        _cleanup_close_ int flags_fd = -EBADF, cgroup_fd = -EBADF, bitmap_fd = -EBADF;
        _cleanup_free_ RamRange *ranges = NULL;
        PageIdleBackend *b;
        uint64_t max_pfn = 0;
        size_t n_ranges = 0;
        bool waiting = false;
        int r;

        bitmap_fd = opener_open_bitmap(c->opener);
        if (bitmap_fd < 0) {
                if (bitmap_fd != -ENOENT || c->once)
                        return log_error_errno(bitmap_fd, "Failed to open %s: %m%s", c->bitmap_path,
                                               bitmap_fd == -ENOENT ? " (load pageidle.ko: modprobe pageidle)" : "");
                log_warning("%s does not exist yet (load pageidle.ko: modprobe pageidle); waiting for it.",
                            c->bitmap_path);
                waiting = true;
        }

        flags_fd = open_proc_file(c->proc_root, "kpageflags");
        if (flags_fd < 0)
                return flags_fd;
        cgroup_fd = open_proc_file(c->proc_root, "kpagecgroup");
        if (cgroup_fd < 0)
                return cgroup_fd;

        r = ram_ranges_read(c->proc_root, c->page_size, &ranges, &n_ranges, &max_pfn);
        if (r < 0)
                return log_error_errno(r, "Failed to find the System RAM ranges in %s/iomem or %s/zoneinfo: %m",
                                       c->proc_root, c->proc_root);
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->opener = c->opener;
        b->scan_path = c->scan_path;
        b->bitmap_path = strdup(c->bitmap_path);
        if (!b->bitmap_path) {
                page_idle_free(b);
                return log_oom();
        }
        r = scanner_new(TAKE_FD(flags_fd), TAKE_FD(cgroup_fd), bitmap_fd < 0 ? -EBADF : TAKE_FD(bitmap_fd),
                        ranges, n_ranges, 0, &b->scanner);
        if (r < 0) {
                page_idle_free(b);
                return log_oom();
        }
        scanner_set_max_pfn(b->scanner, max_pfn);
        log_debug("Scanning %zu RAM ranges, %" PRIu64 " page frames, %zu KiB of state.", n_ranges,
                  scanner_total_pfns(b->scanner), scanner_memory_bytes(b->scanner) / 1024);
        *ret = b;
        return waiting;
}

/* The device for this pass, where ScanPath= lets it be used: 0 with it
 * open or without it (the kpageflags path), <0 when ScanPath=module and
 * it cannot be opened.  Where it is not there, that is said once. */
static int page_idle_open_device(PageIdleBackend *b) {
        int fd;

        if (b->scan_path == SCAN_PATH_KPAGEFLAGS)
                return 0;
        fd = opener_open_device(b->opener);
        if (fd >= 0) {
                b->device_error = 0;
                scanner_set_device_fd(b->scanner, fd);
                return 0;
        }
        if (b->scan_path == SCAN_PATH_MODULE) {
                b->scanner->failed_file = SCAN_FILE_DEVICE;
                return fd;
        }
        if (fd != b->device_error)
                log_full_errno(fd == -ENOENT ? LOG_INFO : LOG_WARNING, fd,
                               "Cannot open %s (%m): scanning through /proc/kpageflags and %s.",
                               BACKEND_DEVICE_PATH, b->bitmap_path);
        b->device_error = fd;
        return 0;
}

/* Reopens the bitmap where it went away (pageidle.ko unloaded), and opens
 * the device for the pass. */
static int page_idle_prepare(void *userdata) {
        PageIdleBackend *b = userdata;
        int fd, r, back = 0;

        if (b->scanner->fds[SCAN_FILE_BITMAP] < 0) {
                fd = opener_open_bitmap(b->opener);
                if (fd < 0) {
                        /* Nothing to measure with: try again at the next pass. */
                        b->scanner->failed_file = SCAN_FILE_BITMAP;
                        return fd;
                }
                log_info("%s is back; estimates resume after one interval.", b->bitmap_path);
                scanner_set_bitmap_fd(b->scanner, fd);
                back = 1;
        }
        r = page_idle_open_device(b);
        return r < 0 ? r : back;
}

static void page_idle_begin(void *userdata, const BackendPass *p) {
        PageIdleBackend *b = userdata;
        const char *path;
        int r;

        scanner_set_sampling(b->scanner, p->sample_seed, p->sample_shift);
        r = scanner_begin_pass(b->scanner, p->set, p->window_intervals);
        if (r == -E2BIG && !b->logged_too_many) {
                log_warning("%zu cgroups are more than one %s call may name (%d): scanning through /proc/kpageflags.",
                            p->set->n_nodes, BACKEND_DEVICE_PATH, PAGEIDLE_SCAN_MAX_CGROUPS);
                b->logged_too_many = true;
        } else if (r == -ENOMEM)
                log_oom();
        path = b->scanner->via_device ? "module" : "kpageflags";
        if (path != b->path_used && p->set->n_nodes > 0) {
                if (b->scanner->via_device)
                        log_info("Scanning through %s (pageidle.ko's scan interface).", BACKEND_DEVICE_PATH);
                else if (b->path_used)
                        log_info("Scanning through /proc/kpageflags and %s.", b->bitmap_path);
                b->path_used = path;
        }
}

static int page_idle_step(void *userdata, uint64_t max_pfns) {
        PageIdleBackend *b = userdata;

        return scanner_step(b->scanner, max_pfns);
}

static const char *page_idle_scan_path(void *userdata) {
        PageIdleBackend *b = userdata;

        return b->path_used;
}

static bool page_idle_measuring(void *userdata) {
        PageIdleBackend *b = userdata;

        return b->scanner->fds[SCAN_FILE_BITMAP] >= 0;
}

static void page_idle_end(void *userdata, uint64_t duration, uint64_t user, uint64_t sys, size_t n_cgroups) {
        PageIdleBackend *b = userdata;
        const Scanner *s = b->scanner;

        log_debug("Scan done in %" PRIu64 " us, CPU %" PRIu64 " us user, %" PRIu64 " us sys: %zu cgroups, %"
                  PRIu64 " LRU pages, %" PRIu64 " tracked, %" PRIu64 " marked; %s: kpagecgroup %" PRIu64
                  " bytes read, bitmap %" PRIu64 " read, %" PRIu64 " written, %" PRIu64 " device calls.",
                  duration, user, sys, n_cgroups, s->attrib.lru_pages, s->attrib.tracked_pages,
                  s->attrib.marked_pages, s->via_device ? "module" : "kpageflags", s->kpagecgroup_read_bytes,
                  s->bitmap_read_bytes, s->bitmap_write_bytes, s->device_calls);
        /* Between passes the module may be unloaded. */
        scanner_set_device_fd(b->scanner, -EBADF);
}

static const char *page_idle_fault(void *userdata, int *error, bool *restart) {
        PageIdleBackend *b = userdata;
        ScanFile f = b->scanner->failed_file;

        *restart = false;
        scanner_set_device_fd(b->scanner, -EBADF);
        if (f == SCAN_FILE_DEVICE)
                return BACKEND_DEVICE_PATH;
        if (f != SCAN_FILE_BITMAP)
                return scan_file_to_string(f);
        /* Unloaded, most likely: reopen it when it is back. */
        if (b->scanner->fds[SCAN_FILE_BITMAP] >= 0) {
                scanner_set_bitmap_fd(b->scanner, -EBADF);
                *restart = true;
                if (*error == -ENODEV)
                        *error = -ENOENT;
        }
        return b->bitmap_path;
}

/* CAP_DAC_OVERRIDE, in the opener, to reopen the bitmap (mode 0600,
 * root) when pageidle.ko is loaded again, and to open /dev/pageidle (mode
 * 0600, root) for each pass. */
const BackendVTable backend_page_idle_vtable = {
        .backend = BACKEND_PAGE_IDLE,
        .caps = PRIVS_CAP(CAP_DAC_OVERRIDE),
        .opener_bitmap = true,
        .open = page_idle_open,
        .prepare = page_idle_prepare,
        .begin = page_idle_begin,
        .step = page_idle_step,
        .measuring = page_idle_measuring,
        .scan_path = page_idle_scan_path,
        .end = page_idle_end,
        .fault = page_idle_fault,
        .free = page_idle_free,
};
