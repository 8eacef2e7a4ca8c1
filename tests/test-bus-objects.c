/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vtables of bus.c over a socketpair, without a bus daemon: a server
 * that is the bus's handler, with a fake cgroup tree and fake scans (the
 * pass timer builds the set with tracking.c's tracking_build_set() and
 * publishes snapshots of made-up counts), and a client in a child process
 * that reads every property, calls every method, sends bad paths and
 * watches the signals.
 * Track, Untrack and ScanNow succeed when the test runs as root and are
 * refused otherwise (the peer is the test itself). */
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "conf.h"
#include "json.h"
#include "test-util.h"
#include "tracking.h"
#include "util.h"

#define PAGE 4096

static char dir[] = "/tmp/test-bus-objects.XXXXXX";

/* How often a snapshot (and with it the document) was made: only when a
 * pass begins or is published, never for a GetSnapshot() call. */
static unsigned snapshot_builds, publishes;

/* What the daemon's manager is to the bus, cut down to the test. */
typedef struct Server {
        sd_event *event;
        sd_event_source *pass_timer, *step_timer;
        Config *config;
        int cgroup_root_fd;
        Tracking tracking;
        CgroupSet *scanning, *published;
        const char *state;
        uint64_t scan_count, last_scan_timestamp_usec, last_scan_duration_usec;
        bool scan_requested;
        Snapshot *snapshot;
        Bus *bus;
} Server;

static void server_publish(Server *m, bool pass_done) {
        SnapshotInfo info = {
                .backend = "page_idle",
                .state = m->state,
                .interval_usec = m->config->interval_usec,
                .window_usec = config_window_intervals(m->config) * m->config->interval_usec,
                .cold_age_usec = config_cold_intervals(m->config) * m->config->interval_usec,
                .n_windows = 2,
                .windows_usec = { 120 * USEC_PER_SEC, 600 * USEC_PER_SEC },
                .scan_count = m->scan_count,
                .last_scan_timestamp_usec = m->last_scan_timestamp_usec,
                .last_scan_duration_usec = m->last_scan_duration_usec,
                .page_size = PAGE,
        };

        snapshot_unref(m->snapshot);
        CHECK(snapshot_new(&info, m->published, &m->snapshot) == 0);
        snapshot_builds++;
        if (pass_done)
                publishes++;
        if (m->bus)
                bus_publish(m->bus, m->snapshot, pass_done);
}

/* A pass: every tracked cgroup gets 10 anon pages, 4 of them idle for two
 * intervals, and 6 file pages, all in use.  It begins on the pass timer and
 * ends PASS_USEC later; meanwhile State says "starting", so that the client
 * can tell a pass is under way. */
#define PASS_USEC (300 * USEC_PER_MSEC)

static void pass_finish(Server *m) {
        CgroupSet *set = TAKE_PTR(m->scanning);

        for (size_t i = 0; i < set->n_nodes; i++) {
                PageStats *p = &set->nodes[i].own;

                if (!set->nodes[i].tracked)
                        continue;
                p->pages[PAGE_ANON] = 10;
                p->idle_pages[PAGE_ANON] = 4;
                p->pages[PAGE_FILE] = 6;
                p->ws_pages = 12;
                p->hist_pages[0] = 12;
                p->hist_pages[age_bucket(2)] = 4;
                p->cold_pages[PAGE_ANON] = 3;
                p->promoted_pages = 2;
                p->window_ws_pages[1] = 14;
                set->nodes[i].kernel = (CgroupKernel) {
                        .has_current = true, .current_bytes = 20 * PAGE,
                        .has_inactive_file = true, .inactive_file_bytes = 2 * PAGE,
                        .has_max = true, .max_bytes = 64 * PAGE,
                        .has_refault_file_rate = true, .refault_file_per_second = 0.25,
                        .has_pressure_some = true, .pressure_some_avg10 = 0.5,
                };
        }
        cgroup_set_sum(set);
        cgroup_set_free(m->published);
        m->published = set;
        m->scan_count++;
        m->last_scan_timestamp_usec = now_usec(CLOCK_REALTIME);
        m->last_scan_duration_usec = 1234;
        m->state = "running";
        /* As manager_publish() does. */
        server_publish(m, true);
        /* As manager_schedule_pass() does. */
        if (m->scan_requested) {
                m->scan_requested = false;
                CHECK(sd_event_source_set_time(m->pass_timer, now_usec(CLOCK_MONOTONIC)) >= 0);
                CHECK(sd_event_source_set_enabled(m->pass_timer, SD_EVENT_ONESHOT) >= 0);
        }
}

