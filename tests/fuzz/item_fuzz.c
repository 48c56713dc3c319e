/* item_fuzz.c — libFuzzer harness for a packed cjx.Item from a peer.
 *
 * The bytes are what a Publish frame carries: cjx__item__unpack, then
 * cjx_validate_item on the catalogues of config/, as the hub does. An item
 * that passes is written as JSON (what `cjx get` prints) and that JSON must
 * map back to an Item (what `cjx post` reads): a valid item that cannot be
 * posted again is a find too.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "json.h"

/* The JSON of a valid item maps back to an Item. */
static void round_trip(const Cjx__Item *item)
{
    json_t *j = cjx_json_from_message(&item->base);
    if (!j)
        return; /* not UTF-8 somewhere validation does not look: documented */
    ProtobufCMessage *back = NULL;
    cjx_fault f = {0};
    cjx_err rc = cjx_json_to_message(j, &cjx__item__descriptor, &back, &f);
    if (rc != CJX_OK) {
        fprintf(stderr, "item_fuzz: valid item's JSON does not map back: %s: %s [%s]\n",
                f.field, f.text, cjx_err_name(rc));
        abort();
    }
    protobuf_c_message_free_unpacked(back, NULL);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Cjx__Item *item = cjx__item__unpack(NULL, size, data);
    if (!item)
        return 0;
    cjx_fault f = {0};
    (void)cjx_item_kind(item);
    if (cjx_validate_item(cjx_fuzz_validator(), item, &f) == CJX_OK)
        round_trip(item);
    cjx__item__free_unpacked(item, NULL);
    return 0;
}
