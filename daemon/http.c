/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <limits.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "http.h"
#include "metrics.h"
#include "util.h"

/* Limits that keep many scrapers served and hostile clients contained.
 * Requests are a line and a few headers: anything longer than the
 * per-connection memory gets 414 (URL) or 431 (headers). */
#define HTTP_MAX_CONNECTIONS 256u
#define HTTP_MAX_CONNECTIONS_PER_IP 64u
#define HTTP_CONNECTION_MEMORY (16u * 1024u)
#define HTTP_IDLE_TIMEOUT_SEC 10u
/* From the connection (or the end of the previous answer on it) to the
 * end of the request headers: the idle timeout alone would let a client
 * sending a byte every few seconds keep its connection for ever. */
#define HTTP_REQUEST_DEADLINE_USEC (10 * USEC_PER_SEC)

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* What one scan published: never changed after http_publish() built it,
 * freed by whoever drops the last reference. */
typedef struct HttpContent {
        unsigned refcount;
        char *json;
        size_t json_size;
        char *metrics;
        size_t metrics_size;
        char *state;
        uint64_t scan_count;
        uint64_t interval_usec;
        uint64_t last_scan_usec;        /* CLOCK_MONOTONIC: the last complete scan, or the start */
} HttpContent;

/* A connection waiting for its request, in the serving thread's list. */
typedef struct HttpConnection {
        int fd;                         /* MHD's; valid until its CLOSED notification */
        uint64_t deadline_usec;         /* CLOCK_MONOTONIC; UINT64_MAX: none (answering, or cut) */
        struct HttpConnection *prev, *next;
} HttpConnection;

struct HttpServer {
        struct MHD_Daemon *daemon;
        int listen_fd;                  /* until MHD takes it */
        char *where;                    /* for the logs */

        /* The serving thread runs libmicrohttpd (MHD_run on its epoll fd)
         * and cuts connections past their request deadline between two
         * runs, where their fds are sure to be open. */
        pthread_t thread;
        bool thread_started;
        int stop_fd;                    /* eventfd: the thread exits */
        HttpConnection *connections;    /* serving thread only */

        pthread_mutex_t lock;
        HttpContent *content;           /* under lock */

        /* Main thread only. */
        uint64_t last_scan_usec;
        uint64_t last_scan_count;
};

static HttpContent *content_ref(HttpContent *c) {
        if (c)
                __atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
        return c;
}

static HttpContent *content_unref(HttpContent *c) {
        if (!c || __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        free(c->json);
        free(c->metrics);
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

/* Answers from the content's own buffer; the response holds a reference
 * until libmicrohttpd has sent it. */
static enum MHD_Result queue_content(struct MHD_Connection *conn, HttpContent *c, const char *body, size_t size,
                                     const char *type) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        r = MHD_create_response_from_buffer_with_free_callback_cls(size, (void *) body, content_release,
                                                                  content_ref(c));
        if (!r) {
                content_unref(c);
                return MHD_NO;
        }
        if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
            MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) {
                MHD_destroy_response(r);
                return MHD_NO;
        }
        ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result queue_health(struct MHD_Connection *conn, HttpContent *c) {
        char buf[256];
        bool ok;

        ok = metrics_health_check(now_usec(CLOCK_MONOTONIC), c->last_scan_usec, c->interval_usec, c->scan_count,
                                  c->state, buf, sizeof(buf));
        return queue_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, buf, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
        _cleanup_(content_unrefp) HttpContent *c = NULL;
        const union MHD_ConnectionInfo *info;
        HttpServer *h = cls;

        /* The request is in: no deadline while it is answered. */
        info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (info && info->socket_context)
                ((HttpConnection *) info->socket_context)->deadline_usec = UINT64_MAX;

        /* Answered as soon as the headers are in: a body, if any, is not read. */
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return queue_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed: use GET or HEAD.\n",
                                  "GET, HEAD");

        if (strcmp(url, "/") == 0)
                return queue_text(conn, MHD_HTTP_OK,
                                  "pageidled " PACKAGE_VERSION "\n"
                                  "/stats.json  the JSON document (schema_version " STRINGIFY(JSON_SCHEMA_VERSION) ")\n"
                                  "/metrics     Prometheus text format\n"
                                  "/healthz     200 while scans are recent, else 503\n", NULL);
        if (strcmp(url, "/stats.json") != 0 && strcmp(url, "/metrics") != 0 && strcmp(url, "/healthz") != 0)
                return queue_text(conn, MHD_HTTP_NOT_FOUND, "Not found: try /stats.json, /metrics or /healthz.\n",
                                  NULL);

        c = http_get_content(h);
        if (!c)
                return queue_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Starting.\n", NULL);
        if (strcmp(url, "/healthz") == 0)
                return queue_health(conn, c);
        if (strcmp(url, "/metrics") == 0)
                return queue_content(conn, c, c->metrics, c->metrics_size, METRICS_CONTENT_TYPE);
        return queue_content(conn, c, c->json, c->json_size, "application/json");
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        const union MHD_ConnectionInfo *info;
        HttpServer *h = cls;
        HttpConnection *c;

        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
                c = calloc(1, sizeof(*c));
                if (!c || !info) {
                        free(c);        /* not watched: the idle timeout still applies */
                        return;
                }
                c->fd = info->connect_fd;
                c->deadline_usec = now_usec(CLOCK_MONOTONIC) + HTTP_REQUEST_DEADLINE_USEC;
                c->next = h->connections;
                if (c->next)
                        c->next->prev = c;
                h->connections = c;
                *socket_context = c;
        } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
                c = *socket_context;
                if (c->prev)
                        c->prev->next = c->next;
                else
                        h->connections = c->next;
                if (c->next)
                        c->next->prev = c->prev;
                free(c);
                *socket_context = NULL;
        }
}

