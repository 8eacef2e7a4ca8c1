/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pageidled itself against a fake /proc and /sys made at test time (regular
 * files stand in for kpageflags, kpagecgroup and the bitmap, which then
 * reads back exactly what was marked): --once output, the command line,
 * config errors, SIGHUP reload (bad config kept out, good one taken),
 * cgroups appearing while running, and SIGTERM. */
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/kernel-page-flags.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "test-util.h"
#include "util.h"

#define F(b) (UINT64_C(1) << KPF_##b)
#define N_PFNS 1024

static char dir[] = "/tmp/test-pageidled.XXXXXX";
static char daemon_path[4096], shim_path[4096];

static void path_of(char *buf, size_t size, const char *rel) {
        snprintf(buf, size, "%s/%s", dir, rel);
}

static void mk(const char *rel) {
        char p[4200];

        path_of(p, sizeof(p), rel);
        CHECK(mkdir(p, 0755) == 0);
}

static void write_file(const char *rel, const void *data, size_t size) {
        char p[4200];
        int fd;

        path_of(p, sizeof(p), rel);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        CHECK(write(fd, data, size) == (ssize_t) size);
        close(fd);
}

static void write_text(const char *rel, const char *text) {
        write_file(rel, text, strlen(text));
}

static uint64_t ino(const char *rel) {
        char p[4200];
        struct stat st;

        path_of(p, sizeof(p), rel);
        CHECK(stat(p, &st) == 0);
        return st.st_ino;
}

static void setup(void) {
        static uint64_t flags[N_PFNS], cgroups[N_PFNS];
        static uint8_t bitmap[N_PFNS / 8];
        uint64_t a, b, sub, bad;

        CHECK(mkdtemp(dir));
        mk("proc");
        mk("sys");
        mk("sys/kernel");
        mk("sys/kernel/mm");
        mk("sys/kernel/mm/page_idle");
        mk("cg");
        mk("cg/a");
        mk("cg/a/sub");
        mk("cg/b");
        mk("cg/bad\xff");      /* matches /*, but is not UTF-8 */
        a = ino("cg/a");
        sub = ino("cg/a/sub");
        b = ino("cg/b");
        bad = ino("cg/bad\xff");
        for (unsigned p = 10; p < 20; p++)
                flags[p] = F(LRU) | F(ANON), cgroups[p] = a;
        for (unsigned p = 20; p < 30; p++)
                flags[p] = F(LRU), cgroups[p] = b;
        for (unsigned p = 30; p < 40; p++)
                flags[p] = F(LRU) | F(ANON), cgroups[p] = sub;
        flags[40] = F(LRU) | F(ANON) | F(COMPOUND_HEAD) | F(THP), cgroups[40] = b;
        for (unsigned p = 41; p < 48; p++)
                flags[p] = F(ANON) | F(COMPOUND_TAIL) | F(THP);
        for (unsigned p = 50; p < 55; p++)
                flags[p] = F(LRU) | F(ANON), cgroups[p] = bad;
        write_file("proc/kpageflags", flags, sizeof(flags));
        write_file("proc/kpagecgroup", cgroups, sizeof(cgroups));
        write_text("proc/iomem", "00000000-003fffff : System RAM\n");
        write_file("sys/kernel/mm/page_idle/bitmap", bitmap, sizeof(bitmap));
}

/* Starts the daemon with the fake roots and env ("NAME=VALUE", NULL-ended,
 * or NULL); its stdout and stderr go to files. */
static pid_t spawn_env(const char *name, char * const *args, char * const *env) {
        char out[4200], err[4200], proc[4200], sys[4200];
        char *argv[32] = { daemon_path };
        size_t n = 1;
        pid_t pid;

        for (; args[n - 1] && n < ELEMENTSOF(argv) - 1; n++)
                argv[n] = args[n - 1];
        argv[n] = NULL;
        snprintf(out, sizeof(out), "%s/%s.out", dir, name);
        snprintf(err, sizeof(err), "%s/%s.err", dir, name);
        path_of(proc, sizeof(proc), "proc");
        path_of(sys, sizeof(sys), "sys");
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
                        _exit(99);
                setenv("PAGEIDLED_PROC_ROOT", proc, 1);
                setenv("PAGEIDLED_SYS_ROOT", sys, 1);
                unsetenv("NOTIFY_SOCKET");
                unsetenv("WATCHDOG_USEC");
                unsetenv("JOURNAL_STREAM");
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                execv(daemon_path, argv);
                _exit(98);
        }
        return pid;
}

