/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "cgroup.h"

/* Bumped when a field changes meaning or goes away; adding one does not. */
#define JSON_SCHEMA_VERSION 1

/* Everything the document says, from the last complete scan. */
typedef struct Snapshot {
        const char *backend;
        const char *state;
        const char *state_detail;       /* why it is not "running", or NULL */
        uint64_t interval_usec;
        uint64_t window_usec;           /* whole intervals */
        uint64_t scan_count;
        uint64_t last_scan_timestamp_usec;      /* CLOCK_REALTIME, 0: none yet */
        uint64_t last_scan_duration_usec;
        uint64_t page_size;
        const CgroupSet *cgroups;       /* tracked nodes are listed; NULL: none */
} Snapshot;

/* The document as text, ending in a newline. */
int json_format(const Snapshot *s, char **ret);
/* Replaces path atomically (a temporary file in its directory, renamed over it). */
int json_write_atomic(const char *path, const char *text);
