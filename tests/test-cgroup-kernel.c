/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's own counters of a cgroup, from fixture directories of
 * cgroup v2 (6.12's memory.stat, PSI), v2 without PSI or refault counters,
 * and v1 (6.1's memory.stat, which has no refault counters, and its
 * unlimited limit): absent figures stay absent, never 0; refault rates
 * between two readings; the cAdvisor working set. */
#include <fcntl.h>

#include "cgroup-kernel.h"
#include "test-util.h"
#include "util.h"

static int open_fixture(const char *name) {
        char p[4200];
        int fd;

        snprintf(p, sizeof(p), "%s/cgroup-kernel/%s", fixture_dir(), name);
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        return fd;
}

static void test_bytes(void) {
        uint64_t v = 7;

        CHECK(cgroup_kernel_parse_bytes("max\n", &v) == 0 && v == 7);
        CHECK(cgroup_kernel_parse_bytes("8388608\n", &v) == 1 && v == 8388608);
        CHECK(cgroup_kernel_parse_bytes("0", &v) == 1 && v == 0);
        CHECK(cgroup_kernel_parse_bytes("9223372036854771712\n", &v) == 0);    /* v1: no limit */
        CHECK(cgroup_kernel_parse_bytes("", &v) == -EINVAL);
        CHECK(cgroup_kernel_parse_bytes("-1\n", &v) == -EINVAL);
        CHECK(cgroup_kernel_parse_bytes("12 kB\n", &v) == -EINVAL);
        CHECK(cgroup_kernel_parse_bytes("maximal\n", &v) == -EINVAL);
}

static void test_v2(void) {
        _cleanup_close_ int root = open_fixture("v2");
        CgroupKernel k, later;
        uint64_t ws;

        CHECK(cgroup_kernel_read(root, "a", 10 * USEC_PER_SEC, &k) == 0);
        CHECK(!k.v1);
        CHECK(k.read_usec == 10 * USEC_PER_SEC);
        CHECK(k.has_current && k.current_bytes == 5505024);
        CHECK(!k.has_high);                     /* "max" */
        CHECK(k.has_max && k.max_bytes == 8388608);
        CHECK(k.has_refault_anon && k.refault_anon == 12);
        CHECK(k.has_refault_file && k.refault_file == 340);
        CHECK(k.has_inactive_file && k.inactive_file_bytes == 3145728);
        CHECK(k.has_pressure_some && k.pressure_some_avg10 == 0.015);
        CHECK(k.has_pressure_full && k.pressure_full_avg10 == 0.0025);
        CHECK(cgroup_kernel_cadvisor_working_set(&k, &ws) && ws == 5505024 - 3145728);

        /* No reading before: no rate.  Then 30 s later, 60 and 300 more refaults. */
        cgroup_kernel_rates(&k, NULL);
        CHECK(!k.has_refault_anon_rate && !k.has_refault_file_rate);
        later = k;
        later.read_usec += 30 * USEC_PER_SEC;
        later.refault_anon += 60;
        later.refault_file += 300;
        cgroup_kernel_rates(&later, &k);
        CHECK(later.has_refault_anon_rate && later.refault_anon_per_second == 2.0);
        CHECK(later.has_refault_file_rate && later.refault_file_per_second == 10.0);
        /* A counter that went back (the cgroup made anew): no rate. */
        later.refault_file = 3;
        cgroup_kernel_rates(&later, &k);
        CHECK(later.has_refault_anon_rate && !later.has_refault_file_rate);

        /* The root has none of the files: nothing known, no error. */
        CHECK(cgroup_kernel_read(root, "", 1, &k) == 0);
        CHECK(!k.has_current && !k.has_max && !k.has_high && !k.has_refault_file && !k.has_pressure_some);
        CHECK(!cgroup_kernel_cadvisor_working_set(&k, &ws));
        /* A cgroup gone: nothing known either. */
        CHECK(cgroup_kernel_read(root, "gone", 1, &k) == 0);
        CHECK(k.read_usec == 0 && !k.has_current);
}

static void test_v2_no_psi(void) {
        _cleanup_close_ int root = open_fixture("v2-nopsi");
        CgroupKernel k;
        uint64_t ws = 1;

        CHECK(cgroup_kernel_read(root, "", 1, &k) == 0);
        CHECK(!k.v1);
        CHECK(k.has_current && k.current_bytes == 4096);
        CHECK(k.has_high && k.high_bytes == 1048576);
        CHECK(!k.has_max);
        CHECK(!k.has_refault_anon && !k.has_refault_file);
        CHECK(!k.has_pressure_some && !k.has_pressure_full);
        /* More inactive file than usage: floored at 0. */
        CHECK(cgroup_kernel_cadvisor_working_set(&k, &ws) && ws == 0);
}

static void test_v1(void) {
        _cleanup_close_ int root = open_fixture("v1");
        CgroupKernel k;
        uint64_t ws;

        CHECK(cgroup_kernel_read(root, "a", 1, &k) == 0);
        CHECK(k.v1);
        CHECK(k.has_current && k.current_bytes == 8388608);
        CHECK(!k.has_max);                      /* the page counter's maximum */
        CHECK(!k.has_high);
        CHECK(!k.has_refault_anon && !k.has_refault_file);     /* not in 6.1's v1 memory.stat */
        /* The hierarchical total_inactive_file, as v2's figures are. */
        CHECK(k.has_inactive_file && k.inactive_file_bytes == 5242880);
        CHECK(cgroup_kernel_cadvisor_working_set(&k, &ws) && ws == 8388608 - 5242880);

        /* A v1 kernel that has the counters: the total_ ones first. */
        k = (CgroupKernel) {};
        cgroup_kernel_parse_stat("workingset_refault_anon 1\nworkingset_refault_file 2\n"
                                 "total_workingset_refault_anon 10\ntotal_workingset_refault_file 20\n", true, &k);
        CHECK(k.has_refault_anon && k.refault_anon == 10);
        CHECK(k.has_refault_file && k.refault_file == 20);
        cgroup_kernel_parse_stat("workingset_refault_file 2\n", true, &k);
        CHECK(!k.has_refault_anon && k.has_refault_file && k.refault_file == 2);
        /* v2 takes no total_. */
        cgroup_kernel_parse_stat("total_workingset_refault_file 20\n", false, &k);
        CHECK(!k.has_refault_file);
        /* A malformed value is not a value. */
        cgroup_kernel_parse_stat("workingset_refault_file x\ninactive_file 12\n", false, &k);
        CHECK(!k.has_refault_file && k.has_inactive_file && k.inactive_file_bytes == 12);
        cgroup_kernel_parse_pressure("some avg10=abc avg60=0.00 avg300=0.00 total=0\n", &k);
        CHECK(!k.has_pressure_some && !k.has_pressure_full);
}

int main(void) {
        test_bytes();
        test_v2();
        test_v2_no_psi();
        test_v1();
        return 0;
}
