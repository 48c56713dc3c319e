/* json.h — one generic mapping between JSON and protobuf messages, driven by
 * protobuf-c's descriptors (no function per message).
 *
 * JSON keys are the proto field names; null for a field means "not set".
 * Enums are their value names (the full name "CLUSTER_INFORMATION_TECH", or
 * without the enum's common prefix, case-insensitive: "information_tech"),
 * or declared numbers. 64-bit integers are JSON numbers (strings of digits
 * are accepted too, and a uint64 above 2^63-1 is written as one, since
 * jansson's integers are signed). float and double take any number, or
 * "NaN", "Infinity", "-Infinity". bytes are base64 (standard or URL-safe,
 * padding optional; written standard and padded). A oneof is whichever of its
 * members is present. Fields at their default value are omitted on output,
 * except a oneof's set member and a proto3 optional that is present.
 */
#ifndef CJX_JSON_H
#define CJX_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "error.h"

/* Builds a message of type d from the JSON object in (borrowed). On success
 * *out is a new message the caller frees with
 * protobuf_c_message_free_unpacked(*out, NULL). On failure nothing stays
 * allocated, *out is untouched, and *f (may be NULL) names the dotted field
 * path ("posting.major_codes[2]") and the reason: CJX_EMALFORMED (wrong JSON
 * type, number out of the field's range, a negative number for an unsigned
 * field, bad base64, nesting deeper than 32), CJX_EFIELD (unknown key),
 * CJX_ERANGE (unknown enum name or undeclared enum number), CJX_EPROTOCOL
 * (two members of one oneof), CJX_ENOMEM, CJX_EINVAL (a NULL argument).
 * Checks only the JSON's shape and types; the domain rules are validate.h's. */
cjx_err cjx_json_to_message(const json_t *in, const ProtobufCMessageDescriptor *d,
                            ProtobufCMessage **out, cjx_fault *f);

/* Parses len bytes of JSON text (no NUL needed) then maps them as above; a
 * syntax error or a duplicate key is CJX_EMALFORMED with line and column in
 * f->text and an empty f->field. The caller bounds len. */
cjx_err cjx_json_parse_message(const char *text, size_t len,
                               const ProtobufCMessageDescriptor *d,
                               ProtobufCMessage **out, cjx_fault *f);

/* Returns a new JSON object for m (caller owns the reference), keys in field
 * order; an enum number m's descriptor does not declare is written as a
 * number. NULL when out of memory, or when a string field is not valid UTF-8
 * (jansson refuses it; protobuf-c's unpack does not check). */
json_t *cjx_json_from_message(const ProtobufCMessage *m);

/* The JSON object for one packed cjx.Stored entry: seq, id, kind, origin,
 * received (ISO 8601, UTC) and item. Caller owns the reference; NULL when
 * the bytes are not a Stored entry. */
json_t *cjx_stored_json(const void *packed, size_t len);

/* The same, with "subscription": name first: a feed event's line. */
json_t *cjx_event_json(const char *subscription, const void *packed, size_t len);

#endif
