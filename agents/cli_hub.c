/* cli_hub.c — the cjx tool's short sessions with the hub: connect, Hello,
 * one request and its answer at a time, each bounded by --timeout.
 */
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

#include "cli.h"
#include "keys.h"
#include "codec.h"

struct cli_link {
    void *zctx, *sock;
    int timeout_ms;
    uint64_t hub_seq;          /* Welcome.last_seq */
    const cjx_agent_config *cfg;
};

void cli_link_close(cli_link **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_link *l = *self_p;
    if (l->sock) {
        /* say Bye, so the hub does not count this session until it times out */
        Cjx__Bye bye = CJX__BYE__INIT;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_BYE;
        fr.bye = &bye;
        int linger = 100;
        zmq_setsockopt(l->sock, ZMQ_LINGER, &linger, sizeof linger);
        cjx_frame_send(l->sock, NULL, 0, &fr, ZMQ_DONTWAIT);
        zmq_close(l->sock);
    }
    if (l->zctx)
        zmq_ctx_term(l->zctx);
    free(l);
    *self_p = NULL;
}

int cli_link_recv(cli_link *l, int timeout_ms, Cjx__Frame **out)
{
    zmq_pollitem_t item = {l->sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, timeout_ms);
    if (n == 0)
        return 1;
    if (n < 0)
        return -1;
    cjx_fault fault;
    return cjx_frame_recv(l->sock, (size_t)64 << 20, 0, out, &fault) == CJX_OK ? 0 : -1;
}

int cli_link_send(cli_link *l, Cjx__Frame *frame)
{
    return cjx_frame_send(l->sock, NULL, 0, frame, 0) == CJX_OK ? 0 : -1;
}

int cli_link_event_ack(cli_link *l, const char *subscription, uint64_t seq)
{
    return cjx_send_event_ack(l->sock, subscription, seq, 0) == CJX_OK ? 0 : -1;
}

uint64_t cli_link_hub_seq(const cli_link *l)
{
    return l->hub_seq;
}

/* Waits up to the timeout for the next frame. Returns 0 or -1. */
static int next_frame(cli_link *l, Cjx__Frame **out)
{
    return cli_link_recv(l, l->timeout_ms, out) == 0 ? 0 : -1;
}

/* Says Hello as the configured institution and waits for the answer. */
static int hello(cli_link *l, Cjx__Frame **reply)
{
    Cjx__Institution self;
    cjx_agent_config_institution(l->cfg, &self);
    if (cjx_send_hello(l->sock, l->cfg->credit_code, "cjx " CJX_VERSION, &self, 0, 0, 0) != CJX_OK)
        return -1;
    return next_frame(l, reply);
}

cli_link *cli_link_open(cli *c, const char *cmd)
{
    cli_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->timeout_ms = c->timeout_ms;
    l->zctx = zmq_ctx_new();
    l->sock = l->zctx ? zmq_socket(l->zctx, ZMQ_DEALER) : NULL;
    int linger = 0;
    cjx_fault fault;
    if (l->sock &&
        cjx_curve_client(l->sock, c->cfg.secret_key_file, c->cfg.hub_public_key, &fault)) {
        cli_error(cmd, "%s: %s", fault.field, fault.text);
        cli_link_close(&l);
        return NULL;
    }
    if (!l->sock || zmq_setsockopt(l->sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_connect(l->sock, c->hub) != 0) {
        cli_error(cmd, "cannot connect to %s: %s", c->hub, zmq_strerror(zmq_errno()));
        cli_link_close(&l);
        return NULL;
    }
    Cjx__Frame *reply = NULL;
    l->cfg = &c->cfg;
    if (hello(l, &reply) != 0) {
        cli_error(cmd, "the hub at %s did not answer within %d ms%s", c->hub, c->timeout_ms,
                  c->cfg.secret_key_file[0] ? " (or refused this key)" : "");
        cli_link_close(&l);
        return NULL;
    }
    if (reply->msg_case != CJX__FRAME__MSG_WELCOME) {
        cli_error(cmd, "the hub refused this session: %s",
                  reply->msg_case == CJX__FRAME__MSG_NACK ? reply->nack->text : "unexpected reply");
        cjx__frame__free_unpacked(reply, NULL);
        cli_link_close(&l);
        return NULL;
    }
    l->hub_seq = reply->welcome->last_seq;
    cjx__frame__free_unpacked(reply, NULL);
    return l;
}

static uint64_t request_id_of(const Cjx__Frame *fr)
{
    switch (fr->msg_case) {
    case CJX__FRAME__MSG_RESULT: return fr->result->request_id;
    case CJX__FRAME__MSG_HUB_STATUS: return fr->hub_status->request_id;
    case CJX__FRAME__MSG_SEARCH_RESULT: return fr->search_result->request_id;
    case CJX__FRAME__MSG_REPORT: return fr->report->request_id;
    case CJX__FRAME__MSG_NACK: return fr->nack->request_id;
    case CJX__FRAME__MSG_DIGEST: return fr->digest->request_id;
    case CJX__FRAME__MSG_INSTITUTION_ADMIN_RESULT: return fr->institution_admin_result->request_id;
    case CJX__FRAME__MSG_AUDIT_RESULT: return fr->audit_result->request_id;
    default: return 0;
    }
}

int cli_link_call(cli_link *l, Cjx__Frame *frame, uint64_t request_id, Cjx__Frame **reply)
{
    if (cli_link_send(l, frame) != 0)
        return -1;
    int rehello = 1;
    for (;;) {
        Cjx__Frame *fr = NULL;
        if (next_frame(l, &fr) != 0)
            return -1;
        if (rehello && fr->msg_case == CJX__FRAME__MSG_NACK &&
            fr->nack->reason == CJX_ENOSESSION) {
            /* the hub dropped the session (it restarted, or a long listing
             * outlasted three heartbeats): say Hello once more and ask again */
            cjx__frame__free_unpacked(fr, NULL);
            fr = NULL;
            rehello = 0;
            if (hello(l, &fr) != 0 || fr->msg_case != CJX__FRAME__MSG_WELCOME) {
                if (fr)
                    cjx__frame__free_unpacked(fr, NULL);
                return -1;
            }
            cjx__frame__free_unpacked(fr, NULL);
            if (cli_link_send(l, frame) != 0)
                return -1;
            continue;
        }
        if (request_id_of(fr) == request_id) {
            *reply = fr;
            return 0;
        }
        cjx__frame__free_unpacked(fr, NULL); /* a heartbeat or a stale answer */
    }
}
