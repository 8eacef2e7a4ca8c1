/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "history.h"
#include "http.h"
#include "metrics.h"
#include "util.h"

/* Limits that keep many scrapers served and hostile clients contained.
 *
 * Requests are a line and a few headers: anything longer than the
 * per-connection memory gets 414 (URL) or 431 (headers).  libmicrohttpd
 * keeps every query argument in that memory too, and 0.9.75 answers
 * nothing when they do not fit (the connection just hangs): a URL with
 * more than HTTP_MAX_QUERY_ARGUMENTS gets 431 from us before it parses
 * them (at most 64 of its 64-byte records, a quarter of the memory).
 *
 * Connections: at most HTTP_MAX_CONNECTIONS, from any addresses, each in
 * one of three lists of the serving thread:
 *  - waiting for a whole request, HTTP_REQUEST_DEADLINE_USEC from the
 *    connection (or the end of its previous answer: keep-alive) to the
 *    end of the request headers, however slowly it trickles;
 *  - answering, HTTP_ANSWER_DEADLINE_USEC from the request to the last
 *    byte of the answer, however slowly the client reads, and cut sooner
 *    when its document is more than HTTP_MAX_OLD_DOCUMENTS scans old;
 *  - cut: shut down, for libmicrohttpd to close at its next run.
 * When a connection arrives with HTTP_MAX_CONNECTIONS already open, it is
 * let in and the oldest connection still waiting for its request is cut
 * (the oldest answer when none waits): a newcomer is never refused, and
 * loses its place only if more connections than the limit arrive before
 * it sends its request, which a scraper does at once.  There is no limit
 * per address: on loopback every local client has 127.0.0.1 (and any
 * 127.x address is there for the taking), so a limit per address only
 * locked the local Prometheus out behind 64 idle connections.
 *
 * What one client can hold, then: a slot for 10 s without a request, or
 * 10 s with one; its 16 KiB of libmicrohttpd memory; twice
 * HTTP_SEND_BUFFER in the kernel, dropped by the reset that cuts it; and a
 * reference to a document, which are shared (one per scan) and at most
 * 1 + HTTP_MAX_OLD_DOCUMENTS of which are kept alive, each in a mapping of
 * its own that goes back to the system with the last answer sent from it.
 *
 * /history.json: the whole history is rendered at most once per scan (at
 * the first request for it), and shared by every answer like a document.
 * A filtered one (cgroup=, since=) is rendered for its request; those
 * being sent hold at most HTTP_MAX_RENDERED_BYTES together, and a request
 * that would go past it gets 503. */
#define HTTP_MAX_CONNECTIONS 256u
/* libmicrohttpd's own limit is higher: the connections cut in one run are
 * closed at the next, and up to 10 are accepted per run meanwhile.  Were
 * it reached, 0.9.75 would take its listening socket out of its epoll set
 * until a later run, which the thread then makes at once (see
 * http_thread()). */
#define HTTP_MHD_CONNECTION_LIMIT (HTTP_MAX_CONNECTIONS + 64u)
#define HTTP_CONNECTION_MEMORY (16u * 1024u)
#define HTTP_MAX_QUERY_ARGUMENTS 64u
/* libmicrohttpd's idle timeout, a backstop only: every connection the
 * thread tracks meets one of its deadlines first, and is reset then.  At
 * the same 10 s as the deadlines, it closed slow readers first, gently,
 * and the kernel went on sending them what it held. */
#define HTTP_IDLE_TIMEOUT_SEC 30u
#define HTTP_REQUEST_DEADLINE_USEC (10 * USEC_PER_SEC)
/* Prometheus's own default scrape timeout: an answer still being read
 * then has no one waiting for it. */
#define HTTP_ANSWER_DEADLINE_USEC (10 * USEC_PER_SEC)
#define HTTP_MAX_OLD_DOCUMENTS 3u
/* Per connection, as SO_SNDBUF (the kernel doubles it): 128 KiB in
 * flight are gigabytes a second on loopback, 12 MB/s at a 10 ms RTT. */
#define HTTP_SEND_BUFFER (64 * 1024)
#define HTTP_MAX_RENDERED_BYTES ((size_t) 64 << 20)

/* The page: what a browser gets at / (clients that do not accept
 * text/html get the list of paths), from files read once at start. */
#define HTTP_CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " \
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

typedef struct HttpFile {
        const char *url;
        const char *name;
        bool library;                   /* from the charting library's directory, not ours */
        const char *type;
        char *body;                     /* read at start, never changed */
        size_t size;
} HttpFile;