static pid_t spawn(const char *name, char * const *args) {
        return spawn_env(name, args, NULL);
}

static int wait_exit(pid_t pid) {
        int status;

        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static char *slurp(const char *rel) {
        char p[4200], *text = NULL;

        path_of(p, sizeof(p), rel);
        if (read_full_fileat(AT_FDCWD, p, &text, NULL) < 0)
                return NULL;
        return text;
}

static int run(const char *name, char * const *args) {
        return wait_exit(spawn(name, args));
}

static json_object *get(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v)) {
                fprintf(stderr, "missing key %s\n", key);
                exit(EXIT_FAILURE);
        }
        return v;
}

static json_object *find_cgroup(json_object *doc, const char *path) {
        json_object *l = get(doc, "cgroups");

        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *c = json_object_array_get_idx(l, i);

                if (strcmp(json_object_get_string(get(c, "path")), path) == 0)
                        return c;
        }
        return NULL;
}

static uint64_t u64(json_object *o, const char *key) {
        return json_object_get_uint64(get(o, key));
}

static void test_once(void) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        char conf[4200], root[4200], arg[8400], rootline[8400];
        json_object *doc, *a, *b;

        path_of(conf, sizeof(conf), "once.conf");
        path_of(root, sizeof(root), "cg");
        snprintf(rootline, sizeof(rootline), "[Scan]\nWorkingSetWindow=200ms\n[Cgroups]\nRoot=%s\n", root);
        write_text("once.conf", rootline);
        snprintf(arg, sizeof(arg), "--config=%s", conf);

        CHECK(run("once", (char *[]) { arg, "--once", "--interval=200ms", "--user=root",
                                       "--cgroup=/*", NULL }) == 0);
        out = slurp("once.out");
        err = slurp("once.err");
        fprintf(stderr, "--- stderr of --once:\n%s---\n", err);
        CHECK(utf8_is_valid(out));
        /* Warned about once, though --once makes two passes. */
        {
                const char *w = strstr(err, "Not tracking cgroup /bad\\xff: its name is not valid UTF-8");

                CHECK(w && !strstr(w + 1, "Not tracking cgroup"));
        }
        doc = json_tokener_parse(out);
        CHECK(doc);
        CHECK_EQ_U64(u64(doc, "schema_version"), 1);
        CHECK_STREQ(json_object_get_string(get(doc, "state")), "running");
        CHECK_STREQ(json_object_get_string(get(doc, "backend")), "page_idle");
        CHECK_EQ_U64(u64(doc, "scan_interval_usec"), 200 * USEC_PER_MSEC);
        CHECK_EQ_U64(u64(doc, "working_set_window_usec"), 200 * USEC_PER_MSEC);
        CHECK_EQ_U64(u64(doc, "scan_count"), 1);
        /* The duration of that scan, not the time since boot. */
        CHECK(u64(doc, "last_scan_duration_usec") > 0);
        CHECK(u64(doc, "last_scan_duration_usec") < 2 * USEC_PER_SEC);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 2);
        /* The fake bitmap reads back every mark: all idle. /a includes /a/sub. */
        a = find_cgroup(doc, "/a");
        b = find_cgroup(doc, "/b");
        CHECK(a && b && !find_cgroup(doc, "/a/sub"));
        CHECK_EQ_U64(u64(a, "bytes"), 20 * 4096);
        CHECK_EQ_U64(u64(a, "anon_bytes"), 20 * 4096);
        CHECK_EQ_U64(u64(a, "idle_bytes"), 20 * 4096);
        CHECK_EQ_U64(u64(a, "working_set_bytes"), 0);
        CHECK_EQ_U64(u64(b, "bytes"), 18 * 4096);
        CHECK_EQ_U64(u64(b, "file_bytes"), 10 * 4096);
        CHECK_EQ_U64(u64(b, "anon_bytes"), 8 * 4096);
        CHECK_EQ_U64(u64(b, "idle_bytes"), 18 * 4096);
        CHECK(json_object_get_double(get(b, "idle_ratio")) == 1.0);
        CHECK_EQ_U64(u64(b, "working_set_measured_usec"), 200 * USEC_PER_MSEC);
        json_object_put(doc);
}

