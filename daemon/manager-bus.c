/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager as the bus's handler: what Track(), Untrack(), GetCgroup()
 * and ScanNow() do to it.  The bus sees nothing else of the manager. */
#include "bus.h"
#include "manager.h"
#include "util.h"

static int manager_bus_track(void *userdata, const char *path) {
        Manager *m = userdata;

        return tracking_track(&m->tracking, m->snapshot, m->cgroup_root_fd, path);
}

static int manager_bus_untrack(void *userdata, const char *path) {
        Manager *m = userdata;

        return tracking_untrack(&m->tracking, m->snapshot, path);
}

static int manager_bus_cgroup_exists(void *userdata, const char *path) {
        Manager *m = userdata;

        return tracking_cgroup_exists(m->cgroup_root_fd, path);
}

static int manager_bus_scan_now(void *userdata) {
        return manager_scan_now(userdata);
}

static const BusHandler manager_bus_handler = {
        .track = manager_bus_track,
        .untrack = manager_bus_untrack,
        .cgroup_exists = manager_bus_cgroup_exists,
        .scan_now = manager_bus_scan_now,
};

int manager_bus_open(Manager *m) {
        if (m->options->once)
                return 0;
        return bus_open(&manager_bus_handler, m, &m->tracking, m->snapshot, &m->bus);
}

int manager_bus_start(Manager *m) {
        int r;

        if (!m->bus)
                return 0;
        r = bus_start(m->bus, m->event);
        if (r < 0)
                return r;
        if (r == 0)
                m->bus = bus_free(m->bus);
        return 0;
}
