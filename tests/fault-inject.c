/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD'ed into pageidled by tests/test-pageidled: once the file
 * $PAGEIDLED_TEST_FAULT_FILE exists, fdopendir(3) fails with ENOMEM, as it
 * would when memory runs out.  The daemon's walk of the cgroup hierarchy
 * then fails in the pass timer's handler, which is what the test needs. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* With $PAGEIDLED_TEST_FSYNC_LOG, each fsync(2) adds the path of its fd to
 * that file, one a line, so that the test can see what was synced. */
int fsync(int fd) {
        static int (*real)(int);
        const char *log = getenv("PAGEIDLED_TEST_FSYNC_LOG");

        if (log) {
                char link[64], target[4096];
                ssize_t n;
                int lfd;

                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (n > 0 && lfd >= 0) {
                        target[n++] = '\n';
                        (void) !write(lfd, target, (size_t) n);
                }
                if (lfd >= 0)
                        close(lfd);
        }
        if (!real)
                real = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");
        return real(fd);
}