/* With the default window of 2min, one interval measured: the working set
 * is what that interval saw used (here nothing), not every page, and the
 * document says which part of the window it covers. */
static void test_once_window(void) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        char root[4200], arg[8400];
        json_object *doc, *a;

        path_of(root, sizeof(root), "cg");
        snprintf(arg, sizeof(arg), "--config=%s/window.conf", dir);
        {
                char text[8400];

                snprintf(text, sizeof(text), "[Cgroups]\nRoot=%s\n[HTTP]\nEnable=no\n", root);
                write_text("window.conf", text);
        }
        CHECK(run("window", (char *[]) { arg, "--once", "--interval=200ms", "--user=root", "--cgroup=/a",
                                         NULL }) == 0);
        out = slurp("window.out");
        doc = json_tokener_parse(out);
        CHECK(doc);
        CHECK_EQ_U64(u64(doc, "working_set_window_usec"), 254 * 200 * USEC_PER_MSEC);
        a = find_cgroup(doc, "/a");
        CHECK(a);
        CHECK_EQ_U64(u64(a, "bytes"), 20 * 4096);
        CHECK_EQ_U64(u64(a, "idle_bytes"), 20 * 4096);
        CHECK_EQ_U64(u64(a, "working_set_bytes"), 0);
        CHECK_EQ_U64(u64(a, "working_set_measured_usec"), 200 * USEC_PER_MSEC);
        json_object_put(doc);

        /* A path that matches nothing: named, and --once fails. */
        CHECK(run("nomatch", (char *[]) { arg, "--once", "--interval=200ms", "--user=root", "--cgroup=/nope",
                                          "--cgroup=/a", "--cgroup=/b/*", NULL }) == 0);
        err = slurp("nomatch.err");
        CHECK(strstr(err, "--cgroup=/nope matches no cgroup under "));
        CHECK(strstr(err, "--cgroup=/b/* matches no cgroup under "));
        CHECK(!strstr(err, "--cgroup=/a matches"));
        free(err);
        CHECK(run("nothing", (char *[]) { arg, "--once", "--interval=200ms", "--user=root", "--cgroup=/nope",
                                          NULL }) == 1);
        err = slurp("nothing.err");
        CHECK(strstr(err, "--cgroup=/nope matches no cgroup under "));
        CHECK(strstr(err, "Nothing to measure"));
        /* Said once: not again as a failure of the loop. */
        CHECK(!strstr(err, "Event loop failed"));
        free(out);
        out = slurp("nothing.out");
        CHECK_STREQ(out, "");
}

static void test_command_line(void) {
        _cleanup_free_ char *out = NULL, *err = NULL, *err2 = NULL;
        char bad[4200], arg[8400];

        CHECK(run("help", (char *[]) { "--help", NULL }) == 0);
        out = slurp("help.out");
        CHECK(strstr(out, "--once"));
        CHECK(strstr(out, "--cgroup=PATTERN"));
        CHECK(run("badopt", (char *[]) { "--interval=soon", NULL }) == 1);
        err = slurp("badopt.err");
        CHECK(strstr(err, "Invalid --interval=soon"));

        /* Values get the checks of the keys they stand for (the old code let
         * these through: a missing config file then stopped it). */
        {
                static const struct {
                        const char *arg, *error;
                } bad_args[] = {
                        { "--cgroup=/a/..", "Invalid --cgroup=/a/..: has a . or .. component." },
                        { "--cgroup=/..", "Invalid --cgroup=/..: has a . or .. component." },
                        { "--cgroup=/a/.", "Invalid --cgroup=/a/.: has a . or .. component." },
                        { "--cgroup=/\xff", "Invalid --cgroup= (not valid UTF-8): not valid UTF-8." },
                        { "--json-file=/", "Invalid --json-file=/: not an absolute path to a file" },
                        { "--json-file=/run/pageidled/", "Invalid --json-file=/run/pageidled/: not an absolute" },
                        { "--user=root\nx", "Invalid --user= (with a control character): not a user name" },
                        { "--user=r\xc3\x28t", "Invalid --user= (not valid UTF-8): not a user name" },
                        { "--interval=25h", "Invalid --interval=25h: out of range (100ms to 24h)." },
                };

                for (size_t i = 0; i < ELEMENTSOF(bad_args); i++) {
                        _cleanup_free_ char *e = NULL;

                        CHECK(run("badarg", (char *[]) { "--config=/nonexistent/pageidled.conf",
                                                         (char *) bad_args[i].arg, NULL }) == 1);
                        e = slurp("badarg.err");
                        if (!strstr(e, bad_args[i].error))
                                fprintf(stderr, "%s: %s", bad_args[i].arg, e);
                        CHECK(strstr(e, bad_args[i].error));
                        CHECK(!strstr(e, "nonexistent"));
                }
        }

        /* A bad config file: refuses to start, naming file:line. */
        write_text("bad.conf", "[Scan]\nInterval=5s\nBackend=magic\n");
        path_of(bad, sizeof(bad), "bad.conf");
        snprintf(arg, sizeof(arg), "--config=%s", bad);
        CHECK(run("badconf", (char *[]) { arg, "--once", NULL }) == 1);
        err2 = slurp("badconf.err");
        CHECK(strstr(err2, ":3: Backend=magic: not one of auto, page_idle, refs"));
        CHECK(strstr(err2, bad));
}