static void pass_begin(Server *m) {
        CHECK(!m->scanning);
        CHECK(tracking_build_set(&m->tracking, m->cgroup_root_fd, m->config->cgroups, &m->scanning) == 0);
        m->state = "starting";
        server_publish(m, false);
}

static int on_pass(sd_event_source *s, uint64_t usec, void *userdata) {
        Server *m = userdata;

        pass_begin(m);
        CHECK(sd_event_source_set_time_relative(m->step_timer, PASS_USEC) >= 0);
        CHECK(sd_event_source_set_enabled(m->step_timer, SD_EVENT_ONESHOT) >= 0);
        return 0;
}

static int on_pass_end(sd_event_source *s, uint64_t usec, void *userdata) {
        pass_finish(userdata);
        return 0;
}

/* The handler, as manager-bus.c's. */
static int server_track(void *userdata, const char *path) {
        Server *m = userdata;

        return tracking_track(&m->tracking, m->snapshot, m->cgroup_root_fd, path);
}

static int server_untrack(void *userdata, const char *path) {
        Server *m = userdata;

        return tracking_untrack(&m->tracking, m->snapshot, path);
}

static int server_cgroup_exists(void *userdata, const char *path) {
        Server *m = userdata;

        return tracking_cgroup_exists(m->cgroup_root_fd, path);
}

/* As manager_scan_now(). */
static int server_scan_now(void *userdata) {
        Server *m = userdata;

        if (m->scanning) {
                m->scan_requested = true;
                return 1;
        }
        CHECK(sd_event_source_set_time(m->pass_timer, now_usec(CLOCK_MONOTONIC)) >= 0);
        CHECK(sd_event_source_set_enabled(m->pass_timer, SD_EVENT_ONESHOT) >= 0);
        return 0;
}

static const BusHandler server_handler = {
        .track = server_track,
        .untrack = server_untrack,
        .cgroup_exists = server_cgroup_exists,
        .scan_now = server_scan_now,
};

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), si->si_code == CLD_EXITED ? si->si_status : 99);
}

/* --- the client ----------------------------------------------------- */

static sd_bus *client;
static unsigned scan_completed, cgroup_changes, objects_added, objects_removed;
static char object_changed[256];        /* of the last InterfacesAdded or InterfacesRemoved */
static char changed_names[512];         /* of the last cgroup PropertiesChanged, ",A,B," */

static uint64_t get_u64(const char *path, const char *iface, const char *name) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t v = 0;

        if (sd_bus_get_property_trivial(client, NULL, path, iface, name, &e, 't', &v) < 0) {
                fprintf(stderr, "Get %s: %s\n", name, e.message);
                exit(EXIT_FAILURE);
        }
        return v;
}

static char *get_str(const char *path, const char *iface, const char *name) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *v = NULL;

        if (sd_bus_get_property_string(client, NULL, path, iface, name, &e, &v) < 0) {
                fprintf(stderr, "Get %s: %s\n", name, e.message);
                exit(EXIT_FAILURE);
        }
        return v;
}

/* Labels, a{ss}, as "key=value," each; "" for none. */
static void get_labels(const char *path, char *buf, size_t size) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *k, *v;
        size_t n = 0;
        int r;

        if (sd_bus_get_property(client, NULL, path, BUS_CGROUP_INTERFACE, "Labels", &e, &reply, "a{ss}") < 0) {
                fprintf(stderr, "Get Labels: %s\n", e.message);
                exit(EXIT_FAILURE);
        }
        buf[0] = 0;
        CHECK(sd_bus_message_enter_container(reply, 'a', "{ss}") > 0);
        while ((r = sd_bus_message_read(reply, "{ss}", &k, &v)) > 0) {
                CHECK(n < size);
                n += snprintf(buf + n, size - n, "%s=%s,", k, v);
        }
        CHECK(r == 0);
        CHECK(n < size);
        sd_bus_message_unref(reply);
}

