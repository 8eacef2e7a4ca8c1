// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dev-abi [--device PATH] [--bitmap PATH] [--cgroup DIR]
 *
 * The ABI of /dev/pageidle's PAGEIDLE_IOC_SCAN (kernel/uapi/pageidle_dev.h):
 *
 *   errors  every bad request fails with its errno and changes nothing:
 *           version, flags, reserved fields, misaligned or oversized
 *           ranges, no cgroups (EINVAL), too many (E2BIG), too small a
 *           buffer (ENOSPC), bad pointers (EFAULT), unknown ioctls (ENOTTY)
 *   end     a range past the end of memory is done at once, with nothing
 *   read    anonymous pages of a cgroup made for the test: every one is
 *           reported once, anon, under the cgroup's index, never for
 *           another cgroup; not idle at first, then exactly the untouched
 *           ones idle; marks shared with the bitmap (--bitmap)
 *   small   a buffer of 64 folios: calls end on word boundaries and
 *           together report what one call does
 *   signal  a call interrupted by signals ends early or with EINTR, and
 *           the scan completes from next_pfn
 *   perms   the device is 0600 root; another user cannot open it
 *
 * The traps of idle page tests are handled as in idle-exact: pinned to CPU
 * 0 with ballast after the pages (the LRU-add batch), and a TLB flush
 * before each touch.  Runs as root in a guest with pageidle.ko loaded and
 * cgroup2 mounted on /sys/fs/cgroup with the memory controller enabled for
 * children.  Exit 0 if every check passed, 1 otherwise.
 */
#include "pageidle-test.h"

#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "pageidle_dev.h"

#define NPAGES 2048
#define SIGNAL_ROUNDS 3                 /* full scans under signals: thousands of early ends */
#define BOGUS_INODE UINT64_C(0xfffffffffff1)

static const char *device = "/dev/" PAGEIDLE_DEV_NAME;
static const char *bitmap_path;
static const char *cgroup_dir = "/sys/fs/cgroup/dev-abi";
static int dev_fd = -1;
static uint64_t end_pfn;                /* max_pfn rounded up to a word */
static uint64_t inodes[2];              /* the test's cgroup, and one that does not exist */
static int failures;

/* Reports the first 20 failures; counts them all. */
#define CHECK(cond, ...) do {                                   \
                if (!(cond) && failures++ < 20) {               \
                        printf("FAIL: " __VA_ARGS__);           \
                        printf("\n");                           \
                }                                               \
        } while (0)

static struct pageidle_scan scan_request(uint64_t start, uint64_t end, struct pageidle_folio *buf, uint32_t max) {
        return (struct pageidle_scan) {
                .version = PAGEIDLE_SCAN_VERSION,
                .start_pfn = start,
                .end_pfn = end,
                .cgroups = (uintptr_t) inodes,
                .n_cgroups = 2,
                .folios = (uintptr_t) buf,
                .max_folios = max,
        };
}

static int scan_call(struct pageidle_scan *s) {
        return ioctl(dev_fd, PAGEIDLE_IOC_SCAN, s) < 0 ? -errno : 0;
}

/* The folios of cgroup index 0 in [start, end), from calls of max records
 * each; returns how many, or -errno. */
static int scan_all(uint64_t start, uint64_t end, uint32_t max, struct pageidle_folio *out, size_t n_out,
                    unsigned *ret_calls) {
        struct pageidle_folio *buf = calloc(max, sizeof(*buf));
        size_t n = 0;
        unsigned calls = 0;

        if (!buf)
                return -ENOMEM;
        while (start < end) {
                struct pageidle_scan s = scan_request(start, end, buf, max);
                int r = scan_call(&s);

                if (r == -EINTR)
                        continue;
                if (r < 0) {
                        free(buf);
                        return r;
                }
                calls++;
                CHECK(s.next_pfn % 64 == 0 && s.next_pfn > start && s.next_pfn <= end,
                      "next_pfn 0x%" PRIx64 " after a call from 0x%" PRIx64 " to 0x%" PRIx64, (uint64_t) s.next_pfn, start,
                      end);
                CHECK(s.n_folios <= max, "%u folios in a buffer of %u", s.n_folios, max);
                for (uint32_t i = 0; i < s.n_folios; i++) {
                        CHECK(buf[i].cgroup == 0, "a folio at 0x%" PRIx64 " reported for cgroup index %u",
                              (uint64_t) buf[i].pfn, buf[i].cgroup);
                        CHECK(buf[i].pfn >= start && buf[i].pfn < s.next_pfn,
                              "folio 0x%" PRIx64 " outside the call's range", (uint64_t) buf[i].pfn);
                        CHECK(i == 0 || buf[i].pfn > buf[i - 1].pfn, "folios not in PFN order");
                        if (buf[i].cgroup == 0 && n < n_out)
                                out[n++] = buf[i];
                }
                if (s.next_pfn <= start)
                        break;
                start = s.next_pfn;
        }
        free(buf);
        if (ret_calls)
                *ret_calls = calls;
        return (int) n;
}