/* Waits until the JSON file has scan_count >= count; returns it parsed. */
static json_object *wait_json(const char *rel, uint64_t count) {
        for (unsigned i = 0; i < 200; i++) {
                _cleanup_free_ char *text = slurp(rel);
                json_object *doc = text ? json_tokener_parse(text) : NULL;

                if (doc && u64(doc, "scan_count") >= count)
                        return doc;
                if (doc)
                        json_object_put(doc);
                usleep(50 * 1000);
        }
        fprintf(stderr, "timed out waiting for %s to reach scan %" PRIu64 "\n", rel, count);
        exit(EXIT_FAILURE);
}

static void test_daemon(void) {
        _cleanup_free_ char *err = NULL;
        char conf[4200], root[4200], json[4200], arg[8400], arg2[8400], text[8400];
        json_object *doc;
        uint64_t n;
        pid_t pid;

        path_of(conf, sizeof(conf), "daemon.conf");
        path_of(root, sizeof(root), "cg");
        path_of(json, sizeof(json), "run/stats.json");
        snprintf(text, sizeof(text), "[Scan]\nInterval=200ms\n[Cgroups]\nRoot=%s\nTrack=/*\n", root);
        write_text("daemon.conf", text);
        snprintf(arg, sizeof(arg), "--config=%s", conf);
        snprintf(arg2, sizeof(arg2), "--json-file=%s", json);
        /* A temporary file left by a crash mid-write: removed at start; not
         * what only looks like one. */
        mk("run");
        write_text("run/stats.json.Ab3XyZ", "{");
        write_text("run/stats.json.keep", "{");
        /* As under systemd: each line starts with its priority, "<6>". */
        pid = spawn_env("daemon", (char *[]) { arg, arg2, "--user=root", NULL },
                        (char *[]) { "JOURNAL_STREAM=8:1234", NULL });

        doc = wait_json("run/stats.json", 1);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 2);
        path_of(text, sizeof(text), "run/stats.json.Ab3XyZ");
        CHECK(access(text, F_OK) < 0 && errno == ENOENT);
        path_of(text, sizeof(text), "run/stats.json.keep");
        CHECK(access(text, F_OK) == 0);
        /* The window is 2min (254 intervals at most): of it, the scans so far. */
        {
                json_object *a = find_cgroup(doc, "/a");

                CHECK_EQ_U64(u64(a, "working_set_bytes"), 0);
                CHECK_EQ_U64(u64(a, "working_set_measured_usec"), u64(doc, "scan_count") * 200 * USEC_PER_MSEC);
        }
        json_object_put(doc);

        /* A cgroup appears: tracked from the next scan on.  Another's name
         * holds a newline and what the journal reads as priority 0. */
        mk("cg/c");
        mk("cg/n\n<0>x");
        doc = wait_json("run/stats.json", 1);
        n = u64(doc, "scan_count");
        json_object_put(doc);
        doc = wait_json("run/stats.json", n + 2);
        CHECK(find_cgroup(doc, "/c"));
        CHECK(find_cgroup(doc, "/n\n<0>x"));
        /* New: measured since it appeared, less than /a. */
        CHECK(u64(find_cgroup(doc, "/c"), "working_set_measured_usec") <
              u64(find_cgroup(doc, "/a"), "working_set_measured_usec"));
        json_object_put(doc);
        path_of(text, sizeof(text), "cg/n\n<0>x");
        CHECK(rmdir(text) == 0);

        /* A bad config on SIGHUP: logged with file:line, the old one stays. */
        write_text("daemon.conf", "[Scan]\nInterval=1s\nCPUBudget=lots\n");
        CHECK(kill(pid, SIGHUP) == 0);
        doc = wait_json("run/stats.json", n + 4);
        CHECK_EQ_U64(u64(doc, "scan_interval_usec"), 200 * USEC_PER_MSEC);
        json_object_put(doc);
        err = slurp("daemon.err");
        CHECK(strstr(err, ":3: CPUBudget=lots: not a percentage from 1% to 100%"));
        CHECK(strstr(err, "Keeping the previous configuration."));

        /* A good one is taken, and a removed cgroup is dropped. */
        snprintf(text, sizeof(text), "[Scan]\nInterval=300ms\n[Cgroups]\nRoot=%s\nTrack=/a /c\n", root);
        write_text("daemon.conf", text);
        path_of(text, sizeof(text), "cg/c");
        CHECK(rmdir(text) == 0);
        CHECK(kill(pid, SIGHUP) == 0);
        for (unsigned i = 0;; i++) {
                doc = wait_json("run/stats.json", 1);
                if (u64(doc, "scan_interval_usec") == 300 * USEC_PER_MSEC &&
                    json_object_array_length(get(doc, "cgroups")) == 1)
                        break;
                json_object_put(doc);
                CHECK(i < 100);
                usleep(50 * 1000);
        }
        CHECK(find_cgroup(doc, "/a"));
        json_object_put(doc);

        CHECK(kill(pid, SIGTERM) == 0);
        CHECK(wait_exit(pid) == 0);
        free(err);
        err = slurp("daemon.err");
        fprintf(stderr, "--- stderr of the daemon:\n%s---\n", err);
        CHECK(strstr(err, "Tracking cgroup /c."));
        /* The name, escaped, on one line with the priority it was logged at. */
        CHECK(strstr(err, "<6>Tracking cgroup /n\\n<0>x."));
        for (const char *l = err; *l; l = strchr(l, '\n') + 1) {
                CHECK(l[0] == '<' && l[1] >= '0' && l[1] <= '7' && l[2] == '>');
                CHECK(l[1] != '0');
                CHECK(strchr(l, '\n'));
        }
        CHECK(strstr(err, "Cgroup /c is gone, no longer tracking it."));
        CHECK(strstr(err, "Cgroup /b no longer matches Track=, no longer tracking it."));
        CHECK(strstr(err, "Received SIGTERM, exiting."));
        CHECK(strstr(err, "Removed 1 stale temporary files of "));
}

