/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "backend.h"
#include "bus.h"
#include "history.h"
#include "http.h"
#include "json.h"
#include "manager.h"
#include "opener.h"
#include "privs.h"
#include "util.h"

/* CPU time one burst of batches may take before the loop sleeps to stay
 * within the budget. */
#define STEP_QUANTUM_USEC (10 * USEC_PER_MSEC)
#define STEP_PFNS (64 * 1024)
#define TIMER_ACCURACY_USEC USEC_PER_MSEC

static const char * const manager_state_table[_MANAGER_STATE_MAX] = {
        [MANAGER_STARTING] = "starting",
        [MANAGER_RUNNING] = "running",
        [MANAGER_DEGRADED] = "degraded",
};

const char *manager_state_to_string(ManagerState s) {
        return s >= 0 && s < _MANAGER_STATE_MAX ? manager_state_table[s] : NULL;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        http_free(m->http);
        bus_free(m->bus);
        tracking_done(&m->tracking);
        sd_event_source_disable_unref(m->pass_timer);
        sd_event_source_disable_unref(m->step_timer);
        sd_event_source_disable_unref(m->watchdog_timer);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m->bitmap_path);
        safe_close(m->cgroup_root_fd);
        free(m->cgroup_root_path);
        if (m->vtable)
                m->vtable->free(m->backend_state);
        sd_event_source_disable_unref(m->opener_source);
        opener_free(m->opener);
        cgroup_set_free(m->scanning);
        cgroup_set_free(m->published);
        cgroup_set_free(m->marked);
        free(m->unnamed_inodes);
        free(m->state_detail);
        snapshot_unref(m->snapshot);
        history_free(m->history);
        free(m);
        return NULL;
}

static int config_apply_options(Config *c, const Options *o) {
        if (o->interval_usec > 0)
                c->interval_usec = o->interval_usec;
        if (o->cgroups) {
                strv_free(c->cgroups);
                c->cgroups = strv_copy(o->cgroups);
                if (!c->cgroups)
                        return -ENOMEM;
        }
        if (o->backend >= 0)
                c->backend = o->backend;
        if (o->json_file) {
                free(c->json_file);
                c->json_file = NULL;
                if (*o->json_file && !(c->json_file = strdup(o->json_file)))
                        return -ENOMEM;
        }
        if (o->user) {
                free(c->user);
                c->user = strdup(o->user);
                if (!c->user)
                        return -ENOMEM;
        }
        return 0;
}

/* Defaults, then the file, then the command line. */
static int manager_load_config(const Manager *m, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *error = NULL;
        const char *path = m->options->config_path ?: CONFIG_FILE;
        int r;

        r = config_load(path, !!m->options->config_path, &c, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: path);
        r = config_apply_options(c, m->options);
        if (r < 0)
                return log_oom();
        r = config_check(c, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error);
        *ret = TAKE_PTR(c);
        return 0;
}