/* Calls METHOD(path) and checks it fails with error, or succeeds if NULL. */
static void call_path(const char *method, const char *path, const char *error) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, method, &e, &reply, "s", path);
        if (!error) {
                if (r < 0)
                        fprintf(stderr, "%s(%s): %s\n", method, path, e.message);
                CHECK(r >= 0);
        } else {
                if (r >= 0 || !sd_bus_error_has_name(&e, error))
                        fprintf(stderr, "%s(%s): %s, expected %s\n", method, path, r >= 0 ? "success" : e.name,
                                error);
                CHECK(r < 0 && sd_bus_error_has_name(&e, error));
                fprintf(stderr, "%s(%s): %s\n", method, path, e.message);
        }
        sd_bus_error_free(&e);
        sd_bus_message_unref(reply);
}

static size_t list_cgroups(const char *want_path, const char *want_object) {
        sd_bus_message *reply = NULL;
        const char *p, *o;
        size_t n = 0;
        bool found = !want_path;

        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ListCgroups", NULL, &reply,
                                 NULL) >= 0);
        CHECK(sd_bus_message_enter_container(reply, 'a', "(so)") > 0);
        while (sd_bus_message_read(reply, "(so)", &p, &o) > 0) {
                n++;
                if (want_path && strcmp(p, want_path) == 0) {
                        CHECK_STREQ(o, want_object);
                        found = true;
                }
        }
        CHECK(found);
        sd_bus_message_unref(reply);
        return n;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        if (sd_bus_message_is_signal(m, BUS_MANAGER_INTERFACE, "ScanCompleted")) {
                uint64_t count, duration;

                CHECK(sd_bus_message_read(m, "tt", &count, &duration) > 0);
                CHECK_EQ_U64(duration, 1234);
                scan_completed++;
        } else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded") ||
                   sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved")) {
                const char *object;

                CHECK_STREQ(sd_bus_message_get_path(m), BUS_MANAGER_PATH);
                CHECK(sd_bus_message_read(m, "o", &object) > 0);
                CHECK(strlen(object) < sizeof(object_changed));
                strcpy(object_changed, object);
                if (strcmp(sd_bus_message_get_member(m), "InterfacesAdded") == 0)
                        objects_added++;
                else
                        objects_removed++;
        } else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged") &&
                   strncmp(sd_bus_message_get_path(m), BUS_CGROUP_PREFIX "/", strlen(BUS_CGROUP_PREFIX) + 1) == 0) {
                const char *iface, *name;

                cgroup_changes++;
                CHECK(sd_bus_message_read(m, "s", &iface) > 0);
                CHECK(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
                strcpy(changed_names, ",");
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        CHECK(sd_bus_message_read(m, "s", &name) > 0);
                        CHECK(sd_bus_message_skip(m, "v") >= 0);
                        CHECK(sd_bus_message_exit_container(m) >= 0);
                        CHECK(strlen(changed_names) + strlen(name) + 2 < sizeof(changed_names));
                        strcat(changed_names, name);
                        strcat(changed_names, ",");
                }
        }
        return 0;
}

static unsigned scan_replies;
static unsigned scan_reply_at[2];

/* Notes how many ScanCompleted came before the reply. */
static int on_scan_reply(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        CHECK(!sd_bus_message_is_method_error(m, NULL));
        scan_reply_at[(uintptr_t) userdata] = scan_completed;
        scan_replies++;
        return 0;
}

/* GetManagedObjects(): the cgroup objects, each with its Cgroup interface. */
static size_t managed_objects(const char *want) {
        sd_bus_message *reply = NULL;
        const char *object, *iface;
        bool found = false;
        size_t n = 0;

        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                                 "GetManagedObjects", NULL, &reply, NULL) >= 0);
        CHECK(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") > 0);
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                bool cgroup = false;

                CHECK(sd_bus_message_read(reply, "o", &object) > 0);
                CHECK(sd_bus_message_enter_container(reply, 'a', "{sa{sv}}") > 0);
                while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
                        CHECK(sd_bus_message_read(reply, "s", &iface) > 0);
                        cgroup = cgroup || strcmp(iface, BUS_CGROUP_INTERFACE) == 0;
                        CHECK(sd_bus_message_skip(reply, "a{sv}") >= 0);
                        CHECK(sd_bus_message_exit_container(reply) >= 0);
                }
                CHECK(sd_bus_message_exit_container(reply) >= 0);
                CHECK(sd_bus_message_exit_container(reply) >= 0);
                if (strncmp(object, BUS_CGROUP_PREFIX "/", strlen(BUS_CGROUP_PREFIX) + 1) != 0)
                        continue;
                CHECK(cgroup);
                found = found || strcmp(object, want) == 0;
                n++;
        }
        CHECK(found);
        sd_bus_message_unref(reply);
        return n;
}

