/* validate_rules.h — internal to validation: the interface between the
 * generic message walker (validate.c) and the rule tables (validate_rules.c).
 *
 * The walker visits every set field of an item through its protobuf-c
 * descriptor and calls the cjx_vr_* checks below; the checks look rules up
 * by field and message name. Nothing outside validate*.c includes this.
 */
#ifndef CJX_VALIDATE_RULES_H
#define CJX_VALIDATE_RULES_H

#include <protobuf-c/protobuf-c.h>

#include "validate.h"

/* Room for a dotted field path, the size of cjx_fault.field. */
#define CJX_VR_PATH sizeof(((cjx_fault *)0)->field)

/* What every check needs: the catalogues and where to report. */
typedef struct cjx_vctx {
    const cjx_validator *v;
    cjx_fault *f;
} cjx_vctx;

/* ---- field access through descriptors (validate.c) ---- */

/* Address of fd's storage inside m (for repeated fields, of the array
 * pointer). */
const void *cjx_vr_value(const ProtobufCMessage *m,
                         const ProtobufCFieldDescriptor *fd);

/* True when fd carries a value in m: an unselected oneof member or an
 * unset proto3 `optional` scalar does not. */
int cjx_vr_is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd);

/* True when fd counts as missing for a required field: not set, an empty or
 * blank string, a zero number or enum, false, no sub-message, no entries. */
int cjx_vr_empty(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd);

/* The string value of fd in m ("" when unset or not a string). */
const char *cjx_vr_string_of(const ProtobufCMessage *m,
                             const ProtobufCFieldDescriptor *fd);

/* Reads a singular integer, enum or bool field as a long long; returns 0
 * when fd is of another type. */
int cjx_vr_int_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd,
                  long long *out);

/* The set member of m's first oneof, or NULL (members that are messages
 * count only with a message attached). */
const ProtobufCFieldDescriptor *cjx_vr_oneof(const ProtobufCMessage *m);

/* Writes "path.name" (or "name" when path is empty) into buf[CJX_VR_PATH]. */
void cjx_vr_join(char *buf, const char *path, const char *name);

/* ---- rules (validate_rules.c); each returns CJX_OK or fills x->f ---- */

/* One string value at path: valid UTF-8, length in code points, and the code
 * or date rule its field name selects. Empty strings pass (see required). */
cjx_err cjx_vr_string(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                      const char *s, const char *path);

/* One value of a signed integer field: never negative; year ranges. */
cjx_err cjx_vr_integer(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                       long long n, const char *path);

/* One value of an enum field: must be a value the schema declares. */
cjx_err cjx_vr_enum(const cjx_vctx *x, const ProtobufCFieldDescriptor *fd,
                    int value, const char *path);

/* Before m's fields: the fields m's message type requires. */
cjx_err cjx_vr_required(const cjx_vctx *x, const ProtobufCMessage *m,
                        const char *path);

/* After m's fields passed: rules between fields of m (date and number
 * order, skill levels). */
cjx_err cjx_vr_cross(const cjx_vctx *x, const ProtobufCMessage *m,
                     const char *path);

/* Last: rules spanning a posting and its detail (requirements and
 * discriminatory wording in postings that recruit people). */
cjx_err cjx_vr_item(const cjx_vctx *x, const Cjx__Item *item);

/* For the tests: NULL when every message and field the rule tables name
 * exists in the schema, else the first name that does not. */
const char *cjx_vr_table_check(void);

#endif
