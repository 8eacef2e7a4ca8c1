/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "conf.h"
#include "history.h"
#include "snapshot.h"

/* The HTTP endpoint: GET /stats.json (the JSON document), /history.json
 * (the last scans, history.h), /metrics (Prometheus text), /healthz (200
 * while scans are recent, else 503), and / (the page to a browser, from
 * web/, else the list of paths).
 *
 * libmicrohttpd runs in a thread of its own (on its epoll fd), not in the
 * sd-event loop: a scan at CPUBudget=100% runs a whole pass without
 * returning to the loop, and neither a scraper nor a scan may wait for
 * the other.  The thread also keeps the connections in check, which
 * libmicrohttpd's own limits do not (see the top of http.c): deadlines
 * for the request and for its answer, however slowly a client trickles
 * or reads, and, when full, room for the newcomer made by cutting the
 * oldest connection that has not sent its request.
 *
 * The two threads share one pointer: the manager renders the document and
 * the metrics once per scan into an immutable, reference-counted content
 * object and swaps it in under a mutex; a request takes a reference under
 * the same mutex and answers from it, so every response is one whole
 * document however long it takes to send. */
typedef struct HttpServer HttpServer;

/* Gets the listening socket, as root and before privileges are dropped:
 * the one systemd passes (a pageidled.socket unit), else one bound to
 * [HTTP] Address= and Port=.  With the endpoint off (Enable=no and no
 * socket passed) *ret is NULL.  A socket that cannot be bound is logged
 * and leaves *ret NULL too: scanning and the other outputs go on.  Only
 * -ENOMEM is returned. */
int http_open(const Config *c, HttpServer **ret);

/* Starts serving from a thread of its own; call it after the signal mask
 * is set and privileges are dropped, as the thread inherits both. */
int http_start(HttpServer *h);

/* Replaces what is served (main thread only): s's document, and the
 * metrics rendered here from s. */
int http_publish(HttpServer *h, const Snapshot *s);

/* Replaces the history /history.json renders from (main thread only). */
int http_publish_history(HttpServer *h, HistoryView *v);

/* Stops the thread (waiting for it) and closes every connection. */
HttpServer *http_free(HttpServer *h);
static inline void http_freep(HttpServer **h) {
        http_free(*h);
}
