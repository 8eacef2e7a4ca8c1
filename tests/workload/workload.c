/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * workload --kind anon|file|thp --size SIZE --hot SIZE --ready FILE
 *          [--file PATH] [--period MSEC] [--after SEC --then-hot SIZE]
 *
 * Holds a known working set for the accuracy tests: maps SIZE bytes
 * (anonymous, a shared mapping of PATH, or anonymous with MADV_HUGEPAGE
 * in 2 MiB-aligned huge pages), writes every page once, writes
 * "KIND SIZE HOT" to FILE, then every period writes the first HOT bytes
 * again, one store per page, and leaves the rest alone.  With --after,
 * the hot part becomes the first --then-hot bytes SEC seconds after that.
 *
 * Each round first flushes the TLB for the hot range with an mprotect
 * round trip: marking a page idle clears its accessed bits without a
 * flush, and a store through a translation still cached (QEMU's software
 * TLB keeps them long) would not set the bit again.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUGE_SIZE (2UL << 20)

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
                {}
        };
        const char *kind = "anon", *ready = NULL, *file = NULL;
        unsigned long size = 0, hot = 0, period_ms = 200, page = (unsigned long) sysconf(_SC_PAGESIZE);
        unsigned long after_s = 0, then_hot = 0;
        struct timespec start;
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
                default: return 2;
                }
        if (!ready || size == 0 || hot > size || then_hot > size || size % page || hot % page ||
            then_hot % page) {
                fprintf(stderr, "workload: need --size, --hot <= size (page multiples) and --ready\n");
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
                fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0)
                        die(file);
                if (ftruncate(fd, (off_t) size) < 0)
                        die("ftruncate");
                region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (region == MAP_FAILED)
                        die("mmap");
                close(fd);
        } else {
                fprintf(stderr, "workload: unknown kind %s\n", kind);
                return 2;
        }

        for (unsigned long off = 0; off < size; off += page)
                region[off] = 1;

        snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
        f = fopen(tmp, "we");
        if (!f)
                die(tmp);
        fprintf(f, "%s %lu %lu\n", kind, size, hot);
        if (fclose(f) != 0 || rename(tmp, ready) < 0)
                die(ready);

        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                struct timespec ts = { period_ms / 1000, (long) (period_ms % 1000) * 1000000L }, now;

                clock_gettime(CLOCK_MONOTONIC, &now);
                if (after_s > 0 && (unsigned long) (now.tv_sec - start.tv_sec) >= after_s) {
                        hot = then_hot;
                        after_s = 0;
                }

                if (hot > 0) {
                        if (mprotect(region, hot, PROT_READ) < 0 ||
                            mprotect(region, hot, PROT_READ | PROT_WRITE) < 0)
                                die("mprotect");
                        for (unsigned long off = 0; off < hot; off += page)
                                region[off]++;
                }
                nanosleep(&ts, NULL);
        }
}
