/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hostile HTTP clients on loopback, for the endpoint's tests and bench:
 *
 *   http-hostile HOST PORT probe
 *       One GET /healthz, which must be answered.
 *   http-hostile [-s ADDR[,ADDR...]] [-p PID] HOST PORT burst CONNS ROUNDS
 *       CONNS connections from the source addresses in turn, closed all
 *       together once connected and accepted (given half a second),
 *       ROUNDS times; after each round GET /healthz must be answered.
 *       With -p, the server's process PID is stopped while they are
 *       closed, so that it sees every close in one go, as it would when
 *       busy: without, that happens only now and then.
 *   http-hostile [-s ADDR[,ADDR...]] HOST PORT hold CONNS SECONDS PROBES
 *       CONNS connections that never send a byte, held SECONDS; meanwhile
 *       PROBES requests for /healthz from 127.0.0.1, one after the other,
 *       must each be answered.
 *   http-hostile [-s ADDR[,ADDR...]] HOST PORT slowread CONNS RATE SECONDS PATH
 *       CONNS clients ask for PATH and read RATE bytes a second (with a
 *       2 KiB receive buffer), for SECONDS at most; prints, for all of
 *       them, how many the server cut and how long the longest lasted.
 *
 * A probe waits 5 s at most for its status line: far longer than an
 * answer takes, far shorter than the server's 10 s deadlines.  Every mode
 * stops by itself; exit 0 when every probe was answered, 1 when not, 2 on
 * a local error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MSEC 5000
#define MAX_SOURCES 16

static struct sockaddr_in server;
static struct in_addr sources[MAX_SOURCES];
static unsigned n_sources;
static pid_t freeze_pid;

static uint64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void die(const char *what) {
        fprintf(stderr, "http-hostile: %s: %s\n", what, strerror(errno));
        exit(2);
}

/* A non-blocking connection under way, from source i (any when none),
 * with a receive buffer of rcvbuf bytes (0: the kernel's default), set
 * before connect so the window is small from the start. */
static int connect_from(unsigned i, int rcvbuf) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
                die("socket");
        if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
                die("SO_RCVBUF");
        if (n_sources > 0) {
                struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr = sources[i % n_sources] };

                if (bind(fd, (struct sockaddr *) &src, sizeof(src)) < 0)
                        die("bind");
        }
        if (connect(fd, (struct sockaddr *) &server, sizeof(server)) < 0 && errno != EINPROGRESS)
                die("connect");
        return fd;
}

/* Waits until every fd is connected (writable) or deadline; returns how many are. */
static unsigned wait_connected(int *fds, unsigned n, uint64_t deadline) {
        struct pollfd *p = calloc(n, sizeof(*p));
        unsigned done = 0;

        if (!p)
                die("calloc");
        for (unsigned i = 0; i < n; i++)
                p[i] = (struct pollfd) { .fd = fds[i], .events = POLLOUT };
        while (done < n && now_msec() < deadline) {
                int r = poll(p, n, (int) (deadline - now_msec()));

                if (r < 0 && errno != EINTR)
                        die("poll");
                for (unsigned i = 0; i < n && r > 0; i++)
                        if (p[i].fd >= 0 && p[i].revents) {
                                p[i].fd = -1;
                                done++;
                        }
        }
        free(p);
        return done;
}

/* GET /healthz from 127.0.0.1; true when a status line came within the
 * probe timeout (any status: a server that answers is not wedged). */
