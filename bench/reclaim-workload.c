/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reclaim-workload: the two processes of bench/vm-reclaim-effect.sh.
 *
 *   reclaim-workload run --file PATH --hot-mib H [--memory-stat PATH]
 *                        [--warmup-sec S] [--duration-sec S] [--label TEXT]
 *
 * Maps PATH (read-only, shared) and, on two threads, reads one byte of
 * every page of it: the first H MiB (the hot set) in a loop, as fast as it
 * can; the rest (the cold part) once per cold pass, pass after pass. Run in
 * a memory cgroup whose memory.max is below the file's size, reclaim has to
 * choose between the two.  After the warm-up it measures for the duration:
 * the cgroup's memory.stat counters (workingset_refault_file and the like),
 * the major faults of each thread (getrusage(RUSAGE_THREAD)), the passes
 * over the hot set and the MiB of the cold part read, and the hot set's
 * residency, sampled with mincore(2) every 200 ms.  Prints one line of NAME=VALUE.
 *
 *   reclaim-workload track --bitmap PATH [--interval-ms MS]
 *
 * An idle page tracker: every interval, writes 1 to every bit of the
 * bitmap (marks every PFN idle) and reads it all back, until SIGTERM or
 * SIGINT; then prints how many passes it made and how long they took.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static size_t page_size;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = usec % 1000000 * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static long thread_majflt(void) {
        struct rusage ru;

        if (getrusage(RUSAGE_THREAD, &ru) < 0)
                return -1;
        return ru.ru_majflt;
}

/* One reader thread: the hot set or the cold part. */
struct reader {
        const volatile char *start;
        size_t pages;
        atomic_bool *stop;
        atomic_ulong pages_read;
        atomic_long majflt;
};

static void *reader_loop(void *arg) {
        struct reader *r = arg;
        unsigned long n = 0;
        unsigned sum = 0;

        while (!atomic_load(r->stop)) {
                for (size_t i = 0; i < r->pages && !atomic_load_explicit(r->stop, memory_order_relaxed); i++) {
                        sum += r->start[i * page_size];
                        /* A plain store: only this thread writes it. */
                        atomic_store_explicit(&r->pages_read, ++n, memory_order_relaxed);
                }
                atomic_store(&r->majflt, thread_majflt());
        }
        atomic_store(&r->majflt, thread_majflt());
        return (void *) (uintptr_t) sum;
}

/* The counters of memory.stat that show what reclaim did to the file. */
static const char *const stat_names[] = {
        "workingset_refault_file",
        "workingset_activate_file",
        "workingset_restore_file",
        "pgmajfault",
        "pgscan",
        "pgsteal",
};
#define N_STATS (sizeof(stat_names) / sizeof(stat_names[0]))

static int memory_stat_read(const char *path, long long *values) {
        char line[256];
        FILE *f;

        for (size_t i = 0; i < N_STATS; i++)
                values[i] = -1;
        if (!path)
                return 0;
        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "Failed to open %s: %m\n", path);
                return -errno;
        }
        while (fgets(line, sizeof(line), f)) {
                char name[128];
                long long v;

                if (sscanf(line, "%127s %lld", name, &v) != 2)
                        continue;
                for (size_t i = 0; i < N_STATS; i++)
                        if (strcmp(name, stat_names[i]) == 0)
                                values[i] = v;
        }
        fclose(f);
        return 0;
}

/* Share of the hot set resident in the page cache, in percent. */
static double hot_resident_pct(void *start, size_t pages, unsigned char *vec) {
        size_t n = 0;

        if (mincore(start, pages * page_size, vec) < 0)
                return -1;
        for (size_t i = 0; i < pages; i++)
                n += vec[i] & 1;
        return 100.0 * n / pages;
}

static int parse_ulong(const char *s, unsigned long *ret) {
        char *end;

        errno = 0;
        *ret = strtoul(s, &end, 10);
        if (errno || end == s || *end)
                return -EINVAL;
        return 0;
}

