/* stored_json.c — the JSON form of a stored entry, as `cjx get`, `cjx list`,
 * `cjx feed` and feed sinks show it: its sequence, id, kind, the change it
 * made ("new", "update", "fill", "withdraw", "expire"), origin, arrival time
 * and the item itself; as a jansson tree (json.h) and as text written
 * straight into a buffer (json_write.h), member for member the same.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "json_int.h"
#include "json_write.h"
#include "protocol.pb-c.h"
#include "domain.pb-c.h"

/* The arrival time as ISO 8601 in UTC with milliseconds, in buf. Entries
 * come in runs from the same second (a batch at the hub), so the text of
 * the last second is kept: a feed sink writes one line per entry. */
static void time_text(char buf[40], int64_t ms)
{
    static _Thread_local int64_t last_secs = INT64_MIN;
    static _Thread_local char last_text[40];
    static _Thread_local size_t last_len;
    int64_t secs = ms / 1000;
    if (secs != last_secs) {
        time_t t = (time_t)secs;
        struct tm tm = {0};
        gmtime_r(&t, &tm);
        last_len = strftime(last_text, sizeof last_text, "%Y-%m-%dT%H:%M:%S", &tm);
        last_secs = secs;
    }
    memcpy(buf, last_text, last_len);
    int milli = (int)(ms % 1000);
    if (milli < 0 || last_len > 33) {
        snprintf(buf + last_len, 40 - last_len, ".%03dZ", milli);
        return;
    }
    char *o = buf + last_len;
    o[0] = '.';
    o[1] = (char)('0' + milli / 100);
    o[2] = (char)('0' + milli / 10 % 10);
    o[3] = (char)('0' + milli % 10);
    o[4] = 'Z';
    o[5] = '\0';
}

/* "update" for CHANGE_UPDATE, in buf. */
static void change_text(char buf[32], Cjx__Change change)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&cjx__change__descriptor, (int)change);
    snprintf(buf, 32, "unknown");
    if (v && strlen(v->name) < 32 + 7)
        for (size_t i = 0; i <= strlen(v->name + 7); i++)
            buf[i] = (char)tolower((unsigned char)v->name[7 + i]);
}

/* ---- as a jansson tree ---- */

/* Adds the fields of the stored entry to j; NULL (j dropped) when it does
 * not decode. A string that jansson refuses (not UTF-8) leaves its key
 * out; write_entry below does the same. */
static json_t *add_stored(json_t *j, const void *packed, size_t len)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, len, packed);
    if (!st) {
        json_decref(j);
        return NULL;
    }
    Cjx__Item *item = cjx__item__unpack(NULL, st->item.len, st->item.data);
    char text[40];
    json_object_set_new(j, "seq", json_integer((json_int_t)st->seq));
    json_object_set_new(j, "id", json_string(st->id));
    json_object_set_new(j, "kind", json_string(st->kind));
    change_text(text, st->change);
    json_object_set_new(j, "change", json_string(text));
    if (st->note[0])
        json_object_set_new(j, "note", json_string(st->note));
    json_object_set_new(j, "origin", json_string(st->origin));
    time_text(text, st->received_ms);
    json_object_set_new(j, "received", json_string(text));
    json_object_set_new(j, "item", item ? cjx_json_from_message(&item->base) : json_null());
    if (item)
        cjx__item__free_unpacked(item, NULL);
    cjx__stored__free_unpacked(st, NULL);
    return j;
}

json_t *cjx_stored_json(const void *packed, size_t len)
{
    return add_stored(json_object(), packed, len);
}

json_t *cjx_event_json(const char *subscription, const void *packed, size_t len)
{
    json_t *j = json_object();
    json_object_set_new(j, "subscription", json_string(subscription));
    return add_stored(j, packed, len);
}

/* ---- as text (json_write.h) ---- */

/* "key":"value", or nothing when value is not UTF-8 (or NULL), as
 * json_object_set_new(j, key, json_string(value)) leaves it. Returns
 * whether the next member is still the first. */
static int put_member(cjx_json_writer *w, const char *key, const char *value, int first)
{
    size_t mark = cjx_json_writer_len(w);
    if (!value)
        return first;
    cjx_json_put_key(w, key, first);
    if (cjx_json_put_string(w, value, 0) == CJX_EMALFORMED) {
        cjx_json_writer_cut(w, mark);
        return first;
    }
    return 0;
}

/* The same members in the same order as add_stored, with "subscription"
 * first when with_subscription. The entry is unpacked into the writer's
 * scratch memory, so nothing is allocated once that has grown. */
static cjx_err write_entry(cjx_json_writer *w, int with_subscription, const char *subscription,
                           const void *packed, size_t len)
{
    size_t mark = cjx_json_writer_len(w);
    ProtobufCAllocator *scratch = cjx_json_writer_scratch(w);
    Cjx__Stored *st = cjx__stored__unpack(scratch, len, packed);
    if (!st) {
        cjx_json_writer_scratch_reset(w);
        return CJX_EMALFORMED;
    }
    Cjx__Item *item = cjx__item__unpack(scratch, st->item.len, st->item.data);
    char text[40];
    int first = 1;
    cjx_json_put_char(w, '{');
    if (with_subscription)
        first = put_member(w, "subscription", subscription, first);
    cjx_json_put_key(w, "seq", first);
    cjx_json_put_int(w, (int64_t)st->seq); /* as json_integer((json_int_t)seq) */
    first = put_member(w, "id", st->id, 0);
    first = put_member(w, "kind", st->kind, first);
    change_text(text, st->change);
    first = put_member(w, "change", text, first);
    if (st->note[0])
        first = put_member(w, "note", st->note, first);
    first = put_member(w, "origin", st->origin, first);
    time_text(text, st->received_ms);
    first = put_member(w, "received", text, first);
    cjx_json_put_key(w, "item", first);
    /* each forgets its own failure: rc keeps it */
    cjx_err rc = item ? cjx_json_write_message(w, &item->base)
                      : cjx_json_write_raw(w, "null", 4);
    cjx_json_put_char(w, '}');
    cjx_json_writer_scratch_reset(w);
    if (rc == CJX_OK && !cjx_json_writer_ok(w))
        rc = CJX_ENOMEM;
    if (rc)
        cjx_json_writer_cut(w, mark);
    return rc;
}

cjx_err cjx_json_write_stored(cjx_json_writer *w, const void *packed, size_t len)
{
    return write_entry(w, 0, NULL, packed, len);
}

cjx_err cjx_json_write_event(cjx_json_writer *w, const char *subscription,
                             const void *packed, size_t len)
{
    return write_entry(w, 1, subscription, packed, len);
}
