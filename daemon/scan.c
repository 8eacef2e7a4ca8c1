/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/kernel-page-flags.h>
#include <string.h>
#include <sys/ioctl.h>

#include "sample.h"
#include "scan.h"
#include "util.h"

#define SCAN_BATCH_PFNS_DEFAULT (64 * 1024)     /* 512 KiB per kpage file read */
#define SCAN_READ_GAP_WORDS 4                   /* unmarked words a bitmap read may span */
#define SCAN_WRITE_GAP_WORDS 32                 /* zero words cost a write almost nothing */
#define SCAN_DEVICE_FOLIOS 4096                 /* 64 KiB of folios per device call */
#define SCAN_CGROUP_GAP_PFNS 64                 /* entries not needed that a kpagecgroup read may span */

static const char * const scan_file_table[_SCAN_FILE_MAX] = {
        [SCAN_FILE_KPAGEFLAGS] = "/proc/kpageflags",
        [SCAN_FILE_KPAGECGROUP] = "/proc/kpagecgroup",
        [SCAN_FILE_BITMAP] = "/sys/kernel/mm/page_idle/bitmap",
        [SCAN_FILE_DEVICE] = "/dev/" PAGEIDLE_DEV_NAME,
};

const char *scan_file_to_string(ScanFile f) {
        return f < _SCAN_FILE_MAX ? scan_file_table[f] : NULL;
}

Scanner *scanner_free(Scanner *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < _SCAN_FILE_MAX; i++)
                safe_close(s->fds[i]);
        for (size_t i = 0; i < s->n_ranges; i++) {
                free(s->ranges[i].marks);
                free(s->ranges[i].ages);
        }
        free(s->ranges);
        free(s->flags_buf);
        free(s->cgroup_buf);
        free(s->idle_buf);
        free(s->inodes);
        free(s->folio_buf);
        free(s);
        return NULL;
}

