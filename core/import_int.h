/* import_int.h — the inside of one file's import, shared by the files of
 * the import module (import.c, import_json.c, import_store.c); nothing
 * outside core/import*.c includes it. */
#ifndef CJX_IMPORT_INT_H
#define CJX_IMPORT_INT_H

#include "import.h"
#include "import_keys.h"

enum cjx_import_format { FMT_CSV, FMT_JSONL, FMT_ARRAY };

struct cjx_import {
    char *path;
    const cjx_import_options *o;
    char *text;                     /* the file as UTF-8 */
    size_t len, pos;                /* pos: how far the rows were read */
    cjx_encoding enc;
    enum cjx_import_format fmt;
    int done;
    cjx_import_map map;
    int have_map;
    cjx_import_ctx ctx;
    cjx_csv csv;
    cjx_import_column *cols;        /* the CSV's header, bound */
    size_t ncols;
    size_t line, counted;           /* JSON Lines: the line at pos */
    json_t *array;
    size_t index;
    cjx_import_item *items;
    size_t nitems, cap;
    cjx_import_keys keys;
    cjx_import_refusal *refusals;   /* grown as needed, to CJX_IMPORT_MAX_REFUSALS */
    size_t nrefusals, refusals_cap, refused, rows;
    size_t header_line;             /* CSV: the header's line */
};

/* Keeps a refusal (the first CJX_IMPORT_MAX_REFUSALS in detail). */
void cjx_import_refuse(cjx_import *im, size_t row, const char *column, const char *value,
                       const cjx_fault *fault);

/* Makes the item of JSON obj and keeps it, or the refusal; cols and cells
 * (n of them) when obj came from columns, to name the one at fault. -1 when
 * memory ran out. */
int cjx_import_take(cjx_import *im, const json_t *obj, size_t row,
                    const cjx_import_column *cols, char *const *cells, size_t n);

/* One row of n cells under cols: its JSON item, then cjx_import_take. */
int cjx_import_take_row(cjx_import *im, const cjx_import_column *cols, char *const *cells,
                        size_t n, size_t row);

/* Strips blanks at both ends, in place. */
void cjx_import_trim(char *s);

/* Sets f to a JSON syntax error at err, told by line (counted from
 * first_line) and column only: jansson's text quotes the input, which may
 * be personal data. Returns CJX_EMALFORMED. */
cjx_err cjx_import_json_fault(cjx_fault *f, const json_error_t *err, size_t first_line,
                              const char *what);

/* import_json.c: the next value of JSON Lines or of the array; sets
 * im->done after the last. -1 when memory ran out. */
int cjx_import_json_value(cjx_import *im);

#endif
