/* import_row.h — one row of an exported file as one item: the row's cells
 * (through the kind's mapping) or a JSON object become an Item, which gets
 * the agent's credit code as its origin, pseudonyms for its people, its ref
 * from the natural key, passes validation (validate.h) and is packed.
 */
#ifndef CJX_IMPORT_ROW_H
#define CJX_IMPORT_ROW_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "error.h"
#include "import_map.h"
#include "validate.h"

#define CJX_IMPORT_HASH_LEN 16

/* What turning rows into items needs; all borrowed. */
typedef struct cjx_import_ctx {
    const cjx_validator *validator;
    const char *credit_code;            /* the agent's institution */
    const uint8_t *pseudonym_key;       /* CJX_PSEUDONYM_KEY_LEN bytes */
    const cjx_import_map *map;          /* NULL for whole items only */
} cjx_import_ctx;

/* An item made from one row. */
typedef struct cjx_import_item {
    ProtobufCBinaryData packed;         /* owned */
    char key[112];                      /* "<kind>/<ref>": its natural key */
    int is_posting;
    size_t row;                         /* where in the file it came from */
    uint8_t hash[CJX_IMPORT_HASH_LEN];  /* of packed: unchanged rows are skipped */
} cjx_import_item;

/* Makes the JSON item ({"posting": {…}}) of one row: cells[i] under
 * cols[i] (empty cells are skipped), then m's defaults for fields no cell
 * filled. On failure *bad is the index of the column at fault (or n when
 * none is). Caller owns *out. */
cjx_err cjx_import_row_json(const cjx_import_map *m, const cjx_import_column *cols,
                            char *const *cells, size_t n, json_t **out, size_t *bad,
                            cjx_fault *f);

/* True when obj is a whole item ({"posting": …}, {"record": …} or
 * {"status_change": …}) rather than a row of columns. */
int cjx_import_is_item(const json_t *obj);

/* Maps, completes, validates and packs one JSON item into *out (caller
 * frees out->packed.data). A posting or record without a ref gets one from
 * the mapping's natural key: "<kind>-" and 16 hex digits of a hash of the
 * key's values. Returns CJX_OK or the first fault, with its field path. */
cjx_err cjx_import_make_item(const cjx_import_ctx *c, const json_t *obj, cjx_import_item *out,
                        cjx_fault *f);

/* The column among cols that a fault's field path ("posting.job.headcount",
 * "record.graduate_outcome.graduate") is about: the column filling exactly
 * it, else one filling a field inside it. n when none does. */
size_t cjx_import_column_of(const cjx_import_column *cols, size_t n, const char *field);

#endif
