/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "refs.h"
#include "util.h"

/* A value of smaps_rollup: "Name:   1234 kB". */
static bool rollup_field(const char *line, size_t len, const char *name, uint64_t *ret) {
        size_t n = strlen(name);
        uint64_t v = 0;
        size_t i;

        if (len <= n || memcmp(line, name, n) != 0 || line[n] != ':')
                return false;
        for (i = n + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
                ;
        if (i >= len || line[i] < '0' || line[i] > '9')
                return false;
        for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (uint64_t) (line[i] - '0');
        }
        *ret = v;
        return true;
}

int refs_parse_rollup(const char *text, size_t size, RefsRollup *ret) {
        enum { RSS, PSS, REFERENCED, ANONYMOUS, PSS_ANON, _N };
        static const char * const names[_N] = { "Rss", "Pss", "Referenced", "Anonymous", "Pss_Anon" };
        uint64_t v[_N] = {};
        bool seen[_N] = {};
        const char *p = text, *end = text + size;

        if (size == 0)
                return -ENODATA;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ? nl : end) - p);

                for (unsigned i = 0; i < _N; i++)
                        if (!seen[i] && rollup_field(p, len, names[i], &v[i])) {
                                seen[i] = true;
                                break;
                        }
                p += len + 1;
        }
        if (!seen[RSS] || !seen[PSS] || !seen[REFERENCED] || !seen[ANONYMOUS])
                return -EINVAL;
        *ret = (RefsRollup) {
                .rss_kb = v[RSS],
                .pss_kb = v[PSS],
                .referenced_kb = v[REFERENCED],
                .anonymous_kb = v[ANONYMOUS],
                .pss_anon_kb = v[PSS_ANON],
                .has_pss_anon = seen[PSS_ANON],
        };
        return 0;
}

/* a * b / c without overflow for the sizes of memory. */
static uint64_t scale(uint64_t a, uint64_t b, uint64_t c) {
        if (c == 0)
                return 0;
        return (uint64_t) ((unsigned __int128) a * b / c);
}

void refs_share_from_rollup(const RefsRollup *r, RefsShare *ret) {
        uint64_t pss = r->pss_kb * 1024, anon, referenced = MIN(r->referenced_kb, r->rss_kb);

        /* Without Pss_Anon, the anonymous pages' share is taken to be that
         * of all pages. */
        if (r->has_pss_anon)
                anon = MIN(r->pss_anon_kb * 1024, pss);
        else
                anon = scale(pss, MIN(r->anonymous_kb, r->rss_kb), r->rss_kb);
        *ret = (RefsShare) {
                .bytes[PAGE_ANON] = anon,
                .bytes[PAGE_FILE] = pss - anon,
        };
        /* Referenced is not split by kind: each kind gets the same idle share. */
        for (unsigned k = 0; k < 2; k++)
                ret->idle_bytes[k] = scale(ret->bytes[k], r->rss_kb - referenced, r->rss_kb);
}

int refs_parse_pids(const char *text, size_t size, int **ret, size_t *ret_n) {
        _cleanup_free_ int *pids = NULL;
        size_t n = 0, allocated = 0;
        const char *p = text, *end = text + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ? nl : end) - p);
                unsigned long v = 0;

                if (len > 0) {
                        for (size_t i = 0; i < len; i++) {
                                if (p[i] < '0' || p[i] > '9' || v > INT_MAX / 10)
                                        return -EINVAL;
                                v = v * 10 + (unsigned long) (p[i] - '0');
                        }
                        if (v == 0 || v > INT_MAX)
                                return -EINVAL;
                        if (n >= allocated) {
                                size_t a = allocated ? allocated * 2 : 64;
                                int *np = realloc(pids, a * sizeof(int));

                                if (!np)
                                        return -ENOMEM;
                                pids = np;
                                allocated = a;
                        }
                        pids[n++] = (int) v;
                }
                p += len + 1;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return (int) MIN(n, (size_t) INT_MAX);
}

int refs_scanner_new(Opener *opener, uint64_t page_size, RefsScanner **ret) {
        RefsScanner *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->opener = opener;
        s->page_size = page_size;
        *ret = s;
        return 0;
}

RefsScanner *refs_scanner_free(RefsScanner *s) {
        if (!s)
                return NULL;
        free(s->history);
        free(s);
        return NULL;
}

static bool is_gone(int error) {
        /* ESRCH: exited, or a zombie whose memory is gone. */
        return error == -ENOENT || error == -ESRCH;
}

static void note_denied(RefsScanner *s, int pid, int error) {
        s->denied++;
        if (s->denied_error == 0) {
                s->denied_error = error;
                s->denied_pid = pid;
        }
}

/* Reads one process's rollup and clears its referenced bits.  Returns 1
 * with *ret filled, 0 when there is nothing to count, or -ENOMEM or
 * -ENOTCONN. */
