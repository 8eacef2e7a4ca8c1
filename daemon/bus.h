/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-names.h"
#include "history.h"
#include "snapshot.h"
#include "tracking.h"

/* What the bus asks of whoever scans (the manager, or a test): the
 * methods that change what the daemon does.  Everything the bus shows
 * comes from the snapshots it is given (bus_publish()) and the Tracking
 * it lists Track()ed paths from; it reads nothing else. */
typedef struct BusHandler {
        /* Track(path): 0, -EEXIST if tracked already, or why there is no
         * such cgroup (-ENOENT, -ENOTDIR, ...). */
        int (*track)(void *userdata, const char *path);
        /* Untrack(path): 0, or -ESRCH if not tracked. */
        int (*untrack)(void *userdata, const char *path);
        /* GetCgroup() of a path without an object: 0 if the cgroup exists
         * (it is just not tracked), else why not. */
        int (*cgroup_exists)(void *userdata, const char *path);
        /* ScanNow(): starts a pass now, or right after the one under way.
         * Returns 1 if one is under way (it may have begun before a
         * Track(), so the caller waits for the next), else 0. */
        int (*scan_now)(void *userdata);
} BusHandler;

/* One org.pageidled1.Cgroup object. */
typedef struct BusObject {
        const SnapshotCgroup *cgroup;   /* in the snapshot, or pending */
        SnapshotCgroup *pending;        /* Track()ed, not scanned yet: owned; else NULL */
} BusObject;

typedef struct BusWaiter {
        sd_bus_message *call;
        bool ready;             /* the next published snapshot answers it */
} BusWaiter;

typedef struct Bus {
        sd_bus *bus;
        const BusHandler *handler;
        void *userdata;
        const Tracking *tracking;
        Snapshot *snapshot;     /* the last published; a reference */
        HistoryView *history;   /* what GetHistory() renders; a reference, or NULL */
        SnapshotInfo info;      /* the snapshot's, for the manager's properties */
        BusObject *objects;
        size_t n_objects;
        uint64_t emitted_scan_count;
        bool registered;        /* the objects are served: signal their changes */
        BusWaiter *waiters;     /* ScanNow() calls waiting for their pass */
        size_t n_waiters;
} Bus;

Bus *bus_free(Bus *b);

/* Serves the API on an existing connection (tests use a socketpair):
 * the objects of snapshot s, the methods through h. */
int bus_new(sd_bus *bus, const BusHandler *h, void *userdata, const Tracking *t, Snapshot *s, Bus **ret);
/* Registers the objects, and the ObjectManager on BUS_MANAGER_PATH. */
int bus_add_objects(Bus *b);

/* The daemon: connects to the system bus (after privileges are dropped,
 * so that the bus knows it by the user it runs as).  *ret is NULL when
 * there is no bus: the daemon goes on without the API. */
int bus_open(const BusHandler *h, void *userdata, const Tracking *t, Snapshot *s, Bus **ret);
/* Attaches to the event loop, registers the objects, takes the name.
 * Returns 0 if the name is taken elsewhere or refused: go on without the
 * API (free b); 1 when serving. */
int bus_start(Bus *b, sd_event *e);

/* After every published pass, with its snapshot: PropertiesChanged for
 * each object with the properties whose values changed (none: no
 * signal) and for the manager, ScanCompleted, InterfacesAdded and
 * InterfacesRemoved as objects come and go; with pass_done, the replies
 * to ScanNow().  Without (a pass began, and says so in its state), the
 * calls keep waiting. */
void bus_publish(Bus *b, Snapshot *s, bool pass_done);

/* Replaces what GetHistory() renders from (b may be NULL: no bus). */
void bus_publish_history(Bus *b, HistoryView *v);
