/* json_fuzz.c — libFuzzer harness for JSON import: what `cjx post` does
 * with one JSON value (agents/cli_post.c).
 *
 * The value (an object, or an array of them) is mapped into a cjx.Item by
 * cjx_json_to_message, given the agent's credit code as origin when it has
 * none, validated on the catalogues of config/, and packed; the packed item
 * must unpack again. The bytes also go whole to cjx_json_parse_message, the
 * strict entry point (no duplicate keys).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz.h"
#include "json.h"

/* The agent this input is posted through (config/agents/changzhi-vtc.ini). */
#define CODE "12140400405710843M"

/* Mirrors the agent's fill_origin (core/import_row.c): an empty origin
 * becomes the agent's. */
static int set_origin(Cjx__Item *item)
{
    const char *field;
    char **origin = cjx_item_origin(item, &field);
    if (!origin || (*origin)[0] != '\0')
        return 0; /* none, or validation (and the hub) judge it */
    char *copy = strdup(CODE);
    if (!copy)
        return -1;
    if (*origin != protobuf_c_empty_string)
        free(*origin); /* "" given in the input: allocated, unlike the default */
    *origin = copy;
    return 0;
}

/* One element of the input, as cli_post.c's add_item takes it. */
static void post_one(const json_t *obj)
{
    ProtobufCMessage *msg = NULL;
    cjx_fault f = {0};
    if (cjx_json_to_message(obj, &cjx__item__descriptor, &msg, &f) != CJX_OK)
        return;
    Cjx__Item *item = (Cjx__Item *)msg;
    if (item->body_case != CJX__ITEM__BODY__NOT_SET && set_origin(item) == 0 &&
        cjx_validate_item(cjx_fuzz_validator(), item, &f) == CJX_OK &&
        cjx__item__get_packed_size(item) <= CJX_MAX_ITEM_BYTES) {
        size_t len = cjx__item__get_packed_size(item);
        uint8_t *buf = malloc(len ? len : 1);
        if (buf) {
            cjx__item__pack(item, buf);
            Cjx__Item *back = cjx__item__unpack(NULL, len, buf);
            if (!back)
                abort(); /* what post stores, the hub could not read */
            cjx__item__free_unpacked(back, NULL);
            free(buf);
        }
    }
    protobuf_c_message_free_unpacked(msg, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *val = json_loadb((const char *)data, size, JSON_DISABLE_EOF_CHECK, &err);
    if (val) {
        if (json_is_array(val)) {
            size_t i;
            json_t *el;
            json_array_foreach(val, i, el) post_one(el);
        } else {
            post_one(val);
        }
        json_decref(val);
    }

    ProtobufCMessage *msg = NULL;
    cjx_fault f = {0};
    if (cjx_json_parse_message((const char *)data, size, &cjx__item__descriptor, &msg, &f) ==
        CJX_OK)
        protobuf_c_message_free_unpacked(msg, NULL);
    return 0;
}
