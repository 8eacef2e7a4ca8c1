/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

/* Bumped when a field changes meaning or goes away; adding one does not. */
#define JSON_SCHEMA_VERSION 1

/* json-c's object, declared rather than included so that the many users
 * of this header need not build against json-c. */
struct json_object;

/* Adds v to o under key and takes v in all cases: it is put if adding
 * fails. A NULL v is a failed json_object_new_*(), so that one can be
 * passed in directly: -ENOMEM. */
int json_add(struct json_object *o, const char *key, struct json_object *v);
int json_add_u64(struct json_object *o, const char *key, uint64_t v);
/* A NULL v is added as JSON null. */
int json_add_str(struct json_object *o, const char *key, const char *v);
/* A figure that is not known is null, never 0. */
int json_add_u64_or_null(struct json_object *o, const char *key, bool known, uint64_t v);
int json_add_double_or_null(struct json_object *o, const char *key, bool known, double v);

/* The document as text, ending in a newline (snapshot_new() renders it once
 * into s->json). */
int json_format(const Snapshot *s, char **ret);
/* Replaces path atomically (a temporary file in its directory, renamed
 * over it); where that is not tmpfs or ramfs, syncs the file before the
 * rename and the directory after it. */
int json_write_atomic(const char *path, const char *text);
/* Removes the temporary files json_write_atomic() leaves beside path when
 * the process dies mid-write: regular files of the caller's user named
 * path.XXXXXX.  Returns how many, or a negative errno. */
int json_remove_temporaries(const char *path);
