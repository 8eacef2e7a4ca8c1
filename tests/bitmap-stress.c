// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bitmap-stress [--bitmap PATH] [--readers N] [--writers N] [--churners N]
 *               [--seconds S] [--chunk BYTES] [--reload]
 *
 * Hammers an idle page bitmap from several processes at once: readers and
 * writers issue CHUNK-byte (default 64 KiB) preads and pwrites at random
 * word-aligned offsets over the whole file and a little past max_pfn,
 * writers setting random bits (marking random pages idle) or zeros, while
 * churners map, fault, fork, split and free anonymous, huge and tmpfs
 * memory.  Every answer is checked against the ABI: reads before max_pfn
 * return whole words, reads past it 0, writes past it ENXIO, nothing else
 * fails.  With --reload the file may vanish and come back (the module is
 * being unloaded and loaded meanwhile): ENOENT on open and ENODEV on a
 * stale descriptor are then counted, not failures.
 *
 * Exits 0 when every worker saw only the answers the ABI allows, 1
 * otherwise.  Not timed: S bounds the run, it is not a target; SIGINT or
 * SIGTERM ends it early, with the same report.
 */
#include "pageidle-test.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

enum { ROLE_READER, ROLE_WRITER, ROLE_CHURN };

struct stats {
        uint64_t ops, bytes, past_end, vanished, reopen, errors;
        char first_error[160];
};

static const char *path;
static size_t chunk = 65536;
static double seconds = 20;
static bool reload;
static uint64_t max_pfn;
/* Shared with the workers: set when the parent gets SIGINT or SIGTERM. */
static volatile sig_atomic_t *stop;

static void on_signal(int sig)
{
        (void)sig;
        *stop = 1;
}

static bool running(double end)
{
        return !*stop && pt_now() < end;
}

