// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bitmap-abi [--bitmap PATH] [--max-pfn N]
 *
 * Checks the file ABI of an idle page bitmap against what the kernel's
 * mm/page_idle.c does (a sysfs binary attribute of size 0 on mm_kobj):
 * mode and owner, root only, alignment (-EINVAL), reads at and across
 * max_pfn (0 bytes, clipped to whole words), writes at and after max_pfn
 * (-ENXIO), the partial last word, requests larger than PAGE_SIZE, file
 * position and lseek, no mmap, non-LRU pages reading 0, and that bits
 * written with large requests far into the file read back.
 *
 * The path comes from --bitmap, else $PAGEIDLE_BITMAP, else
 * /sys/kernel/mm/page_idle/bitmap, so the same checks run against the
 * kernel's own file and against pageidle.ko.  Run as root.  Prints one
 * line per check and exits 1 if any failed.
 */
#include "pageidle-test.h"

#include <getopt.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int failures, checks;

#define CHECK(cond, ...)                                                  \
        do {                                                              \
                checks++;                                                 \
                if (cond) {                                               \
                        printf("ok - ");                                  \
                } else {                                                  \
                        failures++;                                       \
                        printf("FAIL - ");                                \
                }                                                         \
                printf(__VA_ARGS__);                                      \
                printf("\n");                                             \
        } while (0)

static const char *errstr(ssize_t r)
{
        static char buf[64];

        if (r >= 0)
                snprintf(buf, sizeof buf, "%zd", r);
        else
                snprintf(buf, sizeof buf, "-%s", strerrorname_np((int)-r) ?: "?");
        return buf;
}

static ssize_t xpread(int fd, void *buf, size_t count, off_t off)
{
        ssize_t r = pread(fd, buf, count, off);
        return r < 0 ? -errno : r;
}

static ssize_t xpwrite(int fd, const void *buf, size_t count, off_t off)
{
        ssize_t r = pwrite(fd, buf, count, off);
        return r < 0 ? -errno : r;
}

/* Opens the bitmap as user and group nobody in a child: must be EACCES. */
static void check_nonroot(const char *path)
{
        int flags[] = { O_RDONLY, O_WRONLY, O_RDWR };
        const char *names[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };

        for (int i = 0; i < 3; i++) {
                int pfd[2], err = 0;
                pid_t pid;

                if (pipe(pfd) < 0) {
                        perror("pipe");
                        exit(2);
                }
                pid = fork();
                if (pid == 0) {
                        int e, fd;

                        close(pfd[0]);
                        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                            setresuid(65534, 65534, 65534) < 0)
                                e = -1000 - errno;
                        else {
                                fd = open(path, flags[i]);
                                e = fd < 0 ? errno : 0;
                        }
                        if (write(pfd[1], &e, sizeof e) != sizeof e)
                                _exit(1);
                        _exit(0);
                }
                close(pfd[1]);
                if (read(pfd[0], &err, sizeof err) != sizeof err)
                        err = -1;
                close(pfd[0]);
                waitpid(pid, NULL, 0);
                CHECK(err == EACCES, "user nobody: open(%s) fails with EACCES (got %s)",
                      names[i], err > 0 ? strerrorname_np(err) : err == 0 ? "success" : "setup error");
        }
}

/* Marks freshly faulted pages idle with one large write over the whole
 * bitmap and reads them back with large reads: bits far from offset 0
 * must land on the right PFNs. */