static const HttpFile web_table[] = {
        { "/", "index.html", false, "text/html; charset=utf-8" },
        { "/web/app.js", "app.js", false, "text/javascript; charset=utf-8" },
        { "/web/style.css", "style.css", false, "text/css; charset=utf-8" },
        { "/web/dygraph.min.js", "dygraph.min.js", true, "text/javascript; charset=utf-8" },
        { "/web/dygraph.min.css", "dygraph.min.css", true, "text/css; charset=utf-8" },
};
#define N_WEB_FILES (sizeof(web_table) / sizeof(web_table[0]))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* What one scan published: never changed after http_publish() built it,
 * freed by whoever drops the last reference. */
typedef struct HttpContent {
        unsigned refcount;
        uint64_t seq;                   /* 1 for the first published, then one more each */
        char *body;                     /* mmap()ed: the document, NUL, the metrics, NUL */
        size_t body_size;
        const char *json;               /* in body */
        size_t json_size;
        const char *metrics;            /* in body */
        size_t metrics_size;
        char *state;
        uint64_t scan_count;
        uint64_t interval_usec;
        uint64_t last_scan_usec;        /* CLOCK_MONOTONIC: the last complete scan, or the start */
} HttpContent;

typedef enum HttpConnectionState {
        HTTP_CONNECTION_WAITING,        /* for a whole request */
        HTTP_CONNECTION_ANSWERING,      /* from the request to the last byte of its answer */
        HTTP_CONNECTION_CUT,            /* shut down, not closed yet */
        _HTTP_CONNECTION_STATE_MAX,
} HttpConnectionState;

/* One connection, in the serving thread's list for its state. */
typedef struct HttpConnection {
        int fd;                         /* MHD's; valid until its CLOSED notification */
        HttpConnectionState state;
        uint64_t deadline_usec;         /* CLOCK_MONOTONIC, of the state; none when cut */
        uint64_t seq;                   /* answering: of the document it is sent */
        struct HttpConnection *prev, *next;
} HttpConnection;

/* What /history.json answers from, published once per scan: the view,
 * and the whole document once a request asked for it (serving thread
 * only). */
typedef struct HttpHistory {
        unsigned refcount;
        HistoryView *view;
        char *full;
        size_t full_size;
} HttpHistory;

/* A filtered history being sent. */
typedef struct HttpRendered {
        HttpServer *server;
        char *body;
        size_t size;
} HttpRendered;

/* A list of connections in the order they entered it, which is the order
 * of their deadlines: each state's deadline is the same time after entry. */
typedef struct HttpList {
        HttpConnection *head, *tail;
        unsigned n;
} HttpList;

struct HttpServer {
        struct MHD_Daemon *daemon;
        int listen_fd;                  /* until MHD takes it */
        char *where;                    /* for the logs */

        /* The serving thread runs libmicrohttpd (MHD_run on its epoll fd)
         * and cuts connections between two runs, or from libmicrohttpd's
         * callbacks, where their fds are sure to be open. */
        pthread_t thread;
        bool thread_started;
        int stop_fd;                    /* eventfd: the thread exits */
        int wake_fd;                    /* eventfd: a new document is published */
        HttpList lists[_HTTP_CONNECTION_STATE_MAX];     /* serving thread only */
        bool run_again;                 /* serving thread only: a connection closed in the last run */

        pthread_mutex_t lock;
        HttpContent *content;           /* under lock */
        HttpHistory *history;           /* under lock */
        size_t rendered_bytes;          /* serving thread only: of the HttpRendered being sent */
        HttpFile web[N_WEB_FILES];      /* all read, or none (no page) */
        bool have_page;
        uint64_t seq;                   /* the content's; atomic */

        /* Main thread only. */
        uint64_t last_scan_usec;
        uint64_t last_scan_count;
};

static const char *const connection_state_table[_HTTP_CONNECTION_STATE_MAX] = {
        [HTTP_CONNECTION_WAITING] = "waiting for its request",
        [HTTP_CONNECTION_ANSWERING] = "being answered",
        [HTTP_CONNECTION_CUT] = "cut",
};

static HttpContent *content_ref(HttpContent *c) {
        if (c)
                __atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
        return c;
}

