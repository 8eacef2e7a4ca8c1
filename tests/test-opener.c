/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The privileged opener over its socketpair, on a fake /proc and bitmap:
 * what it answers, every kind of bad request it refuses (and goes on),
 * and that it dies with the daemon, by end of file or by the parent-death
 * signal.  Runs as any user: the helper keeps no capability here. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "opener.h"
#include "privs.h"
#include "test-util.h"
#include "util.h"

static char dir[] = "/tmp/test-opener.XXXXXX";
static char proc[PATH_MAX], bitmap[PATH_MAX];

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        CHECK(f);
        fputs(text, f);
        CHECK(fclose(f) == 0);
}

static char *read_back(const char *path) {
        char *t = NULL;

        CHECK(read_full_fileat(AT_FDCWD, path, &t, NULL) >= 0);
        return t;
}

static void make_tree(void) {
        char path[PATH_MAX + 32];

        CHECK(mkdtemp(dir));
        snprintf(proc, sizeof(proc), "%s/proc", dir);
        snprintf(bitmap, sizeof(bitmap), "%s/bitmap", dir);
        CHECK(mkdir(proc, 0755) == 0);
        snprintf(path, sizeof(path), "%s/100", proc);
        CHECK(mkdir(path, 0755) == 0);
        snprintf(path, sizeof(path), "%s/100/smaps_rollup", proc);
        write_file(path, "55937fb28000-7ffc2ab06000 ---p 00000000 00:00 0        [rollup]\n"
                         "Rss:                1788 kB\nPss:                 300 kB\n");
        snprintf(path, sizeof(path), "%s/100/clear_refs", proc);
        write_file(path, "");
        write_file(bitmap, "0123456789abcdef");
}

/* A raw record of size bytes (with fd attached if >= 0); returns the reply's error. */
static int raw_call(Opener *o, const void *record, size_t size, int fd) {
        OpenerReply reply;
        ssize_t n;

        CHECK(send_with_fd(o->fd, record, size, fd) == (ssize_t) size);
        n = recv(o->fd, &reply, sizeof(reply), 0);
        CHECK(n == (ssize_t) OPENER_REPLY_HEADER);
        return reply.error;
}