int scanner_new(int kpageflags_fd, int kpagecgroup_fd, int bitmap_fd,
                const RamRange *ranges, size_t n_ranges, size_t batch_pfns, Scanner **ret) {
        _cleanup_(scanner_freep) Scanner *s = NULL;

        s = calloc(1, sizeof(*s));
        if (!s) {
                safe_close(kpageflags_fd);
                safe_close(kpagecgroup_fd);
                safe_close(bitmap_fd);
                return -ENOMEM;
        }
        s->fds[SCAN_FILE_KPAGEFLAGS] = kpageflags_fd;
        s->fds[SCAN_FILE_KPAGECGROUP] = kpagecgroup_fd;
        s->fds[SCAN_FILE_BITMAP] = bitmap_fd;
        s->fds[SCAN_FILE_DEVICE] = -EBADF;
        s->batch_pfns = batch_pfns ? (batch_pfns + 63) & ~(size_t) 63 : SCAN_BATCH_PFNS_DEFAULT;
        s->bitmap_words = UINT64_MAX;

        s->ranges = calloc(n_ranges, sizeof(ScanRange));
        if (!s->ranges)
                return -ENOMEM;
        for (size_t i = 0; i < n_ranges; i++) {
                ScanRange *r = &s->ranges[i];
                uint64_t n = ranges[i].end_pfn - ranges[i].start_pfn;

                if (ranges[i].start_pfn % 64 != 0 || n % 64 != 0)
                        return -EINVAL;
                r->start_pfn = ranges[i].start_pfn;
                r->end_pfn = ranges[i].end_pfn;
                r->marks = calloc(n / 64, sizeof(uint64_t));
                r->ages = calloc(n, 1);
                s->n_ranges = i + 1;
                if (!r->marks || !r->ages)
                        return -ENOMEM;
        }
        s->flags_buf = malloc(s->batch_pfns * sizeof(uint64_t));
        s->cgroup_buf = malloc(s->batch_pfns * sizeof(uint64_t));
        s->idle_buf = malloc(s->batch_pfns / 64 * sizeof(uint64_t));
        /* A call that fills it ends early and the step goes on from there. */
        s->folio_buf_n = SCAN_DEVICE_FOLIOS;
        s->folio_buf = malloc(s->folio_buf_n * sizeof(struct pageidle_folio));
        if (!s->flags_buf || !s->cgroup_buf || !s->idle_buf || !s->folio_buf)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

void scanner_forget(Scanner *s) {
        for (size_t i = 0; i < s->n_ranges; i++) {
                ScanRange *r = &s->ranges[i];
                uint64_t n = r->end_pfn - r->start_pfn;

                memset(r->marks, 0, n / 64 * sizeof(uint64_t));
                memset(r->ages, 0, n);
        }
}

void scanner_set_bitmap_fd(Scanner *s, int fd) {
        safe_close(s->fds[SCAN_FILE_BITMAP]);
        s->fds[SCAN_FILE_BITMAP] = fd;
        scanner_forget(s);
}

void scanner_set_sampling(Scanner *s, uint64_t seed, unsigned shift) {
        if (seed != s->sample_seed) {
                scanner_forget(s);
                s->sample_seed = seed;
        }
        for (size_t i = 0; i < s->n_ranges && shift > s->sample_shift; i++) {
                ScanRange *r = &s->ranges[i];

                for (uint64_t pfn = r->start_pfn; pfn < r->end_pfn;) {
                        uint64_t block = pfn / SAMPLE_BLOCK_PFNS;
                        uint64_t end = MIN((block + 1) * SAMPLE_BLOCK_PFNS, r->end_pfn);

                        if (!sample_block_sampled(seed, shift, block)) {
                                memset(r->marks + (pfn - r->start_pfn) / 64, 0, (end - pfn) / 64 * sizeof(uint64_t));
                                memset(r->ages + (pfn - r->start_pfn), 0, end - pfn);
                        }
                        pfn = end;
                }
        }
        s->sample_shift = shift;
}

void scanner_set_device_fd(Scanner *s, int fd) {
        safe_close(s->fds[SCAN_FILE_DEVICE]);
        s->fds[SCAN_FILE_DEVICE] = fd;
}

/* The inodes a device call names: every node's, so that a folio's index
 * is its node's. */
static int scanner_name_nodes(Scanner *s, const CgroupSet *set) {
        if (set->n_nodes > PAGEIDLE_SCAN_MAX_CGROUPS)
                return -E2BIG;
        if (set->n_nodes > s->n_inodes_allocated) {
                uint64_t *l = realloc(s->inodes, set->n_nodes * sizeof(uint64_t));

                if (!l)
                        return -ENOMEM;
                s->inodes = l;
                s->n_inodes_allocated = set->n_nodes;
        }
        for (size_t i = 0; i < set->n_nodes; i++)
                s->inodes[i] = set->nodes[i].inode;
        s->n_inodes = set->n_nodes;
        return 0;
}

int scanner_begin_pass(Scanner *s, CgroupSet *set, unsigned window_intervals) {
        int r = 0;

        attrib_begin(&s->attrib, set, window_intervals);
        attrib_set_clusters(&s->attrib, s->sample_shift > 0);
        s->in_pass = true;
        s->range_index = 0;
        s->next_pfn = s->n_ranges > 0 ? s->ranges[0].start_pfn : 0;
        s->kpagecgroup_read_bytes = s->bitmap_read_bytes = s->bitmap_write_bytes = 0;
        s->device_calls = s->kpageflags_read_bytes = s->sampled_pfns = 0;
        s->via_device = false;
        if (s->fds[SCAN_FILE_DEVICE] >= 0 && set->n_nodes > 0) {
                r = scanner_name_nodes(s, set);
                s->via_device = r >= 0;
        }
        return r;
}

uint64_t scanner_total_pfns(const Scanner *s) {
        uint64_t n = 0;

        for (size_t i = 0; i < s->n_ranges; i++)
                n += s->ranges[i].end_pfn - s->ranges[i].start_pfn;
        return n;
}

size_t scanner_memory_bytes(const Scanner *s) {
        uint64_t pfns = scanner_total_pfns(s);

        return pfns + pfns / 8 + s->batch_pfns * 16 + s->batch_pfns / 8 +
               s->folio_buf_n * sizeof(struct pageidle_folio);
}

/* Reads a kpage file's entries for [pfn, pfn+n); past the end of memory
 * the kernel returns nothing, which reads as "no page". */
static int read_entries(Scanner *s, ScanFile f, uint64_t *buf, uint64_t pfn, size_t n) {
        ssize_t k = pread_full(s->fds[f], buf, n * sizeof(uint64_t), pfn * sizeof(uint64_t));

        if (k < 0) {
                s->failed_file = f;
                return (int) k;
        }
        if (f == SCAN_FILE_KPAGECGROUP)
                s->kpagecgroup_read_bytes += k;
        else if (f == SCAN_FILE_KPAGEFLAGS)
                s->kpageflags_read_bytes += k;
        memset((uint8_t *) buf + k, 0, n * sizeof(uint64_t) - k);
        return 0;
}

/* Attribution looks up the memcg of LRU pages other than compound tails. */
static bool needs_cgroup(uint64_t flags) {
        const uint64_t mask = (UINT64_C(1) << KPF_LRU) | (UINT64_C(1) << KPF_NOPAGE) |
                              (UINT64_C(1) << KPF_COMPOUND_TAIL);

        return (flags & mask) == (UINT64_C(1) << KPF_LRU);
}

/* Reads kpagecgroup only around the pages that need it: on a machine with
 * much free memory, that halves the cost of a pass. The other entries of
 * the buffer are left as they are; nothing reads them. */
static int read_cgroups(Scanner *s, uint64_t pfn, size_t n) {
        size_t i = 0;
        int r;

        while (i < n) {
                size_t start, end;

                while (i < n && !needs_cgroup(s->flags_buf[i]))
                        i++;
                if (i >= n)
                        break;
                start = i;
                end = i + 1;
                for (size_t j = end; j < n && j - end <= SCAN_CGROUP_GAP_PFNS; j++)
                        if (needs_cgroup(s->flags_buf[j]))
                                end = j + 1;
                r = read_entries(s, SCAN_FILE_KPAGECGROUP, s->cgroup_buf + start, pfn + start, end - start);
                if (r < 0)
                        return r;
                i = end;
        }
        return 0;
}

/* The next run of words from *pos holding a set bit, allowing up to gap
 * zero words inside it.  Returns false when there is none. */
static bool next_run(const uint64_t *words, size_t n, size_t *pos, size_t gap, size_t *ret_start, size_t *ret_end) {
        size_t i = *pos, end;

        while (i < n && words[i] == 0)
                i++;
        if (i >= n)
                return false;
        *ret_start = i;
        end = i + 1;
        for (size_t j = end; j < n && j - end <= gap; j++)
                if (words[j] != 0)
                        end = j + 1;
        *ret_end = end;
        *pos = end;
        return true;
}

void scanner_set_max_pfn(Scanner *s, uint64_t max_pfn) {
        s->bitmap_words = max_pfn / 64;
}

/* How many of the n_words from first_word the bitmap answers for. */
static size_t bitmap_words_at(const Scanner *s, uint64_t first_word, size_t n_words) {
        if (first_word >= s->bitmap_words)
                return 0;
        return (size_t) MIN((uint64_t) n_words, s->bitmap_words - first_word);
}

static int bitmap_read(Scanner *s, const uint64_t *marks, size_t n_words, uint64_t first_word) {
        size_t pos = 0, start, end;

        memset(s->idle_buf, 0, n_words * sizeof(uint64_t));
        n_words = bitmap_words_at(s, first_word, n_words);
        if (s->fds[SCAN_FILE_BITMAP] < 0)
                return 0;
        while (next_run(marks, n_words, &pos, SCAN_READ_GAP_WORDS, &start, &end)) {
                ssize_t k = pread_full(s->fds[SCAN_FILE_BITMAP], s->idle_buf + start,
                                       (end - start) * sizeof(uint64_t),
                                       (first_word + start) * sizeof(uint64_t));
                if (k < 0) {
                        s->failed_file = SCAN_FILE_BITMAP;
                        return (int) k;
                }
                s->bitmap_read_bytes += k;
        }
        return 0;
}

static int bitmap_write(Scanner *s, const uint64_t *marks, size_t n_words, uint64_t first_word) {
        size_t pos = 0, start, end;

        n_words = bitmap_words_at(s, first_word, n_words);
        if (s->fds[SCAN_FILE_BITMAP] < 0)
                return 0;
        while (next_run(marks, n_words, &pos, SCAN_WRITE_GAP_WORDS, &start, &end)) {
                ssize_t k = pwrite_full(s->fds[SCAN_FILE_BITMAP], marks + start,
                                        (end - start) * sizeof(uint64_t),
                                        (first_word + start) * sizeof(uint64_t));
                if (k == -ENXIO)
                        break;  /* past max_pfn: nothing there to mark */
                if (k < 0) {
                        s->failed_file = SCAN_FILE_BITMAP;
                        return (int) k;
                }
                s->bitmap_write_bytes += k;
                /* Short only at the end of the bitmap, where the kernel
                 * takes a last word that max_pfn cuts short without
                 * counting it: should max_pfn be more than the RAM
                 * ranges said. */
                if ((size_t) k < (end - start) * sizeof(uint64_t))
                        break;
        }
        return 0;
}

/* The module path's batch: one device call for [pfn, end) of range; *ret_next is
 * where it got to. */
static int device_batch(Scanner *s, ScanRange *range, uint64_t pfn, uint64_t end, uint64_t *ret_next) {
        struct pageidle_scan call = {
                .version = PAGEIDLE_SCAN_VERSION,
                .start_pfn = pfn,
                .end_pfn = end,
                .cgroups = (uintptr_t) s->inodes,
                .n_cgroups = (uint32_t) s->n_inodes,
                .folios = (uintptr_t) s->folio_buf,
                .max_folios = (uint32_t) s->folio_buf_n,
        };

        while (ioctl(s->fds[SCAN_FILE_DEVICE], PAGEIDLE_IOC_SCAN, &call) < 0)
                if (errno != EINTR) {
                        s->failed_file = SCAN_FILE_DEVICE;
                        return -errno;
                }
        s->device_calls++;
        if (call.next_pfn <= pfn || call.next_pfn > end || call.n_folios > s->folio_buf_n) {
                s->failed_file = SCAN_FILE_DEVICE;
                return -EPROTO;
        }
        attrib_folios(&s->attrib, range->start_pfn, range->end_pfn - range->start_pfn, pfn, call.next_pfn,
                      s->folio_buf, call.n_folios, range->marks, range->ages);
        s->attrib.lru_pages += call.lru_folios;
        *ret_next = call.next_pfn;
        return 0;
}

/* The kpageflags path's batch of n PFNs from pfn in range. */
static int kpageflags_batch(Scanner *s, ScanRange *range, uint64_t pfn, size_t n, uint64_t *ret_next) {
        uint64_t off = pfn - range->start_pfn;
        uint64_t *marks = range->marks + off / 64;
        int r;

        if (pfn == range->start_pfn)
                attrib_gap(&s->attrib);
        r = read_entries(s, SCAN_FILE_KPAGEFLAGS, s->flags_buf, pfn, n);
        if (r < 0)
                return r;
        r = read_cgroups(s, pfn, n);
        if (r < 0)
                return r;
        r = bitmap_read(s, marks, n / 64, pfn / 64);
        if (r < 0)
                return r;
        s->attrib.batch_pfn = pfn;
        attrib_batch(&s->attrib, n, s->flags_buf, s->cgroup_buf, s->idle_buf, marks, range->ages + off);
        r = bitmap_write(s, marks, n / 64, pfn / 64);
        if (r < 0)
                return r;
        *ret_next = pfn + n;
        return 0;
}

int scanner_step(Scanner *s, uint64_t max_pfns) {
        uint64_t done = 0;
        int r;

        if (!s->in_pass)
                return 1;
        while (s->range_index < s->n_ranges) {
                ScanRange *range = &s->ranges[s->range_index];
                uint64_t pfn = sample_next_pfn(s->sample_seed, s->sample_shift, s->next_pfn, range->end_pfn);
                uint64_t next = pfn;
                size_t n = (size_t) MIN((uint64_t) s->batch_pfns, range->end_pfn - pfn);

                /* A sampled pass's batches are runs of sampled blocks,
                 * whole but at the ends of a range (all 64-aligned). */
                if (pfn != s->next_pfn)
                        attrib_gap(&s->attrib);
                n = (size_t) (sample_run_end(s->sample_seed, s->sample_shift, pfn, pfn + n) - pfn);
                if (n > 0 && done > 0 && done + n > max_pfns) {
                        s->next_pfn = pfn;
                        return 0;
                }
                if (n == 0) {
                        /* nothing sampled in the rest of the range */
                        s->next_pfn = range->end_pfn;
                        goto next_range;
                }
                r = s->via_device ? device_batch(s, range, pfn, pfn + n, &next) :
                                    kpageflags_batch(s, range, pfn, n, &next);
                if (r < 0) {
                        s->in_pass = false;
                        return r;
                }
                /* A device call may stop short of the batch: go on from there. */
                done += next - pfn;
                s->sampled_pfns += next - pfn;
                s->next_pfn = next;
        next_range:
                if (s->next_pfn >= range->end_pfn) {
                        s->range_index++;
                        if (s->range_index < s->n_ranges)
                                s->next_pfn = s->ranges[s->range_index].start_pfn;
                }
        }
        attrib_end(&s->attrib);
        s->in_pass = false;
        return 1;
}