static HttpContent *content_unref(HttpContent *c) {
        if (!c || __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        if (c->body)
                munmap(c->body, c->body_size);
        free(c->state);
        free(c);
        return NULL;
}

static void content_unrefp(HttpContent **c) {
        content_unref(*c);
}

/* The response's free callback: the body was the content's buffer. */
static void content_release(void *cls) {
        content_unref(cls);
}

static HttpHistory *history_ref(HttpHistory *hh) {
        if (hh)
                __atomic_add_fetch(&hh->refcount, 1, __ATOMIC_RELAXED);
        return hh;
}

static HttpHistory *history_unref(HttpHistory *hh) {
        if (!hh || __atomic_sub_fetch(&hh->refcount, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        history_view_unref(hh->view);
        free(hh->full);
        free(hh);
        return NULL;
}

static void history_unrefp(HttpHistory **hh) {
        history_unref(*hh);
}

static void history_release(void *cls) {
        history_unref(cls);
}

static void rendered_release(void *cls) {
        HttpRendered *r = cls;

        r->server->rendered_bytes -= r->size;
        free(r->body);
        free(r);
}

static HttpHistory *http_get_history(HttpServer *h) {
        HttpHistory *hh;

        pthread_mutex_lock(&h->lock);
        hh = history_ref(h->history);
        pthread_mutex_unlock(&h->lock);
        return hh;
}

static HttpContent *http_get_content(HttpServer *h) {
        HttpContent *c;

        pthread_mutex_lock(&h->lock);
        c = content_ref(h->content);
        pthread_mutex_unlock(&h->lock);
        return c;
}

static void http_log(void *cls, const char *format, va_list ap) {
        char buf[512];
        size_t n;

        vsnprintf(buf, sizeof(buf), format, ap);
        n = strlen(buf);
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = 0;
        log_debug("HTTP: %s", buf);
}

static void list_remove(HttpList *l, HttpConnection *c) {
        if (c->prev)
                c->prev->next = c->next;
        else
                l->head = c->next;
        if (c->next)
                c->next->prev = c->prev;
        else
                l->tail = c->prev;
        c->prev = c->next = NULL;
        l->n--;
}

static void list_append(HttpList *l, HttpConnection *c) {
        c->prev = l->tail;
        c->next = NULL;
        if (l->tail)
                l->tail->next = c;
        else
                l->head = c;
        l->tail = c;
        l->n++;
}

/* Moves c to the end of the list of state, with the deadline of state
 * from now. */
static void http_set_state(HttpServer *h, HttpConnection *c, HttpConnectionState state) {
        list_remove(&h->lists[c->state], c);
        c->state = state;
        if (state == HTTP_CONNECTION_WAITING)
                c->deadline_usec = now_usec(CLOCK_MONOTONIC) + HTTP_REQUEST_DEADLINE_USEC;
        else if (state == HTTP_CONNECTION_ANSWERING)
                c->deadline_usec = now_usec(CLOCK_MONOTONIC) + HTTP_ANSWER_DEADLINE_USEC;
        else
                c->deadline_usec = UINT64_MAX;
        list_append(&h->lists[state], c);
}

/* Shuts c down: libmicrohttpd then sees the end of the stream (or fails
 * to send) and closes it at its next run.  Unless what was sent must
 * still reach the client, the close then resets the connection, which
 * drops what the kernel still holds for it. */
static void http_cut(HttpServer *h, HttpConnection *c, bool reset, const char *why) {
        static const struct linger now = { .l_onoff = 1, .l_linger = 0 };

        log_debug("HTTP: cutting a connection %s: %s.", connection_state_table[c->state], why);
        if (reset)
                (void) setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
        (void) shutdown(c->fd, SHUT_RDWR);
        http_set_state(h, c, HTTP_CONNECTION_CUT);
}

static HttpConnection *connection_of(struct MHD_Connection *conn) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return info ? info->socket_context : NULL;
}

static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                  const char *allow) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        r = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_MUST_COPY);
        if (!r)
                return MHD_NO;
        if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") != MHD_YES ||
            MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
            (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
                MHD_destroy_response(r);
                return MHD_NO;
        }
        ret = MHD_queue_response(conn, status, r);
        MHD_destroy_response(r);
        return ret;
}

/* Answers from a buffer that release(cls) lets go of once libmicrohttpd
 * has sent it (or failed to).  release NULL: a buffer that lives as long
 * as the server. */