static void check_histogram(const char *object) {
        sd_bus_message *reply = NULL;
        uint64_t lower, bytes, want_lower[AGE_BUCKETS] = {}, want_bytes[AGE_BUCKETS] = {};
        unsigned i = 0;

        for (unsigned k = 0; k < AGE_BUCKETS; k++)
                want_lower[k] = age_bucket_lower_usec(k, 2 * USEC_PER_SEC);
        want_bytes[0] = 12 * PAGE;
        want_bytes[age_bucket(2)] = 4 * PAGE;
        CHECK(sd_bus_get_property(client, NULL, object, BUS_CGROUP_INTERFACE, "IdleAgeHistogram", NULL, &reply,
                                  "a(tt)") >= 0);
        CHECK(sd_bus_message_enter_container(reply, 'a', "(tt)") > 0);
        while (sd_bus_message_read(reply, "(tt)", &lower, &bytes) > 0) {
                CHECK(i < AGE_BUCKETS);
                CHECK_EQ_U64(lower, want_lower[i]);
                CHECK_EQ_U64(bytes, want_bytes[i]);
                i++;
        }
        CHECK_EQ_U64(i, AGE_BUCKETS);
        sd_bus_message_unref(reply);
}

/* Each window, its bytes and what of it is measured (all along here:
 * AGE_MAX intervals of 2 s); and the manager's list of windows. */
static void check_working_sets(const char *object) {
        sd_bus_message *reply = NULL;
        uint64_t window, bytes, measured;
        const uint64_t *windows;
        size_t size;

        CHECK(sd_bus_get_property(client, NULL, object, BUS_CGROUP_INTERFACE, "WorkingSets", NULL, &reply,
                                  "a(ttt)") >= 0);
        CHECK(sd_bus_message_enter_container(reply, 'a', "(ttt)") > 0);
        CHECK(sd_bus_message_read(reply, "(ttt)", &window, &bytes, &measured) > 0);
        CHECK_EQ_U64(window, 120 * USEC_PER_SEC);
        CHECK_EQ_U64(bytes, 12 * PAGE);
        CHECK_EQ_U64(measured, 120 * USEC_PER_SEC);
        CHECK(sd_bus_message_read(reply, "(ttt)", &window, &bytes, &measured) > 0);
        CHECK_EQ_U64(window, 600 * USEC_PER_SEC);
        CHECK_EQ_U64(bytes, 14 * PAGE);
        CHECK_EQ_U64(measured, 510 * USEC_PER_SEC);
        CHECK(sd_bus_message_read(reply, "(ttt)", &window, &bytes, &measured) == 0);
        reply = sd_bus_message_unref(reply);

        CHECK(sd_bus_get_property(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "WorkingSetWindowsUSec",
                                  NULL, &reply, "at") >= 0);
        CHECK(sd_bus_message_read_array(reply, 't', (const void **) &windows, &size) > 0);
        CHECK_EQ_U64(size, 2 * sizeof(uint64_t));
        CHECK_EQ_U64(windows[0], 120 * USEC_PER_SEC);
        CHECK_EQ_U64(windows[1], 600 * USEC_PER_SEC);
        sd_bus_message_unref(reply);
}

