// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bitmap-probe: single requests to an idle page bitmap, for shell tests.
 *
 *   bitmap-probe read BITMAP WORD [N]
 *       one pread of N words (default 1) at word WORD; prints what it
 *       returned (a byte count or -ERRNO) and the words read, in hex
 *   bitmap-probe write BITMAP WORD VALUE [N]
 *       one pwrite of N copies of VALUE at word WORD; prints what it
 *       returned
 *   bitmap-probe idle BITMAP LO HI
 *       faults anonymous pages until some lie at PFNs in [LO, HI), then
 *       for up to 8 of them: marks the page idle (a write of its bit
 *       alone), checks that it reads back idle, touches it and checks
 *       that it reads back not idle; one line per check, exit 1 if any
 *       failed, 77 if no page landed in the range
 *
 * Numbers may be decimal or 0x-prefixed hex.  Run as root (pagemap PFNs).
 * read and write exit 0 whatever the kernel answered: the caller compares
 * the output.
 */
#include "pageidle-test.h"

#define PROBE_CHUNK_PAGES 4096          /* 16 MiB per mapping */
#define PROBE_MAX_CHUNKS 32             /* at most 512 MiB */
#define PROBE_PAGES 8

static uint64_t num(const char *s)
{
        char *end;
        uint64_t v;

        errno = 0;
        v = strtoull(s, &end, 0);
        if (errno || !*s || *end) {
                fprintf(stderr, "bitmap-probe: bad number '%s'\n", s);
                exit(2);
        }
        return v;
}

static void print_ret(ssize_t r)
{
        if (r < 0)
                printf("-%s", strerrorname_np((int)-r) ?: "?");
        else
                printf("%zd", r);
}

static int open_bitmap(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0) {
                fprintf(stderr, "bitmap-probe: cannot open %s: %s\n", path, strerror(errno));
                exit(2);
        }
        return fd;
}

static int probe_read(const char *path, uint64_t word, uint64_t n)
{
        uint64_t *buf = calloc(n, 8);
        int fd = open_bitmap(path, O_RDONLY);
        ssize_t r;

        if (!buf)
                return 2;
        r = pread(fd, buf, n * 8, (off_t)(word * 8));
        print_ret(r < 0 ? -errno : r);
        for (ssize_t i = 0; r > 0 && i < r / 8; i++)
                printf(" 0x%016" PRIx64, buf[i]);
        printf("\n");
        close(fd);
        free(buf);
        return 0;
}

static int probe_write(const char *path, uint64_t word, uint64_t value, uint64_t n)
{
        uint64_t *buf = calloc(n, 8);
        int fd = open_bitmap(path, O_WRONLY);
        ssize_t r;

        if (!buf)
                return 2;
        for (uint64_t i = 0; i < n; i++)
                buf[i] = value;
        r = pwrite(fd, buf, n * 8, (off_t)(word * 8));
        print_ret(r < 0 ? -errno : r);
        printf("\n");
        close(fd);
        free(buf);
        return 0;
}

/* The bit of @pfn as read now: 0 or 1, or -1 after printing why not. */
static int read_bit(int fd, uint64_t pfn)
{
        uint64_t w = 0;
        ssize_t r = pread(fd, &w, 8, (off_t)(pfn / 64 * 8));

        if (r != 8) {
                printf("FAIL - read of the word of PFN 0x%" PRIx64 " returned ", pfn);
                print_ret(r < 0 ? -errno : r);
                printf("\n");
                return -1;
        }
        return (w >> (pfn % 64)) & 1;
}

