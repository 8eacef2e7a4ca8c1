/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System RAM ranges from /proc/iomem and /proc/zoneinfo text. */
#include <fcntl.h>

#include "ram.h"
#include "test-util.h"
#include "util.h"

static char *fixture(const char *name) {
        char path[8192], *text = NULL;

        snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
        CHECK(read_full_fileat(AT_FDCWD, path, &text, NULL) == 0);
        return text;
}

int main(void) {
        _cleanup_free_ char *iomem = fixture("iomem-qemu.txt"), *hidden = fixture("iomem-hidden.txt"),
                            *zoneinfo = fixture("zoneinfo-qemu.txt");
        RamRange *r = NULL;
        uint64_t max_pfn = 0;
        size_t n = 0;

        /* Top-level "System RAM" only, widened to whole bitmap words and merged. */
        CHECK(ram_ranges_from_iomem(iomem, 4096, &r, &n, &max_pfn) == 0);
        CHECK_EQ_U64(max_pfn, 0x140000);
        CHECK_EQ_U64(n, 3);
        CHECK_EQ_U64(r[0].start_pfn, 0);
        CHECK_EQ_U64(r[0].end_pfn, 192);               /* 0x9f rounded up */
        CHECK_EQ_U64(r[1].start_pfn, 0x100);
        CHECK_EQ_U64(r[1].end_pfn, 0x80000);           /* 0x7ffe0 rounded up */
        CHECK_EQ_U64(r[2].start_pfn, 0x100000);
        CHECK_EQ_U64(r[2].end_pfn, 0x140000);
        CHECK_EQ_U64(ram_ranges_pages(r, n), 192 + 0x80000 - 0x100 + 0x40000);
        free(r);

        /* Addresses hidden from an unprivileged reader. */
        CHECK(ram_ranges_from_iomem(hidden, 4096, &r, &n, NULL) == -EPERM);
        CHECK(ram_ranges_from_iomem("00000000-00000fff : Reserved\n", 4096, &r, &n, NULL) == -ENOENT);
        /* max_pfn is not where the widened range ends. */
        CHECK(ram_ranges_from_iomem("00000000-7ffdffff : System RAM\n", 4096, &r, &n, &max_pfn) == 0);
        CHECK_EQ_U64(max_pfn, 0x7ffe0);
        CHECK_EQ_U64(r[0].end_pfn, 0x80000);
        free(r);

        /* Zones: empty ones skipped, adjacent ones merged. */
        CHECK(ram_ranges_from_zoneinfo(zoneinfo, &r, &n, &max_pfn) == 0);
        CHECK_EQ_U64(max_pfn, 4096 + 520160);
        CHECK_EQ_U64(n, 1);
        CHECK_EQ_U64(r[0].start_pfn, 0);
        CHECK_EQ_U64(r[0].end_pfn, (4096 + 520160 + 63) / 64 * 64);
        free(r);
        return 0;
}
