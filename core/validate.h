/* validate.h — validation of items, shared by the cjx tool, the agent and
 * the hub.
 *
 * One generic routine walks any message through its protobuf-c descriptor
 * and applies the rules that hang off field names (validate_rules.c: codes,
 * dates, lengths, non-negative numbers, enum ranges) and message names
 * (validate_messages.c: required fields, and a few cross-field rules such as
 * valid_until after valid_from, pay_min ≤ pay_max). Names are matched once
 * per field of the schema, not per item (validate_plan.c).
 */
#ifndef CJX_VALIDATE_H
#define CJX_VALIDATE_H

#include <protobuf-c/protobuf-c.h>

#include "codes.h"
#include "domain.pb-c.h"
#include "error.h"

/* The catalogues validation checks codes against. Validation only reads
 * them (hence const); those loaded by cjx_validator_open are owned by the
 * validator and freed by cjx_validator_close. One validator may be shared
 * by threads once open. */
typedef struct cjx_validator {
    const cjx_catalog *majors;
    const cjx_catalog *divisions;
} cjx_validator;

/* Loads majors.csv and divisions.csv from dir into *v (the catalogues are
 * owned by *v; free with cjx_validator_close). Also resolves the rule tables
 * against the schema, once per process, so the first item is not slower. */
cjx_err cjx_validator_open(cjx_validator *v, const char *dir, cjx_fault *f);
void cjx_validator_close(cjx_validator *v);

/* Validates one item (v and item are only read; f may be NULL). Returns
 * CJX_OK, or the first rule broken with the field's dotted path
 * ("posting.job.headcount", "posting.major_codes[1]") and a reason in *f:
 * CJX_EKIND (no body or no detail), CJX_EREQUIRED, CJX_ELENGTH (lengths in
 * Unicode code points), CJX_EMALFORMED (not UTF-8), CJX_ERANGE, CJX_ECODE,
 * CJX_ECHECKCHAR, CJX_EDIVISION, CJX_EMAJOR, CJX_EDATE, CJX_EWORDING, or
 * CJX_EINVAL when v lacks a catalogue a code must be checked against.
 * Values of pii_ fields never appear in f->text. */
cjx_err cjx_validate_item(const cjx_validator *v, const Cjx__Item *item,
                          cjx_fault *f);

/* The item's kind: the name of the detail field that is set ("job",
 * "graduate_outcome"), or NULL when the item has no body or no detail. */
const char *cjx_item_kind(const Cjx__Item *item);

/* The field naming who publishes item (posting.publisher_credit_code,
 * record.reporter_credit_code, status_change.publisher_credit_code), and its
 * dotted path in *field; NULL for other bodies. */
char **cjx_item_origin(Cjx__Item *item, const char **field);

/* True when field name marks personal data (the "pii_" naming rule). */
int cjx_field_is_personal(const ProtobufCFieldDescriptor *field);

#endif
