/* search_wait.c — searches waiting for the index, parked off the loop.
 *
 * A search is answered once the index has every log entry committed before
 * it came, so that a client finds what it was acknowledged (search.c). The
 * index follows the log on a thread of its own (search_follow.c) and may be
 * behind, most of all during a burst of publishes; rather than hold the
 * loop (and every publish, ack and event behind it) while it catches up, a
 * search is parked here with the sequence it needs and a deadline, and
 * answered when the follower wakes the loop (its eventfd) or the deadline
 * passes, with what the index has then (SearchResult.as_of_seq says how
 * far that is). A session gone meanwhile gets nothing. The answer comes
 * after replies to the session's later frames: clients match it by its
 * request_id. Beyond PARKED_MAX waiting, a search is answered at once.
 */
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define WAIT_MS 2000                   /* a search waits this long at most for the index */
#define PARKED_MAX 256                 /* more are answered at once with what is indexed */

typedef struct parked {
    uint8_t rid[CJX_RID_MAX];
    size_t rid_len;
    uint64_t want;                     /* the log committed when it came */
    int64_t deadline_ms;               /* cjx_mono_ms */
    Cjx__SearchRequest *req;           /* a copy, owned */
} parked;

struct cjx_search_waits {
    parked v[PARKED_MAX];
    size_t n;
};

int cjx_search_park(cjx_hub *h, const cjx_session *s, const Cjx__SearchRequest *m)
{
    uint64_t want = h->committed_seq;
    int failed;
    if (cjx_search_follow_indexed(h->follow, &failed) >= want || failed)
        return 0;
    if (!h->search_waits && !(h->search_waits = calloc(1, sizeof *h->search_waits)))
        return 0;
    cjx_search_waits *w = h->search_waits;
    if (w->n == PARKED_MAX)
        return 0;
    /* a copy of the request, by packing it: the frame goes with the batch */
    size_t len = cjx__search_request__get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    Cjx__SearchRequest *copy = NULL;
    if (buf) {
        cjx__search_request__pack(m, buf);
        copy = cjx__search_request__unpack(NULL, len, buf);
        free(buf);
    }
    if (!copy)
        return 0;
    parked *p = &w->v[w->n++];
    memcpy(p->rid, s->rid, s->rid_len);
    p->rid_len = s->rid_len;
    p->want = want;
    p->deadline_ms = cjx_mono_ms() + WAIT_MS;
    p->req = copy;
    cjx_search_follow_wake_at(h->follow, want); /* at once if it got there meanwhile */
    return 1;
}

void cjx_search_resume(cjx_hub *h, int all)
{
    cjx_search_waits *w = h->search_waits;
    if (!w || !w->n)
        return;
    int failed;
    uint64_t indexed = cjx_search_follow_indexed(h->follow, &failed);
    int64_t now = cjx_mono_ms();
    size_t kept = 0;
    uint64_t next = 0;                 /* the least sequence still waited for */
    for (size_t i = 0; i < w->n; i++) {
        parked *p = &w->v[i];
        if (!all && !failed && p->want > indexed && now < p->deadline_ms) {
            next = next && next < p->want ? next : p->want;
            w->v[kept++] = *p;
            continue;
        }
        cjx_session *s = cjx_sessions_find(h->sessions, p->rid, p->rid_len);
        if (s)
            cjx_hub_search_answer(h, s, p->req);
        cjx__search_request__free_unpacked(p->req, NULL);
    }
    w->n = kept;
    if (next)
        cjx_search_follow_wake_at(h->follow, next);
}

long cjx_search_wait_ms(const cjx_hub *h)
{
    const cjx_search_waits *w = h->search_waits;
    if (!w || !w->n)
        return -1;
    int64_t first = w->v[0].deadline_ms; /* parked in order, all with the same wait */
    int64_t left = first - cjx_mono_ms();
    return left > 0 ? (long)left : 0;
}

void cjx_search_waits_free(cjx_hub *h)
{
    cjx_search_waits *w = h->search_waits;
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        cjx__search_request__free_unpacked(w->v[i].req, NULL);
    free(w);
    h->search_waits = NULL;
}
