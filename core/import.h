/* import.h — importing one exported file into the agent's outbox: what the
 * agent's inbox (agents/agent_inbox.c) and `cjx import` share.
 *
 * A file is a CSV with a header row (UTF-8 with or without a BOM, or
 * GB18030; comma or tab separated), JSON Lines or a JSON array. JSON holds
 * whole items ({"posting": {…}}, as `cjx post` takes) or flat rows keyed by
 * column names, like a CSV's. Columns become fields through the kind's
 * mapping (import_map.h); the kind comes from the caller, else from the
 * file's name, else from a default.
 *
 * The work is split so a daemon can keep serving while a large file goes in:
 * cjx_import_open reads and decodes the file, cjx_import_step turns rows into
 * packed items a slice at a time, cjx_import_commit stores them, in one
 * transaction (import_store.c). Every refused row is kept with its row
 * number, column, value and reason, for the report (NAME.errors.csv).
 */
#ifndef CJX_IMPORT_H
#define CJX_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "import_csv.h"
#include "import_row.h"
#include "outbox.h"

/* Files above this size are refused whole. */
#define CJX_IMPORT_MAX_BYTES ((size_t)1 << 30)
/* Refusals kept in detail; the rest are counted. */
#define CJX_IMPORT_MAX_REFUSALS 10000

typedef struct cjx_import_options {
    const char *mapping_dir;            /* the kinds' mappings (import_map.h) */
    const char *kind;                   /* NULL or "": from the file's name … */
    const char *default_kind;           /* … or else this (NULL or "": none) */
    cjx_encoding encoding;
    const cjx_validator *validator;     /* borrowed, as the rest */
    const char *credit_code;
    const uint8_t *pseudonym_key;
} cjx_import_options;

/* One refused row (or the header: its line, or row 0 for the whole file). */
typedef struct cjx_import_refusal {
    size_t row;                         /* CSV: its line; JSON: its line, or
                                         * its number in an array */
    char column[CJX_IMPORT_NAME_MAX];   /* the column (or field path) at fault */
    char value[CJX_IMPORT_TEXT_MAX];    /* its text, cut to fit; never for pii_ fields */
    cjx_fault fault;
} cjx_import_refusal;

typedef struct cjx_import_stats {
    const char *format;                 /* "csv", "jsonl", "json" */
    const char *encoding;               /* what was read: "utf-8", "gb18030" */
    const char *kind;                   /* "" when the rows are whole items */
    size_t rows, accepted, refused;
} cjx_import_stats;

typedef struct cjx_import cjx_import;

/* Reads path and gets ready to convert it. A file that cannot be read
 * (missing, over CJX_IMPORT_MAX_BYTES) fails with CJX_EIO; a file that can be
 * read but not understood (bytes of no encoding, an unknown column, no kind)
 * opens with that as its one refusal and no rows. On success the caller
 * destroys *out. o and what it points to must outlive the import. */
cjx_err cjx_import_open(const char *path, const cjx_import_options *o, cjx_import **out,
                        cjx_fault *f);
void cjx_import_destroy(cjx_import **self_p);

/* Converts up to max more rows. Returns 1 while rows remain, 0 when all are
 * done, -1 when memory ran out (the import is then refused whole). */
int cjx_import_step(cjx_import *im, size_t max);

/* How far it got: 0 to 1, by bytes (CSV, JSON Lines) or items (array). */
double cjx_import_progress(const cjx_import *im);

cjx_import_stats cjx_import_get_stats(const cjx_import *im);
const char *cjx_import_path(const cjx_import *im);

/* The refusals kept, in row order (at most CJX_IMPORT_MAX_REFUSALS). */
const cjx_import_refusal *cjx_import_refusals(const cjx_import *im, size_t *n);

/* The items made, in row order. */
const cjx_import_item *cjx_import_items(const cjx_import *im, size_t *n);

/* True when the file holds an item under this natural key ("posting/REF"). */
int cjx_import_has_key(const cjx_import *im, const char *key);

/* Writes the refusals as CSV (UTF-8 with a BOM, so Excel reads it): row,
 * column, value, reason, code. Returns CJX_OK or CJX_EIO. */
