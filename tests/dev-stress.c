// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dev-stress [--device PATH] [--root DIR] [--scanners N] [--seconds S] [--reload]
 *
 * Hammers /dev/pageidle's PAGEIDLE_IOC_SCAN while what it walks changes
 * under it: scanners name every cgroup under DIR (default
 * /sys/fs/cgroup/dev-stress) and scan the whole of memory, while a
 * churner creates and removes cgroups there, runs processes in them that
 * fault anonymous and huge pages, collapse them (MADV_COLLAPSE), move to
 * another cgroup, fork short-lived children and exit, and a compactor
 * asks the kernel to compact memory (which migrates pages).  Every answer
 * is checked against the ABI: success or EINTR, next_pfn a word boundary
 * after the start, no more folios than asked for, each inside the range,
 * in PFN order, of a named cgroup, with reserved fields 0.  With --reload
 * the scanners open the device for each call (the module is being
 * unloaded and loaded meanwhile): ENOENT, ENODEV or ENXIO on open is then
 * counted, not a failure.  Run memory churn beside it (bitmap-stress --churners) for
 * splits, forks and frees of other memory.
 *
 * Exits 0 when every answer was one the ABI allows, 1 otherwise.  S bounds
 * the run; SIGINT or SIGTERM ends it early with the same report.
 */
#include "pageidle-test.h"

#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pageidle_dev.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define MAX_NAMED 256
#define CALL_PFNS (UINT64_C(1) << 20)
#define FOLIOS 4096

struct stats {
        uint64_t calls, folios, eintr, vanished, cgroups_made, errors;
        char first_error[200];
};

static const char *device = "/dev/" PAGEIDLE_DEV_NAME;
static const char *root = "/sys/fs/cgroup/dev-stress";
static double seconds = 20;
static bool reload;
static uint64_t end_pfn;
static volatile sig_atomic_t *stop;

static void on_signal(int sig) {
        *stop = 1;
}

static bool running(double end) {
        return !*stop && pt_now() < end;
}

static void error(struct stats *st, const char *what, int e) {
        if (st->errors++ == 0)
                snprintf(st->first_error, sizeof(st->first_error), "%s: %s", what, e ? strerror(e) : "bad answer");
}

/* The inodes of the cgroups under root, and root's own. */
static size_t named_cgroups(uint64_t *out) {
        DIR *d = opendir(root);
        struct dirent *de;
        struct stat st;
        size_t n = 0;

        if (stat(root, &st) == 0)
                out[n++] = st.st_ino;
        if (!d)
                return n;
        while ((de = readdir(d)) && n < MAX_NAMED) {
                char path[PATH_MAX];

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
                if (stat(path, &st) == 0)
                        out[n++] = st.st_ino;
        }
        closedir(d);
        return n;
}

static void check_answer(struct stats *st, const struct pageidle_scan *s, const struct pageidle_folio *f,
                         uint64_t start, uint64_t end, uint32_t n_named) {
        if (s->next_pfn <= start || s->next_pfn > end || s->next_pfn % 64 || s->n_folios > FOLIOS) {
                error(st, "next_pfn or n_folios out of bounds", 0);
                return;
        }
        for (uint32_t i = 0; i < s->n_folios; i++)
                if (f[i].pfn < start || f[i].pfn >= s->next_pfn || f[i].cgroup >= n_named || f[i].order > 18 ||
                    f[i].reserved || (f[i].flags & ~(PAGEIDLE_FOLIO_ANON | PAGEIDLE_FOLIO_IDLE)) ||
                    (i > 0 && f[i].pfn <= f[i - 1].pfn)) {
                        error(st, "a folio record the ABI does not allow", 0);
                        return;
                }
        st->folios += s->n_folios;
}