static enum MHD_Result queue_buffer(struct MHD_Connection *conn, const char *body, size_t size, const char *type,
                                    bool page, void (*release)(void *), void *cls) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (release)
                r = MHD_create_response_from_buffer_with_free_callback_cls(size, (void *) body, release, cls);
        else
                r = MHD_create_response_from_buffer(size, (void *) body, MHD_RESPMEM_PERSISTENT);
        if (!r) {
                if (release)
                        release(cls);
                return MHD_NO;
        }
        if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
            MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
            MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES ||
            (page && (MHD_add_response_header(r, "Content-Security-Policy", HTTP_CSP) != MHD_YES ||
                      MHD_add_response_header(r, "Referrer-Policy", "no-referrer") != MHD_YES ||
                      MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept") != MHD_YES))) {
                MHD_destroy_response(r);
                return MHD_NO;
        }
        ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

/* Answers from the content's own buffer; the response holds a reference
 * until libmicrohttpd has sent it. */
static enum MHD_Result queue_content(struct MHD_Connection *conn, HttpContent *c, const char *body, size_t size,
                                     const char *type) {
        return queue_buffer(conn, body, size, type, false, content_release, content_ref(c));
}

/* Whether an Accept header takes text/html: a browser (curl's default,
 * "*\/\*", gets the list of paths). */
static bool accepts_html(const char *accept) {
        for (const char *p = accept; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
                size_t n;

                p += strspn(p, " \t");
                n = strcspn(p, " \t;,");
                if (n == strlen("text/html") && strncasecmp(p, "text/html", n) == 0) {
                        const char *q = strstr(p, "q=");
                        const char *end = strchr(p, ',');

                        /* "q=0" refuses it. */
                        if (q && (!end || q < end) && strtod(q + 2, NULL) <= 0)
                                return false;
                        return true;
                }
        }
        return false;
}

typedef struct QueryState {
        HistoryQuery query;
        const char *why;
        int r;
} QueryState;

static enum MHD_Result on_query_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
        QueryState *s = cls;

        s->r = history_query_add(&s->query, key, value, &s->why);
        return s->r < 0 ? MHD_NO : MHD_YES;
}

static enum MHD_Result queue_history(HttpServer *h, struct MHD_Connection *conn) {
        _cleanup_(history_unrefp) HttpHistory *hh = NULL;
        QueryState s = {};
        HttpRendered *rendered;
        enum MHD_Result ret;
        char buf[256];
        int r;

        (void) MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query_argument, &s);
        if (s.r == -ENOMEM) {
                history_query_done(&s.query);
                return MHD_NO;
        }
        if (s.r < 0) {
                history_query_done(&s.query);
                snprintf(buf, sizeof(buf), "Bad query: %s.\n", s.why);
                return queue_text(conn, MHD_HTTP_BAD_REQUEST, buf, NULL);
        }
        hh = http_get_history(h);
        if (!hh) {
                history_query_done(&s.query);
                return queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Starting.\n", NULL);
        }

        /* The whole history: rendered once, shared. */
        if (!s.query.cgroup && s.query.since_usec == 0) {
                if (!hh->full && history_format(hh->view, NULL, 0, &hh->full, &hh->full_size) < 0)
                        return MHD_NO;
                return queue_buffer(conn, hh->full, hh->full_size, "application/json", false, history_release,
                                    history_ref(hh));
        }

        rendered = calloc(1, sizeof(*rendered));
        if (!rendered) {
                history_query_done(&s.query);
                return MHD_NO;
        }
        r = history_format(hh->view, s.query.cgroup, s.query.since_usec, &rendered->body, &rendered->size);
        history_query_done(&s.query);
        if (r < 0) {
                free(rendered);
                if (r == -ENOENT)
                        return queue_text(conn, MHD_HTTP_NOT_FOUND,
                                          "No scan in the history (since then) has that cgroup.\n", NULL);
                return MHD_NO;
        }
        if (h->rendered_bytes + rendered->size > HTTP_MAX_RENDERED_BYTES) {
                free(rendered->body);
                free(rendered);
                return queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                  "Busy: too many filtered histories being sent; try again.\n", NULL);
        }
        rendered->server = h;
        h->rendered_bytes += rendered->size;
        ret = queue_buffer(conn, rendered->body, rendered->size, "application/json", false, rendered_release,
                           rendered);
        return ret;
}

static const HttpFile *web_file(const HttpServer *h, const char *url) {
        if (!h->have_page)
                return NULL;
        for (size_t i = 0; i < N_WEB_FILES; i++)
                if (strcmp(h->web[i].url, url) == 0)
                        return &h->web[i];
        return NULL;
}

static enum MHD_Result queue_health(struct MHD_Connection *conn, HttpContent *c) {
        char buf[256];
        bool ok;

        ok = metrics_health_check(now_usec(CLOCK_MONOTONIC), c->last_scan_usec, c->interval_usec, c->scan_count,
                                  c->state, buf, sizeof(buf));
        return queue_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, buf, NULL);
}

/* Marks a request whose headers were seen: its answer waits for the
 * second call, once libmicrohttpd has the whole request, so that the
 * connection can be kept alive (an answer queued from the first call
 * closes it). */
