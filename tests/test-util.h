/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Host unit tests: plain programs; the first failed check ends the test
 * with exit status 1 and says where. */
#define CHECK(expr)                                                             \
        do {                                                                    \
                if (!(expr)) {                                                  \
                        fprintf(stderr, "%s:%d: check failed: %s\n",            \
                                __FILE__, __LINE__, #expr);                     \
                        exit(EXIT_FAILURE);                                     \
                }                                                               \
        } while (0)

#define CHECK_EQ_U64(a, b)                                                      \
        do {                                                                    \
                uint64_t _a = (a), _b = (b);                                    \
                if (_a != _b) {                                                 \
                        fprintf(stderr, "%s:%d: %s == %" PRIu64                 \
                                ", expected %s == %" PRIu64 "\n",               \
                                __FILE__, __LINE__, #a, _a, #b, _b);            \
                        exit(EXIT_FAILURE);                                     \
                }                                                               \
        } while (0)

#define CHECK_STREQ(a, b)                                                       \
        do {                                                                    \
                const char *_a = (a), *_b = (b);                                \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                        \
                        fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", \
                                __FILE__, __LINE__, #a, _a ? _a : "(null)",      \
                                _b ? _b : "(null)");                            \
                        exit(EXIT_FAILURE);                                     \
                }                                                               \
        } while (0)

/* Where fixtures live: $top_srcdir/tests/fixtures, as make check sets it. */
static inline const char *fixture_dir(void) {
        const char *t = getenv("top_srcdir");
        static char buf[4096];

        snprintf(buf, sizeof(buf), "%s/tests/fixtures", t ? t : ".");
        return buf;
}