int manager_new(const Options *o, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->options = o;
        m->cgroup_root_fd = -EBADF;
        m->state = MANAGER_STARTING;
        m->log_patterns = true;
        m->proc_root = getenv("PAGEIDLED_PROC_ROOT") ?: "/proc";
        m->sys_root = getenv("PAGEIDLED_SYS_ROOT") ?: "/sys";
        m->page_size = (uint64_t) sysconf(_SC_PAGESIZE);
        /* Per start: a restart forgets the ages anyway. */
        if (getrandom(&m->sample_seed, sizeof(m->sample_seed), GRND_NONBLOCK) != sizeof(m->sample_seed))
                m->sample_seed = now_usec(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
        sample_auto_init(&m->sample_auto);

        r = manager_load_config(m, &m->config);
        if (r < 0)
                return r;
        if (history_new(config_history_scans(m->config), &m->history) < 0)
                return log_oom();
        *ret = TAKE_PTR(m);
        return 0;
}

_printf_(3, 4)
static void manager_set_state(Manager *m, ManagerState state, const char *format, ...) {
        char *detail = NULL;
        va_list ap;

        if (format) {
                va_start(ap, format);
                if (vasprintf(&detail, format, ap) < 0)
                        detail = NULL;
                va_end(ap);
        }
        free(m->state_detail);
        m->state_detail = detail;
        m->state = state;
}

/* A fault is logged when it starts or changes, not at every scan. */
static void manager_fault(Manager *m, int error, const char *file) {
        if (error != m->last_error)
                log_error_errno(error, "Failed to access %s: %m; retrying at every scan.", file);
        m->last_error = error;
        errno = -error;
        manager_set_state(m, MANAGER_DEGRADED, "%s: %m", file);
}

/* A writable directory for the JSON file, owned by the user we switch to. */
static int manager_prepare_json_dir(Manager *m, uid_t uid, gid_t gid) {
        _cleanup_free_ char *copy = NULL;
        const char *dir;

        if (!m->config->json_file || m->options->once)
                return 0;
        copy = strdup(m->config->json_file);
        if (!copy)
                return log_oom();
        dir = dirname(copy);
        if (mkdir(dir, 0755) < 0) {
                if (errno == EEXIST)
                        return 0;
                return log_error_errno(errno, "Failed to create %s: %m", dir);
        }
        if (uid != 0 && chown(dir, uid, gid) < 0)
                return log_error_errno(errno, "Failed to hand %s to the daemon's user: %m", dir);
        return 0;
}

/* Who the daemon runs as once started, and what the opener keeps. */
typedef struct PrivsPlan {
        bool drop;                      /* false: User=root, as root */
        uid_t uid;                      /* PRIVS_UID_INVALID: stays who it was started as */
        gid_t gid;
        uint64_t keep;                  /* the backend's capabilities, of those permitted */
} PrivsPlan;

static int manager_plan_privileges(Manager *m, PrivsPlan *ret) {
        /* Of what the process is given: what the backend's opener needs.
         * The daemon's own process keeps none. */
        uint64_t need = m->vtable->caps;
        uid_t uid;
        gid_t gid;
        int r;

        *ret = (PrivsPlan) {
                .drop = true,
                .uid = PRIVS_UID_INVALID,
                .gid = (gid_t) -1,
                .keep = need & privs_permitted(),
        };
        if (geteuid() != 0) {
                /* As systemd starts it (User=, AmbientCapabilities=), or by
                 * hand: no switch of user, but no capability either. */
                log_debug("Not started as root: running as uid %u as is.", (unsigned) geteuid());
                return 0;
        }
        if (strcmp(m->config->user, "root") == 0) {
                log_notice("Running as root, as User=root asks.");
                ret->drop = false;
                return 0;
        }
        r = privs_lookup_user(m->config->user, &uid, &gid);
        if (r == -ESRCH)
                return log_error_errno(r, "User %s does not exist: create it (systemd-sysusers) or set User=.",
                                       m->config->user);
        if (r < 0)
                return log_error_errno(r, "Failed to look up user %s: %m", m->config->user);
        if (uid == 0)
                return log_error_errno(EINVAL, "User %s is root: say User=root to run as root.", m->config->user);
        /* Group 0 owns files root meant for root alone. */
        if (gid == 0)
                return log_error_errno(EINVAL, "User %s has group 0 (root) as its primary group: give it a group "
                                       "of its own.", m->config->user);
        ret->uid = uid;
        ret->gid = gid;
        return 0;
}

/* Before anything is opened: the helper holds no fd of the daemon's. */
static int manager_start_opener(Manager *m, const PrivsPlan *p) {
        OpenerConfig c = {
                .proc_root = m->vtable->opener_proc ? m->proc_root : NULL,
                .bitmap_path = m->vtable->opener_bitmap ? m->bitmap_path : NULL,
                .device_path = m->vtable->opener_bitmap && m->config->scan_path != SCAN_PATH_KPAGEFLAGS ?
                               BACKEND_DEVICE_PATH : NULL,
                .uid = p->uid,
                .gid = p->gid,
                .keep = p->keep,
        };
        _cleanup_free_ char *names = NULL;
        int r;

        if (!p->drop || p->keep == 0)
                return opener_new_local(&c, &m->opener);
        r = opener_fork(&c, &m->opener);
        if (r < 0)
                return r;
        names = privs_format(p->keep);
        log_debug("The privileged opener (pid %d) keeps %s.", (int) m->opener->pid, names ?: "its capabilities");
        return 0;
}

static int manager_drop_privileges(Manager *m, const PrivsPlan *p) {
        bool switching = p->uid != PRIVS_UID_INVALID;
        int r;

        if (!p->drop)
                return manager_prepare_json_dir(m, 0, 0);
        r = manager_prepare_json_dir(m, switching ? p->uid : 0, switching ? p->gid : 0);
        if (r < 0)
                return r;
        r = privs_drop(p->uid, p->gid, 0, false);
        if (r < 0)
                return r;
        log_debug("Running as uid %u, gid %u, without capabilities.", (unsigned) getuid(), (unsigned) getgid());
        return 0;
}

/* LoadModule=yes: modprobe pageidle, as root, before the switch. */
static int manager_load_module(void) {
        char *argv[] = { (char *) "modprobe", (char *) "-q", (char *) "pageidle", NULL };
        char *envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        int status;
        pid_t pid;
        int r;

        r = posix_spawnp(&pid, "modprobe", NULL, NULL, argv, envp);
        if (r != 0)
                return log_warning_errno(r, "Failed to run modprobe pageidle: %m");
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_warning_errno(errno, "Failed to wait for modprobe: %m");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                log_warning("modprobe pageidle failed (exit status %d).",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                return -EIO;
        }
        return 0;
}

/* Backend=auto: the bitmap if it is there, else pageidle.ko if
 * LoadModule=yes and it loads, else refs.  Says which in the log. */
static int manager_choose_backend(Manager *m) {
        if (asprintf(&m->bitmap_path, "%s/kernel/mm/page_idle/bitmap", m->sys_root) < 0)
                return log_oom();
        if (m->config->backend != BACKEND_AUTO) {
                m->backend = m->config->backend;
                log_info("Using backend %s, as configured.", backend_to_string(m->backend));
                return 0;
        }
        m->backend = BACKEND_PAGE_IDLE;
        if (access(m->bitmap_path, F_OK) >= 0) {
                log_info("Using backend page_idle: %s exists.", m->bitmap_path);
                return 0;
        }
        if (m->config->load_module && manager_load_module() >= 0 && access(m->bitmap_path, F_OK) >= 0) {
                log_info("Using backend page_idle: loaded pageidle.ko.");
                return 0;
        }
        /* refs reads other users' processes, which takes CAP_SYS_PTRACE;
         * pageidled.service leaves it out of the bounding set for the sake
         * of the page_idle backend.  Rather than count only the daemon's
         * own processes, wait for the bitmap as Backend=page_idle does. */
        if (prctl(PR_CAPBSET_READ, CAP_SYS_PTRACE, 0, 0, 0) == 0) {
                log_notice("Not using backend refs: it needs CAP_SYS_PTRACE, which the capability bounding set "
                           "lacks (see pageidled(8)); using page_idle, which waits for %s.", m->bitmap_path);
                return 0;
        }
        m->backend = BACKEND_REFS;
        log_notice("Using backend refs: %s does not exist%s; estimates come from /proc/PID/smaps_rollup "
                   "per process, see pageidled(8).", m->bitmap_path,
                   m->config->load_module ? " and pageidle.ko did not load" : " and LoadModule=no");
        return 0;
}

/* The backend's own files, through the opener where they need privileges. */
static int manager_open_backend(Manager *m) {
        BackendContext c = {
                .proc_root = m->proc_root,
                .bitmap_path = m->bitmap_path,
                .scan_path = m->config->scan_path,
                .page_size = m->page_size,
                .opener = m->opener,
                .once = m->options->once,
        };
        int r;

        r = m->vtable->open(&c, &m->backend_state);
        if (r < 0)
                return r;
        if (r > 0) {
                /* Waiting for its device: each pass tries again. */
                m->last_error = -ENOENT;
                manager_set_state(m, MANAGER_DEGRADED, "%s: %s", m->bitmap_path, strerror(ENOENT));
        }
        return 0;
}

/* The one value every output renders: made once per publish. */
static int manager_make_snapshot(Manager *m, Snapshot **ret) {
        SnapshotInfo info = {
                .backend = backend_to_string(m->backend),
                .scan_path = m->backend_state ? m->vtable->scan_path(m->backend_state) : NULL,
                .state = manager_state_to_string(m->state),
                .state_detail = m->state_detail,
                .interval_usec = m->config->interval_usec,
                .window_usec = config_window_intervals(m->config) * m->config->interval_usec,
                .cold_age_usec = m->backend == BACKEND_REFS ? 0 :
                                 config_cold_intervals(m->config) * m->config->interval_usec,
                .scan_count = m->scan_count,
                .last_scan_timestamp_usec = m->last_scan_timestamp_usec,
                .last_scan_duration_usec = m->last_scan_duration_usec,
                .page_size = m->page_size,
                .sampling = sample_fraction(m->published_shift),
        };

        unsigned windows[CONFIG_WINDOWS_MAX];

        info.n_windows = config_windows_intervals(m->config, windows);
        for (unsigned i = 0; i < info.n_windows; i++)
                info.windows_usec[i] = windows[i] * m->config->interval_usec;
        return snapshot_new(&info, m->published, ret);
}

int manager_open(Manager *m) {
        PrivsPlan plan;
        int r;

        r = manager_choose_backend(m);
        if (r < 0)
                return r;
        m->vtable = backend_vtable(m->backend);
        r = manager_plan_privileges(m, &plan);
        if (r < 0)
                return r;
        r = manager_start_opener(m, &plan);
        if (r < 0)
                return r;
        r = manager_open_backend(m);
        if (r < 0)
                return r;

        r = cgroup_root_open(m->sys_root, m->config->cgroup_root, &m->cgroup_root_path, &m->cgroup_root_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open the memory cgroup hierarchy (%s): %m; set Root= in [Cgroups].",
                                       m->config->cgroup_root ?: "cgroup2 or v1 memory under /sys/fs/cgroup");

        /* Bound as root (a port below 1024 may be configured); served after the drop. */
        if (!m->options->once && http_open(m->config, &m->http) < 0)
                return -ENOMEM;

        r = manager_drop_privileges(m, &plan);
        if (r < 0)
                return r;
        /* What the bus and HTTP serve until the first pass is published. */
        if (manager_make_snapshot(m, &m->snapshot) < 0)
                return log_oom();
        return 0;
}

/* What HTTP and the bus render /history.json and GetHistory() from. */
static void manager_publish_history(Manager *m) {
        _cleanup_(history_view_unrefp) HistoryView *v = NULL;

        if (history_view(m->history, &v) < 0) {
                log_oom();
                return;
        }
        if (m->http && http_publish_history(m->http, v) < 0)
                log_oom();
        bus_publish_history(m->bus, v);
}

/* The outputs, each from the same snapshot: the JSON file, HTTP, the bus. */
static void manager_publish(Manager *m) {
        _cleanup_(snapshot_unrefp) Snapshot *s = NULL;
        int r;

        r = manager_make_snapshot(m, &s);
        if (r < 0) {
                log_oom();
                return;
        }
        snapshot_unref(m->snapshot);
        m->snapshot = snapshot_ref(s);
        if (m->options->once)
                return;         /* main() prints the last one */
        if (history_add(m->history, s) < 0)
                log_oom();
        if (m->http && http_publish(m->http, s) < 0)
                log_oom();
        manager_publish_history(m);
        if (m->config->json_file) {
                r = json_write_atomic(m->config->json_file, s->json);
                if (r < 0 && r != m->json_error)
                        log_error_errno(r, "Failed to write %s: %m", m->config->json_file);
                else if (r >= 0 && m->json_error != 0)
                        log_info("Writing %s works again.", m->config->json_file);
                m->json_error = r < 0 ? r : 0;
        }
        if (m->state == MANAGER_RUNNING)
                sd_notifyf(false, "STATUS=Tracking %zu cgroups, %" PRIu64 " MiB; scan %" PRIu64
                           " took %" PRIu64 " ms (%" PRIu64 " ms CPU)",
                           m->published ? m->published->n_tracked : 0, s->bytes >> 20, m->scan_count,
                           m->last_scan_duration_usec / USEC_PER_MSEC,
                           (m->last_scan_user_usec + m->last_scan_sys_usec) / USEC_PER_MSEC);
        else
                sd_notifyf(false, "STATUS=%s%s%s", manager_state_to_string(m->state),
                           m->state_detail ? ": " : "", m->state_detail ?: "");
        bus_publish(m->bus, s, true);
}

/* ScanNow() (bus.c's method_scan_now() through manager-bus.c): between
 * passes, the pass timer fires at once; during one, manager_schedule_pass()
 * arms it for now when that pass ends.  The call is answered by
 * bus_publish() when the pass it asked for is published. */
int manager_scan_now(Manager *m) {
        if (m->scanning) {
                m->scan_requested = true;
                return 1;
        }
        if (sd_event_source_set_time(m->pass_timer, now_usec(CLOCK_MONOTONIC)) >= 0)
                (void) sd_event_source_set_enabled(m->pass_timer, SD_EVENT_ONESHOT);
        return 0;
}

static unsigned manager_budget(const Manager *m);
static uint64_t manager_pace_due(const Manager *m);

/* The next pass starts an interval after the last was due, or at once if
 * that is past, but not before the CPU time of the passes so far is paid
 * for at CPUBudget= (manager_pace_due()): a pass short enough to be one
 * step is never paced while it runs, so the budget is kept across
 * passes. */
static int manager_schedule_pass(Manager *m) {
        uint64_t next = m->pass_scheduled_usec + m->config->interval_usec, now = now_usec(CLOCK_MONOTONIC);
        uint64_t due = manager_pace_due(m);
        char a[32], b[32], c[32];
        int r;

        if (next < now) {
                if (!m->overrun_logged)
                        log_warning("A scan took %s, longer than the interval of %s: raise CPUBudget= or Interval=.",
                                    format_duration(a, sizeof(a), now - m->pass_scheduled_usec),
                                    format_duration(b, sizeof(b), m->config->interval_usec));
                m->overrun_logged = true;
                next = now;
        }
        if (due > next + TIMER_ACCURACY_USEC) {
                if (!m->paced_logged && !m->overrun_logged)
                        log_warning("A scan used more CPU time than CPUBudget=%u%% of the interval of %s allows: "
                                    "the next waits %s longer; raise CPUBudget= or Interval=, or set Sampling=.",
                                    manager_budget(m), format_duration(b, sizeof(b), m->config->interval_usec),
                                    format_duration(c, sizeof(c), due - next));
                m->paced_logged = true;
                next = due;
        }
        if (m->scan_requested) {
                /* ScanNow() came during the pass that just ended. */
                m->scan_requested = false;
                next = now;
        }
        r = sd_event_source_set_time(m->pass_timer, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->pass_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the scan timer: %m");
        return 0;
}

/* Warns once about each matching cgroup whose name is not UTF-8, for as
 * long as it stays (passes that measure nothing are not published, so the
 * published set cannot tell). */
static void manager_log_unnamed(Manager *m, const CgroupSet *now) {
        _cleanup_free_ uint64_t *seen = NULL;
        size_t n_seen = 0;

        for (size_t i = 0; i < now->n_nodes; i++) {
                const CgroupNode *n = &now->nodes[i];
                bool known = false;
                uint64_t *a;

                if (!n->unnamed)
                        continue;
                for (size_t j = 0; j < m->n_unnamed_inodes && !known; j++)
                        known = m->unnamed_inodes[j] == n->inode;
                if (!known)
                        log_warning("Not tracking cgroup %s: its name is not valid UTF-8, which "
                                    "D-Bus, JSON and metrics need. Its pages count in its parents.", n->path);
                a = realloc(seen, (n_seen + 1) * sizeof(uint64_t));
                if (!a)
                        return;         /* warned again next time: harmless */
                seen = a;
                seen[n_seen++] = n->inode;
        }
        free(m->unnamed_inodes);
        m->unnamed_inodes = TAKE_PTR(seen);
        m->n_unnamed_inodes = n_seen;
}

/* How many intervals each cgroup's pages have been measured over, carried
 * from the last pass by inode: a cgroup it counted has one more; one new
 * below a counted cgroup was made since, so its pages are as new as that
 * interval and it takes its parent's count; any other (newly tracked, or
 * every cgroup in the first pass after the bitmap was opened) has none. */
static void manager_carry_measured(Manager *m, CgroupSet *set) {
        const CgroupSet *prev = m->marked ?: m->published;

        for (size_t i = 0; i < set->n_nodes; i++) {
                CgroupNode *n = &set->nodes[i];
                const CgroupNode *o = prev && m->pass_measures > 0 ? cgroup_set_lookup(prev, n->inode) : NULL;

                if (m->pass_measures == 0)
                        n->measured_intervals = 0;
                else if (o)
                        n->measured_intervals = MIN(o->measured_intervals + 1, AGE_MAX);
                else if (n->parent != CGROUP_NO_PARENT)
                        n->measured_intervals = set->nodes[n->parent].measured_intervals;
                else
                        n->measured_intervals = 0;
        }
}

/* Names the Track= patterns (or --cgroup= options) that match no cgroup,
 * at start and after a reload: an empty document says nothing of why. */
static void manager_log_unmatched(Manager *m, const CgroupSet *set) {
        const char *what = m->options->cgroups ? "--cgroup" : "Track";

        for (size_t i = 0; m->config->cgroups && m->config->cgroups[i]; i++) {
                const char *p = m->config->cgroups[i];
                _cleanup_free_ char *elsewhere = NULL;
                bool matched = false;

                for (size_t j = 0; j < set->n_nodes && !matched; j++)
                        matched = (set->nodes[j].tracked || set->nodes[j].unnamed) &&
                                  cgroup_pattern_match(p, set->nodes[j].path);
                if (matched)
                        continue;
                if (cgroup_find_elsewhere(m->sys_root, m->cgroup_root_path, p, &elsewhere) > 0)
                        log_warning("%s=%s matches no cgroup under %s; %s exists, in a hierarchy without the "
                                    "memory controller (set Root= in [Cgroups] if that is wrong).",
                                    what, p, m->cgroup_root_path, elsewhere);
                else
                        log_warning("%s=%s matches no cgroup under %s.", what, p, m->cgroup_root_path);
        }
}

/* Says which tracked cgroups appeared or went away since the last published scan. */
static void manager_log_cgroup_changes(Manager *m, const CgroupSet *now) {
        const CgroupSet *before = m->published;

        manager_log_unnamed(m, now);
        for (size_t i = 0; i < now->n_nodes; i++) {
                const CgroupNode *n = &now->nodes[i], *o;

                if (!n->tracked || !before)
                        continue;
                o = cgroup_set_lookup(before, n->inode);
                if (!o || !o->tracked || strcmp(o->path, n->path) != 0)
                        log_info("Tracking cgroup %s.", n->path);
        }
        for (size_t i = 0; before && i < before->n_nodes; i++) {
                const CgroupNode *o = &before->nodes[i], *n;

                if (!o->tracked)
                        continue;
                n = cgroup_set_lookup(now, o->inode);
                if (n && n->tracked && strcmp(o->path, n->path) == 0)
                        continue;
                if (faccessat(m->cgroup_root_fd, o->path[1] ? o->path + 1 : ".", F_OK, 0) < 0)
                        log_info("Cgroup %s is gone, no longer tracking it.", o->path);
                else
                        log_info("Cgroup %s no longer matches Track=, no longer tracking it.", o->path);
        }
}

/* The daemon's CPU time and its opener's, which does a refs scan's reads. */
static void manager_cpu_times_usec(const Manager *m, uint64_t *ret_user, uint64_t *ret_sys) {
        uint64_t user, sys;

        cpu_times_usec(ret_user, ret_sys);
        opener_cpu_times_usec(m->opener, &user, &sys);
        *ret_user += user;
        *ret_sys += sys;
}

static uint64_t manager_cpu_usec(const Manager *m) {
        uint64_t user, sys;

        opener_cpu_times_usec(m->opener, &user, &sys);
        return cpu_time_usec() + user + sys;
}

/* The kernel's own counters of each tracked cgroup of set, as the scan is
 * published; rates from the reading of the same cgroup (by inode) in the
 * set published before. */
static int manager_read_kernel(Manager *m, CgroupSet *set, const CgroupSet *before) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        for (size_t i = 0; i < set->n_nodes; i++) {
                CgroupNode *n = &set->nodes[i];
                const CgroupNode *o;

                if (!n->tracked)
                        continue;
                r = cgroup_kernel_read(m->cgroup_root_fd, n->path + 1, now, &n->kernel);
                if (r < 0)
                        return r;
                o = before ? cgroup_set_lookup(before, n->inode) : NULL;
                cgroup_kernel_rates(&n->kernel, o ? &o->kernel : NULL);
        }
        return 0;
}

/* The fraction of the next pass: Sampling='s, for page_idle (refs reads
 * every process). */
static unsigned manager_sampling_shift(const Manager *m) {
        if (m->backend == BACKEND_REFS)
                return 0;
        return m->config->sampling.automatic ? m->sample_auto.shift : m->config->sampling.shift;
}

/* A sampled pass's shares apply to the tracked cgroups' resident sizes;
 * a cgroup whose memory.stat cannot be read (gone since the walk) has
 * its samples scaled up instead. */
static void manager_read_resident(Manager *m, CgroupSet *set) {
        for (size_t i = 0; i < set->n_nodes; i++) {
                CgroupNode *n = &set->nodes[i];
                int r;

                if (!n->tracked)
                        continue;
                r = cgroup_read_resident(m->cgroup_root_fd, n->path, n->resident_bytes);
                n->resident_known = r >= 0;
                if (r < 0)
                        log_debug_errno(r, "Cannot read the memory.stat of %s, scaling its samples: %m", n->path);
        }
}

/* Sampling=auto after a pass whose steps took scan_usec of CPU and the
 * rest of whose work since the last pass ended took fixed_usec: a change
 * is logged.  Returns whether the first pass's probe raised the fraction. */
static bool manager_sampling_auto(Manager *m, uint64_t scan_usec, uint64_t fixed_usec) {
        unsigned old = m->sample_auto.shift;
        bool first = m->sample_auto.full_pass_usec <= 0;
        unsigned shift = sample_auto_update(&m->sample_auto, scan_usec, fixed_usec, m->config->interval_usec,
                                            manager_budget(m));
        char a[32], b[32], c[32];

        if (shift == old)
                return false;
        log_info("Sampling=auto: reading 1/%u of memory from the next pass on (was 1/%u): a full pass costs "
                 "about %s of CPU and the rest of a pass %s, CPUBudget= allows %s per interval.",
                 1u << shift, 1u << old,
                 format_duration(a, sizeof(a), (uint64_t) m->sample_auto.full_pass_usec),
                 format_duration(b, sizeof(b), (uint64_t) m->sample_auto.fixed_usec),
                 format_duration(c, sizeof(c), m->config->interval_usec * manager_budget(m) / 100));
        return first && shift < old;
}

static int manager_finish_pass(Manager *m) {
        bool measuring = m->vtable->measuring(m->backend_state);
        bool measured = measuring && m->pass_measures > 0;
        uint64_t duration = now_usec(CLOCK_MONOTONIC) - m->pass_start_usec;
        uint64_t user, sys, cpu;
        bool remark = false;

        m->progress_usec = now_usec(CLOCK_MONOTONIC);
        manager_cpu_times_usec(m, &user, &sys);
        user -= m->pass_user_usec;
        sys -= m->pass_sys_usec;
        cgroup_set_sum(m->scanning);
        m->vtable->end(m->backend_state, duration, user, sys, m->scanning->n_nodes);

        cpu = manager_cpu_usec(m);
        if (m->config->sampling.automatic && m->backend != BACKEND_REFS) {
                uint64_t scan = cpu - m->pass_scan_cpu_usec;
                uint64_t since = cpu - (m->last_finish_cpu_usec ?: m->pass_user_usec + m->pass_sys_usec);

                remark = manager_sampling_auto(m, scan, since > scan ? since - scan : 0) && !measured;
        }
        m->last_finish_cpu_usec = cpu;
        if (measuring)
                m->pass_measures++;
        /* The blocks the probe did not read have no marks: a pass that
         * measured them would count them all as used.  The next pass
         * marks them, and the one after it measures. */
        if (remark)
                m->pass_measures = 0;
        if (measured) {
                if (manager_read_kernel(m, m->scanning, m->published) < 0)
                        return log_oom();
                if (m->pass_shift > 0)
                        manager_read_resident(m, m->scanning);
                m->published_shift = m->pass_shift;
                cgroup_set_free(m->published);
                m->published = TAKE_PTR(m->scanning);
                m->marked = cgroup_set_free(m->marked);
                m->scan_count++;
                m->last_scan_timestamp_usec = now_usec(CLOCK_REALTIME);
                m->last_scan_duration_usec = duration;
                m->last_scan_user_usec = user;
                m->last_scan_sys_usec = sys;
                if (m->last_error != 0)
                        log_info("Scanning works again.");
                m->last_error = 0;
                manager_set_state(m, MANAGER_RUNNING, NULL);
        } else {
                cgroup_set_free(m->marked);
                m->marked = TAKE_PTR(m->scanning);
                if (m->state != MANAGER_DEGRADED)
                        manager_set_state(m, MANAGER_STARTING, "first estimates after one interval");
        }
        manager_publish(m);
        if (m->options->once && measured)
                return sd_event_exit(m->event, 0);
        return manager_schedule_pass(m);
}

/* The backend could not begin or go on with a pass: degraded, published,
 * and tried again at the next pass; or, when the backend says nothing can
 * be tried again (NULL), the error ends the loop. */
static int manager_fail_pass(Manager *m, int error) {
        bool restart;
        const char *what = m->vtable->fault(m->backend_state, &error, &restart);

        m->scanning = cgroup_set_free(m->scanning);
        if (!what)
                return error;
        if (restart)
                m->pass_measures = 0;
        if (error == -EROFS && !m->options->once) {
                /* The bitmap is there, but on a read-only /sys: it was
                 * missing when systemd made the service's namespace
                 * (ProtectKernelTunables=, whose ReadWritePaths= hole skips
                 * a missing file), or pageidle.ko was reloaded and the hole
                 * went with the old file.  Opening it at start did not fail
                 * so, or the daemon would not be running: only a new
                 * namespace helps, and the unit's RestartForceExitStatus=
                 * makes one. */
                log_notice("%s appeared read-only in this service's mount namespace: exiting, to be started in a "
                           "new one.", what);
                return sd_event_exit(m->event, MANAGER_EXIT_RESTART);
        }
        manager_fault(m, error, what);
        manager_publish(m);
        if (m->options->once)
                return sd_event_exit(m->event, error);
        return manager_schedule_pass(m);
}

static unsigned manager_budget(const Manager *m) {
        return m->options->once ? 100 : m->config->cpu_budget_percent;
}

/* When the CPU time used since the pacing epoch is budget% of the time
 * since it.  All of the process's time counts: the steps, the walk of the
 * hierarchy, publishing the results, the bus and the HTTP thread, and the
 * opener's reads for refs. */
static uint64_t manager_pace_due(const Manager *m) {
        return m->pace_epoch_usec + (manager_cpu_usec(m) - m->pace_epoch_cpu_usec) * 100 / manager_budget(m);
}

/* A pass that starts with the budget's debt paid starts a new epoch; one
 * that starts at once after a pass that overran carries the debt on, so
 * that the end of that pass is paid for too. */
static void manager_pace_begin(Manager *m) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (manager_pace_due(m) <= now) {
                m->pace_epoch_usec = now;
                m->pace_epoch_cpu_usec = manager_cpu_usec(m);
        }
}