static void test_requests(void) {
        _cleanup_(opener_freep) Opener *o = NULL;
        OpenerConfig c = { .proc_root = proc, .uid = PRIVS_UID_INVALID };
        char path[PATH_MAX + 32], *text = NULL, *t;
        OpenerRequest req;
        size_t size = 0;
        char big[sizeof(OpenerRequest) + 4] = {};
        int p[2], status;
        pid_t pid;

        CHECK(opener_fork(&c, &o) == 0);
        CHECK(o->fd >= 0 && o->pid > 0);

        /* smaps_rollup without its first line, which holds addresses. */
        CHECK(opener_read_rollup(o, 100, &text, &size) == 0);
        CHECK_STREQ(text, "Rss:                1788 kB\nPss:                 300 kB\n");
        CHECK_EQ_U64(size, strlen(text));
        free(text);
        CHECK(opener_read_rollup(o, 101, &text, &size) == -ENOENT);
        /* "1", and only that, into clear_refs. */
        CHECK(opener_clear_refs(o, 100) == 0);
        snprintf(path, sizeof(path), "%s/100/clear_refs", proc);
        t = read_back(path);
        CHECK_STREQ(t, "1");
        free(t);
        CHECK(opener_clear_refs(o, 101) == -ENOENT);
        /* Not this backend's. */
        CHECK(opener_open_bitmap(o) == -EPERM);
        CHECK(opener_open_device(o) == -EPERM);

        /* Bad records: refused, and the helper goes on. */
        req = (OpenerRequest) { .op = OPENER_READ_ROLLUP, .pid = 100 };
        CHECK(raw_call(o, &req, sizeof(req) - 1, -EBADF) == EINVAL);
        memcpy(big, &req, sizeof(req));
        CHECK(raw_call(o, big, sizeof(big), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = 99, .pid = 100 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = 0, .pid = 100 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = OPENER_READ_ROLLUP, .pid = 0 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = OPENER_CLEAR_REFS, .pid = -100 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = OPENER_OPEN_BITMAP, .pid = 1 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        req = (OpenerRequest) { .op = OPENER_OPEN_DEVICE, .pid = 1 };
        CHECK(raw_call(o, &req, sizeof(req), -EBADF) == EINVAL);
        /* A good record with an fd attached: refused, and the fd closed. */
        CHECK(pipe2(p, O_CLOEXEC) == 0);
        req = (OpenerRequest) { .op = OPENER_READ_ROLLUP, .pid = 100 };
        CHECK(raw_call(o, &req, sizeof(req), p[1]) == EINVAL);
        close(p[1]);
        {
                char b;

                CHECK(read(p[0], &b, 1) == 0);  /* no writer left: the helper closed its copy */
        }
        close(p[0]);
        CHECK(opener_read_rollup(o, 100, &text, &size) == 0);
        free(text);

        /* Stopping the service signals every process of it: the helper
         * outlives that and goes with the daemon. */
        CHECK(kill(o->pid, SIGTERM) == 0 && kill(o->pid, SIGINT) == 0 && kill(o->pid, SIGHUP) == 0);
        CHECK(opener_read_rollup(o, 100, &text, &size) == 0);
        free(text);

        /* End of file: it exits, with status 0. */
        pid = o->pid;
        o->fd = safe_close(o->fd);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        o->pid = 0;
}

static void test_bitmap(void) {
        _cleanup_(opener_freep) Opener *o = NULL;
        char device[PATH_MAX + 8];
        OpenerConfig c = { .bitmap_path = bitmap, .device_path = device, .uid = PRIVS_UID_INVALID };
        char buf[8] = {}, *text = NULL;
        size_t size;
        int fd;

        /* A stand-in for /dev/pageidle: any file the helper may open. */
        snprintf(device, sizeof(device), "%s.dev", bitmap);
        CHECK(opener_fork(&c, &o) == 0);
        CHECK(opener_open_device(o) == -ENOENT);
        fd = open(device, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        CHECK(fd >= 0 && write(fd, "device!!", 8) == 8);
        close(fd);
        fd = opener_open_device(o);
        CHECK(fd >= 0);
        CHECK(pread(fd, buf, 8, 0) == 8);
        CHECK(memcmp(buf, "device!!", 8) == 0);
        close(fd);
        unlink(device);
        fd = opener_open_bitmap(o);
        CHECK(fd >= 0);
        CHECK(pread(fd, buf, 8, 8) == 8);
        CHECK(memcmp(buf, "89abcdef", 8) == 0);
        CHECK(pwrite(fd, "ABCDEFGH", 8, 0) == 8);       /* opened for writing too */
        close(fd);
        CHECK(opener_read_rollup(o, 100, &text, &size) == -EPERM);
        CHECK(opener_clear_refs(o, 100) == -EPERM);

        /* In-process, the same answers. */
        o = opener_free(o);
        CHECK(opener_new_local(&(OpenerConfig) { .bitmap_path = bitmap, .proc_root = proc }, &o) == 0);
        fd = opener_open_bitmap(o);
        CHECK(fd >= 0);
        close(fd);
        CHECK(opener_read_rollup(o, 100, &text, &size) == 0);
        CHECK(strncmp(text, "Rss:", 4) == 0);
        free(text);
}

/* The daemon dies while the socket stays open elsewhere: the parent-death
 * signal kills the helper. */
static void test_parent_death(void) {
        pid_t pids[2] = {}, mid;        /* the helper, the holder of the socket */
        int p[2], status;

        CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
        CHECK(pipe(p) == 0);
        mid = fork();
        CHECK(mid >= 0);
        if (mid == 0) {
                OpenerConfig c = { .proc_root = proc, .uid = PRIVS_UID_INVALID };
                Opener *o = NULL;

                close(p[0]);
                if (opener_fork(&c, &o) < 0)
                        _exit(1);
                pids[0] = o->pid;
                pids[1] = fork();
                if (pids[1] == 0) {
                        close(p[1]);
                        pause();
                        _exit(0);
                }
                if (write(p[1], pids, sizeof(pids)) != sizeof(pids))
                        _exit(1);
                _exit(0);
        }
        close(p[1]);
        CHECK(read(p[0], pids, sizeof(pids)) == sizeof(pids));
        close(p[0]);
        CHECK(waitpid(mid, &status, 0) == mid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(waitpid(pids[0], &status, 0) == pids[0]);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        CHECK(kill(pids[1], SIGKILL) == 0);
        CHECK(waitpid(pids[1], &status, 0) == pids[1]);
}

/* The helper's CPU time is seen from the daemon's side (it counts against
 * CPUBudget=): it grows from 0 as the helper reads for us. */
static void test_cpu_time(void) {
        _cleanup_(opener_freep) Opener *o = NULL, *local = NULL;
        /* As root, reading our smaps_rollup takes what refs keeps: we hold
         * capabilities the helper would otherwise lack. */
        OpenerConfig c = { .proc_root = "/proc", .uid = PRIVS_UID_INVALID,
                           .keep = geteuid() == 0 ? UINT64_C(1) << CAP_SYS_PTRACE : 0 };
        uint64_t user = 1, sys = 1;
        unsigned n;

        CHECK(opener_new_local(&c, &local) == 0);
        opener_cpu_times_usec(local, &user, &sys);
        CHECK_EQ_U64(user + sys, 0);

        CHECK(opener_fork(&c, &o) == 0);
        for (n = 0; n < 1000000; n++) {
                char *text = NULL;
                size_t size;

                CHECK(opener_read_rollup(o, (int) getpid(), &text, &size) == 0);
                free(text);
                if (n % 256 == 0) {
                        opener_cpu_times_usec(o, &user, &sys);
                        if (user + sys > 0)
                                break;
                }
        }
        CHECK(user + sys > 0);
}

int main(void) {
        char cmd[PATH_MAX + 16];

        /* A bound on everything, should a helper never answer or die. */
        alarm(60);
        make_tree();
        test_requests();
        test_bitmap();
        test_parent_death();
        test_cpu_time();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        return 0;
}
