/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log_escape(): what a log line shows of a name that holds control
 * characters, backslashes or bytes that are not UTF-8, and where it stops
 * when the buffer is short. */
#include <string.h>

#include "test-util.h"
#include "util.h"

static void check(const char *in, size_t size, const char *want) {
        char out[256];

        CHECK(size <= sizeof(out));
        CHECK_EQ_U64(log_escape(out, size, in), strlen(want));
        CHECK_STREQ(out, want);
}

int main(void) {
        check("/system.slice/foo.service", 256, "/system.slice/foo.service");
        check("/a\n<0>b", 256, "/a\\n<0>b");
        check("/a\tb\rc\x1b[31m\x7f", 256, "/a\\tb\\x0dc\\x1b[31m\\x7f");
        check("/we\"ird\\name", 256, "/we\"ird\\\\name");
        check("/caf\xc3\xa9 /bad\xff\xc3", 256, "/caf\xc3\xa9 /bad\\xff\\xc3");
        check("", 256, "");
        /* Cut short at a whole escape or character. */
        check("ab\ncd", 4, "ab");
        check("ab\ncd", 5, "ab\\n");
        check("a\xc3\xa9", 3, "a");
        check("abc", 1, "");
        return 0;
}
