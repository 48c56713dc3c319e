/* stored_json.c — the JSON form of a stored entry, as `cjx get`, `cjx list`,
 * `cjx feed` and feed sinks show it: its sequence, id, kind, the change it
 * made ("new", "update", "fill", "withdraw", "expire"), origin, arrival time
 * and the item itself.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "protocol.pb-c.h"
#include "domain.pb-c.h"

static json_t *iso_time(int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[40];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

/* "update" for CHANGE_UPDATE. */
static json_t *change_name(Cjx__Change change)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&cjx__change__descriptor, (int)change);
    char buf[32] = "unknown";
    if (v && strlen(v->name) < sizeof buf + 7)
        for (size_t i = 0; i <= strlen(v->name + 7); i++)
            buf[i] = (char)tolower((unsigned char)v->name[7 + i]);
    return json_string(buf);
}

/* Adds the fields of the stored entry to j; NULL (j dropped) when it does
 * not decode. */
static json_t *add_stored(json_t *j, const void *packed, size_t len)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, len, packed);
    if (!st) {
        json_decref(j);
        return NULL;
    }
    Cjx__Item *item = cjx__item__unpack(NULL, st->item.len, st->item.data);
    json_object_set_new(j, "seq", json_integer((json_int_t)st->seq));
    json_object_set_new(j, "id", json_string(st->id));
    json_object_set_new(j, "kind", json_string(st->kind));
    json_object_set_new(j, "change", change_name(st->change));
    if (st->note[0])
        json_object_set_new(j, "note", json_string(st->note));
    json_object_set_new(j, "origin", json_string(st->origin));
    json_object_set_new(j, "received", iso_time(st->received_ms));
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
