/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus API, org.pageidled1(5): the manager object and one object per
 * tracked cgroup, served from the manager's event loop. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "bus.h"
#include "cgroup-path.h"
#include "util.h"

static const char version[] = PACKAGE_VERSION;

static void bus_objects_free(BusObject *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (l[i].pending) {
                        free(l[i].pending->path);
                        cgroup_labels_done(&l[i].pending->labels);
                        free(l[i].pending);
                }
        free(l);
}

Bus *bus_free(Bus *b) {
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->n_waiters; i++)
                sd_bus_message_unref(b->waiters[i].call);
        free(b->waiters);
        bus_objects_free(b->objects, b->n_objects);
        snapshot_unref(b->snapshot);
        history_view_unref(b->history);
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

/* a{ss}: the labels the cgroup's path gives it, only those it has. */
static int property_get_labels(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const CgroupLabels *l = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                if (l->value[k]) {
                        r = sd_bus_message_append(reply, "{ss}", cgroup_label_to_string(k), l->value[k]);
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_close_container(reply);
}

/* a(ttt): each working-set window, its bytes and how much of it they cover. */
static int property_get_working_sets(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const SnapshotCgroup *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ttt)");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < c->estimate.n_windows; i++) {
                r = sd_bus_message_append(reply, "(ttt)", c->windows_usec[i], c->estimate.window_ws_bytes[i],
                                          c->windows_measured_usec[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_windows(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const SnapshotInfo *info = userdata;

        return sd_bus_message_append_array(reply, 't', info->windows_usec, info->n_windows * sizeof(uint64_t));
}

/* The kernel's figures of a cgroup: D-Bus has no null, so a byte count not
 * known (or no limit) is UINT64_MAX, as systemd's MemoryMax is for
 * infinity, and a rate or ratio not known is -1. */
static uint64_t kernel_u64(const SnapshotCgroup *c, const char *property) {
        const CgroupKernel *k = &c->kernel;

        if ((strcmp(property, "MemoryCurrentBytes") == 0))
                return k->has_current ? k->current_bytes : UINT64_MAX;
        if ((strcmp(property, "MemoryHighBytes") == 0))
                return k->has_high ? k->high_bytes : UINT64_MAX;
        if ((strcmp(property, "MemoryMaxBytes") == 0))
                return k->has_max ? k->max_bytes : UINT64_MAX;
        return c->has_cadvisor_working_set ? c->cadvisor_working_set_bytes : UINT64_MAX;
}

static double kernel_double(const SnapshotCgroup *c, const char *property) {
        const CgroupKernel *k = &c->kernel;

        if ((strcmp(property, "WorkingsetRefaultAnonPerSecond") == 0))
                return k->has_refault_anon_rate ? k->refault_anon_per_second : -1.0;
        if ((strcmp(property, "WorkingsetRefaultFilePerSecond") == 0))
                return k->has_refault_file_rate ? k->refault_file_per_second : -1.0;
        if ((strcmp(property, "MemoryPressureSomeAvg10Ratio") == 0))
                return k->has_pressure_some ? k->pressure_some_avg10 : -1.0;
        return k->has_pressure_full ? k->pressure_full_avg10 : -1.0;
}

static int property_get_kernel_u64(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        uint64_t v = kernel_u64(userdata, property);

        return sd_bus_message_append_basic(reply, 't', &v);
}

static int property_get_kernel_double(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        double v = kernel_double(userdata, property);

        return sd_bus_message_append_basic(reply, 'd', &v);
}

static const BusObject *bus_find_object(const BusObject *l, size_t n, const char *path) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i].cgroup->path, path) == 0)
                        return &l[i];
        return NULL;
}

static const SnapshotCgroup *bus_find_cgroup(const Bus *b, const char *path) {
        const BusObject *o = bus_find_object(b->objects, b->n_objects, path);

        return o ? o->cgroup : NULL;
}

static bool strv_has(char * const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (strcmp(l[i], s) == 0)
                        return true;
        return false;
}

/* The objects: every cgroup of the snapshot, then the Track()ed ones that
 * no pass has seen yet, without the Untrack()ed ones. */