static int manager_step(Manager *m) {
        uint64_t cpu0 = cpu_time_usec(), due, now;
        int r;

        do
                r = m->vtable->step(m->backend_state, STEP_PFNS);
        while (r == 0 && cpu_time_usec() - cpu0 < STEP_QUANTUM_USEC);
        if (r == 0)
                m->progress_usec = now_usec(CLOCK_MONOTONIC);
        if (r < 0)
                return manager_fail_pass(m, r);
        if (r > 0)
                return manager_finish_pass(m);

        /* Sleep until the CPU time used is back within the budget; even at
         * 100%, go back to the loop so that signals and the bus are served. */
        due = manager_pace_due(m);
        now = now_usec(CLOCK_MONOTONIC);
        r = sd_event_source_set_time_relative(m->step_timer, due > now ? due - now : 0);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->step_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the step timer: %m");
        return 0;
}

static int manager_begin_pass(Manager *m) {
        _cleanup_(cgroup_set_freep) CgroupSet *set = NULL;
        int r;

        r = m->vtable->prepare(m->backend_state);
        if (r < 0)
                return manager_fail_pass(m, r);
        if (r > 0) {
                /* Its device came back: this pass marks, the next measures. */
                m->pass_measures = 0;
                manager_set_state(m, MANAGER_STARTING, "first estimates after one interval");
        }

        /* The walk of the hierarchy counts as part of the scan. */
        manager_pace_begin(m);
        m->pass_start_usec = now_usec(CLOCK_MONOTONIC);
        manager_cpu_times_usec(m, &m->pass_user_usec, &m->pass_sys_usec);
        r = tracking_build_set(&m->tracking, m->cgroup_root_fd, m->config->cgroups, &set);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                manager_fault(m, r, m->cgroup_root_path);
                if (m->options->once)
                        return sd_event_exit(m->event, r);
                manager_publish(m);
                return manager_schedule_pass(m);
        }
        if (!m->published && m->scan_count == 0 && m->pass_measures == 0)
                log_info("Tracking %zu cgroups under %s.", set->n_tracked, m->cgroup_root_path);
        if (m->log_patterns)
                manager_log_unmatched(m, set);
        m->log_patterns = false;
        if (m->options->once && set->n_tracked == 0) {
                log_error("Nothing to measure: no cgroup matches --cgroup= or Track=.");
                return sd_event_exit(m->event, EXIT_FAILURE);
        }
        manager_log_cgroup_changes(m, set);
        manager_carry_measured(m, set);

        set->cold_intervals = (unsigned) config_cold_intervals(m->config);
        set->n_windows = config_windows_intervals(m->config, set->windows_intervals);
        cgroup_set_free(m->scanning);
        m->scanning = TAKE_PTR(set);
        m->pass_shift = manager_sampling_shift(m);
        m->vtable->begin(m->backend_state, &(BackendPass) {
                                 .set = m->scanning,
                                 .window_intervals = config_window_intervals(m->config),
                                 .cgroup_root_fd = m->cgroup_root_fd,
                                 .sample_seed = m->sample_seed,
                                 .sample_shift = m->pass_shift,
                         });
        m->pass_scan_cpu_usec = manager_cpu_usec(m);
        return manager_step(m);
}

