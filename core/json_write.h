/* json_write.h — JSON text written straight from protobuf-c messages and
 * stored entries into a growable buffer, with no jansson tree in between:
 * the feed sinks' hot path (every event an agent delivers becomes a line).
 *
 * The text is byte for byte what jansson gives for the trees json.h builds:
 * json_dumpb(cjx_json_from_message(m)) and json_dumpb(cjx_event_json(…)) with
 * JSON_COMPACT | JSON_PRESERVE_ORDER (same keys in the same order, same
 * escaping, same numbers). json.h describes the mapping itself.
 *
 * A writer keeps its buffer and its scratch memory between calls, so one
 * writer reused for every event does not allocate once it has grown to the
 * largest line.
 */
#ifndef CJX_JSON_WRITE_H
#define CJX_JSON_WRITE_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "error.h"

typedef struct cjx_json_writer cjx_json_writer;

/* A new, empty writer; NULL when out of memory. Caller destroys it. */
cjx_json_writer *cjx_json_writer_new(void);

/* Frees w and all it holds; accepts NULL and sets *self_p to NULL. */
void cjx_json_writer_destroy(cjx_json_writer **self_p);

/* Empties the text (the memory is kept for the next lines). */
void cjx_json_writer_clear(cjx_json_writer *w);

/* The text written since the last clear, *len bytes, not NUL-terminated;
 * valid until the next call on w. */
const char *cjx_json_writer_data(const cjx_json_writer *w, size_t *len);

/* Each of the following appends to the text and returns CJX_OK, or an error
 * with the text as it was before the call. */

/* Appends n bytes as they are (a newline between lines). CJX_ENOMEM. */
cjx_err cjx_json_write_raw(cjx_json_writer *w, const char *s, size_t n);

/* Appends the JSON object for m, as cjx_json_from_message(m) dumps.
 * CJX_ENOMEM. */
cjx_err cjx_json_write_message(cjx_json_writer *w, const ProtobufCMessage *m);

/* Appends the JSON object of one packed cjx.Stored entry, as
 * cjx_stored_json(packed, len) dumps (stored_json.c). CJX_EMALFORMED when
 * the bytes are not a Stored entry, CJX_ENOMEM. */
cjx_err cjx_json_write_stored(cjx_json_writer *w, const void *packed, size_t len);

/* The same with "subscription": name first, as cjx_event_json dumps: a feed
 * event's line (without its newline). */
cjx_err cjx_json_write_event(cjx_json_writer *w, const char *subscription,
                             const void *packed, size_t len);

#endif