static int request_seen;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
        _cleanup_(content_unrefp) HttpContent *c = NULL;
        HttpConnection *hc = connection_of(conn);
        HttpServer *h = cls;
        const HttpFile *file;
        bool get;

        if (!*req_cls) {
                /* The headers are in: the answer's deadline runs. */
                if (hc && hc->state == HTTP_CONNECTION_WAITING) {
                        http_set_state(h, hc, HTTP_CONNECTION_ANSWERING);
                        hc->seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
                }
                *req_cls = &request_seen;
                get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
                /* Anything with a body is answered now, the body unread
                 * (and the connection then closed). */
                if (get && !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
                    !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
                        return MHD_YES;
        } else if (*upload_data_size > 0) {
                *upload_data_size = 0;          /* not reached: requests with a body are answered above */
                return MHD_YES;
        }

        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return queue_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed: use GET or HEAD.\n",
                                  "GET, HEAD");

        file = web_file(h, url);
        if (file && (strcmp(url, "/") != 0 ||
                     accepts_html(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT))))
                return queue_buffer(conn, file->body, file->size, file->type, true, NULL, NULL);
        if (strcmp(url, "/") == 0)
                return queue_text(conn, MHD_HTTP_OK,
                                  "pageidled " PACKAGE_VERSION "\n"
                                  "/stats.json    the JSON document (schema_version " STRINGIFY(JSON_SCHEMA_VERSION) ")\n"
                                  "/history.json  the last scans' estimates (?cgroup=PATH&since=USEC)\n"
                                  "/metrics       Prometheus text format\n"
                                  "/healthz       200 while scans are recent, else 503\n"
                                  "/              this list, or the page to a browser (Accept: text/html)\n",
                                  NULL);
        if (strcmp(url, "/history.json") == 0)
                return queue_history(h, conn);
        if (strcmp(url, "/stats.json") != 0 && strcmp(url, "/metrics") != 0 && strcmp(url, "/healthz") != 0)
                return queue_text(conn, MHD_HTTP_NOT_FOUND,
                                  "Not found: try /stats.json, /history.json, /metrics or /healthz.\n", NULL);

        c = http_get_content(h);
        if (!c)
                return queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Starting.\n", NULL);
        if (hc && hc->state == HTTP_CONNECTION_ANSWERING)
                hc->seq = c->seq;
        if (strcmp(url, "/healthz") == 0)
                return queue_health(conn, c);
        if (strcmp(url, "/metrics") == 0)
                return queue_content(conn, c, c->metrics, c->metrics_size, METRICS_CONTENT_TYPE);
        return queue_content(conn, c, c->json, c->json_size, "application/json");
}

/* Called with the request line, before libmicrohttpd parses the query
 * arguments: a URL with more of them than its memory holds gets 431 here.
 * Nothing else is on the connection yet (a previous answer on it has been
 * sent whole), so the answer is written as it is and the connection cut;
 * libmicrohttpd then closes it. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
        HttpConnection *hc = connection_of(conn);
        const char *q = strchr(uri, '?');
        char body[64], answer[256];
        unsigned n = 0;
        int len;

        for (; q && n <= HTTP_MAX_QUERY_ARGUMENTS; q = strchr(q + 1, '&'))
                n++;
        if (n <= HTTP_MAX_QUERY_ARGUMENTS || !hc || hc->state == HTTP_CONNECTION_CUT)
                return NULL;
        snprintf(body, sizeof(body), "Too many query arguments: %u at the most.\n", HTTP_MAX_QUERY_ARGUMENTS);
        len = snprintf(answer, sizeof(answer),
                       "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                       "Connection: close\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Cache-Control: no-store\r\n"
                       "Content-Length: %zu\r\n"
                       "\r\n"
                       "%s", strlen(body), body);
        (void) send(hc->fd, answer, (size_t) len, MSG_NOSIGNAL | MSG_DONTWAIT);
        http_cut(cls, hc, false, "too many query arguments");
        return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        const union MHD_ConnectionInfo *info;
        HttpList *waiting, *answering;
        HttpServer *h = cls;
        HttpConnection *c;

        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
                c = calloc(1, sizeof(*c));
                if (!c || !info) {
                        free(c);        /* not watched: not kept either */
                        if (info)
                                (void) shutdown(info->connect_fd, SHUT_RDWR);
                        return;
                }
                c->fd = info->connect_fd;
                /* What the kernel may hold for the client: unbounded, it
                 * took a whole document from a reader that had read 4 KiB
                 * of it, out of reach of the answer deadline. */
                (void) setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &(int) { HTTP_SEND_BUFFER }, sizeof(int));
                c->state = HTTP_CONNECTION_WAITING;
                c->deadline_usec = now_usec(CLOCK_MONOTONIC) + HTTP_REQUEST_DEADLINE_USEC;
                waiting = &h->lists[HTTP_CONNECTION_WAITING];
                answering = &h->lists[HTTP_CONNECTION_ANSWERING];
                list_append(waiting, c);
                *socket_context = c;
                /* Full: the oldest that has not sent its request goes
                 * (not this one), else the oldest answer. */
                if (waiting->n + answering->n > HTTP_MAX_CONNECTIONS)
                        http_cut(h, waiting->head != c ? waiting->head : answering->head, true,
                                 "the connection limit is reached and it is the oldest");
        } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                h->run_again = true;
                c = *socket_context;
                if (!c)
                        return;
                list_remove(&h->lists[c->state], c);
                free(c);
                *socket_context = NULL;
        }
}