static int on_pass_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->pass_scheduled_usec = usec;
        return manager_begin_pass(m);
}

static int on_step_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        return manager_step(userdata);
}

/* Whether a pass or a step is due on an armed timer, and not overdue:
 * the daemon waits between passes, or paces a pass, as it means to. */
static bool manager_scan_armed(Manager *m, uint64_t now) {
        sd_event_source *s = m->scanning ? m->step_timer : m->pass_timer;
        uint64_t due;
        int enabled = SD_EVENT_OFF;

        if (sd_event_source_get_enabled(s, &enabled) < 0 || enabled == SD_EVENT_OFF)
                return false;
        if (sd_event_source_get_time(s, &due) < 0)
                return false;
        return due + m->watchdog_usec / 2 > now;
}

/* WatchdogSec=: WATCHDOG=1 only while scanning goes on, that is, a step or
 * a pass was done since the last time, or the next is due on an armed
 * timer.  So a pass longer than the watchdog period feeds it while its
 * steps progress, an Interval= longer than it while the loop waits for
 * the next pass, and a scan that stopped does not. */
static int on_watchdog_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        if (m->progress_usec > m->watchdog_fed_usec || manager_scan_armed(m, now)) {
                (void) sd_notify(false, "WATCHDOG=1");
                m->watchdog_fed_usec = now;
        } else
                log_debug("Scanning makes no progress: not feeding the watchdog.");
        r = sd_event_source_set_time_relative(s, m->watchdog_usec / 3);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Failed to arm the watchdog timer: %m");
        return 0;
}

