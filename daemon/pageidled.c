/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pageidled: parses the command line, builds the manager, runs the loop. */
#include <getopt.h>
#include <string.h>

#include "manager.h"
#include "util.h"

static void help(void) {
        printf("pageidled [OPTIONS...]\n\n"
               "Measures how much of each cgroup's memory is in use: marks the pages of\n"
               "tracked cgroups idle, waits one interval, and counts what stayed idle.\n\n"
               "  -h --help                Show this help and exit\n"
               "     --version             Show the version and exit\n"
               "  -c --config=FILE         Read FILE instead of " CONFIG_FILE "\n"
               "     --once                Mark, wait one interval, read, print the JSON\n"
               "                           document to standard output and exit\n"
               "  -i --interval=DURATION   Scan interval, e.g. 30s, 500ms (Interval=)\n"
               "     --cgroup=PATTERN      Track cgroups matching PATTERN, a path relative to\n"
               "                           the cgroup root or a glob; repeatable (Track=)\n"
               "     --backend=BACKEND     auto, page_idle or refs (Backend=)\n"
               "     --json-file=PATH      Where to write the JSON document, \"\" for\n"
               "                           nowhere (JSONFile=)\n"
               "     --user=NAME           Run as NAME after start-up (User=)\n\n"
               "Options override the configuration file. See pageidled(8).\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_ONCE,
        ARG_CGROUP,
        ARG_BACKEND,
        ARG_JSON_FILE,
        ARG_USER,
};

/* Names the value when it can go into a log line as it is. */
static int log_invalid_option(const char *name, const char *value, int error, const char *why) {
        for (const char *p = value; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return log_error_errno(error, "Invalid %s= (with a control character): %s.", name, why);
        if (!utf8_is_valid(value))
                return log_error_errno(error, "Invalid %s= (not valid UTF-8): %s.", name, why);
        return log_error_errno(error, "Invalid %s=%s: %s.", name, value, why);
}

static int parse_argv(int argc, char *argv[], Options *o) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, 'c' },
                { "once", no_argument, NULL, ARG_ONCE },
                { "interval", required_argument, NULL, 'i' },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                { "backend", required_argument, NULL, ARG_BACKEND },
                { "json-file", required_argument, NULL, ARG_JSON_FILE },
                { "user", required_argument, NULL, ARG_USER },
                {}
        };
        int c, r;

        /* The values go through the checks of the config file's keys. */
        while ((c = getopt_long(argc, argv, "hc:i:", options, NULL)) >= 0) {
                _cleanup_free_ char *pattern = NULL;
                const char *name = NULL, *why = NULL;

                r = 0;
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("pageidled %s\n", PACKAGE_VERSION);
                        return 0;
                case 'c':
                        o->config_path = optarg;
                        break;
                case ARG_ONCE:
                        o->once = true;
                        break;
                case 'i':
                        name = "--interval";
                        r = config_parse_interval(optarg, &o->interval_usec, &why);
                        break;
                case ARG_CGROUP:
                        name = "--cgroup";
                        r = config_parse_cgroup_pattern(optarg, &pattern, &why);
                        if (r == 0 && strv_extend(&o->cgroups, pattern) < 0)
                                return log_oom();
                        break;
                case ARG_BACKEND:
                        o->backend = backend_from_string(optarg);
                        if (o->backend < 0)
                                return log_error_errno(EINVAL, "Invalid --backend=%s: auto, page_idle or refs.",
                                                       optarg);
                        break;
                case ARG_JSON_FILE:
                        name = "--json-file";
                        r = config_check_json_file(optarg, &why);
                        o->json_file = optarg;
                        break;
                case ARG_USER:
                        name = "--user";
                        r = config_check_user(optarg, &why);
                        o->user = optarg;
                        break;
                default:
                        return -EINVAL;
                }
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        return log_invalid_option(name, optarg, r, why);
        }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument %s; see --help.", argv[optind]);
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        Options o = { .backend = _BACKEND_INVALID };
        int r;

        log_setup();
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                goto finish;

        r = manager_new(&o, &m);
        if (r < 0)
                goto finish;
        r = manager_open(m);
        if (r < 0)
                goto finish;
        /* After the drop: the bus knows the connection by the user it runs
         * as, never as root, so no other service takes its calls for
         * root's (dbus/org.pageidled1.conf lets user pageidled own the name). */
        r = manager_bus_open(m);
        if (r < 0)
                goto finish;
        r = manager_start(m);
        if (r < 0)
                goto finish;
        r = manager_bus_start(m);
        if (r < 0)
                goto finish;
        /* A handler that logged why it gives up ends the loop with
         * EXIT_FAILURE; a negative code is a failure no one has told of yet. */
        r = manager_run(m);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        else if (r == 0 && o.once && m->snapshot)
                fputs(m->snapshot->json, stdout);

finish:
        strv_free(o.cgroups);
        if (r == MANAGER_EXIT_RESTART)
                return r;
        return r != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
