/* http.c — the hub's HTTP listener: /metrics (Prometheus), /status (JSON,
 * as `cjx status --json`), /healthz, the dashboard at /, and the plan's
 * reports as charts at /reports (their data at /report?name=…&year=…).
 *
 * libmicrohttpd runs in the hub's own thread: in epoll mode it hands out one
 * descriptor, which the event loop polls next to the ROUTER socket, and
 * answers are built right there from the hub's state, without locks. Only
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

/* /report?name=…&year=…: a report as a bureau sees it, as JSON. */
static enum MHD_Result respond_report(cjx_hub *h, struct MHD_Connection *c)
{
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    const char *year = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "year");
    cjx_fault f = {0};
    const char *posting = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "posting");
    Cjx__Report *r = cjx_hub_report_build(h, name ? name : "", year ? atoi(year) : 0,
                                          posting ? posting : "", "", &f);
    json_t *j = r ? cjx_json_from_message(&r->base) : json_pack("{s:s,s:s}", "error", f.text,
                                                                  "field", f.field);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    unsigned status = r ? MHD_HTTP_OK : MHD_HTTP_BAD_REQUEST;
    if (r)
        cjx__report__free_unpacked(r, NULL);
    if (!body)
        return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
    return respond(c, status, "application/json; charset=utf-8", body, strlen(body),
                   MHD_RESPMEM_MUST_FREE);
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
    (void)version, (void)upload, (void)upload_size, (void)state;
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
        return respond_report(h, c);
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
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->http->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, answer, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
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