static const struct pageidle_folio *find_folio(const struct pageidle_folio *l, size_t n, uint64_t pfn) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (l[mid].pfn == pfn)
                        return &l[mid];
                if (l[mid].pfn < pfn)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void expect_errno(const char *what, struct pageidle_scan s, int error) {
        int r = scan_call(&s);

        CHECK(r == -error, "%s: %s, expected %s", what, r ? strerror(-r) : "success", strerror(error));
}

static void check_errors(void) {
        static struct pageidle_folio buf[64];
        struct pageidle_scan base = scan_request(0, 64 * 1024, buf, 64), s;
        uint64_t *many = calloc(PAGEIDLE_SCAN_MAX_CGROUPS + 1, sizeof(uint64_t));

        s = base; s.version = 0;                expect_errno("version 0", s, EINVAL);
        s = base; s.version = PAGEIDLE_SCAN_VERSION + 1;
        expect_errno("a later version", s, EINVAL);
        s = base; s.flags = 1;                  expect_errno("flags", s, EINVAL);
        s = base; s.reserved0 = 1;              expect_errno("reserved0", s, EINVAL);
        s = base; s.reserved[3] = 1;            expect_errno("reserved[3]", s, EINVAL);
        s = base; s.start_pfn = 1;              expect_errno("start_pfn 1", s, EINVAL);
        s = base; s.end_pfn = 65;               expect_errno("end_pfn 65", s, EINVAL);
        s = base; s.start_pfn = 128; s.end_pfn = 64;
        expect_errno("end before start", s, EINVAL);
        s = base; s.end_pfn = PAGEIDLE_SCAN_MAX_PFNS + 64;
        expect_errno("a range over the limit", s, EINVAL);
        s = base; s.n_cgroups = 0;              expect_errno("no cgroups", s, EINVAL);
        if (many) {
                s = base; s.cgroups = (uintptr_t) many; s.n_cgroups = PAGEIDLE_SCAN_MAX_CGROUPS + 1;
                expect_errno("too many cgroups", s, E2BIG);
        }
        s = base; s.max_folios = 63;            expect_errno("a buffer of 63", s, ENOSPC);
        s = base; s.cgroups = 8;                expect_errno("a bad cgroups pointer", s, EFAULT);
        CHECK(ioctl(dev_fd, PAGEIDLE_IOC_SCAN, (void *) 8) < 0 && errno == EFAULT, "a bad argument pointer: %m");
        CHECK(ioctl(dev_fd, _IOWR(PAGEIDLE_IOC_MAGIC, 2, struct pageidle_scan), &s) < 0 && errno == ENOTTY,
              "an unknown ioctl: %m");

        /* Nothing is past the end of memory. */
        s = scan_request(end_pfn + 64, end_pfn + 64 * 1024, buf, 64);
        CHECK(scan_call(&s) == 0 && s.n_folios == 0 && s.next_pfn == s.end_pfn && s.lru_folios == 0,
              "a range past max_pfn: n_folios %u next_pfn 0x%" PRIx64, s.n_folios, (uint64_t) s.next_pfn);
        /* Exactly the limit is fine. */
        s = scan_request(end_pfn, end_pfn + PAGEIDLE_SCAN_MAX_PFNS, buf, 64);
        CHECK(scan_call(&s) == 0, "a range of PAGEIDLE_SCAN_MAX_PFNS: %m");
        free(many);
        printf("errors: checked\n");
}

static int cgroup_enter(const char *dir) {
        char path[PATH_MAX];
        struct stat st;
        FILE *f;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (stat(dir, &st) < 0)
                return -errno;
        inodes[0] = st.st_ino;
        inodes[1] = BOGUS_INODE;
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f, "%d\n", getpid());
        return fclose(f) == 0 ? 0 : -errno;
}

static void cgroup_leave(const char *dir) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/../cgroup.procs", dir);
        f = fopen(path, "we");
        if (f) {
                fprintf(f, "%d\n", getpid());
                fclose(f);
        }
        (void) rmdir(dir);
}

