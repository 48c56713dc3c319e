/* personal.h — personal data in items: fields named pii_* (the schema's
 * rule, cjx_field_is_personal). The owning agent fills each person's
 * pseudonym with a keyed hash of the ID number (or the name), and sends the
 * pii_ fields on only for kinds the hub's policy names a receiver for; the
 * hub strips them from what it delivers to anyone else.
 */
#ifndef CJX_PERSONAL_H
#define CJX_PERSONAL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define CJX_PSEUDONYM_KEY_LEN 32

/* Calls fn with the name of each personal field that is set in m (at any
 * depth); returns how many there are. fn may be NULL. */
size_t cjx_personal_fields(const ProtobufCMessage *m, void (*fn)(void *, const char *), void *ctx);

/* Whether the packed message of type d may have a personal field set,
 * read straight from the wire, without unpacking or allocating: 0 means
 * cjx_personal_fields would find none; 1 (also for bytes that do not
 * parse) means it may, and only it can tell. */
int cjx_personal_maybe_packed(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                              size_t len);

/* Clears every personal field of m (a message unpacked or built with the
 * system allocator). Returns how many were set. */
size_t cjx_personal_strip(ProtobufCMessage *m);

/* Fills every empty "pseudonym" beside personal fields with "p:" and 16
 * hex digits of HMAC-SHA-256(key, pii_id_number, else pii_name). Returns 0,
 * or -1 when memory ran out. */
int cjx_personal_pseudonymize(ProtobufCMessage *m, const uint8_t key[CJX_PSEUDONYM_KEY_LEN]);

/* For a packed Stored entry: when its item has personal fields, writes a
 * copy without them to *out (caller frees) and returns 1; 0 when there is
 * nothing to strip; -1 when it does not decode or memory ran out. */
int cjx_personal_redact_stored(const void *data, size_t len, uint8_t **out, size_t *out_len);

#endif
