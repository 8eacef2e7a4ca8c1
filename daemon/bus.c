/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus API, org.pageidled1(5): the manager object and one object per
 * tracked cgroup, served from the manager's event loop. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "bus.h"
#include "track.h"
#include "util.h"

static const char version[] = PACKAGE_VERSION;

static void bus_cgroups_free(BusCgroup *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].path);
        free(l);
}

static void bus_cgroups_clear(Bus *b) {
        bus_cgroups_free(b->cgroups, b->n_cgroups);
        b->cgroups = NULL;
        b->n_cgroups = 0;
}

Bus *bus_free(Bus *b) {
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->n_waiters; i++)
                sd_bus_message_unref(b->waiters[i].call);
        free(b->waiters);
        bus_cgroups_clear(b);
        sd_bus_flush_close_unref(b->bus);
        free(b);
        return NULL;
}

/* Generic getters: sd-bus hands them the object plus the property's offset. */
static int property_get_uint64(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 't', userdata);
}

static int property_get_double(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 'd', userdata);
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const char *s = *(const char **) userdata;

        return sd_bus_message_append_basic(reply, 's', s ?: "");
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 's', version);
}

static int property_get_backend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 's', backend_to_string(*(Backend *) userdata) ?: "");
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_basic(reply, 's', manager_state_to_string(*(ManagerState *) userdata) ?: "");
}

static int property_get_interval(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const Manager *m = userdata;

        return sd_bus_message_append(reply, "t", m->config->interval_usec);
}

static int property_get_window(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const Manager *m = userdata;

        return sd_bus_message_append(reply, "t", config_window_intervals(m->config) * m->config->interval_usec);
}