static void touch(char *p, int step, int offset) {
        for (size_t i = (size_t) offset; i < NPAGES; i += (size_t) step)
                ((volatile char *) p)[i * PT_PAGE_SIZE]++;
}

/* Whether the scan reported every buffer page, and idle exactly those
 * that were marked before and not touched since (every step-th page from
 * offset; step 0: none). */
static int judge(const char *what, const uint64_t *pfns, const struct pageidle_folio *l, int n, bool marked,
                 int step, int offset) {
        size_t missing = 0, wrong = 0, not_anon = 0;

        if (n < 0) {
                CHECK(false, "%s: the scan failed: %s", what, strerror(-n));
                return -1;
        }
        for (size_t i = 0; i < NPAGES; i++) {
                const struct pageidle_folio *f = find_folio(l, (size_t) n, pfns[i]);
                bool touched = step > 0 && (int) (i % (size_t) step) == offset;
                bool want_idle = marked && !touched;

                if (!f) {
                        missing++;
                        continue;
                }
                if (!(f->flags & PAGEIDLE_FOLIO_ANON) || f->order != 0)
                        not_anon++;
                if (!!(f->flags & PAGEIDLE_FOLIO_IDLE) != want_idle)
                        wrong++;
        }
        CHECK(missing == 0, "%s: %zu of %d pages not reported", what, missing, NPAGES);
        CHECK(not_anon == 0, "%s: %zu pages not reported as small anonymous ones", what, not_anon);
        CHECK(wrong == 0, "%s: %zu of %d pages with the wrong idle state", what, wrong, NPAGES);
        printf("%s: %d folios reported, %zu buffer pages missing, %zu wrong\n", what, n, missing, wrong);
        return missing == 0 && wrong == 0 ? 0 : -1;
}

/* Every page the device marked reads idle through the bitmap, but those
 * in a last word that max_pfn cuts short (the bitmap never returns it,
 * as in-tree) and those that moved since (compaction migrates pages; in
 * own state the mark stays with the old PFN), which are counted and left
 * out. */
static int check_bitmap(const void *buf, const uint64_t *pfns) {
        uint64_t now[NPAGES];
        int fd = open(bitmap_path, O_RDONLY | O_CLOEXEC);
        size_t idle = 0, moved = 0, unread = 0;

        if (fd < 0) {
                CHECK(false, "open %s: %m", bitmap_path);
                return -1;
        }
        for (size_t i = 0; i < NPAGES; i++) {
                uint64_t word;

                if (pread(fd, &word, 8, (off_t) (pfns[i] / 64 * 8)) != 8) {
                        unread++;
                        continue;
                }
                idle += (word >> (pfns[i] % 64)) & 1;
        }
        close(fd);
        if (pt_pagemap_pfns(buf, NPAGES, now) == 0)
                for (size_t i = 0; i < NPAGES; i++)
                        moved += now[i] != pfns[i];
        CHECK(idle + moved + unread >= NPAGES,
              "%s reads %zu of %d pages marked through the device idle (%zu moved, %zu in the partial last word)",
              bitmap_path, idle, NPAGES, moved, unread);
        printf("bitmap: %zu of %d pages marked through the device read idle in %s; %zu moved since, %zu in the "
               "partial last word\n", idle, NPAGES, bitmap_path, moved, unread);
        return 0;
}

static volatile sig_atomic_t signals;
static void on_signal(int sig) {
        signals++;
}

static void *signal_thread(void *arg) {
        pthread_t main_thread = *(pthread_t *) arg;

        for (int i = 0; i < 20000; i++) {
                pthread_kill(main_thread, SIGUSR1);
                usleep(100);
        }
        return NULL;
}

static void check_signals(void) {
        struct sigaction sa = { .sa_handler = on_signal };  /* no SA_RESTART */
        static struct pageidle_folio buf[4096];
        pthread_t self = pthread_self(), t;
        unsigned early = 0, eintr = 0, done = 0;

        sigaction(SIGUSR1, &sa, NULL);
        if (pthread_create(&t, NULL, signal_thread, &self) != 0) {
                CHECK(false, "pthread_create");
                return;
        }
        for (int round = 0; round < SIGNAL_ROUNDS; round++) {
                uint64_t start = 0;

                while (start < end_pfn) {
                        struct pageidle_scan s = scan_request(start, end_pfn, buf, 4096);
                        int r = scan_call(&s);

                        if (r == -EINTR) {
                                eintr++;
                                continue;
                        }
                        if (r < 0) {
                                CHECK(false, "a scan under signals: %s", strerror(-r));
                                break;
                        }
                        if (s.next_pfn < end_pfn && s.n_folios + 64 <= 4096)
                                early++;
                        start = s.next_pfn;
                }
                done += start >= end_pfn;
        }
        pthread_cancel(t);
        pthread_join(t, NULL);
        signal(SIGUSR1, SIG_IGN);
        CHECK(done == SIGNAL_ROUNDS, "%u of %d scans under signals completed", done, SIGNAL_ROUNDS);
        CHECK(early + eintr > 0, "no call ended early for a signal (%d signals)", (int) signals);
        printf("signal: %d scans completed; %u calls ended early, %u with EINTR, %d signals\n", SIGNAL_ROUNDS, early, eintr,
               (int) signals);
}

