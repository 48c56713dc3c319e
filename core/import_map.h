/* import_map.h — how the columns of an exported file fill the fields of one
 * kind of posting or record.
 *
 * A mapping is one INI file per kind, <dir>/<kind>.ini (config/import/ ships
 * one for every kind, with the Chinese column names clerks use):
 *
 *   [import]
 *   kind = job                 ; the detail field of Posting or Record
 *   name = 招聘岗位            ; a file whose name starts with it (or with the
 *                              ; kind) is of this kind
 *   key = ref                  ; the natural key: field paths, comma-separated
 *   [columns]
 *   岗位编号 = ref | GX-JOB-2026-017     ; column = field path | template example
 *   招聘人数 = job.headcount | 6
 *   [defaults]
 *   purpose = 毕业生就业质量年度报告     ; a field's value when no cell gives one
 *
 * Paths are below the posting or record: "title", "job.headcount",
 * "graduate_outcome.graduate.pii_id_number". Several columns may fill one
 * field (aliases); the template lists the first. A header that is itself a
 * path ("job.headcount") needs no line. <dir>/values.ini may give, in
 * [values], Chinese names of enum values ("信息技术 = information_tech"), for
 * every kind.
 *
 * The natural key makes re-imports idempotent: the row's ref, or when the row
 * gives none, one derived from the key's fields (cjx_import_make_item, import_row.h).
 */
#ifndef CJX_IMPORT_MAP_H
#define CJX_IMPORT_MAP_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "error.h"

#define CJX_IMPORT_NAME_MAX 96
#define CJX_IMPORT_TEXT_MAX 160
#define CJX_IMPORT_MAX_COLUMNS 64
#define CJX_IMPORT_MAX_DEFAULTS 16
#define CJX_IMPORT_MAX_KEY 4
#define CJX_IMPORT_MAX_VALUES 128

/* One column: its header, the field it fills (path and leaf descriptor)
 * and, in a mapping, the template's example. */
typedef struct cjx_import_column {
    char name[CJX_IMPORT_NAME_MAX];
    char path[CJX_IMPORT_NAME_MAX];
    char example[CJX_IMPORT_TEXT_MAX];
    const ProtobufCFieldDescriptor *field;
    int alias;                          /* fills a field a column before fills */
} cjx_import_column;

typedef struct cjx_import_map {
    char kind[48];
    char name[CJX_IMPORT_NAME_MAX];
    int is_record;
    const ProtobufCMessageDescriptor *body;      /* cjx.Posting or cjx.Record */
    cjx_import_column cols[CJX_IMPORT_MAX_COLUMNS];
    size_t ncols;
    cjx_import_column defaults[CJX_IMPORT_MAX_DEFAULTS]; /* value in .example */
    size_t ndefaults;
    char key[CJX_IMPORT_MAX_KEY][CJX_IMPORT_NAME_MAX];
    size_t nkey;
    char values[CJX_IMPORT_MAX_VALUES][2][64];   /* enum value aliases: text, name */
    size_t nvalues;
} cjx_import_map;

/* Loads <dir>/<kind>.ini and <dir>/values.ini (if there is one) into *m,
 * checking every path against the schema. Returns CJX_OK, CJX_EKIND (no
 * such kind, or no mapping for it), CJX_EIO or CJX_ECONFIG ("file:line:
 * why" in f->text). */
cjx_err cjx_import_map_load(const char *dir, const char *kind, cjx_import_map *m,
                            cjx_fault *f);

/* The kind a file's name announces: it starts with a mapping's kind or name
 * followed by nothing more, a digit or one of ". -_". The longest wins
 * (internship_placement over internship). Writes it to kind; 0, or -1 when
 * none does. The mappings' names are read once per process and folder. */
int cjx_import_kind_of_file(const char *dir, const char *file_name, char kind[48]);

/* Every kind that has a mapping in dir, comma-separated, into out. */
void cjx_import_kinds(const char *dir, char *out, size_t cap);

/* Resolves a field path below m's body; NULL when the schema has none there
 * that a cell can fill (a message, a repeated non-string), or when it is the
 * detail of another kind. */
const ProtobufCFieldDescriptor *cjx_import_resolve(const cjx_import_map *m, const char *path);

/* Ties the headers of a file to fields: out[i] for header i. Returns CJX_OK,
 * or CJX_EFIELD naming the first header that neither the mapping nor the
 * schema knows (f->field is the header), or CJX_EMALFORMED for a header
 * given twice. */
cjx_err cjx_import_bind(const cjx_import_map *m, char *const *headers, size_t n,
                        cjx_import_column *out, cjx_fault *f);

/* The JSON value of one cell for field fd: dates in the common forms
 * (2026-03-01, 2026/3/1, 2026年3月1日, 2026.3.1, 20260301) become
 * YYYY-MM-DD; whole numbers may have thousands separators; booleans are
 * 是/否, true/false, yes/no, y/n, 1/0; enum values their names or m's
 * aliases; a list of strings is split at commas, semicolons, 、 or blanks.
 * On success *out is a new reference; CJX_EDATE, CJX_EMALFORMED or CJX_ENOMEM
 * otherwise, with the reason in f->text. */
cjx_err cjx_import_cell(const cjx_import_map *m, const ProtobufCFieldDescriptor *fd,
                        const char *text, json_t **out, cjx_fault *f);

/* Normalises a date as above into out ("YYYY-MM-DD"); 0, or -1 when text is
 * not one of the forms. The day itself is checked by validation. */
int cjx_import_date(const char *text, char out[11]);

#endif