static int probe_idle(const char *path, uint64_t lo, uint64_t hi)
{
        char *chunks[PROBE_MAX_CHUNKS];
        uint64_t pfns[PROBE_CHUNK_PAGES];
        char *pages[PROBE_PAGES];
        uint64_t found[PROBE_PAGES];
        size_t nfound = 0, nchunks = 0;
        int fd, failures = 0;

        /* Fault memory until enough pages land in the range: the
         * allocator prefers the highest zone, which is where memory
         * onlined above the boot memory goes. */
        while (nfound < PROBE_PAGES && nchunks < PROBE_MAX_CHUNKS) {
                char *p = pt_ballast(PROBE_CHUNK_PAGES);

                if (!p) {
                        perror("mmap");
                        break;
                }
                chunks[nchunks++] = p;
                if (pt_pagemap_pfns(p, PROBE_CHUNK_PAGES, pfns) < 0) {
                        perror("pagemap");
                        return 2;
                }
                for (size_t i = 0; i < PROBE_CHUNK_PAGES && nfound < PROBE_PAGES; i++) {
                        /* One page per bitmap word. */
                        if (pfns[i] < lo || pfns[i] >= hi ||
                            (nfound && pfns[i] / 64 == found[nfound - 1] / 64))
                                continue;
                        pages[nfound] = p + i * PT_PAGE_SIZE;
                        found[nfound++] = pfns[i];
                }
        }
        if (!nfound) {
                printf("no page faulted in %zu MiB landed at PFNs 0x%" PRIx64 "-0x%" PRIx64 "\n",
                       nchunks * PROBE_CHUNK_PAGES * PT_PAGE_SIZE >> 20, lo, hi - 1);
                return 77;
        }
        /* Push the last pages out of the LRU-add batch. */
        (void)pt_ballast(256);

        fd = open_bitmap(path, O_RDWR);
        for (size_t k = 0; k < nfound; k++) {
                uint64_t pfn = found[k], bit = UINT64_C(1) << (pfn % 64);
                uint64_t flags = pt_kpageflags(pfn);
                ssize_t r;
                int b;

                if (!pt_flag(flags, KPF_LRU)) {
                        printf("FAIL - PFN 0x%" PRIx64 " is not on the LRU (kpageflags 0x%" PRIx64 ")\n",
                               pfn, flags);
                        failures++;
                        continue;
                }
                r = pwrite(fd, &bit, 8, (off_t)(pfn / 64 * 8));
                if (r != 8) {
                        printf("FAIL - marking PFN 0x%" PRIx64 " idle returned ", pfn);
                        print_ret(r < 0 ? -errno : r);
                        printf("\n");
                        failures++;
                        continue;
                }
                b = read_bit(fd, pfn);
                if (b < 0 || !b)
                        failures++;
                if (b >= 0)
                        printf("%s - PFN 0x%" PRIx64 " reads %s after marking\n",
                               b ? "ok" : "FAIL", pfn, b ? "idle" : "not idle");
                if (pt_flush_tlb(pages[k], PT_PAGE_SIZE, PROT_READ | PROT_WRITE) < 0) {
                        perror("mprotect");
                        return 2;
                }
                *(volatile char *)pages[k] += 1;
                b = read_bit(fd, pfn);
                if (b < 0 || b)
                        failures++;
                if (b >= 0)
                        printf("%s - PFN 0x%" PRIx64 " reads %s after a touch\n",
                               !b ? "ok" : "FAIL", pfn, b ? "idle" : "not idle");
        }
        close(fd);
        for (size_t i = 0; i < nchunks; i++)
                munmap(chunks[i], PROBE_CHUNK_PAGES * PT_PAGE_SIZE);
        return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
        const char *usage =
                "usage: bitmap-probe read BITMAP WORD [N]\n"
                "       bitmap-probe write BITMAP WORD VALUE [N]\n"
                "       bitmap-probe idle BITMAP LO_PFN HI_PFN\n";

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "read"))
                return probe_read(argv[2], num(argv[3]), argc == 5 ? num(argv[4]) : 1);
        if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "write"))
                return probe_write(argv[2], num(argv[3]), num(argv[4]),
                                   argc == 6 ? num(argv[5]) : 1);
        if (argc == 5 && !strcmp(argv[1], "idle"))
                return probe_idle(argv[2], num(argv[3]), num(argv[4]));
        fputs(usage, stderr);
        return 2;
}
