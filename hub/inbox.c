/* inbox.c — the messages of the hub's next batch, drained from the ROUTER
 * socket and held (as ZeroMQ gave them, not copied) until the loop applies
 * them: the loop drains them before it commits the batch it applied last,
 * so that their items can be validated meanwhile (prevalidate.c).
 */
#include <stdlib.h>
#include <zmq.h>

#include "hub.h"

typedef struct held {
    zmq_msg_t rid, body;               /* the routing id; the last part */
    int parts;
} held;

struct cjx_inbox {
    held *msgs;                        /* moved as they grow: libzmq itself moves a
                                        * zmq_msg_t by copying it (msg_t::move) */
    cjx_frame_ref *frames;             /* their bodies, for cjx_prevalidate_begin */
    size_t n, cap;
};

cjx_inbox *cjx_inbox_new(void)
{
    return calloc(1, sizeof(cjx_inbox));
}

void cjx_inbox_clear(cjx_inbox *in)
{
    for (size_t i = 0; i < in->n; i++) {
        zmq_msg_close(&in->msgs[i].body);
        zmq_msg_close(&in->msgs[i].rid);
    }
    in->n = 0;
}

void cjx_inbox_free(cjx_inbox **in_p)
{
    cjx_inbox *in = *in_p;
    if (!in)
        return;
    cjx_inbox_clear(in);
    free(in->msgs);
    free(in->frames);
    free(in);
    *in_p = NULL;
}

/* Room for one more message; 0 when memory ran out. */
static int make_room(cjx_inbox *in)
{
    if (in->n < in->cap)
        return 1;
    size_t cap = in->cap ? 2 * in->cap : 256;
    held *msgs = realloc(in->msgs, cap * sizeof *msgs);
    if (msgs)
        in->msgs = msgs;
    cjx_frame_ref *frames = msgs ? realloc(in->frames, cap * sizeof *frames) : NULL;
    if (frames)
        in->frames = frames;
    if (!msgs || !frames)
        return 0; /* both as they were, or msgs larger: cap still fits both */
    in->cap = cap;
    return 1;
}

int cjx_inbox_receive(cjx_inbox *in, void *router)
{
    if (!make_room(in))
        return -1;
    held *m = &in->msgs[in->n];
    zmq_msg_init(&m->rid);
    if (zmq_msg_recv(&m->rid, router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m->rid);
        return -1;
    }
    zmq_msg_init(&m->body);
    m->parts = 0;
    while (zmq_msg_more(m->parts ? &m->body : &m->rid)) {
        zmq_msg_close(&m->body);
        zmq_msg_init(&m->body);
        if (zmq_msg_recv(&m->body, router, 0) < 0)
            break;
        m->parts++;
    }
    in->n++;
    return 0;
}

size_t cjx_inbox_count(const cjx_inbox *in)
{
    return in->n;
}

const cjx_frame_ref *cjx_inbox_frames(cjx_inbox *in)
{
    /* a small message's bytes are inside its zmq_msg_t: taken only now
     * that the messages no longer move */
    for (size_t i = 0; i < in->n; i++)
        in->frames[i] = (cjx_frame_ref){zmq_msg_data(&in->msgs[i].body),
                                        zmq_msg_size(&in->msgs[i].body)};
    return in->frames;
}

int cjx_inbox_get(const cjx_inbox *in, size_t i, cjx_inbound *out)
{
    if (i >= in->n)
        return 0;
    held *m = &in->msgs[i];
    *out = (cjx_inbound){zmq_msg_data(&m->rid), zmq_msg_size(&m->rid), zmq_msg_data(&m->body),
                         zmq_msg_size(&m->body), m->parts};
    return 1;
}

const char *cjx_inbox_user_id(const cjx_inbox *in, size_t i)
{
    return zmq_msg_gets(&in->msgs[i].body, "User-Id");
}
