/* json_int.h — what core's JSON files share and nothing else includes: the
 * rules of the message -> JSON mapping that json.c (jansson trees) and
 * json_write.c (text straight into a buffer) must apply alike, and the
 * writer's primitives stored_json.c builds the stored entry's envelope with.
 *
 * A rule lives here once so that the two outputs cannot drift apart;
 * tests/unit/json_write_test.c checks that they are byte for byte the same.
 */
#ifndef CJX_JSON_INT_H
#define CJX_JSON_INT_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "error.h"
#include "json_write.h"

/* ---- the mapping's rules (json.c) ---- */

/* The size of one stored value of type t: a repeated array's stride. */
size_t cjx_json_type_size(ProtobufCType t);

/* Whether non-repeated field fd of m is written (see json.c). */
int cjx_json_present(const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *m);

/* The name enum field fd writes for value e, or NULL when its descriptor
 * does not declare e (then the number is written). */
const char *cjx_json_enum_name(const ProtobufCFieldDescriptor *fd, int e);

/* The characters of n bytes in padded standard base64. */
#define CJX_JSON_BASE64_LEN(n) (4 * (((n) + 2) / 3))

/* Writes b as padded standard base64 at dst (CJX_JSON_BASE64_LEN(b->len)
 * bytes, no NUL). Returns the number of characters written. */
size_t cjx_json_base64(char *dst, const ProtobufCBinaryData *b);

/* A float or double as JSON: returns the string for a non-finite value
 * ("NaN", "Infinity", "-Infinity"); otherwise NULL, with *out the number to
 * write as a JSON real (a float is first cut to the shortest decimal that
 * reads back as the same float). */
const char *cjx_json_real(double x, int is_float, double *out);

/* ---- the writer's primitives (json_write.c) ---- */

/* Bytes written so far; a mark to give back to cjx_json_writer_cut. */
size_t cjx_json_writer_len(const cjx_json_writer *w);

/* Forgets what was written after mark, and that memory ran out. */
void cjx_json_writer_cut(cjx_json_writer *w, size_t mark);

/* Whether every write since w was cleared had the memory it needed; the
 * primitives below do nothing once one has not. */
int cjx_json_writer_ok(const cjx_json_writer *w);

/* One character; the integer the way jansson writes json_integer(x). */
void cjx_json_put_char(cjx_json_writer *w, char c);
void cjx_json_put_int(cjx_json_writer *w, int64_t x);

/* s as a JSON string, escaped as jansson escapes it (\" \\ \b \f \n \r \t,
 * other control characters \u00XX; '/' and non-ASCII as they are). A byte
 * that is not part of a well-formed UTF-8 character is written '?' when
 * repair is set, as cjx_utf8_repair does; otherwise such a string writes
 * nothing and CJX_EMALFORMED is returned (jansson refuses the string). */
cjx_err cjx_json_put_string(cjx_json_writer *w, const char *s, int repair);

/* "key": for a member of an object; comma first unless it is the first. */
void cjx_json_put_key(cjx_json_writer *w, const char *key, int first);

/* Scratch memory for unpacking one entry: protobuf-c allocates from it,
 * its free does nothing, and cjx_json_writer_scratch_reset takes it all
 * back at once (keeping the memory, so the steady state does not call
 * malloc). What was unpacked with it is gone after the reset. */
ProtobufCAllocator *cjx_json_writer_scratch(cjx_json_writer *w);
void cjx_json_writer_scratch_reset(cjx_json_writer *w);

#endif