static bool probe(const char *when) {
        static const char req[] = "GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
        uint64_t start = now_msec(), deadline = start + PROBE_TIMEOUT_MSEC;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        char buf[256];
        size_t got = 0;
        bool sent = false;

        if (fd < 0)
                die("socket");
        if (connect(fd, (struct sockaddr *) &server, sizeof(server)) < 0 && errno != EINPROGRESS)
                die("connect");
        while (now_msec() < deadline) {
                struct pollfd p = { .fd = fd, .events = sent ? POLLIN : POLLOUT };
                ssize_t n;

                if (poll(&p, 1, (int) (deadline - now_msec())) <= 0)
                        continue;
                if (!sent) {
                        if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t) sizeof(req) - 1)
                                break;
                        sent = true;
                        continue;
                }
                n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
                if (n <= 0)
                        break;
                got += (size_t) n;
                buf[got] = 0;
                if (strstr(buf, "\r\n")) {
                        close(fd);
                        *strstr(buf, "\r\n") = 0;
                        printf("%s: \"%s\" after %llu ms\n", when, buf, (unsigned long long) (now_msec() - start));
                        return true;
                }
                if (got == sizeof(buf) - 1)
                        break;
        }
        close(fd);
        printf("%s: /healthz not answered (%s after %llu ms)\n", when, got ? "a partial answer" : "nothing",
               (unsigned long long) (now_msec() - start));
        return false;
}

static int do_burst(unsigned conns, unsigned rounds) {
        int *fds = calloc(conns, sizeof(*fds));
        unsigned bad = 0;

        if (!fds)
                die("calloc");
        for (unsigned r = 1; r <= rounds; r++) {
                char when[64];
                unsigned up;

                for (unsigned i = 0; i < conns; i++)
                        fds[i] = connect_from(i, 0);
                up = wait_connected(fds, conns, now_msec() + 3000);
                usleep(500000);
                if (freeze_pid > 0 && kill(freeze_pid, SIGSTOP) < 0)
                        die("SIGSTOP");
                for (unsigned i = 0; i < conns; i++)
                        close(fds[i]);
                if (freeze_pid > 0 && kill(freeze_pid, SIGCONT) < 0)
                        die("SIGCONT");
                snprintf(when, sizeof(when), "round %u (%u of %u connected, all closed)", r, up, conns);
                if (!probe(when))
                        bad++;
        }
        free(fds);
        return bad ? 1 : 0;
}

static int do_hold(unsigned conns, unsigned seconds, unsigned probes) {
        int *fds = calloc(conns, sizeof(*fds));
        uint64_t end = now_msec() + seconds * 1000ull;
        unsigned up, bad = 0;

        if (!fds)
                die("calloc");
        for (unsigned i = 0; i < conns; i++)
                fds[i] = connect_from(i, 0);
        up = wait_connected(fds, conns, now_msec() + 3000);
        printf("%u of %u idle connections up\n", up, conns);
        for (unsigned i = 1; i <= probes; i++) {
                char when[64];

                snprintf(when, sizeof(when), "probe %u next to %u idle connections", i, conns);
                if (!probe(when))
                        bad++;
                if (now_msec() >= end)
                        break;
                usleep((useconds_t) ((end - now_msec()) / (probes - i + 1) * 1000 / 2));
        }
        while (now_msec() < end)
                usleep(100000);
        for (unsigned i = 0; i < conns; i++)
                close(fds[i]);
        free(fds);
        return bad ? 1 : 0;
}

typedef struct Reader {
        int fd;
        uint64_t bytes;
        uint64_t cut_msec;      /* 0: still connected */
} Reader;

