/* http.c — the hub's HTTP listener: /metrics (Prometheus), /status (JSON,
 * as `cjx status --json`), /healthz, the dashboard at /, and the plan's
 * reports as charts at /reports (their data at /report?name=…&year=…).
 *
 * libmicrohttpd runs in the hub's own thread: in epoll mode it hands out one
 * descriptor, which the event loop polls next to the ROUTER socket, and
 * answers are built right there from the hub's state, without locks; only
 * reports, which take long, are built by the report worker while their
 * connection waits. Only
 * GET and HEAD are served; the listener is on loopback unless the operator
 * names another address (http_listen).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "hub.h"
#include "json.h"
#include "log.h"

#define MAX_CONNECTIONS 64
#define CONNECTION_TIMEOUT_S 10
#define STATUS_MAX_AGE_MS 1000         /* one status serves all requests for this long */

/* made at build time from hub/dashboard/index.html and reports.html */
extern const unsigned char cjx_dashboard_html[], cjx_reports_html[];
extern const size_t cjx_dashboard_html_len, cjx_reports_html_len;

struct cjx_http {
    struct MHD_Daemon *daemon;
    int fd;
    Cjx__HubStatus *status;            /* the newest built, kept STATUS_MAX_AGE_MS */
    int64_t status_at;
};

/* The hub's status, built at most once a second however often it is asked
 * for: a busy dashboard or scraper costs the publish loop little. */
static const Cjx__HubStatus *status_of(cjx_hub *h)
{
    int64_t now = cjx_mono_ms();
    if (!h->http->status || now - h->http->status_at >= STATUS_MAX_AGE_MS) {
        cjx_hub_status_free(h->http->status);
        h->http->status = cjx_hub_status(h);
        h->http->status_at = now;
    }
    return h->http->status;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return respond(c, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
                   MHD_RESPMEM_PERSISTENT);
}

/* /status and /metrics: the same status, as JSON or as metrics. */
static enum MHD_Result respond_status(cjx_hub *h, struct MHD_Connection *c, int metrics)
{
    const Cjx__HubStatus *st = status_of(h);
    char *body = NULL;
    if (st && metrics) {
        body = cjx_hub_metrics(st);
    } else if (st) {
        json_t *j = cjx_json_from_message(&st->base);
        body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
    }
    if (!body)
        return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
    return respond(c, MHD_HTTP_OK,
                   metrics ? "text/plain; version=0.0.4; charset=utf-8"
                           : "application/json; charset=utf-8",
                   body, strlen(body), MHD_RESPMEM_MUST_FREE);
}

/* /report?name=…&year=…: a report as a bureau sees it, as JSON. The report
 * worker builds it while the connection is suspended; then answer_http,
 * in the loop, makes the body and resumes it, and MHD calls answer again
 * with the job as the connection's state. */
typedef struct http_job {
    cjx_report_job job;                /* first: the worker hands this back */
    struct MHD_Connection *c;
    char *body;                        /* JSON, once built */
    unsigned status;
} http_job;

static char *error_json(const cjx_fault *f)
{
    json_t *j = json_pack("{s:s,s:s}", "error", f->text, "field", f->field);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return body;
}

static void answer_http(cjx_hub *h, cjx_report_job *j)
{
    (void)h;
    http_job *hj = (http_job *)j;
    if (j->report) {
        json_t *js = cjx_json_from_message(&j->report->base);
        hj->body = js ? json_dumps(js, JSON_COMPACT) : NULL;
        json_decref(js);
        cjx__report__free_unpacked(j->report, NULL);
        j->report = NULL;
        hj->status = MHD_HTTP_OK;
    } else {
        hj->body = error_json(&j->fault);
        hj->status = j->fault.code == CJX_ELIMIT ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                 : MHD_HTTP_BAD_REQUEST;
    }
    MHD_resume_connection(hj->c);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, char *body)
{
    if (!body)
        return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
    return respond(c, status, "application/json; charset=utf-8", body, strlen(body),
                   MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result respond_report(cjx_hub *h, struct MHD_Connection *c, void **state)
{
    http_job *hj = *state;
    if (hj) { /* built */
        *state = NULL;
        char *body = hj->body;
        unsigned status = hj->status;
        free(hj);
        return respond_json(c, status, body);
    }
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    const char *year = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "year");
    const char *posting = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "posting");
    cjx_fault f = {0};
    hj = calloc(1, sizeof *hj);
    if (!hj)
        return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
    if (cjx_report_job_init(&hj->job, name ? name : "", year ? atoi(year) : 0,
                            posting ? posting : "", "", &f) != CJX_OK) {
        free(hj);
        return respond_json(c, MHD_HTTP_BAD_REQUEST, error_json(&f));
    }
    hj->job.done = answer_http;
    hj->c = c;
    if (cjx_report_worker_submit(h, &hj->job) != 0) {
        free(hj);
        cjx_fault_set(&f, CJX_ELIMIT, "", "the hub is computing as many reports as it takes "
                      "at once: ask again shortly");
        return respond_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, error_json(&f));
    }
    *state = hj;
    MHD_suspend_connection(c);
    return MHD_YES;
}