static int run_client(int fd) {
        _cleanup_free_ char *version = NULL, *state = NULL, *path = NULL, *json = NULL;
        const char *a = BUS_CGROUP_PREFIX "/_2fa", *b = BUS_CGROUP_PREFIX "/_2fb";
        sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *text, *obj;
        char labels[256];
        double ratio;
        json_object *doc;
        int r;

        CHECK(sd_bus_new(&client) >= 0);
        CHECK(sd_bus_set_fd(client, fd, fd) >= 0);
        CHECK(sd_bus_start(client) >= 0);
        CHECK(sd_bus_match_signal(client, NULL, NULL, NULL, NULL, NULL, on_signal, NULL) >= 0);

        /* Introspection names the documented members. */
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, "org.freedesktop.DBus.Introspectable", "Introspect",
                                 NULL, &reply, NULL) >= 0);
        CHECK(sd_bus_message_read(reply, "s", &text) > 0);
        for (const char *m = "ListCgroups\0GetCgroup\0Track\0Untrack\0ScanNow\0GetSnapshot\0ScanCompleted\0"
                             "ScanIntervalUSec\0LastScanDurationUSec\0name=\"path\"\0name=\"duration_usec\"\0";
             *m; m += strlen(m) + 1)
                if (!strstr(text, m)) {
                        fprintf(stderr, "Introspect lacks %s:\n%s", m, text);
                        exit(EXIT_FAILURE);
                }
        reply = sd_bus_message_unref(reply);
        CHECK(sd_bus_call_method(client, NULL, BUS_CGROUP_PREFIX, "org.freedesktop.DBus.Introspectable", "Introspect",
                                 NULL, &reply, NULL) >= 0);
        CHECK(sd_bus_message_read(reply, "s", &text) > 0);
        CHECK(strstr(text, "<node name=\"_2fa\"/>"));
        reply = sd_bus_message_unref(reply);

        /* The manager's properties. */
        version = get_str(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "Version");
        CHECK_STREQ(version, PACKAGE_VERSION);
        state = get_str(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "State");
        CHECK_STREQ(state, "running");
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanCount"), 1);
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanIntervalUSec"), 2 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "LastScanDurationUSec"), 1234);

        /* The cgroup object, counts from on_pass(): /a with /a/sub. */
        CHECK_EQ_U64(list_cgroups("/a", a), 1);
        path = get_str(a, BUS_CGROUP_INTERFACE, "Path");
        CHECK_STREQ(path, "/a");
        /* Nothing in its path says who /a is (test-bus-daemon.sh has a
         * cgroup that has labels). */
        get_labels(a, labels, sizeof(labels));
        CHECK_STREQ(labels, "");
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "Bytes"), 16 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "IdleBytes"), 4 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "AnonBytes"), 10 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "AnonIdleBytes"), 4 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "FileBytes"), 6 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "FileIdleBytes"), 0);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "WorkingSetBytes"), 12 * PAGE);
        CHECK(get_u64(a, BUS_CGROUP_INTERFACE, "LastScanTimestamp") > 0);
        /* Every page read: all sampled, errors of 0. */
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "SampledBytes"), 16 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "IdleBytesStderr"), 0);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "WorkingSetBytesStderr"), 0);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "IdleRatio", NULL, 'd', &ratio) >= 0);
        CHECK(ratio == 4.0 / 16.0);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "ColdBytes"), 3 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "ColdAnonBytes"), 3 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "ColdFileBytes"), 0);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "ReclaimableBytes"), 3 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "PromotedBytes"), 2 * PAGE);
        /* 2s intervals: thirty a minute. */
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "PromotionBytesPerMinute", NULL,
                                          'd', &ratio) >= 0);
        CHECK(ratio == 30.0 * 2 * PAGE);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "PromotionRatio", NULL, 'd',
                                          &ratio) >= 0);
        CHECK(ratio == 30.0 * 2 / 12);
        /* Five a minute: the most headroom, twice the longest window's
         * working set, which the floor lifts to ESTIMATE_LIMIT_MIN_BYTES. */
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "SuggestedLimitBytes"), ESTIMATE_LIMIT_MIN_BYTES);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "HeadroomRatio", NULL, 'd',
                                          &ratio) >= 0);
        CHECK(ratio == 1.0);
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ColdAgeUSec"), 120 * USEC_PER_SEC);
        check_working_sets(a);
        /* The kernel's figures; UINT64_MAX and -1 for what it does not say. */
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "MemoryCurrentBytes"), 20 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "MemoryHighBytes"), UINT64_MAX);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "MemoryMaxBytes"), 64 * PAGE);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "CadvisorWorkingSetBytes"), 18 * PAGE);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "WorkingsetRefaultFilePerSecond",
                                          NULL, 'd', &ratio) >= 0 && ratio == 0.25);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "WorkingsetRefaultAnonPerSecond",
                                          NULL, 'd', &ratio) >= 0 && ratio == -1.0);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "MemoryPressureSomeAvg10Ratio",
                                          NULL, 'd', &ratio) >= 0 && ratio == 0.5);
        CHECK(sd_bus_get_property_trivial(client, NULL, a, BUS_CGROUP_INTERFACE, "MemoryPressureFullAvg10Ratio",
                                          NULL, 'd', &ratio) >= 0 && ratio == -1.0);
        check_histogram(a);
        /* The ObjectManager lists it. */
        CHECK_EQ_U64(managed_objects(a), 1);
        /* No object for what is not tracked. */
        r = sd_bus_get_property_trivial(client, NULL, b, BUS_CGROUP_INTERFACE, "Bytes", &e, 't', &(uint64_t) { 0 });
        CHECK(r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT));
        sd_bus_error_free(&e);

        /* GetCgroup and GetSnapshot. */
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "GetCgroup", NULL, &reply, "s",
                                 "//a/") >= 0);
        CHECK(sd_bus_message_read(reply, "o", &obj) > 0);
        CHECK_STREQ(obj, a);
        reply = sd_bus_message_unref(reply);
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "GetSnapshot", NULL, &reply,
                                 NULL) >= 0);
        CHECK(sd_bus_message_read(reply, "s", &text) > 0);
        doc = json_tokener_parse(text);
        CHECK(doc);
        CHECK_EQ_U64(json_object_array_length(json_object_object_get(doc, "cgroups")), 1);
        json_object_put(doc);
        reply = sd_bus_message_unref(reply);

        /* Bad paths, and what is not tracked. */
        call_path("GetCgroup", "", BUS_ERROR_INVALID_PATH);
        call_path("GetCgroup", "a", BUS_ERROR_INVALID_PATH);
        call_path("GetCgroup", "/a/../b", BUS_ERROR_INVALID_PATH);
        call_path("GetCgroup", "/b", BUS_ERROR_NOT_TRACKED);
        call_path("GetCgroup", "/nope", BUS_ERROR_NO_SUCH_CGROUP);
        call_path("GetCgroup", "/file", BUS_ERROR_NO_SUCH_CGROUP);

        if (geteuid() != 0) {
                call_path("Track", "/b", SD_BUS_ERROR_ACCESS_DENIED);
                call_path("Untrack", "/a", SD_BUS_ERROR_ACCESS_DENIED);
                r = sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow", &e, NULL, NULL);
                CHECK(r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_ACCESS_DENIED));
                sd_bus_error_free(&e);
                CHECK_EQ_U64(list_cgroups("/a", a), 1);
                sd_bus_flush_close_unref(client);
                return 0;
        }

        call_path("Track", "/a", BUS_ERROR_ALREADY_TRACKED);
        call_path("Track", "/nope", BUS_ERROR_NO_SUCH_CGROUP);
        call_path("Track", "../b", BUS_ERROR_INVALID_PATH);
        call_path("Untrack", "/b", BUS_ERROR_NOT_TRACKED);
        call_path("Untrack", "/a/sub", BUS_ERROR_NOT_TRACKED);

        /* Track /b: its object is there at once, empty until a scan. */
        call_path("Track", "/b/", NULL);
        CHECK_EQ_U64(list_cgroups("/b", b), 2);
        /* Announced by the ObjectManager, and listed by it. */
        while (sd_bus_process(client, NULL) > 0)
                ;
        CHECK_EQ_U64(objects_added, 1);
        CHECK_EQ_U64(objects_removed, 0);
        CHECK_STREQ(object_changed, b);
        CHECK_EQ_U64(managed_objects(b), 2);
        CHECK_EQ_U64(get_u64(b, BUS_CGROUP_INTERFACE, "Bytes"), 0);
        CHECK_EQ_U64(get_u64(b, BUS_CGROUP_INTERFACE, "LastScanTimestamp"), 0);
        call_path("Track", "/b", BUS_ERROR_ALREADY_TRACKED);

        /* Untrack the configured /a: gone at once and from the next scan. */
        call_path("Untrack", "/a", NULL);
        CHECK_EQ_U64(list_cgroups("/b", b), 1);
        while (sd_bus_process(client, NULL) > 0)
                ;
        CHECK_EQ_U64(objects_removed, 1);
        CHECK_STREQ(object_changed, a);
        CHECK_EQ_U64(managed_objects(b), 1);
        call_path("GetCgroup", "/a", BUS_ERROR_NOT_TRACKED);

        /* ScanNow answers after the scan, whose signals come first. */
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow", NULL, NULL,
                                 NULL) >= 0);
        while (sd_bus_process(client, NULL) > 0)
                ;
        CHECK_EQ_U64(scan_completed, 1);
        CHECK_EQ_U64(cgroup_changes, 1);        /* /b only */
        /* What changed from the empty object, and nothing else. */
        fprintf(stderr, "changed: %s\n", changed_names);
        for (const char *p = "Bytes\0IdleBytes\0IdleRatio\0WorkingSetBytes\0AnonBytes\0AnonIdleBytes\0FileBytes\0"
                             "IdleAgeHistogram\0WorkingSetMeasuredUSec\0ColdBytes\0ColdAnonBytes\0ReclaimableBytes\0"
                             "PromotedBytes\0PromotionBytesPerMinute\0PromotionRatio\0SuggestedLimitBytes\0HeadroomRatio\0"
                             "WorkingSets\0MemoryCurrentBytes\0MemoryMaxBytes\0CadvisorWorkingSetBytes\0"
                             "WorkingsetRefaultFilePerSecond\0MemoryPressureSomeAvg10Ratio\0"; *p; p += strlen(p) + 1) {
                char w[64];

                snprintf(w, sizeof(w), ",%s,", p);
                CHECK(strstr(changed_names, w));
        }
        CHECK(!strstr(changed_names, ",FileIdleBytes,"));
        CHECK(!strstr(changed_names, ",ColdFileBytes,"));
        CHECK(!strstr(changed_names, ",MemoryHighBytes,"));
        CHECK(!strstr(changed_names, ",MemoryPressureFullAvg10Ratio,"));
        CHECK(!strstr(changed_names, ",LastScanTimestamp,"));
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanCount"), 2);
        /* The default window, 2min; the sets made here count as measured all along. */
        CHECK_EQ_U64(get_u64(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "WorkingSetWindowUSec"), 120 * USEC_PER_SEC);
        CHECK_EQ_U64(get_u64(b, BUS_CGROUP_INTERFACE, "WorkingSetMeasuredUSec"), 120 * USEC_PER_SEC);

        /* A scan that changes nothing: ScanCompleted, and no object signals. */
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow", NULL, NULL,
                                 NULL) >= 0);
        while (sd_bus_process(client, NULL) > 0)
                ;
        CHECK_EQ_U64(scan_completed, 2);
        CHECK_EQ_U64(cgroup_changes, 1);
        /* GetSnapshot(), called again and again, is the document of that scan. */
        for (unsigned i = 0; i < 3; i++) {
                CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "GetSnapshot", NULL,
                                         &reply, NULL) >= 0);
                CHECK(sd_bus_message_read(reply, "s", &text) > 0);
                doc = json_tokener_parse(text);
                CHECK(doc);
                CHECK_EQ_U64(json_object_get_uint64(json_object_object_get(doc, "scan_count")), 3);
                json_object_put(doc);
                reply = sd_bus_message_unref(reply);
        }
        CHECK_EQ_U64(get_u64(b, BUS_CGROUP_INTERFACE, "Bytes"), 16 * PAGE);
        CHECK(get_u64(b, BUS_CGROUP_INTERFACE, "LastScanTimestamp") > 0);
        CHECK_EQ_U64(list_cgroups("/b", b), 1);

        /* A ScanNow() during a pass is answered by the pass after it: that
         * one may have begun before a Track(). */
        {
                unsigned base = scan_completed;
                char *st = NULL;

                CHECK(sd_bus_call_method_async(client, NULL, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow",
                                               on_scan_reply, (void *) 0, NULL) >= 0);
                for (unsigned i = 0;; i++) {
                        CHECK(i < 1000);
                        free(st);
                        st = get_str(BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "State");
                        if (strcmp(st, "starting") == 0)
                                break;
                        usleep(1000);
                }
                free(st);
                CHECK(sd_bus_call_method_async(client, NULL, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow",
                                               on_scan_reply, (void *) 1, NULL) >= 0);
                while (scan_replies < 2) {
                        int k = sd_bus_process(client, NULL);

                        CHECK(k >= 0);
                        if (k == 0)
                                CHECK(sd_bus_wait(client, UINT64_MAX) >= 0);
                }
                CHECK_EQ_U64(scan_reply_at[0], base + 1);
                CHECK_EQ_U64(scan_reply_at[1], base + 2);
        }

        /* And /a comes back. */
        call_path("Track", "/a", NULL);
        CHECK(sd_bus_call_method(client, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "ScanNow", NULL, NULL,
                                 NULL) >= 0);
        CHECK_EQ_U64(list_cgroups("/a", a), 2);
        while (sd_bus_process(client, NULL) > 0)
                ;
        CHECK_EQ_U64(objects_added, 2);
        CHECK_EQ_U64(objects_removed, 1);
        CHECK_EQ_U64(get_u64(a, BUS_CGROUP_INTERFACE, "Bytes"), 16 * PAGE);
        sd_bus_flush_close_unref(client);
        return 0;
}