static int cmd_run(int argc, char **argv) {
        const char *file = NULL, *memory_stat = NULL, *label = "";
        unsigned long hot_mib = 0, warmup_sec = 5, duration_sec = 20;
        long long stat0[N_STATS], stat1[N_STATS];
        struct reader hot = {}, cold = {};
        atomic_bool stop = false;
        pthread_t hot_thread, cold_thread;
        unsigned char *vec;
        struct stat st;
        size_t pages, hot_pages;
        unsigned long hot_read0, cold_read0, hot_read1, cold_read1;
        long hot_majflt0, cold_majflt0;
        double sum_pct = 0, min_pct = 100;
        unsigned samples = 0;
        uint64_t t0, t_end, t1;
        char *map;
        int fd;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                unsigned long *num = NULL;

                if (!v) {
                        fprintf(stderr, "%s needs a value\n", a);
                        return 2;
                }
                if (strcmp(a, "--file") == 0)
                        file = v;
                else if (strcmp(a, "--memory-stat") == 0)
                        memory_stat = v;
                else if (strcmp(a, "--label") == 0)
                        label = v;
                else if (strcmp(a, "--hot-mib") == 0)
                        num = &hot_mib;
                else if (strcmp(a, "--warmup-sec") == 0)
                        num = &warmup_sec;
                else if (strcmp(a, "--duration-sec") == 0)
                        num = &duration_sec;
                else {
                        fprintf(stderr, "Unknown option %s\n", a);
                        return 2;
                }
                if (num && parse_ulong(v, num) < 0) {
                        fprintf(stderr, "Invalid number for %s: %s\n", a, v);
                        return 2;
                }
                i++;
        }
        if (!file || !hot_mib || !duration_sec) {
                fprintf(stderr, "run needs --file, --hot-mib and a duration\n");
                return 2;
        }

        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "Failed to open %s: %m\n", file);
                return 1;
        }
        pages = st.st_size / page_size;
        hot_pages = hot_mib * 1024 * 1024 / page_size;
        if (hot_pages >= pages) {
                fprintf(stderr, "%s (%zu pages) is no larger than the hot set (%zu pages)\n",
                        file, pages, hot_pages);
                return 1;
        }
        map = mmap(NULL, pages * page_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
                fprintf(stderr, "Failed to map %s: %m\n", file);
                return 1;
        }
        close(fd);
        vec = malloc(hot_pages);
        if (!vec)
                return 1;

        hot = (struct reader) { .start = map, .pages = hot_pages, .stop = &stop };
        cold = (struct reader) { .start = map + hot_pages * page_size, .pages = pages - hot_pages, .stop = &stop };
        if (pthread_create(&hot_thread, NULL, reader_loop, &hot) ||
            pthread_create(&cold_thread, NULL, reader_loop, &cold)) {
                fprintf(stderr, "Failed to start the readers\n");
                return 1;
        }

        sleep_usec(warmup_sec * 1000000);
        hot_read0 = atomic_load(&hot.pages_read);
        cold_read0 = atomic_load(&cold.pages_read);
        hot_majflt0 = atomic_load(&hot.majflt);
        cold_majflt0 = atomic_load(&cold.majflt);
        if (memory_stat_read(memory_stat, stat0) < 0)
                return 1;
        t0 = now_usec();
        t_end = t0 + duration_sec * 1000000;
        for (uint64_t t = t0; t < t_end; t = now_usec()) {
                double pct = hot_resident_pct(map, hot_pages, vec);

                if (pct >= 0) {
                        sum_pct += pct;
                        if (pct < min_pct)
                                min_pct = pct;
                        samples++;
                }
                sleep_usec(200000);
        }
        if (memory_stat_read(memory_stat, stat1) < 0)
                return 1;
        t1 = now_usec();
        hot_read1 = atomic_load(&hot.pages_read);
        cold_read1 = atomic_load(&cold.pages_read);
        /* The per-thread counters lag by at most one pass: the hot pass is
         * short, and the cold part's count is what it faulted so far. */
        atomic_store(&stop, true);
        pthread_join(hot_thread, NULL);
        pthread_join(cold_thread, NULL);

        printf("%s%shot_mib=%lu file_mib=%zu duration_sec=%.1f hot_resident_pct=%.1f hot_resident_min_pct=%.1f"
               " hot_majflt=%ld hot_passes=%.1f cold_majflt=%ld cold_mib=%.0f",
               label, *label ? " " : "", hot_mib, pages * page_size >> 20, (t1 - t0) / 1e6,
               samples ? sum_pct / samples : -1.0, samples ? min_pct : -1.0,
               atomic_load(&hot.majflt) - hot_majflt0, (double) (hot_read1 - hot_read0) / hot.pages,
               atomic_load(&cold.majflt) - cold_majflt0,
               (double) (cold_read1 - cold_read0) * page_size / (1024 * 1024));
        for (size_t i = 0; i < N_STATS; i++)
                if (stat0[i] >= 0 && stat1[i] >= 0)
                        printf(" %s=%lld", stat_names[i], stat1[i] - stat0[i]);
        printf("\n");
        return 0;
}

