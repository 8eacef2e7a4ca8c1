/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer targets: what must hold for every input; a broken property
 * aborts, which libFuzzer reports as a crash with the input saved. */
#define FUZZ_CHECK(expr)                                                        \
        do {                                                                    \
                if (!(expr)) {                                                  \
                        fprintf(stderr, "%s:%d: property broken: %s\n",         \
                                __FILE__, __LINE__, #expr);                     \
                        abort();                                                \
                }                                                               \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (ending at its first NUL, if any). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        FUZZ_CHECK(s);
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}
