/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * workload --kind anon|file|thp --size SIZE --hot SIZE --ready FILE
 *          [--file PATH [--read]] [--period MSEC] [--after SEC --then-hot SIZE]
 *          [--wake SIZE [--wake-period MSEC]]
 *
 * Holds a known working set for the accuracy tests: maps SIZE bytes
 * (anonymous, a shared mapping of PATH, or anonymous with MADV_HUGEPAGE
 * in 2 MiB-aligned huge pages), writes every page once, writes
 * "KIND SIZE HOT" to FILE, then writes the first HOT bytes again, one
 * store per page, a period (200 ms by default) after each round ends,
 * and leaves the rest alone.  With --after, the hot part becomes the
 * first --then-hot bytes SEC seconds after that.
 *
 * With --read, PATH must exist and hold SIZE bytes: it is mapped read-only
 * and every access is a load, so that its page cache stays clean and the
 * kernel can drop it and read it back (refaults) without writing it.
 *
 * With --wake, every wake period (1000 ms by default) it also accesses
 * the next SIZE bytes after the hot part, in turn, round the rest of the
 * region: memory left idle since the last time round, which comes back
 * at SIZE per wake period.  SIZE must divide the bytes after the hot
 * part.  Wakes and rounds then keep to a fixed schedule from the time
 * FILE is written, wakes made up when late, rounds not.
 *
 * Each round first flushes the TLB for the hot range with an mprotect
 * round trip: marking a page idle clears its accessed bits without a
 * flush, and a store through a translation still cached (QEMU's software
 * TLB keeps them long) would not set the bit again.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUGE_SIZE (2UL << 20)

static unsigned long page;
static bool read_only;

/* Loads of read-only pages, kept by the compiler. */
static volatile uint8_t sink;

static unsigned long parse_size(const char *s) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        switch (*end) {
        case 'G': v <<= 30; break;
        case 'M': v <<= 20; break;
        case 'K': v <<= 10; break;
        case 0: break;
        default:
                fprintf(stderr, "workload: bad size %s\n", s);
                exit(2);
        }
        return v;
}

static void die(const char *what) {
        fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
        exit(1);
}

