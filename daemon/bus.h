/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "bus-names.h"
#include "estimate.h"
#include "manager.h"

/* One org.pageidled1.Cgroup object, as of the last published scan. */
typedef struct BusCgroup {
        char *path;
        Estimate estimate;
        uint64_t working_set_measured_usec;     /* of the window, what working_set_bytes covers */
        uint64_t last_scan_timestamp_usec;      /* 0: not measured yet */
} BusCgroup;

typedef struct BusWaiter {
        sd_bus_message *call;
        bool ready;             /* the next finished pass answers it */
} BusWaiter;

typedef struct Bus {
        sd_bus *bus;
        Manager *manager;
        BusCgroup *cgroups;
        size_t n_cgroups;
        uint64_t emitted_scan_count;
        BusWaiter *waiters;     /* ScanNow() calls waiting for their pass */
        size_t n_waiters;
} Bus;

Bus *bus_free(Bus *b);

/* Serves the API for m on an existing connection (tests use a socketpair). */
int bus_new(Manager *m, sd_bus *bus, Bus **ret);
int bus_add_objects(Bus *b);
/* Rebuilds the cgroup objects from m; with emit, signals what changed:
 * PropertiesChanged for each object with the properties whose values
 * changed (none: no signal), and for the manager. */
int bus_refresh(Bus *b, bool emit);

/* The daemon: connects to the system bus while still root, so that the bus
 * knows it as root whatever user it switches to; without a bus it goes on
 * without the API. */
int bus_open(Manager *m);
/* Attaches to m's event loop, registers the objects, takes the name. */
int bus_start(Manager *m);
/* After every published pass: PropertiesChanged, ScanCompleted, and the
 * replies to ScanNow(). */
void bus_publish(Manager *m);