/* A connection closed before its report was sent frees what it held. */
static void request_done(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    http_job *hj = *state;
    if (hj) {
        free(hj->body);
        free(hj);
        *state = NULL;
    }
}

/* Healthy when the store can be read: the loop answering proves the rest. */
static enum MHD_Result respond_health(cjx_hub *h, struct MHD_Connection *c)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(h->store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        mdb_txn_abort(txn);
    return rc == 0 ? respond_text(c, MHD_HTTP_OK, "ok\n")
                   : respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store unreadable\n");
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size;
    cjx_hub *h = cls;
    CJX_LOG(CJX_LOG_DEBUG, "http.request", NULL, "%s %s", method, url);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)cjx_dashboard_html,
                       cjx_dashboard_html_len, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/reports") == 0)
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)cjx_reports_html,
                       cjx_reports_html_len, MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/report") == 0)
        return respond_report(h, c, state);
    if (strcmp(url, "/status") == 0)
        return respond_status(h, c, 0);
    if (strcmp(url, "/metrics") == 0)
        return respond_status(h, c, 1);
    if (strcmp(url, "/healthz") == 0)
        return respond_health(h, c);
    return respond_text(c, MHD_HTTP_NOT_FOUND,
                        "not found: try /, /reports, /status, /metrics, /healthz\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    CJX_LOG(CJX_LOG_WARNING, "http.error", NULL, "%s", text);
}

/* Splits "host:port" ("[::1]:port" for IPv6) and resolves it. */
static cjx_err resolve(const char *listen, struct addrinfo **ai, cjx_fault *f)
{
    char host[CJX_CONF_STRMAX];
    snprintf(host, sizeof host, "%s", listen);
    char *colon = strrchr(host, ':');
    if (!colon || colon == host || !colon[1])
        return cjx_fault_set(f, CJX_ECONFIG, "http_listen",
                             "\"%s\" is not HOST:PORT (127.0.0.1:7451, [::1]:7451)", listen);
    *colon = '\0';
    char *name = host;
    if (name[0] == '[' && colon[-1] == ']') {
        name++;
        colon[-1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    int rc = getaddrinfo(name, colon + 1, &hints, ai);
    if (rc)
        return cjx_fault_set(f, CJX_ECONFIG, "http_listen", "cannot resolve \"%s\": %s",
                             listen, gai_strerror(rc));
    return CJX_OK;
}

static int is_loopback(const struct addrinfo *ai)
{
    if (ai->ai_family == AF_INET)
        return ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24 == 127;
    return ai->ai_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
}

cjx_err cjx_http_open(cjx_hub *h, cjx_fault *f)
{
    if (!h->cfg.http_listen[0])
        return CJX_OK;
    struct addrinfo *ai;
    cjx_err err = resolve(h->cfg.http_listen, &ai, f);
    if (err)
        return err;
    h->http = calloc(1, sizeof *h->http);
    if (!h->http) {
        freeaddrinfo(ai);
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    if (!is_loopback(ai))
        CJX_LOG(CJX_LOG_WARNING, "http.exposed", NULL, "HTTP on %s, not loopback: /status and "
                "the dashboard name every institution and take no key; keep it behind a "
                "firewall or an authenticating proxy", h->cfg.http_listen);
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->http->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, answer, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
    freeaddrinfo(ai);
    const union MHD_DaemonInfo *fd_info =
        h->http->daemon ? MHD_get_daemon_info(h->http->daemon, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    const union MHD_DaemonInfo *port_info =
        fd_info ? MHD_get_daemon_info(h->http->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!port_info)
        return cjx_fault_set(f, CJX_EIO, "http_listen", "cannot listen for HTTP on %s: %s",
                             h->cfg.http_listen, strerror(errno));
    h->http->fd = fd_info->epoll_fd;
    /* the address with the port actually bound, for scripts and tests */
    char bound[CJX_CONF_STRMAX + 8];
    snprintf(bound, sizeof bound, "%.*s:%u", (int)(strrchr(h->cfg.http_listen, ':') -
             h->cfg.http_listen), h->cfg.http_listen, (unsigned)port_info->port);
    CJX_LOG(CJX_LOG_NOTICE, "http.start", NULL, "HTTP on http://%s/ (metrics, status, "
            "healthz, dashboard)", bound);
    return cjx_hub_write_file(h, "http_endpoint", bound, f);
}

void cjx_http_close(cjx_hub *h)
{
    if (!h->http)
        return;
    if (h->http->daemon)
        MHD_stop_daemon(h->http->daemon);
    cjx_hub_status_free(h->http->status);
    free(h->http);
    h->http = NULL;
}

int cjx_http_fd(const cjx_hub *h)
{
    return h->http ? h->http->fd : -1;
}

long cjx_http_wait_ms(const cjx_hub *h)
{
    MHD_UNSIGNED_LONG_LONG t;
    if (!h->http || MHD_get_timeout(h->http->daemon, &t) != MHD_YES)
        return -1;
    return t > 60000 ? 60000 : (long)t;
}

void cjx_http_run(cjx_hub *h)
{
    if (h->http)
        MHD_run(h->http->daemon);
}
