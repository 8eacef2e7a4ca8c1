/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "opener.h"
#include "privs.h"
#include "util.h"

_Static_assert(offsetof(OpenerReply, data) == OPENER_REPLY_HEADER, "reply header");

/* The first line of smaps_rollup is at most this long (two 64-bit
 * addresses, permissions, offset, device, inode, padding, "[rollup]"). */
#define ROLLUP_HEADER_MAX 256

static const char *op_name(uint32_t op) {
        switch (op) {
        case OPENER_OPEN_BITMAP:
                return "open the bitmap";
        case OPENER_READ_ROLLUP:
                return "read smaps_rollup";
        case OPENER_CLEAR_REFS:
                return "clear referenced bits";
        case OPENER_OPEN_DEVICE:
                return "open the scan device";
        default:
                return "unknown";
        }
}

static int read_rollup(int proc_fd, int pid, OpenerReply *reply) {
        _cleanup_close_ int fd = -EBADF;
        char buf[ROLLUP_HEADER_MAX + OPENER_DATA_MAX + 1];
        size_t n = 0;
        char *nl;

        snprintf(buf, sizeof(buf), "%d/smaps_rollup", pid);
        fd = openat(proc_fd, buf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        while (n < sizeof(buf)) {
                ssize_t k = read(fd, buf + n, sizeof(buf) - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n == sizeof(buf))
                return -EFBIG;
        /* The first line holds addresses: it stays here. */
        nl = memchr(buf, '\n', n);
        n = nl ? n - (size_t) (nl + 1 - buf) : 0;
        if (n > OPENER_DATA_MAX)
                return -EFBIG;
        if (n > 0)
                memcpy(reply->data, nl + 1, n);
        reply->size = (uint32_t) n;
        return 0;
}

static int clear_refs(int proc_fd, int pid) {
        _cleanup_close_ int fd = -EBADF;
        char path[32];

        snprintf(path, sizeof(path), "%d/clear_refs", pid);
        fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (write(fd, "1", 1) != 1)
                return -errno;
        return 0;
}

/* Checks a request the way the helper does: 0, or why it is refused. */
static int request_check(const OpenerRequest *req, const OpenerFiles *f) {
        switch (req->op) {
        case OPENER_OPEN_BITMAP:
                if (req->pid != 0)
                        return -EINVAL;
                return f->bitmap_path ? 0 : -EPERM;
        case OPENER_OPEN_DEVICE:
                if (req->pid != 0)
                        return -EINVAL;
                return f->device_path ? 0 : -EPERM;
        case OPENER_READ_ROLLUP:
        case OPENER_CLEAR_REFS:
                if (req->pid <= 0)
                        return -EINVAL;
                return f->proc_fd >= 0 ? 0 : -EPERM;
        default:
                return -EINVAL;
        }
}

static bool op_passes_fd(uint32_t op) {
        return op == OPENER_OPEN_BITMAP || op == OPENER_OPEN_DEVICE;
}

/* Does what req asks: fills reply (error and data), *ret_fd for a file opened. */
static void request_do(const OpenerRequest *req, const OpenerFiles *f, OpenerReply *reply, int *ret_fd) {
        int r;

        *ret_fd = -EBADF;
        reply->size = 0;
        r = request_check(req, f);
        if (r >= 0)
                switch (req->op) {
                case OPENER_OPEN_BITMAP:
                case OPENER_OPEN_DEVICE:
                        *ret_fd = open(req->op == OPENER_OPEN_BITMAP ? f->bitmap_path : f->device_path,
                                       O_RDWR | O_CLOEXEC | O_NOCTTY);
                        r = *ret_fd < 0 ? -errno : 0;
                        break;
                case OPENER_READ_ROLLUP:
                        r = read_rollup(f->proc_fd, req->pid, reply);
                        break;
                case OPENER_CLEAR_REFS:
                        r = clear_refs(f->proc_fd, req->pid);
                        break;
                }
        reply->error = -r;
        if (r < 0)
                reply->size = 0;
}

static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        safe_close(fd);
                }
        }
}

static int send_reply(int fd, const OpenerReply *reply, int pass_fd) {
        ssize_t n = send_with_fd(fd, reply, OPENER_REPLY_HEADER + reply->size, pass_fd);

        return n < 0 ? (int) n : 0;
}