cjx_err cjx_import_write_report(const cjx_import *im, const char *path, cjx_fault *f);

/* The same report for a file refused whole before any row was read (it
 * cannot be read, or the store would not take it): one line, row 0, why. */
cjx_err cjx_import_write_fault_report(const cjx_fault *why, const char *path, cjx_fault *f);

/* A complete export withdraws at most this share of its kind's postings
 * unless the policy says otherwise (agent config import_withdraw_max_percent). */
#define CJX_IMPORT_WITHDRAW_MAX_PERCENT 50

/* What the file's import does to the store (import_store.c). */
typedef struct cjx_import_policy {
    int valid_rows;     /* store the valid rows of a file with refused ones */
    int complete;       /* the file holds every open posting of its kind:
                         * withdraw those an earlier import of that kind
                         * published and it lacks (only when no row is
                         * refused) */
    int withdraw_max_percent; /* … unless that is more than this share of the
                         * kind's imported postings, or the file holds none:
                         * then nothing is withdrawn. 0: the default above */
    int dry_run;        /* store nothing, not even the status */
} cjx_import_policy;

typedef struct cjx_import_result {
    size_t stored;      /* items appended to the outbox */
    size_t unchanged;   /* rows as the last import of their key left them: skipped */
    size_t withdrawn;   /* postings withdrawn (complete exports) */
    uint64_t first_seq; /* the first item's outbox sequence, when stored */
    int imported;       /* the valid rows went in (else none did) */
    char withdraw_refused[200]; /* why a complete export withdrew nothing, or "" */
} cjx_import_result;

/* Stores the import in one synced transaction: the items whose natural key
 * is new or whose content changed since the last import of that key, the
 * withdrawals of a complete export, the updated keys, and the import's
 * status (cjx_import_status).
 *
 * The "imports" database of the agent's store keys by class and ref
 * ("posting/GX-JOB-017"), as the hub does: the value is the hash of the
 * packed item last imported, its outbox sequence and its kind; "seq/" and
 * the 8-byte sequence lead back to the key (cjx_import_forget). A row whose
 * ref an import of another kind holds is refused here: it is added to im's
 * refusals (hence im is not const), and counts as any refusal. A file with
 * refused rows stores no item unless p->valid_rows. With p->dry_run the
 * checks run and nothing is stored. Returns CJX_OK or CJX_ESTORE/CJX_ENOMEM
 * with nothing stored. */
cjx_err cjx_import_commit(cjx_import *im, cjx_outbox *ob, const cjx_import_policy *p,
                          cjx_import_result *r, cjx_fault *f);

/* Forgets the natural keys whose last imported item the hub refused (the
 * Nacks' outbox sequences; others are ignored), so that the row imported
 * again is sent again rather than skipped as unchanged. Called when the
 * agent settles refusals (agents/agent_link.c). Returns CJX_OK or
 * CJX_ESTORE. */
cjx_err cjx_import_forget(cjx_outbox *ob, Cjx__Nack *const *refused, size_t n, cjx_fault *f);

/* The status of the last import and the totals since the store was made,
 * as JSON (caller owns it): {"last": {file, finished, format, encoding,
 * kind, rows, accepted, refused, stored, unchanged, withdrawn, imported,
 * and withdraw_refused when a complete export withdrew nothing},
 * "files", "rows_accepted", "rows_refused"}; an empty object before any
 * import. NULL when out of memory. */
json_t *cjx_import_status(cjx_outbox *ob);

/* What an agent's configuration gives every import (import_env.c). */
typedef struct cjx_import_env {
    cjx_validator validator;
    uint8_t pseudonym_key[32];
    cjx_import_options options;       /* points into the env and the config */
    cjx_import_policy policy;
} cjx_import_env;

struct cjx_agent_config;

/* Opens the catalogues, reads the pseudonym key from ob and fills the
 * options and policy from cfg (which must outlive env). Returns CJX_OK, or
 * the fault of the catalogues or the store. */
cjx_err cjx_import_env_open(cjx_import_env *env, const struct cjx_agent_config *cfg,
                            cjx_outbox *ob, cjx_fault *f);
void cjx_import_env_close(cjx_import_env *env);

#endif