/* --- the server ----------------------------------------------------- */

static void mk(const char *rel) {
        char p[4200];

        snprintf(p, sizeof(p), "%s/%s", dir, rel);
        CHECK(mkdir(p, 0755) == 0);
}

int main(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *server = NULL;
        Server m = { .state = "running" };
        sd_id128_t id;
        sigset_t mask;
        int fds[2], rc, fd;
        pid_t pid;
        char cmd[4200];

        CHECK(mkdtemp(dir));
        mk("a");
        mk("a/sub");
        mk("b");
        snprintf(cmd, sizeof(cmd), "%s/file", dir);
        fd = open(cmd, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);

        CHECK(config_new_default(&m.config) == 0);
        m.config->interval_usec = 2 * USEC_PER_SEC;
        strv_free(m.config->cgroups);
        m.config->cgroups = NULL;
        CHECK(strv_extend(&m.config->cgroups, "/a") == 0);
        m.cgroup_root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(m.cgroup_root_fd >= 0);

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);
        CHECK(sd_event_default(&m.event) >= 0);
        CHECK(sd_event_add_time(m.event, &m.pass_timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_pass, &m) >= 0);
        CHECK(sd_event_source_set_enabled(m.pass_timer, SD_EVENT_OFF) >= 0);
        CHECK(sd_event_add_time(m.event, &m.step_timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_pass_end, &m) >= 0);
        CHECK(sd_event_source_set_enabled(m.step_timer, SD_EVENT_OFF) >= 0);
        pass_begin(&m);         /* the first scan */
        pass_finish(&m);

        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                _exit(run_client(fds[1]));
        }
        close(fds[1]);

        CHECK(sd_bus_new(&server) >= 0);
        CHECK(sd_bus_set_fd(server, fds[0], fds[0]) >= 0);
        CHECK(sd_id128_randomize(&id) >= 0);
        CHECK(sd_bus_set_server(server, true, id) >= 0);
        CHECK(sd_bus_start(server) >= 0);
        CHECK(sd_bus_attach_event(server, m.event, 0) >= 0);
        CHECK(bus_new(server, &server_handler, &m, &m.tracking, m.snapshot, &m.bus) == 0);
        CHECK(bus_add_objects(m.bus) >= 0);
        CHECK(sd_event_add_child(m.event, NULL, pid, WEXITED, on_child, NULL) >= 0);
        rc = sd_event_loop(m.event);
        /* One for each pass begun, one for each published. */
        if (snapshot_builds != 2 * publishes)
                fprintf(stderr, "the document was made %u times for %u publishes\n", snapshot_builds, publishes);
        CHECK_EQ_U64(snapshot_builds, 2 * publishes);

        m.bus = bus_free(m.bus);
        sd_event_source_disable_unref(m.pass_timer);
        sd_event_source_disable_unref(m.step_timer);
        sd_event_unref(m.event);
        cgroup_set_free(m.published);
        snapshot_unref(m.snapshot);
        config_free(m.config);
        tracking_done(&m.tracking);
        close(m.cgroup_root_fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        if (rc != 0)
                fprintf(stderr, "the client failed (%d)\n", rc);
        return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