static int bus_objects_build(const Bus *b, BusObject **ret, size_t *ret_n) {
        const Snapshot *s = b->snapshot;
        char * const *added = b->tracking->added;
        BusObject *l;
        size_t n = 0;

        l = calloc((s ? s->n_cgroups : 0) + strv_length(added) + 1, sizeof(BusObject));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; s && i < s->n_cgroups; i++)
                if (!strv_has(b->tracking->removed, s->cgroups[i].path))
                        l[n++].cgroup = &s->cgroups[i];
        for (size_t i = 0; added && added[i]; i++) {
                SnapshotCgroup *c;

                if (bus_find_object(l, n, added[i]))
                        continue;
                c = malloc(sizeof(*c));
                if (!c) {
                        bus_objects_free(l, n);
                        return -ENOMEM;
                }
                snapshot_cgroup_empty(c, b->info.interval_usec);
                c->path = strdup(added[i]);
                l[n++] = (BusObject) { .cgroup = c, .pending = c };
                if (!c->path || cgroup_labels_parse(c->path, &c->labels) < 0) {
                        bus_objects_free(l, n);
                        return -ENOMEM;
                }
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* The names of the properties of c that differ from o, NULL-terminated in
 * names (room for all); LastScanTimestamp does not count (it changes at
 * every scan, and ScanCompleted says so). */
static void bus_cgroup_changes(const SnapshotCgroup *o, const SnapshotCgroup *c, const char **names) {
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
        CHANGED(cold_bytes, "ColdBytes");
        CHANGED(cold_anon_bytes, "ColdAnonBytes");
        CHANGED(cold_file_bytes, "ColdFileBytes");
        CHANGED(cold_bytes, "ReclaimableBytes");
        CHANGED(promoted_bytes, "PromotedBytes");
        CHANGED(promotion_bytes_per_minute, "PromotionBytesPerMinute");
        CHANGED(promotion_ratio, "PromotionRatio");
        CHANGED(headroom_ratio, "HeadroomRatio");
        CHANGED(suggested_limit_bytes, "SuggestedLimitBytes");
        CHANGED(sampled_bytes, "SampledBytes");
        CHANGED(idle_bytes_stderr, "IdleBytesStderr");
        CHANGED(working_set_bytes_stderr, "WorkingSetBytesStderr");
        CHANGED(anon_idle_bytes_stderr, "AnonIdleBytesStderr");
        CHANGED(file_idle_bytes_stderr, "FileIdleBytesStderr");
#undef CHANGED
        if (memcmp(x->hist_lower_usec, y->hist_lower_usec, sizeof(x->hist_lower_usec)) != 0 ||
            memcmp(x->hist_bytes, y->hist_bytes, sizeof(x->hist_bytes)) != 0)
                names[n++] = "IdleAgeHistogram";
        if (o->working_set_measured_usec != c->working_set_measured_usec)
                names[n++] = "WorkingSetMeasuredUSec";
        if (x->n_windows != y->n_windows ||
            memcmp(x->window_ws_bytes, y->window_ws_bytes, sizeof(x->window_ws_bytes)) != 0 ||
            memcmp(o->windows_usec, c->windows_usec, sizeof(o->windows_usec)) != 0 ||
            memcmp(o->windows_measured_usec, c->windows_measured_usec, sizeof(o->windows_measured_usec)) != 0)
                names[n++] = "WorkingSets";
        {
                static const char *const u[] = { "MemoryCurrentBytes", "MemoryHighBytes", "MemoryMaxBytes",
                                                 "CadvisorWorkingSetBytes" };
                static const char *const d[] = { "WorkingsetRefaultAnonPerSecond", "WorkingsetRefaultFilePerSecond",
                                                 "MemoryPressureSomeAvg10Ratio", "MemoryPressureFullAvg10Ratio" };

                for (size_t i = 0; i < ELEMENTSOF(u); i++)
                        if (kernel_u64(o, u[i]) != kernel_u64(c, u[i]))
                                names[n++] = u[i];
                for (size_t i = 0; i < ELEMENTSOF(d); i++)
                        if (kernel_double(o, d[i]) != kernel_double(c, d[i]))
                                names[n++] = d[i];
        }
        names[n] = NULL;
}

static void bus_emit_interfaces(Bus *b, const char *cgroup, bool added) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = sd_bus_path_encode(BUS_CGROUP_PREFIX, cgroup, &path);
        if (r < 0) {
                log_oom();
                return;
        }
        r = added ? sd_bus_emit_object_added(b->bus, path) : sd_bus_emit_object_removed(b->bus, path);
        if (r < 0)
                log_debug_errno(r, "Failed to emit %s for %s: %m", added ? "InterfacesAdded" : "InterfacesRemoved",
                                path);
}