static void scanner(struct stats *st) {
        static struct pageidle_folio folios[FOLIOS];
        static uint64_t named[MAX_NAMED];
        double end = pt_now() + seconds;
        int fd = -1;

        while (running(end)) {
                uint64_t start = 0;
                uint32_t n = (uint32_t) named_cgroups(named);

                if (n == 0) {
                        usleep(10000);
                        continue;
                }
                while (start < end_pfn && running(end)) {
                        /* Shorter calls while reloading, so that rmmod finds gaps. */
                        uint64_t len = reload ? CALL_PFNS / 256 : CALL_PFNS;
                        uint64_t stop_pfn = start + len < end_pfn ? start + len : end_pfn;
                        struct pageidle_scan s = {
                                .version = PAGEIDLE_SCAN_VERSION,
                                .start_pfn = start,
                                .end_pfn = stop_pfn,
                                .cgroups = (uintptr_t) named,
                                .n_cgroups = n,
                                .folios = (uintptr_t) folios,
                                .max_folios = FOLIOS,
                        };

                        if (fd < 0) {
                                fd = open(device, O_RDWR | O_CLOEXEC);
                                if (fd < 0) {
                                        /* ENODEV: the node is there, the device no longer. */
                                        if (reload && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
                                                st->vanished++;
                                        else
                                                error(st, "open", errno);
                                        usleep(20000);
                                        break;
                                }
                        }
                        if (ioctl(fd, PAGEIDLE_IOC_SCAN, &s) < 0) {
                                if (errno == EINTR)
                                        st->eintr++;
                                else
                                        error(st, "PAGEIDLE_IOC_SCAN", errno);
                        } else {
                                st->calls++;
                                check_answer(st, &s, folios, start, stop_pfn, n);
                                start = s.next_pfn;
                        }
                        if (reload) {
                                /* An open device holds the module: let it go between calls. */
                                close(fd);
                                fd = -1;
                                usleep(200000);
                        }
                }
        }
        if (fd >= 0)
                close(fd);
}

/* A process in cgroup a: faults memory, collapses huge pages, moves to
 * cgroup b, forks a few children, exits. */
static void tenant(const char *a, const char *b, uint64_t seed) {
        char path[PATH_MAX + 32];
        size_t len = (1 + seed % 8) << 21;
        char *p;
        FILE *f;

        snprintf(path, sizeof(path), "%s/cgroup.procs", a);
        if ((f = fopen(path, "we"))) {
                fprintf(f, "%d\n", getpid());
                fclose(f);
        }
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                _exit(1);
        for (size_t i = 0; i < len; i += PT_PAGE_SIZE)
                p[i] = 1;
        (void) madvise(p, len, MADV_COLLAPSE);
        snprintf(path, sizeof(path), "%s/cgroup.procs", b);
        if ((f = fopen(path, "we"))) {
                fprintf(f, "%d\n", getpid());
                fclose(f);
        }
        for (int k = 0; k < 8; k++) {
                pid_t pid = fork();

                if (pid == 0) {
                        for (size_t i = 0; i < len; i += 5 * PT_PAGE_SIZE)
                                p[i]++;
                        _exit(0);
                }
        }
        while (wait(NULL) > 0)
                ;
        _exit(0);
}

static void churner(struct stats *st) {
        double end = pt_now() + seconds;
        uint64_t seed = (uint64_t) getpid() * 2654435761u;

        for (unsigned k = 0; running(end); k++) {
                char a[PATH_MAX], b[PATH_MAX];
                pid_t pid;

                snprintf(a, sizeof(a), "%s/c%u", root, k % 8);
                snprintf(b, sizeof(b), "%s/c%u", root, (k + 1) % 8);
                (void) mkdir(a, 0755);
                (void) mkdir(b, 0755);
                st->cgroups_made++;
                pid = fork();
                if (pid == 0)
                        tenant(a, b, seed + k);
                if (pid > 0)
                        waitpid(pid, NULL, 0);
                /* Busy while a dying child still holds it: that is fine. */
                (void) rmdir(a);
        }
}

static void compactor(struct stats *st) {
        double end = pt_now() + seconds;

        while (running(end)) {
                int fd = open("/proc/sys/vm/compact_memory", O_WRONLY | O_CLOEXEC);

                if (fd >= 0) {
                        if (write(fd, "1", 1) != 1)
                                error(st, "compact_memory", errno);
                        close(fd);
                }
                usleep(500000);
        }
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "device", required_argument, NULL, 'd' },
                { "root", required_argument, NULL, 'r' },
                { "scanners", required_argument, NULL, 'n' },
                { "seconds", required_argument, NULL, 's' },
                { "reload", no_argument, NULL, 'R' },
                {}
        };
        struct sigaction sa = { .sa_handler = on_signal };
        int scanners = 2, c, failed = 0, workers;
        struct stats *stats;
        char path[PATH_MAX];

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'd': device = optarg; break;
                case 'r': root = optarg; break;
                case 'n': scanners = atoi(optarg); break;
                case 's': seconds = atof(optarg); break;
                case 'R': reload = true; break;
                default: return 2;
                }
        setvbuf(stdout, NULL, _IOLBF, 0);
        end_pfn = (pt_max_pfn() + 63) / 64 * 64;
        if (mkdir(root, 0755) < 0 && errno != EEXIST) {
                printf("FAIL: mkdir %s: %m\n", root);
                return 1;
        }
        workers = scanners + 2;
        stats = mmap(NULL, sizeof(*stats) * (size_t) workers + sizeof(*stop), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (stats == MAP_FAILED)
                return 1;
        memset(stats, 0, sizeof(*stats) * (size_t) workers);
        stop = (volatile sig_atomic_t *) (stats + workers);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        for (int i = 0; i < workers; i++) {
                pid_t pid = fork();

                if (pid == 0) {
                        if (i < scanners)
                                scanner(&stats[i]);
                        else if (i == scanners)
                                churner(&stats[i]);
                        else
                                compactor(&stats[i]);
                        _exit(0);
                }
        }
        while (wait(NULL) > 0 || errno == EINTR)
                ;
        for (int i = 0; i < workers; i++) {
                const struct stats *st = &stats[i];

                printf("%s %d: %" PRIu64 " calls, %" PRIu64 " folios, %" PRIu64 " EINTR, %" PRIu64
                       " device gone, %" PRIu64 " cgroups made, %" PRIu64 " errors%s%s\n",
                       i < scanners ? "scanner" : i == scanners ? "churner" : "compactor", i, st->calls, st->folios,
                       st->eintr, st->vanished, st->cgroups_made, st->errors, st->errors ? ": " : "",
                       st->first_error);
                failed |= st->errors > 0;
        }
        for (int k = 0; k < 8; k++) {
                snprintf(path, sizeof(path), "%s/c%d", root, k);
                (void) rmdir(path);
        }
        (void) rmdir(root);
        if (stats[0].calls == 0) {
                printf("FAIL: no scan call went through\n");
                failed = 1;
        }
        printf("%s\n", failed ? "FAIL" : "ok");
        return failed;
}