static uint64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void sleep_until_msec(uint64_t t) {
        struct timespec ts = { (time_t) (t / 1000), (long) (t % 1000) * 1000000L };

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

/* One access per page of [p, p + len), after the TLB flush of the header. */
static void touch(uint8_t *p, unsigned long len) {
        if (len == 0)
                return;
        if (read_only) {
                if (mprotect(p, len, PROT_NONE) < 0 || mprotect(p, len, PROT_READ) < 0)
                        die("mprotect");
                for (unsigned long off = 0; off < len; off += page)
                        sink = p[off];
                return;
        }
        if (mprotect(p, len, PROT_READ) < 0 || mprotect(p, len, PROT_READ | PROT_WRITE) < 0)
                die("mprotect");
        for (unsigned long off = 0; off < len; off += page)
                p[off]++;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "kind", required_argument, NULL, 'k' },
                { "size", required_argument, NULL, 's' },
                { "hot", required_argument, NULL, 'h' },
                { "ready", required_argument, NULL, 'r' },
                { "file", required_argument, NULL, 'f' },
                { "period", required_argument, NULL, 'p' },
                { "after", required_argument, NULL, 'a' },
                { "then-hot", required_argument, NULL, 't' },
                { "read", no_argument, NULL, 'R' },
                { "wake", required_argument, NULL, 'w' },
                { "wake-period", required_argument, NULL, 'W' },
                {}
        };
        const char *kind = "anon", *ready = NULL, *file = NULL;
        unsigned long size = 0, hot = 0, period_ms = 200;
        unsigned long after_s = 0, then_hot = 0, wake = 0, wake_period_ms = 1000, wake_at;
        uint64_t start_ms, next_round_ms, next_wake_ms;
        char tmp[4096];
        uint8_t *region;
        FILE *f;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'k': kind = optarg; break;
                case 's': size = parse_size(optarg); break;
                case 'h': hot = parse_size(optarg); break;
                case 'r': ready = optarg; break;
                case 'f': file = optarg; break;
                case 'p': period_ms = strtoul(optarg, NULL, 10); break;
                case 'a': after_s = strtoul(optarg, NULL, 10); break;
                case 't': then_hot = parse_size(optarg); break;
                case 'R': read_only = true; break;
                case 'w': wake = parse_size(optarg); break;
                case 'W': wake_period_ms = strtoul(optarg, NULL, 10); break;
                default: return 2;
                }
        page = (unsigned long) sysconf(_SC_PAGESIZE);
        if (!ready || size == 0 || hot > size || then_hot > size || size % page || hot % page ||
            then_hot % page) {
                fprintf(stderr, "workload: need --size, --hot <= size (page multiples) and --ready\n");
                return 2;
        }
        if (wake > 0 && (wake % page || (size - hot) % wake || after_s > 0 || wake_period_ms == 0)) {
                fprintf(stderr, "workload: --wake takes a page multiple that divides size - hot, without --after\n");
                return 2;
        }
        if (read_only && strcmp(kind, "file") != 0) {
                fprintf(stderr, "workload: --read is for --kind file\n");
                return 2;
        }

        if (strcmp(kind, "anon") == 0) {
                region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (region == MAP_FAILED)
                        die("mmap");
                /* No huge pages here, so that "anon" means small pages. */
                if (madvise(region, size, MADV_NOHUGEPAGE) < 0)
                        die("madvise");
        } else if (strcmp(kind, "thp") == 0) {
                uint8_t *raw;

                if (size % HUGE_SIZE || hot % HUGE_SIZE) {
                        fprintf(stderr, "workload: thp sizes are multiples of 2M\n");
                        return 2;
                }
                raw = mmap(NULL, size + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (raw == MAP_FAILED)
                        die("mmap");
                region = (uint8_t *) (((uintptr_t) raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
                if (madvise(region, size, MADV_HUGEPAGE) < 0)
                        die("madvise");
        } else if (strcmp(kind, "file") == 0) {
                int fd;

                if (!file) {
                        fprintf(stderr, "workload: --kind file needs --file\n");
                        return 2;
                }
                if (read_only) {
                        struct stat st;

                        fd = open(file, O_RDONLY | O_CLOEXEC);
                        if (fd < 0 || fstat(fd, &st) < 0)
                                die(file);
                        if ((unsigned long) st.st_size < size) {
                                fprintf(stderr, "workload: %s holds less than --size\n", file);
                                return 2;
                        }
                } else {
                        fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                        if (fd < 0)
                                die(file);
                        if (ftruncate(fd, (off_t) size) < 0)
                                die("ftruncate");
                }
                region = mmap(NULL, size, read_only ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (region == MAP_FAILED)
                        die("mmap");
                close(fd);
        } else {
                fprintf(stderr, "workload: unknown kind %s\n", kind);
                return 2;
        }

        for (unsigned long off = 0; off < size; off += page)
                if (read_only)
                        sink = region[off];
                else
                        region[off] = 1;

        snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
        f = fopen(tmp, "we");
        if (!f)
                die(tmp);
        fprintf(f, "%s %lu %lu\n", kind, size, hot);
        if (fclose(f) != 0 || rename(tmp, ready) < 0)
                die(ready);

        start_ms = next_round_ms = now_msec();
        next_wake_ms = start_ms + wake_period_ms;
        wake_at = hot;
        for (;;) {
                uint64_t now = now_msec();

                if (after_s > 0 && now - start_ms >= after_s * 1000) {
                        hot = then_hot;
                        after_s = 0;
                }
                if (now >= next_round_ms) {
                        touch(region, hot);
                        /* Without --wake a round sleeps a period after it ends; with it
                         * rounds keep to the wakes' schedule.  A late round is not made
                         * up: the hot part is hot either way. */
                        if (wake > 0) {
                                next_round_ms += period_ms;
                                if (next_round_ms < now)
                                        next_round_ms = now + period_ms;
                        } else
                                next_round_ms = now_msec() + period_ms;
                }
                /* Every wake due, so that SIZE comes back per wake period. */
                while (wake > 0 && now >= next_wake_ms) {
                        touch(region + wake_at, wake);
                        wake_at = wake_at + wake < size ? wake_at + wake : hot;
                        next_wake_ms += wake_period_ms;
                }
                sleep_until_msec(wake > 0 && next_wake_ms < next_round_ms ? next_wake_ms : next_round_ms);
        }
}