static volatile sig_atomic_t track_stop;

static void on_signal(int sig) {
        (void) sig;
        track_stop = 1;
}

/* Marks (write) or reads every word of the bitmap; returns the bytes moved. */
static ssize_t bitmap_pass(int fd, bool write_ones) {
        static uint64_t buf[512];
        ssize_t total = 0;

        if (write_ones)
                memset(buf, 0xff, sizeof(buf));
        for (off_t off = 0;; ) {
                ssize_t n = write_ones ? pwrite(fd, buf, sizeof(buf), off) : pread(fd, buf, sizeof(buf), off);

                if (n < 0 && errno == ENXIO)
                        break;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                off += n;
                total += n;
        }
        return total;
}

static int cmd_track(int argc, char **argv) {
        const char *bitmap = NULL;
        unsigned long interval_ms = 1000, passes = 0;
        uint64_t sum_usec = 0, max_usec = 0;
        ssize_t bytes = 0;
        struct sigaction sa = { .sa_handler = on_signal };
        int fd;

        for (int i = 1; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--bitmap") == 0)
                        bitmap = argv[i + 1];
                else if (strcmp(argv[i], "--interval-ms") == 0 && parse_ulong(argv[i + 1], &interval_ms) == 0)
                        ;
                else {
                        fprintf(stderr, "Invalid argument %s\n", argv[i]);
                        return 2;
                }
        }
        if (!bitmap) {
                fprintf(stderr, "track needs --bitmap\n");
                return 2;
        }
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        fd = open(bitmap, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "Failed to open %s: %m\n", bitmap);
                return 1;
        }
        while (!track_stop) {
                uint64_t t = now_usec(), d;
                ssize_t w = bitmap_pass(fd, true), r = w < 0 ? w : bitmap_pass(fd, false);

                if (w < 0 || r < 0) {
                        fprintf(stderr, "Failed to %s %s: %s\n", w < 0 ? "write" : "read", bitmap,
                                strerror((int) -(w < 0 ? w : r)));
                        return 1;
                }
                bytes = r;
                d = now_usec() - t;
                passes++;
                sum_usec += d;
                if (d > max_usec)
                        max_usec = d;
                if (!track_stop && d < interval_ms * 1000)
                        sleep_usec(interval_ms * 1000 - d);
        }
        printf("tracker_passes=%lu tracker_pfns=%zd tracker_pass_ms=%.0f tracker_pass_max_ms=%.0f\n",
               passes, bytes * 8, passes ? sum_usec / 1000.0 / passes : 0.0, max_usec / 1000.0);
        return 0;
}

int main(int argc, char **argv) {
        page_size = sysconf(_SC_PAGESIZE);
        if (argc >= 2 && strcmp(argv[1], "run") == 0)
                return cmd_run(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "track") == 0)
                return cmd_track(argc - 1, argv + 1);
        fprintf(stderr, "usage: %s run --file PATH --hot-mib H [--memory-stat PATH] [--warmup-sec S] [--duration-sec S] [--label TEXT]\n"
                        "       %s track --bitmap PATH [--interval-ms MS]\n", argv[0], argv[0]);
        return 2;
}