/* An answer is sent: the next request on the connection has its deadline. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode code) {
        HttpConnection *hc = connection_of(conn);

        *req_cls = NULL;
        if (hc && hc->state == HTTP_CONNECTION_ANSWERING)
                http_set_state(cls, hc, HTTP_CONNECTION_WAITING);
}

/* Cuts connections past their deadline, and answers from a document more
 * than HTTP_MAX_OLD_DOCUMENTS scans old; returns the next deadline.  The
 * lists are in deadline order, and the answers also in document order. */
static uint64_t http_cut_late(HttpServer *h, uint64_t now) {
        HttpList *waiting = &h->lists[HTTP_CONNECTION_WAITING], *answering = &h->lists[HTTP_CONNECTION_ANSWERING];
        uint64_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);

        while (waiting->head && waiting->head->deadline_usec <= now)
                http_cut(h, waiting->head, true, "past its request deadline");
        while (answering->head && answering->head->deadline_usec <= now)
                http_cut(h, answering->head, true, "past its answer deadline");
        while (answering->head && answering->head->seq + HTTP_MAX_OLD_DOCUMENTS < seq)
                http_cut(h, answering->head, true, "its document is too many scans old");
        return MIN(waiting->head ? waiting->head->deadline_usec : UINT64_MAX,
                   answering->head ? answering->head->deadline_usec : UINT64_MAX);
}

static void *http_thread(void *userdata) {
        HttpServer *h = userdata;
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        struct pollfd p[3] = {
                { .fd = info->epoll_fd, .events = POLLIN },
                { .fd = h->stop_fd, .events = POLLIN },
                { .fd = h->wake_fd, .events = POLLIN },
        };

        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC), next = http_cut_late(h, now), n;
                MHD_UNSIGNED_LONG_LONG mhd_ms;
                int timeout_ms = -1;

                /* libmicrohttpd 0.9.75 takes its listening socket out of
                 * the epoll set at its connection limit (or when accept()
                 * runs out of fds), and puts it back only at the start of
                 * a run: after a run that closed connections, run again
                 * at once, or with none left, nothing would ever wake
                 * this thread and the endpoint would never accept again. */
                if (h->run_again)
                        timeout_ms = 0;
                else if (MHD_get_timeout(h->daemon, &mhd_ms) == MHD_YES)
                        timeout_ms = (int) MIN(mhd_ms, (MHD_UNSIGNED_LONG_LONG) INT_MAX);
                if (next != UINT64_MAX) {
                        int ms = (int) MIN(DIV_ROUND_UP(next - now, USEC_PER_MSEC), (uint64_t) INT_MAX);

                        timeout_ms = timeout_ms < 0 ? ms : MIN(timeout_ms, ms);
                }
                if (poll(p, ELEMENTSOF(p), timeout_ms) < 0 && errno != EINTR) {
                        log_error_errno(errno, "HTTP: poll() failed: %m; the endpoint stops.");
                        break;
                }
                if (p[1].revents)
                        break;
                if (p[2].revents && read(h->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
                        log_debug_errno(errno, "HTTP: failed to read the wake-up eventfd: %m");
                h->run_again = false;
                if (MHD_run(h->daemon) != MHD_YES)
                        log_debug("HTTP: MHD_run() failed.");
        }
        return NULL;
}

static char *format_address(const struct sockaddr_storage *sa) {
        char host[INET6_ADDRSTRLEN] = "?", *s = NULL;
        unsigned port = 0;

        if (sa->ss_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                port = ntohs(in->sin_port);
                if (asprintf(&s, "%s:%u", host, port) < 0)
                        s = NULL;
        } else if (sa->ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                port = ntohs(in6->sin6_port);
                if (asprintf(&s, "[%s]:%u", host, port) < 0)
                        s = NULL;
        } else
                s = strdup("a socket of another family");
        return s;
}