/* The WATCHDOG=1 datagrams waiting on the notify socket; READY=1 counts in *ready. */
static unsigned drain_watchdog(int sock, unsigned *ready) {
        unsigned n = 0;
        char buf[4096];
        ssize_t k;

        while ((k = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT)) >= 0) {
                buf[k] = 0;
                for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
                        if (strcmp(l, "WATCHDOG=1") == 0)
                                n++;
                        if (strcmp(l, "READY=1") == 0 && ready)
                                (*ready)++;
                }
        }
        return n;
}

/* A timer handler that fails (here: ENOMEM walking the hierarchy, in the
 * pass timer's handler) ends the daemon with an error, for the service
 * manager to restart it, instead of leaving a process that no longer
 * scans.  Until then WATCHDOG=1 comes, though the interval is longer than
 * the watchdog's period. */
static void test_handler_failure(void) {
        _cleanup_free_ char *err = NULL;
        char conf[4200], root[4200], json[4200], arg[8400], arg2[8400], text[8400], fault[4200];
        char env_notify[4300], env_preload[4300], env_fault[4300], env_fsync[4300], fsync_log[4200];
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unsigned fed = 0, ready = 0;
        json_object *doc;
        int sock, status = 0;
        pid_t pid;

        path_of(sa.sun_path, sizeof(sa.sun_path), "notify");
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        CHECK(sock >= 0);
        CHECK(bind(sock, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        path_of(conf, sizeof(conf), "fault.conf");
        path_of(root, sizeof(root), "cg");
        path_of(json, sizeof(json), "run-fault/stats.json");
        path_of(fault, sizeof(fault), "fault");
        snprintf(text, sizeof(text), "[Scan]\nInterval=1s\nCPUBudget=100%%\n[Cgroups]\nRoot=%s\nTrack=/*\n[HTTP]\nEnable=no\n", root);
        write_text("fault.conf", text);
        snprintf(arg, sizeof(arg), "--config=%s", conf);
        snprintf(arg2, sizeof(arg2), "--json-file=%s", json);
        snprintf(env_notify, sizeof(env_notify), "NOTIFY_SOCKET=%s", sa.sun_path);
        snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", shim_path);
        snprintf(env_fault, sizeof(env_fault), "PAGEIDLED_TEST_FAULT_FILE=%s", fault);
        path_of(fsync_log, sizeof(fsync_log), "fsync.log");
        snprintf(env_fsync, sizeof(env_fsync), "PAGEIDLED_TEST_FSYNC_LOG=%s", fsync_log);
        pid = spawn_env("fault", (char *[]) { arg, arg2, "--user=root", NULL },
                        (char *[]) { env_notify, env_preload, env_fault, env_fsync, "WATCHDOG_USEC=300000",
                                     "ASAN_OPTIONS=verify_asan_link_order=0", NULL });

        /* Reading the socket all along, as the service manager would. */
        for (unsigned i = 0;; i++) {
                _cleanup_free_ char *t = slurp("run-fault/stats.json");

                fed += drain_watchdog(sock, &ready);
                doc = t ? json_tokener_parse(t) : NULL;
                if (doc && u64(doc, "scan_count") >= 3) {
                        json_object_put(doc);
                        break;
                }
                if (doc)
                        json_object_put(doc);
                CHECK(i < 400);
                usleep(25 * 1000);
        }
        fprintf(stderr, "WATCHDOG=1 %u times in three scans\n", fed);
        CHECK_EQ_U64(ready, 1);
        /* Two intervals of 1s, a period of 300ms: more than once a pass. */
        CHECK(fed > 3);

        /* The JSON file, where it is not on tmpfs, is synced before its
         * rename, and its directory after. */
        {
                _cleanup_free_ char *synced = slurp("fsync.log");
                char want[4300];
                struct statfs sfs;

                path_of(want, sizeof(want), "run-fault");
                CHECK(statfs(want, &sfs) == 0);
                fprintf(stderr, "--- synced:\n%s---\n", synced ?: "");
                if (sfs.f_type == TMPFS_MAGIC) {
                        CHECK(!synced || !*synced);
                } else {
                        size_t n = strlen(want);

                        CHECK(synced);
                        snprintf(want + n, sizeof(want) - n, "/stats.json.");
                        CHECK(strstr(synced, want));
                        want[n] = 0;
                        strcat(want, "\n");
                        CHECK(strstr(synced, want));
                }
        }

        write_text("fault", "");
        for (unsigned i = 0;; i++) {
                pid_t k = waitpid(pid, &status, WNOHANG);

                CHECK(k >= 0);
                if (k == pid)
                        break;
                if (i >= 200) {
                        fprintf(stderr, "pageidled still runs 20 s after its scan failed\n");
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        err = slurp("fault.err");
                        fprintf(stderr, "--- stderr of the daemon:\n%s---\n", err);
                        exit(EXIT_FAILURE);
                }
                usleep(100 * 1000);
        }
        err = slurp("fault.err");
        fprintf(stderr, "--- stderr of the daemon:\n%s---\n", err);
        CHECK(WIFEXITED(status));
        CHECK_EQ_U64(WEXITSTATUS(status), 1);
        CHECK(strstr(err, "Out of memory."));
        CHECK(strstr(err, "Event loop failed: Cannot allocate memory"));
        close(sock);
}

int main(void) {
        const char *b = getenv("top_builddir");
        char cmd[4200];

        snprintf(daemon_path, sizeof(daemon_path), "%s/daemon/pageidled", b ? b : ".");
        CHECK(access(daemon_path, X_OK) == 0);
        snprintf(shim_path, sizeof(shim_path), "%s/tests/fault-inject.so", b ? b : ".");
        CHECK(access(shim_path, R_OK) == 0);
        setup();
        test_command_line();
        test_once();
        test_once_window();
        test_daemon();
        test_handler_failure();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        return 0;
}
