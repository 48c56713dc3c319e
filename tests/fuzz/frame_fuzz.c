/* frame_fuzz.c — libFuzzer harness for the frame decoder.
 *
 * Arbitrary bytes go to cjx_frame_decode as they would arrive from a peer's
 * socket. A frame that decodes is then taken further the way its receiver
 * does: a Publish's item is unpacked and validated (the hub), the packed
 * Stored entries of an Event, a Result or a Snapshot become JSON (the agent
 * and the cjx tool). Finally the frame is packed again, which must succeed
 * for anything that unpacked.
 */
#include <jansson.h>
#include <stdlib.h>

#include "codec.h"
#include "fuzz.h"
#include "json.h"

/* What the hub does with a Publish: unpack the item, validate it. */
static void publish(const Cjx__Publish *p)
{
    Cjx__Item *item = cjx__item__unpack(NULL, p->item.len, p->item.data);
    if (!item)
        return;
    cjx_fault f = {0};
    (void)cjx_item_kind(item);
    (void)cjx_validate_item(cjx_fuzz_validator(), item, &f);
    cjx__item__free_unpacked(item, NULL);
}

/* Prints and drops a JSON value made from peer bytes, as a sink would. */
static void drop(json_t *j)
{
    if (!j)
        return;
    char *s = json_dumps(j, JSON_COMPACT);
    free(s);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Cjx__Frame *frame = NULL;
    cjx_fault f = {0};
    if (cjx_frame_decode(data, size, CJX_MAX_FRAME_BYTES, &frame, &f) != CJX_OK)
        return 0;
    switch (frame->msg_case) {
    case CJX__FRAME__MSG_PUBLISH:
        publish(frame->publish);
        break;
    case CJX__FRAME__MSG_EVENT:
        drop(cjx_event_json(frame->event->subscription, frame->event->stored.data,
                            frame->event->stored.len));
        break;
    case CJX__FRAME__MSG_EVENT_BATCH:
        for (size_t i = 0; i < frame->event_batch->n_events; i++)
            drop(cjx_event_json(frame->event_batch->events[i]->subscription,
                                frame->event_batch->events[i]->stored.data,
                                frame->event_batch->events[i]->stored.len));
        break;
    case CJX__FRAME__MSG_RESULT:
        for (size_t i = 0; i < frame->result->n_items; i++)
            drop(cjx_stored_json(frame->result->items[i].data, frame->result->items[i].len));
        break;
    case CJX__FRAME__MSG_SNAPSHOT:
        for (size_t i = 0; i < frame->snapshot->n_entries; i++)
            drop(cjx_stored_json(frame->snapshot->entries[i].data,
                                 frame->snapshot->entries[i].len));
        break;
    default:
        break;
    }
    size_t len = cjx__frame__get_packed_size(frame);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf && cjx__frame__pack(frame, buf) != len)
        abort(); /* a decoded frame must pack to the size it announced */
    free(buf);
    cjx__frame__free_unpacked(frame, NULL);
    return 0;
}