static void check_perms(void) {
        struct stat st;
        pid_t pid;
        int status;

        CHECK(stat(device, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600 && st.st_uid == 0,
              "%s: mode %o uid %u, expected a 0600 root character device", device, st.st_mode & 07777, st.st_uid);
        pid = fork();
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(2);
                _exit(open(device, O_RDWR | O_CLOEXEC) < 0 && errno == EACCES ? 0 : 1);
        }
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "nobody could open %s, or the check failed", device);
        printf("perms: %s is 0600 root, nobody gets EACCES\n", device);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "device", required_argument, NULL, 'd' },
                { "bitmap", required_argument, NULL, 'b' },
                { "cgroup", required_argument, NULL, 'c' },
                {}
        };
        struct pageidle_folio *l;
        uint64_t *pfns;
        char *p;
        int c, n, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'd': device = optarg; break;
                case 'b': bitmap_path = optarg; break;
                case 'c': cgroup_dir = optarg; break;
                default: return 2;
                }
        setvbuf(stdout, NULL, _IOLBF, 0);
        end_pfn = (pt_max_pfn() + 63) / 64 * 64;
        dev_fd = open(device, O_RDWR | O_CLOEXEC);
        if (dev_fd < 0) {
                printf("FAIL: open %s: %m\n", device);
                return 1;
        }
        r = cgroup_enter(cgroup_dir);
        if (r < 0) {
                printf("FAIL: cannot enter %s: %s\n", cgroup_dir, strerror(-r));
                return 1;
        }
        check_errors();
        check_perms();

        pt_pin_cpu(0);
        p = mmap(NULL, NPAGES * PT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        pfns = calloc(NPAGES, sizeof(*pfns));
        l = calloc(1 << 20, sizeof(*l));
        if (p == MAP_FAILED || !pfns || !l) {
                printf("FAIL: out of memory\n");
                return 1;
        }
        madvise(p, NPAGES * PT_PAGE_SIZE, MADV_NOHUGEPAGE);
        touch(p, 1, 0);
        if (!pt_ballast(4096) || pt_pagemap_pfns(p, NPAGES, pfns) < 0) {
                printf("FAIL: setup\n");
                return 1;
        }

        n = scan_all(0, end_pfn, 1 << 16, l, 1 << 20, NULL);
        judge("read: first scan, nothing marked before", pfns, l, n, false, 0, 0);

        pt_flush_tlb(p, NPAGES * PT_PAGE_SIZE, PROT_READ | PROT_WRITE);
        touch(p, 2, 0);
        n = scan_all(0, end_pfn, 1 << 16, l, 1 << 20, NULL);
        judge("read: even pages touched", pfns, l, n, true, 2, 0);

        if (bitmap_path)
                check_bitmap(p, pfns);

        pt_flush_tlb(p, NPAGES * PT_PAGE_SIZE, PROT_READ | PROT_WRITE);
        touch(p, 3, 1);
        {
                unsigned calls = 0;
                int m = scan_all(0, end_pfn, 64, l, 1 << 20, &calls);

                judge("small: every third page touched, 64 folios a call", pfns, l, m, true, 3, 1);
                judge("small: untouched since", pfns, l, scan_all(0, end_pfn, 1 << 16, l, 1 << 20, NULL), true, 0,
                      0);
                printf("small: %u calls\n", calls);
        }
        /* Bad folio pointers, where there are folios to report (last: the
         * word that could not be reported was marked already). */
        {
                struct pageidle_scan s = scan_request(0, end_pfn, (void *) 8, 64);

                expect_errno("a bad folios pointer", s, EFAULT);
        }
        check_signals();

        cgroup_leave(cgroup_dir);
        if (failures) {
                printf("%d checks failed\n", failures);
                return 1;
        }
        printf("all checks passed\n");
        return 0;
}
