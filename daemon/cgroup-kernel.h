/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What the kernel itself says of a cgroup, read from its directory when a
 * scan is published: memory.stat's refault counters and inactive_file,
 * memory.pressure (PSI), memory.current, memory.high and memory.max, or on
 * cgroup v1 memory.usage_in_bytes and memory.limit_in_bytes.  A figure the
 * kernel does not give (no PSI, a v1 kernel without refault counters, no
 * limit: "max") is absent, never 0. */
typedef struct CgroupKernel {
        uint64_t read_usec;             /* CLOCK_MONOTONIC of the reading; 0: none */
        bool v1;

        bool has_refault_anon, has_refault_file;
        uint64_t refault_anon, refault_file;            /* counters, in pages */
        bool has_inactive_file;
        uint64_t inactive_file_bytes;
        bool has_current, has_high, has_max;            /* high, max: false when "max" */
        uint64_t current_bytes, high_bytes, max_bytes;
        bool has_pressure_some, has_pressure_full;
        double pressure_some_avg10, pressure_full_avg10;        /* ratios, 0 to 1 */

        /* From the reading before (cgroup_kernel_rates()). */
        bool has_refault_anon_rate, has_refault_file_rate;
        double refault_anon_per_second, refault_file_per_second;       /* pages */
} CgroupKernel;

/* memory.stat: v2 names, or on v1 the hierarchical total_ ones where the
 * kernel has them (else the cgroup's own). */
void cgroup_kernel_parse_stat(const char *text, bool v1, CgroupKernel *k);
/* memory.pressure: the some and full lines' avg10 (a percentage). */
void cgroup_kernel_parse_pressure(const char *text, CgroupKernel *k);
/* A byte count of memory.current, memory.high, memory.max or a v1 file:
 * 1 with the value, 0 for no limit ("max", or v1's page counter maximum),
 * -EINVAL for anything else. */
int cgroup_kernel_parse_bytes(const char *text, uint64_t *ret);

/* Reads the files of the cgroup directory path (relative, "" for the root)
 * under root_fd; a file that is not there leaves its figures absent.
 * Returns 0, or -ENOMEM. */
int cgroup_kernel_read(int root_fd, const char *path, uint64_t now_usec, CgroupKernel *k);

/* The refault rates from prev, an earlier reading of the same cgroup (or
 * NULL): per second over the time between the two; a counter that went
 * back (a cgroup made anew) gives none. */
void cgroup_kernel_rates(CgroupKernel *k, const CgroupKernel *prev);

/* What cAdvisor and the kubelet call the working set: memory.current (v1:
 * usage) minus inactive_file, floored at 0; false when either is absent. */
bool cgroup_kernel_cadvisor_working_set(const CgroupKernel *k, uint64_t *ret);
