/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgroup.h"
#include "conf.h"
#include "sample.h"
#include "snapshot.h"
#include "tracking.h"

typedef struct HttpServer HttpServer;

/* What the command line says; each set field overrides the config file. */
typedef struct Options {
        const char *config_path;        /* NULL: CONFIG_FILE, missing is fine */
        bool once;
        uint64_t interval_usec;         /* 0: not given */
        char **cgroups;                 /* NULL: not given */
        Backend backend;                /* _BACKEND_INVALID: not given */
        const char *json_file;
        const char *user;
} Options;

typedef enum ManagerState {
        MANAGER_STARTING,               /* no full interval measured yet */
        MANAGER_RUNNING,
        MANAGER_DEGRADED,               /* state_detail says why */
        _MANAGER_STATE_MAX,
} ManagerState;

const char *manager_state_to_string(ManagerState s);

typedef struct Manager {
        sd_event *event;
        sd_event_source *pass_timer, *step_timer;
        sd_event_source *watchdog_timer;        /* NULL: no WatchdogSec= */
        uint64_t watchdog_usec;
        uint64_t progress_usec;                 /* CLOCK_MONOTONIC: the last step or pass done */
        uint64_t watchdog_fed_usec;

        const Options *options;
        Config *config;

        const char *proc_root, *sys_root;       /* "/proc", "/sys", or a test tree */
        char *bitmap_path;
        Backend backend;                        /* resolved: never auto */
        /* Opens what needs a capability: a helper process holding it, or
         * this process itself when there is none to shed (opener.c). */
        struct Opener *opener;
        sd_event_source *opener_source;         /* its socket: exits when it hangs up */
        uint64_t page_size;

        int cgroup_root_fd;
        char *cgroup_root_path;
        const struct BackendVTable *vtable;     /* the backend's (backend.h) */
        void *backend_state;                    /* its state */

        /* The pass under way. */
        CgroupSet *scanning;
        uint64_t pass_scheduled_usec;           /* CLOCK_MONOTONIC */
        uint64_t pass_start_usec, pass_user_usec, pass_sys_usec;
        uint64_t pass_scan_cpu_usec;            /* the process's CPU time as the steps began */
        uint64_t last_finish_cpu_usec;          /* ... as the last pass ended, 0: none yet */
        unsigned pass_measures;                 /* passes since the bitmap was (re)opened */
        /* CPUBudget=: the process's CPU time since the epoch may be
         * budget% of the time since it (CLOCK_MONOTONIC, CPU time). */
        uint64_t pace_epoch_usec, pace_epoch_cpu_usec;

        /* The last complete pass, as published. */
        CgroupSet *published;
        CgroupSet *marked;                      /* the last pass, when it measured nothing (not
                                                 * published): which cgroups' pages it marked */
        bool log_patterns;                      /* say which Track= patterns match nothing */
        uint64_t scan_count;
        uint64_t last_scan_timestamp_usec;      /* CLOCK_REALTIME */
        uint64_t last_scan_duration_usec;
        uint64_t last_scan_user_usec, last_scan_sys_usec;

        ManagerState state;
        char *state_detail;
        int last_error;                         /* so a repeating failure is logged once */
        int json_error;
        bool overrun_logged;
        bool paced_logged;                      /* a pass waited for CPUBudget= */
        uint64_t *unnamed_inodes;               /* cgroups warned about as not UTF-8 */
        size_t n_unnamed_inodes;
        /* What every output renders: the JSON file, HTTP (http.c), the bus
         * (bus.c) and --once's stdout; made by manager_publish(). */
        Snapshot *snapshot;
        HttpServer *http;                       /* NULL: no HTTP endpoint */
        struct History *history;                /* the last History= scans, fed by manager_publish() */

        /* The D-Bus API (bus.c, served through manager-bus.c) and the
         * tracking changes made through it, kept across reloads. */
        struct Bus *bus;                        /* NULL: no bus */
        Tracking tracking;
        bool scan_requested;                    /* ScanNow() during a pass: the next starts at once */

        /* Sampling=: the blocks' seed, drawn at start, and the fraction
         * (1/2^shift) of the pass under way and of the published one. */
        uint64_t sample_seed;
        unsigned pass_shift, published_shift;
        SampleAuto sample_auto;                 /* Sampling=auto */
} Manager;

Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Loads the configuration; fails with the FILE:LINE message logged. */
int manager_new(const Options *o, Manager **ret);
/* Opens every file it will need, starts the privileged opener, then drops
 * every privilege of this process. */
int manager_open(Manager *m);
int manager_start(Manager *m);
/* What manager_run() returns, and pageidled exits with, when only a new
 * mount namespace lets it open the bitmap (EX_TEMPFAIL; the unit's
 * RestartForceExitStatus= starts it again). */
#define MANAGER_EXIT_RESTART 75
int manager_run(Manager *m);
int manager_reload(Manager *m);
/* ScanNow(): starts a pass now, or right after the one under way;
 * returns 1 if one is under way, else 0. */
int manager_scan_now(Manager *m);

/* manager-bus.c: the D-Bus API, served with the manager as its handler
 * (bus_open(), after manager_open() dropped privileges). */
int manager_bus_open(Manager *m);
/* Attaches to the loop and takes the name; without it, goes on without the API. */
int manager_bus_start(Manager *m);
