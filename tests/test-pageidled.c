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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "test-util.h"
#include "util.h"

#define F(b) (UINT64_C(1) << KPF_##b)
#define N_PFNS 1024

static char dir[] = "/tmp/test-pageidled.XXXXXX";
static char daemon_path[4096];

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

/* Starts the daemon with the fake roots; its stdout and stderr go to files. */
static pid_t spawn(const char *name, char * const *args) {
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
                execv(daemon_path, argv);
                _exit(98);
        }
        return pid;
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
        json_object_put(doc);
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
        pid = spawn("daemon", (char *[]) { arg, arg2, "--user=root", NULL });

        doc = wait_json("run/stats.json", 1);
        CHECK_EQ_U64(json_object_array_length(get(doc, "cgroups")), 2);
        json_object_put(doc);

        /* A cgroup appears: tracked from the next scan on. */
        mk("cg/c");
        doc = wait_json("run/stats.json", 1);
        n = u64(doc, "scan_count");
        json_object_put(doc);
        doc = wait_json("run/stats.json", n + 2);
        CHECK(find_cgroup(doc, "/c"));
        json_object_put(doc);

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
        CHECK(strstr(err, "Cgroup /c is gone, no longer tracking it."));
        CHECK(strstr(err, "Cgroup /b no longer matches Track=, no longer tracking it."));
        CHECK(strstr(err, "Received SIGTERM, exiting."));
}

int main(void) {
        const char *b = getenv("top_builddir");
        char cmd[4200];

        snprintf(daemon_path, sizeof(daemon_path), "%s/daemon/pageidled", b ? b : ".");
        CHECK(access(daemon_path, X_OK) == 0);
        setup();
        test_command_line();
        test_once();
        test_daemon();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        return 0;
}
