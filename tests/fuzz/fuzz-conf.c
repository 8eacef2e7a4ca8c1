/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config parser: any bytes give a config within the documented ranges,
 * or an error naming FILE:LINE with a line the input has. */
#include "conf.h"
#include "cgroup-path.h"
#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *error = NULL;
        size_t lines = 1;
        unsigned line;
        int r;

        FUZZ_CHECK(config_new_default(&c) == 0);
        r = config_parse_buffer(c, (const char *) data, size, "fuzz.conf", &error);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                /* Every line is counted, a NUL or a long line included. */
                for (size_t i = 0; i < size; i++)
                        lines += data[i] == '\n';
                FUZZ_CHECK(error);
                FUZZ_CHECK(sscanf(error, "fuzz.conf:%u: ", &line) == 1);
                FUZZ_CHECK(line >= 1 && line <= lines);
                return 0;
        }
        FUZZ_CHECK(r == 0 && !error);
        FUZZ_CHECK(c->interval_usec >= 100 * USEC_PER_MSEC && c->interval_usec <= 24 * 3600 * USEC_PER_SEC);
        FUZZ_CHECK(c->window_usec > 0);
        FUZZ_CHECK(config_window_intervals(c) >= 1 && config_window_intervals(c) <= 254);
        FUZZ_CHECK(c->cpu_budget_percent >= 1 && c->cpu_budget_percent <= 100);
        FUZZ_CHECK(backend_to_string(c->backend));
        for (size_t i = 0; c->cgroups && c->cgroups[i]; i++) {
                _cleanup_free_ char *n = NULL;

                /* Kept in normal form: normalizing again changes nothing. */
                FUZZ_CHECK(cgroup_pattern_normalize(c->cgroups[i], &n) == CGROUP_PATH_OK);
                FUZZ_CHECK(strcmp(n, c->cgroups[i]) == 0);
        }
        FUZZ_CHECK(!c->json_file || path_is_normal_file(c->json_file));
        FUZZ_CHECK(c->user && user_name_is_valid(c->user));
        FUZZ_CHECK(c->http_address);
        return 0;
}
