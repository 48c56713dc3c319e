/* prevalidate.c — validates the items of a batch's Publish frames on a
 * thread beside the loop, while the loop commits the batch before.
 *
 * Validation (core/validate.c) reads only the item and the catalogues,
 * never the store, so its answer does not depend on when or where it is
 * worked out. The loop (server.c) hands over the frames it has just
 * drained, commits the previous batch and sends its replies meanwhile, and
 * then applies the new frames in order as before: a Publish whose item was
 * found valid here is not validated again; any other is, on the loop (so
 * a refusal's text comes from the same code as ever). The order of frames,
 * of replies and of everything written is the loop's alone.
 */
#include <pthread.h>
#include <stdlib.h>

#include "codec.h"
#include "hub.h"
#include "thread.h"

struct cjx_prevalidate {
    const cjx_validator *v;
    size_t max_frame_bytes;
    cjx_arena scratch;                 /* the frame being validated, unpacked */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    const cjx_frame_ref *frames;       /* being validated; the loop keeps them */
    size_t n;
    uint8_t *valid;                    /* per frame: a Publish whose item is valid */
    size_t cap;
    int busy, stop;
};

/* Whether frame is a Publish whose item passes validation. */
static int valid_publish(cjx_prevalidate *pv, const cjx_frame_ref *frame)
{
    ProtobufCAllocator *a = &pv->scratch.allocator;
    Cjx__Frame *fr = NULL;
    int ok = 0;
    if (cjx_frame_decode_with(a, frame->data, frame->len, pv->max_frame_bytes, &fr, NULL) ==
            CJX_OK &&
        fr->msg_case == CJX__FRAME__MSG_PUBLISH) {
        const ProtobufCBinaryData *b = &fr->publish->item;
        Cjx__Item *item = cjx__item__unpack(a, b->len, b->data);
        ok = item && cjx_validate_item(pv->v, item, NULL) == CJX_OK;
    }
    cjx_arena_reset(&pv->scratch); /* fr, item */
    return ok;
}

static void *run(void *arg)
{
    cjx_prevalidate *pv = arg;
    pthread_mutex_lock(&pv->lock);
    for (;;) {
        while (!pv->busy && !pv->stop)
            pthread_cond_wait(&pv->work, &pv->lock);
        if (pv->stop)
            break;
        pthread_mutex_unlock(&pv->lock);
        for (size_t i = 0; i < pv->n; i++)
            pv->valid[i] = (uint8_t)valid_publish(pv, &pv->frames[i]);
        pthread_mutex_lock(&pv->lock);
        pv->busy = 0;
        pthread_cond_signal(&pv->done);
    }
    pthread_mutex_unlock(&pv->lock);
    return NULL;
}

cjx_prevalidate *cjx_prevalidate_start(const cjx_validator *v, size_t max_frame_bytes)
{
    cjx_prevalidate *pv = calloc(1, sizeof *pv);
    if (!pv)
        return NULL;
    pv->v = v;
    pv->max_frame_bytes = max_frame_bytes;
    cjx_arena_init(&pv->scratch);
    pthread_mutex_init(&pv->lock, NULL);
    pthread_cond_init(&pv->work, NULL);
    pthread_cond_init(&pv->done, NULL);
    if (cjx_thread_start(&pv->thread, "cjx-prevalidate", run, pv) != 0) {
        pthread_cond_destroy(&pv->done);
        pthread_cond_destroy(&pv->work);
        pthread_mutex_destroy(&pv->lock);
        free(pv);
        return NULL;
    }
    return pv;
}

int cjx_prevalidate_begin(cjx_prevalidate *pv, const cjx_frame_ref *frames, size_t n)
{
    if (n > pv->cap) {
        uint8_t *valid = realloc(pv->valid, n);
        if (!valid)
            return -1;
        pv->valid = valid;
        pv->cap = n;
    }
    pthread_mutex_lock(&pv->lock);
    pv->frames = frames;
    pv->n = n;
    pv->busy = 1;
    pthread_cond_signal(&pv->work);
    pthread_mutex_unlock(&pv->lock);
    return 0;
}

const uint8_t *cjx_prevalidate_wait(cjx_prevalidate *pv)
{
    pthread_mutex_lock(&pv->lock);
    while (pv->busy)
        pthread_cond_wait(&pv->done, &pv->lock);
    pthread_mutex_unlock(&pv->lock);
    return pv->valid;
}

void cjx_prevalidate_stop(cjx_prevalidate **pv_p)
{
    cjx_prevalidate *pv = *pv_p;
    if (!pv)
        return;
    pthread_mutex_lock(&pv->lock);
    pv->stop = 1;
    pthread_cond_signal(&pv->work);
    pthread_mutex_unlock(&pv->lock);
    pthread_join(pv->thread, NULL);
    cjx_arena_fini(&pv->scratch);
    pthread_cond_destroy(&pv->done);
    pthread_cond_destroy(&pv->work);
    pthread_mutex_destroy(&pv->lock);
    free(pv->valid);
    free(pv);
    *pv_p = NULL;
}
