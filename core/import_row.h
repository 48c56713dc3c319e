/* import_row.h — one row of an exported file as one item: the row's cells
 * (through the kind's mapping) or a JSON object become an Item, which gets
 * the agent's credit code as its origin, pseudonyms for its people, its ref
 * from the natural key, passes validation (validate.h) and is packed.
 *
 * cjx_import_pack_json is the one way JSON becomes a packed item on an
 * agent: `cjx post` (agents/cli_post.c) uses it too.
 */
#ifndef CJX_IMPORT_ROW_H
#define CJX_IMPORT_ROW_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "domain.pb-c.h"
#include "error.h"
#include "import_map.h"
#include "state.h"
#include "validate.h"

#define CJX_IMPORT_HASH_LEN 16
/* A natural key: "posting/", "record/" or "status_change/", then the ref
 * (at most CJX_REF_MAX_BYTES, which validation checks), then a NUL. The hub
 * keys postings by institution, class and ref (state.h), not by kind: so do
 * imports. */
#define CJX_IMPORT_KEY_MAX (sizeof "status_change/" + CJX_REF_MAX_BYTES)
#define CJX_IMPORT_KIND_MAX 32

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
    char *key;                          /* owned: "<class>/<ref>", its natural key */
    char kind[CJX_IMPORT_KIND_MAX];     /* "job", …; "" for a status change */
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

/* Called by cjx_import_pack_json after pseudonyms are made and before
 * validation, to complete the item (the import derives refs). */
typedef cjx_err (*cjx_import_fill_fn)(void *ctx, Cjx__Item *item, cjx_fault *f);

/* The steps every item given to an agent goes through, typed or imported:
 * JSON to Item, its body checked, pseudonyms for its people (personal.h),
 * fill (may be NULL), the agent's institution as origin when it names none,
 * validation, an item naming another institution refused (after validation,
 * so a malformed code is told as such), the size limit, packing. On success
 * *packed holds new bytes the caller frees, and *item_out (when not NULL) the
 * Item, which the caller frees with cjx__item__free_unpacked. Returns CJX_OK
 * or the first fault, with its field path. */
cjx_err cjx_import_pack_json(const json_t *obj, const cjx_validator *v, const char *credit_code,
                             const uint8_t *pseudonym_key, cjx_import_fill_fn fill, void *ctx,
                             ProtobufCBinaryData *packed, Cjx__Item **item_out, cjx_fault *f);

/* Maps, completes, validates and packs one JSON item into *out (caller
 * frees out->packed.data and out->key). A posting or record without a ref
 * gets one from the mapping's natural key: "<kind>-" and 16 hex digits of a
 * hash of the key's values. Returns CJX_OK or the first fault, with its
 * field path. */
cjx_err cjx_import_make_item(const cjx_import_ctx *c, const json_t *obj, cjx_import_item *out,
                        cjx_fault *f);

/* The column among cols that a fault's field path ("posting.job.headcount",
 * "record.graduate_outcome.graduate") is about: the column filling exactly
 * it, else one filling a field inside it. n when none does. */
size_t cjx_import_column_of(const cjx_import_column *cols, size_t n, const char *field);

#endif
