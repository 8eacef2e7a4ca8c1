/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The _cleanup_ helpers, for the daemon, pageidlectl and the tests: a
 * variable declared with one is freed, closed or unreferenced when it goes
 * out of scope, unless TAKE_PTR() or TAKE_FD() handed it over first.  A
 * type of the daemon's own has its x_freep() beside x_free() in its header
 * (config_freep(), cgroup_set_freep(), ...); libsystemd's headers define
 * theirs (sd_bus_unrefp(), sd_event_unrefp(), sd_bus_creds_unrefp(), ...). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Hands a pointer or fd over to a new owner, leaving the cleanup nothing to do. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -EBADF; _fd; })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* An sd_bus_message reference (sd_bus_message_unrefp() is libsystemd's:
 * the file needs <systemd/sd-bus.h>). */
#define _cleanup_message_ _cleanup_(sd_bus_message_unrefp)

/* A json-c reference, put once; json-c has no helper of its own, json.c
 * defines it. */
struct json_object;
void json_object_putp(struct json_object **o);
#define _cleanup_json_ _cleanup_(json_object_putp)