int opener_serve(int fd, const OpenerFiles *f) {
        for (;;) {
                union {
                        OpenerRequest req;
                        char bytes[sizeof(OpenerRequest) + 1];   /* to see longer records */
                } in = {};
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(4 * sizeof(int))];
                } control;
                struct iovec iov = { in.bytes, sizeof(in.bytes) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf),
                };
                _cleanup_close_ int pass_fd = -EBADF;
                OpenerReply reply;
                ssize_t n;
                int r;

                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return log_error_errno(errno, "Opener: failed to receive a request: %m");
                /* End of file (or an empty record, which ends it the same way). */
                if (n == 0)
                        return 0;

                if (mh.msg_controllen > 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
                    (size_t) n != sizeof(OpenerRequest)) {
                        close_passed_fds(&mh);
                        log_warning("Opener: refused a malformed request (%zd bytes%s).", n,
                                    mh.msg_controllen > 0 || (mh.msg_flags & MSG_CTRUNC) ? ", with ancillary data" : "");
                        reply = (OpenerReply) { .error = EINVAL };
                } else {
                        request_do(&in.req, f, &reply, &pass_fd);
                        if (request_check(&in.req, f) < 0)
                                log_warning("Opener: refused a request (op %" PRIu32 ", %s, pid %" PRId32 ").",
                                            in.req.op, op_name(in.req.op), in.req.pid);
                }
                r = send_reply(fd, &reply, pass_fd);
                if (r == -EPIPE || r == -ECONNRESET)
                        return 0;       /* the daemon is gone */
                if (r < 0)
                        return log_error_errno(r, "Opener: failed to send a reply: %m");
        }
}

static int opener_new(Opener **ret) {
        Opener *o = calloc(1, sizeof(*o));

        if (!o)
                return -ENOMEM;
        o->fd = -EBADF;
        o->proc_fd = -EBADF;
        *ret = o;
        return 0;
}

static int open_proc(const char *proc_root) {
        int fd;

        if (!proc_root)
                return -EBADF;
        fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", proc_root);
        return fd;
}

int opener_new_local(const OpenerConfig *c, Opener **ret) {
        _cleanup_(opener_freep) Opener *o = NULL;

        if (opener_new(&o) < 0)
                return log_oom();
        if (c->proc_root) {
                o->proc_fd = open_proc(c->proc_root);
                if (o->proc_fd < 0)
                        return o->proc_fd;
        }
        if (c->bitmap_path && !(o->bitmap_path = strdup(c->bitmap_path)))
                return log_oom();
        if (c->device_path && !(o->device_path = strdup(c->device_path)))
                return log_oom();
        *ret = TAKE_PTR(o);
        return 0;
}

/* Everything but fds a and b (either may be negative) is closed. */
static void close_all_but(int a, int b) {
        int lo = MIN(a, b), hi = MAX(a, b);

        if (lo < 0)
                lo = hi;
        if (lo > 3)
                close_range(3, (unsigned) lo - 1, 0);
        if (hi > lo + 1)
                close_range((unsigned) lo + 1, (unsigned) hi - 1, 0);
        close_range((unsigned) MAX(hi + 1, 3), ~0U, 0);
}

static int opener_child(const OpenerConfig *c, int fd, int proc_fd, pid_t parent) {
        sigset_t none;
        OpenerReply hello = {};
        int r;

        /* The daemon's signals are not its own: stopping the service (which
         * signals every process of it) must not make the daemon see its
         * opener die first.  It ends with the daemon, by end of file or
         * the parent-death signal. */
        (void) signal(SIGTERM, SIG_IGN);
        (void) signal(SIGINT, SIG_IGN);
        (void) signal(SIGHUP, SIG_IGN);
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        /* Nothing of the daemon's: no listening socket, no bus, no page files. */
        close_all_but(fd, proc_fd);

        r = privs_drop(c->uid, c->gid, c->keep, true);
        if (r < 0)
                return log_error_errno(r, "Opener: failed to drop privileges: %m");
        /* Its memory and /proc files are not the daemon's to read. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return log_error_errno(errno, "Opener: failed to make itself not dumpable: %m");
        /* After the switch of user, which clears the parent-death signal. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return log_error_errno(errno, "Opener: failed to set the parent-death signal: %m");
        if (getppid() != parent)
                return 0;
        r = send_reply(fd, &hello, -EBADF);
        if (r < 0)
                return r == -EPIPE ? 0 : log_error_errno(r, "Opener: failed to say it is ready: %m");
        return opener_serve(fd, &(const OpenerFiles) {
                                    .proc_fd = proc_fd,
                                    .bitmap_path = c->bitmap_path,
                                    .device_path = c->device_path,
                            });
}

int opener_fork(const OpenerConfig *c, Opener **ret) {
        _cleanup_(opener_freep) Opener *o = NULL;
        _cleanup_close_ int proc_fd = -EBADF, child_fd = -EBADF;
        pid_t parent = getpid(), pid;
        OpenerReply hello;
        int sv[2];
        ssize_t n;

        if (opener_new(&o) < 0)
                return log_oom();
        if (c->proc_root) {
                proc_fd = open_proc(c->proc_root);
                if (proc_fd < 0)
                        return proc_fd;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return log_error_errno(errno, "Failed to create the socket to the privileged opener: %m");
        o->fd = sv[0];
        child_fd = sv[1];

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork the privileged opener: %m");
        if (pid == 0) {
                o->fd = safe_close(o->fd);
                _exit(opener_child(c, child_fd, proc_fd, parent) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }
        o->pid = pid;
        child_fd = safe_close(child_fd);

        do
                n = recv(o->fd, &hello, sizeof(hello), 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t) OPENER_REPLY_HEADER || hello.error != 0) {
                int status = 0;

                o->fd = safe_close(o->fd);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                o->pid = 0;
                return log_error_errno(EPROTO, "The privileged opener failed to start (%s %d).",
                                       WIFSIGNALED(status) ? "signal" : "exit status",
                                       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
        *ret = TAKE_PTR(o);
        return 0;
}

void opener_cpu_times_usec(const Opener *o, uint64_t *ret_user, uint64_t *ret_sys) {
        _cleanup_free_ char *stat = NULL;
        char path[64];
        unsigned long long utime, stime;
        long tick = sysconf(_SC_CLK_TCK);
        const char *p;
        size_t size;

        *ret_user = *ret_sys = 0;
        if (!o || o->pid <= 0 || tick <= 0)
                return;
        /* The real /proc, whatever proc_root the scan reads: this is about us. */
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) o->pid);
        if (read_full_fileat(AT_FDCWD, path, &stat, &size) < 0)
                return;
        /* Fields 14 and 15, counted after the command name, which may hold
         * spaces and parentheses of its own. */
        p = strrchr(stat, ')');
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
                return;
        *ret_user = (uint64_t) utime * USEC_PER_SEC / (uint64_t) tick;
        *ret_sys = (uint64_t) stime * USEC_PER_SEC / (uint64_t) tick;
}