static int refs_process(RefsScanner *s, int pid, RefsShare *ret) {
        _cleanup_free_ char *text = NULL;
        RefsRollup rollup;
        size_t size = 0;
        int r;

        r = opener_read_rollup(s->opener, pid, &text, &size);
        if (r == -ENOMEM || r == -ENOTCONN)
                return r;
        if (r < 0)
                goto skip;
        r = refs_parse_rollup(text, size, &rollup);
        if (r == -ENODATA) {
                s->kernel_threads++;
                return 0;
        }
        if (r < 0) {
                log_debug_errno(r, "Skipping process %d: cannot parse its smaps_rollup: %m", pid);
                return 0;
        }
        /* Counted only once its bits are cleared for the next interval: a
         * process whose bits cannot be cleared would report everything
         * since it started. */
        r = opener_clear_refs(s->opener, pid);
        if (r == -ENOTCONN)
                return r;
        if (r < 0)
                goto skip;
        refs_share_from_rollup(&rollup, ret);
        s->processes++;
        return 1;

skip:
        if (is_gone(r)) {
                log_debug_errno(r, "Process %d exited during the scan: %m", pid);
                s->vanished++;
        } else if (r == -EACCES || r == -EPERM)
                note_denied(s, pid, r);
        else
                log_debug_errno(r, "Skipping process %d: %m", pid);
        return 0;
}

static uint64_t bytes_to_pages(uint64_t bytes, uint64_t page_size) {
        return (bytes + page_size / 2) / page_size;
}

int refs_scan(RefsScanner *s, int cgroup_root_fd, CgroupSet *set, unsigned window_intervals) {
        s->processes = s->vanished = s->denied = s->kernel_threads = 0;
        s->denied_error = 0;
        s->denied_pid = 0;

        for (size_t i = 0; i < set->n_nodes; i++) {
                CgroupNode *node = &set->nodes[i];
                _cleanup_free_ char *text = NULL, *procs = NULL;
                _cleanup_free_ int *pids = NULL;
                RefsShare sum = {};
                size_t size = 0, n_pids = 0;
                int r;

                if (asprintf(&procs, "%s/cgroup.procs", node->path[1] ? node->path + 1 : ".") < 0)
                        return -ENOMEM;
                r = read_full_fileat(cgroup_root_fd, procs, &text, &size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* Removed since the walk (ENOENT), or being removed (ENODEV). */
                        log_debug_errno(r, "Skipping cgroup %s: %m", node->path);
                        continue;
                }
                r = refs_parse_pids(text, size, &pids, &n_pids);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_debug_errno(r, "Skipping cgroup %s: cannot parse cgroup.procs: %m", node->path);
                        continue;
                }
                for (size_t j = 0; j < n_pids; j++) {
                        RefsShare share;

                        r = refs_process(s, pids[j], &share);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                continue;
                        for (unsigned k = 0; k < 2; k++) {
                                sum.bytes[k] += share.bytes[k];
                                sum.idle_bytes[k] += share.idle_bytes[k];
                        }
                }

                node->own = (PageStats) {};
                for (unsigned k = 0; k < 2; k++) {
                        node->own.pages[k] = bytes_to_pages(sum.bytes[k], s->page_size);
                        node->own.idle_pages[k] = MIN(bytes_to_pages(sum.idle_bytes[k], s->page_size),
                                                      node->own.pages[k]);
                }
                /* One referenced bit: used in the last interval, or idle for at least one. */
                node->own.hist_pages[1] = node->own.idle_pages[PAGE_ANON] + node->own.idle_pages[PAGE_FILE];
                node->own.hist_pages[0] = node->own.pages[PAGE_ANON] + node->own.pages[PAGE_FILE] -
                                          node->own.hist_pages[1];
        }
        return refs_history_update(s, set, window_intervals);
}

int refs_history_update(RefsScanner *s, CgroupSet *set, unsigned window_intervals) {
        _cleanup_free_ RefsHistory *h = NULL;

        h = calloc(set->n_nodes ?: 1, sizeof(RefsHistory));
        if (!h)
                return -ENOMEM;
        /* Carry each cgroup's history over by inode; new cgroups start empty. */
        for (size_t i = 0; i < s->n_history; i++) {
                CgroupNode *n = cgroup_set_lookup(set, s->history[i].inode);

                if (n)
                        h[n - set->nodes] = s->history[i];
        }
        for (size_t i = 0; i < set->n_nodes; i++) {
                CgroupNode *n = &set->nodes[i];
                RefsHistory *e = &h[i];
                uint64_t pages = n->own.pages[PAGE_ANON] + n->own.pages[PAGE_FILE];
                uint64_t ws = n->own.hist_pages[0];
                unsigned window = ws_window_intervals(window_intervals, n->measured_intervals);

                if (e->inode != n->inode)
                        *e = (RefsHistory) { .inode = n->inode };
                /* The union of what was used in each interval of the window
                 * is at least the most used in any one of them. */
                for (unsigned k = 0; k + 1 < window && k < e->n; k++)
                        ws = MAX(ws, e->referenced_pages[(e->pos + AGE_MAX - k) % AGE_MAX]);
                n->own.ws_pages = MIN(ws, pages);
                /* The other windows the same way. */
                for (unsigned w = 1; w < set->n_windows; w++) {
                        unsigned k_max = ws_window_intervals(set->windows_intervals[w], n->measured_intervals);
                        uint64_t v = n->own.hist_pages[0];

                        for (unsigned k = 0; k + 1 < k_max && k < e->n; k++)
                                v = MAX(v, e->referenced_pages[(e->pos + AGE_MAX - k) % AGE_MAX]);
                        n->own.window_ws_pages[w] = MIN(v, pages);
                }

                e->pos = (e->pos + 1) % AGE_MAX;
                e->referenced_pages[e->pos] = n->own.hist_pages[0];
                e->n = MIN(e->n + 1, AGE_MAX);
        }
        free(s->history);
        s->history = TAKE_PTR(h);
        s->n_history = set->n_nodes;
        return 0;
}