/* The first listening TCP socket systemd passed, or -ENOENT. */
static int http_socket_from_systemd(void) {
        int n = sd_listen_fds(false), fd = -ENOENT;

        for (int i = SD_LISTEN_FDS_START; n > 0 && i < SD_LISTEN_FDS_START + n; i++) {
                if (sd_is_socket(i, AF_INET, SOCK_STREAM, 1) <= 0 && sd_is_socket(i, AF_INET6, SOCK_STREAM, 1) <= 0) {
                        log_warning("Ignoring fd %d from systemd: not a listening TCP socket.", i);
                        continue;
                }
                if (fd >= 0) {
                        log_warning("Ignoring fd %d from systemd: serving the first socket only.", i);
                        continue;
                }
                fd = i;
        }
        return fd;
}

static int http_bind(const Config *c) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_storage sa = {};
        struct sockaddr_in *in = (struct sockaddr_in *) &sa;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &sa;
        socklen_t len;
        int one = 1;

        if (inet_pton(AF_INET, c->http_address, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(c->http_port);
                len = sizeof(*in);
        } else if (inet_pton(AF_INET6, c->http_address, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(c->http_port);
                len = sizeof(*in6);
        } else
                return -EINVAL;         /* conf.c checked it */

        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* Reads the page's files, as root before the drop: ours from
 * $PAGEIDLED_WEB_DIR or WEB_DIR, the charting library's from
 * $PAGEIDLED_DYGRAPHS_DIR or DYGRAPHS_DIR.  Without one of them, / is the
 * list of paths for everyone. */
static int http_load_page(HttpServer *h) {
        const char *dirs[2] = {
                getenv("PAGEIDLED_WEB_DIR") ?: WEB_DIR,
                getenv("PAGEIDLED_DYGRAPHS_DIR") ?: DYGRAPHS_DIR,
        };

        for (size_t i = 0; i < N_WEB_FILES; i++) {
                _cleanup_free_ char *path = NULL;
                int r;

                h->web[i] = web_table[i];
                if (asprintf(&path, "%s/%s", dirs[web_table[i].library], web_table[i].name) < 0)
                        return -ENOMEM;
                r = read_full_fileat(AT_FDCWD, path, &h->web[i].body, &h->web[i].size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_warning_errno(r, "No page at /, as %s cannot be read (%m): / lists the paths "
                                          "(install %s).", path,
                                          web_table[i].library ? "libjs-dygraphs" : "pageidled's web files");
                        return 0;
                }
        }
        h->have_page = true;
        return 0;
}

int http_open(const Config *c, HttpServer **ret) {
        _cleanup_(http_freep) HttpServer *h = NULL;
        struct sockaddr_storage sa = {};
        socklen_t len = sizeof(sa);
        bool passed;
        int fd;

        *ret = NULL;
        fd = http_socket_from_systemd();
        passed = fd >= 0;
        if (!passed) {
                if (!c->http_enable) {
                        log_debug("HTTP endpoint off (Enable=no).");
                        return 0;
                }
                fd = http_bind(c);
                if (fd < 0) {
                        log_error_errno(fd, "Failed to listen on %s%s%s:%u: %m; the HTTP endpoint is off "
                                        "(set Address=, Port= or Enable= in [HTTP]).",
                                        strchr(c->http_address, ':') ? "[" : "", c->http_address,
                                        strchr(c->http_address, ':') ? "]" : "", c->http_port);
                        return 0;
                }
        } else if (!c->http_enable)
                log_info("Serving the socket systemd passed, although [HTTP] Enable=no.");

        h = calloc(1, sizeof(*h));
        if (!h) {
                safe_close(fd);
                return log_oom();
        }
        h->listen_fd = fd;
        h->stop_fd = h->wake_fd = -EBADF;
        pthread_mutex_init(&h->lock, NULL);
        h->last_scan_usec = now_usec(CLOCK_MONOTONIC);
        if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                sa.ss_family = AF_UNSPEC;
        h->where = format_address(&sa);
        if (!h->where)
                return log_oom();
        if (http_load_page(h) < 0)
                return log_oom();
        log_info("Serving http://%s/ (/stats.json, /history.json, /metrics, /healthz)%s.", h->where,
                 passed ? " on the socket systemd passed" : "");
        *ret = TAKE_PTR(h);
        return 0;
}

int http_start(HttpServer *h) {
        int r;

        h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (h->stop_fd < 0 || h->wake_fd < 0)
                return log_error_errno(errno, "Failed to create an eventfd: %m");
        /* Run from our thread (below), on libmicrohttpd's epoll fd. */
        h->daemon = MHD_start_daemon(
                MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, h,
                MHD_OPTION_LISTEN_SOCKET, (MHD_socket) h->listen_fd,
                MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) HTTP_MHD_CONNECTION_LIMIT,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) HTTP_CONNECTION_MEMORY,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_IDLE_TIMEOUT_SEC,
                MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
                MHD_OPTION_END);
        if (!h->daemon)
                return log_error_errno(EIO, "Failed to start the HTTP server on %s.", h->where);
        h->listen_fd = -EBADF;          /* MHD closes it when it stops */
        r = pthread_create(&h->thread, NULL, http_thread, h);
        if (r != 0)
                return log_error_errno(r, "Failed to start the HTTP thread: %m");
        h->thread_started = true;
        return 0;
}