static int do_slowread(unsigned conns, unsigned rate, unsigned seconds, const char *path) {
        Reader *rd = calloc(conns, sizeof(*rd));
        uint64_t start, end, longest = 0, least = UINT64_MAX;
        unsigned cut = 0;
        char req[512], buf[4096];
        int small = 2048, *fds;

        if (!rd)
                die("calloc");
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: slow\r\n\r\n", path);
        start = now_msec();
        end = start + seconds * 1000ull;
        for (unsigned i = 0; i < conns; i++)
                rd[i].fd = connect_from(i, small);
        fds = calloc(conns, sizeof(*fds));
        if (!fds)
                die("calloc");
        for (unsigned i = 0; i < conns; i++)
                fds[i] = rd[i].fd;
        printf("%u of %u readers connected\n", wait_connected(fds, conns, now_msec() + 3000), conns);
        free(fds);
        for (unsigned i = 0; i < conns; i++)
                if (send(rd[i].fd, req, strlen(req), MSG_NOSIGNAL) < 0)
                        rd[i].cut_msec = now_msec();
        /* Once a second, RATE bytes from each reader still connected. */
        while (now_msec() < end && cut < conns) {
                for (unsigned i = 0; i < conns; i++) {
                        size_t want = rate;

                        struct pollfd p = { .fd = rd[i].fd, .events = POLLIN | POLLRDHUP };

                        if (rd[i].cut_msec)
                                continue;
                        /* A reset is seen at once, however much is still
                         * in the receive buffer; a FIN only after it. */
                        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP))) {
                                rd[i].cut_msec = now_msec();
                                continue;
                        }
                        while (want > 0) {
                                ssize_t n = recv(rd[i].fd, buf, want < sizeof(buf) ? want : sizeof(buf), 0);

                                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                                        break;
                                if (n <= 0) {
                                        rd[i].cut_msec = now_msec();
                                        break;
                                }
                                rd[i].bytes += (uint64_t) n;
                                want -= (size_t) n;
                        }
                }
                cut = 0;
                for (unsigned i = 0; i < conns; i++)
                        cut += rd[i].cut_msec != 0;
                usleep(1000000);
        }
        for (unsigned i = 0; i < conns; i++) {
                uint64_t lasted = (rd[i].cut_msec ?: now_msec()) - start;

                longest = lasted > longest ? lasted : longest;
                least = rd[i].bytes < least ? rd[i].bytes : least;
                close(rd[i].fd);
        }
        printf("slow readers: %u of %u cut by the server, the longest connected %llu ms, "
               "the least read %llu bytes\n",
               cut, conns, (unsigned long long) longest, (unsigned long long) least);
        printf("cut %u\nlongest_msec %llu\n", cut, (unsigned long long) longest);
        free(rd);
        return 0;
}

static unsigned number(const char *s) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || end == s || v == 0 || v > 4194304) {
                fprintf(stderr, "http-hostile: not a count: %s\n", s);
                exit(2);
        }
        return (unsigned) v;
}

int main(int argc, char **argv) {
        struct rlimit rl;
        int i = 1;

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
                char *list = argv[i + 1], *tok, *save = NULL;

                if (strcmp(argv[i], "-p") == 0) {
                        freeze_pid = (pid_t) number(argv[i + 1]);
                        continue;
                }
                if (strcmp(argv[i], "-s") != 0)
                        break;
                for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                        if (n_sources == MAX_SOURCES || inet_pton(AF_INET, tok, &sources[n_sources]) != 1) {
                                fprintf(stderr, "http-hostile: bad source address %s\n", tok);
                                return 2;
                        }
                        n_sources++;
                }
        }
        if (argc - i < 3) {
                fprintf(stderr, "usage: http-hostile [-s ADDR,...] [-p PID] HOST PORT probe|burst|hold|slowread ARGS...\n");
                return 2;
        }
        server.sin_family = AF_INET;
        server.sin_port = htons((uint16_t) number(argv[i + 1]));
        if (inet_pton(AF_INET, argv[i], &server.sin_addr) != 1) {
                fprintf(stderr, "http-hostile: bad host %s\n", argv[i]);
                return 2;
        }
        /* Room for the connections (the hard limit is plenty on Debian). */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (strcmp(argv[i + 2], "probe") == 0 && argc - i == 3)
                return probe("probe") ? 0 : 1;
        if (strcmp(argv[i + 2], "burst") == 0 && argc - i == 5)
                return do_burst(number(argv[i + 3]), number(argv[i + 4]));
        if (strcmp(argv[i + 2], "hold") == 0 && argc - i == 6)
                return do_hold(number(argv[i + 3]), number(argv[i + 4]), number(argv[i + 5]));
        if (strcmp(argv[i + 2], "slowread") == 0 && argc - i == 7)
                return do_slowread(number(argv[i + 3]), number(argv[i + 4]), number(argv[i + 5]), argv[i + 6]);
        fprintf(stderr, "http-hostile: unknown mode or wrong arguments\n");
        return 2;
}
