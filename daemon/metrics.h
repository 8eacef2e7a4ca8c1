/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* The Prometheus text exposition format (version 0.0.4) of a snapshot:
 * the same numbers as the JSON document, in base units (bytes, seconds),
 * one family after another with HELP and TYPE lines.  Metric names are
 * documented in pageidled(8). */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int metrics_format(const Snapshot *s, char **ret);

/* A label value as it goes between the quotes: backslash, double quote
 * and newline escaped, and bytes that are not valid UTF-8 replaced by
 * U+FFFD (cgroup names may hold any byte but '/' and NUL). */
int metrics_escape_label_value(const char *value, char **ret);

/* Microseconds as decimal seconds, exactly: "30", "0.5", "1700000000.000123". */
const char *metrics_format_seconds(char *buf, size_t size, uint64_t usec);

/* /healthz: scans are recent when the last complete one (or, before the
 * first, the start of the daemon) lies at most HEALTH_MAX_INTERVALS scan
 * intervals back.  Times are CLOCK_MONOTONIC.  Writes a one-line reason
 * into buf and returns whether the daemon is healthy. */
#define HEALTH_MAX_INTERVALS 3
bool metrics_health_check(uint64_t now_usec, uint64_t last_scan_usec, uint64_t interval_usec,
                          uint64_t scan_count, const char *state, char *buf, size_t size);