/* The document and the metrics in one mapping of their own: freed from
 * the serving thread after a slow reader, megabytes from malloc() stayed
 * in the heap (and in the RSS) long after the readers had left. */
static int content_set_body(HttpContent *c, const char *json, const char *metrics) {
        c->json_size = strlen(json);
        c->metrics_size = strlen(metrics);
        c->body_size = c->json_size + 1 + c->metrics_size + 1;
        c->body = mmap(NULL, c->body_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c->body == MAP_FAILED) {
                c->body = NULL;
                return -ENOMEM;
        }
        memcpy(c->body, json, c->json_size + 1);
        memcpy(c->body + c->json_size + 1, metrics, c->metrics_size + 1);
        c->json = c->body;
        c->metrics = c->body + c->json_size + 1;
        return 0;
}

int http_publish(HttpServer *h, const Snapshot *snapshot) {
        const SnapshotInfo *s = &snapshot->info;
        _cleanup_(content_unrefp) HttpContent *c = NULL;
        _cleanup_free_ char *metrics = NULL;
        HttpContent *old;
        uint64_t one = 1;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->refcount = 1;
        c->state = strdup(s->state ?: "unknown");
        if (!c->state)
                return -ENOMEM;
        r = metrics_format(snapshot, &metrics);
        if (r < 0)
                return r;
        r = content_set_body(c, snapshot->json, metrics);
        if (r < 0)
                return r;

        if (s->scan_count != h->last_scan_count) {
                h->last_scan_count = s->scan_count;
                h->last_scan_usec = now_usec(CLOCK_MONOTONIC);
        }
        c->scan_count = s->scan_count;
        c->interval_usec = s->interval_usec;
        c->last_scan_usec = h->last_scan_usec;

        pthread_mutex_lock(&h->lock);
        old = h->content;
        c->seq = (old ? old->seq : 0) + 1;
        __atomic_store_n(&h->seq, c->seq, __ATOMIC_RELEASE);
        h->content = TAKE_PTR(c);
        pthread_mutex_unlock(&h->lock);
        content_unref(old);
        /* The serving thread cuts the answers that now hold too old a document. */
        if (h->wake_fd >= 0 && write(h->wake_fd, &one, sizeof(one)) < 0)
                log_debug_errno(errno, "HTTP: failed to wake the serving thread: %m");
        return 0;
}

int http_publish_history(HttpServer *h, HistoryView *v) {
        HttpHistory *hh, *old;

        hh = calloc(1, sizeof(*hh));
        if (!hh)
                return -ENOMEM;
        hh->refcount = 1;
        hh->view = history_view_ref(v);
        pthread_mutex_lock(&h->lock);
        old = h->history;
        h->history = hh;
        pthread_mutex_unlock(&h->lock);
        history_unref(old);
        return 0;
}

HttpServer *http_free(HttpServer *h) {
        if (!h)
                return NULL;
        if (h->thread_started) {
                uint64_t one = 1;

                if (write(h->stop_fd, &one, sizeof(one)) != sizeof(one))
                        log_error_errno(errno, "Failed to stop the HTTP thread: %m");
                else
                        pthread_join(h->thread, NULL);
        }
        /* Closes every connection; their CLOSED notifications free the list. */
        if (h->daemon)
                MHD_stop_daemon(h->daemon);
        safe_close(h->listen_fd);
        safe_close(h->stop_fd);
        safe_close(h->wake_fd);
        content_unref(h->content);
        history_unref(h->history);
        for (size_t i = 0; i < N_WEB_FILES; i++)
                free(h->web[i].body);
        pthread_mutex_destroy(&h->lock);
        free(h->where);
        free(h);
        return NULL;
}
