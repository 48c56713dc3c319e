/* validate_rules.h — internal to validation: the interface between the
 * generic message walker (validate.c), the plan of rules resolved per
 * descriptor (validate_plan.c) and the rule tables (validate_rules.c for
 * single values, validate_messages.c for whole messages and items).
 *
 * The tables are keyed by field and message names. Matching names for every
 * value of every item is what made validation slow, so the names are matched
 * once: the plan holds, for every message type reachable from cjx.Item, a
 * cjx_vmsg with the rules of the type and a cjx_vfield per field, and the
 * walker hands those to the cjx_vr_* checks. A value's dotted path is kept as
 * a chain of segments on the walker's stack (cjx_vpath) and written out only
 * when a fault is reported. Nothing outside validate*.c includes this.
 */
#ifndef CJX_VALIDATE_RULES_H
#define CJX_VALIDATE_RULES_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "validate.h"

/* Room for a dotted field path, the size of cjx_fault.field. */
#define CJX_VR_PATH sizeof(((cjx_fault *)0)->field)

/* What every check needs: the catalogues and where to report. */
typedef struct cjx_vctx {
    const cjx_validator *v;
    cjx_fault *f;
} cjx_vctx;

/* Where a value sits in the item: one segment per field, linked to the
 * message holding it; NULL stands for the item itself. Segments live on the
 * walker's stack and are valid only during the call they are passed to. */
typedef struct cjx_vpath {
    const struct cjx_vpath *up;
    const char *name;               /* the field's name */
    int index;                      /* entry of a repeated field, or -1 */
} cjx_vpath;

/* ---- the plan (validate_plan.c) ---- */

/* One rule row bound to the fields of a message type it reads. */
typedef struct cjx_vcheck {
    const void *rule;               /* the row, for rules that need it */
    const ProtobufCFieldDescriptor *a, *b;  /* b is NULL for one field */
} cjx_vcheck;

/* A run of checks in the plan's storage. */
typedef struct cjx_vspan {
    const cjx_vcheck *v;
    unsigned n;
} cjx_vspan;

/* Room that binding appends checks to (the plan's storage). */
typedef struct cjx_vpool {
    cjx_vcheck *v;
    unsigned n, cap;
} cjx_vpool;

struct cjx_vmsg;
struct cjx_vr_string_rule;          /* rows of validate_rules.c's tables */
struct cjx_vr_int_rule;

/* The rules of one field, resolved from its name. */
typedef struct cjx_vfield {
    const ProtobufCFieldDescriptor *fd;
    const struct cjx_vmsg *sub;     /* message fields: the plan of the type */
    const struct cjx_vr_string_rule *string;  /* code or date rule, or NULL */
    const struct cjx_vr_int_rule *range;      /* number range, or NULL */
    size_t max_chars;               /* strings: longest, in code points */
    unsigned char personal;         /* a pii_ field: value never shown */
    unsigned char recruiting;       /* a kind whose postings recruit people */
    cjx_vspan kind_required;        /* a kind: fields its postings must fill */
} cjx_vfield;

/* The rules of one message type. */
typedef struct cjx_vmsg {
    const ProtobufCMessageDescriptor *d;
    const cjx_vfield *fields;       /* d->n_fields, in the order of d->fields */
    cjx_vspan required;             /* a: a field that must not be empty */
    cjx_vspan any_of;               /* a, b: one of them must not be empty */
    cjx_vspan order;                /* rule: order row; a: lo; b: hi */
    cjx_vspan scanned;              /* a: a text field scanned for wording */
} cjx_vmsg;

/* The plan of message type d, or NULL when d is not reachable from cjx.Item
 * or the plan did not fit its storage. Builds the plan on first use; it is
 * read-only afterwards, so any thread may call this. Static storage. */
const cjx_vmsg *cjx_vr_plan(const ProtobufCMessageDescriptor *d);

/* The plan for message m: hint when it is of m's type (the type a field
 * declares), else cjx_vr_plan(m->descriptor). */
const cjx_vmsg *cjx_vr_plan_of(const cjx_vmsg *hint, const ProtobufCMessage *m);

/* ---- binding: filling the plan from the tables, at build time only ---- */

/* Fills vf's value rules from vf->fd's name (validate_rules.c). */
void cjx_vr_bind_field(cjx_vfield *vf);

/* Fills vm's message rules, and the kind rules of its fields (which are
 * fields[0 .. vm->d->n_fields)), appending checks to pool
 * (validate_messages.c). Returns 0 when pool is full. */
int cjx_vr_bind_message(cjx_vmsg *vm, cjx_vfield *fields, cjx_vpool *pool);

/* Prepares the discriminatory-wording scan; called once, before the plan is
 * used (validate_messages.c). */
void cjx_vr_bind_wording(void);

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

/* Writes the dotted path of at, followed by ".name" when name is not NULL
 * ("posting.major_codes[1]", "record.graduate_outcome.graduate"), into
 * buf[CJX_VR_PATH], cut to fit. */
void cjx_vr_path(char *buf, const cjx_vpath *at, const char *name);

/* Reports a fault about the field at at (and name, as cjx_vr_path) in x->f
 * and returns code. */
cjx_err cjx_vr_fault(const cjx_vctx *x, cjx_err code, const cjx_vpath *at,
                     const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- value rules (validate_rules.c); each returns CJX_OK or fills x->f ---- */

/* One string value at at: valid UTF-8, length in code points, and the code
 * or date rule its field name selects. Empty strings pass (see required). */
cjx_err cjx_vr_string(const cjx_vctx *x, const cjx_vfield *vf, const char *s,
                      const cjx_vpath *at);

/* One value of a signed integer field: never negative; year ranges. */
cjx_err cjx_vr_integer(const cjx_vctx *x, const cjx_vfield *vf, long long n,
                       const cjx_vpath *at);

/* One value of an enum field: must be a value the schema declares. */
cjx_err cjx_vr_enum(const cjx_vctx *x, const cjx_vfield *vf, int value,
                    const cjx_vpath *at);

/* ---- message rules (validate_messages.c) ---- */

/* Before m's fields: the fields m's type (planned as vm) requires. */
cjx_err cjx_vr_required(const cjx_vctx *x, const ProtobufCMessage *m,
                        const cjx_vmsg *vm, const cjx_vpath *at);

/* After m's fields passed: rules between fields of m (date and number
 * order, skill levels). */
cjx_err cjx_vr_cross(const cjx_vctx *x, const ProtobufCMessage *m,
                     const cjx_vmsg *vm, const cjx_vpath *at);

/* Last: rules spanning a posting and its detail (requirements and
 * discriminatory wording in postings that recruit people). */
cjx_err cjx_vr_item(const cjx_vctx *x, const Cjx__Item *item);

/* For the tests: NULL when every message and field the rule tables name
 * exists in the schema, else the first name that does not. */
const char *cjx_vr_table_check(void);

#endif