void opener_reap(Opener *o) {
        int status;

        if (!o || o->pid <= 0)
                return;
        while (waitpid(o->pid, &status, 0) < 0)
                if (errno != EINTR) {
                        o->pid = 0;
                        return;
                }
        if (WIFSIGNALED(status))
                log_error("The privileged opener (pid %d) was killed by signal %d.", (int) o->pid, WTERMSIG(status));
        else
                log_error("The privileged opener (pid %d) exited with status %d.", (int) o->pid, WEXITSTATUS(status));
        o->pid = 0;
}

Opener *opener_free(Opener *o) {
        if (!o)
                return NULL;
        o->fd = safe_close(o->fd);
        if (o->pid > 0)
                while (waitpid(o->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        safe_close(o->proc_fd);
        free(o->bitmap_path);
        free(o->device_path);
        free(o);
        return NULL;
}

static int opener_lost(Opener *o, int error) {
        if (o->error == 0)
                log_error_errno(error, "Lost the privileged opener (pid %d): %m", (int) o->pid);
        o->error = -ENOTCONN;
        return -ENOTCONN;
}

/* One request, one reply; *ret_fd gets a passed fd (or -EBADF). */
static int opener_call(Opener *o, uint32_t op, int pid, OpenerReply *reply, int *ret_fd) {
        OpenerRequest req = { .op = op, .pid = pid };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { reply, sizeof(*reply) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        int fd = -EBADF;
        ssize_t n;

        *ret_fd = -EBADF;
        if (o->fd < 0 && o->error == 0) {
                request_do(&req, &(const OpenerFiles) {
                                   .proc_fd = o->proc_fd,
                                   .bitmap_path = o->bitmap_path,
                                   .device_path = o->device_path,
                           }, reply, ret_fd);
                return -reply->error;
        }
        if (o->error != 0)
                return o->error;

        while (send(o->fd, &req, sizeof(req), MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return opener_lost(o, errno);
        do
                n = recvmsg(o->fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return opener_lost(o, errno);
        if (n == 0)
                return opener_lost(o, ECONNRESET);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if ((size_t) n < OPENER_REPLY_HEADER || reply->size > OPENER_DATA_MAX ||
            (size_t) n != OPENER_REPLY_HEADER + reply->size || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
            reply->error < 0 || (fd >= 0) != (op_passes_fd(op) && reply->error == 0)) {
                safe_close(fd);
                return opener_lost(o, EPROTO);
        }
        *ret_fd = fd;
        return -reply->error;
}

/* OPENER_OPEN_BITMAP or OPENER_OPEN_DEVICE: the fd, or why not. */
static int opener_open(Opener *o, uint32_t op) {
        OpenerReply reply;
        int fd, r;

        r = opener_call(o, op, 0, &reply, &fd);
        if (r < 0)
                return r;
        return fd;
}

int opener_open_bitmap(Opener *o) {
        return opener_open(o, OPENER_OPEN_BITMAP);
}

int opener_open_device(Opener *o) {
        return opener_open(o, OPENER_OPEN_DEVICE);
}

int opener_read_rollup(Opener *o, int pid, char **ret, size_t *ret_size) {
        OpenerReply reply;
        char *text;
        int fd, r;

        r = opener_call(o, OPENER_READ_ROLLUP, pid, &reply, &fd);
        safe_close(fd);
        if (r < 0)
                return r;
        text = malloc(reply.size + 1);
        if (!text)
                return -ENOMEM;
        memcpy(text, reply.data, reply.size);
        text[reply.size] = 0;
        *ret = text;
        *ret_size = reply.size;
        return 0;
}

int opener_clear_refs(Opener *o, int pid) {
        OpenerReply reply;
        int fd, r;

        r = opener_call(o, OPENER_CLEAR_REFS, pid, &reply, &fd);
        safe_close(fd);
        return r;
}