/* PropertiesChanged for each object with what changed since old (the
 * objects as the last signals or calls left them); a new object with all
 * its properties. */
static void bus_emit_cgroup_changes(Bus *b, const BusObject *old, size_t n_old) {
        for (size_t i = 0; i < b->n_objects; i++) {
                const SnapshotCgroup *c = b->objects[i].cgroup, *o = NULL;
                _cleanup_free_ char *path = NULL;
                const char *names[56];
                int r;

                /* Both lists come in the order of the hierarchy's walk. */
                if (i < n_old && strcmp(old[i].cgroup->path, c->path) == 0)
                        o = old[i].cgroup;
                for (size_t j = 0; !o && j < n_old; j++)
                        if (strcmp(old[j].cgroup->path, c->path) == 0)
                                o = old[j].cgroup;
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

/* Rebuilds the objects from snapshot s (taking the reference) and the
 * tracking changes.  InterfacesRemoved goes out while the old objects can
 * still be found, InterfacesAdded once the new ones can; with emit (a
 * published pass), PropertiesChanged and ScanCompleted too. */
static int bus_update(Bus *b, Snapshot *s, bool emit) {
        _cleanup_(snapshot_unrefp) Snapshot *old_snapshot = b->snapshot;
        BusObject *old = b->objects, *l;
        size_t n_old = b->n_objects, n;
        bool attached = b->registered;
        int r;

        b->snapshot = s;
        b->info = s->info;
        r = bus_objects_build(b, &l, &n);
        if (r < 0) {
                /* Keep what was shown. */
                b->snapshot = TAKE_PTR(old_snapshot);
                b->info = b->snapshot->info;
                snapshot_unref(s);
                return r;
        }
        for (size_t i = 0; attached && i < n_old; i++)
                if (!bus_find_object(l, n, old[i].cgroup->path))
                        bus_emit_interfaces(b, old[i].cgroup->path, false);
        b->objects = l;
        b->n_objects = n;
        for (size_t i = 0; attached && i < n; i++)
                if (!bus_find_object(old, n_old, l[i].cgroup->path))
                        bus_emit_interfaces(b, l[i].cgroup->path, true);
        if (emit && attached)
                bus_emit_cgroup_changes(b, old, n_old);
        bus_objects_free(old, n_old);
        if (!emit || !attached)
                return 0;

        r = sd_bus_emit_properties_changed_strv(b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged for the manager: %m");
        if (b->info.scan_count != b->emitted_scan_count) {
                r = sd_bus_emit_signal(b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanCompleted", "tt",
                                       b->info.scan_count, b->info.last_scan_duration_usec);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit ScanCompleted: %m");
                b->emitted_scan_count = b->info.scan_count;
        }
        return 0;
}

/* After Track() or Untrack(): the same snapshot, other objects. */
static int bus_refresh(Bus *b) {
        return bus_update(b, snapshot_ref(b->snapshot), false);
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
static int bus_no_such_cgroup(const char *path, int error_code, sd_bus_error *error) {
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
        Bus *b = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(so)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n_objects; i++) {
                const char *cgroup = b->objects[i].cgroup->path;
                _cleanup_free_ char *path = NULL;

                r = sd_bus_path_encode(BUS_CGROUP_PREFIX, cgroup, &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(so)", cgroup, path);
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
        Bus *b = userdata;
        int r;

        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        if (!bus_find_cgroup(b, path)) {
                r = b->handler->cgroup_exists(b->userdata, path);
                if (r < 0)
                        return bus_no_such_cgroup(path, r, error);
                return sd_bus_error_setf(error, BUS_ERROR_NOT_TRACKED, "Cgroup %s is not tracked.", path);
        }
        return reply_object_path(msg, path);
}

static int method_track(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Bus *b = userdata;
        int r;

        r = bus_check_root(msg, "Track", error);
        if (r < 0)
                return r;
        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        r = b->handler->track(b->userdata, path);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, BUS_ERROR_ALREADY_TRACKED, "Cgroup %s is already tracked.", path);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return bus_no_such_cgroup(path, r, error);
        log_info("Tracking cgroup %s from the next scan on, as asked over the bus.", path);
        r = bus_refresh(b);
        if (r < 0)
                return r;
        return reply_object_path(msg, path);
}

static int method_untrack(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Bus *b = userdata;
        int r;

        r = bus_check_root(msg, "Untrack", error);
        if (r < 0)
                return r;
        r = bus_read_path(msg, &path, error);
        if (r < 0)
                return r;
        r = b->handler->untrack(b->userdata, path);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_TRACKED, "Cgroup %s is not tracked.", path);
        if (r < 0)
                return r;
        log_info("No longer tracking cgroup %s, as asked over the bus.", path);
        r = bus_refresh(b);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

/* ScanNow(), the whole path: the handler starts a pass (manager_scan_now():
 * at once, or when the pass under way ends), and the call waits here until
 * bus_publish() gets the snapshot of that pass and answers it. */
static int method_scan_now(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Bus *b = userdata;
        BusWaiter *w;
        int r;

        r = bus_check_root(msg, "ScanNow", error);
        if (r < 0)
                return r;
        w = realloc(b->waiters, sizeof(BusWaiter) * (b->n_waiters + 1));
        if (!w)
                return -ENOMEM;
        b->waiters = w;
        r = b->handler->scan_now(b->userdata);
        if (r < 0)
                return r;
        b->waiters[b->n_waiters++] = (BusWaiter) {
                .call = sd_bus_message_ref(msg),
                /* A pass under way may have begun before a Track(): wait for the next. */
                .ready = r == 0,
        };
        return 1;
}

/* The document of the last published snapshot, as the JSON file and HTTP
 * have it: a call costs a copy, not a rendering of every cgroup. */
static int method_get_snapshot(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const Bus *b = userdata;

        if (!b->snapshot || !b->snapshot->json)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "No document yet.");
        return sd_bus_reply_method_return(msg, "s", b->snapshot->json);
}

/* GetHistory(cgroup, since_usec): what GET /history.json?cgroup=&since=
 * answers, cgroup "" for all of them, since_usec 0 for every scan. */
static int method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *json = NULL, *path = NULL;
        const Bus *b = userdata;
        const char *cgroup;
        uint64_t since;
        size_t size;
        int r;

        r = sd_bus_message_read(msg, "st", &cgroup, &since);
        if (r < 0)
                return r;
        if (*cgroup) {
                r = cgroup_path_normalize(cgroup, &path);
                if (r < 0)
                        return r;
                if (r > 0)
                        return sd_bus_error_setf(error, BUS_ERROR_INVALID_PATH, "Invalid cgroup path: %s.",
                                                 cgroup_path_error_to_string(r));
        }
        if (!b->history)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "No history yet.");
        r = history_format(b->history, path, since, &json, &size);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_CGROUP,
                                         "No scan in the history (since then) has %s.", path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", json);
}

/* Every method is SD_BUS_VTABLE_UNPRIVILEGED: on the system bus sd-bus would
 * otherwise serve only callers it deems privileged (root, CAP_SYS_ADMIN read
 * from /proc, or the daemon's own user), refusing readers and letting user
 * pageidled through.  Reads are for everyone; bus_check_root() guards the
 * rest.  The properties are the last published snapshot's (Bus.info). */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Backend", "s", property_get_string, offsetof(Bus, info.backend),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ScanPath", "s", property_get_string, offsetof(Bus, info.scan_path),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", property_get_string, offsetof(Bus, info.state),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StateDetail", "s", property_get_string, offsetof(Bus, info.state_detail),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScanIntervalUSec", "t", property_get_uint64, offsetof(Bus, info.interval_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WorkingSetWindowUSec", "t", property_get_uint64, offsetof(Bus, info.window_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WorkingSetWindowsUSec", "at", property_get_windows, offsetof(Bus, info),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ColdAgeUSec", "t", property_get_uint64, offsetof(Bus, info.cold_age_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastScanTimestamp", "t", property_get_uint64, offsetof(Bus, info.last_scan_timestamp_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastScanDurationUSec", "t", property_get_uint64,
                        offsetof(Bus, info.last_scan_duration_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScanCount", "t", property_get_uint64, offsetof(Bus, info.scan_count),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sampling", "d", property_get_double, offsetof(Bus, info.sampling),
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
        SD_BUS_METHOD_WITH_NAMES("GetHistory", "st", SD_BUS_PARAM(cgroup) SD_BUS_PARAM(since_usec),
                                 "s", SD_BUS_PARAM(json), method_get_history, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("ScanCompleted", "tt", SD_BUS_PARAM(count) SD_BUS_PARAM(duration_usec), 0),
        SD_BUS_VTABLE_END,
};

#define CGROUP_U64(name, field)                                                         \
        SD_BUS_PROPERTY(name, "t", property_get_uint64, offsetof(SnapshotCgroup, estimate.field), \
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable cgroup_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Path", "s", property_get_string, offsetof(SnapshotCgroup, path), SD_BUS_VTABLE_PROPERTY_CONST),
        /* From the path: the same for as long as the object lives. */
        SD_BUS_PROPERTY("Labels", "a{ss}", property_get_labels, offsetof(SnapshotCgroup, labels),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        CGROUP_U64("Bytes", bytes),
        CGROUP_U64("IdleBytes", idle_bytes),
        SD_BUS_PROPERTY("IdleRatio", "d", property_get_double, offsetof(SnapshotCgroup, estimate.idle_ratio),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        CGROUP_U64("WorkingSetBytes", working_set_bytes),
        SD_BUS_PROPERTY("WorkingSetMeasuredUSec", "t", property_get_uint64,
                        offsetof(SnapshotCgroup, working_set_measured_usec), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        CGROUP_U64("AnonBytes", anon_bytes),
        CGROUP_U64("AnonIdleBytes", anon_idle_bytes),
        CGROUP_U64("FileBytes", file_bytes),
        CGROUP_U64("FileIdleBytes", file_idle_bytes),
        /* 0 where the backend keeps no idle ages (the document has null). */
        CGROUP_U64("ColdBytes", cold_bytes),
        CGROUP_U64("ColdAnonBytes", cold_anon_bytes),
        CGROUP_U64("ColdFileBytes", cold_file_bytes),
        CGROUP_U64("ReclaimableBytes", cold_bytes),
        CGROUP_U64("PromotedBytes", promoted_bytes),
        SD_BUS_PROPERTY("PromotionBytesPerMinute", "d", property_get_double,
                        offsetof(SnapshotCgroup, estimate.promotion_bytes_per_minute),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PromotionRatio", "d", property_get_double, offsetof(SnapshotCgroup, estimate.promotion_ratio),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("HeadroomRatio", "d", property_get_double, offsetof(SnapshotCgroup, estimate.headroom_ratio),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        CGROUP_U64("SuggestedLimitBytes", suggested_limit_bytes),
        SD_BUS_PROPERTY("WorkingSets", "a(ttt)", property_get_working_sets, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
#define CGROUP_KERNEL(name, type, getter) \
        SD_BUS_PROPERTY(name, type, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
        CGROUP_KERNEL("MemoryCurrentBytes", "t", property_get_kernel_u64),
        CGROUP_KERNEL("MemoryHighBytes", "t", property_get_kernel_u64),
        CGROUP_KERNEL("MemoryMaxBytes", "t", property_get_kernel_u64),
        CGROUP_KERNEL("CadvisorWorkingSetBytes", "t", property_get_kernel_u64),
        CGROUP_KERNEL("WorkingsetRefaultAnonPerSecond", "d", property_get_kernel_double),
        CGROUP_KERNEL("WorkingsetRefaultFilePerSecond", "d", property_get_kernel_double),
        CGROUP_KERNEL("MemoryPressureSomeAvg10Ratio", "d", property_get_kernel_double),
        CGROUP_KERNEL("MemoryPressureFullAvg10Ratio", "d", property_get_kernel_double),
#undef CGROUP_KERNEL
        SD_BUS_PROPERTY("IdleAgeHistogram", "a(tt)", property_get_histogram, offsetof(SnapshotCgroup, estimate),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* The same for every object at every scan: ScanCompleted says when
         * it changes, rather than a signal from each object. */
        SD_BUS_PROPERTY("LastScanTimestamp", "t", property_get_uint64,
                        offsetof(SnapshotCgroup, last_scan_timestamp_usec), 0),
        /* Sampling= */
        CGROUP_U64("SampledBytes", sampled_bytes),
        CGROUP_U64("IdleBytesStderr", idle_bytes_stderr),
        CGROUP_U64("WorkingSetBytesStderr", working_set_bytes_stderr),
        CGROUP_U64("AnonIdleBytesStderr", anon_idle_bytes_stderr),
        CGROUP_U64("FileIdleBytesStderr", file_idle_bytes_stderr),
        SD_BUS_VTABLE_END,
};

static int cgroup_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        _cleanup_free_ char *cgroup = NULL;
        const SnapshotCgroup *c;
        int r;

        r = sd_bus_path_decode(path, BUS_CGROUP_PREFIX, &cgroup);
        if (r <= 0)
                return r;
        c = bus_find_cgroup(userdata, cgroup);
        if (!c)
                return 0;
        *found = (void *) c;
        return 1;
}

static int cgroup_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret, sd_bus_error *error) {
        Bus *b = userdata;
        _cleanup_strv_free_ char **l = calloc(b->n_objects + 1, sizeof(char *));
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_objects; i++) {
                r = sd_bus_path_encode(BUS_CGROUP_PREFIX, b->objects[i].cgroup->path, &l[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int bus_new(sd_bus *bus, const BusHandler *h, void *userdata, const Tracking *t, Snapshot *s, Bus **ret) {
        Bus *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->bus = sd_bus_ref(bus);
        b->handler = h;
        b->userdata = userdata;
        b->tracking = t;
        b->snapshot = snapshot_ref(s);
        b->info = s->info;
        b->emitted_scan_count = s->info.scan_count;
        *ret = b;
        return 0;
}

int bus_add_objects(Bus *b) {
        int r;

        r = sd_bus_add_object_vtable(b->bus, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, manager_vtable, b);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_CGROUP_PREFIX, BUS_CGROUP_INTERFACE, cgroup_vtable,
                                       cgroup_find, b);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(b->bus, NULL, BUS_CGROUP_PREFIX, cgroup_enumerate, b);
        if (r < 0)
                return r;
        /* GetManagedObjects(), InterfacesAdded and InterfacesRemoved for
         * the cgroup objects, as busctl and bus clients expect of a
         * dynamic tree. */
        r = sd_bus_add_object_manager(b->bus, NULL, BUS_MANAGER_PATH);
        if (r < 0)
                return r;
        r = bus_refresh(b);
        if (r < 0)
                return r;
        b->registered = true;
        return 0;
}

int bus_open(const BusHandler *h, void *userdata, const Tracking *t, Snapshot *s, Bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int r;

        *ret = NULL;
        r = sd_bus_open_system_with_description(&bus, "pageidled");
        if (r < 0) {
                log_warning_errno(r, "Failed to connect to the system bus: %m; going on without the D-Bus API.");
                return 0;
        }
        r = bus_new(bus, h, userdata, t, s, ret);
        if (r < 0)
                return log_oom();
        return 0;
}

/* The bus went away (dbus-daemon restarted): exit with an error, so that the
 * service manager restarts the daemon and the API comes back. */
static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        log_error("Lost the connection to the system bus; exiting, to be restarted with the D-Bus API.");
        return sd_event_exit(userdata, EXIT_FAILURE);
}

int bus_start(Bus *b, sd_event *e) {
        int r;

        r = sd_bus_attach_event(b->bus, e, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_match_signal(b->bus, NULL, NULL, "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, e);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the bus connection: %m");
        r = bus_add_objects(b);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to register the bus objects: %m");

        /* Last: callers may come as soon as the name is ours. */
        r = sd_bus_request_name(b->bus, BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another process owns %s on the system bus: is pageidled running already?",
                                       BUS_NAME);
        if (r < 0) {
                log_error_errno(r, "Failed to acquire %s on the system bus: %m (is org.pageidled1.conf installed in "
                                "the bus's system.d?); going on without the D-Bus API.", BUS_NAME);
                return 0;
        }
        log_debug("Serving %s on the system bus.", BUS_NAME);
        return 1;
}

void bus_publish(Bus *b, Snapshot *s, bool pass_done) {
        size_t j = 0;
        int r;

        if (!b)
                return;
        r = bus_update(b, snapshot_ref(s), true);
        if (r < 0)
                log_warning_errno(r, "Failed to update the bus objects: %m");
        if (!pass_done)
                return;

        for (size_t i = 0; i < b->n_waiters; i++) {
                BusWaiter *w = &b->waiters[i];

                if (!w->ready) {
                        /* Its pass starts now (manager_schedule_pass()). */
                        w->ready = true;
                        b->waiters[j++] = *w;
                        continue;
                }
                if (strcmp(s->info.state ?: "", "degraded") == 0)
                        r = sd_bus_reply_method_errorf(w->call, BUS_ERROR_SCAN_FAILED, "The scan failed: %s.",
                                                       s->info.state_detail ?: "see the daemon's log");
                else
                        r = sd_bus_reply_method_return(w->call, NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer ScanNow(): %m");
                sd_bus_message_unref(w->call);
        }
        b->n_waiters = j;
}

void bus_publish_history(Bus *b, HistoryView *v) {
        if (!b)
                return;
        history_view_unref(b->history);
        b->history = history_view_ref(v);
}