static uint64_t rng(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static void error(struct stats *st, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void error(struct stats *st, const char *fmt, ...)
{
        va_list ap;

        if (!st->errors++) {
                va_start(ap, fmt);
                vsnprintf(st->first_error, sizeof st->first_error, fmt, ap);
                va_end(ap);
        }
}

static void io_worker(int role, struct stats *st, uint64_t seed)
{
        off_t full_end = (off_t)(max_pfn / 64) * 8, word_end = (off_t)((max_pfn + 63) / 64) * 8;
        uint64_t *buf = malloc(chunk);
        double end = pt_now() + seconds;
        int fd = -1;

        if (!buf) {
                error(st, "out of memory");
                return;
        }
        while (running(end)) {
                off_t off = (off_t)(rng(&seed) % (uint64_t)((word_end + (off_t)chunk) / 8)) * 8;
                size_t count = chunk;
                ssize_t n;

                if (fd < 0) {
                        fd = open(path, O_RDWR | O_CLOEXEC);
                        if (fd < 0) {
                                if (reload && errno == ENOENT) {
                                        st->vanished++;
                                        usleep(2000);
                                        continue;
                                }
                                error(st, "open %s: %s", path, strerror(errno));
                                usleep(10000);
                                continue;
                        }
                        st->reopen++;
                }
                if ((rng(&seed) & 3) == 0)
                        count = 8 * (1 + rng(&seed) % 64);
                if (role == ROLE_READER) {
                        n = pread(fd, buf, count, off);
                } else {
                        bool zeros = rng(&seed) & 1;

                        for (size_t i = 0; i < count / 8; i++)
                                buf[i] = zeros ? 0 : rng(&seed) & rng(&seed);
                        n = pwrite(fd, buf, count, off);
                }
                st->ops++;
                if (n < 0) {
                        int e = errno;

                        if (reload && (e == ENODEV || e == ENOENT)) {
                                st->vanished++;
                                close(fd);
                                fd = -1;
                                continue;
                        }
                        if (role == ROLE_WRITER && e == ENXIO && off >= word_end) {
                                st->past_end++;
                                continue;
                        }
                        error(st, "%s of %zu bytes at %lld: %s",
                              role == ROLE_READER ? "pread" : "pwrite", count, (long long)off,
                              strerrorname_np(e) ?: "?");
                        continue;
                }
                st->bytes += (uint64_t)n;
                if (off >= full_end) {
                        st->past_end++;
                        if (n != 0 || (role == ROLE_WRITER && off >= word_end))
                                error(st, "%s at %lld past max_pfn 0x%" PRIx64 " returned %zd",
                                      role == ROLE_READER ? "pread" : "pwrite",
                                      (long long)off, max_pfn, n);
                } else if (n <= 0 || n % 8 || (size_t)n > count ||
                           off + n > full_end) {
                        error(st, "%s of %zu bytes at %lld returned %zd",
                              role == ROLE_READER ? "pread" : "pwrite", count, (long long)off, n);
                }
        }
        if (fd >= 0)
                close(fd);
        free(buf);
}

static void churn_worker(struct stats *st, uint64_t seed, const char *dir)
{
        double end = pt_now() + seconds;
        char fpath[4096];

        snprintf(fpath, sizeof fpath, "%s/bitmap-stress.%d", dir, getpid());
        while (running(end)) {
                size_t len = (1 + rng(&seed) % 16) << 20;
                int kind = (int)(rng(&seed) % 4), fd = -1;
                char *p;

                if (kind == 3) {
                        fd = open(fpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                        if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
                                error(st, "tmpfs file %s: %s", fpath, strerror(errno));
                                if (fd >= 0)
                                        close(fd);
                                usleep(10000);
                                continue;
                        }
                        unlink(fpath);
                        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                } else {
                        p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                }
                if (p == MAP_FAILED) {
                        error(st, "mmap %zu: %s", len, strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        usleep(10000);
                        continue;
                }
                if (kind == 1)
                        (void)madvise(p, len, MADV_HUGEPAGE);
                for (size_t i = 0; i < len; i += PT_PAGE_SIZE)
                        p[i] = (char)i;
                st->ops++;
                st->bytes += len;
                if (kind == 2) {
                        /* Children share the pages, touch some and exit. */
                        pid_t pid = fork();

                        if (pid == 0) {
                                for (size_t i = 0; i < len; i += 3 * PT_PAGE_SIZE)
                                        p[i]++;
                                _exit(0);
                        }
                        if (pid > 0)
                                waitpid(pid, NULL, 0);
                }
                if (kind == 1 && len > (4UL << 20))
                        /* Split huge pages by unmapping half of one. */
                        munmap(p + (2UL << 20) + (1UL << 20), 1UL << 20);
                if (rng(&seed) & 1)
                        (void)madvise(p, len / 2, MADV_DONTNEED);
                munmap(p, len);
                if (fd >= 0)
                        close(fd);
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "bitmap", required_argument, NULL, 'b' },
                { "readers", required_argument, NULL, 'r' },
                { "writers", required_argument, NULL, 'w' },
                { "churners", required_argument, NULL, 'c' },
                { "seconds", required_argument, NULL, 's' },
                { "chunk", required_argument, NULL, 'k' },
                { "reload", no_argument, NULL, 'R' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int readers = 2, writers = 2, churners = 2, c, failed = 0, total;
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        struct stats *stats;
        pid_t *pids;

        while ((c = getopt_long(argc, argv, "b:r:w:c:s:k:Rh", opts, NULL)) >= 0) {
                switch (c) {
                case 'b': path = optarg; break;
                case 'r': readers = atoi(optarg); break;
                case 'w': writers = atoi(optarg); break;
                case 'c': churners = atoi(optarg); break;
                case 's': seconds = atof(optarg); break;
                case 'k': chunk = strtoul(optarg, NULL, 0); break;
                case 'R': reload = true; break;
                default:
                        fprintf(stderr, "usage: %s [--bitmap PATH] [--readers N] [--writers N] "
                                "[--churners N] [--seconds S] [--chunk BYTES] [--reload]\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        path = pt_bitmap_path(path);
        max_pfn = pt_max_pfn();
        if (!max_pfn || chunk == 0 || chunk % 8) {
                fprintf(stderr, "no max_pfn, or chunk not a positive multiple of 8\n");
                return 2;
        }
        total = readers + writers + churners;
        stats = mmap(NULL, sizeof *stats * (size_t)total, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        pids = calloc((size_t)total, sizeof *pids);
        if (stats == MAP_FAILED || !pids) {
                perror("setup");
                return 2;
        }
        memset(stats, 0, sizeof *stats * (size_t)total);
        stop = mmap(NULL, sizeof *stop, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (stop == MAP_FAILED) {
                perror("mmap");
                return 2;
        }
        *stop = 0;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        printf("# %s: %d readers, %d writers, %d churners, %zu-byte requests, %.0f s%s; "
               "max_pfn 0x%" PRIx64 "\n", path, readers, writers, churners, chunk, seconds,
               reload ? ", file may vanish (reload)" : "", max_pfn);
        fflush(stdout);
        for (int i = 0; i < total; i++) {
                int role = i < readers ? ROLE_READER : i < readers + writers ? ROLE_WRITER : ROLE_CHURN;

                pids[i] = fork();
                if (pids[i] < 0) {
                        perror("fork");
                        return 2;
                }
                if (pids[i] == 0) {
                        uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1) ^ (uint64_t)getpid();

                        if (role == ROLE_CHURN)
                                churn_worker(&stats[i], seed, dir);
                        else
                                io_worker(role, &stats[i], seed);
                        _exit(0);
                }
        }
        for (int i = 0; i < total; i++) {
                const char *name = i < readers ? "reader" : i < readers + writers ? "writer" : "churner";
                int status;

                while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
                        ;
                printf("%s %d: %" PRIu64 " ops, %" PRIu64 " MiB, %" PRIu64 " past max_pfn, "
                       "%" PRIu64 " vanished, %" PRIu64 " opens, %" PRIu64 " errors%s%s\n",
                       name, i, stats[i].ops, stats[i].bytes >> 20, stats[i].past_end,
                       stats[i].vanished, stats[i].reopen, stats[i].errors,
                       stats[i].errors ? "; first: " : "", stats[i].first_error);
                if (stats[i].errors || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        failed++;
                        if (!WIFEXITED(status) || WEXITSTATUS(status))
                                printf("%s %d: exit status 0x%x\n", name, i, status);
                }
        }
        printf("%d workers, %d failed\n", total, failed);
        return failed ? 1 : 0;
}