/* An answer is sent: the next request on the connection has its deadline. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode code) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        if (info && info->socket_context)
                ((HttpConnection *) info->socket_context)->deadline_usec =
                        now_usec(CLOCK_MONOTONIC) + HTTP_REQUEST_DEADLINE_USEC;
}

/* Shuts down connections past their deadline (libmicrohttpd then sees
 * the end of the stream and closes them); returns the next deadline. */
static uint64_t http_cut_late(HttpServer *h, uint64_t now) {
        uint64_t next = UINT64_MAX;

        for (HttpConnection *c = h->connections; c; c = c->next) {
                if (c->deadline_usec <= now) {
                        log_debug("HTTP: closing a connection with no complete request after %" PRIu64 " s.",
                                  HTTP_REQUEST_DEADLINE_USEC / USEC_PER_SEC);
                        (void) shutdown(c->fd, SHUT_RDWR);
                        c->deadline_usec = UINT64_MAX;
                }
                next = MIN(next, c->deadline_usec);
        }
        return next;
}

static void *http_thread(void *userdata) {
        HttpServer *h = userdata;
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        struct pollfd p[2] = {
                { .fd = info->epoll_fd, .events = POLLIN },
                { .fd = h->stop_fd, .events = POLLIN },
        };

        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC), next = http_cut_late(h, now);
                MHD_UNSIGNED_LONG_LONG mhd_ms;
                int timeout_ms = -1;

                if (MHD_get_timeout(h->daemon, &mhd_ms) == MHD_YES)
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
        h->stop_fd = -EBADF;
        pthread_mutex_init(&h->lock, NULL);
        h->last_scan_usec = now_usec(CLOCK_MONOTONIC);
        if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                sa.ss_family = AF_UNSPEC;
        h->where = format_address(&sa);
        if (!h->where)
                return log_oom();
        log_info("Serving http://%s/ (/stats.json, /metrics, /healthz)%s.", h->where,
                 passed ? " on the socket systemd passed" : "");
        *ret = TAKE_PTR(h);
        return 0;
}

int http_start(HttpServer *h) {
        int r;

        h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (h->stop_fd < 0)
                return log_error_errno(errno, "Failed to create an eventfd: %m");
        /* Run from our thread (below), on libmicrohttpd's epoll fd. */
        h->daemon = MHD_start_daemon(
                MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, h,
                MHD_OPTION_LISTEN_SOCKET, (MHD_socket) h->listen_fd,
                MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) HTTP_MAX_CONNECTIONS,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) HTTP_MAX_CONNECTIONS_PER_IP,
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

int http_publish(HttpServer *h, const Snapshot *s, const char *json) {
        _cleanup_(content_unrefp) HttpContent *c = NULL;
        HttpContent *old;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->refcount = 1;
        c->json = strdup(json);
        c->state = strdup(s->state ?: "unknown");
        if (!c->json || !c->state)
                return -ENOMEM;
        c->json_size = strlen(c->json);
        r = metrics_format(s, &c->metrics);
        if (r < 0)
                return r;
        c->metrics_size = strlen(c->metrics);

        if (s->scan_count != h->last_scan_count) {
                h->last_scan_count = s->scan_count;
                h->last_scan_usec = now_usec(CLOCK_MONOTONIC);
        }
        c->scan_count = s->scan_count;
        c->interval_usec = s->interval_usec;
        c->last_scan_usec = h->last_scan_usec;

        pthread_mutex_lock(&h->lock);
        old = h->content;
        h->content = TAKE_PTR(c);
        pthread_mutex_unlock(&h->lock);
        content_unref(old);
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
        content_unref(h->content);
        pthread_mutex_destroy(&h->lock);
        free(h->where);
        free(h);
        return NULL;
}