static int property_get_histogram(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const Estimate *e = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(tt)");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < AGE_BUCKETS; i++) {
                r = sd_bus_message_append(reply, "(tt)", e->hist_lower_usec[i], e->hist_bytes[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static BusCgroup *bus_find_cgroup(Bus *b, const char *path) {
        for (size_t i = 0; i < b->n_cgroups; i++)
                if (strcmp(b->cgroups[i].path, path) == 0)
                        return &b->cgroups[i];
        return NULL;
}

static int bus_cgroup_add(Bus *b, const char *path, const CgroupNode *n, uint64_t timestamp) {
        const Manager *m = b->manager;
        BusCgroup *l, *c;

        l = realloc(b->cgroups, sizeof(BusCgroup) * (b->n_cgroups + 1));
        if (!l)
                return -ENOMEM;
        b->cgroups = l;
        c = &b->cgroups[b->n_cgroups];
        *c = (BusCgroup) { .last_scan_timestamp_usec = timestamp };
        estimate_from_stats(&c->estimate, n ? &n->total : &(PageStats) {}, m->page_size, m->config->interval_usec);
        if (n)
                c->working_set_measured_usec =
                        cgroup_node_ws_measured_usec(n, m->config->interval_usec,
                                                     config_window_intervals(m->config) * m->config->interval_usec);
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        b->n_cgroups++;
        return 0;
}

/* The objects: every tracked cgroup of the last published pass, then the
 * Track()ed ones that no pass has seen yet, without the Untrack()ed ones. */
static int bus_cgroups_build(Bus *b) {
        Manager *m = b->manager;
        int r;

        for (size_t i = 0; m->published && i < m->published->n_nodes; i++) {
                const CgroupNode *n = &m->published->nodes[i];

                if (!n->tracked || !manager_is_tracked(m, n->path))
                        continue;
                r = bus_cgroup_add(b, n->path, n, m->last_scan_timestamp_usec);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; m->track_added && m->track_added[i]; i++) {
                if (bus_find_cgroup(b, m->track_added[i]))
                        continue;
                r = bus_cgroup_add(b, m->track_added[i], NULL, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The names of the properties of c that differ from o, NULL-terminated in
 * names (room for all); LastScanTimestamp does not count (it changes at
 * every scan, and ScanCompleted says so). */
static void bus_cgroup_changes(const BusCgroup *o, const BusCgroup *c, const char **names) {
        const Estimate *x = &o->estimate, *y = &c->estimate;
        size_t n = 0;

#define CHANGED(field, name)                    \
        if (x->field != y->field)               \
                names[n++] = name
        CHANGED(bytes, "Bytes");
        CHANGED(idle_bytes, "IdleBytes");
        CHANGED(idle_ratio, "IdleRatio");
        CHANGED(working_set_bytes, "WorkingSetBytes");
        CHANGED(anon_bytes, "AnonBytes");
        CHANGED(anon_idle_bytes, "AnonIdleBytes");
        CHANGED(file_bytes, "FileBytes");
        CHANGED(file_idle_bytes, "FileIdleBytes");
#undef CHANGED
        if (memcmp(x->hist_lower_usec, y->hist_lower_usec, sizeof(x->hist_lower_usec)) != 0 ||
            memcmp(x->hist_bytes, y->hist_bytes, sizeof(x->hist_bytes)) != 0)
                names[n++] = "IdleAgeHistogram";
        if (o->working_set_measured_usec != c->working_set_measured_usec)
                names[n++] = "WorkingSetMeasuredUSec";
        names[n] = NULL;
}

/* PropertiesChanged for each object with what changed since old (the
 * objects as the last signals or calls left them); a new object with all
 * its properties. */
static void bus_emit_cgroup_changes(Bus *b, const BusCgroup *old, size_t n_old) {
        for (size_t i = 0; i < b->n_cgroups; i++) {
                const BusCgroup *c = &b->cgroups[i], *o = NULL;
                _cleanup_free_ char *path = NULL;
                const char *names[16];
                int r;

                /* Both lists come in the order of the hierarchy's walk. */
                if (i < n_old && strcmp(old[i].path, c->path) == 0)
                        o = &old[i];
                for (size_t j = 0; !o && j < n_old; j++)
                        if (strcmp(old[j].path, c->path) == 0)
                                o = &old[j];
                if (o) {
                        bus_cgroup_changes(o, c, names);
                        if (!names[0])
                                continue;
                }
                r = sd_bus_path_encode(BUS_CGROUP_PREFIX, c->path, &path);
                if (r < 0) {
                        log_oom();
                        return;
                }
                r = sd_bus_emit_properties_changed_strv(b->bus, path, BUS_CGROUP_INTERFACE,
                                                        o ? (char **) names : NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit PropertiesChanged for %s: %m", path);
        }
}

int bus_refresh(Bus *b, bool emit) {
        Manager *m = b->manager;
        BusCgroup *old = TAKE_PTR(b->cgroups);
        size_t n_old = b->n_cgroups;
        int r;

        b->n_cgroups = 0;
        r = bus_cgroups_build(b);
        if (r < 0) {
                bus_cgroups_clear(b);
                b->cgroups = old;
                b->n_cgroups = n_old;
                return r;
        }
        if (emit)
                bus_emit_cgroup_changes(b, old, n_old);
        bus_cgroups_free(old, n_old);
        if (!emit)
                return 0;

        r = sd_bus_emit_properties_changed_strv(b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged for the manager: %m");
        if (m->scan_count != b->emitted_scan_count) {
                r = sd_bus_emit_signal(b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanCompleted", "tt",
                                       m->scan_count, m->last_scan_duration_usec);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit ScanCompleted: %m");
                b->emitted_scan_count = m->scan_count;
        }
        return 0;
}

/* Track(), Untrack() and ScanNow() change what the daemon does: only root
 * may call them.  The bus policy says so too, but the daemon does not rely
 * on it.  The caller's user ID is the one the bus took from the socket
 * (SO_PEERCRED) when the caller connected; anything sd-bus would have to
 * read from /proc (effective IDs, capabilities) could be raced, so neither
 * counts. */
static int bus_check_root(sd_bus_message *msg, const char *method, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        /* Asked of the bus itself (GetConnectionCredentials), not taken from the
         * message: sd-bus may attach the credentials of the socket's peer to
         * it, which is the bus, not the caller.  With the PID asked for too,
         * sd-bus makes that call, and the bus answers with the user ID it
         * took from the caller's socket. */
        if (sd_bus_message_get_sender(msg))
                r = sd_bus_get_name_creds(sd_bus_message_get_bus(msg), sd_bus_message_get_sender(msg),
                                          SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID, &creds);
        else    /* a direct connection: the peer is the caller */
                r = sd_bus_get_owner_creds(sd_bus_message_get_bus(msg), SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID,
                                           &creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to find out who called %s(): %m", method);
        if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s() needs root, and the caller's user ID cannot be trusted.", method);
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to find out who called %s(): %m", method);
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s() needs root; the caller is uid %u.", method, (unsigned) uid);
        return 0;
}

/* Reads the cgroup path argument; a bad one is an InvalidPath error. */
static int bus_read_path(sd_bus_message *msg, char **ret, sd_bus_error *error) {
        const char *path;
        int r;

        r = sd_bus_message_read(msg, "s", &path);
        if (r < 0)
                return r;
        r = cgroup_path_normalize(path, ret);
        if (r < 0)
                return r;
        switch (r) {
        case CGROUP_PATH_OK:
                return 0;
        case CGROUP_PATH_NOT_UTF8:
        case CGROUP_PATH_TOO_LONG:
                /* Not worth echoing, and not always sendable. */
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_PATH, "Invalid cgroup path (%zu bytes): %s.",
                                         strlen(path), cgroup_path_error_to_string(r));
        default:
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_PATH, "Invalid cgroup path \"%s\": %s.",
                                         path, cgroup_path_error_to_string(r));
        }
}

/* Any caller may read it: it names the path asked for, not where the
 * hierarchy is mounted. */
static int bus_no_such_cgroup(const Manager *m, const char *path, int error_code, sd_bus_error *error) {
        return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_CGROUP, "No cgroup %s: %s.", path,
                                 error_code == -ENOTDIR ? "not a directory" : strerror(-error_code));
}

static int reply_object_path(sd_bus_message *msg, const char *cgroup) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = sd_bus_path_encode(BUS_CGROUP_PREFIX, cgroup, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_list_cgroups(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_message_ sd_bus_message *reply = NULL;
        Manager *m = userdata;
        Bus *b = m->bus;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(so)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n_cgroups; i++) {
                _cleanup_free_ char *path = NULL;

                r = sd_bus_path_encode(BUS_CGROUP_PREFIX, b->cgroups[i].path, &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(so)", b->cgroups[i].path, path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_send(reply);
}

static int method_get_cgroup(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        int r;

        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        if (!bus_find_cgroup(m->bus, path)) {
                r = manager_cgroup_exists(m, path);
                if (r < 0)
                        return bus_no_such_cgroup(m, path, r, error);
                return sd_bus_error_setf(error, BUS_ERROR_NOT_TRACKED, "Cgroup %s is not tracked.", path);
        }
        return reply_object_path(msg, path);
}

static int method_track(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        int r;

        r = bus_check_root(msg, "Track", error);
        if (r < 0)
                return r;
        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        if (manager_is_tracked(m, path))
                return sd_bus_error_setf(error, BUS_ERROR_ALREADY_TRACKED, "Cgroup %s is already tracked.", path);
        r = manager_cgroup_exists(m, path);
        if (r < 0)
                return bus_no_such_cgroup(m, path, r, error);
        r = manager_track(m, path);
        if (r < 0)
                return r;
        log_info("Tracking cgroup %s from the next scan on, as asked over the bus.", path);
        r = bus_refresh(m->bus, false);
        if (r < 0)
                return r;
        return reply_object_path(msg, path);
}

static int method_untrack(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        int r;

        r = bus_check_root(msg, "Untrack", error);
        if (r < 0)
                return r;
        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        if (!manager_is_tracked(m, path))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_TRACKED, "Cgroup %s is not tracked.", path);
        r = manager_untrack(m, path);
        if (r < 0)
                return r;
        log_info("No longer tracking cgroup %s, as asked over the bus.", path);
        r = bus_refresh(m->bus, false);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

/* Answered when the pass it starts has finished: see bus_publish(). */
static int method_scan_now(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Bus *b = m->bus;
        BusWaiter *w;
        int r;

        r = bus_check_root(msg, "ScanNow", error);
        if (r < 0)
                return r;
        w = realloc(b->waiters, sizeof(BusWaiter) * (b->n_waiters + 1));
        if (!w)
                return -ENOMEM;
        b->waiters = w;
        b->waiters[b->n_waiters++] = (BusWaiter) {
                .call = sd_bus_message_ref(msg),
                /* A pass under way may have begun before a Track(): wait for the next. */
                .ready = !m->scanning,
        };
        manager_scan_now(m);
        return 1;
}

/* The document made when the last pass was published, as the JSON file
 * and HTTP have it: a call costs a copy, not a rendering of every cgroup. */
static int method_get_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const Manager *m = userdata;

        if (!m->json_text)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "No document yet.");
        return sd_bus_reply_method_return(msg, "s", m->json_text);
}

/* Every method is SD_BUS_VTABLE_UNPRIVILEGED: on the system bus sd-bus would
 * otherwise serve only callers it deems privileged (root, CAP_SYS_ADMIN read
 * from /proc, or the daemon's own user), refusing readers and letting user
 * pageidled through.  Reads are for everyone; bus_check_root() guards the
 * rest. */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Backend", "s", property_get_backend, offsetof(Manager, backend),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, offsetof(Manager, state),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StateDetail", "s", property_get_string, offsetof(Manager, state_detail),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScanIntervalUSec", "t", property_get_interval, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WorkingSetWindowUSec", "t", property_get_window, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastScanTimestamp", "t", property_get_uint64, offsetof(Manager, last_scan_timestamp_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastScanDurationUSec", "t", property_get_uint64,
                        offsetof(Manager, last_scan_duration_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScanCount", "t", property_get_uint64, offsetof(Manager, scan_count),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("ListCgroups", NULL, , "a(so)", SD_BUS_PARAM(cgroups),
                                 method_list_cgroups, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetCgroup", "s", SD_BUS_PARAM(path), "o", SD_BUS_PARAM(object),
                                 method_get_cgroup, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Track", "s", SD_BUS_PARAM(path), "o", SD_BUS_PARAM(object),
                                 method_track, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Untrack", "s", SD_BUS_PARAM(path), NULL, ,
                                 method_untrack, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ScanNow", NULL, NULL, method_scan_now, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetSnapshot", NULL, , "s", SD_BUS_PARAM(json),
                                 method_get_snapshot, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("ScanCompleted", "tt", SD_BUS_PARAM(count) SD_BUS_PARAM(duration_usec), 0),
        SD_BUS_VTABLE_END,
};

#define CGROUP_U64(name, field)                                                         \
        SD_BUS_PROPERTY(name, "t", property_get_uint64, offsetof(BusCgroup, estimate.field), \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable cgroup_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Path", "s", property_get_string, offsetof(BusCgroup, path), SD_BUS_VTABLE_PROPERTY_CONST),
        CGROUP_U64("Bytes", bytes),
        CGROUP_U64("IdleBytes", idle_bytes),
        SD_BUS_PROPERTY("IdleRatio", "d", property_get_double, offsetof(BusCgroup, estimate.idle_ratio),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        CGROUP_U64("WorkingSetBytes", working_set_bytes),
        SD_BUS_PROPERTY("WorkingSetMeasuredUSec", "t", property_get_uint64,
                        offsetof(BusCgroup, working_set_measured_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        CGROUP_U64("AnonBytes", anon_bytes),
        CGROUP_U64("AnonIdleBytes", anon_idle_bytes),
        CGROUP_U64("FileBytes", file_bytes),
        CGROUP_U64("FileIdleBytes", file_idle_bytes),
        SD_BUS_PROPERTY("IdleAgeHistogram", "a(tt)", property_get_histogram, offsetof(BusCgroup, estimate),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* The same for every object at every scan: ScanCompleted says when
         * it changes, rather than a signal from each object. */
        SD_BUS_PROPERTY("LastScanTimestamp", "t", property_get_uint64,
                        offsetof(BusCgroup, last_scan_timestamp_usec), 0),
        SD_BUS_VTABLE_END,
};

static int cgroup_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        _cleanup_free_ char *cgroup = NULL;
        BusCgroup *c;
        int r;

        r = sd_bus_path_decode(path, BUS_CGROUP_PREFIX, &cgroup);
        if (r <= 0)
                return r;
        c = bus_find_cgroup(userdata, cgroup);
        if (!c)
                return 0;
        *found = c;
        return 1;
}

static int cgroup_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret, sd_bus_error *error) {
        Bus *b = userdata;
        _cleanup_strv_free_ char **l = calloc(b->n_cgroups + 1, sizeof(char *));
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_cgroups; i++) {
                r = sd_bus_path_encode(BUS_CGROUP_PREFIX, b->cgroups[i].path, &l[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int bus_new(Manager *m, sd_bus *bus, Bus **ret) {
        Bus *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->bus = sd_bus_ref(bus);
        b->manager = m;
        b->emitted_scan_count = m->scan_count;
        *ret = b;
        return 0;
}

int bus_add_objects(Bus *b) {
        int r;

        r = sd_bus_add_object_vtable(b->bus, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, manager_vtable,
                                     b->manager);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_CGROUP_PREFIX, BUS_CGROUP_INTERFACE, cgroup_vtable,
                                       cgroup_find, b);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_CGROUP_PREFIX, cgroup_enumerate, b);
        if (r < 0)
                return r;
        return bus_refresh(b, false);
}

int bus_open(Manager *m) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        if (m->options->once)
                return 0;
        r = sd_bus_open_system_with_description(&bus, "pageidled");
        if (r < 0) {
                log_warning_errno(r, "Failed to connect to the system bus: %m; going on without the D-Bus API.");
                return 0;
        }
        r = bus_new(m, bus, &m->bus);
        if (r < 0)
                return log_oom();
        return 0;
}

/* The bus went away (dbus-daemon restarted): exit with an error, so that the
 * service manager restarts the daemon and the API comes back. */
static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_error("Lost the connection to the system bus; exiting, to be restarted with the D-Bus API.");
        return sd_event_exit(m->event, EXIT_FAILURE);
}

int bus_start(Manager *m) {
        int r;

        if (!m->bus)
                return 0;
        r = sd_bus_attach_event(m->bus->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_match_signal(m->bus->bus, NULL, NULL, "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the bus connection: %m");
        r = bus_add_objects(m->bus);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to register the bus objects: %m");

        /* Last: callers may come as soon as the name is ours. */
        r = sd_bus_request_name(m->bus->bus, BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another process owns %s on the system bus: is pageidled running already?",
                                       BUS_NAME);
        if (r < 0) {
                log_error_errno(r, "Failed to acquire %s on the system bus: %m (is org.pageidled1.conf installed in "
                                "the bus's system.d?); going on without the D-Bus API.", BUS_NAME);
                m->bus = bus_free(m->bus);
                return 0;
        }
        log_debug("Serving %s on the system bus.", BUS_NAME);
        return 0;
}

void bus_publish(Manager *m) {
        Bus *b = m->bus;
        size_t j = 0;
        int r;

        if (!b)
                return;
        r = bus_refresh(b, true);
        if (r < 0)
                log_warning_errno(r, "Failed to update the bus objects: %m");

        for (size_t i = 0; i < b->n_waiters; i++) {
                BusWaiter *w = &b->waiters[i];

                if (!w->ready) {
                        /* Its pass starts now (manager_schedule_pass()). */
                        w->ready = true;
                        b->waiters[j++] = *w;
                        continue;
                }
                if (m->state == MANAGER_DEGRADED)
                        r = sd_bus_reply_method_errorf(w->call, BUS_ERROR_SCAN_FAILED, "The scan failed: %s.",
                                                       m->state_detail ?: "see the daemon's log");
                else
                        r = sd_bus_reply_method_return(w->call, NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer ScanNow(): %m");
                sd_bus_message_unref(w->call);
        }
        b->n_waiters = j;
}
