/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD'ed into pageidled by tests/test-pageidled: once the file
 * $PAGEIDLED_TEST_FAULT_FILE exists, fdopendir(3) fails with ENOMEM, as it
 * would when memory runs out.  The daemon's walk of the cgroup hierarchy
 * then fails in the pass timer's handler, which is what the test needs. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

DIR *fdopendir(int fd) {
        static DIR *(*real)(int);
        const char *f = getenv("PAGEIDLED_TEST_FAULT_FILE");

        if (f && access(f, F_OK) == 0) {
                errno = ENOMEM;
                return NULL;
        }
        if (!real)
                real = (DIR *(*)(int)) dlsym(RTLD_NEXT, "fdopendir");
        return real(fd);
}