static int manager_watchdog_start(Manager *m) {
        int r;

        r = sd_watchdog_enabled(false, &m->watchdog_usec);
        if (r < 0)
                log_warning_errno(r, "Ignoring the watchdog settings (WATCHDOG_USEC=): %m");
        if (r <= 0)
                return 0;
        m->watchdog_fed_usec = now_usec(CLOCK_MONOTONIC);
        r = sd_event_add_time_relative(m->event, &m->watchdog_timer, CLOCK_MONOTONIC, m->watchdog_usec / 3,
                                       TIMER_ACCURACY_USEC, on_watchdog_timer, m);
        if (r >= 0)
                r = sd_event_source_set_exit_on_failure(m->watchdog_timer, true);
        if (r < 0)
                return log_error_errno(r, "Failed to add the watchdog timer: %m");
        (void) sd_event_source_set_description(m->watchdog_timer, "watchdog");
        (void) sd_notify(false, "WATCHDOG=1");
        return 0;
}

int manager_reload(Manager *m) {
        _cleanup_(config_freep) Config *c = NULL;
        char a[32];
        int r;

        sd_notify(false, "RELOADING=1");
        r = manager_load_config(m, &c);
        if (r < 0) {
                log_warning("Keeping the previous configuration.");
                sd_notify(false, "READY=1\nSTATUS=Reload failed, kept the previous configuration");
                return r;
        }
        /* What was settled at start-up stays until a restart. */
        if (strcmp(c->user, m->config->user) != 0)
                log_warning("User= changes take effect at the next start.");
        if (c->backend != m->config->backend)
                log_warning("Backend= changes take effect at the next start.");
        if ((c->cgroup_root || m->config->cgroup_root) &&
            (!c->cgroup_root || !m->config->cgroup_root || strcmp(c->cgroup_root, m->config->cgroup_root) != 0))
                log_warning("Root= changes take effect at the next start.");
        free(c->user);
        c->user = TAKE_PTR(m->config->user);
        c->backend = m->config->backend;
        free(c->cgroup_root);
        c->cgroup_root = TAKE_PTR(m->config->cgroup_root);
        if (c->http_enable != m->config->http_enable || c->http_port != m->config->http_port ||
            strcmp(c->http_address, m->config->http_address) != 0)
                log_warning("[HTTP] changes take effect at the next start.");
        c->http_enable = m->config->http_enable;
        c->http_port = m->config->http_port;
        free(c->http_address);
        c->http_address = TAKE_PTR(m->config->http_address);

        /* The history stays, to the new bound. */
        if (history_set_max_scans(m->history, config_history_scans(c)) < 0)
                return log_oom();
        config_free(m->config);
        m->config = TAKE_PTR(c);
        m->log_patterns = true;
        manager_publish_history(m);
        log_info("Reloaded the configuration: interval %s, %zu patterns.",
                 format_duration(a, sizeof(a), m->config->interval_usec), strv_length(m->config->cgroups));
        /* A waiting pass moves to the new interval. */
        if (sd_event_source_get_enabled(m->pass_timer, NULL) > 0)
                (void) manager_schedule_pass(m);
        sd_notify(false, "READY=1");
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                (void) manager_reload(m);
                return 0;
        }
        log_info("Received SIG%s, exiting.", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

/* The opener exited: nothing privileged can be opened any more. */
static int on_opener_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        opener_reap(m->opener);
        log_error("The privileged opener is gone; exiting, to be restarted.");
        return sd_event_exit(m->event, EXIT_FAILURE);
}