static void check_large_io(int fd, uint64_t max_pfn)
{
        const size_t npages = 2048;
        size_t words = max_pfn / 64, bytes = words * 8, lru = 0, idle = 0;
        uint64_t *buf = calloc(words + 1, 8), *back = calloc(words + 1, 8);
        uint64_t *pfns = calloc(npages, 8);
        char *mem, *ballast;
        ssize_t n;

        mem = mmap(NULL, npages * PT_PAGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!buf || !back || !pfns || mem == MAP_FAILED) {
                perror("large io: alloc");
                exit(2);
        }
        (void)madvise(mem, npages * PT_PAGE_SIZE, MADV_NOHUGEPAGE);
        for (size_t i = 0; i < npages; i++)
                mem[i * PT_PAGE_SIZE] = 1;
        ballast = pt_ballast(256);
        if (pt_pagemap_pfns(mem, npages, pfns) < 0) {
                perror("pagemap");
                exit(2);
        }
        for (size_t i = 0; i < npages; i++) {
                if (!pfns[i] || pfns[i] >= words * 64)
                        continue;
                if (!pt_flag(pt_kpageflags(pfns[i]), KPF_LRU)) {
                        pfns[i] = 0;
                        continue;
                }
                lru++;
                buf[pfns[i] / 64] |= UINT64_C(1) << (pfns[i] % 64);
        }
        n = pt_pwrite_all(fd, buf, bytes, 0);
        CHECK(n == (ssize_t)bytes, "marking with writes of %zu bytes from offset 0 writes "
              "all %zu bytes of whole words (got %s)", bytes, bytes, errstr(n));
        n = pt_pread_all(fd, back, bytes, 0);
        CHECK(n == (ssize_t)bytes, "reading with reads of %zu bytes from offset 0 reads "
              "all %zu bytes (got %s)", bytes, bytes, errstr(n));
        for (size_t i = 0; i < npages; i++)
                if (pfns[i] && ((back[pfns[i] / 64] >> (pfns[i] % 64)) & 1))
                        idle++;
        CHECK(lru > npages / 2 && idle == lru,
              "%zu untouched LRU pages marked by large writes read idle by large reads: %zu",
              lru, idle);
        munmap(mem, npages * PT_PAGE_SIZE);
        if (ballast)
                munmap(ballast, 256 * PT_PAGE_SIZE);
        free(buf);
        free(back);
        free(pfns);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "bitmap", required_argument, NULL, 'b' },
                { "max-pfn", required_argument, NULL, 'm' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *path = NULL;
        uint64_t max_pfn = 0, zero[8192] = { 0 }, word, ones = ~UINT64_C(0);
        off_t full_end, word_end, pos;
        struct stat st;
        ssize_t r;
        int c, fd;
        char *buf;

        while ((c = getopt_long(argc, argv, "b:m:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'b': path = optarg; break;
                case 'm': max_pfn = strtoull(optarg, NULL, 0); break;
                default:
                        fprintf(stderr, "usage: %s [--bitmap PATH] [--max-pfn N]\n", argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        path = pt_bitmap_path(path);
        if (!max_pfn)
                max_pfn = pt_max_pfn();
        if (!max_pfn) {
                fprintf(stderr, "cannot tell max_pfn from /proc/iomem or /proc/zoneinfo\n");
                return 2;
        }
        (void)pt_pin_cpu(0);
        full_end = (off_t)(max_pfn / 64) * 8;     /* end of the last whole word */
        word_end = (off_t)((max_pfn + 63) / 64) * 8; /* first word wholly past max_pfn */
        printf("# bitmap %s, max_pfn 0x%" PRIx64 " (%" PRIu64 " PFNs in a partial last word)\n",
               path, max_pfn, max_pfn % 64);

        /* Mode, owner, size. */
        if (stat(path, &st) < 0) {
                printf("FAIL - stat %s: %m\n", path);
                return 1;
        }
        CHECK(S_ISREG(st.st_mode), "regular file");
        CHECK((st.st_mode & 07777) == 0600, "mode 0600 (got %04o)", st.st_mode & 07777);
        CHECK(st.st_uid == 0 && st.st_gid == 0, "owned by root:root (got %u:%u)",
              st.st_uid, st.st_gid);
        CHECK(st.st_size == 0, "size 0 like the kernel's binary attribute (got %lld)",
              (long long)st.st_size);

        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                printf("FAIL - open %s O_RDWR as root: %m\n", path);
                return 1;
        }
        check_nonroot(path);

        /* Alignment. */
        for (int off = 1; off < 8; off++) {
                r = xpread(fd, &word, 8, off);
                CHECK(r == -EINVAL, "pread of 8 bytes at offset %d: EINVAL (got %s)", off, errstr(r));
                r = xpwrite(fd, zero, 8, off);
                CHECK(r == -EINVAL, "pwrite of 8 bytes at offset %d: EINVAL (got %s)", off, errstr(r));
        }
        for (size_t cnt = 1; cnt < 24; cnt++) {
                if (cnt % 8 == 0)
                        continue;
                r = xpread(fd, zero, cnt, 64);
                CHECK(r == -EINVAL, "pread of %zu bytes at offset 64: EINVAL (got %s)", cnt, errstr(r));
                r = xpwrite(fd, zero, cnt, 64);
                CHECK(r == -EINVAL, "pwrite of %zu bytes at offset 64: EINVAL (got %s)", cnt, errstr(r));
        }
        r = xpread(fd, &word, 8, full_end - 4);
        CHECK(r == -EINVAL, "unaligned pread just before the end: EINVAL (got %s)", errstr(r));
        r = xpwrite(fd, zero, 8, word_end + 4);
        CHECK(r == -EINVAL, "unaligned pwrite past the end: EINVAL, not ENXIO (got %s)", errstr(r));
        memset(zero, 0, sizeof zero);

        /* Aligned small requests. */
        r = xpread(fd, &word, 8, 0);
        CHECK(r == 8, "pread of one word at offset 0 (got %s)", errstr(r));
        r = xpread(fd, zero, 64, 8 * 1000);
        CHECK(r == 64, "pread of 8 words at offset 8000 (got %s)", errstr(r));
        memset(zero, 0, sizeof zero);
        r = xpwrite(fd, zero, 64, 8 * 1000);
        CHECK(r == 64, "pwrite of 8 zero words at offset 8000 (got %s)", errstr(r));
        r = xpread(fd, &word, 0, 0);
        CHECK(r == 0, "pread of 0 bytes (got %s)", errstr(r));
        r = xpwrite(fd, zero, 0, 0);
        CHECK(r == 0, "pwrite of 0 bytes (got %s)", errstr(r));

        /* Only LRU pages count: PFNs 0-63 are firmware and kernel pages. */
        r = xpwrite(fd, &ones, 8, 0);
        CHECK(r == 8, "pwrite of all ones to PFNs 0-63 (got %s)", errstr(r));
        word = ~UINT64_C(0);
        r = xpread(fd, &word, 8, 0);
        CHECK(r == 8 && word == 0, "PFNs 0-63 (not LRU pages) read 0 after being marked "
              "(got %s, 0x%016" PRIx64 ")", errstr(r), word);

        /* max_pfn. */
        r = xpread(fd, &word, 8, word_end);
        CHECK(r == 0, "pread at the first word past max_pfn returns 0 (got %s)", errstr(r));
        r = xpread(fd, zero, sizeof zero, word_end);
        CHECK(r == 0, "large pread past max_pfn returns 0 (got %s)", errstr(r));
        r = xpread(fd, &word, 8, word_end + 8 * 4096);
        CHECK(r == 0, "pread far past max_pfn returns 0 (got %s)", errstr(r));
        r = xpread(fd, &word, 8, (off_t)1 << 40);
        CHECK(r == 0, "pread at offset 2^40 returns 0 (got %s)", errstr(r));
        memset(zero, 0, sizeof zero);
        r = xpwrite(fd, zero, 8, word_end);
        CHECK(r == -ENXIO, "pwrite at the first word past max_pfn: ENXIO (got %s)", errstr(r));
        r = xpwrite(fd, zero, sizeof zero, word_end);
        CHECK(r == -ENXIO, "large pwrite past max_pfn: ENXIO (got %s)", errstr(r));
        r = xpwrite(fd, zero, 8, word_end + 8 * 4096);
        CHECK(r == -ENXIO, "pwrite far past max_pfn: ENXIO (got %s)", errstr(r));
        r = xpwrite(fd, zero, 8, (off_t)1 << 40);
        CHECK(r == -ENXIO, "pwrite at offset 2^40: ENXIO (got %s)", errstr(r));

        /* Crossing max_pfn: clipped to whole words, as mm/page_idle.c does
         * (it only counts a word once its 64th bit is done). */
        r = xpread(fd, zero, 64, full_end - 32);
        CHECK(r == 32, "pread of 8 words from 4 words before the last whole one is "
              "clipped to 32 bytes (got %s)", errstr(r));
        memset(zero, 0, sizeof zero);
        r = xpwrite(fd, zero, 64, full_end - 16);
        CHECK(r == 16, "pwrite of 8 zero words from 2 words before the last whole one "
              "is clipped to 16 bytes (got %s)", errstr(r));
        if (max_pfn % 64) {
                r = xpread(fd, &word, 8, full_end);
                CHECK(r == 0, "pread of the partial last word (PFNs 0x%" PRIx64 "-0x%" PRIx64
                      ") returns 0 bytes like the kernel's (got %s)",
                      max_pfn / 64 * 64, max_pfn - 1, errstr(r));
                r = xpwrite(fd, zero, 8, full_end);
                CHECK(r == 0, "pwrite of the partial last word returns 0 bytes, "
                      "not ENXIO, like the kernel's (got %s)", errstr(r));
        } else {
                printf("# max_pfn is a multiple of 64: no partial last word to check\n");
        }

        /* Requests larger than PAGE_SIZE: kernfs hands out at most a page
         * per call; every answer is whole words. */
        r = xpread(fd, zero, sizeof zero, 0);
        CHECK(r > 0 && r <= (ssize_t)sizeof zero && r % 8 == 0,
              "pread of %zu bytes at 0 returns whole words (got %s)", sizeof zero, errstr(r));
        memset(zero, 0, sizeof zero);
        r = xpwrite(fd, zero, sizeof zero, 0);
        CHECK(r > 0 && r <= (ssize_t)sizeof zero && r % 8 == 0,
              "pwrite of %zu zero bytes at 0 writes whole words (got %s)", sizeof zero, errstr(r));
        r = pt_pread_all(fd, (buf = malloc(full_end + 65536)), full_end + 65536, 0);
        CHECK(r == full_end, "reading the whole file in large reads gives %lld bytes (got %s)",
              (long long)full_end, errstr(r));
        memset(buf, 0, full_end + 65536);
        r = pt_pwrite_all(fd, buf, word_end, 0);
        CHECK(r == full_end, "writing zeros over the whole file in large writes stops "
              "after %lld bytes (got %s)", (long long)full_end, errstr(r));
        r = xpread(fd, buf, 65536, 4096 + 8);
        CHECK(r > 0 && r % 8 == 0, "large pread from an offset that is not page aligned "
              "(got %s)", errstr(r));
        free(buf);

        /* File position. */
        pos = lseek(fd, 0, SEEK_END);
        CHECK(pos == st.st_size, "SEEK_END goes to the size (got %lld)", (long long)pos);
        pos = lseek(fd, 8 * 100, SEEK_SET);
        r = read(fd, &word, 8);
        CHECK(pos == 800 && r == 8, "read after lseek(800) (got %s)", errstr(r < 0 ? -errno : r));
        pos = lseek(fd, 0, SEEK_CUR);
        CHECK(pos == 808, "read advances the position by 8 (at %lld)", (long long)pos);
        r = write(fd, zero, 16);
        pos = lseek(fd, 0, SEEK_CUR);
        CHECK(r == 16 && pos == 824, "write at the position advances it by 16 (got %s, at %lld)",
              errstr(r < 0 ? -errno : r), (long long)pos);
        lseek(fd, 3, SEEK_SET);
        r = read(fd, &word, 8);
        CHECK(r < 0 && errno == EINVAL, "read at unaligned position 3: EINVAL (got %s)",
              errstr(r < 0 ? -errno : r));
        lseek(fd, word_end, SEEK_SET);
        r = read(fd, &word, 8);
        CHECK(r == 0, "read at position past max_pfn returns 0 (got %s)", errstr(r < 0 ? -errno : r));
        lseek(fd, 0, SEEK_SET);
        {
                size_t total = 0;
                char chunk[12288];

                while ((r = read(fd, chunk, sizeof chunk)) > 0)
                        total += (size_t)r;
                CHECK(r == 0 && (off_t)total == full_end && lseek(fd, 0, SEEK_CUR) == full_end,
                      "read(2) loop from position 0 reads %lld bytes and stops there "
                      "(got %zu, last %s)", (long long)full_end, total, errstr(r < 0 ? -errno : r));
        }

        /* No mmap. */
        {
                void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
                CHECK(m == MAP_FAILED, "mmap is refused (%s)", m == MAP_FAILED ? strerrorname_np(errno) : "mapped");
                if (m != MAP_FAILED)
                        munmap(m, 4096);
        }

        check_large_io(fd, max_pfn);
        close(fd);

        printf("%d checks, %d failed\n", checks, failures);
        return failures ? 1 : 0;
}