static int manager_watch_opener(Manager *m) {
        int r;

        if (m->opener->fd < 0)
                return 0;
        r = sd_event_add_io(m->event, &m->opener_source, m->opener->fd, EPOLLRDHUP, on_opener_hangup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the privileged opener: %m");
        (void) sd_event_source_set_description(m->opener_source, "opener");
        return 0;
}

int manager_start(Manager *m) {
        static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
        sigset_t mask;
        int r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        r = manager_watch_opener(m);
        if (r < 0)
                return r;

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                sigaddset(&mask, signals[i]);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = sd_event_add_signal(m->event, NULL, signals[i], on_signal, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch signal %d: %m", signals[i]);
        }
        r = sd_event_add_time_relative(m->event, &m->pass_timer, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_USEC,
                                       on_pass_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the scan timer: %m");
        (void) sd_event_source_set_description(m->pass_timer, "scan-pass");
        r = sd_event_add_time_relative(m->event, &m->step_timer, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_USEC,
                                       on_step_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the step timer: %m");
        (void) sd_event_source_set_description(m->step_timer, "scan-step");
        (void) sd_event_source_set_enabled(m->step_timer, SD_EVENT_OFF);
        /* sd-event turns off a source whose handler fails: scanning would
         * stop for good while the process lives on.  End the loop with the
         * error instead, so that the service manager restarts the daemon. */
        r = sd_event_source_set_exit_on_failure(m->pass_timer, true);
        if (r >= 0)
                r = sd_event_source_set_exit_on_failure(m->step_timer, true);
        if (r < 0)
                return log_error_errno(r, "Failed to make the scan timers fatal on failure: %m");
        r = manager_watchdog_start(m);
        if (r < 0)
                return r;

        /* A crash mid-write leaves the temporary file behind.  After the
         * switch of user: the daemon's own are the only ones to remove. */
        if (m->config->json_file && !m->options->once) {
                r = json_remove_temporaries(m->config->json_file);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove stale temporary files of %s: %m",
                                          m->config->json_file);
                else if (r > 0)
                        log_info("Removed %d stale temporary files of %s.", r, m->config->json_file);
        }

        /* What HTTP serves until the first pass is published. */
        if (m->http) {
                if (http_publish(m->http, m->snapshot) < 0)
                        log_oom();
                if (http_start(m->http) < 0)
                        m->http = http_free(m->http);
        }
        manager_publish_history(m);

        sd_notify(false, "READY=1\nSTATUS=Marking pages; first estimates after one interval");
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
